/** PULL (RFC 30): fair-queues messages from all its peers. */
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import { Socket, type Readable } from "./socket-base.ts";
import { notSupported } from "./push.ts";

export class Pull extends Socket {
  readonly #fq = new FairQueue();

  constructor(options?: Partial<Omit<Pull, "receive">> & { context?: unknown }) {
    super("PULL", options);
  }

  protected xattach(pipe: Pipe): void {
    this.#fq.attach(pipe);
  }

  protected override xreadable(pipe: Pipe): void {
    this.#fq.activate(pipe);
  }

  protected override xterminated(pipe: Pipe): void {
    // Messages already received stay readable; the fair-queue drops the pipe once drained.
    if (pipe.inbound.length === 0) this.#fq.remove(pipe);
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

export interface Pull extends Readable {
  receive(): Promise<Buffer[]>;
}
