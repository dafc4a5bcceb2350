// Shared types and helpers of the benchmark suite: library loading, payloads
// with sequence numbers, correctness checkers, and the small control channel
// that the driver and its worker roles talk over (a child-process IPC channel
// for tcp/ipc, an in-memory pair for inproc).

import { Buffer } from "node:buffer";
import { existsSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * zocket, zeromq.js, native libzmq (a C program, bench/suite/native.ts) and the bare node:net ceiling; and
 * "zocket@base", a second zocket build (another checkout's dist/) measured beside this one (`--baseline`).
 */
export type LibName = "zocket" | "zocket@base" | "zeromq" | "libzmq" | "net";
export type Transport = "tcp" | "ipc" | "inproc" | "ws";
/** Benchmarks that run as a pair of roles (server binds, client connects). */
/** "curve": thr with the CURVE mechanism (PULL the CURVE server), tcp only, zocket and zeromq.js only. */
export type PairBench = "thr" | "lat" | "dr" | "multi" | "fanout" | "curve";
export type BenchKind = PairBench | "conns" | "burst" | "pubmem";

/** The libraries `--libs` names ("zocket@base" comes with `--baseline DIR` instead). */
export const ALL_LIBS: readonly LibName[] = ["zocket", "zeromq", "libzmq", "net"];
/** The baseline build's column: zocket loaded from `$BENCH_BASELINE/dist/index.js`. */
export const BASELINE_LIB = "zocket@base";
/** Every library a worker can be asked to load. */
export const KNOWN_LIBS: readonly LibName[] = [...ALL_LIBS, BASELINE_LIB];
/** The transports a run covers unless `--transports` names others. */
export const ALL_TRANSPORTS: readonly Transport[] = ["tcp", "ipc", "inproc"];
/** Every transport `--transports` accepts: ws (ZWS 2.0 over loopback) only when asked for. */
export const KNOWN_TRANSPORTS: readonly Transport[] = [...ALL_TRANSPORTS, "ws"];
export const ALL_BENCHES: readonly BenchKind[] = [
  "thr",
  "lat",
  "dr",
  "multi",
  "fanout",
  "curve",
  "conns",
  "burst",
  "pubmem",
];

// ---------------------------------------------------------------------------
// The socket API that zocket and zeromq.js share (the part the bench uses).

export interface ZSocket {
  readonly lastEndpoint: string | null;
  linger: number;
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  bind(address: string): Promise<void>;
  connect(address: string): void;
  send(message: Buffer | Buffer[]): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
}

export interface ZSubscriber extends ZSocket {
  subscribe(...prefixes: Array<Buffer | string>): void;
}

export interface ZRouter extends ZSocket {
  backlog: number;
}

export interface ZmqLib {
  readonly name: LibName;
  readonly Push: new () => ZSocket;
  readonly Pull: new () => ZSocket;
  readonly Request: new () => ZSocket;
  readonly Reply: new () => ZSocket;
  readonly Dealer: new () => ZSocket;
  readonly Router: new () => ZRouter;
  readonly Publisher: new () => ZSocket;
  readonly Subscriber: new () => ZSubscriber;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return (typeof v === "object" || typeof v === "function") && v !== null;
}

/**
 * zocket as users get it: the package's build (`dist/`, compiled by `tsc -p tsconfig.build.json`), not
 * `src/` through tsx. tsx compiles with esbuild's keepNames, which wraps every named closure in a
 * `__name()` call, i.e. an `Object.defineProperty` each time one is created: per pending receive, that
 * was ~1 µs of a ~85 µs REQ/REP round trip (perf), a cost that only exists under tsx.
 */
const ZOCKET_BUILD = new URL("../../dist/index.js", import.meta.url);
const ZOCKET_SRC = new URL("../../src/", import.meta.url);

/** Newest modification time (ms) of the files under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** Throws unless `build` exists and is newer than every file under `src` (when there is a `src`). */
function checkBuildOf(build: URL, src: URL, what: string, fix: string): void {
  const built = existsSync(build) ? statSync(build).mtimeMs : 0;
  if (built === 0) throw new Error(`${what}: ${fileURLToPath(build)} is missing: ${fix}`);
  if (existsSync(src) && newestMtime(fileURLToPath(src)) > built) {
    throw new Error(`${what}: dist/ is older than src/: ${fix}`);
  }
}

/** Throws unless dist/ exists and is newer than every file in src/ (`npm run bench` builds it first). */
export function checkBuild(): void {
  checkBuildOf(ZOCKET_BUILD, ZOCKET_SRC, "zocket", "run `npm run build` (npm run bench builds it first)");
}

/**
 * The baseline checkout (`--baseline DIR`): the driver puts its absolute path in `BENCH_BASELINE`, and the
 * workers, which inherit the environment, load "zocket@base" from there.
 */
export function baselineDir(): string {
  const dir = process.env["BENCH_BASELINE"] ?? "";
  if (dir === "") throw new Error(`"${BASELINE_LIB}" needs --baseline DIR (BENCH_BASELINE is not set)`);
  return resolve(dir);
}

function baselineBuild(): URL {
  return pathToFileURL(join(baselineDir(), "dist", "index.js"));
}

/** Throws unless the baseline checkout has a build at least as new as its src/. */
export function checkBaselineBuild(): void {
  const dir = baselineDir();
  const fix = `run \`npm run build\` in ${dir}`;
  checkBuildOf(baselineBuild(), pathToFileURL(join(dir, "src") + "/"), BASELINE_LIB, fix);
}

/** Where a library is imported from, by name. */
export function libSpecifier(name: LibName): string {
  if (name === "zeromq") return "zeromq";
  if (name === "zocket") return ZOCKET_BUILD.href;
  if (name === BASELINE_LIB) return baselineBuild().href;
  throw new Error(`"${name}" is not a ZeroMQ library`);
}

/**
 * A module of zocket's build by its path under dist/ (e.g. "routing/trie.js"), after {@link checkBuild}.
 * The caller types it as the matching source module.
 */
export async function loadBuilt(path: string): Promise<unknown> {
  checkBuild();
  return import(new URL(path, ZOCKET_BUILD).href);
}

/** zocket's build, typed as its source (for the scripts that use zocket only). */
export async function loadZocket(): Promise<typeof import("../../src/index.ts")> {
  return (await loadBuilt("index.js")) as typeof import("../../src/index.ts");
}

function ctor<T>(lib: LibName, mod: Record<string, unknown>, key: string): new () => T {
  const c = mod[key];
  if (typeof c === "function") return c as unknown as new () => T;
  // Fail when (and only when) a benchmark needs the missing class.
  return class {
    constructor() {
      throw new Error(`${lib} does not export ${key}`);
    }
  } as unknown as new () => T;
}

const libCache = new Map<LibName, Promise<ZmqLib>>();

/** Loads zocket (its build, `dist/index.js`), the baseline build or zeromq.js (`zeromq`) by name. */
export function loadLib(name: LibName): Promise<ZmqLib> {
  let p = libCache.get(name);
  if (p === undefined) {
    p = (async (): Promise<ZmqLib> => {
      if (name === "zocket") checkBuild();
      if (name === BASELINE_LIB) checkBaselineBuild();
      const mod: unknown = await import(libSpecifier(name));
      if (!isRecord(mod)) throw new Error(`${name}: module did not load`);
      return {
        name,
        Push: ctor<ZSocket>(name, mod, "Push"),
        Pull: ctor<ZSocket>(name, mod, "Pull"),
        Request: ctor<ZSocket>(name, mod, "Request"),
        Reply: ctor<ZSocket>(name, mod, "Reply"),
        Dealer: ctor<ZSocket>(name, mod, "Dealer"),
        Router: ctor<ZRouter>(name, mod, "Router"),
        Publisher: ctor<ZSocket>(name, mod, "Publisher"),
        Subscriber: ctor<ZSubscriber>(name, mod, "Subscriber"),
      };
    })();
    libCache.set(name, p);
  }
  return p;
}

/**
 * Sets the high-water marks the socket type has (zeromq.js only defines
 * sendHighWaterMark on writable sockets and receiveHighWaterMark on readable
 * ones, and its socket objects are not extensible) and linger 0.
 */
export function tune(sock: ZSocket, hwm: number): void {
  if ("sendHighWaterMark" in sock) sock.sendHighWaterMark = hwm;
  if ("receiveHighWaterMark" in sock) sock.receiveHighWaterMark = hwm;
  sock.linger = 0;
}

export function closeQuietly(sock: ZSocket): void {
  try {
    sock.linger = 0;
  } catch {
    // already closed
  }
  try {
    sock.close();
  } catch {
    // already closed
  }
}

// ---------------------------------------------------------------------------
// What one measurement is about.

export interface CaseSpec {
  bench: PairBench;
  lib: LibName;
  transport: Transport;
  /** Bytes per message part. */
  size: number;
  /** Parts per message (1 except for the multipart benchmark). */
  parts: number;
  /** How long the producer keeps producing after the warm-up. */
  durationMs: number;
  /**
   * Untimed warm-up at the start of every measurement (ms): the code of every library and of the ceiling
   * is optimised by V8 while it runs, and on a small machine whose cores the two ends keep busy the
   * optimising compiler's threads are starved, so the first few hundred ms are far from steady state.
   */
  warmupMs: number;
  /** Send and receive high-water mark applied to every socket. */
  hwm: number;
  /** Messages in flight (DEALER/ROUTER pipelining, PUB credit window). */
  window: number;
  /** Subscriber count for the fan-out benchmark. */
  subscribers: number;
  /** Unique token (ipc path, inproc name). */
  id: string;
}

export interface RoleSpec extends CaseSpec {
  /** For the binding role: the address to bind; for the connecting one: where to connect. */
  endpoint: string;
}

export interface ConnsSpec {
  lib: LibName;
  connections: number;
  /** How many idle connections are asked to do one round trip at the end. */
  sample: number;
  /** Round trips of the active DEALER, before and after the idle connections. */
  roundTrips: number;
  endpoint: string;
}

export function bindAddress(spec: CaseSpec): string {
  switch (spec.transport) {
    case "tcp":
      return "tcp://127.0.0.1:0";
    case "ipc":
      return `ipc://${ipcPath(spec.id)}`;
    case "inproc":
      return `inproc://zocket-bench-${spec.id}`;
    case "ws":
      return "ws://127.0.0.1:0";
  }
}

export function ipcPath(id: string): string {
  return join(tmpdir(), `zocket-bench-${id}.sock`);
}

/** Parses "tcp://host:port" or "ipc:///path" for node:net. */
export function netAddress(endpoint: string): { port: number; host: string } | { path: string } {
  if (endpoint.startsWith("ipc://")) return { path: endpoint.slice("ipc://".length) };
  const m = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint);
  if (m === null || m[1] === undefined || m[2] === undefined) throw new Error(`bad endpoint ${endpoint}`);
  return { host: m[1], port: Number(m[2]) };
}

// ---------------------------------------------------------------------------
// Payloads and checks. Every data part is exactly `size` bytes; the first part
// of each message carries its sequence number (u32 LE) when size >= 4. The
// producer ends with an END marker of parts+1 frames: [u32 count, ...empty,
// "ZOCKET-BENCH-END"], so the consumer knows how many messages were sent.

export const SEQ_BYTES = 4;
export const END_MAGIC = Buffer.from("ZOCKET-BENCH-END");

/** A fresh part of `size` bytes carrying `seq` in its first 4 bytes. */
export function makeFrame(size: number, seq: number): Buffer {
  const first = Buffer.allocUnsafe(size);
  if (size >= SEQ_BYTES) writeSeq(first, seq, 0);
  return first;
}

// The sequence number every message carries, little-endian, read and written a byte at a time. With
// Buffer's readUInt32LE/writeUInt32LE the harness itself cost ~10-20 ns a message (inproc 8 B): the
// optimised code of the checker and of the sender loop loaded the method through V8's generic LoadIC on
// every call (seen in perf and in --print-opt-code), then ran the method's own argument checks. Byte
// access has neither. The same for every library and for the net ceiling.

/** Writes `seq` (mod 2^32) as 4 little-endian bytes at `at`. */
export function writeSeq(b: Uint8Array, seq: number, at: number): void {
  b[at] = seq;
  b[at + 1] = seq >>> 8;
  b[at + 2] = seq >>> 16;
  b[at + 3] = seq >>> 24;
}

/** The 4 little-endian bytes at `at` as an unsigned 32-bit number. */
export function readSeq(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/**
 * The inproc thr cell's shape, for the scripts that measure it outside the suite (inproc-floor,
 * inproc-instructions): the sender awaits `send(makeFrame())` per message, the receiver checks each
 * `await receive()`; `n` messages numbered from `first`.
 */
export async function sendAndCheck(
  push: Pick<ZSocket, "send">,
  pull: Pick<ZSocket, "receive">,
  chk: Checker,
  size: number,
  first: number,
  n: number,
): Promise<void> {
  const sender = (async () => {
    for (let i = 0; i < n; i++) await push.send(makeFrame(size, first + i));
  })();
  for (let i = 0; i < n; i++) chk.check(await pull.receive());
  await sender;
}

const RESOLVED = Promise.resolve();

/**
 * The same shape with no socket, a plain array as the queue: what the harness costs by itself (the floor
 * of inproc-floor and inproc-first-compile). `n` messages of `size` bytes, checked by `chk`; with `copy`,
 * each frame is copied as it is queued, as a socket's send() must copy a small frame.
 */
export async function sendAndCheckPlainArray(chk: Checker, size: number, n: number, copy = false): Promise<void> {
  const q: Buffer[] = [];
  let head = 0;
  const sender = (async () => {
    for (let i = 0; i < n; i++) {
      q.push(copy ? copyFrame(makeFrame(size, i)) : makeFrame(size, i));
      await RESOLVED;
    }
  })();
  for (let i = 0; i < n; i++) {
    chk.check(await Promise.resolve([q[head++]!]));
    if (head > 4096) {
      q.splice(0, head);
      head = 0;
    }
  }
  await sender;
}

/** A copy of a frame as a send of at most 128 bytes makes one (issue 21's reuse contract; zocket's message.ts). */
function copyFrame(frame: Buffer): Buffer {
  const out = Buffer.allocUnsafe(frame.length);
  out.set(frame);
  return out;
}

export function makeMessage(size: number, parts: number, seq: number): Buffer[] {
  const first = makeFrame(size, seq);
  if (parts === 1) return [first];
  const msg = [first];
  for (let i = 1; i < parts; i++) msg.push(Buffer.allocUnsafe(size));
  return msg;
}

export function makeEnd(count: number, parts: number): Buffer[] {
  const c = Buffer.alloc(4);
  c.writeUInt32LE(count >>> 0, 0);
  const msg = [c];
  for (let i = 1; i < parts; i++) msg.push(Buffer.alloc(0));
  msg.push(END_MAGIC);
  return msg;
}

export class CheckError extends Error {}

/** Checks count, part count, sizes and order of a stream of messages. */
export class Checker {
  count = 0;
  bytes = 0;
  /** Set when the END marker arrived: the producer's count. */
  ended = false;

  constructor(
    readonly size: number,
    readonly parts: number,
    readonly label: string,
  ) {}

  /** Returns true for a data message, false for the END marker (after checking it). */
  check(msg: readonly Buffer[], offset = 0): boolean {
    const n = msg.length - offset;
    if (n !== this.parts) {
      const last = msg[msg.length - 1];
      const first = msg[offset];
      if (n === this.parts + 1 && last !== undefined && first !== undefined && last.equals(END_MAGIC)) {
        const sent = first.readUInt32LE(0);
        if (sent !== this.count >>> 0) {
          throw new CheckError(`${this.label}: producer sent ${sent} messages, received ${this.count}`);
        }
        this.ended = true;
        return false;
      }
      throw new CheckError(`${this.label}: message ${this.count} has ${n} parts, expected ${this.parts}`);
    }
    for (let i = offset; i < msg.length; i++) {
      const p = msg[i];
      if (p === undefined || p.length !== this.size) {
        throw new CheckError(
          `${this.label}: message ${this.count} part ${i - offset} is ${p?.length} B, expected ${this.size} B`,
        );
      }
    }
    if (this.size >= SEQ_BYTES) {
      const seq = readSeq(msg[offset] as Buffer, 0);
      if (seq !== this.count >>> 0) {
        throw new CheckError(`${this.label}: out of order: got seq ${seq}, expected ${this.count >>> 0}`);
      }
    }
    this.count++;
    this.bytes += this.size * this.parts;
    return true;
  }
}

// ---------------------------------------------------------------------------
// Control channel between the driver and the roles.

export interface RoleResult {
  /** Messages (or round trips) counted by this role. */
  count: number;
  /** Payload bytes counted by this role. */
  bytes: number;
  /** Measured time window in ms (0 when this role does not measure). */
  elapsedMs: number;
  /** Any additional figures (memory, latencies...). */
  extra: Record<string, number>;
}

export interface Measurement {
  /** msg/s (throughput), round trips/s (lat, dr), deliveries/s (fanout). */
  msgPerSec: number;
  /** Payload MB/s (10^6 bytes), null for latency. */
  mbPerSec: number | null;
  /** µs per round trip, only for latency. */
  usPerRt: number | null;
  count: number;
  elapsedMs: number;
}

export type CtlMsg =
  | { t: "ready"; endpoint: string }
  | { t: "start" }
  | { t: "credit"; n: number }
  | { t: "info"; data: Record<string, number> }
  | { t: "go" }
  | { t: "result"; result: RoleResult }
  | { t: "measurement"; m: Measurement }
  | { t: "error"; message: string }
  | { t: "exit" };

export type CtlType = CtlMsg["t"];
export type CtlOf<T extends CtlType> = Extract<CtlMsg, { t: T }>;

const CTL_TYPES: ReadonlySet<string> = new Set<CtlType>([
  "ready",
  "start",
  "credit",
  "info",
  "go",
  "result",
  "measurement",
  "error",
  "exit",
]);

/** Narrows a structured-clone message from the IPC channel. */
export function asCtl(v: unknown): CtlMsg {
  if (isRecord(v) && typeof v["t"] === "string" && CTL_TYPES.has(v["t"])) return v as unknown as CtlMsg;
  throw new Error(`unexpected control message ${JSON.stringify(v)}`);
}

interface Waiter {
  resolve: (m: CtlMsg) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** A typed message queue: recv(type) waits for the next message of that type. */
export class Channel {
  private readonly queues = new Map<CtlType, CtlMsg[]>();
  private readonly waiters = new Map<CtlType, Waiter>();
  private readonly handlers = new Map<CtlType, (m: CtlMsg) => void>();
  private failure: Error | null = null;

  constructor(private readonly out: (m: CtlMsg) => void) {}

  send(m: CtlMsg): void {
    this.out(m);
  }

  deliver(m: CtlMsg): void {
    if (m.t === "error") {
      this.fail(new Error(m.message));
      return;
    }
    const h = this.handlers.get(m.t);
    if (h !== undefined) {
      h(m);
      return;
    }
    const w = this.waiters.get(m.t);
    if (w !== undefined) {
      this.waiters.delete(m.t);
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.resolve(m);
      return;
    }
    let q = this.queues.get(m.t);
    if (q === undefined) {
      q = [];
      this.queues.set(m.t, q);
    }
    q.push(m);
  }

  /** Routes every message of a type to a handler instead of the queue. */
  on<T extends CtlType>(t: T, handler: (m: CtlOf<T>) => void): void {
    this.handlers.set(t, handler as (m: CtlMsg) => void);
    const q = this.queues.get(t);
    if (q !== undefined) {
      this.queues.delete(t);
      for (const m of q) handler(m as CtlOf<T>);
    }
  }

  tryRecv<T extends CtlType>(t: T): CtlOf<T> | undefined {
    const q = this.queues.get(t);
    const m = q?.shift();
    return m as CtlOf<T> | undefined;
  }

  recv<T extends CtlType>(t: T, timeoutMs: number): Promise<CtlOf<T>> {
    const queued = this.tryRecv(t);
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.waiters.has(t)) return Promise.reject(new Error(`already waiting for "${t}"`));
    return new Promise<CtlOf<T>>((resolve, reject) => {
      const timer =
        timeoutMs === Infinity
          ? undefined
          : setTimeout(() => {
              this.waiters.delete(t);
              reject(new Error(`timed out after ${Math.round(timeoutMs)} ms waiting for "${t}"`));
            }, timeoutMs);
      this.waiters.set(t, { resolve: resolve as (m: CtlMsg) => void, reject, timer });
    });
  }

  fail(e: Error): void {
    if (this.failure === null) this.failure = e;
    for (const [, w] of this.waiters) {
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.reject(e);
    }
    this.waiters.clear();
  }
}

/** Two channels wired to each other (for roles running in the same process). */
export function channelPair(): [Channel, Channel] {
  const a: Channel = new Channel((m) => queueMicrotask(() => b.deliver(m)));
  const b: Channel = new Channel((m) => queueMicrotask(() => a.deliver(m)));
  return [a, b];
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Timeout for waiting on a role's result: the production time plus generous drain time. */
export function resultTimeout(spec: { durationMs: number; warmupMs: number }): number {
  return (spec.warmupMs + spec.durationMs) * 2 + 20_000;
}

export const SETUP_TIMEOUT_MS = 30_000;

/** A message to the parent process (the driver), resolved once sent; a no-op without an IPC channel. */
export function sendToParent(m: CtlMsg): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) {
      resolve();
      return;
    }
    process.send(m, undefined, {}, () => resolve());
  });
}

/** `--pin` is on: the driver sets BENCH_PIN, which its workers inherit (bench/suite/run.ts). */
export function pinned(): boolean {
  return process.env["BENCH_PIN"] === "1";
}

/** The command line `argv` restricted to CPU `cpu` with taskset (its threads and children too), or as it is. */
export function onCpu(cpu: number | undefined, argv: readonly string[]): string[] {
  return cpu === undefined ? [...argv] : ["taskset", "-c", String(cpu), ...argv];
}

/** A worker's Channel to the driver that started it (child side of spawnWorker). */
export function parentChannel(): Channel {
  const ch = new Channel((m) => {
    void sendToParent(m);
  });
  process.on("message", (m: unknown) => {
    try {
      ch.deliver(asCtl(m));
    } catch (e) {
      ch.fail(new Error(errorMessage(e)));
    }
  });
  return ch;
}
