/**
 * One ZWS connection over a Node socket (net or tls), as the {@link ByteStream} the ZMTP engine runs on.
 *
 * - First the HTTP upgrade (transports/ws/upgrade.ts), started by the engine's `negotiate` call, since
 *   the subprotocol names the engine's mechanism (docs/ws-notes.md §3).
 * - Then translation both ways: the engine's ZMTP frames become one binary WebSocket frame each
 *   (protocol/zws.ts, protocol/ws-frame.ts), masked from a client; received frames reach the engine as a
 *   ZMTP header and the body's views, so its frame decoder checks `maxMessageSize` before any allocation
 *   and nothing here allocates by a length the peer claims.
 * - Pings are answered here; pings and pongs reach the engine as empty chunks (proof of life). The
 *   engine's heartbeat sends {@link ZwsStream.probe}, a WebSocket ping (docs/ws-notes.md §12).
 * - A framing error sends a close frame with its status and ends only this connection (§14).
 */
import { Buffer } from "node:buffer";
import { createHash, randomFillSync } from "node:crypto";
import type { Duplex } from "node:stream";
import type { MechanismName } from "../../protocol/constants.ts";
import {
  closePayload,
  encodeControl,
  maskInto,
  WS_CLOSE,
  WS_OPCODE,
  WsDecoder,
  wsHeaderSize,
  WsProtocolError,
  writeWsHeader,
  type WsFrameSink,
} from "../../protocol/ws-frame.ts";
import {
  clientOffer,
  writeZmtpHeader,
  ZmtpSplitter,
  zmtpHeader,
  zmtpHeaderSize,
  type ZwsFrameSink,
  type ZwsProtocol,
} from "../../protocol/zws.ts";
import { Emitter } from "../../util/emitter.ts";
import type { ByteStream } from "../byte-stream.ts";
import {
  buildRefusal,
  buildRequest,
  buildResponse,
  checkRequest,
  checkResponse,
  headEnd,
  parseHead,
  UpgradeError,
  WS_GUID,
} from "./upgrade.ts";

/** Bodies at least this large are written as views (server) instead of copied into their frame. */
const DIRECT_WRITE = 8 * 1024;
/** Smaller frames are assembled one after the other in a slab of this size, written as one chunk. */
const SLAB_SIZE = 64 * 1024;
/** A failed connection's close frame gets this long to leave before the socket is destroyed. */
const FAIL_LINGER = 1000;
const EMPTY = Buffer.alloc(0);

/** sha1(key + GUID), base64: the Sec-WebSocket-Accept value (RFC 6455 §4.2.2). */
export function acceptKey(key: string): string {
  return createHash("sha1")
    .update(key + WS_GUID, "latin1")
    .digest("base64");
}

/** Mask keys come from a pool of random bytes, refilled 2048 keys at a time. */
const maskPool = Buffer.alloc(8192);
let maskPoolAt = maskPool.length;

/** The next mask key, copied into `key` (4 bytes; no view per frame: see writeWsHeader). */
function nextMask(key: Buffer): Buffer {
  if (maskPoolAt === maskPool.length) {
    randomFillSync(maskPool);
    maskPoolAt = 0;
  }
  for (let i = 0; i < 4; i++) key[i] = maskPool[maskPoolAt + i]!;
  maskPoolAt += 4;
  return key;
}

/** Where a client connects: the Host header and the request path. */
export interface ZwsTarget {
  readonly host: string;
  readonly path: string;
}

const UPGRADING = 0;
const OPEN = 1;
const CLOSED = 2;

type Sock = Duplex & { ref?(): unknown; unref?(): unknown };

export class ZwsStream extends Emitter implements ByteStream, WsFrameSink, ZwsFrameSink {
  readonly #sock: Sock;
  /** Client (masks what it sends) or server. */
  readonly #client: boolean;
  readonly #target: ZwsTarget | null;
  #state = UPGRADING;
  /** Upgrade: bytes of the head so far; the engine's mechanism and callback, once negotiate() ran. */
  #head: Buffer = EMPTY;
  #mechanism: MechanismName | null = null;
  #ready: ((bare: boolean) => void) | null = null;
  #expectedAccept = "";
  #offered: string[] = [];
  #decoder: WsDecoder | null = null;
  #splitter: ZmtpSplitter | null = null;
  /** Output of the write in progress. */
  #pending: Uint8Array[] = [];
  /**
   * Small frames go whole into the slab, back to back: [#slabStart, #slabPos) is not handed to the socket
   * yet. A region once handed over is never written again (the socket may still hold it); a full slab is
   * replaced, not reused.
   */
  #slab: Buffer = EMPTY;
  #slabStart = 0;
  #slabPos = 0;
  /**
   * Input the same way: small messages are rebuilt as ZMTP frames back to back in `#in`, and what one read
   * completed reaches the engine as one chunk; [#inStart, #inPos) is not handed over yet, and `#inEnd`
   * is where the message being filled ends (-1: none is).
   */
  #in: Buffer = EMPTY;
  #inStart = 0;
  #inPos = 0;
  #inMsg = 0;
  #inEnd = -1;
  /** The small frame being filled in the slab: where it starts and where its next body bytes go. */
  #frame: Buffer | null = null;
  #frameStart = 0;
  #framePos = 0;
  #mask: Buffer | null = null;
  /** The client's mask key of the frame being written (refilled per frame). */
  readonly #maskKey = Buffer.alloc(4);
  #maskPhase = 0;
  /** A close frame was sent: nothing more is written. */
  #closeSent = false;
  /** Failed: the socket ends after the close frame, destroy() waits for it. */
  #failing = false;

  /** The engine's heartbeat probe: an empty ping. */
  readonly probe = (): void => this.#control(WS_OPCODE.PING, EMPTY);

  constructor(sock: Sock, client: boolean, target: ZwsTarget | null) {
    super();
    this.#sock = sock;
    this.#client = client;
    this.#target = target;
    sock.on("data", (chunk: Buffer) => this.#onData(chunk));
    sock.on("drain", () => this.emit("drain"));
    sock.on("end", () => this.emit("end"));
    sock.on("close", (hadError: boolean) => {
      this.#state = CLOSED;
      this.emit("close", hadError);
    });
    sock.on("error", (err: Error) => this.emit("error", err));
  }

  // ---------------------------------------------------------------- upgrade

  negotiate(mechanism: MechanismName, ready: (bare: boolean) => void): void {
    this.#mechanism = mechanism;
    this.#ready = ready;
    if (this.#client) {
      const key = randomFillSync(Buffer.alloc(16)).toString("base64");
      this.#expectedAccept = acceptKey(key);
      this.#offered = clientOffer(mechanism);
      const t = this.#target!;
      this.#sock.write(buildRequest(t.path, t.host, key, this.#offered));
    } else if (this.#head.length > 0) {
      this.#onHead(EMPTY);
    }
  }

  #onData(chunk: Buffer): void {
    if (this.#state === OPEN) this.#decode(chunk);
    else if (this.#state === UPGRADING) this.#onHead(chunk);
  }

  #onHead(chunk: Buffer): void {
    this.#head = this.#head.length === 0 ? chunk : Buffer.concat([this.#head, chunk]);
    if (this.#mechanism === null) return; // the engine has not asked yet
    try {
      const end = headEnd(this.#head);
      if (end === -1) return;
      const head = parseHead(this.#head.toString("latin1", 0, end - 4));
      const rest = this.#head.subarray(end);
      this.#head = EMPTY;
      let protocol: ZwsProtocol;
      if (this.#client) {
        protocol = checkResponse(head, this.#expectedAccept, this.#offered);
      } else {
        const req = checkRequest(head, this.#mechanism);
        protocol = req.protocol;
        this.#sock.write(buildResponse(acceptKey(req.key), protocol.name));
      }
      this.#open(protocol, rest);
    } catch (err) {
      if (!(err instanceof UpgradeError)) throw err;
      this.#state = CLOSED;
      // libzmq closes without a word; a status line tells a person with curl or a browser what was wrong.
      if (!this.#client && err.status !== 0) this.#sock.end(buildRefusal(err.status, err.message));
      else this.#sock.end();
      this.#failSoon();
      this.emit("error", protocolError(`WebSocket upgrade failed: ${err.message}`));
    }
  }

  #open(protocol: ZwsProtocol, rest: Buffer): void {
    this.#state = OPEN;
    this.#decoder = new WsDecoder(this, { masked: !this.#client });
    this.#splitter = new ZmtpSplitter(this);
    const ready = this.#ready!;
    this.#ready = null;
    ready(protocol.bare);
    if (rest.length > 0 && this.#state === OPEN) this.#decode(rest);
  }

  // ---------------------------------------------------------------- input

  #decode(chunk: Buffer): void {
    try {
      this.#decoder!.push(chunk);
    } catch (err) {
      if (!(err instanceof WsProtocolError)) throw err;
      this.#fail(err.status, err.message);
      return;
    }
    this.#flushIn();
  }

  /** Hand the engine the complete messages rebuilt so far (one still being filled waits). */
  #flushIn(): void {
    const end = this.#inEnd >= 0 ? this.#inMsg : this.#inPos;
    if (end > this.#inStart) {
      const region = this.#in.subarray(this.#inStart, end);
      this.#inStart = end;
      this.emit("data", region);
    }
  }

  /**
   * WsFrameSink: a binary frame reaches the engine as a ZMTP frame. A small one is rebuilt in `#in` (the
   * engine's decoder then cuts views out of one chunk); a large one goes as its header and the body's own
   * views, after what was rebuilt before it. A region once handed over is never written again.
   */
  messageStart(flags: number, size: number): void {
    if (size >= DIRECT_WRITE) {
      this.#flushIn();
      this.emit("data", zmtpHeader(flags, size));
      return;
    }
    const need = zmtpHeaderSize(size) + size;
    if (this.#in.length - this.#inPos < need) {
      this.#flushIn();
      this.#in = Buffer.allocUnsafe(SLAB_SIZE);
      this.#inStart = this.#inPos = 0;
    }
    writeZmtpHeader(this.#in, this.#inPos, flags, size);
    this.#inMsg = this.#inPos;
    this.#inPos += need - size;
    this.#inEnd = size > 0 ? this.#inPos + size : -1;
  }

  messageBody(bytes: Buffer): void {
    if (this.#inEnd < 0) {
      this.emit("data", bytes);
      return;
    }
    this.#in.set(bytes, this.#inPos);
    this.#inPos += bytes.length;
    if (this.#inPos === this.#inEnd) this.#inEnd = -1;
  }

  control(opcode: number, payload: Buffer): void {
    this.#flushIn();
    if (opcode === WS_OPCODE.PING) {
      this.#control(WS_OPCODE.PONG, payload);
      this.emit("data", EMPTY);
    } else if (opcode === WS_OPCODE.PONG) {
      this.emit("data", EMPTY);
    } else {
      // docs/ws-notes.md §13: echo the close, then end the connection.
      this.#control(WS_OPCODE.CLOSE, payload.length >= 2 ? payload.subarray(0, 2) : EMPTY);
      this.#closeSent = true;
      this.#decoder!.stop();
      this.#sock.end();
    }
  }

  /** The peer broke the framing: a close frame with the status, then this connection ends. */
  #fail(status: number, why: string): void {
    this.#decoder?.stop();
    this.#control(WS_OPCODE.CLOSE, closePayload(status));
    this.#closeSent = true;
    this.#state = CLOSED;
    this.#sock.end();
    this.#failSoon();
    this.emit("error", protocolError(`WebSocket protocol error: ${why}`));
  }

  #failSoon(): void {
    this.#failing = true;
    setTimeout(() => this.#sock.destroy(), FAIL_LINGER).unref();
  }

  // ---------------------------------------------------------------- output

  #control(opcode: number, payload: Uint8Array): void {
    if (this.#closeSent || this.#sock.destroyed || this.#state !== OPEN) return;
    this.#sock.write(encodeControl(opcode, payload, this.#client ? nextMask(Buffer.allocUnsafe(4)) : null));
  }

  write(chunk: Uint8Array, cb?: (err?: Error | null) => void): boolean {
    if (this.#state !== OPEN || this.#closeSent) {
      cb?.(null);
      return true;
    }
    this.#splitter!.push(chunk);
    this.#flushSlab();
    const out = this.#pending;
    const n = out.length;
    if (n === 0) {
      cb?.(null);
      return !this.#sock.writableNeedDrain;
    }
    this.#pending = [];
    const cork = n > 1;
    if (cork) this.#sock.cork();
    for (let i = 0; i < n - 1; i++) this.#sock.write(out[i]!);
    const ok = cb === undefined ? this.#sock.write(out[n - 1]!) : this.#sock.write(out[n - 1]!, cb);
    if (cork) this.#sock.uncork();
    return ok;
  }

  /** Hand the slab's complete frames to the output (a frame still being filled stays for the next write). */
  #flushSlab(): void {
    const end = this.#frame !== null ? this.#frameStart : this.#slabPos;
    if (end > this.#slabStart) {
      this.#pending.push(this.#slab.subarray(this.#slabStart, end));
      this.#slabStart = end;
    }
  }

  /** ZwsFrameSink: one frame of the engine's output starts. */
  frameStart(flags: number, size: number): void {
    const length = size + 1;
    const mask = this.#client ? nextMask(this.#maskKey) : null;
    const hs = wsHeaderSize(length, mask !== null);
    let buf: Buffer;
    let at = 0;
    if (size < DIRECT_WRITE) {
      const need = hs + length;
      if (this.#slab.length - this.#slabPos < need) {
        this.#flushSlab();
        this.#slab = Buffer.allocUnsafe(SLAB_SIZE);
        this.#slabStart = this.#slabPos = 0;
      }
      buf = this.#slab;
      at = this.#slabPos;
      this.#slabPos += need;
    } else {
      // A large frame: its header alone, its body as the engine's own buffers (below), in order.
      this.#flushSlab();
      buf = Buffer.allocUnsafe(hs + 1);
      this.#pending.push(buf);
    }
    const p = writeWsHeader(buf, at, WS_OPCODE.BINARY, length, mask);
    buf[p] = mask === null ? flags : flags ^ mask[0]!;
    this.#mask = mask;
    this.#maskPhase = 1;
    if (size > 0 && size < DIRECT_WRITE) {
      this.#frame = buf;
      this.#frameStart = at;
      this.#framePos = p + 1;
    }
  }

  /** ZwsFrameSink: body bytes of that frame. */
  frameBody(bytes: Uint8Array): void {
    const mask = this.#mask;
    const frame = this.#frame;
    if (frame !== null) {
      if (mask === null) frame.set(bytes, this.#framePos);
      else maskInto(frame, this.#framePos, bytes, mask, this.#maskPhase);
      this.#framePos += bytes.length;
      this.#maskPhase += bytes.length;
      if (this.#framePos === this.#slabPos) this.#frame = null;
      return;
    }
    if (mask === null) {
      // The engine keeps its buffers until the socket has written them (writableLength).
      this.#pending.push(bytes);
      return;
    }
    const masked = Buffer.allocUnsafe(bytes.length);
    maskInto(masked, 0, bytes, mask, this.#maskPhase);
    this.#maskPhase += bytes.length;
    this.#pending.push(masked);
  }

  // ---------------------------------------------------------------- stream

  cork(): void {
    this.#sock.cork();
  }

  uncork(): void {
    this.#sock.uncork();
  }

  pause(): this {
    this.#sock.pause();
    return this;
  }

  resume(): this {
    this.#sock.resume();
    return this;
  }

  /** Graceful: a close frame (1000), then FIN. */
  end(cb?: () => void): this {
    if (this.#state === OPEN && !this.#closeSent) {
      this.#control(WS_OPCODE.CLOSE, closePayload(WS_CLOSE.NORMAL));
      this.#closeSent = true;
    }
    this.#sock.end(cb);
    return this;
  }

  destroy(err?: Error): this {
    // A failed connection's close frame may still be on its way: its timer destroys the socket.
    if (!this.#failing) this.#sock.destroy(err);
    return this;
  }

  get writableNeedDrain(): boolean {
    return this.#sock.writableNeedDrain;
  }

  get writableLength(): number {
    return this.#sock.writableLength;
  }

  get destroyed(): boolean {
    return this.#sock.destroyed || this.#failing;
  }

  ref(): this {
    this.#sock.ref?.();
    return this;
  }

  unref(): this {
    this.#sock.unref?.();
    return this;
  }
}

/** A ZWS error as the engine reports it (its `code` becomes the close event's). */
function protocolError(message: string): Error {
  return Object.assign(new Error(message), { code: "EPROTO" });
}
