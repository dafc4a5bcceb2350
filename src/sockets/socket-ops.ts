/**
 * The lower half of a socket (the public `Socket` of socket-base.ts extends it): send() and receive()
 * with their pending operations, and the wake-ups pipes give them, over the x-hooks each socket type
 * implements (SocketHooks, hooks.ts: libzmq's `socket_base_t` virtuals `xsend`, `xrecv`, ...). The
 * per-message paths and the state they read are in one class, so that state stays in plain private fields.
 *
 * send()/receive() follow zeromq.js: one pending operation each (a second throws EBUSY); a send resolves
 * once the message is queued (blocking types wait, as libzmq's mute state, for room in a pipe); the
 * timeouts are `sendTimeout`/`receiveTimeout` (-1 forever, 0 one immediate try, N ms). Operations that
 * complete at once resolve at once, but at most {@link SYNC_CAP} in a row: then one waits for the event
 * loop's check phase, so a loop draining or filling a fast socket lets timers and I/O run (zeromq.js).
 * A bind() or unbind() in flight refuses both (EBUSY), and close() ends what is pending (EAGAIN).
 */
// The module binding, not the global getter (docs/performance.md, design decision 11).
import { Buffer } from "node:buffer";
import { microtask, RESOLVED } from "../util/microtask.ts";
import { endOffer, lastReadPeer, offerToEngine, setLastRead, type Msg, type PeerInfo, type Pipe } from "../pipe.ts";
import type { SocketTypeName } from "../protocol/constants.ts";
import { closedError } from "./endpoints.ts";
import { holdOpen, release } from "./exit.ts";
import {
  kBlockDuring,
  kCheckOpen,
  kClose,
  kEnginePipe,
  kOptions,
  kPipeReadable,
  kPipeWritable,
  kReadiness,
  kReceivesNow,
  kRetryPending,
  kWaiting,
  kWatch,
  SocketHooks,
  xhasIn,
  xhasOut,
  xreadable,
  xrecv,
  xsend,
  xwritable,
} from "./hooks.ts";
import { bytes, copyFrames, COPY_NONE, toMsg, type MessageLike } from "./message.ts";
import type { SocketOptionStore } from "./options.ts";
import { bindBusy, eagain, receiveBusy, sendBusy, type PendingRecv, type PendingSend } from "./pending.ts";

/** @internal What a socket tells of its readiness transitions (a poller, or several: src/poller.ts). */
export interface ReadinessWatch {
  changed(socket: SocketOps): void;
}

const asMsg = (m: Msg): Msg => m;
const asResult = (value: Msg): IteratorResult<Msg, undefined> => ({ value, done: false });
const iterationDone = (): IteratorResult<Msg, undefined> => ({ value: undefined, done: true });

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

export abstract class SocketOps extends SocketHooks {
  /** @internal The socket's option values (option-store.ts). */
  readonly [kOptions]: SocketOptionStore;
  /**
   * @internal The pollers this socket is in (src/poller.ts), told of each readiness transition; null when
   * none, so an unwatched socket pays one null check per transition and nothing per message.
   */
  [kWatch]: ReadinessWatch | null = null;
  #closed = false;
  /** Peer of the connection the last received message came from ({@link SocketOps.lastMessageProperties}). */
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
  readonly #unblock = (): void => {
    this.#blocked = false;
    if (this.#closeAfterBind) this.close();
  };

  protected constructor(type: SocketTypeName, options: SocketOptionStore) {
    super();
    this[kOptions] = options;
    this.#routed = type === "ROUTER" || type === "STREAM" ? 1 : 0;
    this.#offers = OFFER_TYPES.has(type);
  }

  abstract close(): void;

  get closed(): boolean {
    return this.#closed;
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

  // ------------------------------------------------------------------ for the socket's public half

  /** @internal zeromq.js `ValidateOpen`: a closed socket (EBADF) or one in a bind/unbind (EBUSY) throws at once. */
  [kCheckOpen](): void {
    if (this.#closed) throw closedError();
    if (this.#blocked) throw bindBusy();
  }

  /** @internal Runs a bind/unbind: other operations throw EBUSY until it settles, and a close waits for it. */
  [kBlockDuring](operation: () => Promise<void>): Promise<void> {
    this.#blocked = true;
    return operation().finally(this.#unblock);
  }

  /**
   * @internal close()'s first step: false if there is nothing to close now (closed already, or a bind/unbind
   * in flight: as zeromq.js, the close takes effect when that settles and `closed` stays false meanwhile);
   * else the socket is closed and a pending send or receive rejects (EAGAIN).
   */
  [kClose](): boolean {
    if (this.#closed) return false;
    if (this.#blocked) {
      this.#closeAfterBind = true;
      return false;
    }
    this.#closed = true;
    if (this.#pendingSend !== null) this.#settleSend(eagain());
    if (this.#pendingRecv !== null) this.#settleRecv(eagain());
    return true;
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
    if (left !== null) copyFrames(left, left.length);
    if (sent) return ++this.#syncOps < SYNC_CAP ? RESOLVED : this.#sendYield();
    return this.#sendLater(msg);
  }

  /**
   * Why a send cannot start, thrown at once as zeromq.js does: no message (TypeError), the socket is
   * closed, a bind/unbind is in flight, or another send is pending (EBUSY).
   */
  #sendRefused(message: unknown): never {
    if (message === undefined) throw new TypeError("Message must be present");
    this[kCheckOpen]();
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
    copyFrames(msg, this.#routed);
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
    this[kCheckOpen]();
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
}
