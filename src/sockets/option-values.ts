/**
 * Option values on their way between JavaScript and a socket's (or context's) store, as zeromq.js moves
 * them through libzmq: the argument checks of its native accessors (a TypeError such as "Option value
 * must be a number"), the conversion of a JavaScript number to the C type of the accessor, and libzmq's
 * checks of the value (an EINVAL "Invalid argument" whose `hint` names the option and what it takes).
 * The rows of the option table (options.ts) say which conversion and which check apply.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import type { OptionEntry, OptionValue } from "./options.ts";
import { securityHooks } from "./security-hooks.ts";

/** A routing id (ZMQ_ROUTING_ID, ZMQ_CONNECT_ROUTING_ID): 1 to 255 bytes, copied; null when none. */
export function checkRoutingId(name: string, value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  const b = typeof value === "string" ? Buffer.from(value) : value instanceof Uint8Array ? value : null;
  if (b === null) throw invalidArgument(`Option ${name} must be a string or Buffer`);
  if (b.length < 1 || b.length > 255) {
    throw invalidArgument(`Option ${name} must be 1 to 255 bytes long, got ${b.length}`);
  }
  return Buffer.from(b);
}

/**
 * libzmq's EINVAL as zeromq.js reports it ("Invalid argument"); `hint` says what was wrong (Node prints
 * it with the error).
 */
export function invalidArgument(hint: string): ZmqError {
  return Object.assign(new ZmqError("EINVAL", "Invalid argument"), { hint });
}

/**
 * The id accessors zeromq.js has (`getInt32Option(id)`, ...), named by the C type they read and write.
 * Bool, Int32 and Uint32 move a C int; Int64 and Uint64 a 64-bit integer; String bytes.
 */
export type OptionAccessor = "Bool" | "Int32" | "Uint32" | "Int64" | "Uint64" | "String";

/** The accessor zeromq.js uses for an option's property. */
export function accessorOf(entry: OptionEntry): OptionAccessor {
  switch (entry.kind) {
    case "bool":
      return "Bool";
    case "int":
      return entry.width === "uint32"
        ? "Uint32"
        : entry.width === "int64"
          ? "Int64"
          : entry.width === "uint64"
            ? "Uint64"
            : "Int32";
    case "enum":
      return "Int32";
    default:
      return "String";
  }
}

/** The size libzmq checks (`optvallen`): 4 for a C int, 8 for a 64-bit integer, else bytes. */
export function sizeOf(accessor: OptionAccessor): "int" | "int64" | "bytes" {
  return accessor === "String" ? "bytes" : accessor === "Int64" || accessor === "Uint64" ? "int64" : "int";
}

/** zeromq.js's warning when a uint64 value cannot be exact (socket.cc, NumberCast<uint64_t>). */
export const LARGE_VALUE_WARNING =
  "Value is larger than Number.MAX_SAFE_INTEGER and may have been rounded inaccurately.";

const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;

/** A value as the C side of an accessor holds it: an integer, a boolean, or bytes (null: none). */
export type RawValue = number | boolean | string | Buffer | null;

/**
 * The TypeError zeromq.js's accessor gives for a value of the wrong JavaScript type, if any; its `hint`
 * names the option (`what`).
 */
export function checkValueType(accessor: OptionAccessor, value: unknown, what: string): void {
  switch (accessor) {
    case "Bool":
      if (typeof value !== "boolean") throw wrongType("a boolean", value, what);
      return;
    case "String":
      if (typeof value !== "string" && value !== null && !(value instanceof Uint8Array)) {
        throw wrongType("a string or buffer", value, what);
      }
      return;
    default:
      if (typeof value !== "number") throw wrongType("a number", value, what);
  }
}

function wrongType(expected: string, value: unknown, what: string): TypeError {
  const got = value === null ? "null" : typeof value;
  return Object.assign(new TypeError(`Option value must be ${expected}`), {
    hint: `${what} takes ${expected}, got ${got}`,
  });
}

/**
 * A value of the right JavaScript type (see {@link checkValueType}) in the accessor's C type, as Node-API
 * converts it: int32 and uint32 wrap (NaN is 0), int64 truncates and saturates, uint64 clamps to
 * 0..2^64 and warns above Number.MAX_SAFE_INTEGER.
 */
export function castValue(accessor: OptionAccessor, value: unknown): RawValue {
  switch (accessor) {
    case "Bool":
      return value as boolean;
    case "String":
      if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
        return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      }
      return value as string | Buffer | null;
    case "Int32":
      return (value as number) | 0;
    case "Uint32":
      return (value as number) >>> 0;
    case "Int64": {
      const n = value as number;
      if (!Number.isFinite(n)) return n > 0 ? TWO_63 - 1 : n < 0 ? -TWO_63 : 0;
      return Math.max(-TWO_63, Math.min(TWO_63 - 1, Math.trunc(n)));
    }
    case "Uint64": {
      const n = value as number;
      if (!(n > 0)) return 0;
      if (n > Number.MAX_SAFE_INTEGER) process.emitWarning(LARGE_VALUE_WARNING);
      return n >= TWO_64 ? TWO_64 : Math.trunc(n);
    }
  }
}

/** The C int a 4-byte accessor passed, as libzmq reads it (a uint32 above 2^31 is negative). */
function asInt(raw: RawValue): number {
  return typeof raw === "boolean" ? (raw ? 1 : 0) : (raw as number) | 0;
}

/**
 * The value a row keeps for a raw value (libzmq's setsockopt): the row's conversion and range checks.
 * The accessor's size has already been matched to the row. Throws EINVAL "Invalid argument".
 */
export function toStored(entry: OptionEntry, raw: RawValue, owner: string): OptionValue {
  const name = entry.name;
  switch (entry.kind) {
    case "bool": {
      if (typeof raw === "boolean") return raw;
      const v = asInt(raw);
      if (entry.relaxed !== true && v !== 0 && v !== 1) {
        throw invalidArgument(`Option ${name} of ${owner} takes 0 or 1 (a boolean), got ${v}`);
      }
      return v !== 0;
    }
    case "int": {
      let v: number;
      if (entry.width === "int64") v = (raw as number) >= TWO_63 ? (raw as number) - TWO_64 : (raw as number);
      else if (entry.width === "uint64") v = (raw as number) < 0 ? (raw as number) + TWO_64 : (raw as number);
      else v = asInt(raw);
      checkRange(entry, v, owner);
      return v;
    }
    case "enum": {
      const values = entry.values ?? [];
      const i = asInt(raw);
      if (i < 0 || i >= values.length) throw invalidArgument(`Option ${name} of ${owner} has no value number ${i}`);
      return values[i] ?? null;
    }
    case "string": {
      // An empty Buffer reaches libzmq as no value (a null pointer), like null.
      if (raw === null || (Buffer.isBuffer(raw) && raw.length === 0)) {
        if (entry.noNull === true) throw invalidArgument(`Option ${name} of ${owner} cannot be cleared`);
        return null;
      }
      const text = typeof raw === "string" ? raw : (raw as Buffer).toString("utf8");
      if (text.length > 0) return text;
      if (entry.empty === true) return null;
      throw invalidArgument(`Option ${name} of ${owner} cannot be empty (null clears it)`);
    }
    case "routingId": {
      const b = typeof raw === "string" ? Buffer.from(raw) : (raw as Buffer | null);
      if (b === null || b.length < 1 || b.length > 255) {
        throw invalidArgument(`Option ${name} of ${owner} must be 1 to 255 bytes long, got ${b?.length ?? 0}`);
      }
      return Buffer.from(b);
    }
    case "key":
      // null clears the key (a zocket extension: libzmq refuses an empty key).
      if (raw === null) return null;
      try {
        return securityHooks.decodeKey(raw as string | Buffer, name);
      } catch (err) {
        throw invalidArgument((err as Error).message);
      }
  }
}

function checkRange(entry: OptionEntry, v: number, owner: string): void {
  const hint = entry.hint !== undefined ? ` (${entry.hint})` : "";
  if (entry.min !== undefined && v < entry.min) {
    throw invalidArgument(`Option ${entry.name} of ${owner} must be >= ${entry.min}${hint}, got ${v}`);
  }
  if (entry.max !== undefined && v > entry.max) {
    throw invalidArgument(`Option ${entry.name} of ${owner} must be <= ${entry.max}${hint}, got ${v}`);
  }
}

/** A kept value as an accessor reads it (libzmq's getsockopt, then Node-API's conversion to a number). */
export function fromStored(entry: OptionEntry, stored: OptionValue, accessor: OptionAccessor): unknown {
  if (accessor === "String") {
    if (entry.kind === "key") return Buffer.isBuffer(stored) ? securityHooks.encodeKey(stored) : null;
    if (Buffer.isBuffer(stored)) return stored.length === 0 ? null : stored.toString("utf8");
    return stored === "" ? null : stored;
  }
  let v: number;
  if (typeof stored === "boolean") v = stored ? 1 : 0;
  else if (entry.kind === "enum") v = (entry.values ?? []).indexOf(stored as string | null);
  else v = stored as number;
  switch (accessor) {
    case "Bool":
      return v !== 0;
    case "Int32":
      return v | 0;
    case "Uint32":
      return v >>> 0;
    case "Int64":
      return v >= TWO_63 ? v - TWO_64 : v;
    case "Uint64":
      return v < 0 ? v + TWO_64 : v;
  }
}
