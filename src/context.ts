/**
 * The context: what sockets of one process share — the inproc name registry (with libzmq 4.x's
 * connect-before-bind) and the ZAP hook (a ZAP handler is whatever binds inproc://zeromq.zap.01).
 * zeromq.js's Context options are accepted and kept; `ioThreads` and friends mean nothing here, since
 * one event loop does all the I/O.
 */
import { ZmqError } from "./errors.ts";

/** What the context needs from a socket for inproc. */
export interface InprocPeer {
  /** Called on the bound socket when a connector arrives (now, or later for connect-before-bind). */
  acceptInproc(connector: InprocPeer, connect: InprocConnect): void;
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

export class Context {
  blocky = true;
  ioThreads = 1;
  maxMessageSize = 2147483647;
  maxSockets = 1023;
  ipv6 = false;
  threadPriority = -1;
  threadSchedulingPolicy = -1;
  readonly maxSocketsLimit = 65535;

  readonly #bound = new Map<string, InprocPeer>();
  readonly #pending = new Map<string, InprocConnect[]>();

  constructor(options: ContextOptions = {}) {
    for (const [k, v] of Object.entries(options)) {
      if (!(k in this)) throw new ZmqError("EINVAL", `Unknown context option "${k}"`);
      (this as Record<string, unknown>)[k] = v;
    }
  }

  /** @internal */
  bindInproc(name: string, peer: InprocPeer): void {
    if (this.#bound.has(name)) throw new ZmqError("EADDRINUSE", `Address already in use: inproc://${name}`, { address: `inproc://${name}` });
    this.#bound.set(name, peer);
    const waiting = this.#pending.get(name);
    if (waiting) {
      this.#pending.delete(name);
      for (const c of waiting) if (!c.done) peer.acceptInproc(c.connector, c);
    }
  }

  /** @internal */
  unbindInproc(name: string, peer: InprocPeer): boolean {
    if (this.#bound.get(name) !== peer) return false;
    this.#bound.delete(name);
    return true;
  }

  /** @internal Connect now if bound, else queue until bound (libzmq 4.x connect-before-bind). */
  connectInproc(c: InprocConnect): void {
    const peer = this.#bound.get(c.name);
    if (peer) {
      peer.acceptInproc(c.connector, c);
      return;
    }
    let list = this.#pending.get(c.name);
    if (!list) this.#pending.set(c.name, (list = []));
    list.push(c);
  }

  /** @internal Forget a pending connection (disconnect/close before the bind happened). */
  cancelInproc(c: InprocConnect): void {
    const list = this.#pending.get(c.name);
    if (!list) return;
    const i = list.indexOf(c);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.#pending.delete(c.name);
  }

  /** @internal The bound socket, if any. */
  lookupInproc(name: string): InprocPeer | undefined {
    return this.#bound.get(name);
  }
}

/** The default context, shared by sockets created without one (zeromq.js `context`). */
export const context = new Context();
