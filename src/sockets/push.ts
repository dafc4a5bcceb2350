/** PUSH (RFC 30): round-robin to peers that are not full; blocks when none can take a message; never drops. */
import type { Msg, Pipe } from "../pipe.ts";
import { LoadBalancer } from "../routing/load-balancer.ts";
import { notSupported } from "../util/not-supported.ts";
import { xattach, xhasOut, xrecv, xsend, xterminated, xwritable } from "./hooks.ts";
import { finishSocket, type MessageLike, Socket, type Writable } from "./socket-base.ts";

export class Push extends Socket {
  readonly #lb = new LoadBalancer();

  constructor(options?: Partial<Omit<Push, "send">> & { context?: unknown }) {
    super("PUSH", options);
    finishSocket(this, options);
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
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

export interface Push extends Writable {
  send(message: MessageLike | MessageLike[]): Promise<void>;
}
