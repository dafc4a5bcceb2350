/** PAIR (RFC 31): exactly one peer; blocks when its queue is full. A second peer is refused (libzmq). */
import type { Msg, Pipe } from "../pipe.ts";
import { xacceptsPipe, xattach, xhasIn, xhasOut, xrecv, xsend, xterminated } from "./hooks.ts";
import { finishSocket, type MessageLike, type Readable, Socket, type Writable } from "./socket-base.ts";

export class Pair extends Socket {
  #pipe: Pipe | null = null;

  constructor(options?: Partial<Omit<Pair, "send" | "receive">> & { context?: unknown }) {
    super("PAIR", options);
    finishSocket(this, options);
  }

  /** @internal */
  override [xacceptsPipe](): boolean {
    return this.#pipe === null;
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    this.#pipe = pipe;
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    if (this.#pipe === pipe && pipe.inbound.length === 0) this.#pipe = null;
  }

  /** @internal */
  [xsend](msg: Msg): boolean {
    return this.#pipe !== null && this.#pipe.write(msg);
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    const p = this.#pipe;
    if (p === null) return undefined;
    const m = p.read();
    if (m === undefined && p.terminated) this.#pipe = null;
    return m;
  }

  /** @internal */
  override [xhasIn](): boolean {
    return this.#pipe !== null && this.#pipe.inbound.length > 0;
  }

  /** @internal */
  override [xhasOut](): boolean {
    return this.#pipe !== null && this.#pipe.checkWrite();
  }
}

export interface Pair extends Readable, Writable {
  send(message: MessageLike | MessageLike[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}
