// The benchmark driver's command line (bench/suite/run.ts): the options, their defaults and --help.

import { resolve } from "node:path";
import { ALL_BENCHES, ALL_LIBS, ALL_TRANSPORTS, BASELINE_LIB, KNOWN_TRANSPORTS } from "./common.ts";
import type { BenchKind, LibName, Transport } from "./common.ts";

const DEFAULT_SIZES = [8, 100, 1024, 65536, 1048576];
const QUICK_SIZES = [8, 65536];
export const FANOUT_MAX_SIZE = 65536;

export interface Options {
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
  /** `--pin`: each process of a cell on a CPU of its own (taskset). */
  pin: boolean;
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
  --pin                  run each process of a cell on a CPU of its own (taskset): the binding
                         role on CPU 0, the connecting one on CPU 1, an inproc cell's process on
                         CPU 0; all their threads and children too, so libzmq's I/O thread shares
                         its process's core (on 2 CPUs its runs otherwise switch between a slow
                         and a fast mode); burst, conns and pubmem are not pinned
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

export function parseArgs(argv: readonly string[]): Options {
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
    pin: false,
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
      case "--pin":
        o.pin = true;
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
