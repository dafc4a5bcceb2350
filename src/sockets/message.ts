/**
 * Messages as zeromq.js takes them, turned into frames (zeromq.js `src/outgoing_msg.cc`):
 * - Buffers, other typed arrays and DataViews, ArrayBuffers (and SharedArrayBuffers): their raw bytes.
 *   Up to {@link COPY_THRESHOLD} bytes are copied, so the caller may reuse the buffer at once; larger
 *   ones are sent without a copy (inproc peers receive the very same memory), so they must not be
 *   changed until the send has resolved.
 * - strings: UTF-8; null: an empty frame; anything else: `String(value)` ("16.19", "true",
 *   "[object Object]", a function's source), as zeromq.js coerces it.
 * - an array: one frame per element (an empty array sends nothing).
 */
import { Buffer } from "node:buffer";
import type { Msg } from "../pipe.ts";

/** Anything zeromq.js accepts as a message frame. */
export type MessageLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string | number | null;
export type Message = Buffer;

/** zeromq.js's zero-copy threshold (`outgoing_msg.cc`): frames of at most this many bytes are copied. */
export const COPY_THRESHOLD = 128;

/** A frame of the caller's bytes: a copy when small, else a view of the same memory. */
export function bytes(buf: Buffer): Buffer {
  if (buf.length > COPY_THRESHOLD) return buf;
  // A slice of Buffer's shared pool, filled natively: no per-copy ArrayBuffer.
  const copy = Buffer.allocUnsafe(buf.length);
  copy.set(buf);
  return copy;
}

/** The first `count` frames of `msg` (all, if it has fewer) replaced by {@link bytes} of them, in place. */
export function copyFrames(msg: Msg, count: number): void {
  const n = Math.min(count, msg.length);
  for (let i = 0; i < n; i++) msg[i] = bytes(msg[i]!);
}

/** Convert one zeromq.js MessageLike into a Buffer; `copy` false keeps a small Buffer as it is. */
export function toFrame(part: unknown, copy = true): Buffer {
  if (Buffer.isBuffer(part)) return copy ? bytes(part) : part;
  if (typeof part === "string") return Buffer.from(part, "utf8");
  if (ArrayBuffer.isView(part)) return bytes(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
  if (part instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && part instanceof SharedArrayBuffer)) {
    return bytes(Buffer.from(part as ArrayBuffer));
  }
  if (part === null) return Buffer.alloc(0);
  return Buffer.from(String(part), "utf8");
}

/** toMsg's `routed` for a send offered to an engine: no Buffer is copied yet (design decision 32). */
export const COPY_NONE = Infinity;

/**
 * A message (one frame, or an array of them) as the frames a pipe carries. The first `routed` Buffers are
 * not copied: ROUTER and STREAM consume their routing id while sending, and a reply's id is then still
 * the very Buffer the request came with (router.ts looks it up by identity).
 */
export function toMsg(message: unknown, routed = 0): Msg {
  if (Array.isArray(message)) {
    const out: Msg = new Array(message.length);
    for (let i = 0; i < message.length; i++) out[i] = toFrame(message[i], i >= routed);
    return out;
  }
  return [toFrame(message)];
}
