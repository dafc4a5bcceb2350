/** PULL (RFC 30): fair-queues messages from all its peers. */
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import { defineOptions, Socket, type Readable } from "./socket-base.ts";
import type { OptionSpec } from "./options.ts";
import { notSupported } from "./push.ts";

/** PULL's own options (zeromq.js `Pull`). */
export const PULL_OPTIONS: Record<string, OptionSpec> = {
  conflate: { kind: "bool", default: false },
};

export class Pull extends Socket {
  readonly #fq = new FairQueue();

  constructor(options?: Partial<Omit<Pull, "receive">> & { context?: unknown }) {
    super("PULL", options, PULL_OPTIONS);
  }

  protected xattach(pipe: Pipe): void {
    // ZMQ_CONFLATE: each peer's queue keeps only its newest message (libzmq conflate pipe).
    if (this.options["conflate"] === true) pipe.inbound.conflate = true;
    this.#fq.attach(pipe);
  }

  protected override xreadable(pipe: Pipe): void {
    this.#fq.activate(pipe);
  }

  protected override xterminated(pipe: Pipe): void {
    // Messages already received stay readable; the fair-queue drops the pipe once drained.
    this.#fq.terminated(pipe);
  }

  protected xsend(): boolean {
    throw notSupported("send", "Pull");
  }

  protected xrecv(): Msg | undefined {
    return this.#fq.recv();
  }

  protected override xhasIn(): boolean {
    return this.#fq.hasIn();
  }
}

defineOptions(Pull.prototype, PULL_OPTIONS);

export interface Pull extends Readable {
  /** ZMQ_CONFLATE: keep only the newest message from each peer. */
  conflate: boolean;
  receive(): Promise<Buffer[]>;
}
