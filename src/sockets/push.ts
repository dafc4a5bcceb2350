/** PUSH (RFC 30): round-robin to peers that are not full; blocks when none can take a message; never drops. */
import type { Msg, Pipe } from "../pipe.ts";
import { LoadBalancer } from "../routing/load-balancer.ts";
import { notSupported } from "../util/not-supported.ts";
import { kOptions, xattach, xhasOut, xrecv, xsend, xterminated, xwritable } from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import type { OptionProps, OptionStore } from "./options.ts";
import { finishSocket, type MessageLike, Socket, type Writable } from "./socket-base.ts";

export class Push extends Socket {
  /** @internal */
  declare readonly [kOptions]: OptionStore<"PUSH">;
  readonly #lb = new LoadBalancer();

  constructor(options?: Partial<Omit<Push, "send">> & { context?: unknown }) {
    super("PUSH", options);
    finishSocket(this, options);
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    // ZMQ_CONFLATE: each peer's queue keeps only the newest message (libzmq conflate pipe).
    if (this[kOptions].conflate) pipe.outbound.conflate = true;
    this.#lb.attach(pipe);
  }

  /** @internal */
  override [xwritable](pipe: Pipe): void {
    this.#lb.activate(pipe);
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    this.#lb.remove(pipe);
  }

  /** @internal */
  [xsend](msg: Msg): boolean {
    return this.#lb.send(msg) !== null;
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    return undefined;
  }

  override receive(): Promise<Msg> {
    return Promise.reject(notSupported("receive", "Push"));
  }

  /** @internal */
  override [xhasOut](): boolean {
    return this.#lb.hasOut();
  }
}

defineOptions(Push.prototype, "PUSH");

export interface Push extends Writable, OptionProps<"PUSH"> {
  send(message: MessageLike | MessageLike[]): Promise<void>;
}
