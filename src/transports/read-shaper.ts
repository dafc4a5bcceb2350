/**
 * Reads shaped like the traffic: after a large message, the next read lands in a buffer of that message's
 * size, so a peer streaming messages of one shape has each of its bodies read in place (no copy).
 *
 * The shaper hears from the frame decoder where frames end ({@link FrameTap}) and notes the shape of each
 * message that has a body of at least `speculateAt` bytes: its size on the wire, where its first large
 * body starts and how long that body is. When the decoder is at the start of a message with nothing
 * buffered, {@link ReadShaper.offer} gives the next read a fresh buffer of exactly that size, placed so
 * that the large body starts 8-byte aligned. If the read holds the same shape (the large frame's header
 * where the last one had it, with the same length), its bytes stay there and the decoder may complete a
 * split body in place ({@link ReadShaper.claim}); a read of another shape is copied out to its own size,
 * so a short read never pins a large buffer. See docs/performance.md, design decision 25.
 */
import { Buffer } from "node:buffer";
import { FLAG_LONG, FLAG_MORE } from "../protocol/constants.ts";
import { LONG_HEADER_SIZE } from "../protocol/frame-encoder.ts";
import type { FrameTap } from "../protocol/frame-decoder.ts";

/** A message with a body at least this large has the next read offered a buffer of its size... */
const SPECULATE_AT = 32 * 1024;
/**
 * ...and at most this large: the buffer is allocated before it is known that the next message needs it,
 * and above this size the one read that is copied is a small part of the message anyway.
 */
const SPECULATE_MAX = 8 * 1024 * 1024;

/** #bigAt: no large body in the current message yet; the message's start is not known. */
const NONE = -1;
const UNKNOWN = -2;

export class ReadShaper implements FrameTap {
  readonly #speculateAt: number;
  /** Frames are reported from this size on: the large ones, or all of them while shapes are tracked. */
  reportAt: number;
  /**
   * Positions count the bytes of the stream: #pushed is every byte handed to the reader so far, so a
   * frame reported with `buffered` bytes still undecoded ends at #pushed - buffered.
   */
  #pushed = 0;
  /** Shapes are tracked from the first large frame on, until a message without one. */
  #tracking = false;
  /** Where the current message began; where its first large body began, relative to that (or NONE, UNKNOWN). */
  #msgStart = 0;
  #bigAt = NONE;
  #bigSize = 0;
  /** The last large message: its wire size (0: the last message was not large), its large body's place. */
  #expect = 0;
  #expectAt = 0;
  #expectSize = 0;
  /** The buffer offered for the next read (null: none offered), and the memory the last such read filled. */
  #offered: Buffer | null = null;
  #owned: ArrayBufferLike | null = null;

  constructor(speculateAt: number = SPECULATE_AT) {
    this.#speculateAt = speculateAt;
    this.reportAt = speculateAt;
  }

  /** `n` more bytes of the stream went to the reader. */
  delivered(n: number): void {
    this.#pushed += n;
  }

  /** A buffer for the next read, shaped like the last large message, or null for the transport's own. */
  offer(): Buffer | null {
    if (this.#expect === 0 || this.#pushed !== this.#msgStart) return null;
    return (this.#offered ??= this.#speculate());
  }

  /** A buffer for the whole next message, placed so that its large body starts 8-byte aligned. */
  #speculate(): Buffer {
    const pad = (8 - (this.#expectAt & 7)) & 7;
    // Its own ArrayBuffer (never the shared pool): a body may be completed in place after the read.
    return Buffer.allocUnsafeSlow(pad + this.#expect).subarray(pad);
  }

  /**
   * The bytes of a read into the offered buffer. Kept where they are if the message they start has its
   * large body where the last one had it (same place, same size); otherwise copied out to their own size.
   */
  landed(chunk: Buffer): Buffer {
    const offered = this.#offered;
    this.#offered = null;
    const at = this.#expectAt - LONG_HEADER_SIZE;
    if (
      offered !== null &&
      chunk.length >= this.#expectAt &&
      (chunk[at]! & FLAG_LONG) !== 0 &&
      chunk.readUInt32BE(at + 1) === 0 &&
      chunk.readUInt32BE(at + 5) === this.#expectSize
    ) {
      this.#owned = offered.buffer;
      return chunk;
    }
    return Buffer.from(chunk);
  }

  /** FrameTap: a split body starting in the last shaped read is completed in place there, if it fits. */
  claim(chunk: Buffer, offset: number, size: number): Buffer | null {
    const owned = this.#owned;
    if (owned === null || chunk.buffer !== owned) return null;
    const at = chunk.byteOffset + offset;
    if (at + size > owned.byteLength) return null;
    this.#owned = null;
    return Buffer.from(owned, at, size);
  }

  /**
   * FrameTap: a frame was decoded (a large one, or any while shapes are tracked). Notes where the message's
   * first large body began and, at the message's end, its shape. The message in which tracking starts has
   * no known start, so the first shape is that of the message after it.
   */
  frameEnd(flags: number, size: number, buffered: number): void {
    if (!this.#tracking) {
      this.#tracking = true;
      this.#bigAt = UNKNOWN;
      this.reportAt = 0;
    }
    const end = this.#pushed - buffered;
    if (size >= this.#speculateAt && this.#bigAt === NONE) {
      this.#bigAt = end - size - this.#msgStart;
      this.#bigSize = size;
    }
    if ((flags & FLAG_MORE) !== 0) return;
    // The message ends here.
    this.#owned = null;
    if (this.#bigAt >= 0 && end - this.#msgStart <= SPECULATE_MAX) {
      this.#expect = end - this.#msgStart;
      this.#expectAt = this.#bigAt;
      this.#expectSize = this.#bigSize;
    } else {
      this.#expect = 0;
      if (this.#bigAt === NONE) {
        this.#tracking = false;
        this.reportAt = this.#speculateAt;
      }
    }
    this.#bigAt = NONE;
    this.#msgStart = end;
  }
}
