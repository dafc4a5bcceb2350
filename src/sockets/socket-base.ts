/**
 * The socket base: zeromq.js v6's `Socket` API. Socket types are small subclasses that implement the
 * x-hooks (hooks.ts) with the routing strategies in routing/ — the same split as libzmq's `socket_base_t`.
 *
 * This module holds the public API and the per-message paths: send()/receive() with their pending
 * operations, and the wake-ups pipes give them. The rest of a socket lives beside it: its option values
 * (option-store.ts, from the table in options.ts), its pipes and sessions (socket-core.ts), its endpoints
 * (endpoints.ts) and inproc pairing (inproc.ts).
 *
 * send()/receive() follow zeromq.js: one pending operation each (a second throws EBUSY); a send resolves
 * once the message is queued (blocking types wait, as libzmq's mute state, for room in a pipe); the
 * timeouts are `sendTimeout`/`receiveTimeout` (-1 forever, 0 one immediate try, N ms). Operations that
 * complete at once resolve at once, but at most {@link SYNC_CAP} in a row: then one waits for the event
 * loop's check phase, so a loop draining or filling a fast socket lets timers and I/O run (zeromq.js).
 */
// The module binding, not the global getter (docs/performance.md, design decision 11).
import { Buffer } from "node:buffer";
import { checkArgumentCount, ZmqError } from "../errors.ts";
import { microtask, RESOLVED } from "../util/microtask.ts";
import { Context, context as defaultContext, kOpenSockets } from "../context.ts";
import type { ByteStream } from "../transports/byte-stream.ts";
import type { Engine, EngineSessionHost } from "../engine/engine.ts";
import { endOffer, lastReadPeer, offerToEngine, setLastRead, type Msg, type PeerInfo, type Pipe } from "../pipe.ts";
import type { SocketTypeName } from "../protocol/constants.ts";
import { checkAddressArgument, parseEndpoint, type Endpoint } from "../transports/endpoint.ts";
import { closedError } from "./endpoints.ts";
import { holdOpen, release, track } from "./exit.ts";
import { invalidArgument } from "./option-values.ts";
import {
  kConnectEndpoint,
  kEnginePipe,
  kCore,
  kOptions,
  kPipeReadable,
  kPipeWritable,
  kReadiness,
  kReceivesNow,
  kWaiting,
  kWatch,
  kRetryPending,
  kTerminatePipe,
  xacceptsPipe,
  xattach,
  xclosed,
  xcreateEngine,
  xhasIn,
  xhasOut,
  xhiccup,
  xneedsPeer,
  xpeerKnown,
  xpeerTerminated,
  xreadable,
  xrecv,
  xsend,
  xterminated,
  xwritable,
} from "./hooks.ts";
import { bytes, COPY_NONE, toMsg, type MessageLike } from "./message.ts";
import { eagain, type PendingRecv, type PendingSend } from "./pending.ts";
import { kAttach, kDetached, Observer } from "./observer.ts";
import { defineSocketAccessors, explainOption, socketArguments } from "./option-api.ts";
import { defineOptions, newOptionStore } from "./option-store.ts";
import type { OptionProps, SocketOptionStore } from "./options.ts";
import { SocketCore } from "./socket-core.ts";

export type { MessageLike, Message } from "./message.ts";

/** @internal What a socket tells of its readiness transitions (a poller, or several: src/poller.ts). */
export interface ReadinessWatch {
  changed(socket: Socket): void;
}

const asMsg = (m: Msg): Msg => m;
const asResult = (value: Msg): IteratorResult<Msg, undefined> => ({ value, done: false });
const iterationDone = (): IteratorResult<Msg, undefined> => ({ value: undefined, done: true });

/** A socket collected without close() gives its context slot back (zeromq.js closes collected sockets). */
const slots = new FinalizationRegistry<Context>((ctx) => {
  ctx[kOpenSockets]--;
});

/**
 * How many send()/receive() calls in a row may complete synchronously before one waits for the event
 * loop's check phase (zeromq.js `max_sync_operations`, 512): without it `await send()` in a loop never
 * lets a timer or I/O callback run while the queues have room.
 */
const SYNC_CAP = 512;

/**
 * A forced turn comes at most once per YIELD_MS: timers have a 1 ms resolution, so they still get every
 * turn they could use, and a fast socket does not pay for turns nothing is waiting for.
 */
const YIELD_MS = 1;

/**
 * Types whose sends may be offered to an engine (design decision 32): their xsend queues the very message
 * array to one pipe at most (load-balanced or paired). Others queue arrays of their own, or one message to
 * many pipes, so they copy at send().
 */
const OFFER_TYPES: ReadonlySet<string> = new Set(["PUSH", "DEALER", "PAIR", "CLIENT", "SCATTER"]);

function sendBusy(): ZmqError {
  return new ZmqError("EBUSY", "Socket is busy writing; only one send operation may be in progress at any time");
}

function receiveBusy(): ZmqError {
  return new ZmqError("EBUSY", "Socket is busy reading; only one receive operation may be in progress at any time");
}

function bindBusy(): ZmqError {
  return new ZmqError("EBUSY", "Socket is blocked by a bind or unbind operation");
}

/**
 * The end of a concrete socket class's constructor, once all its fields exist: seal the instance (as
 * zeromq.js: an unknown property is a TypeError), then assign the constructor options in order through
 * their setters. Sealing last keeps V8's fast object shape; fields added to a sealed object make it slow.
 */
export function finishSocket(socket: Socket, options: object | undefined): void {
  Object.seal(socket);
  if (options === undefined) return;
  try {
    Object.assign(socket, options);
  } catch (err) {
    // The socket holds nothing yet (no endpoint, no timer): dropping it leaves nothing behind but its slot.
    socket.context[kOpenSockets]--;
    slots.unregister(socket);
    throw explainOption(err, socket.constructor.name);
  }
}

export abstract class Socket {
  /** @internal The option values; each socket type narrows this to its own options. */
  readonly [kOptions]: SocketOptionStore;
  /** @internal Pipes, sessions, endpoints: what the rest of zocket talks to. */
  readonly [kCore]: SocketCore;
  /**
   * @internal The pollers this socket is in (src/poller.ts), told of each readiness transition; null when
   * none, so an unwatched socket pays one null check per transition and nothing per message.
   */
  [kWatch]: ReadinessWatch | null = null;
  #closed = false;
  /** Peer of the connection the last received message came from ({@link Socket.lastMessageProperties}). */
  #lastPeer: PeerInfo | null = null;
  #pendingSend: PendingSend | null = null;
  // `unknown`: the value is whatever the waiter's `result` makes of the message.
  #pendingRecv: PendingRecv<unknown> | null = null;
  /** A parked receive is being retried (see #retryRecv). */
  #retrying = false;
  /** Operations completed synchronously since the event loop last ran a yield (see SYNC_CAP). */
  #syncOps = 0;
  /** When the last forced yield resumed (performance.now()). */
  #lastYield = 0;
  /** Leading routing-id frames a send consumes at once (ROUTER, STREAM: 1), so they are not copied. */
  readonly #routed: number;
  /** The type is one of OFFER_TYPES. */
  readonly #offers: boolean;
  /**
   * A send is offered to the engine and copied only if it stays queued (design decision 32): set for
   * an OFFER_TYPES socket once it has a pipe to an engine (an inproc-only socket just copies).
   */
  #copyLate = false;
  /** A bind() or unbind() is in flight: zeromq.js refuses other operations meanwhile (EBUSY). */
  #blocked = false;
  /** close() was called during a bind/unbind: it runs when that settles. */
  #closeAfterBind = false;
  readonly #resumeAfterYield = (): void => {
    this.#syncOps = 0;
    this.#lastYield = performance.now();
    this.#resumeRecv();
  };
  #recvWakeScheduled = false;
  readonly #recvWake = (): void => {
    this.#recvWakeScheduled = false;
    this.#retryRecv();
  };

  // ------------------------------------------------------------------ construction and options

  #context: Context;

  /**
   * As zeromq.js: `type` is a socket type number (zocket's classes pass the ZMTP name), `options` an object
   * of option values and `context`. The concrete class ends its constructor with {@link finishSocket}.
   */
  protected constructor(type: SocketTypeName | number, options?: object) {
    const args = socketArguments(new.target, type, options, arguments.length);
    const ctx = args.hasContext ? args.context : defaultContext;
    if (!(ctx instanceof Context)) throw invalidArgument("options.context must be a zocket Context");
    if (ctx[kOpenSockets] >= ctx.maxSockets) {
      const why = `the context has ${ctx[kOpenSockets]} sockets open, its maxSockets: close one or raise it`;
      throw new ZmqError("EMFILE", why);
    }
    const store = newOptionStore(args.type);
    this[kOptions] = store;
    this.#context = ctx;
    this[kCore] = new SocketCore(this, args.type, ctx, store);
    this.#routed = args.type === "ROUTER" || args.type === "STREAM" ? 1 : 0;
    this.#offers = OFFER_TYPES.has(args.type);
    // libzmq (ZMQ_BLOCKY): a context with blocky false gives its new sockets a linger of 0.
    if (!ctx.blocky) store.linger = 0;
    track(this);
    ctx[kOpenSockets]++;
    slots.register(this, ctx, this);
  }

  get context(): Context {
    return this.#context;
  }

  // zeromq.js's id accessors, with libzmq's option numbers (defined from the option table, option-api.ts).
  declare protected getBoolOption: (id: number) => boolean;
  declare protected setBoolOption: (id: number, value: boolean) => void;
  declare protected getInt32Option: (id: number) => number;
  declare protected setInt32Option: (id: number, value: number) => void;
  declare protected getUint32Option: (id: number) => number;
  declare protected setUint32Option: (id: number, value: number) => void;
  declare protected getInt64Option: (id: number) => number;
  declare protected setInt64Option: (id: number, value: number) => void;
  declare protected getUint64Option: (id: number) => number;
  declare protected setUint64Option: (id: number, value: number) => void;
  declare protected getStringOption: (id: number) => string | null;
  declare protected setStringOption: (id: number, value: string | Buffer | null) => void;

  // ------------------------------------------------------------------ properties

  /** The socket type's ZMTP name ("PUSH", "ROUTER", ...). */
  get typeName(): SocketTypeName {
    return this[kCore].type;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get events(): Observer {
    const core = this[kCore];
    if (core.events === null) {
      // As zeromq.js: a closed socket cannot be monitored any more (libzmq's zmq_socket_monitor: ENOTSOCK).
      if (this.#closed) throw new ZmqError("ENOTSOCK", "The socket is closed: its events can no longer be observed");
      core.events = new Observer(kDetached as never);
    }
    return core.events;
  }

  /** @internal `new Observer(socket)`: that observer gets this socket's events from now on. */
  [kAttach](observer: Observer): void {
    if (this.#closed) throw new ZmqError("ENOTSOCK", "The socket is closed: its events can no longer be observed");
    this[kCore].events = observer;
  }

  /** True if a message can be received now without waiting. */
  get readable(): boolean {
    return !this.#closed && this[xhasIn]();
  }

  /** True if a message can be sent now without waiting. */
  get writable(): boolean {
    return !this.#closed && this[xhasOut]();
  }

  /**
   * zocket extension (zeromq.js has no message metadata API): the properties of the connection the last
   * message returned by `receive()` or iteration came from, as libzmq's `zmq_msg_gets()` sees them —
   * `User-Id` and any metadata from the ZAP handler (these win over the peer's own), `Peer-Address` (tcp),
   * then what the peer announced in its handshake (`Socket-Type`, `Identity`, `X-…` metadata). Values are
   * decoded as UTF-8. Null before the first message, or when the message did not come from a peer.
   *
   * ```ts
   * const msg = await server.receive();
   * const user = server.lastMessageProperties()?.["User-Id"];
   * ```
   */
  lastMessageProperties(): Record<string, string> | null {
    const peer = this.#lastPeer;
    if (peer === null) return null;
    const out: Record<string, string> = {};
    for (const [name, value] of peer.properties) if (!Object.hasOwn(out, name)) out[name] = value.toString("utf8");
    return out;
  }

  // ------------------------------------------------------------------ bind/connect/close

  /** Listen on `address`. Other bind/unbind/connect/disconnect/send/receive calls meanwhile throw EBUSY. */
  bind(address: string): Promise<void> {
    // As zeromq.js: the argument checks (TypeErrors) come first.
    checkAddressArgument(address);
    checkArgumentCount(arguments.length, 1);
    this.#checkOpen();
    this.#blocked = true;
    return this[kCore].endpoints.bind(address).finally(this.#unblock);
  }

  bindSync(address: string): void {
    throw new ZmqError("ENOTSUP", `bindSync(${JSON.stringify(address)}) is not supported: use await bind()`);
  }

  /** Stop listening on `address` (as bind(), other operations meanwhile throw EBUSY). */
  unbind(address: string): Promise<void> {
    // As zeromq.js: the argument checks (TypeErrors) come first.
    checkAddressArgument(address);
    checkArgumentCount(arguments.length, 1);
    this.#checkOpen();
    this.#blocked = true;
    return this[kCore].endpoints.unbind(address).finally(this.#unblock);
  }

  readonly #unblock = (): void => {
    this.#blocked = false;
    if (this.#closeAfterBind) this.close();
  };

  /** zeromq.js `ValidateOpen`: a closed socket (EBADF) or one in a bind/unbind (EBUSY) throws at once. */
  #checkOpen(): void {
    if (this.#closed) throw closedError();
    if (this.#blocked) throw bindBusy();
  }

  unbindSync(address: string): void {
    throw new ZmqError("ENOTSUP", `unbindSync(${JSON.stringify(address)}) is not supported: use await unbind()`);
  }

  connect(address: string, _options?: object): void {
    // As zeromq.js: the argument checks (TypeErrors) first; only ROUTER and STREAM take options.
    checkAddressArgument(address);
    checkArgumentCount(arguments.length, 1);
    this.#checkOpen();
    this[kConnectEndpoint](parseEndpoint(address, "connect"));
  }

  disconnect(address: string): void {
    checkArgumentCount(arguments.length, 1);
    this.#checkOpen();
    this[kCore].endpoints.disconnect(address);
  }

  close(): void {
    if (this.#closed) return;
    // As zeromq.js: a close during a bind/unbind takes effect when that settles (`closed` stays false).
    if (this.#blocked) {
      this.#closeAfterBind = true;
      return;
    }
    this.#closed = true;
    this.#context[kOpenSockets]--;
    slots.unregister(this);
    if (this.#pendingSend !== null) this.#settleSend(eagain());
    if (this.#pendingRecv !== null) this.#settleRecv(eagain());
    this[kCore].close();
    this[kWatch]?.changed(this);
  }

  // ------------------------------------------------------------------ send/receive

  // send() and receive() keep only the common case inline; refusals and waits are separate methods
  // (docs/performance.md, design decision 18).

  send(message: MessageLike | MessageLike[], ..._rest: unknown[]): Promise<void> {
    if (this.#closed || this.#pendingSend !== null || this.#blocked || message === undefined) {
      this.#sendRefused(message);
    }
    let msg: Msg;
    try {
      // A single Buffer, the common case, skips toMsg()'s conversions (small ones are copied, as there).
      if (message instanceof Buffer) {
        if (this.#copyLate) return this.#sendOffered([message]);
        msg = [bytes(message)];
      } else {
        if (this.#copyLate && Array.isArray(message)) return this.#sendOffered(toMsg(message, COPY_NONE));
        msg = toMsg(message, this.#routed);
        if (msg.length === 0) return RESOLVED; // zeromq.js: an empty array sends nothing
      }
      if (this[xsend](msg)) return ++this.#syncOps < SYNC_CAP ? RESOLVED : this.#sendYield();
    } catch (err) {
      endOffer(); // a refused send (EINVAL…) queued nothing
      return Promise.reject(err);
    }
    return this.#sendLater(msg);
  }

  /**
   * A send of an OFFER_TYPES socket, its frames not yet copied: offered to the pipe's engine, which encodes it
   * at once when nothing is queued before it; only a message that stays queued (or waits for a peer) has its
   * small frames copied, in place, before send() returns (design decision 32).
   */
  #sendOffered(msg: Msg): Promise<void> {
    if (msg.length === 0) return RESOLVED; // zeromq.js: an empty array sends nothing
    offerToEngine(msg);
    const sent = this[xsend](msg);
    const left = endOffer();
    if (left !== null) for (let i = 0; i < left.length; i++) left[i] = bytes(left[i]!);
    if (sent) return ++this.#syncOps < SYNC_CAP ? RESOLVED : this.#sendYield();
    return this.#sendLater(msg);
  }

  /**
   * Why a send cannot start, thrown at once as zeromq.js does: no message (TypeError), the socket is
   * closed, a bind/unbind is in flight, or another send is pending (EBUSY).
   */
  #sendRefused(message: unknown): never {
    if (message === undefined) throw new TypeError("Message must be present");
    this.#checkOpen();
    throw sendBusy();
  }

  /**
   * The message is queued, but SYNC_CAP sends or receives in a row completed at once: this one resolves in
   * the event loop's check phase, after timers and I/O had their turn (zeromq.js `UvScheduleDelayed`).
   */
  #sendYield(): Promise<void> {
    if (!this.#mustYield(this[kOptions].sendTimeout)) return RESOLVED;
    return new Promise<void>((resolve) => setImmediate(this.#resolveAfterYield, resolve));
  }

  /**
   * At SYNC_CAP: true if this operation waits for the check phase; else the count starts again. zeromq.js
   * never delays an operation that may not wait (timeout 0); nor does zocket within YIELD_MS of the last.
   */
  #mustYield(timeout: number): boolean {
    if (timeout !== 0 && performance.now() - this.#lastYield >= YIELD_MS) return true;
    this.#syncOps = 0;
    return false;
  }

  readonly #resolveAfterYield = (resolve: () => void): void => {
    this.#syncOps = 0;
    this.#lastYield = performance.now();
    resolve();
  };

  /** No peer can take the message now: it waits for one, up to `sendTimeout`. */
  #sendLater(msg: Msg): Promise<void> {
    const timeout = this[kOptions].sendTimeout;
    if (timeout === 0) return Promise.reject(eagain());
    // The message waits: its routing id too is copied now, so the caller may reuse that Buffer.
    for (let i = 0; i < this.#routed && i < msg.length; i++) msg[i] = bytes(msg[i]!);
    return new Promise<void>((resolve, reject) => {
      const p: PendingSend = { resolve, reject, timer: null, msg };
      if (timeout > 0) p.timer = setTimeout(() => this.#settleSend(eagain()), timeout);
      this.#pendingSend = p;
      holdOpen();
    });
  }

  receive(): Promise<Msg> {
    if (this.#closed || this.#pendingRecv !== null || this.#blocked) this.#receiveRefused();
    return this.#takeOrWait(asMsg, null);
  }

  /** Why a receive cannot start, thrown at once: closed, a bind/unbind in flight, or another receive (EBUSY). */
  #receiveRefused(): never {
    this.#checkOpen();
    throw receiveBusy();
  }

  /**
   * One message now, else a receive parked until one comes (or the timeout, or close, rejects it).
   * `result` shapes what the promise resolves with; `whenClosed`, if given, resolves the promise instead of
   * rejecting it once the socket is closed (async iteration ends rather than throws).
   */
  #takeOrWait<T>(result: (m: Msg) => T, whenClosed: (() => T) | null): Promise<T> {
    if (this.#syncOps >= SYNC_CAP && this.#mustYield(this[kOptions].receiveTimeout)) {
      return this.#receiveYield(result, whenClosed);
    }
    let msg: Msg | undefined;
    try {
      msg = this.#recvOne();
    } catch (err) {
      return Promise.reject(err);
    }
    if (msg === undefined) return this.#receiveLater(result, whenClosed);
    this.#syncOps++;
    // Reading a property first lets the optimiser know the array's map and resolve the promise without
    // the generic `then` lookup (docs/performance.md, design decision 17).
    void msg.length;
    return Promise.resolve(result(msg));
  }

  /**
   * SYNC_CAP operations in a row completed at once: this receive is parked (a concurrent one is EBUSY) and
   * tried again in the event loop's check phase, after timers and I/O had their turn.
   */
  #receiveYield<T>(result: (m: Msg) => T, whenClosed: (() => T) | null): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const p: PendingRecv<T> = { resolve, reject, result, whenClosed, timer: null };
      this.#pendingRecv = p as PendingRecv<unknown>;
      holdOpen();
      setImmediate(this.#resumeAfterYield);
    });
  }

  /** After a yield: a receive still parked reads now, or waits from now on as its timeout says. */
  #resumeRecv(): void {
    const p = this.#pendingRecv;
    // A receive that waits for a message already has its timer (or waits forever): leave it as it is.
    if (p === null || p.timer !== null) return;
    this.#retryRecv();
    if (this.#pendingRecv !== p) return;
    const timeout = this[kOptions].receiveTimeout;
    if (timeout === 0) this.#settleRecv(eagain());
    else if (timeout > 0) p.timer = setTimeout(() => this.#settleRecv(eagain()), timeout);
  }

  /** Nothing to read now: the receive waits for a message, up to `receiveTimeout`. */
  #receiveLater<T>(result: (m: Msg) => T, whenClosed: (() => T) | null): Promise<T> {
    const timeout = this[kOptions].receiveTimeout;
    if (timeout === 0) return Promise.reject(eagain());
    return new Promise<T>((resolve, reject) => {
      const p: PendingRecv<T> = { resolve, reject, result, whenClosed, timer: null };
      if (timeout > 0) p.timer = setTimeout(() => this.#settleRecv(eagain()), timeout);
      this.#pendingRecv = p as PendingRecv<unknown>;
      // A waiting receive keeps the process alive, as in zeromq.js (sockets/exit.ts).
      holdOpen();
    });
  }

  /** xrecv, remembering which peer the message came from. */
  #recvOne(): Msg | undefined {
    setLastRead(null);
    const m = this[xrecv]();
    if (m !== undefined) this.#lastPeer = lastReadPeer();
    return m;
  }

  [Symbol.asyncIterator](): AsyncIterator<Msg, undefined> {
    return {
      next: (): Promise<IteratorResult<Msg, undefined>> => {
        if (this.#closed) return Promise.resolve(iterationDone());
        if (this.#pendingRecv !== null || this.#blocked) {
          // Someone else is receiving, or a bind is in flight: zeromq.js's next() rejects with EBUSY.
          return Promise.reject(this.#blocked ? bindBusy() : receiveBusy());
        }
        // One promise per waiting step, resolved with the iterator result itself (not a receive()
        // promise plus a .then); closing the socket ends the loop instead of throwing.
        return this.#takeOrWait(asResult, iterationDone);
      },
    };
  }

  #settleSend(err: Error | null): void {
    const p = this.#pendingSend;
    if (!p) return;
    this.#pendingSend = null;
    release();
    if (p.timer) clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve();
  }

  #settleRecv(err: Error | null, msg?: Msg): void {
    const p = this.#pendingRecv;
    if (!p) return;
    this.#pendingRecv = null;
    release();
    if (p.timer) clearTimeout(p.timer);
    if (err === null) p.resolve(p.result(msg!));
    else if (p.whenClosed !== null && this.#closed) p.resolve(p.whenClosed());
    else p.reject(err);
  }

  /** A blocked send tries again (the pending one is the only one, as in zeromq.js). */
  #retrySend(): void {
    const ps = this.#pendingSend;
    if (ps === null) return;
    try {
      if (this[xsend](ps.msg)) this.#settleSend(null);
    } catch (err) {
      this.#settleSend(err as Error);
    }
  }

  /** A blocked receive tries again. */
  #retryRecv(): void {
    if (this.#pendingRecv === null) return;
    // Reading can wake an engine that was paused at the HWM, which decodes and delivers more at once
    // (kPipeReadable): that must not answer this same receive from inside it, or the message read here
    // would be lost. No socket type parks a receive while a queue is full, so this is a guard.
    this.#retrying = true;
    try {
      const m = this.#recvOne();
      if (m !== undefined) this.#settleRecv(null, m);
    } catch (err) {
      this.#settleRecv(err as Error);
    } finally {
      this.#retrying = false;
    }
  }

  // ------------------------------------------------------------------ pipe events (from the core)

  /** @internal A pipe has a message: the type takes note, and a waiting receive is answered. */
  [kPipeReadable](pipe: Pipe): void {
    this[xreadable](pipe);
    if (this[kWatch] !== null) this[kWatch].changed(this);
    if (this.#pendingRecv === null) return;
    // From a connection: answered here and now, so a reply written in the receiver's continuation goes
    // out without waiting behind a microtask (docs/performance.md, design decision 24).
    if (!pipe.inproc && !this.#retrying) {
      this.#retryRecv();
      return;
    }
    // inproc: woken in a microtask, so a sender that keeps going queues several messages first, taken
    // through the cheap path (docs/performance.md, design decision 12; libzmq's activate_read is async too).
    if (!this.#recvWakeScheduled) {
      this.#recvWakeScheduled = true;
      microtask(this.#recvWake);
    }
  }

  /** @internal A pipe has room again: the type takes note, and a blocked send tries again. */
  [kPipeWritable](pipe: Pipe): void {
    this[xwritable](pipe);
    if (this[kWatch] !== null) this[kWatch].changed(this);
    this.#retrySend();
  }

  // ------------------------------------------------------------------ for socket types

  /** @internal Retry a blocked send/receive after a pipe event; types call it after their own state changes. */
  [kRetryPending](): void {
    this.#retrySend();
    this.#retryRecv();
    if (this[kWatch] !== null) this[kWatch].changed(this);
  }

  /**
   * @internal Readiness for a poller: 1 = a message can be received now, 2 = one can be sent, 3 = both.
   * A type's xhasIn may read ahead (SUB filters), and that read can wake an engine paused at the HWM: as
   * in #retryRecv, what it delivers meanwhile must not answer a parked receive ahead of the read message.
   */
  [kReadiness](): number {
    if (this.#closed) return 0;
    const was = this.#retrying;
    this.#retrying = true;
    try {
      return (this[xhasIn]() ? 1 : 0) | (this[xhasOut]() ? 2 : 0);
    } finally {
      this.#retrying = was;
    }
  }

  /** @internal A pipe to an engine (tcp, ipc, ws…) joined the socket: its sends may be offered to it. */
  [kEnginePipe](): void {
    if (this.#offers) this.#copyLate = true;
  }

  /** @internal A receive is waiting, and a message arriving on `pipe` is handed to it at once. */
  [kReceivesNow](pipe: Pipe): boolean {
    return this.#pendingRecv !== null && !pipe.inproc && !this.#retrying;
  }

  /** @internal A send or a receive is pending (inproc across threads keeps its thread alive for it). */
  [kWaiting](): boolean {
    return this.#pendingSend !== null || this.#pendingRecv !== null;
  }

  /**
   * @internal A socket type ends one peer's connection itself (STREAM `[id, ""]`, ROUTER handover): what
   * is queued for it is still written for up to `linger` ms (default: the socket's linger; -1 = all of
   * it), then the connection closes; `xterminated` runs now.
   */
  [kTerminatePipe](pipe: Pipe, linger?: number): void {
    this[kCore].closePipe(pipe, linger);
  }

  /** @internal connect() after parsing; ROUTER and STREAM extend it to claim a connect routing id. */
  [kConnectEndpoint](ep: Endpoint): void {
    this[kCore].endpoints.connect(ep);
  }

  // ------------------------------------------------------------------ x-hooks (libzmq's socket_base_t)

  /** @internal A new pipe. */
  abstract [xattach](pipe: Pipe): void;
  /** @internal Try to queue a message; false = would block (EAGAIN). May throw EFSM/EHOSTUNREACH... */
  abstract [xsend](msg: Msg): boolean;
  /** @internal Next message or undefined. */
  abstract [xrecv](): Msg | undefined;
  /** @internal A message could be received now. */
  [xhasIn](): boolean {
    return false;
  }
  /** @internal A message could be sent now. */
  [xhasOut](): boolean {
    return false;
  }
  /** @internal A pipe has messages to read. */
  [xreadable](_pipe: Pipe): void {}
  /** @internal A pipe has room to write. */
  [xwritable](_pipe: Pipe): void {}
  /** @internal A pipe is gone: its peer ended it, or the socket did (messages already queued stay readable). */
  [xterminated](_pipe: Pipe): void {}
  /** @internal The peer ended a pipe (not the socket); runs before xterminated. */
  [xpeerTerminated](_pipe: Pipe): void {}
  /** @internal A connecting pipe got a new connection (libzmq xhiccuped). */
  [xhiccup](_pipe: Pipe): void {}
  /** @internal True for types that need the peer's identity before a pipe exists (ROUTER). */
  [xneedsPeer](): boolean {
    return false;
  }
  /** @internal A pipe made before the handshake learned its peer; false leaves the connection unattached. */
  [xpeerKnown](_pipe: Pipe): boolean {
    return true;
  }
  /** @internal False refuses a new pipe (PAIR with a peer already). */
  [xacceptsPipe](): boolean {
    return true;
  }
  /** @internal The socket closed. */
  [xclosed](): void {}
  /** @internal The engine of a new tcp/ipc connection, when it is not ZMTP (STREAM's raw engine). */
  [xcreateEngine]?(stream: ByteStream, host: EngineSessionHost, remoteAddress: string, peerAddress: string): Engine;
}

/**
 * @internal How many endpoints a socket has bound or connected (zeromq.js's Proxy needs one on each
 * side); 0 once it is closed.
 */
export function endpointCount(socket: Socket): number {
  return socket.closed ? 0 : socket[kCore].endpoints.count;
}

defineOptions(Socket.prototype, "common");
defineSocketAccessors(Socket.prototype);

// Interfaces merged into the classes of the same name: the option accessors are defined at run time.
/* eslint-disable @typescript-eslint/no-empty-object-type */
/** The option properties every socket has (from the option table; accessors on Socket.prototype). */
export interface Socket extends OptionProps<"Socket"> {}

/** zeromq.js `Writable`: the send-side options (each sending type declares its `send()`). */
export interface Writable extends OptionProps<"Writable"> {}

/** zeromq.js `Readable`: the receive-side options. */
export interface Readable extends OptionProps<"Readable"> {}
/* eslint-enable @typescript-eslint/no-empty-object-type */
