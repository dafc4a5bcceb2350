/**
 * The socket base: zeromq.js v6's `Socket` API over pipes, sessions and the inproc registry.
 *
 * Socket types are small subclasses that implement the x-hooks (`xattach`, `xsend`, `xrecv`, ...) with the
 * routing strategies in routing/ — the same split as libzmq's `socket_base_t`.
 *
 * send()/receive() follow zeromq.js: one pending operation each (a second gives EBUSY); a send resolves
 * once the message is queued (blocking types wait, as libzmq's mute state, for room in a pipe); the
 * timeouts are `sendTimeout`/`receiveTimeout` (-1 forever, 0 one immediate try, N ms).
 */
// The module binding: the global `Buffer` is a getter on Node 20, measurable on per-message paths.
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import { microtask, RESOLVED } from "../util/microtask.ts";
import { context as defaultContext, type Context, type InprocConnect, type InprocPeer } from "../context.ts";
import type { EngineOptions } from "../engine/engine.ts";
import type { MechanismFactory, SecurityOptions, ZapReply, ZapRequest } from "../mechanisms/mechanism.ts";
import { NullMechanism } from "../mechanisms/null.ts";
import { SOCKET_TYPE, type MechanismName, type SocketTypeName } from "../protocol/constants.ts";
import { lastReadPeer, MsgQueue, Pipe, setLastRead, type Msg, type PeerInfo, type PipeEnd, type PipeOwner } from "../pipe.ts";
import { parseEndpoint, type Endpoint } from "../transports/endpoint.ts";
import type { NetOptions } from "../transports/transport.ts";
import { Observer, type Event } from "./observer.ts";
import { checkOption, SOCKET_OPTIONS, type OptionSpec, type OptionValue } from "./options.ts";
import { ConnectSession, ListenSession, type SessionOwner } from "./session.ts";
import { securityHooks } from "./security-hooks.ts";

/** Anything zeromq.js accepts as a message frame. */
export type MessageLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string | number | null;
export type Message = Buffer;

/** Every option value of a socket lives here (accessors are defined on the prototypes). */
const OPTS: unique symbol = Symbol("zocket.options");

interface Pending<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
}

/**
 * A parked receive: the promise's own resolve/reject plus what shapes its value (`result`), and what
 * it resolves with instead of rejecting once the socket is closed (`whenClosed`: async iteration ends).
 * Kept as data, not as wrapper closures, so a wait allocates no functions.
 */
interface PendingRecv<T> extends Pending<T> {
  result: (m: Msg) => T;
  whenClosed: (() => T) | null;
}

const asMsg = (m: Msg): Msg => m;
const asResult = (value: Msg): IteratorResult<Msg, undefined> => ({ value, done: false });
const iterationDone = (): IteratorResult<Msg, undefined> => ({ value: undefined, done: true });

function eagain(): ZmqError {
  return new ZmqError("EAGAIN", "Operation was not possible or timed out");
}

function closedError(): ZmqError {
  return new ZmqError("EBADF", "Socket is closed");
}

/** Convert one zeromq.js MessageLike into a Buffer (views share memory; strings are UTF-8). */
export function toFrame(part: unknown): Buffer {
  if (Buffer.isBuffer(part)) return part;
  if (typeof part === "string") return Buffer.from(part, "utf8");
  if (ArrayBuffer.isView(part)) return Buffer.from(part.buffer, part.byteOffset, part.byteLength);
  if (part instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && part instanceof SharedArrayBuffer)) {
    return Buffer.from(part as ArrayBuffer);
  }
  if (typeof part === "number") return Buffer.from(String(part), "utf8");
  if (part === null || part === undefined) return Buffer.alloc(0);
  throw new ZmqError("EINVAL", `Cannot send a ${typeof part}: use a Buffer, string, typed array, ArrayBuffer, number or null`);
}

function toMsg(message: unknown): Msg {
  if (Array.isArray(message)) {
    if (message.length === 0) throw new ZmqError("EINVAL", "Cannot send an empty array: a message needs at least one frame");
    const out: Msg = new Array(message.length);
    for (let i = 0; i < message.length; i++) out[i] = toFrame(message[i]);
    return out;
  }
  return [toFrame(message)];
}

export abstract class Socket implements PipeOwner, SessionOwner, InprocPeer {
  readonly context: Context;
  readonly #type: SocketTypeName;
  [OPTS]: Record<string, OptionValue>;
  #closed = false;
  #closing = false;
  #events: Observer | null = null;
  #lastEndpoint: string | null = null;
  #mechanism: MechanismName = "NULL";
  /** Decoded CURVE keys (32 bytes each). */
  #keys: { pub: Buffer | null; sec: Buffer | null; server: Buffer | null } = { pub: null, sec: null, server: null };

  /** Peer of the connection the last received message came from ({@link Socket.lastMessageProperties}). */
  #lastPeer: PeerInfo | null = null;

  #pendingSend: (Pending<void> & { msg: Msg }) | null = null;
  // `unknown`: the value is whatever the waiter's `result` makes of the message.
  #pendingRecv: PendingRecv<unknown> | null = null;

  readonly #pipes = new Set<Pipe>();
  readonly #connects = new Map<string, ConnectSession[]>();
  readonly #listeners = new Map<string, ListenSession>();
  readonly #inprocBound = new Set<string>();
  readonly #inprocConnects = new Map<string, InprocConnect[]>();
  /** inproc connect-before-bind: our side of the pipe, made at connect() and handed to the binder at bind. */
  readonly #inprocPending = new Map<InprocConnect, Pipe>();

  protected constructor(type: SocketTypeName, options: object | undefined, extraOptions: Record<string, OptionSpec> = {}) {
    this.#type = type;
    // Built in one go: an object given ~45 properties one keyed store at a time becomes a V8 dictionary
    // (slow properties), and then every option read is a hash lookup through a generic IC — several per
    // REQ/REP round trip. Object.fromEntries gives a fast-mode object, the same map for every socket of a
    // type, so a read like `this[OPTS]["sendTimeout"]` is a field load.
    const specs = { ...SOCKET_OPTIONS, ...extraOptions };
    const opts: Record<string, OptionValue> = Object.fromEntries(Object.entries(specs).map(([k, spec]) => [k, spec.default]));
    this[OPTS] = opts;
    let ctx: Context = defaultContext;
    if (options !== undefined && options !== null) {
      if (typeof options !== "object") throw new ZmqError("EINVAL", `Socket options must be an object, got ${typeof options}`);
      const o = options as Record<string, unknown>;
      if ("context" in o && o["context"] !== undefined) ctx = o["context"] as Context;
      this.context = ctx;
      for (const [k, v] of Object.entries(o)) {
        if (k === "context") continue;
        if (!isOptionName(this, k)) {
          throw new ZmqError("EINVAL", `Unknown option "${k}" for ${this.constructor.name}; see the zeromq.js option names (e.g. sendHighWaterMark, linger)`);
        }
        (this as unknown as Record<string, unknown>)[k] = v;
      }
    } else {
      this.context = ctx;
    }
  }

  // ------------------------------------------------------------------ properties

  get type(): number {
    return SOCKET_TYPE[this.#type];
  }

  /** The socket type's ZMTP name ("PUSH", "ROUTER", ...). */
  get typeName(): SocketTypeName {
    return this.#type;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get lastEndpoint(): string | null {
    return this.#lastEndpoint;
  }

  /** @internal How many endpoints are bound or connected now (zeromq.js's Proxy needs one on each side). */
  get endpointCount(): number {
    if (this.#closed) return 0;
    return new Set(this.#listeners.values()).size + this.#inprocBound.size + this.#connects.size + this.#inprocConnects.size;
  }

  get threadSafe(): boolean {
    return false;
  }

  get securityMechanism(): null | "plain" | "curve" {
    return this.#mechanism === "NULL" ? null : (this.#mechanism.toLowerCase() as "plain" | "curve");
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

  /** xrecv, remembering which peer the message came from. */
  #recvOne(): Msg | undefined {
    setLastRead(null);
    const m = this.xrecv();
    if (m !== undefined) this.#lastPeer = lastReadPeer();
    return m;
  }

  get events(): Observer {
    if (this.#events === null) this.#events = new Observer();
    return this.#events;
  }

  /** True if a message can be received now without waiting. */
  get readable(): boolean {
    return !this.#closed && this.xhasIn();
  }

  /** True if a message can be sent now without waiting. */
  get writable(): boolean {
    return !this.#closed && this.xhasOut();
  }

  /** @internal */
  getOption(name: string): OptionValue {
    return this[OPTS][name] ?? null;
  }

  /** @internal set with validation (used by the accessors). */
  setOption(name: string, spec: OptionSpec, value: unknown): void {
    const v = checkOption(name, spec, value, this.constructor.name);
    if (spec.kind === "key") {
      const decoded = v === null ? null : securityHooks.decodeKey(v as string | Buffer, name);
      if (name === "curvePublicKey") this.#keys.pub = decoded;
      else if (name === "curveSecretKey") this.#keys.sec = decoded;
      else {
        this.#keys.server = decoded;
        if (decoded !== null) this.#mechanism = "CURVE";
      }
      this[OPTS][name] = decoded === null ? null : securityHooks.encodeKey(decoded);
      return;
    }
    this[OPTS][name] = v;
    // libzmq: the mechanism is whatever security option was set last.
    if (name === "curveServer") this.#mechanism = v ? "CURVE" : this.#mechanism === "CURVE" && this.#keys.server === null ? "NULL" : this.#mechanism;
    else if (name === "plainServer") this.#mechanism = v ? "PLAIN" : this.#mechanism === "PLAIN" && this[OPTS]["plainUsername"] === null ? "NULL" : this.#mechanism;
    else if (name === "plainUsername" || name === "plainPassword") {
      if (v !== null) this.#mechanism = "PLAIN";
    }
    this.optionChanged(name);
  }

  /** Hook for subclasses that react to option changes. */
  protected optionChanged(_name: string): void {}

  protected get options(): Readonly<Record<string, OptionValue>> {
    return this[OPTS];
  }

  protected num(name: string): number {
    return this[OPTS][name] as number;
  }

  // ------------------------------------------------------------------ bind/connect

  async bind(address: string): Promise<void> {
    this.#checkOpen();
    const ep = parseEndpoint(address, "bind");
    try {
      if (ep.transport === "inproc") {
        this.context.bindInproc(ep.name, this);
        this.#inprocBound.add(ep.name);
        this.#lastEndpoint = ep.address;
        // libzmq emits no monitor events for inproc (nor does zeromq.js): no "bind" here.
        return;
      }
      const ls = await ListenSession.open(ep, this);
      if (this.#closed) {
        ls.close();
        throw closedError();
      }
      this.#listeners.set(ls.endpoint, ls);
      if (ls.endpoint !== address) this.#listeners.set(address, ls);
      this.#lastEndpoint = ls.endpoint;
      this.emit({ type: "bind", address: ls.endpoint });
    } catch (err) {
      if (err instanceof ZmqError) this.emit({ type: "bind:error", address, error: err });
      throw err;
    }
  }

  bindSync(address: string): void {
    throw new ZmqError("ENOTSUP", `bindSync(${JSON.stringify(address)}) is not supported: use await bind()`);
  }

  async unbind(address: string): Promise<void> {
    this.#checkOpen();
    const ep = parseEndpoint(address, "bind");
    if (ep.transport === "inproc") {
      if (!this.#inprocBound.delete(ep.name) || !this.context.unbindInproc(ep.name, this)) throw noEndpoint(address);
      for (const p of [...this.#pipes]) if (p.endpoint === ep.address && !p.outgoing) this.#closePipe(p);
      return;
    }
    const ls = this.#listeners.get(address);
    if (!ls) throw noEndpoint(address);
    for (const [k, v] of [...this.#listeners]) if (v === ls) this.#listeners.delete(k);
    ls.close();
    for (const p of [...this.#pipes]) if (!p.outgoing && p.endpoint === ls.endpoint) this.#closePipe(p);
  }

  unbindSync(address: string): void {
    throw new ZmqError("ENOTSUP", `unbindSync(${JSON.stringify(address)}) is not supported: use await unbind()`);
  }

  connect(address: string, _options?: object): void {
    this.#checkOpen();
    const ep = parseEndpoint(address, "connect");
    this.connectEndpoint(ep);
  }

  /** @internal subclasses (ROUTER/STREAM with routingId) extend connect. */
  protected connectEndpoint(ep: Endpoint): void {
    if (ep.transport === "inproc") {
      const c: InprocConnect = { name: ep.name, connector: this, done: false };
      let list = this.#inprocConnects.get(ep.address);
      if (!list) this.#inprocConnects.set(ep.address, (list = []));
      list.push(c);
      this.context.connectInproc(c);
      if (!c.done) this.#pendInproc(c);
      return;
    }
    const s = new ConnectSession(ep, this);
    let list = this.#connects.get(ep.address);
    if (!list) this.#connects.set(ep.address, (list = []));
    list.push(s);
  }

  disconnect(address: string): void {
    this.#checkOpen();
    const ep = parseEndpoint(address, "connect");
    if (ep.transport === "inproc") {
      const list = this.#inprocConnects.get(ep.address);
      if (!list) throw noEndpoint(address);
      this.#inprocConnects.delete(ep.address);
      for (const c of list) {
        this.context.cancelInproc(c);
        this.#inprocPending.delete(c);
      }
      for (const p of [...this.#pipes]) if (p.outgoing && p.endpoint === ep.address) this.#closePipe(p);
      return;
    }
    const list = this.#connects.get(address);
    if (!list) throw noEndpoint(address);
    this.#connects.delete(address);
    for (const s of list) s.stop();
    for (const p of [...this.#pipes]) if (p.outgoing && p.endpoint === address) this.#closePipe(p);
  }

  #checkOpen(): void {
    if (this.#closed) throw closedError();
  }

  // ------------------------------------------------------------------ close

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing = true;
    const linger = this.num("linger");
    if (this.#pendingSend) this.#settleSend(eagain());
    if (this.#pendingRecv) this.#settleRecv(eagain());
    for (const name of this.#inprocBound) this.context.unbindInproc(name, this);
    this.#inprocBound.clear();
    for (const list of this.#inprocConnects.values()) {
      for (const c of list) {
        // A pending inproc connection that holds messages stays registered: the binder still gets them
        // when it binds (libzmq keeps the pending pipe; zeromq.js delivers them whatever the linger).
        const pending = this.#inprocPending.get(c);
        if (pending !== undefined && pending.outbound.length > 0) continue;
        this.#inprocPending.delete(c);
        this.context.cancelInproc(c);
      }
    }
    this.#inprocConnects.clear();
    const seen = new Set<ListenSession>();
    for (const ls of this.#listeners.values()) {
      if (seen.has(ls)) continue;
      seen.add(ls);
      ls.close();
    }
    this.#listeners.clear();
    for (const p of [...this.#pipes]) {
      this.#pipes.delete(p);
      p.close(linger);
    }
    for (const list of this.#connects.values()) for (const s of list) s.shutdown();
    this.#connects.clear();
    this.xclosed();
    if (this.#events) {
      const ev = this.#events;
      // Events still in flight (disconnects from closing pipes) come first.
      setImmediate(() => ev.close());
    }
  }

  /** Hook: the socket closed. */
  protected xclosed(): void {}

  #closePipe(p: Pipe): void {
    this.#pipes.delete(p);
    p.close(this.num("linger"));
    this.xterminated(p);
  }

  /**
   * A socket type ends one peer's connection itself (STREAM `[id, ""]`, ROUTER handover): what is queued
   * for it is still written for up to `linger` ms (default: the socket's linger; -1 = all of it), then the
   * connection closes; `xterminated` runs now.
   */
  protected terminatePipe(pipe: Pipe, linger: number = this.num("linger")): void {
    if (!this.#pipes.has(pipe)) return;
    this.#pipes.delete(pipe);
    pipe.close(linger);
    this.xterminated(pipe);
  }

  // ------------------------------------------------------------------ send/receive

  // send() and receive() keep only the common case inline and leave the rest to separate methods: V8
  // inlines by bytecode size, and a small send()/receive() leaves the caller's budget for what follows
  // (the queue write, the application's own code).

  send(message: MessageLike | MessageLike[], ..._rest: unknown[]): Promise<void> {
    if (this.#closed || this.#pendingSend !== null) return this.#sendRefused();
    let msg: Msg;
    try {
      // A single Buffer, the common case, without toMsg()'s conversions (they would spend V8's inlining budget).
      msg = message instanceof Buffer ? [message] : toMsg(message);
      if (this.xsend(msg)) return RESOLVED;
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#sendLater(msg);
  }

  /** Why a send cannot start: the socket is closed, or another send is pending (EBUSY, as zeromq.js). */
  #sendRefused(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    return Promise.reject(new ZmqError("EBUSY", "Socket is busy writing; only one send operation may be in progress at any time"));
  }

  /** No peer can take the message now: it waits for one, up to `sendTimeout`. */
  #sendLater(msg: Msg): Promise<void> {
    // A named load (this site's own feedback), not num(name)'s shared keyed one.
    const timeout = this[OPTS]["sendTimeout"] as number;
    if (timeout === 0) return Promise.reject(eagain());
    return new Promise<void>((resolve, reject) => {
      const p: Pending<void> & { msg: Msg } = { resolve, reject, timer: null, msg };
      if (timeout > 0) p.timer = setTimeout(() => this.#settleSend(eagain()), timeout);
      this.#pendingSend = p;
    });
  }

  receive(): Promise<Msg> {
    if (this.#closed || this.#pendingRecv !== null) return this.#receiveRefused();
    return this.#takeOrWait(asMsg, null);
  }

  /** Why a receive cannot start: the socket is closed, or another receive is pending (EBUSY). */
  #receiveRefused(): Promise<Msg> {
    if (this.#closed) return Promise.reject(closedError());
    return Promise.reject(new ZmqError("EBUSY", "Socket is busy reading; only one receive operation may be in progress at any time"));
  }

  /**
   * One message now, else a receive parked until one comes (or the timeout, or close, rejects it).
   * `result` shapes what the promise resolves with; `whenClosed`, if given, resolves the promise instead of
   * rejecting it once the socket is closed (async iteration ends rather than throws).
   */
  #takeOrWait<T>(result: (m: Msg) => T, whenClosed: (() => T) | null): Promise<T> {
    let msg: Msg | undefined;
    try {
      msg = this.#recvOne();
    } catch (err) {
      return Promise.reject(err);
    }
    if (msg === undefined) return this.#receiveLater(result, whenClosed);
    // Resolving a promise with an object looks up its `then`; for an array that is a generic,
    // uncached walk of Array.prototype and Object.prototype (V8's GetProperty, ~35 ns: the largest single
    // cost of an inproc 8 B message). This load has (poly)monomorphic feedback, so TurboFan checks the
    // array's map here; knowing it, the optimiser proves there is no `then` on the chain (guarded by a
    // prototype-stability dependency) and fulfils the promise directly. inproc 8 B: +25 % msg/s.
    void msg.length;
    return Promise.resolve(result(msg));
  }

  /** Nothing to read now: the receive waits for a message, up to `receiveTimeout`. */
  #receiveLater<T>(result: (m: Msg) => T, whenClosed: (() => T) | null): Promise<T> {
    const timeout = this[OPTS]["receiveTimeout"] as number;
    if (timeout === 0) return Promise.reject(eagain());
    return new Promise<T>((resolve, reject) => {
      const p: PendingRecv<T> = { resolve, reject, result, whenClosed, timer: null };
      if (timeout > 0) p.timer = setTimeout(() => this.#settleRecv(eagain()), timeout);
      this.#pendingRecv = p as PendingRecv<unknown>;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Msg, undefined> {
    return {
      next: (): Promise<IteratorResult<Msg, undefined>> => {
        if (this.#closed) return Promise.resolve(iterationDone());
        if (this.#pendingRecv !== null) {
          // Someone else is receiving: the EBUSY rejection, as zeromq.js gives it.
          return this.receive().then(asResult);
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
    if (p.timer) clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve();
  }

  #settleRecv(err: Error | null, msg?: Msg): void {
    const p = this.#pendingRecv;
    if (!p) return;
    this.#pendingRecv = null;
    if (p.timer) clearTimeout(p.timer);
    if (err === null) p.resolve(p.result(msg!));
    else if (p.whenClosed !== null && this.#closed) p.resolve(p.whenClosed());
    else p.reject(err);
  }

  /** Retry a blocked send/receive after a pipe event. Subclasses call it after their own state changes. */
  protected retryPending(): void {
    this.#retrySend();
    this.#retryRecv();
  }

  /** A blocked send tries again (the pending one is the only one, as in zeromq.js). */
  #retrySend(): void {
    const ps = this.#pendingSend;
    if (ps === null) return;
    try {
      if (this.xsend(ps.msg)) this.#settleSend(null);
    } catch (err) {
      this.#settleSend(err as Error);
    }
  }

  /** A blocked receive tries again. */
  #retryRecv(): void {
    if (this.#pendingRecv === null) return;
    // Reading can wake an engine that was paused at the HWM, which decodes and delivers more at once
    // (pipeReadable, below): that must not answer this same receive from inside it, or the message read
    // here would be lost. No socket type parks a receive while a queue is full, so this is a guard.
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

  #retrying = false;

  // ------------------------------------------------------------------ PipeOwner

  pipeReadable(pipe: Pipe): void {
    this.xreadable(pipe);
    if (this.#pendingRecv === null) return;
    // A message from a connection answers a waiting receive here and now: the engine delivers a whole
    // read before anything else runs, so the rest of it still queues up for the cheap path, and a reply
    // written from the receiver's continuation goes out without waiting behind a microtask (item 24 in
    // docs/performance.md).
    if (this.receivesNow(pipe)) {
      this.#retryRecv();
      return;
    }
    // inproc: woken in a microtask, so a sender that keeps going queues several messages first and the
    // receiver takes them through the cheap path (no pending promise per message). libzmq also wakes a
    // reader asynchronously (activate_read through the mailbox).
    if (!this.#recvWakeScheduled) {
      this.#recvWakeScheduled = true;
      microtask(this.#recvWake);
    }
  }

  /** A receive is waiting, and a message arriving on `pipe` is handed to it at once (see pipeReadable). */
  protected receivesNow(pipe: Pipe): boolean {
    return this.#pendingRecv !== null && !pipe.inproc && !this.#retrying;
  }

  #recvWakeScheduled = false;
  readonly #recvWake = (): void => {
    this.#recvWakeScheduled = false;
    this.#retryRecv();
  };

  pipeWritable(pipe: Pipe): void {
    this.xwritable(pipe);
    this.#retrySend();
  }

  pipeTerminated(pipe: Pipe): void {
    this.#pipes.delete(pipe);
    this.xterminated(pipe);
    this.retryPending();
  }

  // ------------------------------------------------------------------ SessionOwner

  get closing(): boolean {
    return this.#closing;
  }

  emit(event: Event): void {
    this.#events?.emit(event);
  }

  engineOptions(): EngineOptions {
    const o = this[OPTS];
    const mech = this.#mechanism;
    const security: SecurityOptions = {
      plainServer: o["plainServer"] as boolean,
      plainUsername: o["plainUsername"] as string | null,
      plainPassword: o["plainPassword"] as string | null,
      curveServer: o["curveServer"] as boolean,
      curvePublicKey: this.#keys.pub,
      curveSecretKey: this.#keys.sec,
      curveServerKey: this.#keys.server,
      zapDomain: o["zapDomain"] as string | null,
      zapEnforceDomain: o["zapEnforceDomain"] as boolean,
    };
    const factory: MechanismFactory = mech === "NULL" ? (h) => new NullMechanism(h) : securityHooks.mechanism(mech, security);
    return {
      socketType: this.#type,
      socketTypeNumber: SOCKET_TYPE[this.#type],
      routingId: this.localRoutingId(),
      mechanism: mech,
      mechanismFactory: factory,
      security,
      asServer: mech === "PLAIN" ? security.plainServer : mech === "CURVE" ? security.curveServer : false,
      handshakeInterval: o["handshakeInterval"] as number,
      heartbeatInterval: o["heartbeatInterval"] as number,
      heartbeatTimeout: o["heartbeatTimeout"] as number,
      heartbeatTimeToLive: o["heartbeatTimeToLive"] as number,
      maxMessageSize: o["maxMessageSize"] as number,
      metadata: [],
    };
  }

  /** The socket's own routing id (ZMQ_ROUTING_ID), empty when unset. */
  protected localRoutingId(): Buffer {
    const v = this[OPTS]["routingId"];
    if (v === undefined || v === null) return EMPTY;
    return Buffer.isBuffer(v) ? v : Buffer.from(String(v));
  }

  netOptions(): NetOptions {
    const o = this[OPTS];
    return {
      ipv6: (o["ipv6"] as boolean) || this.context.ipv6,
      backlog: o["backlog"] as number,
      tcpKeepalive: o["tcpKeepalive"] as number,
      tcpKeepaliveIdle: o["tcpKeepaliveIdle"] as number,
      connectTimeout: o["connectTimeout"] as number,
    };
  }

  reconnectIvl(): number {
    return this.num("reconnectInterval");
  }

  reconnectMaxIvl(): number {
    return this.num("reconnectMaxInterval");
  }

  isImmediate(): boolean {
    return this[OPTS]["immediate"] as boolean;
  }

  attachOnHandshake(): boolean {
    return this.isImmediate() || this.xneedsPeer();
  }

  newPipe(endpoint: string, outgoing: boolean, peer: PeerInfo | null): Pipe | null {
    if (this.#closed) return null;
    if (!this.xacceptsPipe()) return null;
    const pipe = new Pipe(this, new MsgQueue(this.num("receiveHighWaterMark")), new MsgQueue(this.num("sendHighWaterMark")), endpoint, outgoing);
    pipe.peer = peer;
    this.#pipes.add(pipe);
    this.xattach(pipe);
    this.retryPending();
    return pipe;
  }

  pipeReconnected(pipe: Pipe): void {
    this.xhiccup(pipe);
  }

  pipePeerKnown(pipe: Pipe): boolean {
    return this.xpeerKnown(pipe);
  }

  zap(request: ZapRequest): Promise<ZapReply | null> {
    return securityHooks.zap(this.context, request);
  }

  // ------------------------------------------------------------------ inproc

  acceptInproc(connector: InprocPeer, c: InprocConnect): void {
    const other = connector as Socket;
    const pending = other.#inprocPending.get(c);
    // A connector closed before the bind still hands over what it queued (see close()).
    if (this.#closed || (other.#closed && pending === undefined) || c.done) return;
    c.done = true;
    const address = `inproc://${c.name}`;
    // libzmq: an inproc pipe's HWM is the sender's SNDHWM plus the receiver's RCVHWM (0 = unbounded).
    const sum = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : a + b);
    const toBinderHwm = sum(other.num("sendHighWaterMark"), this.num("receiveHighWaterMark"));
    const toConnectorHwm = sum(this.num("sendHighWaterMark"), other.num("receiveHighWaterMark"));
    if (!this.xacceptsPipe() || (pending === undefined && !other.xacceptsPipe())) {
      // Refused (PAIR with a peer already): like libzmq's pair_t terminating the extra pipe, the
      // connector's early pipe ends, so it stops queueing into it.
      if (pending !== undefined) {
        other.#inprocPending.delete(c);
        pending.peerTerminated();
      }
      return;
    }
    let theirs: Pipe;
    if (pending !== undefined) {
      // connect-before-bind: the connector's pipe (and what it queued) already exists; libzmq then sets
      // the summed HWMs (`connect_inproc_sockets`).
      other.#inprocPending.delete(c);
      theirs = pending;
      theirs.outbound.hwm = toBinderHwm;
      theirs.inbound.hwm = toConnectorHwm;
    } else {
      theirs = new Pipe(other, new MsgQueue(toConnectorHwm), new MsgQueue(toBinderHwm), address, true);
    }
    const mine = new Pipe(this, theirs.outbound, theirs.inbound, address, false);
    mine.peer = other.#inprocPeerInfo(address);
    theirs.peer = this.#inprocPeerInfo(address);
    mine.end = new InprocEnd(theirs);
    this.#pipes.add(mine);
    this.xattach(mine);
    if (pending === undefined) {
      other.#pipes.add(theirs);
      other.xattach(theirs);
    }
    if (theirs.terminated) {
      mine.peerTerminated(); // the connector is gone: its messages stay readable, then the pipe ends
    } else {
      theirs.end = new InprocEnd(mine);
    }
    this.retryPending();
    other.retryPending();
  }

  /**
   * libzmq 4.x connect-before-bind: the connector's pipe exists at once, with its own HWMs, so sends
   * queue as they do for a tcp connect; the binder's side is attached at bind. Types that need the
   * peer's identity first (ROUTER) wait for the bind.
   */
  #pendInproc(c: InprocConnect): void {
    if (this.xneedsPeer() || !this.xacceptsPipe()) return;
    const address = `inproc://${c.name}`;
    const pipe = new Pipe(this, new MsgQueue(this.num("receiveHighWaterMark")), new MsgQueue(this.num("sendHighWaterMark")), address, true);
    this.#inprocPending.set(c, pipe);
    this.#pipes.add(pipe);
    this.xattach(pipe);
    this.retryPending();
  }

  #inprocPeerInfo(address: string): PeerInfo {
    return {
      socketType: this.#type,
      identity: this.localRoutingId(),
      properties: [["Socket-Type", Buffer.from(this.#type)]],
      major: 3,
      minor: 1,
      remoteAddress: address,
    };
  }

  // ------------------------------------------------------------------ hooks for socket types

  /** A new pipe. */
  protected abstract xattach(pipe: Pipe): void;
  /** Try to queue a message; false = would block (EAGAIN). May throw EFSM/EHOSTUNREACH... */
  protected abstract xsend(msg: Msg): boolean;
  /** Next message or undefined. */
  protected abstract xrecv(): Msg | undefined;
  protected xhasIn(): boolean {
    return false;
  }
  protected xhasOut(): boolean {
    return false;
  }
  protected xreadable(_pipe: Pipe): void {}
  protected xwritable(_pipe: Pipe): void {}
  protected xterminated(_pipe: Pipe): void {}
  protected xhiccup(_pipe: Pipe): void {}
  /** True for types that need the peer's identity before a pipe exists (ROUTER). */
  protected xneedsPeer(): boolean {
    return false;
  }
  /** Called when a pre-created pipe learns its peer; false leaves the connection unattached. */
  protected xpeerKnown(_pipe: Pipe): boolean {
    return true;
  }
  /** False refuses a new pipe (PAIR with a peer already). */
  protected xacceptsPipe(): boolean {
    return true;
  }
}

const EMPTY = Buffer.alloc(0);

function noEndpoint(address: string): ZmqError {
  return new ZmqError("ENOENT", `No such endpoint: ${address} (it was not bound/connected by this socket)`, { address });
}

/** The far end of an inproc pipe: closing it tells the other socket's pipe. */
class InprocEnd implements PipeEnd {
  readonly #peer: Pipe;
  constructor(peer: Pipe) {
    this.#peer = peer;
  }
  close(_linger: number): void {
    // Messages already queued stay readable by the peer (the queues are shared), whatever the linger:
    // libzmq's pipe_t::terminate only rolls back an unfinished multipart and writes the delimiter
    // behind what was written, and zeromq.js delivers them after close() with linger 0.
    this.#peer.peerTerminated();
  }
}

function isOptionName(obj: object, name: string): boolean {
  let proto: object | null = Object.getPrototypeOf(obj);
  while (proto !== null) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (d) return d.set !== undefined;
    proto = Object.getPrototypeOf(proto);
  }
  return false;
}

/**
 * Define validated option accessors on a socket prototype: `sock.linger = 0`, `sock.linger`.
 * @internal
 */
/** libzmq's zmq_getsockopt/zmq_setsockopt on a closed socket give ENOTSOCK, and so does zeromq.js. */
function closedOptionError(name: string): ZmqError {
  return new ZmqError("ENOTSOCK", `Cannot access option ${name}: the socket is closed`);
}

export function defineOptions(proto: object, specs: Record<string, OptionSpec>): void {
  for (const [name, spec] of Object.entries(specs)) {
    Object.defineProperty(proto, name, {
      configurable: true,
      enumerable: false,
      get(this: Socket) {
        if (this.closed) throw closedOptionError(name);
        const v = this.getOption(name);
        if (spec.kind === "routingId" && Buffer.isBuffer(v)) return v.toString("utf8");
        return v;
      },
      set(this: Socket, value: unknown) {
        if (this.closed) throw closedOptionError(name);
        this.setOption(name, spec, value);
      },
    });
  }
}

defineOptions(Socket.prototype, SOCKET_OPTIONS);

/** Option properties every socket has (typed view of the accessors defined above). */
export interface Socket {
  affinity: number;
  rate: number;
  recoveryInterval: number;
  linger: number;
  reconnectInterval: number;
  backlog: number;
  reconnectMaxInterval: number;
  maxMessageSize: number;
  tcpKeepalive: number;
  tcpKeepaliveCount: number;
  tcpKeepaliveIdle: number;
  tcpKeepaliveInterval: number;
  tcpAcceptFilter: string | null;
  immediate: boolean;
  ipv6: boolean;
  plainServer: boolean;
  plainUsername: string | null;
  plainPassword: string | null;
  curveServer: boolean;
  curvePublicKey: string | null;
  curveSecretKey: string | null;
  curveServerKey: string | null;
  zapDomain: string | null;
  typeOfService: number;
  handshakeInterval: number;
  socksProxy: string | null;
  heartbeatInterval: number;
  heartbeatTimeToLive: number;
  heartbeatTimeout: number;
  connectTimeout: number;
  tcpMaxRetransmitTimeout: number;
  multicastMaxTransportDataUnit: number;
  interface: string | null;
  zapEnforceDomain: boolean;
  loopbackFastPath: boolean;
}

/** zeromq.js `Writable`: send side options and `send()`. */
export interface Writable {
  multicastHops: number;
  sendBufferSize: number;
  sendHighWaterMark: number;
  sendTimeout: number;
}

/** zeromq.js `Readable`: receive side options. */
export interface Readable {
  receiveBufferSize: number;
  receiveHighWaterMark: number;
  receiveTimeout: number;
}
