/**
 * ZWS 2.0 (ZeroMQ over WebSocket, RFC 45 as libzmq 4.3.x speaks it: docs/ws-notes.md). Pure: no I/O.
 *
 * The ZMTP engine runs unchanged over ws: it writes and reads ZMTP frames, and a ws stream translates them
 * to and from ZWS messages. This module holds what both ws streams (Node's, over its own RFC 6455 framing,
 * and the browser's, over the native WebSocket) share:
 * - the subprotocol names, the client's offer and the server's choice (§3-§5);
 * - {@link ZmtpSplitter}: the engine's ZMTP output cut into ZWS frames, flags remapped (§9);
 * - {@link zmtpHeader}: the ZMTP header a received ZWS frame is handed to the engine with.
 */
import { Buffer } from "node:buffer";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, type MechanismName } from "./constants.ts";

/** ZWS flags byte (docs/ws-notes.md §9): not ZMTP's bits. */
export const ZWS_MORE = 0x01;
export const ZWS_COMMAND = 0x02;

/** Bare ZWS 2.0: no mechanism (docs/ws-notes.md §5). */
export const ZWS_BARE = "ZWS2.0";

/** A negotiated subprotocol: its mechanism, or bare (NULL without READY). */
export interface ZwsProtocol {
  readonly name: string;
  readonly mechanism: MechanismName;
  readonly bare: boolean;
}

/** Every name a zocket server accepts: libzmq's, and the token-safe `+` spellings (docs/ws-notes.md §4). */
const KNOWN: ReadonlyMap<string, ZwsProtocol> = new Map(
  (
    [
      [ZWS_BARE, "NULL", true],
      ["ZWS2.0/NULL", "NULL", false],
      ["ZWS2.0/PLAIN", "PLAIN", false],
      ["ZWS2.0/CURVE", "CURVE", false],
      ["ZWS2.0+NULL", "NULL", false],
      ["ZWS2.0+PLAIN", "PLAIN", false],
      ["ZWS2.0+CURVE", "CURVE", false],
    ] as const
  ).map(([name, mechanism, bare]) => [name, { name, mechanism, bare }]),
);

/** What a client offers for its mechanism: exactly libzmq's list (docs/ws-notes.md §3). */
export function clientOffer(mechanism: MechanismName): string[] {
  return mechanism === "NULL" ? ["ZWS2.0/NULL", ZWS_BARE] : [`ZWS2.0/${mechanism}`];
}

/**
 * What a browser offers: only HTTP tokens are allowed there (docs/ws-notes.md §4). NULL offers the
 * token-safe name first (a zocket server takes it: READY and the socket-type check) and bare `ZWS2.0`
 * second (what a libzmq server takes); PLAIN and CURVE only work against a zocket server.
 */
export function browserOffer(mechanism: MechanismName): string[] {
  return mechanism === "NULL" ? ["ZWS2.0+NULL", ZWS_BARE] : [`ZWS2.0+${mechanism}`];
}

/**
 * The server's choice from a client's `Sec-WebSocket-Protocol` header: the first entry, in the client's
 * order, that names our mechanism (bare only with NULL), or null (libzmq select_protocol: split on ",",
 * surrounding spaces dropped, names case-sensitive).
 */
export function selectProtocol(header: string, mechanism: MechanismName): ZwsProtocol | null {
  for (const entry of header.split(",")) {
    const p = KNOWN.get(entry.trim());
    if (p !== undefined && p.mechanism === mechanism) return p;
  }
  return null;
}

/** The protocol a server chose, if it is one of those we offered. */
export function acceptedProtocol(chosen: string, offered: readonly string[]): ZwsProtocol | null {
  return offered.includes(chosen) ? (KNOWN.get(chosen) ?? null) : null;
}

// ------------------------------------------------------------------ ZWS -> ZMTP

/** The ZMTP header for a received ZWS frame of `size` body bytes (flags remapped, LONG when needed). */
export function zmtpHeader(zwsFlags: number, size: number): Buffer {
  const h = Buffer.allocUnsafe(zmtpHeaderSize(size));
  writeZmtpHeader(h, 0, zwsFlags, size);
  return h;
}

/** Bytes of the ZMTP header of a frame of `size` body bytes: 2, or 9 (LONG) above 255. */
export function zmtpHeaderSize(size: number): number {
  return size <= 255 ? 2 : 9;
}

/** Write {@link zmtpHeader}'s bytes at `buf[at]`. */
export function writeZmtpHeader(buf: Buffer, at: number, zwsFlags: number, size: number): void {
  const flags = (zwsFlags & ZWS_MORE ? FLAG_MORE : 0) | (zwsFlags & ZWS_COMMAND ? FLAG_COMMAND : 0);
  if (size <= 255) {
    buf[at] = flags;
    buf[at + 1] = size;
    return;
  }
  buf[at] = flags | FLAG_LONG;
  buf.writeUInt32BE(Math.floor(size / 0x1_0000_0000), at + 1);
  buf.writeUInt32BE(size >>> 0, at + 5);
}

// ------------------------------------------------------------------ ZMTP -> ZWS

/** Receives the ZWS frames {@link ZmtpSplitter} cuts from the engine's output. */
export interface ZwsFrameSink {
  /** A frame starts: its ZWS flags and body size. Its body follows in {@link ZwsFrameSink.frameBody} calls. */
  frameStart(flags: number, size: number): void;
  /** The next body bytes of the current frame: a view of the writer's buffer, to be copied or sent now. */
  frameBody(bytes: Uint8Array): void;
}

const S_HEADER = 0;
const S_BODY = 1;

/**
 * Cuts the engine's ZMTP byte stream (our own output: whole frames, though a large body may come in a
 * write of its own) into ZWS frames, flags remapped; bodies stream through as views. Subscriptions need
 * no rewriting: over ZWS the engine sends them as ZMTP 3.0 did, `01|topic` data (docs/ws-notes.md §11).
 */
export class ZmtpSplitter {
  readonly #sink: ZwsFrameSink;
  readonly #header = Buffer.alloc(9);
  #have = 0;
  #state = S_HEADER;
  /** Body bytes of the current frame still to come. */
  #left = 0;

  constructor(sink: ZwsFrameSink) {
    this.#sink = sink;
  }

  /** Feed the engine's output. */
  push(chunk: Uint8Array): void {
    let at = 0;
    const n = chunk.length;
    while (at < n) {
      if (this.#state === S_HEADER) {
        const h = this.#header;
        h[this.#have++] = chunk[at++]!;
        const need = (h[0]! & FLAG_LONG) !== 0 ? 9 : 2;
        if (this.#have < need) continue;
        const size = need === 2 ? h[1]! : h.readUInt32BE(1) * 0x1_0000_0000 + h.readUInt32BE(5);
        this.#have = 0;
        const f = h[0]!;
        this.#sink.frameStart((f & FLAG_MORE ? ZWS_MORE : 0) | (f & FLAG_COMMAND ? ZWS_COMMAND : 0), size);
        this.#left = size;
        if (size > 0) this.#state = S_BODY;
        continue;
      }
      const take = Math.min(this.#left, n - at);
      this.#sink.frameBody(chunk.subarray(at, at + take));
      at += take;
      this.#left -= take;
      if (this.#left === 0) this.#state = S_HEADER;
    }
  }
}
