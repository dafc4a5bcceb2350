/**
 * A raw TCP/IPC connection with no ZMTP at all: the engine behind STREAM sockets (libzmq `raw_engine_t`).
 *
 * - Ready as soon as the connection exists: no greeting, no handshake; the peer is anonymous.
 * - Every chunk the transport delivers becomes one single-frame message `[bytes]` (TCP has no message
 *   boundaries, so neither does this: libzmq likewise hands out whatever one read returned).
 * - Every frame of every outgoing message is written as it is, with nothing added.
 * - With `notify` (ZMQ_STREAM_NOTIFY, default on), an empty message announces the connection when it is
 *   made and another one when the peer goes away — libzmq's `raw_engine_t::plug_internal` / `error`. A close
 *   the socket asked for (STREAM `[id, ""]`) is not announced, as in libzmq.
 * - Back-pressure both ways: reading pauses while the pipe's inbound queue is at its HWM; writing waits
 *   for `drain`.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import type { CommandMsg, Msg, PeerInfo, Pipe } from "../pipe.ts";
import { readFrom, type ByteStream } from "./byte-stream.ts";
import type { Engine, EngineSessionHost } from "./engine.ts";
import type { EngineClose } from "./zmtp-engine.ts";

export interface RawEngineOptions {
  /** Deliver an empty message on connect and on disconnect (ZMQ_STREAM_NOTIFY). */
  notify: boolean;
}

const EMPTY = Buffer.alloc(0);

export class RawEngine implements Engine {
  readonly #stream: ByteStream;
  readonly #host: EngineSessionHost;
  readonly #opts: RawEngineOptions;
  readonly remoteAddress: string;
  #pipe: Pipe | null = null;
  #closed = false;
  #inputBlocked = false;
  #waitingDrain = false;
  #flushScheduled = false;
  #lingering = false;
  #lingerTimer: NodeJS.Timeout | null = null;

  readonly #flushBound = (): void => this.#flush();
  readonly #scheduleFlushBound = (): void => this.#scheduleFlush();
  readonly #resumeBound = (): void => this.#resumeInput();

  constructor(stream: ByteStream, host: EngineSessionHost, opts: RawEngineOptions, remoteAddress: string) {
    this.#stream = stream;
    this.#host = host;
    this.#opts = opts;
    this.remoteAddress = remoteAddress;
    readFrom(stream, { onBytes: (chunk) => this.#onData(chunk), readTarget: () => null });
    stream.on("drain", () => {
      this.#waitingDrain = false;
      this.#flush();
    });
    stream.on("error", (err) => this.#peerGone(err));
    stream.on("end", () => this.#peerGone());
    stream.on("close", () => this.#peerGone());
    const peer: PeerInfo = { socketType: "", identity: EMPTY, properties: [], major: 0, minor: 0, remoteAddress };
    // No handshake: the connection is usable now (the host attaches the pipe synchronously).
    host.engineReady(this, peer);
    // libzmq raw_engine_t::plug_internal: "send an initial 0-length message ... a peer has connected".
    if (this.#pipe !== null && opts.notify) this.#pipe.inbound.push([EMPTY]);
  }

  get closed(): boolean {
    return this.#closed;
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
    pipe.bindEnd(this, this.#resumeBound, this.#scheduleFlushBound);
    if (pipe.outbound.length > 0) this.#scheduleFlush();
  }

  detach(): Pipe | null {
    const p = this.#pipe;
    this.#pipe = null;
    p?.unbindEnd(this);
    return p;
  }

  /** PipeEnd: the socket closed the pipe. Write what is queued (for up to `linger` ms), then FIN. */
  close(linger: number): void {
    if (this.#closed) return;
    // The socket is done with this pipe: nothing more is delivered to it (and no disconnect notice).
    const pipe = this.#pipe;
    if (linger === 0 || pipe === null || pipe.outbound.length === 0) {
      this.#finish(true);
      return;
    }
    this.#lingering = true;
    this.#stream.pause();
    if (linger > 0) this.#lingerTimer = setTimeout(() => this.#finish(false), linger);
    this.#flush();
  }

  /** Commands mean nothing on a raw connection. */
  sendPriority(_msg: CommandMsg): void {}

  destroy(): void {
    this.#finish(false);
  }

  // ---------------------------------------------------------------- output

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#closed) return;
    this.#flushScheduled = true;
    setImmediate(this.#flushBound);
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#closed) return;
    const pipe = this.#pipe;
    if (pipe !== null && !this.#waitingDrain) {
      this.#stream.cork();
      for (;;) {
        const msg: Msg | undefined = pipe.outbound.read();
        if (msg === undefined) break;
        for (const frame of msg) if (frame.length > 0 && !this.#stream.destroyed) this.#stream.write(frame);
        if (this.#stream.writableNeedDrain) {
          this.#waitingDrain = true;
          break;
        }
      }
      this.#stream.uncork();
    }
    if (this.#lingering && !this.#waitingDrain && (pipe === null || pipe.outbound.length === 0)) this.#finish(true);
  }

  // ---------------------------------------------------------------- close

  /** The peer closed (or the connection failed): announce it, then report to the session. */
  #peerGone(err?: Error): void {
    if (this.#closed) return;
    const pipe = this.#pipe;
    // libzmq raw_engine_t::error: "send a final 0-length message ... the peer has been disconnected".
    if (pipe !== null && !pipe.terminated && !this.#lingering && this.#opts.notify) pipe.inbound.push([EMPTY]);
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
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
    if (graceful && !this.#stream.destroyed) {
      // Let what was written reach the peer, then FIN; a peer that never reads cannot hold us for long.
      this.#stream.end();
      const t = setTimeout(() => this.#stream.destroy(), 2000);
      t.unref();
    } else {
      this.#stream.destroy();
    }
    this.#host.engineClosed(this, info);
  }
}
