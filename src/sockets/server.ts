/**
 * SERVER (RFC 41; libzmq `server.cpp`) and the routing it shares with PEER (`peer_t : server_t`).
 *
 * Every pipe gets a 32-bit routing id when it attaches — a counter that starts at a random value and skips
 * 0 (docs/drafts-notes.md §7). A received message comes with the id of its pipe; a sent one names the pipe
 * by id: an unknown id is EHOSTUNREACH, a full pipe EAGAIN at once (libzmq's `xhas_out` is always true, so
 * zeromq.js never waits). Messages are single-part: a multipart send is EINVAL, a multipart message
 * received is dropped (§4).
 *
 * zeromq.js's API: `receive()` resolves with `[msg, { routingId }]`, `send(msg, { routingId })` (§8).
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import type { Msg, Pipe } from "../pipe.ts";
import type { SocketTypeName } from "../protocol/constants.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import { randomU32 } from "../util/random.ts";
import { checkSendArguments, hasSinglePart, multipartRefused, recvSinglePart, sendRoutingId } from "./draft-common.ts";
import { xattach, xclosed, xhasIn, xhasOut, xreadable, xrecv, xsend, xterminated } from "./hooks.ts";
import { finishSocket, type Message, type MessageLike, type Readable, Socket, type Writable } from "./socket-base.ts";

/** zeromq.js `ServerRoutingOptions`: the peer a message came from, or goes to. */
export interface ServerRoutingOptions {
  routingId: number;
}

/** What SERVER's and PEER's receive() give, typed: the message and its peer's routing id. */
export type RoutedMessage = [Message, ServerRoutingOptions];

/** The id of a pipe (kept as 4 bytes in `Pipe.routingId`, the field ROUTER uses for its ids). */
function idOf(pipe: Pipe): number {
  return pipe.routingId!.readUInt32BE(0);
}

/** @internal The routing id the last attached pipe got (PEER's connectPeer returns it). */
export const kLastAttachedId = Symbol("zocket.server.lastAttachedId");

/** The routing of SERVER and PEER. */
export abstract class ServerBase extends Socket {
  readonly #fq = new FairQueue();
  readonly #pipes = new Map<number, Pipe>();
  #nextId = randomU32();
  /** The id of the last pipe attached (PEER's connectPeer() returns it). */
  #lastId = 0;
  /** The routing id of the send in progress (sends never wait here, so it is used at once). */
  #sendTo = 0;
  readonly #typeName: string;
  /** A message taken off a pipe by xhasIn(): multipart ones are dropped, so it has to look. */
  #prefetched: Msg | undefined = undefined;
  readonly #keep = (m: Msg): void => {
    this.#prefetched = this.#withId(m);
  };

  protected constructor(type: SocketTypeName, className: string, options: object | undefined) {
    super(type, options);
    this.#typeName = className;
  }

  /** @internal */
  get [kLastAttachedId](): number {
    return this.#lastId;
  }

  /**
   * Send `message` to the peer `options.routingId`. Rejects with EHOSTUNREACH when no peer has that id,
   * and with EAGAIN at once when that peer's queue is full (as zeromq.js: SERVER never waits).
   */
  override send(message: MessageLike, options: ServerRoutingOptions): Promise<void> {
    checkSendArguments(message, options, arguments.length);
    // zeromq.js converts the id after the socket checks (a closed socket is EBADF first).
    if (!this.closed) this.#sendTo = sendRoutingId((options as { routingId?: unknown }).routingId, this.#typeName);
    return super.send(message);
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    let id = this.#nextId;
    // Post-increment, skipping 0, and never an id a live pipe holds (after 2^32 attaches).
    while (id === 0 || this.#pipes.has(id)) id = (id + 1) >>> 0;
    this.#nextId = (id + 1) >>> 0;
    const rid = Buffer.allocUnsafe(4);
    rid.writeUInt32BE(id, 0);
    pipe.routingId = rid;
    this.#pipes.set(id, pipe);
    this.#lastId = id;
    this.#fq.attach(pipe);
  }

  /** @internal */
  override [xreadable](pipe: Pipe): void {
    this.#fq.activate(pipe);
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    if (pipe.routingId !== null && this.#pipes.get(idOf(pipe)) === pipe) this.#pipes.delete(idOf(pipe));
    this.#fq.terminated(pipe);
  }

  /** @internal */
  override [xclosed](): void {
    this.#pipes.clear();
  }

  /** @internal */
  [xsend](msg: Msg): boolean {
    if (msg.length !== 1) throw multipartRefused(this.#typeName);
    const id = this.#sendTo;
    const pipe = this.#pipes.get(id);
    if (pipe === undefined || pipe.terminated) {
      throw new ZmqError("EHOSTUNREACH", `Host unreachable: no peer with routing id ${id}`);
    }
    if (!pipe.write(msg)) {
      throw new ZmqError("EAGAIN", `the queue of peer ${id} is full (sendHighWaterMark): try again later`);
    }
    return true;
  }

  #withId(m: Msg): Msg {
    const meta: ServerRoutingOptions = { routingId: idOf(this.#fq.lastPipe!) };
    // The socket base hands xrecv's result to the caller as it is: here zeromq.js's [msg, { routingId }].
    return [m[0]!, meta as unknown as Buffer];
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    const p = this.#prefetched;
    if (p !== undefined) {
      this.#prefetched = undefined;
      return p;
    }
    const m = recvSinglePart(this.#fq);
    return m === undefined ? undefined : this.#withId(m);
  }

  /** @internal */
  override [xhasIn](): boolean {
    return this.#prefetched !== undefined || hasSinglePart(this.#fq, this.#keep);
  }

  /** @internal libzmq: a message for some peer can always be tried (`server.cpp:151`). */
  override [xhasOut](): boolean {
    return true;
  }
}

/** The implementation of {@link Server}: the package exports it under that name, with zeromq.js's typing. */
export class ServerSocket extends ServerBase {
  constructor(options?: ServerOptions) {
    super("SERVER", "Server", options);
    finishSocket(this, options);
  }
}
Object.defineProperty(ServerSocket, "name", { value: "Server" });

/** The options `new Server(options)` takes. */
export type ServerOptions = Partial<Omit<Server, "send" | "receive" | typeof Symbol.asyncIterator>> & {
  context?: unknown;
};

/**
 * A SERVER socket (DRAFT, zeromq.js `zeromq/draft`): talks to any number of CLIENTs; each received
 * message comes with its client's routing id, and a reply names the client by it.
 *
 * ```ts
 * for await (const [msg, { routingId }] of server) await server.send(msg, { routingId });
 * ```
 */
export interface Server extends Omit<ServerSocket, "send" | "receive" | typeof Symbol.asyncIterator> {
  send(message: MessageLike, options: ServerRoutingOptions): Promise<void>;
  receive(): Promise<RoutedMessage>;
  [Symbol.asyncIterator](): AsyncIterator<RoutedMessage, undefined>;
}

export const Server: {
  new (options?: ServerOptions): Server;
  readonly prototype: Server;
} = ServerSocket as never;

export interface ServerSocket extends Readable, Writable {}
