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
 *   full queue makes send() wait, and so does a send to the routing id given to a connect() whose
 *   connection is not up yet (libzmq queues it in the pipe it makes at connect time; zocket makes a
 *   STREAM pipe only with its connection, so the send waits for it). Only the first frame after the id is data: libzmq treats any further
 *   frame as the start of a new message that has no data and ignores it.
 * - The raw engine comes from {@link RawEngine} through the session's `createEngine` hook.
 */
import { ZmqError } from "../errors.ts";
import type { ByteStream } from "../transports/byte-stream.ts";
import type { Engine, EngineSessionHost } from "../engine/engine.ts";
import { RawEngine } from "../engine/raw-engine.ts";
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import { RoutingTable } from "../routing/routing-table.ts";
import type { Endpoint } from "../transports/endpoint.ts";
import { randomU32 } from "../util/random.ts";
import {
  kConnectEndpoint,
  kOptions,
  kTerminatePipe,
  xattach,
  xclosed,
  xcreateEngine,
  xhasIn,
  xhasOut,
  xneedsPeer,
  xreadable,
  xrecv,
  xsend,
  xterminated,
} from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import type { OptionProps, OptionStore } from "./options.ts";
import { connectRoutingId, type RouterConnectOptions } from "./router.ts";
import { finishSocket, type MessageLike, type Readable, Socket, type Writable } from "./socket-base.ts";

/** zeromq.js `StreamConnectOptions`: `{ routingId }` for `stream.connect()`. */
export type StreamConnectOptions = RouterConnectOptions;

export class Stream extends Socket {
  /** @internal */
  declare readonly [kOptions]: OptionStore<"STREAM">;
  readonly #fq = new FairQueue();
  readonly #table = new RoutingTable(randomU32());
  /** Routing ids given to connect() calls whose connection has not come up yet: endpoint by id (latin1). */
  readonly #connecting = new Map<string, string>();

  constructor(options?: Partial<Omit<Stream, "send" | "receive" | "connect">> & { context?: unknown }) {
    super("STREAM", options);
    finishSocket(this, options);
  }

  /** @internal STREAM connections carry raw bytes, not ZMTP. */
  override [xcreateEngine](stream: ByteStream, host: EngineSessionHost, remoteAddress: string): Engine {
    return new RawEngine(stream, host, { notify: this[kOptions].notify }, remoteAddress);
  }

  /**
   * Connect to a plain TCP (or IPC) server. `options.routingId` (1 to 255 bytes) is the id its messages
   * carry (ZMQ_CONNECT_ROUTING_ID); otherwise it gets an auto id, announced by the connect notification.
   */
  override connect(address: string, options?: StreamConnectOptions): void {
    const id = connectRoutingId(options);
    this.#table.connect(id, () => super.connect(address));
    if (id !== null) this.#connecting.set(id.toString("latin1"), address);
  }

  /** @internal */
  override [kConnectEndpoint](ep: Endpoint): void {
    this.#table.claim(ep.address);
    super[kConnectEndpoint](ep);
  }

  override disconnect(address: string): void {
    super.disconnect(address);
    this.#table.forget(address);
    for (const [k, ep] of this.#connecting) if (ep === address) this.#connecting.delete(k);
  }

  /** @internal Pipes exist only while a connection does (each connection is its own peer). */
  override [xneedsPeer](): boolean {
    return true;
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    // libzmq stream_t::identify_peer: the connect routing id, else an auto id.
    const connectId = this.#table.connectId(pipe);
    if (connectId !== null) this.#connecting.delete(connectId.toString("latin1"));
    this.#table.add(pipe, connectId ?? this.#table.autoId());
    this.#fq.attach(pipe);
  }

  /** @internal */
  override [xreadable](pipe: Pipe): void {
    this.#fq.activate(pipe);
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    this.#table.delete(pipe);
    // The disconnect notification (and data before it) is still read; fq drops the pipe once drained.
    this.#fq.terminated(pipe);
  }

  /** @internal */
  override [xclosed](): void {
    this.#table.clear();
    this.#connecting.clear();
  }

  /** @internal */
  [xsend](msg: Msg): boolean {
    if (msg.length < 2) return true; // libzmq: an id with no data frame is ignored
    const id = msg[0]!;
    const pipe = this.#table.get(id);
    if (pipe === undefined) {
      // Connecting with this id: wait for the connection (a full queue's wait; sendTimeout applies).
      if (this.#connecting.has(id.toString("latin1"))) return false;
      throw new ZmqError("EHOSTUNREACH", `Host unreachable: no STREAM peer with routing id 0x${id.toString("hex")}`);
    }
    const data = msg[1]!;
    if (data.length === 0) {
      // libzmq: "Close the remote connection if user has asked to do so by sending zero length message".
      // What was sent to it before is written first, whatever the linger (libzmq may drop it: a race
      // nobody wants, since "respond, then close" is how STREAM servers work).
      this[kTerminatePipe](pipe, -1);
      return true;
    }
    if (pipe.write([data])) return true;
    if (pipe.terminated) {
      throw new ZmqError("EHOSTUNREACH", `Host unreachable: STREAM peer 0x${id.toString("hex")} has gone`);
    }
    return false; // full: wait for room (libzmq EAGAIN)
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    const m = this.#fq.recv();
    if (m === undefined) return undefined;
    return [this.#fq.lastPipe!.routingId!, m[0]!];
  }

  /** @internal */
  override [xhasIn](): boolean {
    return this.#fq.hasIn();
  }

  /** @internal libzmq: "In theory, STREAM socket is always ready for writing." */
  override [xhasOut](): boolean {
    return true;
  }
}
defineOptions(Stream.prototype, "STREAM");

export interface Stream extends Readable, Writable, OptionProps<"STREAM"> {
  send(message: [MessageLike, MessageLike] | MessageLike[]): Promise<void>;
  receive(): Promise<[Buffer, Buffer]>;
}
