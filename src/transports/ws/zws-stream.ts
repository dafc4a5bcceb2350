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
import { clientOffer, ZmtpSplitter, zmtpHeader, type ZwsFrameSink, type ZwsProtocol } from "../../protocol/zws.ts";
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

function nextMask(): Buffer {
  if (maskPoolAt === maskPool.length) {
    randomFillSync(maskPool);
    maskPoolAt = 0;
  }
  const m = maskPool.subarray(maskPoolAt, maskPoolAt + 4);
  maskPoolAt += 4;
  return m;
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
  /** A small frame being assembled whole, and where its next body bytes go. */
  #frame: Buffer | null = null;
  #framePos = 0;
  #mask: Buffer | null = null;
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
    }
  }

  /** WsFrameSink: a binary frame reaches the engine as a ZMTP header, then its body. */
  messageStart(flags: number, size: number): void {
    this.emit("data", zmtpHeader(flags, size));
  }

  messageBody(bytes: Buffer): void {
    this.emit("data", bytes);
  }

  control(opcode: number, payload: Buffer): void {
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
    this.#sock.write(encodeControl(opcode, payload, this.#client ? nextMask() : null));
  }

  write(chunk: Uint8Array, cb?: (err?: Error | null) => void): boolean {
    if (this.#state !== OPEN || this.#closeSent) {
      cb?.(null);
      return true;
    }
    this.#splitter!.push(chunk);
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

  /** ZwsFrameSink: one frame of the engine's output starts. */
  frameStart(flags: number, size: number): void {
    const length = size + 1;
    const mask = this.#client ? nextMask() : null;
    const hs = wsHeaderSize(length, mask !== null);
    const whole = size < DIRECT_WRITE;
    const buf = Buffer.allocUnsafe(whole ? hs + length : hs + 1);
    const p = writeWsHeader(buf, 0, WS_OPCODE.BINARY, length, mask);
    buf[p] = mask === null ? flags : flags ^ mask[0]!;
    this.#mask = mask;
    this.#maskPhase = 1;
    if (whole && size > 0) {
      this.#frame = buf;
      this.#framePos = p + 1;
    } else {
      this.#pending.push(buf);
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
      if (this.#framePos === frame.length) {
        this.#pending.push(frame);
        this.#frame = null;
      }
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
