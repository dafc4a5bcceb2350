/**
 * Shared test helpers: timeouts and deadline loops (no fixed sleeps as synchronisation), unique ipc
 * paths, a runner for real-libzmq python peers, a raw ZMTP peer over node:net for byte-level tests,
 * and a guard that fails a test on any unhandledRejection/uncaughtException.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import type { SecurityOptions } from "../../src/mechanisms/mechanism.ts";

/** Debian's interpreter: the one that sees python3-zmq (libzmq 4.3.4). */
export const PYTHON = "/usr/bin/python3";

/** Folder of the python peers. */
export const PEERS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "interop", "peers");

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Reject with a clear message when `p` does not settle within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what = "operation"): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Poll `cond` until it holds, failing after `ms`. */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  ms = 3000,
  what = "condition",
  step = 10,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(step);
  }
}

let ipcCounter = 0;
const ipcFiles = new Set<string>();
// libzmq (zeromq.js, python peers that get killed) leaves socket files behind: remove ours at exit.
process.on("exit", () => {
  for (const f of ipcFiles) fs.rmSync(f, { force: true });
});

/** A fresh `ipc://` endpoint under os.tmpdir(); its file is removed when the process exits. */
export function uniqueIpc(tag = "t"): string {
  ipcCounter++;
  const file = path.join(
    os.tmpdir(),
    `zocket-${tag}-${process.pid}-${ipcCounter}-${Math.random().toString(36).slice(2, 8)}.sock`,
  );
  ipcFiles.add(file);
  return `ipc://${file}`;
}

let inprocCounter = 0;

/** A fresh `inproc://` endpoint. */
export function uniqueInproc(tag = "t"): string {
  inprocCounter++;
  return `inproc://${tag}-${process.pid}-${inprocCounter}`;
}

/** Endpoint to bind for a transport (tcp gets an ephemeral port: read `lastEndpoint` after bind). */
export function bindAddress(transport: "tcp" | "ipc" | "inproc", tag = "t"): string {
  if (transport === "tcp") return "tcp://127.0.0.1:*";
  if (transport === "ipc") return uniqueIpc(tag);
  return uniqueInproc(tag);
}

export const TRANSPORTS = ["tcp", "ipc", "inproc"] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Anything with close(): closed at test end even when the test failed half-way. */
export function closeAfter(t: TestContext, ...socks: Array<{ close(): void }>): void {
  t.after(() => {
    for (const s of socks) {
      try {
        s.close();
      } catch {
        /* already closed */
      }
    }
  });
}

/**
 * Fail the test if an unhandledRejection or uncaughtException happens while it runs. Listeners are
 * removed at test end; `check()` can be awaited earlier.
 */
export function guardProcess(t: TestContext): { errors: unknown[]; check(): void } {
  const errors: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    errors.push(reason);
  };
  const onException = (err: unknown): void => {
    errors.push(err);
  };
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  t.after(() => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  });
  return {
    errors,
    check(): void {
      if (errors.length > 0) throw new Error(`unhandled error(s) during the test: ${errors.map(String).join("; ")}`);
    },
  };
}

/** Short fingerprint of a frame: `len:sha1-prefix` (the python peers print the same). */
export function fingerprint(b: Uint8Array): string {
  return `${b.length}:${createHash("sha1").update(b).digest("hex").slice(0, 12)}`;
}

/**
 * The messages every interop test exchanges (python peers build the same list in core_common.py):
 * frames of 0, 255, 256 bytes and 4 MiB, and multipart messages.
 */
export function interopSuite(): Buffer[][] {
  const pattern = (n: number, seed: number): Buffer => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
    return b;
  };
  return [
    [Buffer.from("hello")],
    [Buffer.alloc(0)],
    [pattern(255, 1)],
    [pattern(256, 2)],
    [Buffer.from("multi"), Buffer.alloc(0), pattern(255, 3), pattern(256, 4), Buffer.from("end")],
    [pattern(4 * 1024 * 1024, 5)],
    [Buffer.from("last")],
  ];
}

// ------------------------------------------------------------------------------------ python peers

/** A running python peer: lines it printed, and kill on test end. */
export class PyPeer {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  /** Every line printed, for diagnostics (waitLine consumes `lines`). */
  readonly history: string[] = [];
  stderr = "";
  #waiters: Array<() => void> = [];
  #exited = false;
  readonly exited: Promise<number | null>;

  private constructor(proc: ChildProcessWithoutNullStreams) {
    this.proc = proc;
    let buf = "";
    proc.stdout.setEncoding("utf8");
    proc.stdout.on("data", (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf("\n")) !== -1) {
        const line = buf.slice(0, i).trimEnd();
        this.lines.push(line);
        this.history.push(line);
        buf = buf.slice(i + 1);
      }
      this.#wake();
    });
    proc.stderr.setEncoding("utf8");
    proc.stderr.on("data", (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) => {
      proc.on("exit", (code) => {
        this.#exited = true;
        this.#wake();
        resolve(code);
      });
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /**
   * Spawn `/usr/bin/python3 PEERS_DIR/script ...args` and wait for its `READY <endpoint>` line.
   * Killed when the test ends.
   */
  static async start(
    t: TestContext,
    script: string,
    args: readonly string[],
    readyTimeout = 8000,
  ): Promise<{ peer: PyPeer; endpoint: string }> {
    const proc = spawn(PYTHON, ["-u", path.join(PEERS_DIR, script), ...args], { stdio: ["pipe", "pipe", "pipe"] });
    const peer = new PyPeer(proc);
    t.after(() => peer.kill());
    const line = await peer.waitLine((l) => l.startsWith("READY"), readyTimeout);
    return { peer, endpoint: line.slice("READY".length).trim() };
  }

  /** Wait for a line matching `match` (searching from the first line not yet consumed by a wait). */
  async waitLine(match: (line: string) => boolean, ms = 8000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.lines.findIndex(match);
      if (i !== -1) return this.lines.splice(0, i + 1)[i]!;
      if (this.#exited)
        throw new Error(
          `python peer exited without the expected line; stdout: ${this.history.join(" | ")}; stderr: ${this.stderr}`,
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `python peer did not print the expected line within ${ms} ms; stdout: ${this.history.join(" | ")}; stderr: ${this.stderr}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Send one line to the peer's stdin. */
  say(line: string): void {
    this.proc.stdin.write(line + "\n");
  }

  kill(): void {
    if (!this.#exited) this.proc.kill("SIGKILL");
  }
}

// ------------------------------------------------------------------------------------ raw ZMTP

/** One ZMTP frame (RFC 23 §3.3): short form up to 255 bytes unless `long`. */
export function zframe(
  body: Uint8Array | string,
  opts: { more?: boolean; command?: boolean; long?: boolean } = {},
): Buffer {
  const b = typeof body === "string" ? Buffer.from(body, "latin1") : Buffer.from(body);
  const flags = (opts.more ? 1 : 0) | (opts.command ? 4 : 0);
  if (b.length > 255 || opts.long) {
    const h = Buffer.alloc(9);
    h[0] = flags | 2;
    h.writeBigUInt64BE(BigInt(b.length), 1);
    return Buffer.concat([h, b]);
  }
  return Buffer.concat([Buffer.from([flags, b.length]), b]);
}

/** A full 64-byte ZMTP 3.x greeting. */
export function zgreeting(opts: { minor?: number; mechanism?: string; asServer?: boolean } = {}): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[8] = 1;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = opts.minor ?? 1;
  g.write(opts.mechanism ?? "NULL", 12, "latin1");
  g[32] = opts.asServer ? 1 : 0;
  return g;
}

/** `[u8 len][name][u32be len][value]` */
export function zprop(name: string, value: Uint8Array | string): Buffer {
  const v = typeof value === "string" ? Buffer.from(value, "latin1") : Buffer.from(value);
  const h = Buffer.alloc(1 + name.length + 4);
  h[0] = name.length;
  h.write(name, 1, "latin1");
  h.writeUInt32BE(v.length, 1 + name.length);
  return Buffer.concat([h, v]);
}

/** READY command frame for a socket type (with Identity when given). */
export function zready(socketType: string, identity?: string): Buffer {
  const parts = [Buffer.from("\x05READY", "latin1"), zprop("Socket-Type", socketType)];
  if (identity !== undefined) parts.push(zprop("Identity", identity));
  return zframe(Buffer.concat(parts), { command: true });
}

/**
 * A raw TCP peer with buffered reads, to talk ZMTP byte by byte (or to misbehave).
 */
export class RawPeer {
  readonly sock: net.Socket;
  #buf: Buffer = Buffer.alloc(0);
  #ended = false;
  #waiters: Array<() => void> = [];

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on("data", (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#wake();
    });
    const end = (): void => {
      this.#ended = true;
      this.#wake();
    };
    sock.on("end", end);
    sock.on("close", end);
    sock.on("error", end);
  }

  static connect(t: TestContext | null, port: number, host = "127.0.0.1"): Promise<RawPeer> {
    return RawPeer.connectTo(t, { host, port });
  }

  static connectTo(t: TestContext | null, opts: net.NetConnectOpts): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect(opts);
      s.once("error", reject);
      s.once("connect", () => {
        s.off("error", reject);
        const p = new RawPeer(s);
        t?.after(() => p.destroy());
        resolve(p);
      });
    });
  }

  /** Wrap an accepted socket. */
  static wrap(t: TestContext | null, s: net.Socket): RawPeer {
    const p = new RawPeer(s);
    t?.after(() => p.destroy());
    return p;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Bytes received and not yet read. */
  get pending(): number {
    return this.#buf.length;
  }

  write(b: Uint8Array | string): void {
    if (!this.sock.destroyed) this.sock.write(b);
  }

  async #wait(cond: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (this.#ended) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async read(n: number, ms = 3000): Promise<Buffer> {
    await this.#wait(() => this.#buf.length >= n, ms, `${n} bytes`);
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return Buffer.from(out);
  }

  /** Read one frame: flags and body. */
  async readFrame(ms = 3000): Promise<{ flags: number; body: Buffer }> {
    const flags = (await this.read(1, ms))[0]!;
    const size = flags & 2 ? Number((await this.read(8, ms)).readBigUInt64BE(0)) : (await this.read(1, ms))[0]!;
    const body = size > 0 ? await this.read(size, ms) : Buffer.alloc(0);
    return { flags, body };
  }

  /** Read frames until one without MORE that is not a command; returns the message. */
  async readMessage(ms = 3000): Promise<Buffer[]> {
    const parts: Buffer[] = [];
    for (;;) {
      const f = await this.readFrame(ms);
      if (f.flags & 4) continue;
      parts.push(f.body);
      if ((f.flags & 1) === 0) return parts;
    }
  }

  /** Resolves once the other side closed the connection; rejects after `ms`. */
  async waitClosed(ms = 3000): Promise<void> {
    await this.#wait(() => this.#ended, ms, "the connection to close").catch((err: Error) => {
      if (!this.#ended) throw err;
    });
  }

  /** ZMTP 3.1 NULL handshake as a peer of type `socketType`: greeting, READY both ways. Returns the peer's READY body. */
  async handshake(socketType: string, identity?: string): Promise<Buffer> {
    this.write(zgreeting());
    const g = await this.read(64);
    if (g[0] !== 0xff || g[10] !== 3) throw new Error(`bad greeting ${g.toString("hex")}`);
    this.write(zready(socketType, identity));
    const r = await this.readFrame();
    if ((r.flags & 4) === 0) throw new Error("expected READY");
    return r.body;
  }

  destroy(): void {
    this.sock.destroy();
  }
}

/** A TCP port that nobody listens on right now (bound then released). */
export async function freePort(): Promise<number> {
  // The kernel may hand the same free port out again before the first caller has bound it (a case that asks
  // for several addresses, then binds them): a port is given out once per process.
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    if (!givenPorts.has(port)) {
      givenPorts.add(port);
      return port;
    }
  }
}
const givenPorts = new Set<number>();

/** Port of a `tcp://host:port` endpoint. */
export function portOf(endpoint: string): number {
  const m = /:(\d+)$/.exec(endpoint);
  if (!m) throw new Error(`no port in ${endpoint}`);
  return Number(m[1]);
}

/** The CURVE test key pairs of RFC 26 (Z85), the ones libzmq's own CURVE tests use. */
export const RFC26_KEYS = {
  serverPublic: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
  serverSecret: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
  clientPublic: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
  clientSecret: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
} as const;

/** A mechanism's SecurityOptions with everything off, then `overrides`. */
export function securityOptions(overrides: Partial<SecurityOptions>): SecurityOptions {
  return {
    plainServer: false,
    plainUsername: null,
    plainPassword: null,
    curveServer: false,
    curvePublicKey: null,
    curveSecretKey: null,
    curveServerKey: null,
    zapDomain: null,
    zapEnforceDomain: false,
    ...overrides,
  };
}
