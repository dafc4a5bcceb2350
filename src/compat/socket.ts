/**
 * The 5.x `Socket`: an EventEmitter over one of zocket's socket classes (PUSH over `Push`, ROUTER over
 * `Router`, ...), with 5.x's methods — callbacks instead of promises, `'message'` events instead of
 * receive() — and a property per short option name (`sock.linger = 0`).
 *
 * `Socket` is a plain constructor function, as in 5.x, so both `class MySocket extends zmq.Socket` and the
 * ES5 pattern `zmq.Socket.call(this, "req")` with `util.inherits` work (zeromq.js's compat is an ES class,
 * which the second cannot call).
 */
import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import {
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Stream,
  Subscriber,
  XPublisher,
  XSubscriber,
  type Message,
  type MessageLike,
  type Socket as V6Socket,
} from "../index.ts";
import * as C from "./constants.ts";
import { CompatCore, type Callback } from "./core.ts";
import { Monitor, MONITOR_ARGUMENTS_WARNING } from "./monitor.ts";
import { getOption, optionId, setOption } from "./socket-options.ts";

export type { Callback } from "./core.ts";

/** A 5.x socket. Any property may be set on it, as zeromq.js's compat types it. */
export interface Socket extends EventEmitter {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- zeromq.js's compat declares the same index signature
  [key: string]: any;
  /** The type name it was created with (a number is turned into its name). */
  type: C.SocketType;
  readonly closed: boolean;
  /** Listen on `address`; then `'bind'` and `callback()`, or `callback(err)` (no callback: `'error'`). */
  bind(address: string, callback?: Callback): this;
  /** Start listening; later calls wait for it, and a failure is emitted as `'error'` (see docs/compatibility.md). */
  bindSync(address: string): this;
  unbind(address: string, callback?: Callback): this;
  unbindSync(address: string): this;
  connect(address: string): this;
  disconnect(address: string): this;
  /** Queue a message (an array is one message of several parts); ZMQ_SNDMORE holds it for more parts. */
  send(message: MessageLike | MessageLike[], flags?: number | null, callback?: Callback): this;
  /** The next message held while paused, as its frames, or null. */
  read(): Message[] | null;
  /** No `'message'` events and no sends until resume(); nothing is lost. */
  pause(): void;
  resume(): void;
  close(): this;
  /** Emit the monitor events (`'connect'`, `'listen'`, `'accept'`, `'disconnect'`, ...). Arguments are ignored. */
  monitor(interval?: number, numEvents?: number): this;
  unmonitor(): this;
  subscribe(filter: string | Buffer): this;
  unsubscribe(filter: string | Buffer): this;
  setsockopt(option: number | C.ShortOption, value: unknown): this;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as zeromq.js's compat: the type depends on the option
  getsockopt(option: number | C.ShortOption): any;
}

export interface SocketConstructor {
  new (type: C.SocketType | number): Socket;
  /** `zmq.Socket.call(this, type)` from an ES5 subclass's constructor. */
  (this: Socket, type: C.SocketType | number): void;
  readonly prototype: Socket;
}

/** The zocket class behind each 5.x type name. */
const CLASSES: Readonly<Record<C.SocketType, new () => V6Socket>> = {
  pair: Pair,
  pub: Publisher,
  sub: Subscriber,
  req: Request,
  rep: Reply,
  dealer: Dealer,
  xreq: Dealer,
  router: Router,
  xrep: Router,
  pull: Pull,
  push: Push,
  xpub: XPublisher,
  xsub: XSubscriber,
  stream: Stream,
};

/** The type name of a name or ZMQ_* number; anything else is zeromq.js's "Invalid socket type". */
function typeName(type: unknown): C.SocketType {
  if (typeof type === "string" && Object.hasOwn(CLASSES, type)) return type as C.SocketType;
  if (typeof type === "number") {
    // CLASSES lists "dealer" and "router" before their old names "xreq" and "xrep".
    for (const name of Object.keys(CLASSES) as C.SocketType[]) if (C.types[name] === type) return name;
  }
  throw new Error(`Invalid socket type: ${String(type)}`);
}

const kCore = Symbol("zocket.compat.core");
const kMonitor = Symbol("zocket.compat.monitor");
const kReceiveTimeout = Symbol("zocket.compat.receiveTimeout");

/** What a Socket keeps beside the EventEmitter's fields. */
interface State {
  [kCore]: CompatCore;
  [kMonitor]: Monitor | null;
  [kReceiveTimeout]: number;
}

function stateOf(sock: Socket): State {
  const state = sock as unknown as State;
  if (state[kCore] === undefined) throw new TypeError("Not a zocket/v5-compat socket");
  return state;
}

function coreOf(sock: Socket): CompatCore {
  return stateOf(sock)[kCore];
}

// Anonymous, so it takes the name "Socket" from the binding (the cast is erased).
export const Socket = function (this: Socket | undefined, type: C.SocketType | number): Socket | void {
  if (!(this instanceof Socket)) return new Socket(type);
  const name = typeName(type);
  EventEmitter.call(this);
  const v6 = new CLASSES[name]();
  // PUSH and PUB cannot receive: like 5.x, they never read.
  const receives = name !== "push" && name !== "pub";
  for (const [key, value] of [
    [kCore, new CompatCore(this, v6, receives)],
    [kMonitor, null],
    [kReceiveTimeout, -1],
  ] as const) {
    Object.defineProperty(this, key, { value, writable: true, configurable: true });
  }
  this.type = name;
} as unknown as SocketConstructor;

Object.setPrototypeOf(Socket.prototype, EventEmitter.prototype);
Object.setPrototypeOf(Socket, EventEmitter);

/** The methods, written as a class body for `this` typing, then copied onto Socket.prototype. */
class Methods {
  declare type: C.SocketType;

  get closed(): boolean {
    return coreOf(this as unknown as Socket).closed;
  }

  bind(this: Socket, address: string, callback?: Callback): Socket {
    coreOf(this).control("bind", address, callback, false);
    return this;
  }

  bindSync(this: Socket, address: string): Socket {
    coreOf(this).control("bind", address, undefined, true);
    return this;
  }

  unbind(this: Socket, address: string, callback?: Callback): Socket {
    coreOf(this).control("unbind", address, callback, false);
    return this;
  }

  unbindSync(this: Socket, address: string): Socket {
    coreOf(this).control("unbind", address, undefined, true);
    return this;
  }

  connect(this: Socket, address: string): Socket {
    coreOf(this).control("connect", address, undefined, false);
    return this;
  }

  disconnect(this: Socket, address: string): Socket {
    coreOf(this).control("disconnect", address, undefined, false);
    return this;
  }

  send(this: Socket, message: MessageLike | MessageLike[], flags?: number | null, callback?: Callback): Socket {
    // ZMQ_DONTWAIT changes nothing: send() never blocks, it queues (5.x).
    const more = (((flags ?? 0) | 0) & C.ZMQ_SNDMORE) !== 0;
    coreOf(this).send(message, more, callback);
    return this;
  }

  read(this: Socket): Message[] | null {
    return coreOf(this).read();
  }

  pause(this: Socket): void {
    coreOf(this).pause();
  }

  resume(this: Socket): void {
    coreOf(this).resume();
  }

  close(this: Socket): Socket {
    coreOf(this).close();
    return this;
  }

  monitor(this: Socket, interval?: number, numEvents?: number): Socket {
    if (interval || numEvents) process.emitWarning(MONITOR_ARGUMENTS_WARNING);
    const state = stateOf(this);
    const next = new Monitor(this, state[kCore].socket);
    state[kMonitor]?.stop();
    state[kMonitor] = next;
    return this;
  }

  unmonitor(this: Socket): Socket {
    const state = stateOf(this);
    state[kMonitor]?.stop();
    state[kMonitor] = null;
    return this;
  }

  subscribe(this: Socket, filter: string | Buffer): Socket {
    subscriberOf(this).subscribe(filter);
    return this;
  }

  unsubscribe(this: Socket, filter: string | Buffer): Socket {
    subscriberOf(this).unsubscribe(filter);
    return this;
  }

  setsockopt(this: Socket, option: number | C.ShortOption, value: unknown): Socket {
    const state = stateOf(this);
    const id = optionId(option);
    if (id === C.ZMQ_RCVTIMEO) state[kReceiveTimeout] = receiveTimeout(value);
    else setOption(state[kCore].socket, id, value);
    return this;
  }

  getsockopt(this: Socket, option: number | C.ShortOption): unknown {
    const state = stateOf(this);
    const id = optionId(option);
    if (id === C.ZMQ_RCVTIMEO) return state[kReceiveTimeout];
    return getOption(state[kCore].socket, id);
  }
}

/**
 * ZMQ_RCVTIMEO is kept but times nothing out: receiving is continuous, as in 5.x (zeromq.js's compat sets
 * it on the socket, whose receive then fails every `timeout` ms with an EAGAIN emitted as 'error').
 */
function receiveTimeout(value: unknown): number {
  if (typeof value !== "number") throw new TypeError("Option value must be a number");
  if (!Number.isInteger(value) || value < -1) throw new RangeError(`ZMQ_RCVTIMEO must be -1 or more, got ${value}`);
  return value;
}

function subscriberOf(sock: Socket): Subscriber {
  const socket = coreOf(sock).socket;
  if (!(socket instanceof Subscriber)) throw new Error("Subscriber socket required");
  return socket;
}

for (const key of Object.getOwnPropertyNames(Methods.prototype)) {
  if (key === "constructor") continue;
  Object.defineProperty(Socket.prototype, key, Object.getOwnPropertyDescriptor(Methods.prototype, key)!);
}

// The short option names as properties: a string value is sent as its UTF-8 bytes (5.x).
for (const [name, id] of Object.entries(C.options)) {
  if (Object.hasOwn(Socket.prototype, name)) continue;
  Object.defineProperty(Socket.prototype, name, {
    get(this: Socket): unknown {
      return this.getsockopt(id);
    },
    set(this: Socket, value: unknown) {
      this.setsockopt(id, typeof value === "string" ? Buffer.from(value, "utf8") : value);
    },
    configurable: true,
  });
}
