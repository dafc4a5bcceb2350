/**
 * CURVE's MESSAGE codec (RFC 26; libzmq curve_mechanism_base.cpp) and the nonce helpers both roles of the
 * handshake share. After the handshake every frame travels as `[7]MESSAGE short_nonce Box[inner_flags ‖
 * payload]`; the ZMTP flags MORE and COMMAND go inside the box.
 */
import { Buffer } from "node:buffer";
import { ProtocolError, ZmqError, type ProtoErrorCode } from "../errors.ts";
import { FLAG_COMMAND, FLAG_MORE } from "../protocol/constants.ts";
import { openMessage, sealMessage } from "./curve-crypto.ts";

/**
 * 24-byte nonce prefixes (docs/zmtp-notes.md §2.3; the MESSAGE ones are libzmq's, not the RFC grammar's,
 * docs/zmtp-notes.md G19).
 */
export const PREFIX = {
  HELLO: Buffer.from("CurveZMQHELLO---", "latin1"),
  WELCOME: Buffer.from("WELCOME-", "latin1"),
  COOKIE: Buffer.from("COOKIE--", "latin1"),
  INITIATE: Buffer.from("CurveZMQINITIATE", "latin1"),
  VOUCH: Buffer.from("VOUCH---", "latin1"),
  READY: Buffer.from("CurveZMQREADY---", "latin1"),
  MESSAGE_C: Buffer.from("CurveZMQMESSAGEC", "latin1"),
  MESSAGE_S: Buffer.from("CurveZMQMESSAGES", "latin1"),
} as const;

/** [7]MESSAGE + short nonce + MAC + inner flags. */
const MESSAGE_MIN_SIZE = 33;
const MESSAGE_NAME = Buffer.from("\x07MESSAGE", "latin1");

/**
 * MESSAGE bodies at least this large are sealed into buffers of the connection's own, reused once the
 * engine says they have been written: a fresh 64 KiB buffer per message costs the sender its allocation
 * and the page faults of new memory (docs/performance.md, design decision 26). Smaller ones come from a
 * shared pool (curve-crypto.ts) and are copied into the engine's slab at once.
 */
const REUSE_MIN = 16 * 1024;
/** Bytes of such buffers one connection keeps at most (past that, bodies are allocated as before). */
const REUSE_MAX_BYTES = 4 * 1024 * 1024;

/** Inner flags of a MESSAGE (libzmq extension: RFC 26 has only MORE). */
const INNER_MORE = 0x01;
const INNER_COMMAND = 0x02;

/** A 24-byte nonce made of an 8- or 16-byte prefix and the given suffix. */
export function nonceOf(prefix: Buffer, suffix: Uint8Array): Buffer {
  const n = Buffer.allocUnsafe(24);
  prefix.copy(n, 0);
  n.set(suffix, prefix.length);
  return n;
}

/** Write a short nonce (u64be) without BigInt: counters stay far below 2^53. */
export function writeShortNonce(buf: Uint8Array, offset: number, value: number): void {
  const hi = Math.floor(value / 0x100000000);
  const lo = value >>> 0;
  buf[offset] = hi >>> 24;
  buf[offset + 1] = (hi >>> 16) & 0xff;
  buf[offset + 2] = (hi >>> 8) & 0xff;
  buf[offset + 3] = hi & 0xff;
  buf[offset + 4] = lo >>> 24;
  buf[offset + 5] = (lo >>> 16) & 0xff;
  buf[offset + 6] = (lo >>> 8) & 0xff;
  buf[offset + 7] = lo & 0xff;
}

export function shortNonce(value: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  writeShortNonce(b, 0, value);
  return b;
}

export function protocolError(code: ProtoErrorCode, message: string): ProtocolError {
  return new ProtocolError(code, message);
}

/**
 * The MESSAGE codec both roles share once the handshake is done: our short-nonce counter, the last
 * nonce seen from the peer (as two u32 halves, compared without BigInt) and the session key.
 */
export class MessageCodec {
  /** Next short nonce we send. */
  nonce = 1;
  #peerHi = 0;
  #peerLo = 1;
  #key: Uint8Array | undefined;
  /** Reused 24-byte nonces: prefix fixed, suffix rewritten per message. */
  readonly #encodeNonce: Buffer;
  readonly #decodeNonce: Buffer;
  /** Set by the engine: true when no body returned by {@link encode} is still being written. */
  outputIdle: (() => boolean) | null = null;
  /** Large bodies handed out since the output was last idle, and those free again. */
  #lent: Buffer[] = [];
  #spare: Buffer[] = [];
  #keptBytes = 0;

  constructor(encodePrefix: Buffer, decodePrefix: Buffer) {
    this.#encodeNonce = nonceOf(encodePrefix, new Uint8Array(8));
    this.#decodeNonce = nonceOf(decodePrefix, new Uint8Array(8));
  }

  set key(key: Uint8Array) {
    this.#key = key;
  }

  get key(): Uint8Array {
    if (this.#key === undefined) throw new ZmqError("EFSM", "CURVE session key used before the key exchange");
    return this.#key;
  }

  /** Remember a short nonce the peer used during the handshake (libzmq `set_peer_nonce`). */
  setPeerNonce(buf: Uint8Array, offset: number): void {
    const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#peerHi = view.readUInt32BE(offset);
    this.#peerLo = view.readUInt32BE(offset + 4);
  }

  /** Wrap one frame: flags in ZMTP bits (MORE 0x01, COMMAND 0x04) go into the encrypted inner flags. */
  encode(flags: number, payload: Uint8Array): Buffer {
    const key = this.key;
    // [16 header][16 MAC][box(inner flags ‖ payload)]: one allocation, the payload copied once.
    const inner = (flags & FLAG_MORE ? INNER_MORE : 0) | (flags & FLAG_COMMAND ? INNER_COMMAND : 0);
    writeShortNonce(this.#encodeNonce, 16, this.nonce);
    const size = 33 + payload.length;
    const reuse = size >= REUSE_MIN && this.outputIdle !== null ? this.#reusable(size) : undefined;
    const out = sealMessage(key, this.#encodeNonce, inner, payload, reuse);
    MESSAGE_NAME.copy(out, 0);
    writeShortNonce(out, 8, this.nonce);
    this.nonce++;
    return out;
  }

  /** A buffer of `size` bytes for a large body, from the spares if one is free; undefined past the cap. */
  #reusable(size: number): Buffer | undefined {
    if (this.#lent.length > 0 && this.outputIdle!()) {
      for (const b of this.#lent) this.#spare.push(b);
      this.#lent = [];
    }
    let buf = this.#spare.pop();
    if (buf !== undefined && buf.length < size) {
      this.#keptBytes -= buf.length;
      buf = undefined;
    }
    if (buf === undefined) {
      if (this.#keptBytes + size > REUSE_MAX_BYTES) return undefined;
      buf = Buffer.allocUnsafeSlow(size);
      this.#keptBytes += size;
    }
    this.#lent.push(buf);
    return buf.length === size ? buf : buf.subarray(0, size);
  }

  /** Unwrap one MESSAGE body. Throws a ProtocolError on a bad command, a replayed nonce or a forgery. */
  decode(body: Buffer): { flags: number; body: Buffer } {
    // Byte loops rather than subarray()/equals()/copy(), which allocate or call into C++ on every MESSAGE.
    if (body.length < 8 || !startsWithMessage(body)) {
      throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "CURVE peer sent something other than MESSAGE");
    }
    if (body.length < MESSAGE_MIN_SIZE) {
      throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_MESSAGE", "CURVE MESSAGE too short");
    }
    const hi = body.readUInt32BE(8);
    const lo = body.readUInt32BE(12);
    // libzmq closes on a nonce that does not strictly increase (reuse, replay or reordering;
    // docs/zmtp-notes.md G19).
    if (hi < this.#peerHi || (hi === this.#peerHi && lo <= this.#peerLo)) {
      throw protocolError("ERR_ZMTP_INVALID_SEQUENCE", "CURVE MESSAGE short nonce did not increase (replay?)");
    }
    const nonce = this.#decodeNonce;
    for (let i = 8; i < 16; i++) nonce[i + 8] = body[i]!;
    const plain = openMessage(this.key, nonce, body);
    if (plain === undefined) throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE MESSAGE did not authenticate");
    this.#peerHi = hi;
    this.#peerLo = lo;
    const inner = plain[0]!;
    return {
      flags: (inner & INNER_MORE ? FLAG_MORE : 0) | (inner & INNER_COMMAND ? FLAG_COMMAND : 0),
      body: plain.subarray(1),
    };
  }
}

/** body[0..8] === "\x07MESSAGE" */
function startsWithMessage(body: Buffer): boolean {
  for (let i = 0; i < 8; i++) if (body[i] !== MESSAGE_NAME[i]) return false;
  return true;
}
