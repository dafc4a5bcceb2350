/**
 * Z85 (RFC 32) and the decoding of CURVE key options. Pure: no I/O.
 *
 * Z85 maps every 4 bytes (a u32be) to 5 characters of an 85-letter alphabet, most significant digit
 * first. Decoding is strict exactly like libzmq 4.3 (`zmq_z85_decode`): the text length must be a
 * non-zero multiple of 5, every character must be in the alphabet, and no 5-character group may exceed
 * 0xFFFFFFFF (docs/zmtp-notes.md §2.4).
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";

/** The Z85 alphabet, index 0 to 84 (RFC 32). */
const Z85_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/** Character code -> digit value, or 0xff for characters outside the alphabet. */
const DECODE_TABLE: Uint8Array = (() => {
  const t = new Uint8Array(128).fill(0xff);
  for (let i = 0; i < Z85_ALPHABET.length; i++) t[Z85_ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/**
 * Encode bytes as Z85. The length must be a multiple of 4 (RFC 32), otherwise this throws
 * `ZmqError("EINVAL")`, as libzmq's `zmq_z85_encode` returns NULL.
 */
export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) throw new ZmqError("EINVAL", "Z85 input length must be a multiple of 4");
  let out = "";
  for (let i = 0; i < data.length; i += 4) {
    // u32be, computed with multiplication so the top bit does not make it negative.
    let value = data[i]! * 0x1000000 + ((data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!);
    const d4 = value % 85;
    value = (value - d4) / 85;
    const d3 = value % 85;
    value = (value - d3) / 85;
    const d2 = value % 85;
    value = (value - d2) / 85;
    const d1 = value % 85;
    const d0 = (value - d1) / 85;
    out += Z85_ALPHABET[d0]! + Z85_ALPHABET[d1]! + Z85_ALPHABET[d2]! + Z85_ALPHABET[d3]! + Z85_ALPHABET[d4]!;
  }
  return out;
}

/**
 * Decode a Z85 string, strictly as libzmq 4.3 does. Returns `undefined` when the text is not valid Z85:
 * length not a multiple of 5 or below 5, a character outside the alphabet, or a group above 0xFFFFFFFF.
 */
export function z85Decode(text: string): Buffer | undefined {
  const n = text.length;
  if (n < 5 || n % 5 !== 0) return undefined;
  const out = Buffer.allocUnsafe((n / 5) * 4);
  let o = 0;
  for (let i = 0; i < n; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const c = text.charCodeAt(i + j);
      const d = c < 128 ? DECODE_TABLE[c]! : 0xff;
      if (d === 0xff) return undefined;
      value = value * 85 + d;
    }
    // libzmq 4.3 rejects a group whose value overflows 32 bits (85^5 > 2^32).
    if (value > 0xffffffff) return undefined;
    out.writeUInt32BE(value, o);
    o += 4;
  }
  return out;
}

/**
 * Decode a CURVE key option value: a 40-character Z85 string or 32 raw bytes, as libzmq's
 * `ZMQ_CURVE_*KEY` options accept. Anything else throws `ZmqError("EINVAL")`.
 *
 * @param value the option value as given by the application
 * @param optionName used in the error message, e.g. `"curveServerKey"`
 */
export function decodeKey(value: string | Uint8Array, optionName: string): Buffer {
  if (typeof value === "string") {
    const decoded = value.length === 40 ? z85Decode(value) : undefined;
    if (decoded !== undefined) return decoded;
  } else if (value instanceof Uint8Array && value.length === 32) {
    return Buffer.from(value);
  }
  throw new ZmqError("EINVAL", `${optionName} must be a 40-character Z85 string or 32 bytes`);
}
