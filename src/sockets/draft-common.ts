/**
 * What the draft socket types share: single-part messages (docs/drafts-notes.md §4), groups
 * (§12) and the `send(message, options)` form of SERVER, PEER and RADIO (§8), checked as zeromq.js does.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import type { Msg } from "../pipe.ts";
import type { FairQueue } from "../routing/fair-queue.ts";

/** libzmq's ZMQ_GROUP_MAX_LENGTH. */
export const GROUP_MAX_LENGTH = 255;

/** A multipart send on a single-part type (libzmq: EINVAL). */
export function multipartRefused(type: string): ZmqError {
  return new ZmqError("EINVAL", `${type} sockets send single-part messages only: send one frame, not an array`);
}

/**
 * The next single-part message of a fair-queue: multipart messages are dropped whole, as libzmq's
 * CLIENT, SERVER, GATHER and CHANNEL do (docs/drafts-notes.md §4).
 */
export function recvSinglePart(fq: FairQueue): Msg | undefined {
  for (;;) {
    const m = fq.recv();
    if (m === undefined || m.length === 1) return m;
  }
}

/** True if the fair-queue holds a single-part message now (multipart ones in front are dropped). */
export function hasSinglePart(fq: FairQueue, take: (m: Msg) => void): boolean {
  for (;;) {
    const m = fq.recv();
    if (m === undefined) return false;
    if (m.length === 1) {
      take(m);
      return true;
    }
  }
}

/** The bytes of a group or join/leave argument: a string (UTF-8) or a Buffer, as zeromq.js takes it. */
function groupArgument(value: unknown): Buffer {
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (Buffer.isBuffer(value)) return value;
  throw new TypeError("Value must be a string or buffer");
}

/** A group ends at its first NUL byte: libzmq keeps groups as C strings (docs/drafts-notes.md §12). */
export function cutAtNul(group: Buffer): Buffer {
  const nul = group.indexOf(0);
  return nul === -1 ? group : group.subarray(0, nul);
}

/**
 * The group of `radio.send(msg, { group })`: required (EINVAL), cut at its first NUL and silently to 255
 * bytes, as `zmq_msg_set_group` does. A copy, so the caller may reuse its Buffer.
 */
export function sendGroup(value: unknown): Buffer {
  if (value === undefined) throw new ZmqError("EINVAL", 'Radio.send() needs a group: send(msg, { group: "news" })');
  const g = cutAtNul(groupArgument(value));
  return Buffer.from(g.subarray(0, GROUP_MAX_LENGTH));
}

/** The group of `dish.join(g)` / `dish.leave(g)`: cut at its first NUL, at most 255 bytes (EINVAL beyond). */
export function joinGroup(value: unknown, op: "join" | "leave"): Buffer {
  const g = cutAtNul(groupArgument(value));
  if (g.length > GROUP_MAX_LENGTH) {
    throw new ZmqError("EINVAL", `Dish.${op}(): a group is at most ${GROUP_MAX_LENGTH} bytes, this one ${g.length}`);
  }
  return Buffer.from(g);
}

/**
 * zeromq.js's argument checks of `send(message, options)` on SERVER and RADIO: a message, an options
 * object, at most two arguments (TypeErrors, thrown at the call).
 */
export function checkSendArguments(message: unknown, options: unknown, count: number): asserts options is object {
  if (message === undefined) throw new TypeError("Message must be present");
  if (typeof options !== "object" || options === null) throw new TypeError("Options must be an object");
  if (count > 2) throw new TypeError(`Expected 2 arguments but received ${count}`);
}

/**
 * The routing id of `server.send(msg, { routingId })`, as zeromq.js converts it: required (EINVAL), a
 * number (TypeError), taken modulo 2^32 (`Uint32Value`), and never 0 (EINVAL, `zmq_msg_set_routing_id`).
 */
export function sendRoutingId(value: unknown, type: string): number {
  if (value === undefined) {
    throw new ZmqError("EINVAL", `${type}.send() needs a routing id: send(msg, { routingId })`);
  }
  if (typeof value !== "number") throw new TypeError("A number was expected");
  const id = value >>> 0;
  if (id === 0) throw new ZmqError("EINVAL", `${type}.send(): routing id 0 is never a peer's (ids are 1 to 2^32-1)`);
  return id;
}
