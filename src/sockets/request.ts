/**
 * REQ (RFC 28; libzmq `req.cpp`, built on DEALER): send a request, then receive its reply, in strict
 * alternation (out of turn: EFSM).
 *
 * - On the wire a request is `["", ...body]`: the empty delimiter REP and ROUTER-based brokers expect
 *   (docs/zmtp-notes.md §4.2, e.g. `01 00 | 01 01 61 | 00 01 62` for `["a", "b"]`).
 * - Requests are load-balanced over the peers that can take one (none: the send waits).
 * - A reply is taken only from the peer the request went to, and only if it starts with the delimiter;
 *   anything else is discarded. Stale input is dropped before each new request.
 * - A message that is no reply at all (not `["", body...]` nor `[4 bytes, "", body...]`) is a protocol
 *   error: libzmq's `req_session_t::push_msg` refuses it and the connection is closed for good (a
 *   connecting REQ does not reconnect) — verified against libzmq 4.3.4. Over inproc, where libzmq has
 *   no session, it is only skipped.
 * - `correlate` (ZMQ_REQ_CORRELATE): a 4-byte request id goes before the delimiter and the reply must
 *   echo it. libzmq memcpy's a host-order u32 counter that starts at a random value
 *   (docs/zmtp-notes.md G22); zocket writes it little-endian, which is what libzmq puts on the wire on
 *   every common host. Peers treat it as opaque bytes.
 * - `relaxed` (ZMQ_REQ_RELAXED): a new request may be sent before the reply; the old one is abandoned.
 * - `probeRouter`: an empty message to each new peer (for ROUTER peers only).
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import { framesFrom, setLastRead, type Msg, type Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import { LoadBalancer } from "../routing/load-balancer.ts";
import { microtask } from "../util/microtask.ts";
import { randomU32 } from "../util/random.ts";
import {
  kOptions,
  kReceivesNow,
  kRetryPending,
  kTerminatePipe,
  xattach,
  xclosed,
  xhasIn,
  xhasOut,
  xreadable,
  xrecv,
  xsend,
  xterminated,
  xwritable,
} from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import type { OptionProps, OptionStore } from "./options.ts";
import { finishSocket, type MessageLike, type Readable, Socket, type Writable } from "./socket-base.ts";

const EMPTY = Buffer.alloc(0);

export class Request extends Socket {
  /** @internal */
  declare readonly [kOptions]: OptionStore<"REQ">;
  readonly #lb = new LoadBalancer();
  readonly #fq = new FairQueue();
  /** A request went out and its reply has not been received yet. */
  #receivingReply = false;
  /** The pipe the request went to; null also after it went away (libzmq then takes any reply). */
  #replyPipe: Pipe | null = null;
  /** The reply, once it has arrived (body frames), and the pipe it came from. */
  #reply: Msg | null = null;
  #replyFrom: Pipe | null = null;
  #requestId = randomU32();
  /** The current request id as it went on the wire. */
  #requestIdFrame: Buffer = EMPTY;
  /** Connections that sent something that is no reply: closed in a microtask, ignored until then. */
  readonly #rejected = new Set<Pipe>();
  #pumpScheduled = false;
  readonly #pumpLater = (): void => {
    this.#pumpScheduled = false;
    this.#pump();
    if (this.#reply !== null) this[kRetryPending]();
  };

  constructor(options?: Partial<Omit<Request, "send" | "receive">> & { context?: unknown }) {
    super("REQ", options);
    finishSocket(this, options);
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    // ZMQ_PROBE_ROUTER (libzmq dealer_t::xattach_pipe, which REQ inherits).
    if (this[kOptions].probeRouter) pipe.write([EMPTY]);
    this.#fq.attach(pipe);
    this.#lb.attach(pipe);
  }

  /** @internal */
  override [xreadable](pipe: Pipe): void {
    this.#fq.activate(pipe);
    // Look at what arrived soon, even if nobody is receiving: libzmq's session checks every message
    // as it comes in (and closes a connection that sends garbage). A waiting receive that is answered
    // right away does that check itself (xrecv pumps), with no microtask ahead of the reply.
    if (!this.#pumpScheduled && !this[kReceivesNow](pipe)) {
      this.#pumpScheduled = true;
      microtask(this.#pumpLater);
    }
  }

  /** @internal */
  override [xwritable](pipe: Pipe): void {
    this.#lb.activate(pipe);
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    if (this.#replyPipe === pipe) this.#replyPipe = null;
    this.#rejected.delete(pipe);
    this.#lb.remove(pipe);
    this.#fq.terminated(pipe);
  }

  /** @internal */
  override [xclosed](): void {
    this.#rejected.clear();
    this.#reply = null;
  }

  /**
   * Read everything that has arrived. A REQ only ever wants one message — the reply to its request — so
   * the first one that qualifies is kept and every other message is dropped, which is what libzmq ends up
   * doing (it skips them while waiting, or drains them before the next request).
   */
  #pump(): void {
    for (;;) {
      const m = this.#fq.recv();
      if (m === undefined) return;
      const pipe = this.#fq.lastPipe!;
      if (this.#rejected.size !== 0 && this.#rejected.has(pipe)) continue;
      if (!isReplyShaped(m) && !pipe.inproc) {
        this.#reject(pipe);
        continue;
      }
      if (!this.#receivingReply || this.#reply !== null) continue; // stale, unsolicited or a duplicate
      if (this.#replyPipe !== null && pipe !== this.#replyPipe) continue; // not from the peer asked
      let i = 0;
      if (this[kOptions].correlate) {
        if (m.length < 2 || !m[0]!.equals(this.#requestIdFrame)) continue; // another request's reply
        i = 1;
      }
      // The delimiter must be there, with at least one body frame after it.
      if (m.length < i + 2 || m[i]!.length !== 0) continue;
      this.#reply = framesFrom(m, i + 1);
      this.#replyFrom = pipe;
    }
  }

  /**
   * libzmq `req_session_t::push_msg` refuses a message that is no reply and the engine drops the
   * connection for good (no reconnect). Done in a microtask: this may run inside the engine's delivery.
   */
  #reject(pipe: Pipe): void {
    this.#rejected.add(pipe);
    if (this.#replyPipe === pipe) this.#replyPipe = null;
    pipe.inbound.clear();
    this.#lb.remove(pipe);
    queueMicrotask(() => this[kTerminatePipe](pipe, 0));
  }

  /** @internal */
  [xsend](msg: Msg): boolean {
    if (this.#receivingReply) {
      if (!this[kOptions].relaxed) {
        throw new ZmqError(
          "EFSM",
          "Operation cannot be accomplished in current state: a Request socket must receive the reply " +
            "before it sends the next request (or set relaxed = true)",
        );
      }
      // ZMQ_REQ_RELAXED: abandon the outstanding request (and a reply that may have come for it).
      this.#receivingReply = false;
      this.#replyPipe = null;
      this.#reply = null;
    }
    // libzmq req_t::xsend: drop everything already queued, so a late answer to an old request (say from
    // another peer) is never taken for the answer to this one.
    this.#pump();
    const correlate = this[kOptions].correlate;
    let nextId = this.#requestId;
    let idFrame = EMPTY;
    // The request's frames in an array of their final length (no growing it frame by frame).
    const head = correlate ? 2 : 1;
    const frames: Msg = new Array<Buffer>(head + msg.length);
    if (correlate) {
      nextId = (this.#requestId + 1) >>> 0;
      idFrame = Buffer.allocUnsafe(4);
      idFrame.writeUInt32LE(nextId, 0);
      frames[0] = idFrame;
    }
    frames[head - 1] = EMPTY;
    for (let k = 0; k < msg.length; k++) frames[head + k] = msg[k]!;
    const pipe = this.#lb.send(frames);
    if (pipe === null) return false;
    if (correlate) {
      this.#requestId = nextId;
      this.#requestIdFrame = idFrame;
    }
    this.#receivingReply = true;
    this.#replyPipe = pipe;
    return true;
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    if (!this.#receivingReply) {
      throw new ZmqError(
        "EFSM",
        "Operation cannot be accomplished in current state: " +
          "a Request socket must send a request before it receives a reply",
      );
    }
    if (this.#reply === null) this.#pump();
    const reply = this.#reply;
    if (reply === null) return undefined;
    // The socket base reports the message's properties from the pipe it was read from.
    setLastRead(this.#replyFrom);
    this.#reply = null;
    this.#replyFrom = null;
    this.#receivingReply = false;
    this.#replyPipe = null;
    return reply;
  }

  /** @internal */
  override [xhasIn](): boolean {
    if (!this.#receivingReply) return false;
    if (this.#reply === null) this.#pump();
    return this.#reply !== null;
  }

  /** @internal */
  override [xhasOut](): boolean {
    if (this.#receivingReply && !this[kOptions].relaxed) return false;
    return this.#lb.hasOut();
  }
}
defineOptions(Request.prototype, "REQ");

/**
 * The replies libzmq's REQ session lets through (`req_session_t::push_msg`): an empty delimiter, or a
 * 4-byte request id then the delimiter (whatever `correlate` is), each followed by at least one frame.
 */
function isReplyShaped(m: Msg): boolean {
  const first = m[0]!;
  if (first.length === 0) return m.length >= 2;
  if (first.length === 4) return m.length >= 3 && m[1]!.length === 0;
  return false;
}

export interface Request extends Readable, Writable, OptionProps<"REQ"> {
  send(message: MessageLike | MessageLike[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}
