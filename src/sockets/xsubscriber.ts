/**
 * XSUB (RFC 29; libzmq `xsub.cpp`), and the subscribing core SUB shares with it (libzmq's `sub_t` is an
 * `xsub_t` driven by ZMQ_SUBSCRIBE and filtering what it receives).
 *
 * - Subscriptions are kept in a counted {@link Trie}: every subscribe goes upstream (XPUB dedupes, and
 *   forwarding devices need the duplicates for XPUB verbosity), a cancel only when the count reaches 0.
 * - Every new peer, and every reconnect of a connecting pipe (the hiccup), gets the whole set replayed
 *   as SUBSCRIBE commands; the engine turns them into the legacy `01|topic` message for ZMTP 3.0/2.0
 *   peers (docs/zmtp-notes.md G10).
 * - XSUB: the application sends `[01|topic]` / `[00|topic]`; these are forwarded verbatim as data
 *   messages (libzmq does the same even to ZMTP 3.1 peers, docs/zmtp-notes.md G11). Any other message
 *   goes upstream as is.
 * - Receiving is fair-queued; SUB also filters locally (a publisher may send more than asked for).
 */
import { Buffer } from "node:buffer";
import type { Msg, Pipe } from "../pipe.ts";
import { commandMsg } from "../pipe.ts";
import { Distributor } from "../routing/distributor.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import { Trie } from "../routing/trie.ts";
import type { SocketTypeName } from "../protocol/constants.ts";
import {
  kOptions,
  xattach,
  xhasIn,
  xhasOut,
  xhiccup,
  xreadable,
  xrecv,
  xsend,
  xterminated,
  xwritable,
} from "./hooks.ts";
import type { OptionStore, SocketOptionStore } from "./options.ts";
import { finishSocket, type MessageLike, type Readable, Socket, type Writable } from "./socket-base.ts";

/** @internal SUB's subscribe(): count a subscription and send it to every peer. */
export const kAddSubscription = Symbol("zocket.sub.add");
/** @internal SUB's unsubscribe(). */
export const kRemoveSubscription = Symbol("zocket.sub.remove");
const kSubscriptions = Symbol("zocket.sub.subscriptions");
const kSendUpstream = Symbol("zocket.sub.sendUpstream");

/**
 * What SUB and XSUB share; libzmq gives both a linger of 0 (options.ts): pending subscriptions are not
 * worth waiting for on close. Options are read from the option store on use (see PublisherBase).
 */
export abstract class SubscriberBase extends Socket {
  /** @internal SUB's options (XSUB has only the common ones). */
  declare readonly [kOptions]: SocketOptionStore & Partial<OptionStore<"SUB">>;
  readonly #fq = new FairQueue();
  readonly #dist = new Distributor();
  readonly #subs = new Trie();
  /** A message taken off a pipe by xhasIn() (SUB filtering needs to look before it can say "readable"). */
  #prefetched: Msg | undefined = undefined;
  /** SUB filters what it receives; XSUB passes everything (libzmq `options.filter`). */
  readonly #filter: boolean;

  protected constructor(type: SocketTypeName, options: object | undefined) {
    super(type, options);
    this.#filter = type === "SUB";
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    // ZMQ_CONFLATE (SUB): the pipe keeps only the newest message. Only inbound: conflating the
    // outbound would lose subscriptions.
    if (this[kOptions].conflate === true) pipe.inbound.conflate = true;
    this.#fq.attach(pipe);
    this.#dist.attach(pipe);
    this.#replay(pipe);
  }

  /** @internal A connecting pipe got a new connection: send every subscription again (libzmq xhiccuped). */
  override [xhiccup](pipe: Pipe): void {
    this.#replay(pipe);
  }

  #replay(pipe: Pipe): void {
    this.#subs.apply((topic) => pipe.sendCommand(commandMsg("SUBSCRIBE", topic)));
  }

  /** @internal */
  override [xreadable](pipe: Pipe): void {
    this.#fq.activate(pipe);
  }

  /** @internal */
  override [xwritable](pipe: Pipe): void {
    this.#dist.activated(pipe);
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    this.#dist.terminated(pipe);
    // Messages already received stay readable; the fair-queue drops the pipe once drained.
    this.#fq.terminated(pipe);
  }

  /** @internal Count a subscription; it goes to every peer (each subscribe, as libzmq 4.3 does). */
  protected [kAddSubscription](topic: Buffer): void {
    this.#subs.add(topic);
    const copy = Buffer.from(topic);
    for (const t of this.#dist.targets()) t.pipe.sendCommand(commandMsg("SUBSCRIBE", copy));
  }

  /** @internal Count a subscription off; the cancel goes to every peer only when it was the last one. */
  protected [kRemoveSubscription](topic: Buffer): void {
    if (!this.#subs.rm(topic)) return;
    const copy = Buffer.from(topic);
    for (const t of this.#dist.targets()) t.pipe.sendCommand(commandMsg("CANCEL", copy));
  }

  /** @internal The counted subscriptions (read-only use). */
  protected get [kSubscriptions](): Trie {
    return this.#subs;
  }

  /** @internal Data upstream to every peer; a peer at its HWM loses it (libzmq dist send_to_all). */
  protected [kSendUpstream](msg: Msg): void {
    this.#dist.sendToAll(msg);
  }

  #matches(msg: Msg): boolean {
    if (!this.#filter) return true;
    return this.#subs.check(msg[0]!) !== (this[kOptions].invertMatching === true);
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    const p = this.#prefetched;
    if (p !== undefined) {
      this.#prefetched = undefined;
      return p;
    }
    for (;;) {
      const m = this.#fq.recv();
      if (m === undefined || this.#matches(m)) return m;
    }
  }

  /** @internal */
  override [xhasIn](): boolean {
    if (this.#prefetched !== undefined) return true;
    for (;;) {
      const m = this.#fq.recv();
      if (m === undefined) return false;
      if (this.#matches(m)) {
        this.#prefetched = m;
        return true;
      }
    }
  }
}

/**
 * An XSUB socket: a {@link Subscriber} driven by messages. Send `[01|topic]` to subscribe, `[00|topic]`
 * to unsubscribe; anything else is passed upstream to the publishers. Receives everything its
 * publishers send (no local filtering).
 */
export class XSubscriber extends SubscriberBase {
  constructor(options?: Partial<Omit<XSubscriber, "send" | "receive">> & { context?: unknown }) {
    super("XSUB", options);
    finishSocket(this, options);
  }

  /** @internal */
  [xsend](msg: Msg): boolean {
    const first = msg[0]!;
    if (first.length > 0 && first[0] === 1) {
      this[kSubscriptions].add(first.subarray(1));
    } else if (first.length > 0 && first[0] === 0) {
      // A cancel that leaves other subscriptions to the topic in place is not passed on (libzmq).
      if (!this[kSubscriptions].rm(first.subarray(1))) return true;
    }
    this[kSendUpstream](msg);
    return true;
  }

  /** @internal */
  override [xhasOut](): boolean {
    // Subscriptions can be added or removed at any time (libzmq xsub has_out).
    return true;
  }
}

export interface XSubscriber extends Readable, Writable {
  send(message: MessageLike | MessageLike[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}
