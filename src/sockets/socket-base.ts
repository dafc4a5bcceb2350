/**
 * The socket: zeromq.js v6's `Socket` API. Socket types are small subclasses that implement the x-hooks
 * (hooks.ts) with the routing strategies in routing/ — the same split as libzmq's `socket_base_t`.
 *
 * This module holds the public half: construction and options, properties, bind/connect/close. Sending and
 * receiving, with their pending operations and the wake-ups pipes give them, are its base class SocketOps
 * (socket-ops.ts). The rest of a socket lives beside them: its option values (option-store.ts, from the table
 * in options.ts), its pipes and sessions (socket-core.ts), its endpoints (endpoints.ts) and inproc pairing
 * (inproc.ts).
 */
import { checkArgumentCount, ZmqError } from "../errors.ts";
import { Context, context as defaultContext, kOpenSockets } from "../context.ts";
import type { Pipe } from "../pipe.ts";
import type { SocketTypeName } from "../protocol/constants.ts";
import { checkAddressArgument, parseEndpoint, type Endpoint } from "../transports/endpoint.ts";
import { track } from "./exit.ts";
import { invalidArgument } from "./option-values.ts";
import { kBlockDuring, kCheckOpen, kClose, kConnectEndpoint, kCore, kTerminatePipe, kWatch } from "./hooks.ts";
import { kAttach, kDetached, Observer } from "./observer.ts";
import { defineSocketAccessors, explainOption, socketArguments } from "./option-api.ts";
import { defineOptions, newOptionStore } from "./option-store.ts";
import type { OptionProps } from "./options.ts";
import { SocketCore } from "./socket-core.ts";
import { SocketOps } from "./socket-ops.ts";

export type { MessageLike, Message } from "./message.ts";

/** A socket collected without close() gives its context slot back (zeromq.js closes collected sockets). */
const slots = new FinalizationRegistry<Context>((ctx) => {
  ctx[kOpenSockets]--;
});

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

export abstract class Socket extends SocketOps {
  /** @internal The socket's pipes, sessions and endpoints. */
  readonly [kCore]: SocketCore;
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
    super(args.type, store);
    this.#context = ctx;
    this[kCore] = new SocketCore(this, args.type, ctx, store);
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

  get events(): Observer {
    const core = this[kCore];
    if (core.events === null) {
      // As zeromq.js: a closed socket cannot be monitored any more (libzmq's zmq_socket_monitor: ENOTSOCK).
      if (this.closed) throw new ZmqError("ENOTSOCK", "The socket is closed: its events can no longer be observed");
      core.events = new Observer(kDetached as never);
    }
    return core.events;
  }

  /** @internal `new Observer(socket)`: that observer gets this socket's events from now on. */
  [kAttach](observer: Observer): void {
    if (this.closed) throw new ZmqError("ENOTSOCK", "The socket is closed: its events can no longer be observed");
    this[kCore].events = observer;
  }

  // ------------------------------------------------------------------ bind/connect/close

  /** Listen on `address`. Other bind/unbind/connect/disconnect/send/receive calls meanwhile throw EBUSY. */
  bind(address: string): Promise<void> {
    // As zeromq.js: the argument checks (TypeErrors) come first.
    checkAddressArgument(address);
    checkArgumentCount(arguments.length, 1);
    this[kCheckOpen]();
    return this[kBlockDuring](() => this[kCore].endpoints.bind(address));
  }

  bindSync(address: string): void {
    throw new ZmqError("ENOTSUP", `bindSync(${JSON.stringify(address)}) is not supported: use await bind()`);
  }

  /** Stop listening on `address` (as bind(), other operations meanwhile throw EBUSY). */
  unbind(address: string): Promise<void> {
    // As zeromq.js: the argument checks (TypeErrors) come first.
    checkAddressArgument(address);
    checkArgumentCount(arguments.length, 1);
    this[kCheckOpen]();
    return this[kBlockDuring](() => this[kCore].endpoints.unbind(address));
  }

  unbindSync(address: string): void {
    throw new ZmqError("ENOTSUP", `unbindSync(${JSON.stringify(address)}) is not supported: use await unbind()`);
  }

  connect(address: string, _options?: object): void {
    // As zeromq.js: the argument checks (TypeErrors) first; only ROUTER and STREAM take options.
    checkAddressArgument(address);
    checkArgumentCount(arguments.length, 1);
    this[kCheckOpen]();
    this[kConnectEndpoint](parseEndpoint(address, "connect"));
  }

  disconnect(address: string): void {
    checkArgumentCount(arguments.length, 1);
    this[kCheckOpen]();
    this[kCore].endpoints.disconnect(address);
  }

  close(): void {
    if (!this[kClose]()) return;
    this.#context[kOpenSockets]--;
    slots.unregister(this);
    this[kCore].close();
    this[kWatch]?.changed(this);
  }

  // ------------------------------------------------------------------ for socket types

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
