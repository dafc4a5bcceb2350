/**
 * REP (RFC 28; libzmq `rep.cpp`, built on ROUTER): receive a request, then send its reply, in strict
 * alternation (out of turn: EFSM).
 *
 * - The envelope — every frame up to and including the first empty one — is kept and put back in front
 *   of the reply, so replies find their way back through any number of ROUTER/DEALER hops.
 * - A request with no empty delimiter (or nothing after it) is silently discarded (docs/zmtp-notes.md G24): a DEALER
 *   talking to REP must send `["", ...body]`.
 * - Requests are fair-queued from all peers; a reply to a peer that has gone is dropped (even if it is
 *   back with the same routing id, as in libzmq), as is one to a peer whose queue is full (ROUTER
 *   without `mandatory`).
 * - A peer whose Identity is already taken is ignored, as libzmq's ROUTER does.
 */
import { ZmqError } from "../errors.ts";
import { framesFrom, type Msg, type Pipe } from "../pipe.ts";
import { xhasIn, xhasOut, xrecv, xsend } from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import type { OptionProps } from "./options.ts";
import { kFq, RouterBase } from "./router.ts";
import { finishSocket, type MessageLike, type Readable, type Writable } from "./socket-base.ts";

const NO_FRAMES: Msg = [];

export class Reply extends RouterBase {
  /**
   * The request being answered (set from its receipt until its reply is sent; `#from !== null` is the
   * state between the two): the pipe it came from, its frames, and how many of them are the envelope
   * (up to and including the delimiter). Kept as they came, so the reply is built once, frame by frame,
   * and goes straight to that pipe, with no routing-id lookup (`xsend` says why that is libzmq's result).
   */
  #from: Pipe | null = null;
  #request: Msg = NO_FRAMES;
  #envelopeLength = 0;

  constructor(options?: Partial<Omit<Reply, "send" | "receive">> & { context?: unknown }) {
    super("REP", options);
    finishSocket(this, options);
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    if (this.#from !== null) {
      throw new ZmqError(
        "EFSM",
        "Operation cannot be accomplished in current state: " +
          "a Reply socket must send the reply before it receives the next request",
      );
    }
    for (;;) {
      const m = this[kFq].recv();
      if (m === undefined) return undefined;
      // The envelope ends at the first empty frame, which needs at least one body frame after it.
      let bottom = -1;
      for (let i = 0; i < m.length - 1; i++) {
        if (m[i]!.length === 0) {
          bottom = i;
          break;
        }
      }
      if (bottom === -1) continue; // malformed: no delimiter (libzmq rolls the envelope back and drops it)
      this.#from = this[kFq].lastPipe!;
      this.#request = m;
      this.#envelopeLength = bottom + 1;
      return framesFrom(m, bottom + 1);
    }
  }

  /** @internal */
  [xsend](msg: Msg): boolean {
    const pipe = this.#from;
    if (pipe === null) {
      throw new ZmqError(
        "EFSM",
        "Operation cannot be accomplished in current state: " +
          "a Reply socket must receive a request before it sends a reply",
      );
    }
    const request = this.#request;
    const n = this.#envelopeLength;
    this.#from = null;
    this.#request = NO_FRAMES;
    // The reply goes back over the connection the request came in on. If that connection has gone, or
    // its queue is full, the reply is dropped, even when the requester is back with the same routing id:
    // libzmq's REP routes by id, but the old connection keeps its id until the socket reads past its end,
    // which a REP that owes a reply never does, so the id still leads to the old connection (probed
    // against libzmq 4.3.5 through zeromq.js; test/sockets/reqrep.test.ts checks both libraries). write() refuses
    // a gone or full pipe itself, so its answer is not needed.
    const out = new Array<Buffer>(n + msg.length);
    for (let i = 0; i < n; i++) out[i] = request[i]!;
    for (let i = 0; i < msg.length; i++) out[n + i] = msg[i]!;
    pipe.write(out);
    return true;
  }

  /** @internal */
  override [xhasIn](): boolean {
    return this.#from === null && this[kFq].hasIn();
  }

  /** @internal */
  override [xhasOut](): boolean {
    return this.#from !== null;
  }
}
defineOptions(Reply.prototype, "REP");

export interface Reply extends Readable, Writable, OptionProps<"REP"> {
  send(message: MessageLike | MessageLike[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}
