/**
 * One connection's output, shared by the ZMTP and raw engines: messages taken from the pipe become writes
 * on the stream, batched and bounded. The engine encodes each message ({@link WriterOwner.writeMessage})
 * with frame() or bytes(); the writer decides when the bytes go out. The choices below are measured in
 * docs/performance.md, design decisions 1-6:
 * - small frames are copied into a pooled 64 KiB slab and leave in large writes; bodies of 8 KiB or more
 *   are written as their own buffers, never copied (1, 3);
 * - the first message of a burst is written at once, from inside the send; later ones, while the sender
 *   keeps going without draining the microtask queue, wait for one setImmediate flush that writes them
 *   all; the burst ends when the microtask queue drains (2);
 * - a flush that writes more than once does it under cork(), as one writev (4);
 * - at most OUTPUT_BUDGET bytes wait in the stream; past that the writer waits for 'drain' and the pipe
 *   fills, so a peer that stops reading blocks the sender, as TCP flow control would (5);
 * - an idle connection holds no slab (6);
 * - linger: once the socket closed the pipe, what is queued is still written for up to `linger` ms.
 */
import { Buffer } from "node:buffer";
import { nextTick } from "node:process";
import { BACKLOG_MASK, type Msg, type MsgQueue } from "../pipe.ts";
import { LONG_HEADER_SIZE, writeFrameHeader } from "../protocol/frame-encoder.ts";
import type { ByteStream } from "../transports/byte-stream.ts";

/** What the writer needs from its engine. */
export interface WriterOwner {
  /** Encode one message taken from the pipe, with {@link OutputWriter.frame} or {@link OutputWriter.bytes}. */
  writeMessage(msg: Msg): void;
  /** Lingering ended: everything queued was written (`flushed`), or the linger time ran out. */
  lingerDone(flushed: boolean): void;
}

const SLAB_SIZE = 64 * 1024;
/** A slab with less room left than this is replaced after a write. */
const SLAB_MIN_FREE = 512;
/** Bytes the stream may hold (written, not yet taken by the OS) before the writer waits for 'drain'. */
const OUTPUT_BUDGET = 256 * 1024;
/** Bodies at least this large are written as their own buffer rather than copied into the slab. */
const DIRECT_WRITE = 8 * 1024;
/** Bodies shorter than this are copied byte by byte (cheaper than set() for a few bytes). */
const BYTEWISE_COPY = 64;
/** Room a frame header may take (the longest). */
const HEADER_ROOM = LONG_HEADER_SIZE;
/** Reads by every ZMTP engine of the process so far (see {@link OutputWriter.backlogBound}). */
let inputReads = 0;

/** A ZMTP engine read a chunk. */
export function countInputRead(): void {
  inputReads++;
}

/** A burst's queued output that answers input waits at most about this long (ms) for its setImmediate flush. */
const KICK_MS = 0.05;
/** After a graceful end, a peer that never reads is cut off this long after. */
const END_TIMEOUT = 2000;

export class OutputWriter {
  readonly #stream: ByteStream;
  readonly #owner: WriterOwner;
  /** The attached pipe's outbound queue. */
  #source: MsgQueue | null = null;
  /** Messages may flow: the connection is ready and not closed. */
  #open = false;

  /** NO_SLAB while idle. */
  #slabRef: Slab = NO_SLAB;
  /** Full slabs whose bytes the stream may still reference. */
  #retired: Slab[] | null = null;
  #slab: Buffer = NO_SLAB.buf;
  /** The slab's bytes before #slabStart were handed to the stream; those up to #slabPos are not yet. */
  #slabStart = 0;
  #slabPos = 0;

  #flushScheduled = false;
  /** Inside a flush's loop (more writes may follow). */
  #batching = false;
  #corked = false;
  /** Writes handed to the stream since the flush last compared its buffered bytes with the budget. */
  #handed = 0;
  /** Set from the first flush of a burst until the microtask queue drains (a process.nextTick). */
  #burst = false;
  #waitingDrain = false;
  /** Set while the socket is gone and only what is queued is flushed before closing. */
  #lingering = false;
  #lingerTimer: NodeJS.Timeout | null = null;

  readonly #flushBound = (): void => this.#flush();
  readonly #endBurstBound = (): void => {
    this.#burst = false;
  };
  /** {@link OutputWriter.scheduleFlush}, bound once: the pipe calls it when the socket queued output. */
  readonly scheduleFlushBound = (): void => this.scheduleFlush();
  /** Since when (performance.now() ms) queued output has waited for the scheduled flush. */
  #waitingSince = 0;
  /** `inputReads` at this writer's last write. */
  #readsAtWrite = 0;
  /**
   * The pipe's backlog grew during a burst: if it has waited KICK_MS, what is queued goes now rather than
   * at the burst's setImmediate flush, so the peer can start on it (a batch being answered message by
   * message, as a ROUTER echoing a DEALER's window, otherwise leaves only when all of it is done).
   */
  readonly backlogBound = (): void => {
    // Only output that answers input: a sender alone (PUSH, PUB) keeps its large writes.
    if (inputReads === this.#readsAtWrite || !this.#flushScheduled || this.#waitingDrain || !this.#open) return;
    const now = performance.now();
    if (now - this.#waitingSince < KICK_MS) return;
    this.#waitingSince = now;
    this.#writeQueued();
  };

  /** Messages taken by {@link OutputWriter.takeNowBound} (every BACKLOG_MASK + 1 of them count as a backlog). */
  #taken = 0;
  /**
   * The socket writes `msg` to an empty queue: while the stream is under its budget it is encoded into the
   * slab now, rather than queued, and leaves with the flush that is due (the first of a burst at once). The
   * socket then keeps nothing of the caller's bytes, so need not copy them (design decision 32).
   */
  readonly takeNowBound = (msg: Msg): boolean => {
    if (!this.#open || this.#batching || this.#waitingDrain || this.#lingering) return false;
    if (this.#stream.writableLength >= OUTPUT_BUDGET) return false;
    this.#owner.writeMessage(msg);
    this.scheduleFlush();
    // Every so many, as the queue's onBacklog would: output that answers input may leave early (decision 30).
    if ((++this.#taken & BACKLOG_MASK) === 0) this.backlogBound();
    return true;
  };

  constructor(stream: ByteStream, owner: WriterOwner) {
    this.#stream = stream;
    this.#owner = owner;
    stream.on("drain", () => {
      this.#waitingDrain = false;
      this.#releaseRetired();
      this.#flush();
    });
  }

  /** The connection is ready: messages from the pipe may flow. */
  open(): void {
    this.#open = true;
  }

  /** Take messages from this queue (a pipe was attached), or from none. */
  setSource(queue: MsgQueue | null): void {
    this.#source = queue;
    if (queue !== null && queue.length > 0) this.scheduleFlush();
  }

  /**
   * Latency and batching together: the first message of a burst is written at once, from inside the send
   * (a reply leaves before anything else queued runs); every later one waits for the setImmediate flush.
   */
  scheduleFlush(): void {
    if (this.#flushScheduled || !this.#open) return;
    if (this.#burst) {
      this.#flushScheduled = true;
      this.#waitingSince = performance.now();
      setImmediate(this.#flushBound);
      return;
    }
    // Set first: whatever the flush itself wakes (a blocked send retried) joins the burst.
    this.#burst = true;
    this.#flush();
    nextTick(this.#endBurstBound);
  }

  /** Nothing handed to the stream is pending: no buffer written so far is referenced any more. */
  idle(): boolean {
    return this.#stream.writableLength === 0;
  }

  /** Bytes just written go out with the flush that is due, or now. */
  flushSoon(): void {
    this.scheduleFlush();
    if (!this.#flushScheduled) this.flushNow();
  }

  /**
   * Whatever `write` writes leaves in one write (corked). Then the slab goes back to the pool if the
   * stream has let go of it: under cork it could not (a burst of handshakes would otherwise hold a 64 KiB
   * slab per connection).
   */
  together<T>(write: () => T): T {
    this.#stream.cork();
    try {
      return write();
    } finally {
      this.#stream.uncork();
      this.flushNow();
    }
  }

  /** Write whatever the slab holds now. */
  flushNow(): void {
    this.#commit();
    this.#parkSlab();
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (!this.#open) return;
    this.#writeQueued();
  }

  /** Everything queued (up to the output budget) to the stream, in one corked write. */
  #writeQueued(): void {
    this.#readsAtWrite = inputReads;
    this.#releaseRetired();
    const source = this.#source;
    this.#batching = true;
    if (source !== null && !this.#waitingDrain) {
      for (;;) {
        const msg = source.read();
        if (msg === undefined) break;
        this.#owner.writeMessage(msg);
        // Checked whenever bytes went to the stream (a full slab, or a big body written directly), not only
        // at the end, so a peer that does not read cannot make the whole pipe move into the stream's
        // unbounded buffer. Small messages just fill the slab: under cork nothing leaves before the end.
        if (this.#handed !== 0) {
          this.#handed = 0;
          if (this.#stream.writableLength >= OUTPUT_BUDGET) {
            this.#waitingDrain = true;
            break;
          }
        }
      }
    }
    this.#batching = false;
    this.#commit();
    if (this.#corked) {
      this.#corked = false;
      this.#stream.uncork();
    }
    this.#parkSlab();
    if (this.#lingering && !this.#waitingDrain && (source === null || source.length === 0)) {
      this.#owner.lingerDone(true);
    }
  }

  /**
   * The socket closed the pipe: keep writing what is queued for up to `linger` ms (-1: until it is all
   * written), then {@link WriterOwner.lingerDone}. Returns false, doing nothing, when there is nothing to
   * wait for (linger 0, no pipe, nothing queued): the engine closes at once.
   */
  linger(linger: number): boolean {
    const source = this.#source;
    if (!this.#open || linger === 0 || source === null || source.length === 0) return false;
    this.#lingering = true;
    this.#stream.pause();
    if (linger > 0) this.#lingerTimer = setTimeout(() => this.#owner.lingerDone(false), linger);
    this.#flush();
    return true;
  }

  /**
   * The connection is over. Graceful: what was written reaches the peer, then FIN; a peer that never reads
   * cannot hold the stream for long. Otherwise the stream is destroyed at once.
   */
  end(graceful: boolean): void {
    this.#open = false;
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
    if (graceful && !this.#stream.destroyed) {
      this.flushNow();
      this.#stream.end();
      setTimeout(() => this.#stream.destroy(), END_TIMEOUT).unref();
    } else {
      this.#stream.destroy();
    }
  }

  // ---------------------------------------------------------------- encoding

  /** One ZMTP frame: its header, and its body copied into the slab or written after it. */
  frame(flags: number, body: Uint8Array): void {
    const size = body.length;
    const direct = size >= DIRECT_WRITE;
    // Room for the longest header: the exact one is known only once written.
    if (this.#slabPos + HEADER_ROOM + (direct ? 0 : size) > this.#slab.length) {
      this.#commit();
      this.#newSlab();
    }
    const s = this.#slab;
    const p = writeFrameHeader(s, this.#slabPos, flags, size);
    if (direct) {
      this.#writeAfterSlab(p, body);
      return;
    }
    if (size > 0) {
      if (size < BYTEWISE_COPY) for (let i = 0; i < size; i++) s[p + i] = body[i]!;
      else s.set(body, p);
    }
    this.#slabPos = p + size;
  }

  /** Bytes as they are (a raw connection): copied into the slab, or written after it when large. */
  bytes(body: Uint8Array): void {
    const size = body.length;
    if (size >= DIRECT_WRITE) {
      this.#writeAfterSlab(this.#slabPos, body);
      return;
    }
    if (this.#slabPos + size > this.#slab.length) {
      this.#commit();
      this.#newSlab();
    }
    this.#copyIn(this.#slabPos, body);
  }

  /** Bytes written now, outside the slab (the greeting, before any frame). */
  writeDirect(chunk: Uint8Array): void {
    if (this.#stream.destroyed) return;
    this.#stream.write(chunk);
    this.#handed++;
  }

  #copyIn(p: number, body: Uint8Array): void {
    const s = this.#slab;
    const size = body.length;
    if (size > 0) {
      if (size < BYTEWISE_COPY) for (let i = 0; i < size; i++) s[p + i] = body[i]!;
      else s.set(body, p);
    }
    this.#slabPos = p + size;
  }

  /** A large body: the slab up to `p` (its header included) and the body leave together, under cork. */
  #writeAfterSlab(p: number, body: Uint8Array): void {
    this.#slabPos = p;
    const wasBatching = this.#batching;
    this.#batching = true;
    this.#commit();
    this.writeDirect(body);
    this.#batching = wasBatching;
    if (!wasBatching && this.#corked) {
      this.#corked = false;
      this.#stream.uncork();
    }
  }

  // ---------------------------------------------------------------- slabs

  /** Hand the filled part of the slab to the stream; later frames continue after it (no reuse of sent bytes). */
  #commit(): void {
    if (this.#slabPos === this.#slabStart) return;
    const chunk = this.#slab.subarray(this.#slabStart, this.#slabPos);
    this.#slabStart = this.#slabPos;
    if (!this.#stream.destroyed) {
      // More writes follow in this flush: cork so they leave as one writev. A flush that writes once
      // skips cork/uncork.
      if (this.#batching && !this.#corked) {
        this.#corked = true;
        this.#stream.cork();
      }
      this.#stream.write(chunk);
      this.#handed++;
    }
    if (this.#slab.length - this.#slabPos < SLAB_MIN_FREE) this.#newSlab();
  }

  /** Give the slab back to the pool when everything in it has been written (the connection is idle). */
  #parkSlab(): void {
    if (this.#slabRef === NO_SLAB || this.#slabPos !== this.#slabStart || this.#stream.writableLength !== 0) return;
    releaseSlab(this.#slabRef);
    this.#slabRef = NO_SLAB;
    this.#slab = NO_SLAB.buf;
    this.#slabStart = 0;
    this.#slabPos = 0;
  }

  /** Slabs retired while writes into them were pending go back to the pool once the stream is empty. */
  #releaseRetired(): void {
    const retired = this.#retired;
    if (retired === null || this.#stream.writableLength !== 0) return;
    for (const s of retired) releaseSlab(s);
    this.#retired = null;
  }

  /** Retire the current slab (it returns to the pool once its last write completes) and take a fresh one. */
  #newSlab(): void {
    const old = this.#slabRef;
    // Writes complete in order: when the stream holds nothing, no write points into the slab any more.
    if (old !== NO_SLAB) {
      if (this.#stream.writableLength === 0) releaseSlab(old);
      else (this.#retired ??= []).push(old);
    }
    this.#slabRef = acquireSlab();
    this.#slab = this.#slabRef.buf;
    this.#slabStart = 0;
    this.#slabPos = 0;
  }
}

/**
 * Output slabs are pooled: a slab goes back to the pool once every write that points into it has
 * completed (the stream's writableLength is 0), so steady traffic allocates nothing and writes carry no
 * per-write callback.
 */
interface Slab {
  readonly buf: Buffer;
}

const slabPool: Slab[] = [];
const SLAB_POOL_MAX = 16;

const NO_SLAB: Slab = { buf: Buffer.alloc(0) };

function acquireSlab(): Slab {
  return slabPool.pop() ?? { buf: Buffer.allocUnsafeSlow(SLAB_SIZE) };
}

function releaseSlab(s: Slab): void {
  if (slabPool.length < SLAB_POOL_MAX) slabPool.push(s);
}
