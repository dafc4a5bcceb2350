/**
 * XPUB (RFC 29; libzmq `xpub.cpp`), and the publishing core PUB shares with it (libzmq's `pub_t` is an
 * `xpub_t` that hides subscriptions from the application).
 *
 * - Subscriptions arrive from each subscriber pipe as ZMTP 3.1 SUBSCRIBE/CANCEL commands (the engine
 *   hands them over as `01|topic` / `00|topic`), as legacy `01|topic` / `00|topic` data messages from
 *   any peer version (an XSUB forwards its application's messages verbatim, docs/zmtp-notes.md G11), or
 *   over inproc as command messages. All forms are accepted from everyone (docs/zmtp-notes.md §1.5).
 * - They go into a {@link MultiTrie} of pipes: matching a message costs the length of its first frame.
 * - Sending never blocks: a subscriber at its HWM loses the message, the others get it
 *   (docs/zmtp-notes.md G25), unless `noDrop` (ZMQ_XPUB_NODROP) is set, in which case a full matching
 *   pipe makes the send wait (EAGAIN).
 * - XPUB hands subscription events to the application as `[01|topic]` / `[00|topic]`: the first
 *   subscribe and the last cancel of a topic by default; every subscribe with verbosity "allSubs";
 *   every subscribe and cancel with "allSubsUnsubs". A subscriber that goes away cancels what it held.
 *   Other messages from subscribers (an XSUB's upstream traffic) are delivered to the application too.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import { encodeLegacySubscription } from "../protocol/command.ts";
import { MSG_COMMAND, type CommandMsg, type Msg, type Pipe } from "../pipe.ts";
import { Distributor, type DistTarget } from "../routing/distributor.ts";
import { MultiTrie, topicBytes } from "../routing/trie.ts";
import type { SocketTypeName } from "../protocol/constants.ts";
import { Fifo } from "../util/fifo.ts";
import { kOptions, xattach, xhasIn, xhasOut, xreadable, xrecv, xsend, xterminated, xwritable } from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import type { OPTIONS, OptionProps, OptionStore, SocketOptionStore } from "./options.ts";
import { finishSocket, type MessageLike, type Readable, Socket, type Writable } from "./socket-base.ts";

const EMPTY = Buffer.alloc(0);

/** XPUB manual mode's subscribe()/unsubscribe(), on the base. */
const kManualSubscribe = Symbol("zocket.xpub.manualSubscribe");

/** A message waiting for the application's receive(). */
interface PendingMsg {
  msg: Msg;
  /**
   * For (un)subscriptions in manual mode: the pipe it came from (null for a synthesised cancel of a
   * subscriber that left); undefined for other messages. receive() makes it the pipe that
   * subscribe()/unsubscribe() act on (libzmq `_last_pipe`).
   */
  from: DistTarget | null | undefined;
}

/**
 * What PUB and XPUB share. Options are read from the socket's option store on use (not cached in
 * fields), so a value set after construction takes effect on the next message.
 */
export abstract class PublisherBase extends Socket {
  /** @internal PUB's and XPUB's options (each has some the other lacks). */
  declare readonly [kOptions]: SocketOptionStore & Partial<OptionStore<"PUB"> & OptionStore<"XPUB">>;
  readonly #dist = new Distributor();
  readonly #subs = new MultiTrie<DistTarget>();
  /** XPUB manual mode: what each subscriber asked for, to cancel it when the subscriber leaves. */
  readonly #manualSubs = new MultiTrie<DistTarget>();
  readonly #pending = new Fifo<PendingMsg>();
  #lastPipe: DistTarget | null = null;
  readonly #mark = (t: DistTarget): void => this.#dist.match(t);
  /** XPUB: subscription events and upstream messages go to the application. PUB: dropped. */
  readonly #toApp: boolean;

  protected constructor(type: SocketTypeName, options: object | undefined) {
    super(type, options);
    this.#toApp = type === "XPUB";
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    const t = this.#dist.attach(pipe);
    if (this[kOptions].conflate === true) pipe.outbound.conflate = true;
    // ZMQ_XPUB_WELCOME_MSG: the first message every new subscriber gets.
    const welcome = this[kOptions].welcomeMessage;
    if (typeof welcome === "string" && welcome.length > 0) pipe.write([Buffer.from(welcome, "utf8")]);
    // libzmq reads what is already queued at attach (xread_activated).
    this.#readFrom(t);
  }

  /** @internal */
  override [xreadable](pipe: Pipe): void {
    const t = this.#dist.target(pipe);
    if (t !== undefined) this.#readFrom(t);
  }

  /** @internal */
  override [xwritable](pipe: Pipe): void {
    this.#dist.activated(pipe);
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    const t = this.#dist.target(pipe);
    if (t === undefined) return;
    if (this[kOptions].manual === true) {
      // libzmq: every topic the subscriber asked for is cancelled towards the application.
      this.#manualSubs.rmAll(t, (topic) => this.#notify([encodeLegacySubscription(false, topic)], null));
      this.#subs.rmAll(t);
      if (this.#lastPipe === t) this.#lastPipe = null;
    } else {
      const verboseUnsubs = this[kOptions].verbosity === "allSubsUnsubs";
      this.#subs.rmAll(t, (topic, wasLast) => {
        if (wasLast || verboseUnsubs) this.#notify([encodeLegacySubscription(false, topic)], undefined);
      });
    }
    this.#dist.terminated(pipe);
  }

  /** Drain a subscriber pipe: apply subscriptions, queue the rest for the application (XPUB). */
  #readFrom(t: DistTarget): void {
    const pipe = t.pipe;
    for (let m = pipe.read(); m !== undefined; m = pipe.read()) {
      const cmd = (m as CommandMsg)[MSG_COMMAND];
      if (cmd !== undefined) {
        // inproc peers hand over SUBSCRIBE/CANCEL as command messages; other commands mean nothing here.
        if (cmd === "SUBSCRIBE" || cmd === "CANCEL") this.#onSubscription(t, cmd === "SUBSCRIBE", m[0] ?? EMPTY, null);
        continue;
      }
      const first = m[0]!;
      if (first.length > 0 && first[0]! <= 1) {
        // libzmq (without ZMQ_ONLY_FIRST_SUBSCRIBE) treats every part of a subscription message that
        // starts with 00/01 as a subscription of its own, and hands any other part to the application
        // as a message by itself (checked against libzmq 4.3.4 with a raw peer).
        for (const f of m) {
          if (f.length > 0 && f[0]! <= 1) this.#onSubscription(t, f[0] === 1, f.subarray(1), f);
          else if (this.#toApp) this.#notify([f], undefined);
        }
        continue;
      }
      if (this.#toApp) this.#notify(m, undefined);
    }
  }

  #onSubscription(t: DistTarget, subscribe: boolean, topic: Buffer, raw: Buffer | null): void {
    let notify: boolean;
    const manual = this[kOptions].manual === true;
    if (manual) {
      if (subscribe) this.#manualSubs.add(topic, t);
      else this.#manualSubs.rm(topic, t);
      notify = true;
    } else if (subscribe) {
      notify = this.#subs.add(topic, t) || this[kOptions].verbosity !== null;
    } else {
      // libzmq notifies a cancel unless other subscribers still hold the topic (a cancel of a topic
      // the pipe never held is passed on too: xpub.cpp "TODO reconsider ... not_found").
      notify = this.#subs.rm(topic, t) !== "valuesRemain" || this[kOptions].verbosity === "allSubsUnsubs";
    }
    if (notify) this.#notify([raw ?? encodeLegacySubscription(subscribe, topic)], manual ? t : undefined);
  }

  #notify(msg: Msg, from: DistTarget | null | undefined): void {
    if (this.#toApp) this.#pending.push({ msg, from });
  }

  /** @internal */
  [xsend](msg: Msg): boolean {
    const d = this.#dist;
    const o = this[kOptions];
    d.unmatch();
    this.#subs.match(msg[0]!, this.#mark);
    if (o.invertMatching === true) d.reverseMatch();
    // XPUB_NODROP: refuse the whole message while a matching subscriber is full (libzmq check_hwm).
    if (o.noDrop === true && !d.checkHwm()) return false;
    d.sendToMatching(msg);
    return true;
  }

  /** @internal */
  override [xhasOut](): boolean {
    return true;
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    const p = this.#pending.shift();
    if (p === undefined) return undefined;
    if (p.from !== undefined) this.#lastPipe = p.from !== null && p.from.attached ? p.from : null;
    return p.msg;
  }

  /** @internal */
  override [xhasIn](): boolean {
    return this.#pending.length > 0;
  }

  /** @internal XPUB manual mode: subscribe the pipe of the last subscription received (libzmq ZMQ_SUBSCRIBE). */
  protected [kManualSubscribe](subscribe: boolean, topics: Array<Buffer | string>): void {
    if (this[kOptions].manual !== true) {
      const op = subscribe ? "subscribe" : "unsubscribe";
      const why = "in automatic mode subscribers decide";
      throw new ZmqError("EINVAL", `${op}() on an XPublisher needs manual = true: ${why}`);
    }
    const t = this.#lastPipe;
    if (t === null || !t.attached) return;
    const keys = topics.length === 0 ? [EMPTY] : topics.map(topicBytes);
    for (const k of keys) {
      if (subscribe) this.#subs.add(k, t);
      else this.#subs.rm(k, t);
    }
  }
}

/** Which duplicate subscription events XPUB hands on: null (none), "allSubs", "allSubsUnsubs". */
export type XPublisherVerbosity = (typeof OPTIONS.XPUB_VERBOSE.values)[number];

/**
 * An XPUB socket: a {@link Publisher} that also receives — the subscription events of its subscribers
 * (`[01|topic]` / `[00|topic]`) and any other message they send upstream. Used with an
 * {@link XSubscriber} to build forwarders (see {@link Proxy}).
 */
export class XPublisher extends PublisherBase {
  /** @internal */
  declare readonly [kOptions]: OptionStore<"XPUB">;

  constructor(
    options?: Partial<Omit<XPublisher, "send" | "receive" | "subscribe" | "unsubscribe">> & { context?: unknown },
  ) {
    super("XPUB", options);
    finishSocket(this, options);
  }

  /**
   * Manual mode (`manual = true`, libzmq ZMQ_XPUB_MANUAL with ZMQ_SUBSCRIBE): subscribe the subscriber
   * whose subscription message was received last to `topics` (none = everything). A zocket addition:
   * zeromq.js has no way to drive manual mode.
   */
  subscribe(...topics: Array<Buffer | string>): void {
    this[kManualSubscribe](true, topics);
  }

  /** Manual mode: the counterpart of {@link XPublisher.subscribe}. */
  unsubscribe(...topics: Array<Buffer | string>): void {
    this[kManualSubscribe](false, topics);
  }
}
defineOptions(XPublisher.prototype, "XPUB");

export interface XPublisher extends Readable, Writable, OptionProps<"XPUB"> {
  send(message: MessageLike | MessageLike[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}
