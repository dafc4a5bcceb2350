// zocket benchmark driver: `npm run bench [-- options]` (see --help).
//
// Every figure is measured in the same run for zocket, zeromq.js (a native
// binding of libzmq), libzmq itself (a C program, bench/suite/native.ts) and a bare
// node:net ceiling, so ratios compare like with like on the same machine.
// tcp/ipc measurements run the two ends in two child processes (like libzmq's
// local_thr/remote_thr, local_lat/remote_lat); inproc runs both ends in one
// child process. Each measurement checks message count, sizes and
// order. Progress goes to stderr, the table to stdout, everything to JSON.
//
// `--baseline DIR` adds a second zocket build, DIR/dist/index.js, as the column "zocket@base", measured
// alternately with this checkout's build, for before/after tables (bench/README.md).

import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem, platform, release, arch } from "node:os";
import { dirname, resolve } from "node:path";
import {
  ALL_BENCHES,
  ALL_LIBS,
  ALL_TRANSPORTS,
  BASELINE_LIB,
  checkBaselineBuild,
  checkBuild,
  KNOWN_TRANSPORTS,
} from "./common.ts";
import { errorMessage, median } from "./common.ts";
import type { BenchKind, CaseSpec, LibName, Measurement, PairBench, Transport } from "./common.ts";
import { buildNative, nativeChildren } from "./native.ts";
import { liveChildren, probeLib, runConns, runMeasurement } from "./orchestrate.ts";
import type { ConnsResult } from "./orchestrate.ts";
import { runBurst, stormMedian } from "./burst.ts";
import type { BurstResult } from "./burst.ts";
import { runPubMem } from "./pubmem.ts";
import type { MemFigures, PubMemResult } from "./pubmem.ts";

const DEFAULT_SIZES = [8, 100, 1024, 65536, 1048576];
const QUICK_SIZES = [8, 65536];
const FANOUT_MAX_SIZE = 65536;

interface Options {
  quick: boolean;
  libs: LibName[];
  only: BenchKind[];
  transports: Transport[];
  sizes: number[];
  runs: number;
  json: string;
  durationMs: number;
  warmupMs: number;
  parts: number;
  subscribers: number;
  connections: number;
  /** burst: DEALERs of the one-shot burst; pubmem: the publish rate (msg/s) and its duration (ms). */
  burstConnections: number;
  pubRate: number;
  pubMs: number;
  /** Extra live heap (MB) every worker holds, as an application would (0: none). */
  heapMb: number;
  /** `--baseline DIR`: another checkout whose build is measured beside this one as "zocket@base". */
  baseline: string | null;
  /** --sizes / --transports given: apply them to every benchmark. */
  explicitSizes: boolean;
  explicitTransports: boolean;
}

const HELP = `usage: npm run bench -- [options]

  --quick                few sizes, short runs, 1 run (under ~2 minutes)
  --libs LIST            zocket,zeromq,libzmq,net (default: all four)
                           libzmq: native libzmq through a C program, bench/suite/native/zmqperf.c,
                           built on first use (needs cc and libzmq3-dev; skipped without)
  --only LIST            ${ALL_BENCHES.join(",")} (default: all)
                           thr    PUSH->PULL throughput
                           lat    REQ<->REP round-trip latency
                           dr     DEALER<->ROUTER pipelined echo
                           multi  PUSH->PULL multipart throughput (--parts parts)
                           fanout PUB -> N SUB fan-out (--subscribers N)
                           curve  PUSH->PULL throughput with CURVE (tcp; zocket and zeromq.js)
                           conns  idle tcp connections to one ROUTER (zocket only;
                                  zeromq only when zocket is not in --libs;
                                  never libzmq)
                           burst  --burst-connections DEALERs connect at once, one round trip each;
                                  the first such burst (cold), one more, then the measured one;
                                  then 10 storm rounds of 200 (connect, round trip, close);
                                  each JavaScript library against itself, default backlog
                           pubmem PUB -> 9 fast SUBs + 1 slow SUB at one publish rate for every
                                  library (--pub-rate); RSS, heap, external of each process
  --transports LIST      tcp,ipc,inproc,ws (default: tcp,ipc,inproc; ws only when named)
  --sizes LIST           bytes per part (default: ${DEFAULT_SIZES.join(",")}; quick: ${QUICK_SIZES.join(",")})
  --runs N               repeat each measurement N times, report the median (default 3; quick 1)
  --duration MS          timed production per measurement (default 1500; quick 300)
  --warmup MS            untimed warm-up before it, every library alike (default 500;
                           quick 100; 0: time from the first message)
  --parts N              parts per message for multi (default 4)
  --subscribers N        subscribers for fanout (default 100)
  --connections N        idle connections for conns (default 10000)
  --burst-connections N  DEALERs of the burst (default 1000)
  --pub-rate N           pubmem: messages a second, 1 KiB each (default 5000)
  --pub-ms MS            pubmem: how long it publishes (default 20000; quick 5000)
  --heap MB              every worker process (all libraries) first fills this much
                         heap with live objects, as an application would (default 0);
                         see docs/performance.md, design decision 15
  --baseline DIR         A/B: also measure the zocket build of another checkout, DIR/dist/index.js
                         (build it there first), as the column "zocket@base", alternating with
                         this checkout's zocket run by run, and print zocket/zocket@base per cell
                         and an A/B table (needs zocket in --libs)
  --json FILE            results file (default bench/results/latest.json)

In --quick mode dr, multi and fanout run on tcp at the smallest size only,
unless --sizes/--transports are given. fanout skips sizes above 64 KiB.`;

function fail(msg: string): never {
  process.stderr.write(`bench: ${msg}\n\n${HELP}\n`);
  process.exit(2);
}

function list<T extends string>(v: string, allowed: readonly T[], what: string): T[] {
  const out: T[] = [];
  for (const x of v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")) {
    const found = allowed.find((a) => a === x);
    if (found === undefined) fail(`unknown ${what} "${x}" (expected ${allowed.join(", ")})`);
    if (!out.includes(found)) out.push(found);
  }
  if (out.length === 0) fail(`empty ${what} list`);
  return out;
}

/** A whole number of `unit` (0 or more), for --heap and --warmup. */
function nonNegativeInt(v: string, what: string, unit: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) fail(`${what} must be a whole number of ${unit} (0 or more), got "${v}"`);
  return n;
}

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`${what} must be a positive integer, got "${v}"`);
  return n;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    quick: false,
    libs: [...ALL_LIBS],
    only: [...ALL_BENCHES],
    transports: [...ALL_TRANSPORTS],
    sizes: DEFAULT_SIZES,
    runs: 3,
    json: resolve(import.meta.dirname, "..", "results", "latest.json"),
    durationMs: 1500,
    warmupMs: 500,
    parts: 4,
    subscribers: 100,
    connections: 10_000,
    burstConnections: 1000,
    pubRate: 5000,
    pubMs: 0,
    heapMb: 0,
    baseline: null,
    explicitSizes: false,
    explicitTransports: false,
  };
  let runs: number | null = null;
  let duration: number | null = null;
  let warmup: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf("=");
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq >= 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) fail(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--help":
      case "-h":
        process.stdout.write(`${HELP}\n`);
        process.exit(0);
      // falls through (exit)
      case "--quick":
        o.quick = true;
        break;
      case "--libs":
        o.libs = list(value(), ALL_LIBS, "lib");
        break;
      case "--only":
        o.only = list(value(), ALL_BENCHES, "benchmark");
        break;
      case "--transports":
        o.transports = list(value(), KNOWN_TRANSPORTS, "transport");
        o.explicitTransports = true;
        break;
      case "--sizes":
        o.sizes = value()
          .split(",")
          .filter((s) => s.trim() !== "")
          .map((s) => positiveInt(s.trim(), "size"));
        o.explicitSizes = true;
        break;
      case "--runs":
        runs = positiveInt(value(), "--runs");
        break;
      case "--duration":
        duration = positiveInt(value(), "--duration");
        break;
      case "--warmup":
        warmup = nonNegativeInt(value(), "--warmup", "ms");
        break;
      case "--parts":
        o.parts = positiveInt(value(), "--parts");
        break;
      case "--subscribers":
        o.subscribers = positiveInt(value(), "--subscribers");
        break;
      case "--connections":
        o.connections = positiveInt(value(), "--connections");
        break;
      case "--burst-connections":
        o.burstConnections = positiveInt(value(), "--burst-connections");
        break;
      case "--pub-rate":
        o.pubRate = positiveInt(value(), "--pub-rate");
        break;
      case "--pub-ms":
        o.pubMs = positiveInt(value(), "--pub-ms");
        break;
      case "--heap":
        o.heapMb = nonNegativeInt(value(), "--heap", "MB");
        break;
      case "--baseline":
        o.baseline = resolve(value());
        break;
      case "--json":
        o.json = resolve(value());
        break;
      default:
        fail(`unknown option ${arg}`);
    }
  }
  if (o.baseline !== null) {
    if (!o.libs.includes("zocket")) fail("--baseline compares two zocket builds: keep zocket in --libs");
    // The baseline's column comes right after zocket's, so the two are measured back to back.
    o.libs.splice(o.libs.indexOf("zocket") + 1, 0, BASELINE_LIB);
  }
  if (o.quick && !o.explicitSizes) o.sizes = QUICK_SIZES;
  o.runs = runs ?? (o.quick ? 1 : 3);
  o.durationMs = duration ?? (o.quick ? 300 : 1500);
  o.warmupMs = warmup ?? (o.quick ? 100 : 500);
  if (o.pubMs === 0) o.pubMs = o.quick ? 5000 : 20_000;
  return o;
}

// --- what to measure ------------------------------------------------------------

interface Case {
  bench: PairBench;
  transport: Transport;
  size: number;
  parts: number;
  hwm: number;
  window: number;
  subscribers: number;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}

/** HWM (messages) bounded so that one queue holds at most ~64 MiB. */
function hwmFor(size: number, parts: number): number {
  return clamp(Math.floor((64 * 1024 * 1024) / (size * parts)), 16, 1000);
}

function casesOf(o: Options): Case[] {
  const out: Case[] = [];
  const pairBenches = o.only.filter((b): b is PairBench => b !== "conns" && b !== "burst" && b !== "pubmem");
  for (const bench of pairBenches) {
    const extra = bench === "dr" || bench === "multi" || bench === "fanout";
    let transports = o.transports;
    // CURVE runs over tcp (the cell zeromq.js is compared on; ipc would measure the same box).
    if (bench === "curve") transports = transports.filter((t) => t === "tcp");
    let sizes = o.sizes;
    if (o.quick && extra) {
      if (!o.explicitTransports) transports = transports.includes("tcp") ? ["tcp"] : transports.slice(0, 1);
      if (!o.explicitSizes) sizes = [Math.min(...sizes)];
    }
    if (bench === "fanout") sizes = sizes.filter((s) => s <= FANOUT_MAX_SIZE);
    const parts = bench === "multi" ? o.parts : 1;
    for (const transport of transports) {
      for (const size of sizes) {
        const hwm = hwmFor(size, parts);
        let window = 1;
        if (bench === "dr") window = Math.min(256, Math.floor(hwm / 2));
        if (bench === "fanout") {
          // Credit window: at most ~256 MiB in flight over all subscribers, never above HWM/2.
          window = clamp(
            Math.floor((256 * 1024 * 1024) / (size * parts * o.subscribers)),
            4,
            Math.min(500, Math.floor(hwm / 2)),
          );
        }
        out.push({ bench, transport, size, parts, hwm, window, subscribers: bench === "fanout" ? o.subscribers : 1 });
      }
    }
  }
  return out;
}

function libsFor(c: Case, libs: readonly LibName[]): LibName[] {
  // There is no inproc for a bare socket, and no bare WebSocket ceiling; CURVE is measured for the JavaScript
  // libraries (the C program and the bare socket have no CURVE).
  if (c.bench === "curve") return libs.filter((l) => l !== "net" && l !== "libzmq");
  return c.transport === "inproc" || c.transport === "ws" ? libs.filter((l) => l !== "net") : [...libs];
}

// --- results ------------------------------------------------------------------

interface Figures {
  msgPerSec: number;
  mbPerSec: number | null;
  usPerRt: number | null;
}

interface LibRuns {
  runs: Array<Measurement | null>;
  errors: string[];
  median: Figures | null;
}

interface CaseResult extends Case {
  results: Partial<Record<LibName, LibRuns>>;
}

function medianOf(runs: ReadonlyArray<Measurement | null>): Figures | null {
  const ok = runs.filter((r): r is Measurement => r !== null);
  if (ok.length === 0) return null;
  const mb = ok.map((r) => r.mbPerSec).filter((x): x is number => x !== null);
  const us = ok.map((r) => r.usPerRt).filter((x): x is number => x !== null);
  return {
    msgPerSec: median(ok.map((r) => r.msgPerSec)),
    mbPerSec: mb.length > 0 ? median(mb) : null,
    usPerRt: us.length > 0 ? median(us) : null,
  };
}

// --- formatting -----------------------------------------------------------------

const BENCH_LABEL: Readonly<Record<PairBench, string>> = {
  thr: "thr PUSH→PULL",
  lat: "lat REQ↔REP",
  dr: "DEALER↔ROUTER",
  multi: "multipart PUSH→PULL",
  fanout: "fan-out PUB→SUB",
  curve: "CURVE PUSH→PULL",
};

function benchLabel(c: Case): string {
  if (c.bench === "multi") return `${BENCH_LABEL.multi} ×${c.parts}`;
  if (c.bench === "fanout") return `fan-out PUB→${c.subscribers} SUB`;
  if (c.bench === "dr") return `${BENCH_LABEL.dr} w${c.window}`;
  return BENCH_LABEL[c.bench];
}

export function sizeLabel(n: number): string {
  if (n >= 1048576 && n % 1048576 === 0) return `${n / 1048576} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

function fmtRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

function fmtMB(n: number | null): string {
  if (n === null) return "–";
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function fmtUs(n: number): string {
  return n >= 100 ? `${n.toFixed(0)} µs` : `${n.toFixed(1)} µs`;
}

function fmtMain(c: Case, f: Figures): string {
  return c.bench === "lat" && f.usPerRt !== null ? fmtUs(f.usPerRt) : fmtRate(f.msgPerSec);
}

/** Speed ratio a/b (>1: a is faster): throughput a/b, latency b/a. */
function speedRatio(c: Case, a: Figures, b: Figures): number {
  if (c.bench === "lat" && a.usPerRt !== null && b.usPerRt !== null) return b.usPerRt / a.usPerRt;
  return a.msgPerSec / b.msgPerSec;
}

function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, rightFrom: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const cell = (s: string, i: number): string =>
    i >= rightFrom ? s.padStart(widths[i] ?? 0) : s.padEnd(widths[i] ?? 0);
  const line = (r: readonly string[]): string => `| ${r.map((s, i) => cell(s, i)).join(" | ")} |`;
  const sep = `|${widths.map((w, i) => (i >= rightFrom ? `${"-".repeat(w + 1)}:` : `${"-".repeat(w + 2)}`)).join("|")}|`;
  return [line(header), sep, ...rows.map(line)].join("\n");
}

function resultsTable(results: readonly CaseResult[], libs: readonly LibName[]): string {
  const subject: LibName | undefined = libs.includes("zocket") ? "zocket" : libs[0];
  const others = libs.filter((l) => l !== subject);
  const header = ["benchmark", "transport", "size"];
  for (const l of libs) header.push(`${l} msg/s`, `${l} MB/s`);
  for (const o of others) header.push(`${subject}/${o}`);
  const rows: string[][] = [];
  for (const r of results) {
    const row = [benchLabel(r), r.transport, sizeLabel(r.size)];
    for (const l of libs) {
      const lr = r.results[l];
      if (lr === undefined) row.push("n/a", "");
      else if (lr.median === null) row.push("ERR", "");
      else {
        // "*": some runs of this cell failed (see Failures); the median is of the others.
        const mark = lr.errors.length > 0 ? "*" : "";
        row.push(fmtMain(r, lr.median) + mark, r.bench === "lat" ? "–" : fmtMB(lr.median.mbPerSec));
      }
    }
    for (const o of others) {
      const a = subject === undefined ? undefined : r.results[subject]?.median;
      const b = r.results[o]?.median;
      row.push(
        a === undefined || a === null || b === undefined || b === null ? "" : `${speedRatio(r, a, b).toFixed(2)}×`,
      );
    }
    rows.push(row);
  }
  return markdownTable(header, rows, 3);
}

function connsTable(rs: readonly ConnsResult[]): string {
  const header = [
    "lib",
    "idle conns",
    "connect s",
    "RSS/conn KiB",
    "heap/conn KiB",
    "external/conn KiB",
    "active RT before",
    "active RT after",
    "idle peers echoed",
    "still open",
  ];
  const rows = rs.map((r) => [
    r.lib,
    String(r.connections),
    r.connectSec.toFixed(1),
    r.rssPerConnKiB.toFixed(1),
    r.heapPerConnKiB.toFixed(2),
    r.externalPerConnKiB.toFixed(2),
    fmtUs(r.usBefore),
    fmtUs(r.usAfter),
    String(r.sampled),
    String(r.stillOpen),
  ]);
  return markdownTable(header, rows, 1);
}

function burstTable(rs: readonly BurstResult[], libs: readonly LibName[]): string {
  const header = [
    "lib",
    "connections",
    "burst ms",
    "cold burst ms",
    "storm round ms (median)",
    "storm max ms",
    "rounds ≥ 1 s",
    "runs (burst / cold)",
  ];
  const rows: string[][] = [];
  const medians = new Map<LibName, { burst: number; cold: number; storm: number }>();
  for (const l of libs) {
    const mine = rs.filter((r) => r.lib === l);
    if (mine.length === 0) continue;
    const storms = mine.flatMap((r) => r.stormMs);
    const burst = median(mine.map((r) => r.burstMs));
    const cold = median(mine.map((r) => r.coldMs));
    const storm = median(mine.map(stormMedian));
    medians.set(l, { burst, cold, storm });
    rows.push([
      l,
      String(mine[0]?.connections ?? 0),
      burst.toFixed(0),
      cold.toFixed(0),
      storm.toFixed(0),
      Math.max(...storms).toFixed(0),
      `${storms.filter((x) => x >= 1000).length} of ${storms.length}`,
      mine.map((r) => `${r.burstMs.toFixed(0)}/${r.coldMs.toFixed(0)}`).join(", "),
    ]);
  }
  const a = medians.get("zocket");
  const b = medians.get("zeromq");
  const ratio =
    a !== undefined && b !== undefined
      ? `\nzocket/zeromq (time, <1: zocket is faster): burst ${(a.burst / b.burst).toFixed(2)}×, ` +
        `cold burst ${(a.cold / b.cold).toFixed(2)}×, ` +
        `storm round ${(a.storm / b.storm).toFixed(2)}×`
      : "";
  return markdownTable(header, rows, 1) + ratio;
}

function pubMemTable(rs: readonly PubMemResult[], libs: readonly LibName[]): string {
  const header = ["lib", "process", "RSS MiB", "RSS peak", "heap MiB", "external MiB", "published/s", "fast got"];
  const rows: string[][] = [];
  const rssOf = new Map<string, number>();
  for (const l of libs) {
    const mine = rs.filter((r) => r.lib === l);
    if (mine.length === 0) continue;
    for (const proc of ["pub", "fast", "slow"] as const) {
      const m = (k: keyof MemFigures): number => median(mine.map((r) => r[proc][k]));
      rssOf.set(`${l} ${proc}`, m("rss"));
      rows.push([
        l,
        proc === "pub" ? "PUB" : proc === "fast" ? "9 fast SUBs" : "1 slow SUB",
        m("rss").toFixed(1),
        m("rssPeak").toFixed(1),
        m("heap").toFixed(1),
        m("external").toFixed(1),
        proc === "pub" ? median(mine.map((r) => r.achievedRate)).toFixed(0) : "",
        proc === "fast" ? `${(100 * median(mine.map((r) => r.fastDelivered))).toFixed(1)} %` : "",
      ]);
    }
  }
  const ratios = (["pub", "fast", "slow"] as const)
    .map((p) => {
      const a = rssOf.get(`zocket ${p}`);
      const b = rssOf.get(`zeromq ${p}`);
      return a !== undefined && b !== undefined ? `${p} ${(a / b).toFixed(2)}×` : "";
    })
    .filter((x) => x !== "");
  const tail = ratios.length > 0 ? `\nRSS zocket/zeromq (<1: zocket holds less): ${ratios.join(", ")}` : "";
  return markdownTable(header, rows, 2) + tail;
}

// --- A/B: zocket against the baseline build (--baseline) ------------------------

/** The short commit of the checkout at `dir`, or "?" when git cannot tell (read-only: no index refresh). */
function commitOf(dir: string): string {
  const r = spawnSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "?";
}

/**
 * The order of one run's libraries: zocket and its baseline swap places every other run, so that neither
 * build always runs first in a cell (the machine's speed drifts within a cell too).
 */
function runOrder(libs: readonly LibName[], run: number): LibName[] {
  const order = [...libs];
  const a = order.indexOf("zocket");
  const b = order.indexOf(BASELINE_LIB);
  if (run % 2 === 0 && a >= 0 && b >= 0) [order[a], order[b]] = [BASELINE_LIB, "zocket"];
  return order;
}

/** Per cell: both builds' medians, their speed ratio and the ratio of each run pair (run i against run i). */
function abTable(results: readonly CaseResult[]): { table: string; summary: string } {
  const header = ["benchmark", "transport", "size", "zocket", BASELINE_LIB, `zocket/${BASELINE_LIB}`, "run pairs"];
  const rows: string[][] = [];
  const ratios: Array<{ r: number; cell: string }> = [];
  for (const c of results) {
    const a = c.results.zocket;
    const b = c.results[BASELINE_LIB];
    if (a === undefined || b === undefined) continue;
    const cell = [benchLabel(c), c.transport, sizeLabel(c.size)];
    if (a.median === null || b.median === null) {
      const fig = (f: Figures | null): string => (f === null ? "ERR" : fmtMain(c, f));
      rows.push([...cell, fig(a.median), fig(b.median), "", ""]);
      continue;
    }
    const pairs: string[] = [];
    for (let i = 0; i < Math.min(a.runs.length, b.runs.length); i++) {
      const x = a.runs[i];
      const y = b.runs[i];
      if (x !== null && x !== undefined && y !== null && y !== undefined) pairs.push(speedRatio(c, x, y).toFixed(2));
    }
    const r = speedRatio(c, a.median, b.median);
    ratios.push({ r, cell: `${benchLabel(c)} ${c.transport} ${sizeLabel(c.size)}` });
    rows.push([...cell, fmtMain(c, a.median), fmtMain(c, b.median), `${r.toFixed(2)}×`, pairs.join(", ")]);
  }
  let summary = "";
  if (ratios.length > 0) {
    const geo = Math.exp(ratios.reduce((sum, x) => sum + Math.log(x.r), 0) / ratios.length);
    const sorted = [...ratios].sort((x, y) => x.r - y.r);
    const lo = sorted[0]!;
    const hi = sorted[sorted.length - 1]!;
    summary =
      `zocket/${BASELINE_LIB} over ${ratios.length} cell(s): geometric mean ${geo.toFixed(3)}×, ` +
      `lowest ${lo.r.toFixed(2)}× (${lo.cell}), highest ${hi.r.toFixed(2)}× (${hi.cell}).`;
  }
  return { table: markdownTable(header, rows, 3), summary };
}

// --- main -----------------------------------------------------------------------

function killChildren(): void {
  for (const c of [...liveChildren, ...nativeChildren]) {
    try {
      c.kill("SIGKILL");
    } catch {
      // gone
    }
  }
}

process.on("exit", killChildren);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    killChildren();
    process.stderr.write(`\nbench: interrupted (${sig})\n`);
    process.exit(130);
  });
}

function progress(s: string): void {
  process.stderr.write(`${s}\n`);
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  // Workers inherit the environment (bench/suite/worker.ts reads it).
  process.env["BENCH_HEAP_MB"] = String(o.heapMb);
  const started = Date.now();
  const cpu = cpus();
  progress(
    `bench: node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? "cpu"}; libs ${o.libs.join(",")}; runs ${o.runs}; ${o.warmupMs} ms warm-up + ${o.durationMs} ms per measurement${o.quick ? " (quick)" : ""}`,
  );

  // zocket is measured as users get it, its build: a missing or stale dist/ is an error, not a skip.
  if (o.libs.includes("zocket")) checkBuild();
  // The baseline too: workers inherit BENCH_BASELINE and load "zocket@base" from it.
  const builds: Record<string, { dir: string; commit: string }> = {};
  if (o.baseline !== null) {
    process.env["BENCH_BASELINE"] = o.baseline;
    checkBaselineBuild();
    const here = resolve(import.meta.dirname, "..", "..");
    builds["zocket"] = { dir: here, commit: commitOf(here) };
    builds[BASELINE_LIB] = { dir: o.baseline, commit: commitOf(o.baseline) };
    const ab = `zocket = ${here} @ ${builds["zocket"].commit}`;
    progress(`bench: A/B: ${ab}, ${BASELINE_LIB} = ${o.baseline} @ ${builds[BASELINE_LIB].commit}`);
  }

  // Drop libraries that do not load.
  const skipped: Record<string, string> = {};
  const libs: LibName[] = [];
  for (const l of o.libs) {
    if (l === "net") {
      libs.push(l);
      continue;
    }
    try {
      if (l === "libzmq") progress(`bench: libzmq: ${buildNative()}, through bench/suite/native/zmqperf.c`);
      else await probeLib(l);
      libs.push(l);
    } catch (e) {
      skipped[l] = errorMessage(e);
      progress(`bench: WARNING: skipping ${l}: ${errorMessage(e)}`);
    }
  }

  const cases = casesOf(o);
  const zocketConns: LibName[] = libs.includes(BASELINE_LIB) ? ["zocket", BASELINE_LIB] : ["zocket"];
  const jsLibs = libs.filter((l) => l !== "net" && l !== "libzmq");
  const connsLibs = o.only.includes("conns") ? (libs.includes("zocket") ? zocketConns : jsLibs) : [];
  const burstLibs = o.only.includes("burst") ? jsLibs : [];
  const pubMemLibs = o.only.includes("pubmem") ? jsLibs : [];
  const total =
    cases.reduce((n, c) => n + libsFor(c, libs).length * o.runs, 0) +
    connsLibs.length +
    (burstLibs.length + pubMemLibs.length) * o.runs;
  let done = 0;
  let failures = 0;
  const results: CaseResult[] = [];
  let seq = 0;

  for (const c of cases) {
    const cr: CaseResult = { ...c, results: {} };
    results.push(cr);
    const caseLibs = libsFor(c, libs);
    for (const l of caseLibs) cr.results[l] = { runs: [], errors: [], median: null };
    for (let run = 1; run <= o.runs; run++) {
      for (const l of runOrder(caseLibs, run)) {
        const lr = cr.results[l] as LibRuns;
        const spec: CaseSpec = {
          ...c,
          lib: l,
          durationMs: o.durationMs,
          warmupMs: o.warmupMs,
          id: `${process.pid}-${++seq}`,
        };
        const label = `[${String(++done).padStart(String(total).length)}/${total}] ${benchLabel(c)} ${c.transport} ${sizeLabel(c.size)} ${l} #${run}`;
        if (lr.errors.length > 0) {
          // A failed case fails again (and may cost a timeout each time): report it once.
          progress(`${label}: skipped after failure`);
          continue;
        }
        const t0 = Date.now();
        try {
          const m = await runMeasurement(spec);
          lr.runs.push(m);
          const fig =
            c.bench === "lat"
              ? `${fmtUs(m.usPerRt ?? 0)}/rt`
              : `${fmtRate(m.msgPerSec)} msg/s ${fmtMB(m.mbPerSec)} MB/s`;
          progress(
            `${label}: ${fig} (${m.count} msgs in ${(m.elapsedMs / 1000).toFixed(2)} s; ${((Date.now() - t0) / 1000).toFixed(1)} s wall)`,
          );
        } catch (e) {
          failures++;
          lr.runs.push(null);
          lr.errors.push(errorMessage(e));
          progress(`${label}: FAILED: ${errorMessage(e)}`);
        }
      }
    }
    for (const l of caseLibs) {
      const lr = cr.results[l] as LibRuns;
      lr.median = medianOf(lr.runs);
    }
  }

  const conns: ConnsResult[] = [];
  const connsErrors: Record<string, string> = {};
  for (const l of connsLibs) {
    const label = `[${String(++done).padStart(String(total).length)}/${total}] ${o.connections} idle tcp connections to one ROUTER (${l})`;
    try {
      const r = await runConns({ lib: l, connections: o.connections, sample: 100, roundTrips: 1000 });
      conns.push(r);
      progress(
        `${label}: ${r.rssPerConnKiB.toFixed(1)} KiB RSS/conn, active RT ${fmtUs(r.usBefore)} -> ${fmtUs(r.usAfter)}`,
      );
    } catch (e) {
      failures++;
      connsErrors[l] = errorMessage(e);
      progress(`${label}: FAILED: ${errorMessage(e)}`);
    }
  }

  const bursts: BurstResult[] = [];
  const pubMems: PubMemResult[] = [];
  const otherErrors: string[] = [];
  for (let run = 1; run <= o.runs; run++) {
    for (const l of runOrder(burstLibs, run)) {
      const label = `[${String(++done).padStart(String(total).length)}/${total}] burst of ${o.burstConnections} (${l}) #${run}`;
      try {
        const r = await runBurst({ lib: l, connections: o.burstConnections, stormPeers: 200, stormRounds: 10 });
        bursts.push(r);
        progress(
          `${label}: ${r.burstMs.toFixed(0)} ms (cold ${r.coldMs.toFixed(0)} ms); storm rounds ${r.stormMs.map((x) => x.toFixed(0)).join(" ")}`,
        );
      } catch (e) {
        failures++;
        otherErrors.push(`- burst ${l}: ${errorMessage(e)}`);
        progress(`${label}: FAILED: ${errorMessage(e)}`);
      }
    }
  }
  for (let run = 1; run <= o.runs; run++) {
    for (const l of runOrder(pubMemLibs, run)) {
      const label = `[${String(++done).padStart(String(total).length)}/${total}] pubmem ${o.pubRate}/s (${l}) #${run}`;
      try {
        const spec = { lib: l, rate: o.pubRate, size: 1024, durationMs: o.pubMs, fastSubscribers: 9, slowEveryMs: 1 };
        const r = await runPubMem(spec);
        pubMems.push(r);
        const rss = `RSS pub ${r.pub.rss.toFixed(1)}, fast ${r.fast.rss.toFixed(1)}, slow ${r.slow.rss.toFixed(1)} MiB`;
        progress(`${label}: ${r.achievedRate.toFixed(0)}/s; ${rss}`);
      } catch (e) {
        failures++;
        otherErrors.push(`- pubmem ${l}: ${errorMessage(e)}`);
        progress(`${label}: FAILED: ${errorMessage(e)}`);
      }
    }
  }

  // --- report
  const out: string[] = [];
  out.push(
    `zocket benchmarks — node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? "cpu"}, ${platform()} ${release()}; median of ${o.runs} run(s), ${o.durationMs} ms each after ${o.warmupMs} ms of warm-up${o.heapMb > 0 ? `; ${o.heapMb} MB of live heap in every worker` : ""}`,
    "",
  );
  if (results.length > 0) {
    out.push(resultsTable(results, libs), "");
    const subject = libs.includes("zocket") ? "zocket" : libs[0];
    out.push(
      "msg/s: messages per second (lat: µs per round trip; DEALER↔ROUTER: round trips per second with w requests in flight;",
      "fan-out: deliveries per second summed over subscribers). MB/s: payload, 10^6 bytes/s.",
      `Ratios are speed ratios of ${subject} to the other library (>1: ${subject} is faster; for latency the inverse µs ratio).`,
      "",
    );
  }
  if (o.baseline !== null && results.length > 0) {
    const ab = abTable(results);
    const base = `${BASELINE_LIB} (${o.baseline} @ ${builds[BASELINE_LIB]?.commit ?? "?"})`;
    out.push(
      `A/B: zocket (${builds["zocket"]?.commit ?? "?"}) against ${base}, alternating run by run; ` +
        "speed ratios, >1: this checkout is faster.",
      "",
      ab.table,
      "",
    );
    if (ab.summary !== "") out.push(ab.summary, "");
  }
  if (conns.length > 0) out.push(connsTable(conns), "");
  if (bursts.length > 0) out.push(burstTable(bursts, burstLibs), "");
  if (pubMems.length > 0) {
    const what = `pubmem: PUB → 9 fast + 1 slow SUB, ${o.pubRate} msg/s of 1 KiB for ${o.pubMs / 1000} s`;
    out.push(`${what}; means over the last three quarters of the run`, "", pubMemTable(pubMems, pubMemLibs), "");
  }
  const errs: string[] = [];
  for (const r of results) {
    for (const [l, lr] of Object.entries(r.results)) {
      for (const e of lr.errors) errs.push(`- ${benchLabel(r)} ${r.transport} ${sizeLabel(r.size)} ${l}: ${e}`);
    }
  }
  for (const [l, e] of Object.entries(connsErrors)) errs.push(`- conns ${l}: ${e}`);
  errs.push(...otherErrors);
  if (errs.length > 0)
    out.push("Failures (ERR: every run failed; *: some runs failed, median of the others):", ...errs, "");
  process.stdout.write(`${out.join("\n")}\n`);

  const json = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${platform()} ${release()} ${arch()}`,
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? "",
      totalMemGiB: totalmem() / 2 ** 30,
      argv: process.argv.slice(2),
      wallSeconds: (Date.now() - started) / 1000,
      builds,
    },
    options: { ...o, libs },
    skippedLibs: skipped,
    results,
    conns,
    connsErrors,
    bursts,
    pubMems,
    failures,
  };
  mkdirSync(dirname(o.json), { recursive: true });
  writeFileSync(o.json, `${JSON.stringify(json, null, 2)}\n`);
  progress(`bench: wrote ${o.json} (${((Date.now() - started) / 1000).toFixed(0)} s, ${failures} failure(s))`);
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    killChildren();
    process.exit(1);
  },
);
