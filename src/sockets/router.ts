/**
 * ROUTER (RFC 28; libzmq `router.cpp`): every received message is prefixed with the routing id of the
 * peer it came from; every sent message is routed by its first frame.
 *
 * Routing ids (docs/zmtp-notes.md §4.2, G23):
 * - the peer's non-empty `Identity` property;
 * - else an auto id, 5 bytes `00 ‖ u32be counter` (the counter starts at a random value);
 * - or, for an outgoing connection, the id given with `router.connect(endpoint, { routingId })`
 *   (ZMQ_CONNECT_ROUTING_ID). Such a peer is routable at once, before it is even connected: messages
 *   for it wait in its pipe, as in libzmq.
 * A peer whose identity is already taken is left unattached (its messages are not read) unless `handover`
 * is set, in which case it takes the id over and the old connection is closed. libzmq tries an unattached
 * peer again whenever it sends something, so it gets in once the id is free; so does zocket.
 *
 * Sending: an unknown id or a full pipe drops the message silently, unless `mandatory`: then an unknown
 * id is EHOSTUNREACH and a full pipe makes send() wait (libzmq EAGAIN). `probeRouter` sends an empty
 * message to each new peer. `notify` (DRAFT ZMQ_ROUTER_NOTIFY, local only: 1 = connect, 2 = disconnect)
 * delivers `[id, ""]` when a peer connects or goes away.
 *
 * {@link RouterBase} holds the routing table and is shared with REP, which libzmq also builds on ROUTER.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import { framesFrom, type Msg, type Pipe } from "../pipe.ts";
import type { SocketTypeName } from "../protocol/constants.ts";
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
  xhasIn,
  xhasOut,
  xpeerKnown,
  xpeerTerminated,
  xreadable,
  xrecv,
  xsend,
  xterminated,
} from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import { checkRoutingId } from "./option-values.ts";
import type { OptionProps, OptionStore } from "./options.ts";
import { finishSocket, type MessageLike, type Readable, Socket, type Writable } from "./socket-base.ts";

const EMPTY = Buffer.alloc(0);

/** ZMQ_NOTIFY_CONNECT / ZMQ_NOTIFY_DISCONNECT bits of `notify`. */
const NOTIFY_CONNECT = 1;
const NOTIFY_DISCONNECT = 2;

/** zeromq.js `RouterConnectOptions` (also used by STREAM). */
export interface RouterConnectOptions {
  /** Routing id for this peer (1 to 255 bytes): ZMQ_CONNECT_ROUTING_ID. */
  routingId?: string | Buffer;
}

/** @internal RouterBase's fair-queue, shared with REP; and what only Router calls. */
export const kFq = Symbol("zocket.router.fq");
const kRouteRecv = Symbol("zocket.router.routeRecv");
const kRouteSend = Symbol("zocket.router.routeSend");
const kConnectWithId = Symbol("zocket.router.connectWithId");

/**
 * Validate the `routingId` of `connect(address, { routingId })`: 1 to 255 bytes (ZMTP identities), else
 * EINVAL. Returns null when none was given.
 */
export function connectRoutingId(options: unknown): Buffer | null {
  if (options === undefined || options === null) return null;
  if (typeof options !== "object") {
    throw new ZmqError("EINVAL", `connect() options must be an object such as { routingId: "peer-1" }`);
  }
  return checkRoutingId("routingId", (options as { routingId?: unknown }).routingId);
}

/** The routing machinery of ROUTER, reused by REP. */
export abstract class RouterBase extends Socket {
  /** @internal ROUTER's options; REP, built on it, has only `routingId` of them. */
  declare readonly [kOptions]: OptionStore<"REP"> & Partial<OptionStore<"ROUTER">>;
  // Private, with a getter for REP (built on this class) to reach it.
  readonly #fq = new FairQueue();
  /** @internal */
  protected get [kFq](): FairQueue {
    return this.#fq;
  }
  /** Identified peers by routing id, and the ids given at connect(). */
  readonly #table = new RoutingTable(randomU32());
  /** Connected peers without a usable id yet (duplicate identity, or handshake not done). */
  readonly #anonymous = new Set<Pipe>();

  protected constructor(type: SocketTypeName, options: object | undefined) {
    super(type, options);
  }

  #notify(): number {
    return this[kOptions].notify ?? 0;
  }

  // ------------------------------------------------------------------ connect with a routing id

  /** @internal connect() with zeromq.js's `{ routingId }` option (ZMQ_CONNECT_ROUTING_ID). */
  protected [kConnectWithId](address: string, options: unknown): void {
    const id = connectRoutingId(options);
    this.#table.connect(id, () => super.connect(address));
  }

  /** @internal */
  override [kConnectEndpoint](ep: Endpoint): void {
    this.#table.claim(ep.address);
    super[kConnectEndpoint](ep);
  }

  override disconnect(address: string): void {
    super.disconnect(address);
    this.#table.forget(address);
  }

  // ------------------------------------------------------------------ identification

  /** libzmq `router_t::identify_peer`. False leaves the pipe anonymous. */
  #identify(pipe: Pipe): boolean {
    const table = this.#table;
    let id = table.connectId(pipe);
    if (id === null) {
      if (pipe.peer === null) return false; // handshake not done yet
      const pid = pipe.peer.identity;
      if (pid.length === 0) {
        id = table.autoId();
      } else {
        const existing = table.get(pid);
        if (existing !== undefined) {
          if (this[kOptions].handover !== true) return false; // libzmq: "Ignore peers with duplicate ID"
          // libzmq: the old pipe gets a temporary id and is terminated; the newcomer takes the id over.
          table.rename(existing, table.autoId());
          this[kTerminatePipe](existing);
        }
        id = Buffer.from(pid);
      }
    }
    table.add(pipe, id);
    return true;
  }

  #notifyConnect(pipe: Pipe): void {
    if ((this.#notify() & NOTIFY_CONNECT) !== 0) pipe.inbound.push([EMPTY]);
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    if (this[kOptions].probeRouter === true) pipe.write([EMPTY]);
    if (this.#identify(pipe)) {
      this[kFq].attach(pipe);
      if (pipe.peer !== null) this.#notifyConnect(pipe);
    } else {
      this.#anonymous.add(pipe);
    }
  }

  /** @internal A pipe made at connect() time learned its peer (the handshake completed, maybe a reconnection). */
  override [xpeerKnown](pipe: Pipe): boolean {
    if (this.#anonymous.has(pipe)) {
      if (!this.#identify(pipe)) return false; // duplicate identity: the connection stays unattached
      this.#anonymous.delete(pipe);
      this[kFq].attach(pipe);
    }
    // Identified before (connect routing id, or an earlier connection): libzmq assumes the peer keeps its id.
    this.#notifyConnect(pipe);
    return true;
  }

  /** @internal */
  override [xreadable](pipe: Pipe): void {
    if (this.#anonymous.has(pipe)) {
      // libzmq router_t::xread_activated: try an unattached peer again (its id may be free now).
      if (this.#identify(pipe)) {
        this.#anonymous.delete(pipe);
        this[kFq].attach(pipe);
      }
      return;
    }
    this[kFq].activate(pipe);
  }

  /** @internal */
  override [xpeerTerminated](pipe: Pipe): void {
    // The peer went away (not closed by us): ZMQ_NOTIFY_DISCONNECT, read after what it sent before.
    if ((this.#notify() & NOTIFY_DISCONNECT) !== 0 && this.#table.routes(pipe)) {
      pipe.inbound.push([EMPTY]);
    }
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    if (this.#anonymous.delete(pipe)) return;
    this.#table.delete(pipe);
    // Messages it sent before going are still delivered; fq drops it once drained.
    this[kFq].terminated(pipe);
  }

  /** @internal */
  override [xclosed](): void {
    this.#table.clear();
    this.#anonymous.clear();
  }

  // ------------------------------------------------------------------ routing

  /** @internal Next message as `[routingId, ...frames]`, or undefined. */
  protected [kRouteRecv](): Msg | undefined {
    const m = this[kFq].recv();
    if (m === undefined) return undefined;
    const out: Msg = new Array<Buffer>(m.length + 1);
    out[0] = this[kFq].lastPipe!.routingId!;
    for (let i = 0; i < m.length; i++) out[i + 1] = m[i]!;
    return out;
  }

  /**
   * Route `[routingId, ...frames]`. Returns false only when `mandatory` and the peer's pipe is full
   * (the send waits). Unknown peers: EHOSTUNREACH if `mandatory`, else dropped; a full pipe without
   * `mandatory` drops the message (libzmq `router_t::xsend`).
   * @internal
   */
  protected [kRouteSend](msg: Msg, mandatory: boolean): boolean {
    // libzmq: a routing id with no frame after it is "malformed" and silently ignored.
    if (msg.length < 2) return true;
    const id = msg[0]!;
    // A reply usually carries the very Buffer routeRecv put in front of the request: the pipe's own routingId.
    // That live pipe is the one the table would give (a pipe leaves it only once terminated, and handover
    // renames the old pipe), so the costly id lookup is skipped (see docs/performance.md, design decision 22).
    const last = this[kFq].lastPipe;
    const pipe = last !== null && last.routingId === id && !last.terminated ? last : this.#table.get(id);
    if (pipe === undefined) {
      if (mandatory) throw unreachable(id);
      return true;
    }
    if (!pipe.checkWrite()) {
      if (!mandatory) return true;
      if (pipe.terminated) throw unreachable(id);
      return false;
    }
    pipe.write(framesFrom(msg, 1));
    return true;
  }

  /** @internal */
  override [xhasIn](): boolean {
    return this[kFq].hasIn();
  }

  /** @internal True if a message for some peer could be queued now (libzmq: always, unless mandatory). */
  override [xhasOut](): boolean {
    if (this[kOptions].mandatory !== true) return true;
    for (const p of this.#table.pipes()) if (p.checkWrite()) return true;
    return false;
  }
}

function unreachable(id: Buffer): ZmqError {
  const name = JSON.stringify(id.toString("latin1"));
  return new ZmqError("EHOSTUNREACH", `Host unreachable: no peer with routing id ${name} (0x${id.toString("hex")})`);
}

export class Router extends RouterBase {
  /** @internal */
  declare readonly [kOptions]: OptionStore<"ROUTER">;

  constructor(options?: Partial<Omit<Router, "send" | "receive" | "connect">> & { context?: unknown }) {
    super("ROUTER", options);
    finishSocket(this, options);
  }

  /**
   * Connect to `address`. `options.routingId` (1 to 255 bytes) names this peer on the socket, so messages
   * can be routed to it at once (ZMQ_CONNECT_ROUTING_ID).
   */
  override connect(address: string, options?: RouterConnectOptions): void {
    this[kConnectWithId](address, options);
  }

  /** @internal */
  [xsend](msg: Msg): boolean {
    return this[kRouteSend](msg, this[kOptions].mandatory);
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    return this[kRouteRecv]();
  }
}
defineOptions(Router.prototype, "ROUTER");

export interface Router extends Readable, Writable, OptionProps<"ROUTER"> {
  send(message: MessageLike | MessageLike[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}
