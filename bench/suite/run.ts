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
import { availableParallelism, cpus, totalmem, platform, release, arch } from "node:os";
import { dirname, resolve } from "node:path";
import { BASELINE_LIB, checkBaselineBuild, checkBuild } from "./common.ts";
import { errorMessage } from "./common.ts";
import type { CaseSpec, LibName } from "./common.ts";
import { buildNative, nativeChildren } from "./native.ts";
import { liveChildren, probeLib, runConns, runMeasurement } from "./orchestrate.ts";
import type { ConnsResult } from "./orchestrate.ts";
import { runBurst } from "./burst.ts";
import type { BurstResult } from "./burst.ts";
import { runPubMem } from "./pubmem.ts";
import type { PubMemResult } from "./pubmem.ts";
import { parseArgs } from "./args.ts";
import { casesOf, libsFor, medianOf, type CaseResult, type LibRuns } from "./cases.ts";
import {
  abTable,
  benchLabel,
  burstTable,
  connsTable,
  fmtMB,
  fmtRate,
  fmtUs,
  pubMemTable,
  resultsTable,
  sizeLabel,
} from "./report.ts";

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
  if (o.pin) {
    if (availableParallelism() < 2) throw new Error("--pin needs 2 CPUs or more");
    if (spawnSync("taskset", ["-c", "0", "true"]).status !== 0) throw new Error("--pin needs taskset (util-linux)");
    process.env["BENCH_PIN"] = "1"; // read by pinned() (common.ts) here and in the workers
  }
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
    `zocket benchmarks — node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? "cpu"}, ${platform()} ${release()}; median of ${o.runs} run(s), ${o.durationMs} ms each after ${o.warmupMs} ms of warm-up${o.heapMb > 0 ? `; ${o.heapMb} MB of live heap in every worker` : ""}${o.pin ? "; each process pinned to a CPU of its own (--pin)" : ""}`,
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
