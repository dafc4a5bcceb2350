/**
 * REP (RFC 28; libzmq `rep.cpp`, built on ROUTER): receive a request, then send its reply, in strict
 * alternation (out of turn: EFSM).
 *
 * - The envelope — every frame up to and including the first empty one — is kept and put back in front
 *   of the reply, so replies find their way back through any number of ROUTER/DEALER hops.
 * - A request with no empty delimiter (or nothing after it) is silently discarded (G24): a DEALER
 *   talking to REP must send `["", ...body]`.
 * - Requests are fair-queued from all peers; a reply to a peer that has gone is dropped, as is one to a
 *   peer whose queue is full (ROUTER without `mandatory`).
 * - A peer whose Identity is already taken is ignored, as libzmq's ROUTER does.
 */
import { ZmqError } from "../errors.ts";
import type { Msg } from "../pipe.ts";
import type { OptionSpec } from "./options.ts";
import { RouterBase } from "./router.ts";
import { defineOptions, type MessageLike, type Readable, type Writable } from "./socket-base.ts";

export const REPLY_OPTIONS: Record<string, OptionSpec> = {
  routingId: { kind: "routingId", default: null },
};

export class Reply extends RouterBase {
  /** Between a request and its reply. */
  #sendingReply = false;
  /** The request's envelope: routing id (added by the router layer), hops, empty delimiter. */
  #envelope: Msg = [];

  constructor(options?: Partial<Omit<Reply, "send" | "receive">> & { context?: unknown }) {
    super("REP", options, REPLY_OPTIONS);
  }

  protected xrecv(): Msg | undefined {
    if (this.#sendingReply) {
      throw new ZmqError("EFSM", "Operation cannot be accomplished in current state: a Reply socket must send the reply before it receives the next request");
    }
    for (;;) {
      const m = this.routeRecv();
      if (m === undefined) return undefined;
      // m[0] is the routing id; the delimiter must be followed by at least one body frame.
      let bottom = -1;
      for (let i = 1; i < m.length - 1; i++) {
        if (m[i]!.length === 0) {
          bottom = i;
          break;
        }
      }
      if (bottom === -1) continue; // malformed: no delimiter (libzmq rolls the envelope back and drops it)
      this.#envelope = m.slice(0, bottom + 1);
      this.#sendingReply = true;
      return m.slice(bottom + 1);
    }
  }

  protected xsend(msg: Msg): boolean {
    if (!this.#sendingReply) {
      throw new ZmqError("EFSM", "Operation cannot be accomplished in current state: a Reply socket must receive a request before it sends a reply");
    }
    const env = this.#envelope;
    this.#envelope = [];
    this.#sendingReply = false;
    // Unknown or full peer: dropped (REP never uses mandatory).
    this.routeSend(env.concat(msg), false);
    return true;
  }

  protected override xhasIn(): boolean {
    return !this.#sendingReply && this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return this.#sendingReply;
  }
}
defineOptions(Reply.prototype, REPLY_OPTIONS);

export interface Reply extends Readable, Writable {
  routingId: string | null;
  send(message: MessageLike | MessageLike[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}
