/**
 * A hand-driven WebSocket peer for the ws tests: an independent frame encoder (RFC 6455 §5.2, written here
 * apart from src/protocol/ws-frame.ts on purpose), a frame parser, and a raw TCP client that sends
 * exactly the bytes a test gives it and records what comes back.
 */
import { createHash } from "node:crypto";
import * as net from "node:net";

export interface WsFrameSpec {
  opcode: number;
  payload: Uint8Array;
  fin?: boolean;
  /** Mask key (4 bytes) or none. */
  mask?: Uint8Array | null;
  rsv?: number;
  /** Force the 16- or 64-bit length form. */
  lengthForm?: 7 | 16 | 64;
}

/** Encode one frame, independently of the code under test. */
export function wsFrame(f: WsFrameSpec): Buffer {
  const len = f.payload.length;
  const form = f.lengthForm ?? (len < 126 ? 7 : len < 65536 ? 16 : 64);
  const head: number[] = [((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | f.opcode];
  const m = f.mask ? 0x80 : 0;
  if (form === 7) head.push(m | len);
  else if (form === 16) head.push(m | 126, len >> 8, len & 0xff);
  else {
    head.push(m | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(...b);
  }
  const payload = Buffer.from(f.payload);
  if (f.mask) {
    head.push(...f.mask);
    for (let i = 0; i < payload.length; i++) payload[i]! ^= f.mask[i % 4]!;
  }
  return Buffer.concat([Buffer.from(head), payload]);
}

/** A ZWS message frame: flags byte + body, masked as a client's. */
export function zwsFrame(flags: number, body: Uint8Array | string, mask: Uint8Array | null = MASK): Buffer {
  const b = typeof body === "string" ? Buffer.from(body) : body;
  return wsFrame({ opcode: 2, payload: Buffer.concat([Buffer.from([flags]), b]), mask });
}

export const MASK = Uint8Array.of(0x12, 0x34, 0x56, 0x78);

export interface ParsedFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Parse whole frames from `buf` (unmasking); returns the frames and the bytes left over. */
export function parseFrames(buf: Buffer): { frames: ParsedFrame[]; rest: Buffer } {
  const frames: ParsedFrame[] = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const b0 = buf[at]!;
    const b1 = buf[at + 1]!;
    let len = b1 & 0x7f;
    let p = at + 2;
    if (len === 126) {
      if (buf.length < p + 2) break;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (buf.length < p + 8) break;
      len = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const key = masked ? buf.subarray(p, p + 4) : null;
    if (masked) p += 4;
    if (buf.length < p + len) break;
    const payload = Buffer.from(buf.subarray(p, p + len));
    if (key) for (let i = 0; i < len; i++) payload[i]! ^= key[i % 4]!;
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload });
    at = p + len;
  }
  return { frames, rest: buf.subarray(at) };
}

export function acceptFor(key: string): string {
  return createHash("sha1")
    .update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
    .digest("base64");
}

export function upgradeRequest(protocols: string, extra = "", path = "/"): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: ${protocols}\r\n` +
    `Sec-WebSocket-Version: 13\r\n${extra}\r\n`
  );
}

/** A raw TCP client: what it received, whether the server closed. */
export class RawWsClient {
  readonly sock: net.Socket;
  received = Buffer.alloc(0);
  closed = false;
  readonly #waiters: Array<() => void> = [];

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on("data", (b) => {
      this.received = Buffer.concat([this.received, b]);
      this.#wake();
    });
    sock.on("error", () => {});
    sock.on("close", () => {
      this.closed = true;
      this.#wake();
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  static async connect(port: number): Promise<RawWsClient> {
    const sock = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      sock.once("connect", resolve);
      sock.once("error", reject);
    });
    return new RawWsClient(sock);
  }

  write(b: Buffer | string): void {
    this.sock.write(b);
  }

  /** Wait until `check()` holds (re-checked on every arrival and on close). */
  async until(check: () => boolean, ms = 5000, what = "condition"): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`raw ws client: ${what} not reached; got ${this.received.toString("latin1")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The response head, once complete. */
  async head(ms = 5000): Promise<string> {
    await this.until(() => this.received.includes("\r\n\r\n") || this.closed, ms, "response head");
    const i = this.received.indexOf("\r\n\r\n");
    return i === -1 ? "" : this.received.toString("latin1", 0, i);
  }

  /** Frames received after the head. */
  frames(): ParsedFrame[] {
    const i = this.received.indexOf("\r\n\r\n");
    return i === -1 ? [] : parseFrames(this.received.subarray(i + 4)).frames;
  }

  destroy(): void {
    this.sock.destroy();
  }
}
