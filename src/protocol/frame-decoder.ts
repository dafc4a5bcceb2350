/**
 * ZMTP frame decoder (RFC 23 §3.3 for 3.x, RFC 15 for 2.0). Pure: fed Buffers, yields frames to a sink.
 *
 * Modelled on ws's receiver: a small state machine over a list of chunks. A frame body that lies inside
 * one chunk is returned as a view (no copy); only a body split across chunks is copied, once. A large
 * split body (at least `assembleAt` bytes) gets its buffer as soon as its header is read, and each
 * chunk is copied into it on arrival: the chunks are freed at once instead of piling up until the frame
 * is complete, and each is copied while it is still in the CPU cache.
 * After a large message (one with a body of at least `speculateAt` bytes), the next read is offered a
 * buffer of that message's exact wire size: the peer is likely streaming messages of one shape, and when
 * the next one arrives like it, each of its bodies is a view into that read (or is completed in place
 * there), so no byte of it is copied. A read that does not match the shape is copied out to its own size,
 * so a short read never pins a large buffer.
 * Every length is checked before anything is allocated: `maxMessageSize`, and 64-bit lengths above what a
 * Buffer can hold (a frame claiming 2^62 bytes is an error at once, not an allocation).
 */
import { Buffer, constants as bufferConstants } from "node:buffer";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from "./constants.ts";

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

  // The shape of the last large message, for the next read (see the class comment). Positions count the
  // bytes of the stream: #pushed is every byte fed, so a frame ends at #pushed - #buffered.
  readonly #speculateAt: number;
  #pushed = 0;
  #tracking = false;
  /** Where the current message began; where its first large body began, relative to that (or NONE, UNKNOWN). */
  #msgStart = 0;
  #bigAt = NONE;
  #bigSize = 0;
  /** The last large message: its wire size (0: the last message was not large), its large body's place. */
  #expect = 0;
  #expectAt = 0;
  #expectSize = 0;
  /** The buffer offered for the next read (null: none offered), and the one the last such read filled. */
  #offered: Buffer | null = null;
  #owned: ArrayBufferLike | null = null;

  constructor(sink: FrameSink, options: { maxSize?: number; legacyV2?: boolean; assembleAt?: number; speculateAt?: number } = {}) {
    this.#sink = sink;
    this.#maxSize = options.maxSize ?? -1;
    this.#commandBit = options.legacyV2 ? 0 : FLAG_COMMAND;
    this.#assembleAt = options.assembleAt ?? ASSEMBLE_AT;
    this.#speculateAt = options.speculateAt ?? SPECULATE_AT;
  }

  /** Bytes received but not yet delivered. */
  get buffered(): number {
    return this.#buffered + (this.#body === null ? 0 : this.#bodyFilled);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Where the transport should read next, or null for a buffer of its own. While a large body is being
   * assembled: the part of it still missing, so the next bytes land straight in place (push() then sees
   * they are already there and copies nothing). At the start of a message that follows a large one: a
   * fresh buffer of that message's size (see the class comment). `bodyReadMax`: the most a read into a
   * body should take at a time (the transport's choice, see transports/net.ts).
   */
  readTarget(bodyReadMax: number = Number.POSITIVE_INFINITY): Uint8Array | null {
    const body = this.#body;
    const filled = this.#bodyFilled;
    if (body !== null) return filled < body.length ? body.subarray(filled, Math.min(body.length, filled + bodyReadMax)) : null;
    if (this.#expect === 0 || this.#buffered !== 0 || this.#pushed !== this.#msgStart || this.#stopped) return null;
    return (this.#offered ??= this.#speculate());
  }

  /** A buffer for the whole next message, placed so that its large body starts 8-byte aligned. */
  #speculate(): Buffer {
    const pad = (8 - (this.#expectAt & 7)) & 7;
    // Its own ArrayBuffer (never the shared pool): a body may be completed in place after the read.
    return Buffer.allocUnsafeSlow(pad + this.#expect).subarray(pad);
  }

  /**
   * Feed bytes. Throws {@link FrameTooLargeError} for an oversized frame; the caller drops the
   * connection. Frames are delivered synchronously until the sink asks to stop.
   */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#pushed += chunk.length;
    const offered = this.#offered;
    if (offered !== null && chunk.buffer === offered.buffer) chunk = this.#speculated(chunk, offered);
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

  /**
   * The bytes of a read into the offered buffer. Kept where they are if the message they start has its
   * large body where the last one had it (same place, same size: it is completed in place if short);
   * otherwise copied out to their own size, so that small frames do not hold the large buffer.
   */
  #speculated(chunk: Buffer, offered: Buffer): Buffer {
    this.#offered = null;
    const at = this.#expectAt - 9;
    if (chunk.length >= this.#expectAt && (chunk[at]! & FLAG_LONG) !== 0 && chunk.readUInt32BE(at + 1) === 0 && chunk.readUInt32BE(at + 5) === this.#expectSize) {
      this.#owned = offered.buffer;
      return chunk;
    }
    return Buffer.from(chunk);
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
        if (body.length >= this.#speculateAt || this.#tracking) this.#track(body.length);
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
   * A frame was decoded while shapes are tracked (from the first large frame on, until a message without
   * one): where the message's first large body began, and at the message's end, its shape. The message in
   * which tracking starts has no known start, so the first shape is that of the message after it.
   */
  #track(size: number): void {
    if (!this.#tracking) {
      this.#tracking = true;
      this.#bigAt = UNKNOWN;
    }
    const end = this.#pushed - this.#buffered;
    if (size >= this.#speculateAt && this.#bigAt === NONE) {
      this.#bigAt = end - size - this.#msgStart;
      this.#bigSize = size;
    }
    if ((this.#flags & FLAG_MORE) !== 0) return;
    // The message ends here.
    this.#owned = null;
    if (this.#bigAt >= 0 && end - this.#msgStart <= SPECULATE_MAX) {
      this.#expect = end - this.#msgStart;
      this.#expectAt = this.#bigAt;
      this.#expectSize = this.#bigSize;
    } else {
      this.#expect = 0;
      if (this.#bigAt === NONE) this.#tracking = false;
    }
    this.#bigAt = NONE;
    this.#msgStart = end;
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

  /**
   * A large body split across reads: its buffer now, with what has arrived of it so far. In the buffer of
   * a speculated read, where it fits, the body is completed in place there.
   */
  #startAssembly(): void {
    const have = this.#buffered;
    const first = this.#chunks[0];
    const owned = this.#owned;
    if (owned !== null && first !== undefined && first.buffer === owned && this.#chunks.length === 1) {
      const at = first.byteOffset + this.#offset;
      if (at + this.#size <= owned.byteLength) {
        this.#owned = null;
        this.#chunks.shift();
        this.#offset = 0;
        this.#buffered = 0;
        this.#body = Buffer.from(owned, at, this.#size);
        this.#bodyFilled = have;
        return;
      }
    }
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

/** #bigAt: no large body in the message yet; the message's start is not known. */
const NONE = -1;
const UNKNOWN = -2;

/** A message with a body at least this large has the next read offered a buffer of its size. */
const SPECULATE_AT = 32 * 1024;
/**
 * ...and at most this large: a buffer this size is allocated before it is known that the next message
 * needs it, and above it the one read that is copied is a small part of the message anyway.
 */
const SPECULATE_MAX = 8 * 1024 * 1024;
