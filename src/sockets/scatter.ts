/**
 * SCATTER (RFC 49; libzmq `scatter.cpp`): PUSH without multipart. Round-robin to the GATHERs whose queue
 * has room; waits (up to `sendTimeout`) when none has; never drops (docs/drafts-notes.md §9).
 */
import type { Msg, Pipe } from "../pipe.ts";
import { LoadBalancer } from "../routing/load-balancer.ts";
import { notSupported } from "../util/not-supported.ts";
import { multipartRefused } from "./draft-common.ts";
import { kOptions, xattach, xhasOut, xrecv, xsend, xterminated, xwritable } from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import type { OptionProps, OptionStore } from "./options.ts";
import { finishSocket, type MessageLike, Socket, type Writable } from "./socket-base.ts";

/** A SCATTER socket (DRAFT, zeromq.js `zeromq/draft`): hands each message to one GATHER, in turn. */
export class Scatter extends Socket {
  /** @internal */
  declare readonly [kOptions]: OptionStore<"SCATTER">;
  readonly #lb = new LoadBalancer();

  constructor(options?: Partial<Omit<Scatter, "send">> & { context?: unknown }) {
    super("SCATTER", options);
    finishSocket(this, options);
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    // ZMQ_CONFLATE: each peer's queue keeps only the newest message.
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
    if (msg.length !== 1) throw multipartRefused("Scatter");
    return this.#lb.send(msg) !== null;
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    return undefined;
  }

  override receive(): Promise<Msg> {
    return Promise.reject(notSupported("receive", "Scatter"));
  }

  /** @internal */
  override [xhasOut](): boolean {
    return this.#lb.hasOut();
  }
}
defineOptions(Scatter.prototype, "SCATTER");

export interface Scatter extends Writable, OptionProps<"SCATTER"> {
  send(message: MessageLike): Promise<void>;
}
