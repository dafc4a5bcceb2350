/**
 * ZMTP command bodies and metadata property lists (RFC 23 §3.4, RFC 37). Pure: no I/O.
 *
 * A command body is `[u8 name_len][name][data]`. A property list is a sequence of
 * `[u8 name_len][name][u32be value_len][value]`.
 */
import { Buffer } from "node:buffer";
import { ProtocolError } from "../errors.ts";

/** Properties in wire order. Names are case-sensitive as in libzmq (`memcmp`). */
export type Properties = Array<[name: string, value: Buffer]>;

export interface Command {
  readonly name: string;
  /** The command's data: a view into the frame body, not a copy. */
  readonly data: Buffer;
}

/** Parse a command frame body. Returns undefined if the name length runs past the end. */
export function parseCommand(body: Buffer): Command | undefined {
  if (body.length < 1) return undefined;
  const n = body[0]!;
  if (n === 0 || 1 + n > body.length) return undefined;
  return { name: body.toString("latin1", 1, 1 + n), data: body.subarray(1 + n) };
}

/** True when `body` is a command named `name` (compares bytes, no allocation). */
export function isCommand(body: Buffer, name: string): boolean {
  const n = name.length;
  if (body.length < 1 + n || body[0] !== n) return false;
  for (let i = 0; i < n; i++) if (body[1 + i] !== name.charCodeAt(i)) return false;
  return true;
}

/** Write an ASCII name at `o` (names are short: a loop is cheaper than Buffer#write's generic path). */
function putName(out: Buffer, o: number, name: string): void {
  for (let i = 0; i < name.length; i++) out[o + i] = name.charCodeAt(i);
}

/** Encode a command body: name and data. */
export function encodeCommand(name: string, data?: Uint8Array): Buffer {
  const dl = data?.length ?? 0;
  const out = Buffer.allocUnsafe(1 + name.length + dl);
  out[0] = name.length;
  putName(out, 1, name);
  if (data && dl > 0) out.set(data, 1 + name.length);
  return out;
}

/** Encode a property list. */
export function encodeProperties(props: Properties): Buffer {
  let size = 0;
  for (const [name, value] of props) {
    if (name.length < 1 || name.length > 255) throw new RangeError(`property name "${name}" must be 1..255 bytes`);
    size += 1 + name.length + 4 + value.length;
  }
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const [name, value] of props) {
    out[o++] = name.length;
    putName(out, o, name);
    o += name.length;
    out.writeUInt32BE(value.length, o);
    o += 4;
    out.set(value, o);
    o += value.length;
  }
  return out;
}

/**
 * Parse a property list strictly, as libzmq does (`mechanism_t::parse_metadata`): every length must fit,
 * and a stray trailing byte is an error.
 */
export function parseProperties(data: Buffer): Properties {
  const props: Properties = [];
  let i = 0;
  while (i < data.length) {
    const nl = data[i]!;
    i += 1;
    if (nl === 0 || i + nl + 4 > data.length) {
      throw new ProtocolError("ERR_ZMTP_INVALID_METADATA", "malformed metadata property name");
    }
    const name = data.toString("latin1", i, i + nl);
    i += nl;
    const vl = data.readUInt32BE(i);
    i += 4;
    if (vl > 0x7fffffff || i + vl > data.length) {
      throw new ProtocolError("ERR_ZMTP_INVALID_METADATA", `metadata property "${name}" overruns the command`);
    }
    props.push([name, data.subarray(i, i + vl)]);
    i += vl;
  }
  return props;
}

/** First property with this exact name. */
export function getProperty(props: Properties, name: string): Buffer | undefined {
  for (const [n, v] of props) if (n === name) return v;
  return undefined;
}

/** READY command body with the given properties. */
export function encodeReady(props: Properties): Buffer {
  return encodeCommand("READY", encodeProperties(props));
}

/** ERROR command body: `[5]ERROR[u8 len][reason]` (reason cut to 255 bytes). */
export function encodeError(reason: string): Buffer {
  const r = Buffer.from(reason, "utf8").subarray(0, 255);
  const data = Buffer.allocUnsafe(1 + r.length);
  data[0] = r.length;
  data.set(r, 1);
  return encodeCommand("ERROR", data);
}

/**
 * Reason of an ERROR command's data (lenient: libzmq's own PLAIN server sends a malformed one,
 * docs/zmtp-notes.md G16).
 */
export function parseErrorReason(data: Buffer): string {
  if (data.length < 1) return "";
  const n = Math.min(data[0]!, data.length - 1);
  return data.toString("utf8", 1, 1 + n);
}

/**
 * PING body: TTL in deciseconds (u16be, always present: docs/zmtp-notes.md G12) and up to 16 bytes of
 * context.
 */
export function encodePing(ttlDeciseconds: number, context?: Uint8Array): Buffer {
  const ctx = context ? context.subarray(0, 16) : undefined;
  const data = Buffer.allocUnsafe(2 + (ctx?.length ?? 0));
  data.writeUInt16BE(Math.max(0, Math.min(0xffff, ttlDeciseconds | 0)), 0);
  if (ctx) data.set(ctx, 2);
  return encodeCommand("PING", data);
}

/** PONG body echoing at most 16 bytes of the PING's context. */
export function encodePong(context: Uint8Array): Buffer {
  return encodeCommand("PONG", context.subarray(0, 16));
}

/**
 * A subscription in its legacy form (RFC 29, ZMTP 3.0 and 2.0 peers): one data frame `[01|topic]` to
 * subscribe or `[00|topic]` to cancel. XPUB also hands subscriptions to the application in this form.
 */
export function encodeLegacySubscription(subscribe: boolean, topic: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(topic.length + 1);
  b[0] = subscribe ? 1 : 0;
  b.set(topic, 1);
  return b;
}

/** The largest group of a JOIN/LEAVE (libzmq's ZMQ_GROUP_MAX_LENGTH). */
export const GROUP_COMMAND_MAX = 255;

/**
 * A JOIN or LEAVE command body (RFC 48 as libzmq sends it: `04 "JOIN" group`, `05 "LEAVE" group`, the group
 * being the rest of the body, docs/drafts-notes.md §14), or null: another command, or a group above 255
 * bytes (a libzmq RADIO aborts on one; zocket drops it). The group is a view into `body`.
 */
export function parseGroupCommand(body: Buffer): { join: boolean; group: Buffer } | null {
  const join = isCommand(body, "JOIN");
  if (!join && !isCommand(body, "LEAVE")) return null;
  const group = body.subarray(join ? 5 : 6);
  return group.length > GROUP_COMMAND_MAX ? null : { join, group };
}
