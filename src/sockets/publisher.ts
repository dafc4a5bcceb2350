/**
 * PUB (RFC 29): fan-out to the subscribers whose subscriptions match the first frame. Never blocks:
 * a subscriber at its HWM loses messages while the others still get theirs (docs/zmtp-notes.md G25);
 * `noDrop` makes a full subscriber hold the send instead. Subscriptions are accepted as ZMTP 3.1
 * commands and as legacy `01|topic` / `00|topic` messages from every peer; anything else a subscriber
 * sends is dropped.
 */
import type { Msg } from "../pipe.ts";
import { notSupported } from "../util/not-supported.ts";
import { kOptions } from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import type { OptionProps, OptionStore } from "./options.ts";
import { finishSocket, type MessageLike, type Writable } from "./socket-base.ts";
import { PublisherBase } from "./xpublisher.ts";

/**
 * A PUB socket: distributes each message to the subscribers whose subscriptions match its first frame.
 * It cannot receive; send() never waits for subscribers (unless `noDrop`).
 */
export class Publisher extends PublisherBase {
  /** @internal */
  declare readonly [kOptions]: OptionStore<"PUB">;

  constructor(options?: Partial<Omit<Publisher, "send">> & { context?: unknown }) {
    super("PUB", options);
    finishSocket(this, options);
  }

  override receive(): Promise<Msg> {
    return Promise.reject(notSupported("receive", "Publisher"));
  }
}
defineOptions(Publisher.prototype, "PUB");

export interface Publisher extends Writable, OptionProps<"PUB"> {
  send(message: MessageLike | MessageLike[]): Promise<void>;
}
