// Payloads and checks of the benchmark suite. Every data part is exactly `size` bytes; the first part
// of each message carries its sequence number (u32 LE) when size >= 4. The producer ends with an END
// marker of parts+1 frames: [u32 count, ...empty, "ZOCKET-BENCH-END"], so the consumer knows how many
// messages were sent.

import { Buffer } from "node:buffer";
import type { ZSocket } from "./common.ts";

export const SEQ_BYTES = 4;
export const END_MAGIC = Buffer.from("ZOCKET-BENCH-END");

/** A fresh part of `size` bytes carrying `seq` in its first 4 bytes. */
export function makeFrame(size: number, seq: number): Buffer {
  const first = Buffer.allocUnsafe(size);
  if (size >= SEQ_BYTES) writeSeq(first, seq, 0);
  return first;
}

// The sequence number every message carries, little-endian, read and written a byte at a time. With
// Buffer's readUInt32LE/writeUInt32LE the harness itself cost ~10-20 ns a message (inproc 8 B): the
// optimised code of the checker and of the sender loop loaded the method through V8's generic LoadIC on
// every call (seen in perf and in --print-opt-code), then ran the method's own argument checks. Byte
// access has neither. The same for every library and for the net ceiling.

/** Writes `seq` (mod 2^32) as 4 little-endian bytes at `at`. */
export function writeSeq(b: Uint8Array, seq: number, at: number): void {
  b[at] = seq;
  b[at + 1] = seq >>> 8;
  b[at + 2] = seq >>> 16;
  b[at + 3] = seq >>> 24;
}

/** The 4 little-endian bytes at `at` as an unsigned 32-bit number. */
export function readSeq(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/**
 * The inproc thr cell's shape, for the scripts that measure it outside the suite (inproc-floor,
 * inproc-instructions): the sender awaits `send(makeFrame())` per message, the receiver checks each
 * `await receive()`; `n` messages numbered from `first`.
 */
export async function sendAndCheck(
  push: Pick<ZSocket, "send">,
  pull: Pick<ZSocket, "receive">,
  chk: Checker,
  size: number,
  first: number,
  n: number,
): Promise<void> {
  const sender = (async () => {
    for (let i = 0; i < n; i++) await push.send(makeFrame(size, first + i));
  })();
  for (let i = 0; i < n; i++) chk.check(await pull.receive());
  await sender;
}

const RESOLVED = Promise.resolve();

/**
 * The same shape with no socket, a plain array as the queue: what the harness costs by itself (the floor
 * of inproc-floor and inproc-first-compile). `n` messages of `size` bytes, checked by `chk`; with `copy`,
 * each frame is copied as it is queued, as a socket's send() must copy a small frame.
 */
export async function sendAndCheckPlainArray(chk: Checker, size: number, n: number, copy = false): Promise<void> {
  const q: Buffer[] = [];
  let head = 0;
  const sender = (async () => {
    for (let i = 0; i < n; i++) {
      q.push(copy ? copyFrame(makeFrame(size, i)) : makeFrame(size, i));
      await RESOLVED;
    }
  })();
  for (let i = 0; i < n; i++) {
    chk.check(await Promise.resolve([q[head++]!]));
    if (head > 4096) {
      q.splice(0, head);
      head = 0;
    }
  }
  await sender;
}

/** A copy of a frame as a send of at most 128 bytes makes one (issue 21's reuse contract; zocket's message.ts). */
function copyFrame(frame: Buffer): Buffer {
  const out = Buffer.allocUnsafe(frame.length);
  out.set(frame);
  return out;
}

export function makeMessage(size: number, parts: number, seq: number): Buffer[] {
  const first = makeFrame(size, seq);
  if (parts === 1) return [first];
  const msg = [first];
  for (let i = 1; i < parts; i++) msg.push(Buffer.allocUnsafe(size));
  return msg;
}

export function makeEnd(count: number, parts: number): Buffer[] {
  const c = Buffer.alloc(4);
  c.writeUInt32LE(count >>> 0, 0);
  const msg = [c];
  for (let i = 1; i < parts; i++) msg.push(Buffer.alloc(0));
  msg.push(END_MAGIC);
  return msg;
}

export class CheckError extends Error {}

/** Checks count, part count, sizes and order of a stream of messages. */
export class Checker {
  count = 0;
  bytes = 0;
  /** Set when the END marker arrived: the producer's count. */
  ended = false;

  constructor(
    readonly size: number,
    readonly parts: number,
    readonly label: string,
  ) {}

  /** Returns true for a data message, false for the END marker (after checking it). */
  check(msg: readonly Buffer[], offset = 0): boolean {
    const n = msg.length - offset;
    if (n !== this.parts) {
      const last = msg[msg.length - 1];
      const first = msg[offset];
      if (n === this.parts + 1 && last !== undefined && first !== undefined && last.equals(END_MAGIC)) {
        const sent = first.readUInt32LE(0);
        if (sent !== this.count >>> 0) {
          throw new CheckError(`${this.label}: producer sent ${sent} messages, received ${this.count}`);
        }
        this.ended = true;
        return false;
      }
      throw new CheckError(`${this.label}: message ${this.count} has ${n} parts, expected ${this.parts}`);
    }
    for (let i = offset; i < msg.length; i++) {
      const p = msg[i];
      if (p === undefined || p.length !== this.size) {
        throw new CheckError(
          `${this.label}: message ${this.count} part ${i - offset} is ${p?.length} B, expected ${this.size} B`,
        );
      }
    }
    if (this.size >= SEQ_BYTES) {
      const seq = readSeq(msg[offset] as Buffer, 0);
      if (seq !== this.count >>> 0) {
        throw new CheckError(`${this.label}: out of order: got seq ${seq}, expected ${this.count >>> 0}`);
      }
    }
    this.count++;
    this.bytes += this.size * this.parts;
    return true;
  }
}
