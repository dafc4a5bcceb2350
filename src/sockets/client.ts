/**
 * CLIENT (RFC 41; libzmq `client.cpp`): talks to SERVERs. Sends round-robin over the servers whose queue
 * has room (waiting, as DEALER, when none has), receives fair-queued. Single-part only: a multipart send
 * is EINVAL, a multipart message received is dropped (docs/drafts-notes.md §4, §9).
 */
import type { Msg, Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import { LoadBalancer } from "../routing/load-balancer.ts";
import { hasSinglePart, multipartRefused, recvSinglePart } from "./draft-common.ts";
import { xattach, xhasIn, xhasOut, xreadable, xrecv, xsend, xterminated, xwritable } from "./hooks.ts";
import { finishSocket, type Message, type MessageLike, type Readable, Socket, type Writable } from "./socket-base.ts";

/**
 * A CLIENT socket (DRAFT, zeromq.js `zeromq/draft`): sends each message to one of its SERVERs in turn and
 * receives their replies.
 */
export class Client extends Socket {
  readonly #lb = new LoadBalancer();
  readonly #fq = new FairQueue();
  #prefetched: Msg | undefined = undefined;
  readonly #keep = (m: Msg): void => {
    this.#prefetched = m;
  };

  constructor(options?: Partial<Omit<Client, "send" | "receive">> & { context?: unknown }) {
    super("CLIENT", options);
    finishSocket(this, options);
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
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
    if (msg.length !== 1) throw multipartRefused("Client");
    return this.#lb.send(msg) !== null;
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

  /** @internal */
  override [xhasOut](): boolean {
    return this.#lb.hasOut();
  }
}

export interface Client extends Readable, Writable {
  send(message: MessageLike): Promise<void>;
  receive(): Promise<[Message]>;
  [Symbol.asyncIterator](): AsyncIterator<[Message], undefined>;
}
