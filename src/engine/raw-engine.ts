/**
 * A raw TCP/IPC connection with no ZMTP at all: the engine behind STREAM sockets (libzmq `raw_engine_t`).
 *
 * - Ready as soon as the connection exists: no greeting, no handshake; the peer is anonymous.
 * - Every chunk the transport delivers becomes one single-frame message `[bytes]` (TCP has no message
 *   boundaries, so neither does this: libzmq likewise hands out whatever one read returned).
 * - Every frame of every outgoing message is written as it is, with nothing added, through the same
 *   output writer as ZMTP (engine/output-writer.ts: batching, back-pressure, linger).
 * - With `notify` (ZMQ_STREAM_NOTIFY, default on), an empty message announces the connection when it is
 *   made and another one when the peer goes away — libzmq's `raw_engine_t::plug_internal` / `error`. A close
 *   the socket asked for (STREAM `[id, ""]`) is not announced, as in libzmq.
 * - Back-pressure both ways: reading pauses while the pipe's inbound queue is at its HWM.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import type { CommandMsg, Msg, PeerInfo, Pipe } from "../pipe.ts";
import { readFrom, type ByteStream } from "../transports/byte-stream.ts";
import type { Engine, EngineClose, EngineSessionHost } from "./engine.ts";
import { OutputWriter, type WriterOwner } from "./output-writer.ts";

export interface RawEngineOptions {
  /** Deliver an empty message on connect and on disconnect (ZMQ_STREAM_NOTIFY). */
  notify: boolean;
}

const EMPTY = Buffer.alloc(0);

export class RawEngine implements Engine, WriterOwner {
  readonly #stream: ByteStream;
  readonly #host: EngineSessionHost;
  readonly #opts: RawEngineOptions;
  readonly #out: OutputWriter;
  #pipe: Pipe | null = null;
  #closed = false;
  #inputBlocked = false;
  /** The socket closed the pipe (its queued output is being written): no disconnect notice. */
  #closing = false;

  readonly #resumeBound = (): void => this.#resumeInput();

  constructor(stream: ByteStream, host: EngineSessionHost, opts: RawEngineOptions, remoteAddress: string) {
    this.#stream = stream;
    this.#host = host;
    this.#opts = opts;
    this.#out = new OutputWriter(stream, this);
    readFrom(stream, { onBytes: (chunk) => this.#onData(chunk), readTarget: () => null });
    stream.on("error", (err) => this.#peerGone(err));
    stream.on("end", () => this.#peerGone());
    stream.on("close", () => this.#peerGone());
    this.#out.open();
    const peer: PeerInfo = { socketType: "", identity: EMPTY, properties: [], major: 0, minor: 0, remoteAddress };
    // No handshake: the connection is usable now (the host attaches the pipe synchronously).
    host.engineReady(this, peer);
    // libzmq raw_engine_t::plug_internal: "send an initial 0-length message ... a peer has connected".
    if (this.#pipe !== null && opts.notify) this.#pipe.inbound.push([EMPTY]);
  }

  // ---------------------------------------------------------------- input

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    const pipe = this.#pipe;
    if (pipe === null || pipe.terminated) return; // nobody to read it (a refused connection)
    if (!pipe.inbound.push([chunk])) {
      this.#inputBlocked = true;
      this.#stream.pause();
    }
  }

  #resumeInput(): void {
    if (!this.#inputBlocked || this.#closed) return;
    this.#inputBlocked = false;
    this.#stream.resume();
  }

  // ---------------------------------------------------------------- pipe

  attach(pipe: Pipe): void {
    this.#pipe = pipe;
    pipe.bindEnd(this, this.#resumeBound, this.#out.scheduleFlushBound);
    this.#out.setSource(pipe.outbound);
  }

  detach(): Pipe | null {
    const p = this.#pipe;
    this.#pipe = null;
    this.#out.setSource(null);
    p?.unbindEnd(this);
    return p;
  }

  /** PipeEnd: the socket closed the pipe. Write what is queued (for up to `linger` ms), then FIN. */
  close(linger: number): void {
    if (this.#closed) return;
    // The socket is done with this pipe: nothing more is delivered to it (and no disconnect notice).
    this.#closing = true;
    if (this.#out.linger(linger)) return;
    this.#finish(true);
  }

  /** Commands mean nothing on a raw connection. */
  sendPriority(_msg: CommandMsg): void {}

  destroy(): void {
    this.#finish(false);
  }

  // ---------------------------------------------------------------- output

  /** WriterOwner: every frame as it is. */
  writeMessage(msg: Msg): void {
    for (const frame of msg) this.#out.bytes(frame);
  }

  /** WriterOwner: lingering ended. */
  lingerDone(flushed: boolean): void {
    this.#finish(flushed);
  }

  // ---------------------------------------------------------------- close

  /** The peer closed (or the connection failed): announce it, then report to the session. */
  #peerGone(err?: Error): void {
    if (this.#closed) return;
    const pipe = this.#pipe;
    // libzmq raw_engine_t::error: "send a final 0-length message ... the peer has been disconnected".
    if (pipe !== null && !pipe.terminated && !this.#closing && this.#opts.notify) pipe.inbound.push([EMPTY]);
    const info: EngineClose = { duringHandshake: false, kind: "io", retry: true };
    if (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "ECONNRESET";
      info.error = new ZmqError(code, err.message, { cause: err });
    }
    this.#close(info, false);
  }

  #finish(graceful: boolean): void {
    this.#close({ duringHandshake: false, kind: "other", retry: false }, graceful);
  }

  #close(info: EngineClose, graceful: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#out.end(graceful);
    this.#host.engineClosed(this, info);
  }
}
