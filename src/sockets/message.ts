/** Messages as zeromq.js takes them (strings, typed arrays, numbers, null...) turned into frames. */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import type { Msg } from "../pipe.ts";

/** Anything zeromq.js accepts as a message frame. */
export type MessageLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string | number | null;
export type Message = Buffer;

/** Convert one zeromq.js MessageLike into a Buffer (views share memory; strings are UTF-8). */
function toFrame(part: unknown): Buffer {
  if (Buffer.isBuffer(part)) return part;
  if (typeof part === "string") return Buffer.from(part, "utf8");
  if (ArrayBuffer.isView(part)) return Buffer.from(part.buffer, part.byteOffset, part.byteLength);
  if (part instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && part instanceof SharedArrayBuffer)) {
    return Buffer.from(part as ArrayBuffer);
  }
  if (typeof part === "number") return Buffer.from(String(part), "utf8");
  if (part === null || part === undefined) return Buffer.alloc(0);
  throw new ZmqError(
    "EINVAL",
    `Cannot send a ${typeof part}: use a Buffer, string, typed array, ArrayBuffer, number or null`,
  );
}

/** A message (one frame, or an array of them) as the frames a pipe carries. */
export function toMsg(message: unknown): Msg {
  if (Array.isArray(message)) {
    if (message.length === 0) {
      throw new ZmqError("EINVAL", "Cannot send an empty array: a message needs at least one frame");
    }
    const out: Msg = new Array(message.length);
    for (let i = 0; i < message.length; i++) out[i] = toFrame(message[i]);
    return out;
  }
  return [toFrame(message)];
}
