/**
 * WebSocket framing (RFC 6455 §5) as ZWS uses it (docs/ws-notes.md §9-§15). Pure: fed Buffers, it calls a
 * sink; the encoder writes headers into buffers the caller owns.
 *
 * The decoder never allocates by a length the peer claims: a binary payload streams through to the sink
 * as views of the input (unmasked in place, as ws's receiver does), only control payloads (at most 125
 * bytes) are gathered. Everything ZWS forbids is a {@link WsProtocolError} carrying the close status to send:
 * fragments and continuations, text, unknown opcodes, reserved bits, a mask bit the wrong way for the
 * direction, an empty binary frame (no flags byte), a 64-bit length with its top bit set or beyond 2^53.
 */
import { Buffer, constants as bufferConstants } from "node:buffer";

export const WS_OPCODE = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** RFC 6455 §7.4.1 close status codes zocket sends. */
export const WS_CLOSE = { NORMAL: 1000, PROTOCOL_ERROR: 1002, UNSUPPORTED_DATA: 1003, TOO_BIG: 1009 } as const;

/** The peer broke the framing rules: close with `status` (docs/ws-notes.md §14). */
export class WsProtocolError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Receives decoded frames. */
export interface WsFrameSink {
  /** A binary frame starts: its first payload byte (the ZWS flags) and the size of the body after it. */
  messageStart(flags: number, size: number): void;
  /** The next bytes of that body, unmasked: a view of the input the sink may keep. */
  messageBody(bytes: Buffer): void;
  /** A whole control frame (close, ping, pong), unmasked. */
  control(opcode: number, payload: Buffer): void;
}

/** Largest body this process can hold. */
const MAX_BODY = Math.min(bufferConstants.MAX_LENGTH, Number.MAX_SAFE_INTEGER);
const MAX_CONTROL = 125;

const S_HEADER = 0;
const S_FLAGS = 1;
const S_BODY = 2;
const S_CONTROL = 3;

export class WsDecoder {
  readonly #sink: WsFrameSink;
  /** Frames from the peer must be masked (we are the server), or must not be (we are the client). */
  readonly #masked: boolean;
  #state = S_HEADER;
  readonly #header = Buffer.alloc(14);
  #headerHave = 0;
  #headerNeed = 2;
  #opcode = 0;
  readonly #mask = Buffer.alloc(4);
  #hasMask = false;
  /** Payload bytes of the current frame still to come, and how many were taken (the mask's phase). */
  #left = 0;
  #taken = 0;
  readonly #control = Buffer.alloc(MAX_CONTROL);
  #controlFill = 0;
  #stopped = false;

  constructor(sink: WsFrameSink, options: { masked: boolean }) {
    this.#sink = sink;
    this.#masked = options.masked;
  }

  /** No more frames are delivered (the connection is closing). */
  stop(): void {
    this.#stopped = true;
  }

  /** Feed bytes. Throws {@link WsProtocolError}; the caller closes the connection. */
  push(chunk: Buffer): void {
    let at = 0;
    const n = chunk.length;
    while (at < n && !this.#stopped) {
      switch (this.#state) {
        case S_HEADER: {
          const take = Math.min(this.#headerNeed - this.#headerHave, n - at);
          // At most 14 bytes: a loop, not Buffer#copy (which makes a typed array per call).
          const h = this.#header;
          for (let i = 0; i < take; i++) h[this.#headerHave + i] = chunk[at + i]!;
          this.#headerHave += take;
          at += take;
          if (this.#headerHave === this.#headerNeed) this.#headerStep();
          break;
        }
        case S_FLAGS: {
          const flags = this.#hasMask ? chunk[at]! ^ this.#mask[0]! : chunk[at]!;
          at++;
          this.#taken = 1;
          this.#left--;
          this.#state = this.#left === 0 ? S_HEADER : S_BODY;
          this.#sink.messageStart(flags, this.#left);
          break;
        }
        case S_BODY: {
          const take = Math.min(this.#left, n - at);
          const view = chunk.subarray(at, at + take);
          if (this.#hasMask) unmask(view, this.#mask, this.#taken);
          at += take;
          this.#taken += take;
          this.#left -= take;
          if (this.#left === 0) this.#state = S_HEADER;
          this.#sink.messageBody(view);
          break;
        }
        default: {
          const take = Math.min(this.#left, n - at);
          chunk.copy(this.#control, this.#controlFill, at, at + take);
          this.#controlFill += take;
          at += take;
          this.#left -= take;
          if (this.#left === 0) this.#endControl();
        }
      }
    }
  }

  /** The header so far is complete: check it, and find out whether more of it follows. */
  #headerStep(): void {
    const h = this.#header;
    if (this.#headerHave === 2) {
      const b0 = h[0]!;
      const b1 = h[1]!;
      const opcode = b0 & 0x0f;
      if ((b0 & 0x70) !== 0) throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, "reserved bits set (no extension)");
      if (opcode === WS_OPCODE.TEXT) throw new WsProtocolError(WS_CLOSE.UNSUPPORTED_DATA, "text frame (ZWS is binary)");
      if (opcode === WS_OPCODE.CONTINUATION || ((b0 & 0x80) === 0 && opcode === WS_OPCODE.BINARY)) {
        throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, "fragmented message (ZWS frames are whole)");
      }
      const control = opcode === WS_OPCODE.CLOSE || opcode === WS_OPCODE.PING || opcode === WS_OPCODE.PONG;
      if (!control && opcode !== WS_OPCODE.BINARY) {
        throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, `unknown opcode ${opcode}`);
      }
      const len7 = b1 & 0x7f;
      if (control && ((b0 & 0x80) === 0 || len7 > MAX_CONTROL)) {
        throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, "control frame fragmented or longer than 125 bytes");
      }
      this.#hasMask = (b1 & 0x80) !== 0;
      if (this.#hasMask !== this.#masked) {
        const why = this.#masked ? "unmasked frame from a client" : "masked frame from a server";
        throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, why);
      }
      this.#opcode = opcode;
      this.#headerNeed = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (this.#hasMask ? 4 : 0);
      if (this.#headerNeed > 2) return;
    }
    const len7 = h[1]! & 0x7f;
    let len: number;
    let maskAt = 2;
    if (len7 === 126) {
      len = h.readUInt16BE(2);
      maskAt = 4;
    } else if (len7 === 127) {
      const hi = h.readUInt32BE(2);
      if (hi >= 0x8000_0000) throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, "64-bit length with its top bit set");
      // Checked before anything is allocated: hi above 2^21 means more than 2^53 bytes.
      len = hi > 0x1fffff ? Number.POSITIVE_INFINITY : hi * 0x1_0000_0000 + h.readUInt32BE(6);
      maskAt = 10;
    } else {
      len = len7;
    }
    if (len > MAX_BODY + 1) {
      throw new WsProtocolError(WS_CLOSE.TOO_BIG, `frame of ${len} bytes is larger than this process can hold`);
    }
    if (this.#hasMask) for (let i = 0; i < 4; i++) this.#mask[i] = h[maskAt + i]!;
    this.#headerHave = 0;
    this.#headerNeed = 2;
    this.#left = len;
    this.#taken = 0;
    if (this.#opcode === WS_OPCODE.BINARY) {
      if (len === 0) throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, "empty binary frame (no ZWS flags byte)");
      this.#state = S_FLAGS;
    } else {
      this.#state = S_CONTROL;
      this.#controlFill = 0;
      if (len === 0) this.#endControl();
    }
  }

  #endControl(): void {
    this.#state = S_HEADER;
    const payload = Buffer.from(this.#control.subarray(0, this.#controlFill));
    if (this.#hasMask) unmask(payload, this.#mask, 0);
    this.#sink.control(this.#opcode, payload);
  }
}

/** XOR `bytes` in place with the mask, starting at phase `offset` of the 4-byte key. */
export function unmask(bytes: Uint8Array, mask: Uint8Array, offset: number): void {
  maskInto(bytes, 0, bytes, mask, offset);
}

/** Copy `src` into `dst` at `at`, masked with the key from phase `offset`. */
export function maskInto(dst: Uint8Array, at: number, src: Uint8Array, mask: Uint8Array, offset: number): void {
  // The key turned to this offset's phase, then four bytes a step (no index arithmetic per byte).
  const m0 = mask[offset & 3]!;
  const m1 = mask[(offset + 1) & 3]!;
  const m2 = mask[(offset + 2) & 3]!;
  const m3 = mask[(offset + 3) & 3]!;
  const n = src.length;
  const whole = n & ~3;
  let i = 0;
  for (; i < whole; i += 4) {
    dst[at + i] = src[i]! ^ m0;
    dst[at + i + 1] = src[i + 1]! ^ m1;
    dst[at + i + 2] = src[i + 2]! ^ m2;
    dst[at + i + 3] = src[i + 3]! ^ m3;
  }
  if (i < n) dst[at + i] = src[i]! ^ m0;
  if (i + 1 < n) dst[at + i + 1] = src[i + 1]! ^ m1;
  if (i + 2 < n) dst[at + i + 2] = src[i + 2]! ^ m2;
}

/** Header bytes of a frame with a payload of `length` bytes (with the mask key when `masked`). */
export function wsHeaderSize(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Write a FIN frame header for `opcode` and a payload of `length` bytes at `buf[at]`, with `mask` (4
 * bytes) when given. Returns where the payload goes.
 */
export function writeWsHeader(
  buf: Uint8Array,
  at: number,
  opcode: number,
  length: number,
  mask: Uint8Array | null,
): number {
  buf[at] = 0x80 | opcode;
  const m = mask === null ? 0 : 0x80;
  let p: number;
  if (length < 126) {
    buf[at + 1] = m | length;
    p = at + 2;
  } else if (length < 0x10000) {
    buf[at + 1] = m | 126;
    buf[at + 2] = length >>> 8;
    buf[at + 3] = length;
    p = at + 4;
  } else {
    buf[at + 1] = m | 127;
    const hi = Math.floor(length / 0x1_0000_0000);
    const lo = length >>> 0;
    buf[at + 2] = hi >>> 24;
    buf[at + 3] = hi >>> 16;
    buf[at + 4] = hi >>> 8;
    buf[at + 5] = hi;
    buf[at + 6] = lo >>> 24;
    buf[at + 7] = lo >>> 16;
    buf[at + 8] = lo >>> 8;
    buf[at + 9] = lo;
    p = at + 10;
  }
  if (mask !== null) {
    // A loop: Buffer#subarray reads `.buffer`, a call into C++, on every frame.
    for (let i = 0; i < 4; i++) buf[p + i] = mask[i]!;
    p += 4;
  }
  return p;
}

/** A whole control frame (close, ping, pong), masked with `mask` when given. */
export function encodeControl(opcode: number, payload: Uint8Array, mask: Uint8Array | null): Buffer {
  const out = Buffer.allocUnsafe(wsHeaderSize(payload.length, mask !== null) + payload.length);
  const p = writeWsHeader(out, 0, opcode, payload.length, mask);
  if (mask === null) out.set(payload, p);
  else maskInto(out, p, payload, mask, 0);
  return out;
}

/** The payload of a close frame with `status`. */
export function closePayload(status: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(status, 0);
  return b;
}
