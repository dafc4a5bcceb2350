/**
 * The far end of a datagram pipe (libzmq `udp_engine_t`): messages of the pipe's outbound queue go out as
 * datagrams, datagrams come in as messages. No handshake, no connection: one message is one datagram
 * (docs/drafts-notes.md §20, §23).
 *
 * - "group" codec (RADIO/DISH): `[group, body]` ↔ `u8 L | group | body`. Joins a DISH queues for a udp
 *   pipe are dropped here: over udp the DISH filters alone (§17).
 * - "raw" codec (DGRAM): `[address, body]` ↔ the body, sent to or received from that address.
 * A datagram that does not fit the pipe (receive HWM), or is malformed, or longer than `maxMessageSize`,
 * is dropped, as libzmq drops it (§22); a malformed one never costs more than itself.
 */
import type { Buffer } from "node:buffer";
import { MSG_COMMAND, type CommandMsg, type DatagramPeer, type Msg, type Pipe, type PipeEnd } from "../pipe.ts";
import {
  decodeGroupDatagram,
  encodeGroupDatagram,
  formatRawAddress,
  parseRawAddress,
  refuseGroupDatagram,
  refuseRawDatagram,
} from "../protocol/datagram.ts";
import type { DatagramChannel, DatagramSink, DatagramSource } from "../transports/datagram.ts";
import { microtask } from "../util/microtask.ts";

/** How messages map to datagrams: RADIO/DISH groups, or DGRAM's raw `[address, body]`. */
export type DatagramCodec = "group" | "raw";

/** Messages sent per turn of the event loop before the rest waits for the next (I/O gets its turn). */
const BATCH = 1024;

const NOOP = (): void => {};

/** What a socket checks before queueing for a datagram peer: the limits of each codec (§21). */
export const DATAGRAM_PEERS: Readonly<Record<DatagramCodec, DatagramPeer>> = {
  group: { refuse: (msg: Msg) => refuseGroupDatagram(msg[0]!, msg[1]!) },
  raw: { refuse: (msg: Msg) => refuseRawDatagram(msg[1]!) },
};

export class DatagramEngine implements PipeEnd, DatagramSink {
  readonly #pipe: Pipe;
  readonly #raw: boolean;
  /** ZMQ_MAXMSGSIZE: bodies above it are dropped (-1: no limit). */
  readonly #maxSize: number;
  #channel: DatagramChannel | null = null;
  /** The socket closed the pipe: what is queued goes out, then the channel closes. */
  #closing = false;
  #closed = false;
  #lingerTimer: NodeJS.Timeout | null = null;
  /** Datagrams handed to the channel and not yet sent. */
  #inFlight = 0;
  #drainScheduled = false;
  readonly #sent = (): void => {
    this.#inFlight--;
    if (this.#closing && this.#inFlight === 0) this.#finish();
  };
  readonly #drainSoon = (): void => {
    if (this.#drainScheduled || this.#channel === null) return;
    this.#drainScheduled = true;
    microtask(this.#drainNow);
  };
  readonly #drainNow = (): void => {
    this.#drainScheduled = false;
    this.#drain(BATCH);
  };

  constructor(pipe: Pipe, codec: DatagramCodec, maxMessageSize: number) {
    this.#pipe = pipe;
    this.#raw = codec === "raw";
    this.#maxSize = maxMessageSize;
    pipe.bindEnd(this, NOOP, this.#drainSoon);
  }

  /** The channel is open: datagrams flow from now on. */
  start(channel: DatagramChannel): void {
    if (this.#closed) {
      channel.close();
      return;
    }
    this.#channel = channel;
    if (this.#closing) this.#flushAndFinish();
    else this.#drainSoon();
  }

  // ---------------------------------------------------------------- input

  /** DatagramSink: one datagram from `from`. */
  datagram(data: Buffer, from: DatagramSource): void {
    if (this.#closing) return;
    let msg: Msg;
    if (this.#raw) {
      msg = [formatRawAddress(from.address, from.port, from.family === "IPv6"), data];
    } else {
      const parts = decodeGroupDatagram(data);
      if (parts === null) return;
      msg = parts;
    }
    if (this.#maxSize >= 0 && msg[1]!.length > this.#maxSize) return;
    this.#pipe.inbound.write(msg);
  }

  // ---------------------------------------------------------------- output

  #drain(limit: number): void {
    const channel = this.#channel;
    if (channel === null || this.#closed) return;
    const out = this.#pipe.outbound;
    for (let n = 0; n < limit; n++) {
      const m = out.read();
      if (m === undefined) return;
      if ((m as CommandMsg)[MSG_COMMAND] === undefined) this.#send(channel, m);
    }
    if (out.length > 0 && !this.#drainScheduled) {
      this.#drainScheduled = true;
      setImmediate(this.#drainNow);
    }
  }

  #send(channel: DatagramChannel, m: Msg): void {
    const first = m[0]!;
    const body = m[1];
    if (body === undefined) return;
    if (this.#raw) {
      const to = parseRawAddress(first);
      // libzmq drops a message whose address it cannot parse (docs/drafts-notes.md §23).
      if (to === null || to.ipv6 !== channel.ipv6 || refuseRawDatagram(body) !== null) return;
      this.#inFlight++;
      channel.send([body], this.#sent, to.port, to.host);
      return;
    }
    // The RADIO refused these at send(); a message that still does not fit is dropped.
    if (refuseGroupDatagram(first, body) !== null) return;
    this.#inFlight++;
    channel.send(encodeGroupDatagram(first, body), this.#sent);
  }

  // ---------------------------------------------------------------- PipeEnd

  /** Joins and leaves over udp go nowhere (docs/drafts-notes.md §17). */
  sendPriority(_msg: CommandMsg): void {}

  /** The socket closed the pipe: send what is queued (for up to `linger` ms; -1 all of it), then close. */
  close(linger: number): void {
    if (this.#closing || this.#closed) return;
    this.#closing = true;
    if (linger === 0) {
      this.#finish();
      return;
    }
    if (linger > 0) {
      this.#lingerTimer = setTimeout(() => this.#finish(), linger);
      this.#lingerTimer.unref();
    }
    if (this.#channel !== null) this.#flushAndFinish();
  }

  #flushAndFinish(): void {
    this.#drain(Number.MAX_SAFE_INTEGER);
    if (this.#inFlight === 0) this.#finish();
  }

  /** Close now (unbind, disconnect, or the end of lingering). */
  destroy(): void {
    this.#closing = true;
    this.#finish();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
    this.#pipe.unbindEnd(this);
    this.#channel?.close();
    this.#channel = null;
  }
}
