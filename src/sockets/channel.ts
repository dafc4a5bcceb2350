/**
 * CHANNEL (RFC 52; libzmq `channel.cpp`): PAIR for the draft family. One peer: the first pipe wins and
 * later ones are refused; sending waits while there is no peer or its queue is full. Single-part only
 * (docs/drafts-notes.md §4, §11). zeromq.js has no CHANNEL; zocket exports it from `zocket/draft-extra`.
 */
import type { Msg, Pipe } from "../pipe.ts";
import { multipartRefused } from "./draft-common.ts";
import { xacceptsPipe, xattach, xhasIn, xhasOut, xrecv, xsend, xterminated } from "./hooks.ts";
import { finishSocket, type Message, type MessageLike, type Readable, Socket, type Writable } from "./socket-base.ts";

/** A CHANNEL socket (DRAFT; not in zeromq.js): an exclusive, single-part pair with one other CHANNEL. */
export class Channel extends Socket {
  #pipe: Pipe | null = null;

  constructor(options?: Partial<Omit<Channel, "send" | "receive">> & { context?: unknown }) {
    super("CHANNEL", options);
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
    if (msg.length !== 1) throw multipartRefused("Channel");
    return this.#pipe !== null && this.#pipe.write(msg);
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    const p = this.#pipe;
    if (p === null) return undefined;
    for (;;) {
      const m = p.read();
      if (m === undefined) {
        if (p.terminated) this.#pipe = null;
        return undefined;
      }
      // A multipart message is dropped whole (channel.cpp:122-160).
      if (m.length === 1) return m;
    }
  }

  /** @internal */
  override [xhasIn](): boolean {
    const p = this.#pipe;
    if (p === null) return false;
    // Multipart messages in front are dropped, as xrecv would.
    for (let m = p.inbound.peek(); m !== undefined && m.length !== 1; m = p.inbound.peek()) p.read();
    return p.inbound.length > 0;
  }

  /** @internal */
  override [xhasOut](): boolean {
    return this.#pipe !== null && this.#pipe.checkWrite();
  }
}

export interface Channel extends Readable, Writable {
  send(message: MessageLike): Promise<void>;
  receive(): Promise<[Message]>;
  [Symbol.asyncIterator](): AsyncIterator<[Message], undefined>;
}
