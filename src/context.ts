/**
 * The context: what sockets of one process share — the inproc name registry (with libzmq 4.x's
 * connect-before-bind) and the ZAP hook (a ZAP handler is whatever binds inproc://zeromq.zap.01).
 * zeromq.js's Context options are accepted and kept; `ioThreads` and friends mean nothing here, since
 * one event loop does all the I/O.
 */
import { checkArgumentCount, ZmqError } from "./errors.ts";

/** What the registry needs from a bound socket. */
export interface InprocPeer {
  /** A connector arrives (now, or at bind for connect-before-bind): attach its pipe. */
  acceptInproc(connect: InprocConnect): void;
}

/** A pending inproc connection: created by connect(), completed when the name is bound. */
export interface InprocConnect {
  readonly name: string;
  readonly connector: InprocPeer;
  /** Completed by the binder: attaches the binder's side. */
  done: boolean;
}

export interface ContextOptions {
  blocky?: boolean;
  ioThreads?: number;
  maxMessageSize?: number;
  maxSockets?: number;
  ipv6?: boolean;
  threadPriority?: number;
  threadSchedulingPolicy?: number;
}

/**
 * The inproc names of one context, reached as `context[kInproc]` (not public API).
 * @internal
 */
export const kInproc = Symbol("zocket.inproc");

/** @internal */
export class InprocRegistry {
  readonly #bound = new Map<string, InprocPeer>();
  readonly #pending = new Map<string, InprocConnect[]>();

  /** Bind a name; connectors that came first are accepted now. */
  bind(name: string, peer: InprocPeer): void {
    if (this.#bound.has(name)) {
      const address = `inproc://${name}`;
      throw new ZmqError("EADDRINUSE", `${address} is already bound in this context`, { address });
    }
    this.#bound.set(name, peer);
    const waiting = this.#pending.get(name);
    if (waiting) {
      this.#pending.delete(name);
      for (const c of waiting) if (!c.done) peer.acceptInproc(c);
    }
  }

  unbind(name: string, peer: InprocPeer): boolean {
    if (this.#bound.get(name) !== peer) return false;
    this.#bound.delete(name);
    return true;
  }

  /** Connect now if bound, else queue until bound (libzmq 4.x connect-before-bind). */
  connect(c: InprocConnect): void {
    const peer = this.#bound.get(c.name);
    if (peer) {
      peer.acceptInproc(c);
      return;
    }
    let list = this.#pending.get(c.name);
    if (!list) this.#pending.set(c.name, (list = []));
    list.push(c);
  }

  /** Forget a pending connection (disconnect/close before the bind happened). */
  cancel(c: InprocConnect): void {
    const list = this.#pending.get(c.name);
    if (!list) return;
    const i = list.indexOf(c);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.#pending.delete(c.name);
  }

  /** The bound socket, if any. */
  lookup(name: string): InprocPeer | undefined {
    return this.#bound.get(name);
  }
}

export class Context {
  blocky = true;
  ioThreads = 1;
  maxMessageSize = 2147483647;
  maxSockets = 1023;
  ipv6 = false;
  threadPriority = -1;
  threadSchedulingPolicy = -1;

  /** @internal */
  readonly [kInproc] = new InprocRegistry();

  /**
   * @param options Context options, assigned to the new (sealed) context. As zeromq.js: a non-object is a
   * TypeError, and so is an unknown or read-only option (assigning to a sealed object).
   */
  constructor(options?: ContextOptions) {
    checkArgumentCount(arguments.length, 1);
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new TypeError("Options must be an object");
    }
    Object.seal(this);
    if (options !== undefined) Object.assign(this, options);
  }

  /** The largest `maxSockets` allowed (libzmq ZMQ_SOCKET_LIMIT); read-only. */
  get maxSocketsLimit(): number {
    return 65535;
  }
}

/** The default context, shared by sockets created without one (zeromq.js `context`). */
export const context = new Context();
