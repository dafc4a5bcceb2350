/**
 * Direct input: node:net sockets that read through `onread` into buffers zocket chooses, instead of
 * emitting 'data' events (docs/performance.md, design decision 9). Each read lands in:
 * - the reader's target, while a large frame body is being assembled (read in place, no copy; decision 10);
 * - else a buffer shaped like the last large message, when the read shaper offers one (decision 25);
 * - else, on a quiet connection, one process-wide scratch buffer, the bytes copied out (a read this size is
 *   a message or two), so 10,000 idle connections hold no read buffer at all;
 * - else, on a streaming connection (a read of BURST bytes or more), a private slab the decoder gets views
 *   of; the slab is dropped when reads get small again. Slabs start at 32 KiB and double, up to 128 KiB,
 *   while reads fill them (the kernel had more): a moderate stream, whose reads are a few tens of KiB,
 *   then allocates about what it reads instead of a 128 KiB slab a read (issue 27, docs/performance.md).
 * Accepted sockets get the same by moving the accepted handle into a Socket created with `onread`
 * (net.Server has no such option); where that is not possible the stream falls back to 'data' events.
 */
import { Buffer } from "node:buffer";
import * as net from "node:net";
import process from "node:process";
import type { FrameTap } from "../protocol/frame-decoder.ts";
import type { ByteStream, StreamReader } from "./byte-stream.ts";
import { ReadShaper } from "./read-shaper.ts";

/** Shared by every quiet connection: filled by one read, copied out before the next read can happen. */
const SCRATCH = Buffer.allocUnsafeSlow(64 * 1024);
const SLAB_START = 32 * 1024;
const SLAB_MAX = 128 * 1024;
/** A slab with less room than a quarter of its size is replaced (so reads stay large). */
/** A read this large means the peer is streaming: switch to a private slab (no copy). */
const BURST = 16 * 1024;
/** A read smaller than this in slab mode: traffic is light again, back to the scratch buffer. */
const QUIET = 4 * 1024;
/**
 * Reads up to this size are copied out of the scratch buffer a byte at a time, cheaper than Buffer#copy's
 * fixed cost for a small read (docs/performance.md, design decision 22).
 */
const BYTEWISE_COPY = 64;

/** Where the current read lands (see the module comment). */
const M_SCRATCH = 0;
const M_SLAB = 1;
const M_TARGET = 2;
const M_SHAPED = 3;

/** One socket's direct input: the `onread` options node:net calls, and the reader the bytes go to. */
export class DirectInput {
  reader: StreamReader | null = null;
  readonly shaper = new ReadShaper();
  /** Reads that arrived before the reader was set (normally none). */
  #early: Buffer[] = [];
  #slab: Buffer | null = null;
  /** The size of the next slab: doubles while reads fill the room offered, back to SLAB_START when quiet. */
  #slabSize = SLAB_START;
  /** The room the current slab read was offered. */
  #offered = 0;
  #pos = 0;
  #mode = M_SCRATCH;
  /** The most one read into a large body takes (tcp: 64 KiB, see transports/net.ts). */
  readonly #bodyReadMax: number;

  constructor(bodyReadMax: number = Number.POSITIVE_INFINITY) {
    this.#bodyReadMax = bodyReadMax;
  }

  readonly options = {
    buffer: (): Uint8Array => this.#next(),
    callback: (n: number, buf: Uint8Array): boolean => {
      this.#onRead(n, buf);
      return true;
    },
  };

  setReader(reader: StreamReader): FrameTap {
    this.reader = reader;
    const early = this.#early;
    this.#early = [];
    for (const c of early) reader.onBytes(c);
    return this.shaper;
  }

  #next(): Uint8Array {
    const reader = this.reader;
    if (reader !== null) {
      const target = reader.readTarget(this.#bodyReadMax);
      if (target !== null) {
        this.#mode = M_TARGET;
        return target;
      }
      const shaped = this.shaper.offer();
      if (shaped !== null) {
        this.#mode = M_SHAPED;
        return shaped;
      }
    }
    const slab = this.#slab;
    if (slab === null) {
      this.#mode = M_SCRATCH;
      return SCRATCH;
    }
    this.#mode = M_SLAB;
    const room = slab.length - this.#pos;
    if (room < slab.length >>> 2) return this.#freshSlab();
    this.#offered = room;
    return slab.subarray(this.#pos);
  }

  /** A new private slab; views handed out from the old one keep it alive as long as they need it. */
  #freshSlab(): Buffer {
    this.#slab = Buffer.allocUnsafeSlow(this.#slabSize);
    this.#pos = 0;
    this.#offered = this.#slabSize;
    return this.#slab;
  }

  #onRead(n: number, buf: Uint8Array): void {
    let chunk: Buffer;
    if (this.#mode === M_SCRATCH) {
      chunk = Buffer.allocUnsafe(n);
      if (n <= BYTEWISE_COPY) {
        for (let i = 0; i < n; i++) chunk[i] = SCRATCH[i]!;
      } else {
        SCRATCH.copy(chunk, 0, 0, n);
        if (n >= BURST) {
          // A read that filled the scratch buffer: a full-speed stream, straight to the largest slab.
          if (n === SCRATCH.length) this.#slabSize = SLAB_MAX;
          this.#freshSlab();
        }
      }
    } else {
      chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
      if (this.#mode === M_SLAB) {
        this.#pos += n;
        if (n < QUIET) {
          this.#slab = null;
          this.#slabSize = SLAB_START;
        } else if (n === this.#offered && this.#slabSize < SLAB_MAX) this.#slabSize *= 2;
      } else if (this.#mode === M_SHAPED) {
        chunk = this.shaper.landed(chunk);
      }
    }
    this.deliver(chunk);
  }

  /** Bytes for the reader (kept until it is set). */
  deliver(chunk: Buffer): void {
    this.shaper.delivered(chunk.length);
    if (this.reader !== null) this.reader.onBytes(chunk);
    else this.#early.push(chunk);
  }
}

type DirectSocket = net.Socket & ByteStream;

/**
 * Node's node:net reads an `onread` socket without a 'data' listener and never emits 'data' on it. Bun's
 * and Deno's node:net may ignore the option and emit 'data' instead.
 */
const DATA_EVENTS_POSSIBLE = process.versions.bun !== undefined || process.versions.deno !== undefined;

function withReader(sock: net.Socket, input: DirectInput): DirectSocket {
  const s = sock as DirectSocket;
  s.setReader = (reader: StreamReader): FrameTap => input.setReader(reader);
  // Only where the bytes may come as 'data': the listener switches a Node stream to flowing mode, a
  // nextTick and a read(0) per connection for nothing (issue 27, connection bursts).
  if (DATA_EVENTS_POSSIBLE) s.on("data", (chunk: Buffer) => input.deliver(chunk));
  return s;
}

/** A socket for an outgoing connection, with direct input. */
export function dial(options: net.NetConnectOpts, bodyReadMax: number): DirectSocket {
  const input = new DirectInput(bodyReadMax);
  return withReader(net.connect({ ...options, onread: input.options }), input);
}

/**
 * net.Socket's private `onread` fields (node's lib/internal/stream_base_commons.js), found by their symbols'
 * descriptions on a probe socket; null where the runtime has other internals.
 */
const ONREAD_SYMBOLS = ((): { buffer: symbol; gen: symbol; cb: symbol } | null => {
  const probe = new net.Socket();
  const byName = new Map(Object.getOwnPropertySymbols(probe).map((s) => [s.description, s]));
  probe.destroy();
  const buffer = byName.get("kBuffer");
  const gen = byName.get("kBufferGen");
  const cb = byName.get("kBufferCb");
  return buffer && gen && cb ? { buffer, gen, cb } : null;
})();

type Handle = { readStart?: unknown; useUserBuffer?: (buf: Uint8Array) => void } | null;

/**
 * An accepted connection (the server runs with pauseOnConnect, so nothing has been read yet) gets direct
 * input. Where node's `onread` fields can be found, they are set on the accepted socket itself, as its
 * constructor sets them from the `onread` option: a burst of connections then costs one Socket each, not
 * two (issue 27). Else its handle moves into a Socket created with `onread` (net.Socket's `handle` option
 * and `_handle`, what child_process uses to pass sockets); without those, the stream uses 'data' events.
 */
export function adopt(accepted: net.Socket, bodyReadMax: number = Number.POSITIVE_INFINITY): ByteStream {
  const handle = (accepted as unknown as { _handle?: Handle })._handle;
  if (handle == null || typeof handle.readStart !== "function" || typeof handle.useUserBuffer !== "function") {
    accepted.resume();
    return accepted;
  }
  const input = new DirectInput(bodyReadMax);
  const sym = ONREAD_SYMBOLS;
  const fields = accepted as unknown as Record<symbol, unknown>;
  if (sym !== null && fields[sym.buffer] === null && fields[sym.gen] === null && fields[sym.cb] === null) {
    // As the constructor does: the current buffer, the function that makes the next, the callback.
    const first = input.options.buffer();
    fields[sym.buffer] = first;
    fields[sym.gen] = input.options.buffer;
    fields[sym.cb] = input.options.callback;
    handle.useUserBuffer(first);
    const sock = withReader(accepted, input);
    // Start reading as node's constructor starts an `onread` socket: read(0) starts the handle at once,
    // where resume() would also switch to flowing mode in a nextTick (issue 27, connection bursts).
    accepted.read(0);
    return sock;
  }
  (accepted as unknown as { _handle: unknown })._handle = null;
  // The shell closes without touching the handle (it has none now) and the server counts it as gone.
  accepted.destroy();
  const opts = { handle, readable: true, writable: true, onread: input.options };
  return withReader(new net.Socket(opts as unknown as net.SocketConstructorOpts), input);
}
