/** DEALER (RFC 28): round-robin out over peers that are not full, fair-queued in; frames untouched. */
import { Buffer } from "node:buffer";
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import { LoadBalancer } from "../routing/load-balancer.ts";
import { kOptions, xattach, xhasIn, xhasOut, xreadable, xrecv, xsend, xterminated, xwritable } from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import type { OptionProps, OptionStore } from "./options.ts";
import { finishSocket, type MessageLike, type Readable, Socket, type Writable } from "./socket-base.ts";

export class Dealer extends Socket {
  /** @internal */
  declare readonly [kOptions]: OptionStore<"DEALER">;
  readonly #lb = new LoadBalancer();
  readonly #fq = new FairQueue();

  constructor(options?: Partial<Omit<Dealer, "send" | "receive">> & { context?: unknown }) {
    super("DEALER", options);
    finishSocket(this, options);
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    const o = this[kOptions];
    // ZMQ_PROBE_ROUTER: an empty message to each new peer.
    if (o.probeRouter) pipe.write([Buffer.alloc(0)]);
    // ZMQ_CONFLATE: libzmq makes both directions of the pipe single-slot (newest message wins).
    if (o.conflate) pipe.inbound.conflate = pipe.outbound.conflate = true;
    this.#fq.attach(pipe);
    this.#lb.attach(pipe);
  }

  /** @internal */
  override [xreadable](pipe: Pipe): void {
    this.#fq.activate(pipe);
  }

  /** @internal */
  override [xwritable](pipe: Pipe): void {
    this.#lb.activate(pipe);
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    this.#lb.remove(pipe);
    this.#fq.terminated(pipe);
  }

  /** @internal */
  [xsend](msg: Msg): boolean {
    return this.#lb.send(msg) !== null;
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    return this.#fq.recv();
  }

  /** @internal */
  override [xhasIn](): boolean {
    return this.#fq.hasIn();
  }

  /** @internal */
  override [xhasOut](): boolean {
    return this.#lb.hasOut();
  }
}
defineOptions(Dealer.prototype, "DEALER");

export interface Dealer extends Readable, Writable, OptionProps<"DEALER"> {
  send(message: MessageLike | MessageLike[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}
