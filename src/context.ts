/**
 * The context: what sockets of one process share — the inproc name registry (with libzmq 4.x's
 * connect-before-bind) and the ZAP hook (a ZAP handler is whatever binds inproc://zeromq.zap.01).
 * zeromq.js's Context options are accepted and kept; `ioThreads` and friends mean nothing here, since
 * one event loop does all the I/O.
 */
import { ZmqError } from "./errors.ts";
import { checkContextArguments, contextDefaults, defineContextOptions, explainOption } from "./sockets/option-api.ts";
import type { ContextOptionProps } from "./sockets/options.ts";
import { shareDefaultContext } from "./util/shared-context.ts";

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

export type ContextOptions = Partial<Omit<ContextOptionProps, "maxSocketsLimit">>;

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
      throw new ZmqError("EADDRINUSE", `Address already in use: inproc://${name}`, { address: `inproc://${name}` });
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

const kValues = Symbol("zocket.context.options");
/** @internal How many sockets of a context are open (libzmq's socket slots, limited by maxSockets). */
export const kOpenSockets = Symbol("zocket.context.openSockets");

export class Context {
  /** @internal */
  readonly [kInproc] = new InprocRegistry();
  /** @internal The option values, read and written by the accessors on the prototype. */
  readonly [kValues] = contextDefaults();
  /** @internal Open sockets: a new one past `maxSockets` is EMFILE, as libzmq's zmq_socket. */
  [kOpenSockets] = 0;

  /** As zeromq.js: sealed (an unknown property is a TypeError), then the options assigned in order. */
  constructor(options?: ContextOptions) {
    checkContextArguments(options, arguments.length);
    Object.seal(this);
    try {
      if (options !== undefined) Object.assign(this, options);
    } catch (err) {
      throw explainOption(err, "Context");
    }
  }

  // zeromq.js's id accessors for context options (libzmq's zmq_ctx_get/zmq_ctx_set numbers).
  declare protected getBoolOption: (id: number) => boolean;
  declare protected setBoolOption: (id: number, value: boolean) => void;
  declare protected getInt32Option: (id: number) => number;
  declare protected setInt32Option: (id: number, value: number) => void;
}

// The option properties (blocky, ioThreads, ...) come from the context option table (options.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Context extends ContextOptionProps {}
defineContextOptions(Context.prototype, (ctx) => (ctx as Context)[kValues]);

/** The default context, shared by sockets created without one (zeromq.js `context`). */
export const context = new Context();
// Shared with worker_threads: its options in shared memory, its inproc names reachable from other threads.
shareDefaultContext(context, context[kValues]);
