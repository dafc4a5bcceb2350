// Shared types and helpers of the benchmark suite: the libraries, transports and benchmarks it knows,
// loading a library, what one measurement is about, and small helpers. Payloads and their checks are in
// payload.ts, the control channel between the driver and its roles in channel.ts.

import type { Buffer } from "node:buffer";
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

export function isRecord(v: unknown): v is Record<string, unknown> {
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
/** `--pin` is on: the driver sets BENCH_PIN, which its workers inherit (bench/suite/run.ts). */
export function pinned(): boolean {
  return process.env["BENCH_PIN"] === "1";
}

/** The command line `argv` restricted to CPU `cpu` with taskset (its threads and children too), or as it is. */
export function onCpu(cpu: number | undefined, argv: readonly string[]): string[] {
  return cpu === undefined ? [...argv] : ["taskset", "-c", String(cpu), ...argv];
}
