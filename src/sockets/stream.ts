/**
 * STREAM (libzmq `stream.cpp`): plain TCP (or IPC) peers with no ZMTP at all — how zocket serves an HTTP
 * client, `nc` or a telnet session, or talks to a plain TCP server.
 *
 * - Every peer gets a routing id: libzmq's auto id (`00 ‖ u32be counter`, random start), or the id given
 *   with `stream.connect(endpoint, { routingId })`.
 * - receive() gives `[id, data]`, data being whatever bytes one read returned (TCP has no message
 *   boundaries). With `notify` (ZMQ_STREAM_NOTIFY, on by default) a new connection is announced as
 *   `[id, ""]` and so is a peer that went away.
 * - send(`[id, data]`) writes the bytes to that peer; send(`[id, ""]`) closes its connection after
 *   writing all that was sent to it before (whatever `linger` is). An unknown id is EHOSTUNREACH; a
 *   full queue makes send() wait. Only the first frame after the id is data: libzmq treats any further
 *   frame as the start of a new message that has no data and ignores it.
 * - The raw engine comes from {@link RawEngine} through the session's `createEngine` hook.
 */
import { ZmqError } from "../errors.ts";
import type { ByteStream } from "../transports/byte-stream.ts";
import type { Engine, EngineSessionHost } from "../engine/engine.ts";
import { RawEngine } from "../engine/raw-engine.ts";
import type { Msg, Pipe } from "../pipe.ts";
import { ConnectRoutingIds } from "../routing/connect-ids.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import type { Endpoint } from "../transports/endpoint.ts";
import type { OptionSpec } from "./options.ts";
import { autoId, connectRoutingId, idKey, randomU32, type RouterConnectOptions } from "./router.ts";
import { defineOptions, Socket, type MessageLike, type Readable, type Writable } from "./socket-base.ts";

/** zeromq.js `StreamConnectOptions`: `{ routingId }` for `stream.connect()`. */
export type StreamConnectOptions = RouterConnectOptions;

export const STREAM_OPTIONS: Record<string, OptionSpec> = {
  notify: { kind: "bool", default: true },
};

export class Stream extends Socket {
  readonly #fq = new FairQueue();
  readonly #out = new Map<string, Pipe>();
  readonly #connectIds = new ConnectRoutingIds();
  #nextId = randomU32();

  constructor(options?: Partial<Omit<Stream, "send" | "receive" | "connect">> & { context?: unknown }) {
    super("STREAM", options, STREAM_OPTIONS);
  }

  /** SessionOwner hook: STREAM connections carry raw bytes, not ZMTP. */
  createEngine(stream: ByteStream, host: EngineSessionHost, remoteAddress: string, _peerAddress: string): Engine {
    return new RawEngine(stream, host, { notify: this.options["notify"] !== false }, remoteAddress);
  }

  /**
   * Connect to a plain TCP (or IPC) server. `options.routingId` (1 to 255 bytes) is the id its messages
   * carry (ZMQ_CONNECT_ROUTING_ID); otherwise it gets an auto id, announced by the connect notification.
   */
  override connect(address: string, options?: StreamConnectOptions): void {
    const id = connectRoutingId(options, "Stream");
    this.#connectIds.connect(id, (k) => this.#out.has(k), () => super.connect(address));
  }

  protected override connectEndpoint(ep: Endpoint): void {
    this.#connectIds.claim(ep.address);
    super.connectEndpoint(ep);
  }

  override disconnect(address: string): void {
    super.disconnect(address);
    this.#connectIds.forget(address);
  }

  /** Pipes exist only while a connection does (each connection is its own peer). */
  protected override xneedsPeer(): boolean {
    return true;
  }

  protected xattach(pipe: Pipe): void {
    // libzmq stream_t::identify_peer: the connect routing id, else an auto id.
    let id: Buffer | null = null;
    if (pipe.outgoing) {
      const cid = this.#connectIds.get(pipe.endpoint);
      if (cid !== undefined && !this.#out.has(idKey(cid))) id = cid;
    }
    if (id === null) {
      id = autoId(this.#nextId);
      this.#nextId = (this.#nextId + 1) >>> 0;
    }
    pipe.routingId = id;
    this.#out.set(idKey(id), pipe);
    this.#fq.attach(pipe);
  }

  protected override xreadable(pipe: Pipe): void {
    this.#fq.activate(pipe);
  }

  protected override xterminated(pipe: Pipe): void {
    if (pipe.routingId !== null) {
      const k = idKey(pipe.routingId);
      if (this.#out.get(k) === pipe) this.#out.delete(k);
    }
    // The disconnect notification (and data before it) is still read; fq drops the pipe once drained.
    this.#fq.terminated(pipe);
  }

  protected override xclosed(): void {
    this.#out.clear();
  }

  protected xsend(msg: Msg): boolean {
    if (msg.length < 2) return true; // libzmq: an id with no data frame is ignored
    const id = msg[0]!;
    const pipe = this.#out.get(idKey(id));
    if (pipe === undefined) {
      throw new ZmqError("EHOSTUNREACH", `Host unreachable: no STREAM peer with routing id 0x${id.toString("hex")}`);
    }
    const data = msg[1]!;
    if (data.length === 0) {
      // libzmq: "Close the remote connection if user has asked to do so by sending zero length message".
      // What was sent to it before is written first, whatever the linger (libzmq may drop it: a race
      // nobody wants, since "respond, then close" is how STREAM servers work).
      this.terminatePipe(pipe, -1);
      return true;
    }
    if (pipe.write([data])) return true;
    if (pipe.terminated) throw new ZmqError("EHOSTUNREACH", `Host unreachable: STREAM peer 0x${id.toString("hex")} has gone`);
    return false; // full: wait for room (libzmq EAGAIN)
  }

  protected xrecv(): Msg | undefined {
    const m = this.#fq.recv();
    if (m === undefined) return undefined;
    return [this.#fq.lastPipe!.routingId!, m[0]!];
  }

  protected override xhasIn(): boolean {
    return this.#fq.hasIn();
  }

  /** libzmq: "In theory, STREAM socket is always ready for writing." */
  protected override xhasOut(): boolean {
    return true;
  }
}
defineOptions(Stream.prototype, STREAM_OPTIONS);

export interface Stream extends Readable, Writable {
  /** ZMQ_STREAM_NOTIFY: `[id, ""]` when a peer connects or disconnects (default true). */
  notify: boolean;
  send(message: [MessageLike, MessageLike] | MessageLike[]): Promise<void>;
  receive(): Promise<[Buffer, Buffer]>;
}
