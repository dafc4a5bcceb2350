/**
 * Helpers for the security tests (test/sockets/security.test.ts, test/interop/security-interop.test.ts):
 * a monitor-event log that works for zocket and zeromq.js sockets alike, and a tiny TCP
 * man-in-the-middle relay that can flip, replay or reorder ZMTP frames of one connection.
 */
import * as net from "node:net";
import type { TestContext } from "node:test";

/** The fields of a monitor event both zocket and zeromq.js give. */
export interface AnyEvent {
  type: string;
  address?: string;
  error?: { code?: string; status?: number; message?: string; errno?: number };
}

/** Collects a socket's monitor events (`for await (const e of socket.events)`) and waits for them. */
export class EventLog {
  readonly events: AnyEvent[] = [];
  #waiters: Array<() => void> = [];

  constructor(socket: { events: AsyncIterable<unknown> }) {
    void (async () => {
      try {
        for await (const e of socket.events) {
          this.events.push(e as AnyEvent);
          const w = this.#waiters;
          this.#waiters = [];
          for (const f of w) f();
        }
      } catch {
        // observer closed
      }
    })();
  }

  /** Event types in order, for messages. */
  get types(): string[] {
    return this.events.map((e) => e.type);
  }

  count(type: string): number {
    return this.events.filter((e) => e.type === type).length;
  }

  /** The first event of `type` (matching `pred`), waiting up to `ms`. */
  async waitFor(type: string, ms = 3000, pred: (e: AnyEvent) => boolean = () => true): Promise<AnyEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      const e = this.events.find((x) => x.type === type && pred(x));
      if (e) return e;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${type}" event within ${ms} ms; saw: ${this.types.join(", ")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Direction of a relayed byte stream. */
export type Direction = "c2s" | "s2c";

/** One parsed ZMTP frame as it crossed the relay: the raw bytes (header + body) and its parts. */
export interface RelayFrame {
  raw: Buffer;
  flags: number;
  /** Offset of the body in `raw`. */
  headerLength: number;
  /** 1-based count of data (non-command) frames in this direction so far, 0 for commands. */
  dataIndex: number;
}

/**
 * Decides what to forward for one frame of the tampered connection: return the buffers to write
 * (the frame itself, a modified copy, nothing, or several frames).
 */
export type Tamper = (dir: Direction, frame: RelayFrame, history: readonly RelayFrame[]) => Buffer[];

/**
 * A TCP relay between a ZMTP client and server. The first connection through it goes through
 * `tamper` (after the 64-byte greetings, frame by frame, both directions); later connections are
 * relayed untouched. Greeting bytes are forwarded as they arrive (libzmq and zocket stage their
 * greetings and wait for the peer's bytes, G3).
 */
export class MitmRelay {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #tamper: Tamper;
  #count = 0;
  #firstClosed!: () => void;
  /** Resolves when the tampered (first) connection has been closed by either end. */
  readonly firstClosed: Promise<void> = new Promise((resolve) => (this.#firstClosed = resolve));
  /** Connections accepted so far. */
  get connections(): number {
    return this.#count;
  }

  private constructor(target: number, tamper: Tamper) {
    this.#tamper = tamper;
    this.#server = net.createServer((client) => this.#relay(client, target));
  }

  static start(t: TestContext, target: number, tamper: Tamper): Promise<MitmRelay> {
    const r = new MitmRelay(target, tamper);
    t.after(() => r.close());
    return new Promise((resolve, reject) => {
      r.#server.once("error", reject);
      r.#server.listen(0, "127.0.0.1", () => resolve(r));
    });
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  get endpoint(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  #relay(client: net.Socket, target: number): void {
    const index = this.#count++;
    const upstream = net.connect(target, "127.0.0.1");
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        this.#sockets.delete(s);
        client.destroy();
        upstream.destroy();
        if (index === 0) this.#firstClosed();
      });
    }
    if (index > 0) {
      client.pipe(upstream);
      upstream.pipe(client);
      return;
    }
    const history: RelayFrame[] = [];
    this.#pump(client, upstream, "c2s", history);
    this.#pump(upstream, client, "s2c", history);
  }

  #pump(from: net.Socket, to: net.Socket, dir: Direction, history: RelayFrame[]): void {
    let buf: Buffer = Buffer.alloc(0);
    let greeting = 64;
    let dataFrames = 0;
    from.on("data", (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (greeting > 0) {
        const n = Math.min(greeting, buf.length);
        to.write(buf.subarray(0, n));
        buf = buf.subarray(n);
        greeting -= n;
        if (greeting > 0) return;
      }
      for (;;) {
        if (buf.length < 2) return;
        const flags = buf[0]!;
        const headerLength = flags & 0x02 ? 9 : 2;
        if (buf.length < headerLength) return;
        const size = headerLength === 9 ? Number(buf.readBigUInt64BE(1)) : buf[1]!;
        if (buf.length < headerLength + size) return;
        const raw = Buffer.from(buf.subarray(0, headerLength + size));
        buf = buf.subarray(headerLength + size);
        const isCommand = (flags & 0x04) !== 0;
        const frame: RelayFrame = { raw, flags, headerLength, dataIndex: isCommand ? 0 : ++dataFrames };
        const out = this.#tamper(dir, frame, history);
        history.push({ ...frame, raw: Buffer.from(raw) });
        for (const b of out) if (!to.destroyed) to.write(b);
      }
    });
  }

  close(): void {
    for (const s of this.#sockets) s.destroy();
    this.#server.close();
  }
}

/** A copy of `raw` with the byte at `offset` XOR 0x01. */
export function flipByte(raw: Buffer, offset: number): Buffer {
  const b = Buffer.from(raw);
  b[offset] = b[offset]! ^ 0x01;
  return b;
}
