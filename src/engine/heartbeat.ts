/**
 * ZMTP 3.1 heartbeats (RFC 37, the PING and PONG commands), as libzmq runs them (stream_engine_base.cpp):
 * - with `interval` > 0, a PING every `interval` ms. The first PING sent while no timeout is armed arms
 *   one: if nothing at all arrives from the peer within `timeout` ms (default: the interval), the
 *   connection is dead. PINGs carry our TTL (`timeToLive`), in deciseconds;
 * - a PING from the peer is always answered with a PONG echoing its context, even with heartbeats off;
 *   a PING with a TTL arms a timer: if nothing arrives within the TTL, the connection is dead.
 * Any received byte is proof of life, not only a PONG (docs/zmtp-notes.md §1.7). Every timer is
 * unref'd and cleared by {@link Heartbeats.stop}.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import { encodePing, encodePong } from "../protocol/command.ts";

export interface HeartbeatOptions {
  /** ms between PINGs; 0 or less: none are sent (ZMQ_HEARTBEAT_IVL). */
  interval: number;
  /** ms to wait for any input after a PING; 0 or less: the interval (ZMQ_HEARTBEAT_TIMEOUT). */
  timeout: number;
  /** ms the peer may wait for our input, sent in every PING (ZMQ_HEARTBEAT_TTL). */
  timeToLive: number;
}

/** What heartbeats need from their engine. */
export interface HeartbeatHost {
  /** A count of reads so far: a timer that sees the same count when it fires heard nothing meanwhile. */
  received(): number;
  /** Write a PING or PONG command body. */
  send(body: Buffer): void;
  /** The peer went silent: close the connection with this error. */
  expired(error: ZmqError): void;
}

const EMPTY = Buffer.alloc(0);

export class Heartbeats {
  readonly #host: HeartbeatHost;
  readonly #opts: HeartbeatOptions;
  #pingTimer: NodeJS.Timeout | null = null;
  #timeoutTimer: NodeJS.Timeout | null = null;
  #ttlTimer: NodeJS.Timeout | null = null;

  constructor(host: HeartbeatHost, opts: HeartbeatOptions) {
    this.#host = host;
    this.#opts = opts;
  }

  /** Start sending PINGs (when an interval is set). */
  start(): void {
    const ivl = this.#opts.interval;
    if (ivl <= 0) return;
    const timeout = this.#opts.timeout > 0 ? this.#opts.timeout : ivl;
    // TTL in deciseconds, capped to u16 (libzmq stores ms/100).
    const ttl = Math.min(0xffff, Math.floor(Math.max(0, this.#opts.timeToLive) / 100));
    this.#pingTimer = setInterval(() => {
      this.#host.send(encodePing(ttl));
      if (this.#timeoutTimer === null) {
        const armedAt = this.#host.received();
        this.#timeoutTimer = setTimeout(() => {
          this.#timeoutTimer = null;
          if (this.#host.received() === armedAt) {
            this.#host.expired(new ZmqError("ETIMEDOUT", `no heartbeat from peer within ${timeout} ms`));
          }
        }, timeout);
        this.#timeoutTimer.unref();
      }
    }, ivl);
    this.#pingTimer.unref();
  }

  /** The peer sent a PING (`body` is the whole command: `[4]PING [u16 ttl][context]`). */
  onPing(body: Buffer): void {
    const ttl = body.length >= 7 ? body.readUInt16BE(5) : 0;
    const context = body.length > 7 ? body.subarray(7) : EMPTY;
    this.#host.send(encodePong(context));
    if (ttl > 0 && this.#ttlTimer === null) {
      const armedAt = this.#host.received();
      this.#ttlTimer = setTimeout(() => {
        this.#ttlTimer = null;
        if (this.#host.received() === armedAt) {
          this.#host.expired(new ZmqError("ETIMEDOUT", "peer heartbeat TTL expired"));
        }
      }, ttl * 100);
      this.#ttlTimer.unref();
    }
  }

  /** Clear every timer (the connection closed). */
  stop(): void {
    if (this.#pingTimer !== null) clearInterval(this.#pingTimer);
    if (this.#timeoutTimer !== null) clearTimeout(this.#timeoutTimer);
    if (this.#ttlTimer !== null) clearTimeout(this.#ttlTimer);
    this.#pingTimer = this.#timeoutTimer = this.#ttlTimer = null;
  }
}
