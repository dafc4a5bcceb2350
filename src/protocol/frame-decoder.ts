/**
 * ZMTP frame decoder (RFC 23 §3.3 for 3.x, RFC 15 for 2.0). Pure: fed Buffers, yields frames to a sink.
 *
 * Modelled on ws's receiver: a small state machine over a list of chunks. A frame body that lies inside
 * one chunk is handed out as a view (no copy); only a body split across chunks is copied, once. A large
 * split body (at least `assembleAt` bytes) gets its own buffer as soon as its header is read, and each
 * later chunk is copied into it on arrival, or read straight into it ({@link FrameDecoder.readTarget}).
 * Every length is checked before anything is allocated: `maxSize`, and 64-bit lengths above what a Buffer
 * can hold (a frame claiming 2^62 bytes is an error at once, not an allocation).
 *
 * A transport that shapes its reads to the traffic attaches a {@link FrameTap}: it hears where frames end
 * and may hand over a read buffer in which a split body is completed in place (transports/read-shaper.ts).
 */
import { Buffer, constants as bufferConstants } from "node:buffer";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from "./constants.ts";

/** Receives decoded frames. Return `false` to stop decoding until {@link FrameDecoder.resume}. */
export interface FrameSink {
  onFrame(flags: number, body: Buffer): boolean;
}

/** A transport's view of the frame boundaries in its byte stream (see the module comment). */
export interface FrameTap {
  /** The smallest body size {@link FrameTap.frameEnd} wants to hear about next (read after every call). */
  readonly reportAt: number;
  /** A frame with a body of `size` bytes was decoded; `buffered` bytes of input after it are still undecoded. */
  frameEnd(flags: number, size: number, buffered: number): void;
  /**
   * A body of `size` bytes starts at `chunk[offset]` and its rest has not arrived: a buffer to assemble it
   * in place, already holding the chunk's bytes (a view of the chunk's own memory), or null.
   */
  claim(chunk: Buffer, offset: number, size: number): Buffer | null;
}

export interface FrameDecoderOptions {
  /** Largest frame body accepted, or -1 for no limit (ZMQ_MAXMSGSIZE). */
  maxSize?: number;
  /** ZMTP 2.0 framing: there is no COMMAND bit. */
  legacyV2?: boolean;
  /** Split bodies at least this large are assembled in their own buffer as they arrive. */
  assembleAt?: number;
  tap?: FrameTap | null;
}

export class FrameTooLargeError extends Error {
  readonly code = "EMSGSIZE";
}

/** Decoder states: waiting for a frame header, or for the body it announced. */
const S_HEADER = 0;
const S_BODY = 1;

/** Largest body this process can hold. */
const MAX_BODY = Math.min(bufferConstants.MAX_LENGTH, Number.MAX_SAFE_INTEGER);

const ASSEMBLE_AT = 16 * 1024;
const EMPTY = Buffer.alloc(0);

export class FrameDecoder {
  readonly #sink: FrameSink;
  /** Max frame size in bytes, or -1 for no limit. */
  readonly #maxSize: number;
  /** The flag bits a frame may carry: MORE, and COMMAND except in ZMTP 2.0. */
  readonly #flagMask: number;
  readonly #assembleAt: number;
  readonly #tap: FrameTap | null;
  /** Frames with a body at least this large are reported to the tap (never without one). */
  #tapAt = Number.POSITIVE_INFINITY;

  #chunks: Buffer[] = [];
  /** Offset into #chunks[0]. */
  #offset = 0;
  /** Bytes in #chunks from #offset on. */
  #buffered = 0;
  #state = S_HEADER;
  #flags = 0;
  #size = 0;
  #stopped = false;
  #running = false;
  /** The body being assembled in its own buffer (large and split), and how much of it has arrived. */
  #body: Buffer | null = null;
  #bodyFilled = 0;

  constructor(sink: FrameSink, options: FrameDecoderOptions = {}) {
    this.#sink = sink;
    this.#maxSize = options.maxSize ?? -1;
    this.#flagMask = options.legacyV2 ? FLAG_MORE : FLAG_MORE | FLAG_COMMAND;
    this.#assembleAt = options.assembleAt ?? ASSEMBLE_AT;
    this.#tap = options.tap ?? null;
    if (this.#tap !== null) this.#tapAt = this.#tap.reportAt;
  }

  /** Bytes received but not yet delivered. */
  get buffered(): number {
    return this.#buffered + (this.#body === null ? 0 : this.#bodyFilled);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Where the transport should read next, or null for a buffer of its own: while a large body is being
   * assembled, the part of it still missing (at most `bodyReadMax` bytes), so the bytes land in place
   * and push() copies nothing.
   */
  readTarget(bodyReadMax: number = Number.POSITIVE_INFINITY): Uint8Array | null {
    const body = this.#body;
    if (body === null) return null;
    const filled = this.#bodyFilled;
    return filled < body.length ? body.subarray(filled, Math.min(body.length, filled + bodyReadMax)) : null;
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

  /** Stop from outside (e.g. the connection closed inside onFrame). */
  stop(): void {
    this.#stopped = true;
  }

  #run(): void {
    this.#running = true;
    try {
      for (;;) {
        if (this.#state === S_HEADER) {
          if (this.#body === null && !this.#shortFrames()) return;
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
        if (body.length >= this.#tapAt) this.#report(body.length);
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

  /**
   * The common case without the state machine: frames with a short header that lie wholly in the first
   * chunk, delivered one after the other. Stops at anything else (a long header, a frame split across
   * chunks, one the size limit or the tap must see), leaving it to #readHeader. False if the sink stopped.
   */
  #shortFrames(): boolean {
    const chunks = this.#chunks;
    if (chunks.length === 0) return true;
    const c = chunks[0]!;
    const end = c.length;
    const limit = Math.min(this.#maxSize >= 0 ? this.#maxSize : 255, this.#tapAt - 1);
    const mask = this.#flagMask;
    const sink = this.#sink;
    let off = this.#offset;
    while (end - off >= 2) {
      const flags = c[off]!;
      const size = c[off + 1]!;
      if ((flags & FLAG_LONG) !== 0 || size > limit || end - off - 2 < size) break;
      const start = off + 2;
      off = start + size;
      // The decoder's state is settled before the sink runs (it may read `buffered` or stop decoding).
      this.#buffered -= size + 2;
      if (off === end) {
        chunks.shift();
        this.#offset = 0;
      } else {
        this.#offset = off;
      }
      if (!sink.onFrame(flags & mask, size === 0 ? EMPTY : c.subarray(start, off))) {
        this.#stopped = true;
        return false;
      }
      if (this.#stopped) return false;
    }
    return true;
  }

  #report(size: number): void {
    const tap = this.#tap!;
    tap.frameEnd(this.#flags, size, this.#buffered);
    this.#tapAt = tap.reportAt;
  }

  #readHeader(): boolean {
    if (this.#buffered < 2) return false;
    const c = this.#chunks[0]!;
    const off = this.#offset;
    let flags: number;
    let size: number;
    if (c.length - off >= 9) {
      // The whole header lies in the first chunk.
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
    this.#flags = flags & this.#flagMask;
    this.#size = size;
    this.#state = S_BODY;
    return true;
  }

  #readLong(buf: Buffer, at: number): number {
    const hi = buf.readUInt32BE(at);
    const lo = buf.readUInt32BE(at + 4);
    // Checked before any allocation: hi above 2^21 means the size exceeds 2^53.
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

  /**
   * A large body split across reads: its buffer now, holding what has arrived of it so far. When the tap
   * hands over the memory the arrived part sits in, the body is completed in place there.
   */
  #startAssembly(): void {
    const have = this.#buffered;
    if (this.#tap !== null && this.#chunks.length === 1) {
      const inPlace = this.#tap.claim(this.#chunks[0]!, this.#offset, this.#size);
      if (inPlace !== null) {
        this.#chunks.shift();
        this.#offset = 0;
        this.#buffered = 0;
        this.#body = inPlace;
        this.#bodyFilled = have;
        return;
      }
    }
    this.#body = have === 0 ? Buffer.allocUnsafe(this.#size) : this.#consume(this.#size, have);
    this.#bodyFilled = have;
  }
}
