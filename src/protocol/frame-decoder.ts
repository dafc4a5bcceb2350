/**
 * ZMTP frame decoder (RFC 23 §3.3 for 3.x, RFC 15 for 2.0). Pure: fed Buffers, yields frames to a sink.
 *
 * Modelled on ws's receiver: a small state machine over a list of chunks. A frame body that lies inside
 * one chunk is returned as a view (no copy); only a body split across chunks is copied, once. A large
 * split body (at least `assembleAt` bytes) gets its buffer as soon as its header is read, and each
 * chunk is copied into it on arrival: the chunks are freed at once instead of piling up until the frame
 * is complete, and each is copied while it is still in the CPU cache.
 * Every length is checked before anything is allocated: `maxMessageSize`, and 64-bit lengths above what a
 * Buffer can hold (a frame claiming 2^62 bytes is an error at once, not an allocation).
 */
import { Buffer, constants as bufferConstants } from "node:buffer";
import { FLAG_COMMAND, FLAG_LONG } from "./constants.ts";

/** Receives decoded frames. Return `false` to stop decoding until {@link FrameDecoder.resume}. */
export interface FrameSink {
  onFrame(flags: number, body: Buffer): boolean;
}

export class FrameTooLargeError extends Error {
  readonly code = "EMSGSIZE";
}

const S_HEADER = 0;
const S_BODY = 1;

/** Largest body we can ever hold. */
const MAX_BODY = Math.min(bufferConstants.MAX_LENGTH, Number.MAX_SAFE_INTEGER);

export class FrameDecoder {
  readonly #sink: FrameSink;
  /** Max frame size in bytes, or -1 for no limit (ZMQ_MAXMSGSIZE). */
  #maxSize: number;
  /** ZMTP 2.0 framing has no COMMAND bit: it is cleared on input. */
  readonly #commandBit: number;

  #chunks: Buffer[] = [];
  /** Offset into #chunks[0]. */
  #offset = 0;
  #buffered = 0;
  #state = S_HEADER;
  #flags = 0;
  #size = 0;
  #stopped = false;
  #running = false;
  /** The body being assembled in place (S_BODY, large and split), and how much of it has arrived. */
  #body: Buffer | null = null;
  #bodyFilled = 0;
  readonly #assembleAt: number;

  constructor(sink: FrameSink, options: { maxSize?: number; legacyV2?: boolean; assembleAt?: number } = {}) {
    this.#sink = sink;
    this.#maxSize = options.maxSize ?? -1;
    this.#commandBit = options.legacyV2 ? 0 : FLAG_COMMAND;
    this.#assembleAt = options.assembleAt ?? ASSEMBLE_AT;
  }

  /** Bytes received but not yet delivered. */
  get buffered(): number {
    return this.#buffered + (this.#body === null ? 0 : this.#bodyFilled);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * While a large body is being assembled: the part of it still missing, so the transport can read the
   * next bytes straight into place (push() then sees they are already there and copies nothing).
   */
  readTarget(): Uint8Array | null {
    const body = this.#body;
    if (body === null || this.#bodyFilled >= body.length) return null;
    return body.subarray(this.#bodyFilled);
  }

  /**
   * Feed bytes. Throws {@link FrameTooLargeError} for an oversized frame; the caller drops the
   * connection. Frames are delivered synchronously until the sink asks to stop.
   */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const body = this.#body;
    if (body !== null && this.#bodyFilled < body.length) {
      const take = Math.min(body.length - this.#bodyFilled, chunk.length);
      // Read in place (readTarget): the bytes are already where they belong.
      const inPlace = chunk.buffer === body.buffer && chunk.byteOffset === body.byteOffset + this.#bodyFilled;
      if (!inPlace) chunk.copy(body, this.#bodyFilled, 0, take);
      this.#bodyFilled += take;
      if (take === chunk.length) {
        if (this.#bodyFilled === body.length && !this.#stopped && !this.#running) this.#run();
        return;
      }
      chunk = chunk.subarray(take);
    }
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (!this.#stopped && !this.#running) this.#run();
  }

  /** Continue after the sink returned false. */
  resume(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    if (!this.#running) this.#run();
  }

  #run(): void {
    this.#running = true;
    try {
      for (;;) {
        if (this.#state === S_HEADER) {
          if (!this.#readHeader()) return;
        }
        // S_BODY
        let body: Buffer;
        if (this.#body !== null) {
          if (this.#bodyFilled < this.#size) return;
          body = this.#body;
          this.#body = null;
        } else if (this.#buffered < this.#size) {
          if (this.#size >= this.#assembleAt) this.#startAssembly();
          return;
        } else {
          body = this.#size === 0 ? EMPTY : this.#consume(this.#size);
        }
        this.#state = S_HEADER;
        if (!this.#sink.onFrame(this.#flags, body)) {
          this.#stopped = true;
          return;
        }
        if (this.#stopped) return;
      }
    } finally {
      this.#running = false;
    }
  }

  /** Stop from outside (e.g. the connection closed inside onFrame). */
  stop(): void {
    this.#stopped = true;
  }

  #readHeader(): boolean {
    if (this.#buffered < 2) return false;
    const c = this.#chunks[0]!;
    const off = this.#offset;
    let flags: number;
    let size: number;
    if (c.length - off >= 9) {
      // Fast path: the whole header lies in the first chunk.
      flags = c[off]!;
      if ((flags & FLAG_LONG) === 0) {
        size = c[off + 1]!;
        if (this.#maxSize >= 0) this.#check(size);
        this.#skipInFirst(2, off + 2);
      } else {
        size = this.#readLong(c, off + 1);
        this.#skipInFirst(9, off + 9);
      }
    } else {
      flags = this.#peekByte(0);
      const need = (flags & FLAG_LONG) === 0 ? 2 : 9;
      if (this.#buffered < need) return false;
      const header = this.#consume(need);
      size = need === 2 ? header[1]! : this.#readLong(header, 1);
      if (need === 2 && this.#maxSize >= 0) this.#check(size);
    }
    this.#flags = flags & (0x01 | this.#commandBit);
    this.#size = size;
    this.#state = S_BODY;
    return true;
  }

  #readLong(buf: Buffer, at: number): number {
    const hi = buf.readUInt32BE(at);
    const lo = buf.readUInt32BE(at + 4);
    // Check before any allocation (STYLE rule 3): hi above 2^21 means the size exceeds 2^53.
    const size = hi > 0x1fffff ? Number.POSITIVE_INFINITY : hi * 0x1_0000_0000 + lo;
    this.#check(size);
    return size;
  }

  #check(size: number): void {
    if (size > MAX_BODY) throw new FrameTooLargeError(`frame of ${size} bytes is larger than this process can hold`);
    if (this.#maxSize >= 0 && size > this.#maxSize) {
      throw new FrameTooLargeError(`frame of ${size} bytes exceeds maxMessageSize ${this.#maxSize}`);
    }
  }

  set maxSize(n: number) {
    this.#maxSize = n;
  }

  #skipInFirst(n: number, newOffset: number): void {
    this.#buffered -= n;
    const c = this.#chunks[0]!;
    if (newOffset === c.length) {
      this.#chunks.shift();
      this.#offset = 0;
    } else {
      this.#offset = newOffset;
    }
  }

  #peekByte(i: number): number {
    let idx = this.#offset + i;
    for (const c of this.#chunks) {
      if (idx < c.length) return c[idx]!;
      idx -= c.length;
    }
    return 0;
  }

  /**
   * Take n bytes: a view when they lie in the first chunk, a single copy otherwise. With `fill` < n, a
   * buffer of n bytes whose first `fill` bytes are taken from the input (the rest comes later).
   */
  #consume(n: number, fill = n): Buffer {
    this.#buffered -= fill;
    const first = this.#chunks[0]!;
    const avail = first.length - this.#offset;
    if (n <= avail) {
      const view = first.subarray(this.#offset, this.#offset + n);
      if (n === avail) {
        this.#chunks.shift();
        this.#offset = 0;
      } else {
        this.#offset += n;
      }
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    while (written < fill) {
      const c = this.#chunks[0]!;
      const take = Math.min(c.length - this.#offset, fill - written);
      c.copy(out, written, this.#offset, this.#offset + take);
      written += take;
      if (this.#offset + take === c.length) {
        this.#chunks.shift();
        this.#offset = 0;
      } else {
        this.#offset += take;
      }
    }
    return out;
  }

  /** A large body split across reads: its buffer now, with what has arrived of it so far. */
  #startAssembly(): void {
    const have = this.#buffered;
    this.#body = have === 0 ? Buffer.allocUnsafe(this.#size) : this.#consume(this.#size, have);
    this.#bodyFilled = have;
  }

  /** Remove and return every undecoded byte (used when switching framing after a greeting). */
  drain(): Buffer[] {
    const out: Buffer[] = [];
    if (this.#body !== null) {
      // Never in practice (drain follows a greeting, before any frame), but lose nothing if it were.
      out.push(this.#body.subarray(0, this.#bodyFilled));
      this.#body = null;
    }
    for (let i = 0; i < this.#chunks.length; i++) {
      const c = this.#chunks[i]!;
      out.push(i === 0 ? c.subarray(this.#offset) : c);
    }
    this.#chunks = [];
    this.#offset = 0;
    this.#buffered = 0;
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

/** Split bodies at least this large are assembled in place as they arrive (see the class comment). */
const ASSEMBLE_AT = 16 * 1024;
