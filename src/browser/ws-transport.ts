/**
 * ws:// and wss:// over the runtime's own `WebSocket` (browsers; Deno and Bun have one too): the transport
 * of the browser build, in place of transports/ws/ws.ts.
 *
 * - Connect only: a page cannot listen.
 * - The WebSocket is opened when the engine asks (`negotiate`), offering the token-safe subprotocols a
 *   browser may send (docs/ws-notes.md §4): NULL offers `ZWS2.0+NULL` then bare `ZWS2.0` (what a libzmq
 *   server takes); PLAIN and CURVE offer `ZWS2.0+PLAIN` / `ZWS2.0+CURVE`, which only a zocket server knows.
 * - Each ZMTP frame of the engine's output is one binary message (protocol/zws.ts); each message received
 *   reaches the engine as a ZMTP header and its body.
 * - The browser answers pings by itself and cannot send any: `probe` is null, so the engine sends no
 *   heartbeats (a server's pings keep the link alive).
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import type { MechanismName } from "../protocol/constants.ts";
import { acceptedProtocol, browserOffer, ZmtpSplitter, zmtpHeader, type ZwsFrameSink } from "../protocol/zws.ts";
import type { ByteStream } from "../transports/byte-stream.ts";
import type { Endpoint } from "../transports/endpoint.ts";
import type { StreamTransport } from "../transports/transport.ts";
import { Emitter } from "../util/emitter.ts";

/** What is used of the WHATWG WebSocket (no DOM types in this build). */
interface WebSocketLike {
  binaryType: string;
  readonly protocol: string;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number): void;
  onopen: (() => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: (() => void) | null;
}
type WebSocketCtor = new (url: string, protocols: string[]) => WebSocketLike;

/** Above this many bytes buffered by the WebSocket, writes report back-pressure; 'drain' is polled for. */
const HIGH_WATER = 1024 * 1024;
const DRAIN_POLL = 20;

type WsEndpoint = Extract<Endpoint, { transport: "ws" | "wss" }>;

function urlOf(ep: WsEndpoint): string {
  const host = ep.host.includes(":") ? `[${ep.host}]` : ep.host;
  return `${ep.transport}://${host}:${ep.port}${ep.path}`;
}

export class WebSocketStream extends Emitter implements ByteStream, ZwsFrameSink {
  readonly #url: string;
  #ws: WebSocketLike | null = null;
  #splitter: ZmtpSplitter | null = null;
  #frame: Uint8Array | null = null;
  #framePos = 0;
  #paused = false;
  #held: Buffer[] = [];
  #destroyed = false;
  #drainTimer: ReturnType<typeof setTimeout> | null = null;

  /** A page cannot send pings: no heartbeats from this side. */
  readonly probe = null;

  constructor(url: string) {
    super();
    this.#url = url;
  }

  negotiate(mechanism: MechanismName, ready: (bare: boolean) => void): void {
    const Ctor = (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
    if (Ctor === undefined) {
      this.#fail(new ZmqError("EPROTONOSUPPORT", "this runtime has no WebSocket"));
      return;
    }
    const offered = browserOffer(mechanism);
    let ws: WebSocketLike;
    try {
      ws = new Ctor(this.#url, offered);
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.#ws = ws;
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      const protocol = acceptedProtocol(ws.protocol, offered);
      if (protocol === null) {
        ws.close(1002);
        this.#fail(new ZmqError("EPROTO", `server chose subprotocol "${ws.protocol}", not one offered`));
        return;
      }
      this.#splitter = new ZmtpSplitter(this);
      ready(protocol.bare);
    };
    ws.onmessage = (ev) => this.#onMessage(ev.data);
    ws.onerror = () => this.emit("error", new ZmqError("ECONNRESET", `WebSocket error on ${this.#url}`));
    ws.onclose = () => this.#closed();
  }

  #fail(err: Error): void {
    queueMicrotask(() => {
      this.emit("error", err);
      this.#closed();
    });
  }

  #closed(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    if (this.#drainTimer !== null) clearTimeout(this.#drainTimer);
    this.emit("end");
    this.emit("close", false);
  }

  #onMessage(data: unknown): void {
    if (!(data instanceof ArrayBuffer) || data.byteLength === 0) {
      // docs/ws-notes.md §14: text, or a binary message without its flags byte.
      this.#ws?.close(1003);
      this.emit("error", new ZmqError("EPROTO", "WebSocket message that is not a ZWS frame"));
      this.#closed();
      return;
    }
    const b = Buffer.from(data);
    const body = b.subarray(1);
    this.#deliver(zmtpHeader(b[0]!, body.length));
    if (body.length > 0) this.#deliver(body);
  }

  #deliver(chunk: Buffer): void {
    if (this.#paused) this.#held.push(chunk);
    else this.emit("data", chunk);
  }

  // ---------------------------------------------------------------- output

  write(chunk: Uint8Array, cb?: (err?: Error | null) => void): boolean {
    if (this.#splitter !== null && !this.#destroyed) this.#splitter.push(chunk);
    cb?.(null);
    return !this.writableNeedDrain;
  }

  frameStart(flags: number, size: number): void {
    const frame = new Uint8Array(size + 1);
    frame[0] = flags;
    if (size === 0) {
      this.#send(frame);
      return;
    }
    this.#frame = frame;
    this.#framePos = 1;
  }

  frameBody(bytes: Uint8Array): void {
    const frame = this.#frame!;
    frame.set(bytes, this.#framePos);
    this.#framePos += bytes.length;
    if (this.#framePos === frame.length) {
      this.#frame = null;
      this.#send(frame);
    }
  }

  #send(frame: Uint8Array): void {
    this.#ws!.send(frame);
    if (this.#ws!.bufferedAmount >= HIGH_WATER && this.#drainTimer === null) this.#pollDrain();
  }

  #pollDrain(): void {
    this.#drainTimer = setTimeout(() => {
      this.#drainTimer = null;
      if (this.#destroyed) return;
      if (this.writableNeedDrain) this.#pollDrain();
      else this.emit("drain");
    }, DRAIN_POLL);
  }

  // ---------------------------------------------------------------- stream

  cork(): void {}
  uncork(): void {}

  pause(): this {
    this.#paused = true;
    return this;
  }

  resume(): this {
    this.#paused = false;
    const held = this.#held;
    this.#held = [];
    for (let i = 0; i < held.length; i++) {
      if (this.#paused) {
        this.#held = held.slice(i).concat(this.#held);
        break;
      }
      this.emit("data", held[i]);
    }
    return this;
  }

  end(cb?: () => void): this {
    this.#ws?.close(1000);
    cb?.();
    return this;
  }

  destroy(): this {
    if (this.#ws !== null) this.#ws.close(1000);
    else this.#closed();
    this.#destroyed = true;
    return this;
  }

  get writableNeedDrain(): boolean {
    return this.#ws !== null && this.#ws.bufferedAmount >= HIGH_WATER;
  }

  /** Frames are copied on the way out: nothing the engine wrote is referenced after write(). */
  get writableLength(): number {
    return this.writableNeedDrain ? this.#ws!.bufferedAmount : 0;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }
}

/** ws:// and wss:// through the WebSocket global: connect only. */
export const wsTransport: StreamTransport = {
  carriesMessages: true,
  listen: (ep) =>
    Promise.reject(
      new ZmqError("EPROTONOSUPPORT", `cannot bind ${ep.address}: a browser cannot listen; connect to a server`, {
        address: ep.address,
      }),
    ),
  connect: (ep, _opts, done) => {
    let cancelled = false;
    // The WebSocket opens with the upgrade, which waits for the engine's mechanism: hand the stream over now.
    queueMicrotask(() => {
      if (cancelled) return;
      const url = urlOf(ep as WsEndpoint);
      done(null, new WebSocketStream(url), { remote: url, peerAddress: "" });
    });
    return () => {
      cancelled = true;
    };
  },
};
