/**
 * PUB (RFC 29): fan-out to the subscribers whose subscriptions match the first frame. Never blocks:
 * a subscriber at its HWM loses messages while the others still get theirs (G25); `noDrop` makes a
 * full subscriber hold the send instead. Subscriptions are accepted as ZMTP 3.1 commands and as legacy
 * `01|topic` / `00|topic` messages from every peer; anything else a subscriber sends is dropped.
 */
import type { Msg } from "../pipe.ts";
import type { OptionSpec } from "./options.ts";
import { notSupported } from "./push.ts";
import { defineOptions, type MessageLike, type Writable } from "./socket-base.ts";
import { PublisherBase } from "./xpublisher.ts";

/** PUB's own options (zeromq.js `Publisher`), on top of the common socket options. */
export const PUB_OPTIONS: Record<string, OptionSpec> = {
  noDrop: { kind: "bool", default: false },
  conflate: { kind: "bool", default: false },
  invertMatching: { kind: "bool", default: false },
};

/**
 * A PUB socket: distributes each message to the subscribers whose subscriptions match its first frame.
 * It cannot receive; send() never waits for subscribers (unless `noDrop`).
 */
export class Publisher extends PublisherBase {
  constructor(options?: Partial<Omit<Publisher, "send">> & { context?: unknown }) {
    super("PUB", options, PUB_OPTIONS);
  }

  override receive(): Promise<Msg> {
    return Promise.reject(notSupported("receive", "Publisher"));
  }
}
defineOptions(Publisher.prototype, PUB_OPTIONS);

export interface Publisher extends Writable {
  /** ZMQ_XPUB_NODROP: a full subscriber makes send() wait (EAGAIN) instead of losing the message. */
  noDrop: boolean;
  /** ZMQ_CONFLATE: each subscriber's queue keeps only the newest message. */
  conflate: boolean;
  /** ZMQ_INVERT_MATCHING: send to the subscribers whose subscriptions do NOT match. */
  invertMatching: boolean;
  send(message: MessageLike | MessageLike[]): Promise<void>;
}
