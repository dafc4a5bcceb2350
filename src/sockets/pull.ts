/** PULL (RFC 30): fair-queues messages from all its peers. */
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import { notSupported } from "../util/not-supported.ts";
import { kOptions, xattach, xhasIn, xreadable, xrecv, xsend, xterminated } from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import type { OptionProps, OptionStore } from "./options.ts";
import { finishSocket, type Readable, Socket } from "./socket-base.ts";

export class Pull extends Socket {
  /** @internal */
  declare readonly [kOptions]: OptionStore<"PULL">;
  readonly #fq = new FairQueue();

  constructor(options?: Partial<Omit<Pull, "receive">> & { context?: unknown }) {
    super("PULL", options);
    finishSocket(this, options);
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    // ZMQ_CONFLATE: each peer's queue keeps only its newest message (libzmq conflate pipe).
    if (this[kOptions].conflate) pipe.inbound.conflate = true;
    this.#fq.attach(pipe);
  }

  /** @internal */
  override [xreadable](pipe: Pipe): void {
    this.#fq.activate(pipe);
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    // Messages already received stay readable; the fair-queue drops the pipe once drained.
    this.#fq.terminated(pipe);
  }

  /** @internal */
  [xsend](): boolean {
    throw notSupported("send", "Pull");
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    return this.#fq.recv();
  }

  /** @internal */
  override [xhasIn](): boolean {
    return this.#fq.hasIn();
  }
}

defineOptions(Pull.prototype, "PULL");

export interface Pull extends Readable, OptionProps<"PULL"> {
  receive(): Promise<Buffer[]>;
}
