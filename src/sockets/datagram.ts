/**
 * DGRAM (libzmq `dgram.cpp`): raw datagrams over a datagram transport (udp), bound only. A message is
 * `[address, body]` both ways: received with the sender's `"a.b.c.d:port\0"`, sent to the address given
 * (parsed as libzmq does; an address it cannot parse drops the message silently) from the bound port
 * (docs/drafts-notes.md §23). One endpoint per socket. Not thread-safe in libzmq, unlike the other drafts.
 */
import { ZmqError } from "../errors.ts";
import type { Msg, Pipe } from "../pipe.ts";
import { xacceptsPipe, xattach, xhasIn, xhasOut, xrecv, xsend, xterminated } from "./hooks.ts";
import { finishSocket, type Message, type MessageLike, type Readable, Socket, type Writable } from "./socket-base.ts";

/**
 * A DGRAM socket (DRAFT, zeromq.js `zeromq/draft`): bind it to `udp://host:port`, receive
 * `[address, body]` from anyone, send `[address, body]` to anyone.
 *
 * ```ts
 * await dgram.bind("udp://*:5555");
 * for await (const [from, body] of dgram) await dgram.send([from, body]); // an echo server
 * ```
 */
export class Datagram extends Socket {
  #pipe: Pipe | null = null;

  constructor(options?: Partial<Omit<Datagram, "send" | "receive">> & { context?: unknown }) {
    super("DGRAM", options);
    finishSocket(this, options);
  }

  /** @internal One udp endpoint per socket (dgram.cpp:24-39). */
  override [xacceptsPipe](): boolean {
    return this.#pipe === null;
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    this.#pipe = pipe;
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = null;
  }

  /** @internal */
  [xsend](msg: Msg): boolean {
    if (msg.length !== 2) {
      throw new ZmqError("EINVAL", `Datagram.send() takes [address, body], two frames; this message has ${msg.length}`);
    }
    const p = this.#pipe;
    if (p === null) return false;
    const err = p.peer?.datagram?.refuse(msg) ?? null;
    if (err !== null) throw err;
    return p.write(msg);
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    return this.#pipe?.read();
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

export interface Datagram extends Readable, Writable {
  send(message: [MessageLike, MessageLike]): Promise<void>;
  receive(): Promise<[Message, Message]>;
  [Symbol.asyncIterator](): AsyncIterator<[Message, Message], undefined>;
}
