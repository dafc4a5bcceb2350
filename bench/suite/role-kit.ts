// What every benchmark role shares, for the ZeroMQ libraries' roles (roles-zmq.ts) and the node:net
// ceiling's (roles-net.ts): the result it reports, the warm-up that starts its clock, the messages it sends
// and how it finishes.

import { Buffer } from "node:buffer";
// The module binding, not the global: the global `performance` is a lazy getter, measurable at 8 B.
import { performance } from "node:perf_hooks";
import { makeFrame, makeMessage, writeSeq } from "./payload.ts";
import type { RoleSpec } from "./common.ts";
import { EXIT_WAIT_MS, type Channel, type RoleResult } from "./control.ts";
import { BIG_BODY } from "./netframe.ts";

export function result(
  count: number,
  bytes: number,
  elapsedMs: number,
  extra: Record<string, number> = {},
): RoleResult {
  return { count, bytes, elapsedMs, extra };
}

/**
 * Where the timed part of a measurement starts: `warmupMs` after its first message (see
 * `CaseSpec.warmupMs`), with the running totals at that point. While warming up the clock is read every
 * `mask + 1` events; once timing has started, not at all.
 */
export class Warmup {
  #first = 0;
  started = false;
  t0 = 0;
  #count0 = 0;
  #bytes0 = 0;

  constructor(
    private readonly ms: number,
    private readonly mask: number,
  ) {}

  /** A message is here: the first one starts the warm-up (or, without one, the timed part). */
  arrived(): void {
    if (this.#first !== 0) return;
    this.#first = performance.now();
    if (this.ms <= 0) {
      this.started = true;
      this.t0 = this.#first;
    }
  }

  /** `count` messages and `bytes` so far: starts the timed part once the warm-up has passed. */
  step(count: number, bytes: number): void {
    if ((count & this.mask) !== 0) return;
    const now = performance.now();
    if (now - this.#first < this.ms) return;
    this.started = true;
    this.t0 = now;
    this.#count0 = count;
    this.#bytes0 = bytes;
  }

  /**
   * After each event of a run that stops itself: warms up (see {@link step}), then true once the timed
   * part has lasted `durationMs`.
   */
  ended(count: number, bytes: number, durationMs: number): boolean {
    if (!this.started) {
      this.step(count, bytes);
      return false;
    }
    return (count & this.mask) === 0 && performance.now() - this.t0 >= durationMs;
  }

  /**
   * The timed part's figures, up to `t1`, with everything in `extra.total` (for the cross-checks) unless
   * `extra` gives its own. If the run ended within the warm-up, all of it counts.
   */
  result(count: number, bytes: number, t1: number, extra: Record<string, number> = {}): RoleResult {
    if (!this.started) {
      this.t0 = this.#first;
      this.#count0 = 0;
      this.#bytes0 = 0;
    }
    return result(count - this.#count0, bytes - this.#bytes0, t1 - this.t0, { total: count, ...extra });
  }
}

/** How long a producer produces: the warm-up, then the timed part. */
export function productionMs(spec: RoleSpec): number {
  return spec.warmupMs + spec.durationMs;
}

/**
 * Big single-part messages over tcp/ipc come from a ring of buffers, the way the net ceiling reuses its
 * template and an application reuses its buffers: a fresh 64 KiB-1 MiB allocation per message would
 * measure the garbage collector (external-memory GCs every few ms) rather than the transport. The ring
 * is longer than everything a library may still hold: the send HWM plus what is being written (about
 * 256 KiB in zocket) plus a margin. Reuse is checked, not assumed: a buffer rewritten while still queued
 * would arrive with a later sequence number, and the receiver's order check fails the cell.
 */
export class BigRing {
  readonly #ring: Buffer[] = [];
  readonly #length: number;

  constructor(
    readonly size: number,
    hwm: number,
  ) {
    this.#length = hwm + 4 + Math.ceil((1024 * 1024) / size);
  }

  next(seq: number): Buffer {
    const i = seq % this.#length;
    const b = (this.#ring[i] ??= Buffer.alloc(this.size));
    writeSeq(b, seq, 0);
    return b;
  }
}

const rings = new WeakMap<RoleSpec, BigRing>();

/**
 * The next message to send: a fresh Buffer for small single-part messages (no array to build and
 * unwrap), a ring buffer for big ones, fresh parts for multipart messages.
 */
export function outgoing(spec: RoleSpec, seq: number): Buffer | Buffer[] {
  if (spec.parts !== 1) return makeMessage(spec.size, spec.parts, seq);
  // inproc passes buffers by reference through both ends' queues (zeromq.js too, for big buffers), and
  // there is no ceiling to compare with: fresh buffers there, as an application would allocate them.
  if (spec.size < BIG_BODY || spec.transport === "inproc") return makeFrame(spec.size, seq);
  let ring = rings.get(spec);
  if (ring === undefined) rings.set(spec, (ring = new BigRing(spec.size, spec.hwm)));
  return ring.next(seq);
}

/** Checking the clock every message is cheap for big messages, not for 8 B ones. */
export function clockMask(spec: RoleSpec): number {
  return spec.size * spec.parts >= 4096 ? 0 : 31;
}

export async function finish(ch: Channel, r: RoleResult, cleanup: () => void): Promise<void> {
  ch.send({ t: "result", result: r });
  try {
    await ch.recv("exit", EXIT_WAIT_MS);
  } finally {
    cleanup();
  }
}

/** Round trips a latency client makes before its clock starts. */
export const WARMUP_ROUND_TRIPS = 5;
