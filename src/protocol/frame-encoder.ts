/**
 * ZMTP frame encoder (RFC 23 §3.3; ZMTP 2.0, RFC 15, frames the same way without the COMMAND bit). Pure.
 *
 * A frame is a flags byte, its body's size, then the body. A short frame (body of at most 255 bytes) has a
 * one-byte size; a long one sets the LONG flag and carries the size as a u64be. The other flags are MORE
 * (another frame of the same message follows) and COMMAND. The engine writes headers straight into its
 * output buffer ({@link writeFrameHeader}); {@link encodeFrame} builds a whole frame in a buffer of its own.
 */
import { Buffer } from "node:buffer";
import { FLAG_LONG } from "./constants.ts";

/** Header bytes of a short frame (flags, u8 size) and of a long one (flags, u64be size). */
export const SHORT_HEADER_SIZE = 2;
export const LONG_HEADER_SIZE = 9;

/** Largest body a short frame can carry. */
const SHORT_MAX = 255;

/** Header bytes of a frame with a body of `size` bytes. */
export function frameHeaderSize(size: number): number {
  return size > SHORT_MAX ? LONG_HEADER_SIZE : SHORT_HEADER_SIZE;
}

/**
 * Write the header of a frame with `flags` (MORE, COMMAND) and a body of `size` bytes at `buf[at]`; the
 * LONG flag is set here when the size needs it. Returns where the body goes.
 */
export function writeFrameHeader(buf: Buffer, at: number, flags: number, size: number): number {
  if (size <= SHORT_MAX) {
    buf[at] = flags;
    buf[at + 1] = size;
    return at + SHORT_HEADER_SIZE;
  }
  return writeLongHeader(buf, at, flags, size);
}

/** Out of line, so that the short path stays small where it is inlined (the output writer's loop). */
function writeLongHeader(buf: Buffer, at: number, flags: number, size: number): number {
  // u64be, byte by byte (a Uint8Array store keeps the low 8 bits); the high word is below 2^21.
  const hi = Math.floor(size / 0x1_0000_0000);
  const lo = size >>> 0;
  buf[at] = flags | FLAG_LONG;
  buf[at + 1] = hi >>> 24;
  buf[at + 2] = hi >>> 16;
  buf[at + 3] = hi >>> 8;
  buf[at + 4] = hi;
  buf[at + 5] = lo >>> 24;
  buf[at + 6] = lo >>> 16;
  buf[at + 7] = lo >>> 8;
  buf[at + 8] = lo;
  return at + LONG_HEADER_SIZE;
}

/** One whole frame, header and body, in a new buffer. */
export function encodeFrame(flags: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(frameHeaderSize(body.length) + body.length);
  out.set(body, writeFrameHeader(out, 0, flags, body.length));
  return out;
}

/**
 * True when the peer takes SUBSCRIBE/CANCEL as commands (ZMTP 3.1); 3.0 and 2.0 peers get the legacy
 * `[01|topic]` / `[00|topic]` data frame instead (RFC 29; encodeLegacySubscription in command.ts).
 */
export function takesSubscriptionCommands(major: number, minor: number): boolean {
  return major >= 3 && minor >= 1;
}
