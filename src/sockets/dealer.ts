/** DEALER (RFC 28): round-robin out over peers that are not full, fair-queued in; frames untouched. */
import { Buffer } from "node:buffer";
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import { LoadBalancer } from "../routing/load-balancer.ts";
import { defineOptions, Socket, type MessageLike, type Readable, type Writable } from "./socket-base.ts";
import type { OptionSpec } from "./options.ts";

export const DEALER_OPTIONS: Record<string, OptionSpec> = {
  routingId: { kind: "routingId", default: null },
  probeRouter: { kind: "bool", default: false },
  conflate: { kind: "bool", default: false },
};

export class Dealer extends Socket {
  protected readonly lb = new LoadBalancer();
  protected readonly fq = new FairQueue();

  constructor(options?: Partial<Omit<Dealer, "send" | "receive">> & { context?: unknown }) {
    super("DEALER", options, DEALER_OPTIONS);
  }

  protected xattach(pipe: Pipe): void {
    // ZMQ_PROBE_ROUTER: an empty message to each new peer.
    if (this.options["probeRouter"] === true) pipe.write([Buffer.alloc(0)]);
    // ZMQ_CONFLATE: libzmq makes both directions of the pipe single-slot (newest message wins).
    if (this.options["conflate"] === true) pipe.inbound.conflate = pipe.outbound.conflate = true;
    this.fq.attach(pipe);
    this.lb.attach(pipe);
  }

  protected override xreadable(pipe: Pipe): void {
    this.fq.activate(pipe);
  }

  protected override xwritable(pipe: Pipe): void {
    this.lb.activate(pipe);
  }

  protected override xterminated(pipe: Pipe): void {
    this.lb.remove(pipe);
    this.fq.terminated(pipe);
  }

  protected xsend(msg: Msg): boolean {
    return this.lb.send(msg) !== null;
  }

  protected xrecv(): Msg | undefined {
    return this.fq.recv();
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return this.lb.hasOut();
  }
}
defineOptions(Dealer.prototype, DEALER_OPTIONS);

export interface Dealer extends Readable, Writable {
  routingId: string | null;
  probeRouter: boolean;
  conflate: boolean;
  send(message: MessageLike | MessageLike[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}
