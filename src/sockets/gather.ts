/**
 * GATHER (RFC 49; libzmq `gather.cpp`): PULL without multipart. Fair-queues the messages of its
 * SCATTERs; a multipart message is dropped whole (docs/drafts-notes.md §4, §9).
 */
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import { notSupported } from "../util/not-supported.ts";
import { hasSinglePart, recvSinglePart } from "./draft-common.ts";
import { kOptions, xattach, xhasIn, xreadable, xrecv, xsend, xterminated } from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import type { OptionProps, OptionStore } from "./options.ts";
import { finishSocket, type Message, type Readable, Socket } from "./socket-base.ts";

/** A GATHER socket (DRAFT, zeromq.js `zeromq/draft`): receives what its SCATTERs send, fair-queued. */
export class Gather extends Socket {
  /** @internal */
  declare readonly [kOptions]: OptionStore<"GATHER">;
  readonly #fq = new FairQueue();
  #prefetched: Msg | undefined = undefined;
  readonly #keep = (m: Msg): void => {
    this.#prefetched = m;
  };

  constructor(options?: Partial<Omit<Gather, "receive">> & { context?: unknown }) {
    super("GATHER", options);
    finishSocket(this, options);
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    if (this[kOptions].conflate) pipe.inbound.conflate = true;
    this.#fq.attach(pipe);
  }

  /** @internal */
  override [xreadable](pipe: Pipe): void {
    this.#fq.activate(pipe);
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    this.#fq.terminated(pipe);
  }

  /** @internal */
  [xsend](): boolean {
    throw notSupported("send", "Gather");
  }

  override send(..._args: unknown[]): Promise<void> {
    return Promise.reject(notSupported("send", "Gather"));
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    const p = this.#prefetched;
    if (p === undefined) return recvSinglePart(this.#fq);
    this.#prefetched = undefined;
    return p;
  }

  /** @internal */
  override [xhasIn](): boolean {
    return this.#prefetched !== undefined || hasSinglePart(this.#fq, this.#keep);
  }
}
defineOptions(Gather.prototype, "GATHER");

export interface Gather extends Readable, OptionProps<"GATHER"> {
  receive(): Promise<[Message]>;
  [Symbol.asyncIterator](): AsyncIterator<[Message], undefined>;
}
