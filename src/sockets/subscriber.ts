/**
 * SUB (RFC 29): receives what its publishers send for the topics it subscribed to — prefix matches on
 * the first frame, counted (two subscribes need two unsubscribes). Subscriptions go to every publisher
 * as ZMTP 3.1 SUBSCRIBE/CANCEL commands, or legacy `01|topic` / `00|topic` messages for ZMTP 3.0/2.0
 * peers, and are re-sent on every reconnect. The SUB also filters locally. It cannot send.
 */
import { Buffer } from "node:buffer";
import type { Msg } from "../pipe.ts";
import { topicBytes } from "../routing/trie.ts";
import type { OptionSpec } from "./options.ts";
import { notSupported } from "./push.ts";
import { defineOptions, type Readable } from "./socket-base.ts";
import { LINGER_ZERO, SubscriberBase } from "./xsubscriber.ts";

/** SUB's own options (zeromq.js `Subscriber`); SUB lingers 0 by default, as in libzmq. */
export const SUB_OPTIONS: Record<string, OptionSpec> = {
  linger: LINGER_ZERO,
  conflate: { kind: "bool", default: false },
  invertMatching: { kind: "bool", default: false },
};

const ALL = Buffer.alloc(0);

/**
 * A SUB socket: receives what its publishers send for the prefixes it subscribed to. Initially it is
 * subscribed to nothing. It cannot send.
 */
export class Subscriber extends SubscriberBase {
  constructor(options?: Partial<Omit<Subscriber, "receive" | "subscribe" | "unsubscribe">> & { context?: unknown }) {
    super("SUB", options, SUB_OPTIONS);
  }

  /**
   * Receive messages whose first frame starts with one of `prefixes`; with no argument, everything
   * (zeromq.js `subscribe()`). Each call counts: a prefix subscribed twice needs two unsubscribes.
   */
  subscribe(...prefixes: Array<Buffer | string>): void {
    if (prefixes.length === 0) this.addSubscription(ALL);
    else for (const p of prefixes) this.addSubscription(topicBytes(p));
  }

  /** Undo one {@link Subscriber.subscribe} per prefix; with no argument, the "everything" subscription. */
  unsubscribe(...prefixes: Array<Buffer | string>): void {
    if (prefixes.length === 0) this.removeSubscription(ALL);
    else for (const p of prefixes) this.removeSubscription(topicBytes(p));
  }

  protected xsend(): boolean {
    throw notSupported("send", "Subscriber");
  }

  override send(..._args: unknown[]): Promise<void> {
    return Promise.reject(notSupported("send", "Subscriber"));
  }
}
defineOptions(Subscriber.prototype, SUB_OPTIONS);

export interface Subscriber extends Readable {
  /** ZMQ_CONFLATE: keep only the newest message from each publisher. */
  conflate: boolean;
  /** ZMQ_INVERT_MATCHING: receive what does NOT match (publishers must invert too). */
  invertMatching: boolean;
  receive(): Promise<Msg>;
}
