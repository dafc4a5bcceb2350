// The bare node:net ceiling: ZMTP-shaped frames ([flags][len][body], 8-byte
// length for bodies > 255 B) batched into 64 KiB writes, and a minimal
// incremental parser. No greeting, no handshake, no routing: only framing.

import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import { CheckError, SEQ_BYTES, readSeq } from "./payload.ts";

export const FLAG_MORE = 0x01;
export const FLAG_LONG = 0x02;
export const FLAG_COMMAND = 0x04;

export const CHUNK = 64 * 1024;

export function headerSize(len: number): number {
  return len > 255 ? 9 : 2;
}

/** Writes a frame header at `off`; returns the new offset. */
export function writeHeader(buf: Buffer, off: number, flags: number, len: number): number {
  if (len > 255) {
    buf[off] = flags | FLAG_LONG;
    buf.writeUInt32BE(Math.floor(len / 0x1_0000_0000), off + 1);
    buf.writeUInt32BE(len >>> 0, off + 5);
    return off + 9;
  }
  buf[off] = flags;
  buf[off + 1] = len;
  return off + 2;
}

/** A whole frame in one buffer (latency ping-pong). */
export function frame(flags: number, body: Buffer): Buffer {
  const h = headerSize(body.length);
  const out = Buffer.allocUnsafe(h + body.length);
  writeHeader(out, 0, flags, body.length);
  body.copy(out, h);
  return out;
}

/** END marker of the ceiling: a command frame "END" + u32 count. */
export function endFrameBody(count: number): Buffer {
  const b = Buffer.alloc(7);
  b.write("END", 0, "latin1");
  b.writeUInt32LE(count >>> 0, 3);
  return b;
}

/** Bodies at least this big are written by reference instead of copied. */
export const BIG_BODY = 32 * 1024;

/**
 * Packs frames into 64 KiB chunks handed to `emit`. Small bodies are copied
 * into the chunk. For big bodies only the header and the first SEQ_BYTES
 * (which carry the sequence number) are copied; the rest of the body is
 * emitted by reference, so the caller must never modify it afterwards.
 * A partly filled chunk is emitted as a view and later frames go on after it
 * in the same chunk (never over emitted bytes): a fresh chunk per big message
 * would allocate 64 KiB per message and, in a process with a real heap, make
 * the ceiling measure V8's external-memory GCs.
 */
export class Batcher {
  private chunk = Buffer.allocUnsafe(CHUNK);
  /** Start of the bytes not yet emitted. */
  private start = 0;
  private off = 0;

  constructor(private readonly emit: (chunk: Buffer) => void) {}

  push(flags: number, body: Buffer): void {
    const h = headerSize(body.length);
    const copied = body.length >= BIG_BODY ? SEQ_BYTES : body.length;
    if (this.off + h > CHUNK) this.flushChunk();
    this.off = writeHeader(this.chunk, this.off, flags, body.length);
    let i = 0;
    while (i < copied) {
      if (this.off === CHUNK) this.flushChunk();
      const take = Math.min(copied - i, CHUNK - this.off);
      body.copy(this.chunk, this.off, i, i + take);
      this.off += take;
      i += take;
    }
    if (copied < body.length) {
      this.flushChunk();
      this.emit(body.subarray(copied));
    } else if (this.off === CHUNK) {
      this.flushChunk();
    }
  }

  /** Emits whatever is buffered (end of stream). */
  flush(): void {
    this.flushChunk();
  }

  private flushChunk(): void {
    if (this.off > this.start) {
      this.emit(this.start === 0 && this.off === CHUNK ? this.chunk : this.chunk.subarray(this.start, this.off));
      this.start = this.off;
    }
    // A header (9) and a sequence number (4) must fit in what is left.
    if (CHUNK - this.off < 64) {
      this.chunk = Buffer.allocUnsafe(CHUNK);
      this.start = 0;
      this.off = 0;
    }
  }
}

/**
 * Called per complete frame. `seq` is the u32 LE in the first 4 body bytes
 * (-1 when the body is shorter). `body` holds the body slices when the parser
 * collects them (echo servers) and always for command frames.
 */
export type FrameHandler = (flags: number, size: number, seq: number, body: Buffer[] | null) => void;

export class FrameParser {
  private readonly hdr = Buffer.alloc(9);
  private hdrLen = 0;
  private inBody = false;
  private flags = 0;
  private size = 0;
  private left = 0;
  private readonly head = Buffer.alloc(SEQ_BYTES);
  private headLen = 0;
  private body: Buffer[] | null = null;

  constructor(
    private readonly onFrame: FrameHandler,
    private readonly collect: boolean,
  ) {}

  push(buf: Buffer): void {
    let i = 0;
    const n = buf.length;
    while (i < n) {
      if (!this.inBody) {
        // Header.
        if (this.hdrLen === 0 && n - i >= 2 && ((buf[i] as number) & FLAG_LONG) === 0) {
          this.flags = buf[i] as number;
          this.size = buf[i + 1] as number;
          i += 2;
        } else if (this.hdrLen === 0 && n - i >= 9) {
          this.flags = buf[i] as number;
          this.size = buf.readUInt32BE(i + 1) * 0x1_0000_0000 + buf.readUInt32BE(i + 5);
          i += 9;
        } else {
          this.hdr[this.hdrLen++] = buf[i++] as number;
          const f = this.hdr[0] as number;
          const need = (f & FLAG_LONG) !== 0 ? 9 : 2;
          if (this.hdrLen < need) continue;
          this.flags = f;
          this.size =
            need === 9 ? this.hdr.readUInt32BE(1) * 0x1_0000_0000 + this.hdr.readUInt32BE(5) : (this.hdr[1] as number);
          this.hdrLen = 0;
        }
        const wantBody = this.collect || (this.flags & FLAG_COMMAND) !== 0;
        // Fast path: the whole body is in this buffer.
        if (n - i >= this.size) {
          const seq = this.size >= SEQ_BYTES ? readSeq(buf, i) : -1;
          const body = wantBody ? [buf.subarray(i, i + this.size)] : null;
          i += this.size;
          this.onFrame(this.flags, this.size, seq, body);
          continue;
        }
        this.inBody = true;
        this.left = this.size;
        this.headLen = 0;
        this.body = wantBody ? [] : null;
      } else {
        const take = Math.min(this.left, n - i);
        if (this.headLen < SEQ_BYTES) {
          const h = Math.min(SEQ_BYTES - this.headLen, take);
          buf.copy(this.head, this.headLen, i, i + h);
          this.headLen += h;
        }
        if (this.body !== null) this.body.push(buf.subarray(i, i + take));
        i += take;
        this.left -= take;
        if (this.left === 0) {
          this.inBody = false;
          const seq = this.size >= SEQ_BYTES ? readSeq(this.head, 0) : -1;
          const body = this.body;
          this.body = null;
          this.onFrame(this.flags, this.size, seq, body);
        }
      }
    }
  }
}

/**
 * Message-level checks on parsed frames: part count, part sizes, order, and
 * the END command carrying the producer's count.
 */
export class NetChecker {
  count = 0;
  bytes = 0;
  ended = false;
  private part = 0;

  constructor(
    readonly size: number,
    readonly parts: number,
    readonly label: string,
  ) {}

  /** Returns true when a data message completed, false otherwise. */
  frame(flags: number, size: number, seq: number, body: Buffer[] | null): boolean {
    if ((flags & FLAG_COMMAND) !== 0) {
      const b = Buffer.concat(body ?? []);
      if (b.length !== 7 || b.toString("latin1", 0, 3) !== "END")
        throw new CheckError(`${this.label}: unexpected command frame`);
      if (this.part !== 0) throw new CheckError(`${this.label}: END inside a multipart message`);
      const sent = b.readUInt32LE(3);
      if (sent !== this.count >>> 0)
        throw new CheckError(`${this.label}: producer sent ${sent} messages, received ${this.count}`);
      this.ended = true;
      return false;
    }
    if (size !== this.size)
      throw new CheckError(
        `${this.label}: message ${this.count} part ${this.part} is ${size} B, expected ${this.size} B`,
      );
    if (this.part === 0 && this.size >= SEQ_BYTES && seq !== this.count >>> 0) {
      throw new CheckError(`${this.label}: out of order: got seq ${seq}, expected ${this.count >>> 0}`);
    }
    this.part++;
    if ((flags & FLAG_MORE) !== 0) {
      if (this.part >= this.parts)
        throw new CheckError(`${this.label}: message ${this.count} has more than ${this.parts} parts`);
      return false;
    }
    if (this.part !== this.parts)
      throw new CheckError(`${this.label}: message ${this.count} has ${this.part} parts, expected ${this.parts}`);
    this.part = 0;
    this.count++;
    this.bytes += this.size * this.parts;
    return true;
  }
}

/** Bytes a connection may have queued in user space before the writer waits for 'drain'. */
export const WRITE_QUEUE_LIMIT = 1024 * 1024;

/**
 * Writes chunks (corked: one writev) with backpressure: returns null when the
 * writer may go on, or a promise resolved on 'drain'. (write() returns false
 * for any 64 KiB chunk with the default 16 KiB high-water mark; waiting only
 * past WRITE_QUEUE_LIMIT saves an event-loop turn per chunk.)
 */
export function writeBatch(sock: Socket, chunks: readonly Buffer[]): Promise<void> | null {
  if (chunks.length > 1) sock.cork();
  for (const c of chunks) sock.write(c);
  if (chunks.length > 1) sock.uncork();
  if (sock.writableLength <= WRITE_QUEUE_LIMIT) return null;
  return new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      sock.off("close", onClose);
      resolve();
    };
    const onClose = (): void => {
      sock.off("drain", onDrain);
      reject(new Error("connection closed while writing"));
    };
    sock.once("drain", onDrain);
    sock.once("close", onClose);
  });
}
