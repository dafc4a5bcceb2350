/**
 * SUB (RFC 29): receives what its publishers send for the topics it subscribed to — prefix matches on
 * the first frame, counted (two subscribes need two unsubscribes). Subscriptions go to every publisher
 * as ZMTP 3.1 SUBSCRIBE/CANCEL commands, or legacy `01|topic` / `00|topic` messages for ZMTP 3.0/2.0
 * peers, and are re-sent on every reconnect. The SUB also filters locally. It cannot send.
 */
import { Buffer } from "node:buffer";
import type { Msg } from "../pipe.ts";
import { topicBytes } from "../routing/trie.ts";
import { notSupported } from "../util/not-supported.ts";
import { kOptions, xsend } from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import type { OptionProps, OptionStore } from "./options.ts";
import { finishSocket, type Readable } from "./socket-base.ts";
import { kAddSubscription, kRemoveSubscription, SubscriberBase } from "./xsubscriber.ts";

const ALL = Buffer.alloc(0);

/**
 * A SUB socket: receives what its publishers send for the prefixes it subscribed to. Initially it is
 * subscribed to nothing. It cannot send.
 */
export class Subscriber extends SubscriberBase {
  /** @internal */
  declare readonly [kOptions]: OptionStore<"SUB">;

  constructor(options?: Partial<Omit<Subscriber, "receive" | "subscribe" | "unsubscribe">> & { context?: unknown }) {
    super("SUB", options);
    finishSocket(this, options);
  }

  /**
   * Receive messages whose first frame starts with one of `prefixes`; with no argument, everything
   * (zeromq.js `subscribe()`). Each call counts: a prefix subscribed twice needs two unsubscribes.
   */
  subscribe(...prefixes: Array<Buffer | string>): void {
    if (prefixes.length === 0) this[kAddSubscription](ALL);
    else for (const p of prefixes) this[kAddSubscription](topicBytes(p));
  }

  /** Undo one {@link Subscriber.subscribe} per prefix; with no argument, the "everything" subscription. */
  unsubscribe(...prefixes: Array<Buffer | string>): void {
    if (prefixes.length === 0) this[kRemoveSubscription](ALL);
    else for (const p of prefixes) this[kRemoveSubscription](topicBytes(p));
  }

  /** @internal */
  [xsend](): boolean {
    throw notSupported("send", "Subscriber");
  }

  override send(..._args: unknown[]): Promise<void> {
    return Promise.reject(notSupported("send", "Subscriber"));
  }
}
defineOptions(Subscriber.prototype, "SUB");

export interface Subscriber extends Readable, OptionProps<"SUB"> {
  receive(): Promise<Msg>;
}
