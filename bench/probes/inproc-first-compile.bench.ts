/**
 * How much of the inproc 8 B cell is V8's first compile (run: `npm run build && npx tsx
 * bench/probes/inproc-first-compile.bench.ts [rounds]`, ~20 s a round).
 *
 * The suite times every cell in a fresh process, so what it measures is the code V8 compiled for the
 * sender's and receiver's loops during the warm-up. This script runs, each in its own fresh process,
 * alternating:
 *
 *  - cell:       the suite's inproc thr cell for zocket (0.5 s warm-up, 1.5 s timed), as `npm run bench` runs it;
 *  - after-cell: the same cell, after a complete untimed 200 ms one in the same process (fresh sockets,
 *                END marker, close): the END marker deoptimises both loops and V8 compiles them again;
 *  - floor:      the cell's shape with a plain array as the queue and no socket (bench/suite/common.ts's
 *                `sendAndCheckPlainArray`), 10 M messages.
 *
 * and prints the medians. See docs/performance-history.md, "What limits zocket now", for what it showed.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median, type CaseSpec } from "../suite/common.ts";
import { Checker, sendAndCheckPlainArray } from "../suite/payload.ts";
import { memoryStarter, runPair } from "../suite/orchestrate.ts";

const MODES = ["cell", "after-cell", "floor"] as const;
type Mode = (typeof MODES)[number];

function cellSpec(id: string, durationMs: number, warmupMs: number): CaseSpec {
  return {
    bench: "thr",
    lib: "zocket",
    transport: "inproc",
    size: 8,
    parts: 1,
    durationMs,
    warmupMs,
    hwm: 1000,
    window: 0,
    subscribers: 1,
    id,
  };
}

/** The cell's shape without a socket: a plain array as the queue. Returns msg/s. */
async function floor(n: number): Promise<number> {
  const t0 = performance.now();
  await sendAndCheckPlainArray(new Checker(8, 1, "floor"), 8, n);
  return n / ((performance.now() - t0) / 1000);
}

/** One measurement in this (fresh) process. */
async function child(mode: Mode): Promise<number> {
  if (mode === "floor") return floor(10_000_000);
  if (mode === "after-cell") await runPair(cellSpec("first", 200, 50), memoryStarter());
  return (await runPair(cellSpec("timed", 1500, 500), memoryStarter())).msgPerSec;
}

const [, , arg] = process.argv;
if (MODES.includes(arg as Mode)) {
  console.log(String(await child(arg as Mode)));
  process.exit(0);
}

const rounds = Number(arg ?? 6);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, got ${arg}`);
const self = fileURLToPath(import.meta.url);
const results = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
for (let r = 0; r < rounds; r++) {
  const line: string[] = [];
  for (const mode of MODES) {
    const p = spawnSync(process.execPath, ["--import", "tsx", self, mode], { encoding: "utf8" });
    const rate = Number(p.stdout.trim().split("\n").pop());
    if (p.status !== 0 || !Number.isFinite(rate)) throw new Error(`${mode} failed (${p.status}): ${p.stderr}`);
    results.get(mode)!.push(rate);
    line.push(`${mode} ${(rate / 1e6).toFixed(2)} M`);
  }
  process.stderr.write(`round ${r + 1}/${rounds}: ${line.join(", ")}\n`);
}
console.log(`inproc PUSH → PULL 8 B, each measurement in a fresh process, median of ${rounds} (alternating)\n`);
console.log("| mode | median msg/s | runs |");
console.log("|---|---:|---|");
for (const mode of MODES) {
  const xs = results.get(mode)!;
  console.log(`| ${mode} | ${(median(xs) / 1e6).toFixed(2)} M | ${xs.map((x) => (x / 1e6).toFixed(2)).join(", ")} |`);
}
