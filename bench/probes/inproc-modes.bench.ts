/**
 * The inproc 8 B cell's two compiles (run: `npm run build && npx tsx bench/probes/inproc-modes.bench.ts [runs]`,
 * ~3 s a run).
 *
 * The suite times each cell in a fresh process, and what it times is the code V8 compiled for the
 * sender's loop during the warm-up. That loop has one inlining budget for the harness's message
 * factory (`outgoing` → `makeFrame` → `Buffer.allocUnsafe` → … → `new FastBuffer`) and zocket's send
 * path. Which of two compiles it gets is a race between two background compiles: if the harness's
 * `makeFrame` already has optimised code of its own when the loop is compiled, V8 calls it (its code
 * counts against the budget with everything it inlined) and inlines zocket's path; if not, it inlines
 * the factory's chain and runs out of budget on zocket's side. This script runs the suite's cell (0.5 s
 * warm-up, 1.5 s timed) in fresh processes with `--trace-turbo-inlining`,
 * tells the two apart by whether `makeFrame` was inlined into the sender's loop, and prints the rates of
 * each. Any compile of the loop in a run counts: in the runs traced for design decision 23, the loop was
 * compiled once before the END marker deoptimised it, and not again with `makeFrame` inlined. See
 * docs/performance.md, design decision 23.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median, type CaseSpec } from "../suite/common.ts";
import { memoryStarter, runPair } from "../suite/orchestrate.ts";

if (process.argv[2] === "cell") {
  // The child: the suite's inproc thr cell for zocket, as `npm run bench` runs it. V8's trace goes to
  // stdout (its own buffered stream), so the rate goes to stderr.
  const spec: CaseSpec = {
    bench: "thr",
    lib: "zocket",
    transport: "inproc",
    size: 8,
    parts: 1,
    durationMs: 1500,
    warmupMs: 500,
    hwm: 1000,
    window: 0,
    subscribers: 1,
    id: "modes",
  };
  const m = await runPair(spec, memoryStarter());
  process.stderr.write(`rate ${m.msgPerSec}\n`);
  process.exit(0);
}

const runs = Number(process.argv[2] ?? 16);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, got ${process.argv[2]}`);

const self = fileURLToPath(import.meta.url);
const FACTORY_INLINED = /^Inlining .*<SharedFunctionInfo makeFrame>.* into .*<SharedFunctionInfo thrSendZmq>/m;

const byMode = { "factory inlined": [] as number[], "factory called": [] as number[] };
for (let r = 0; r < runs; r++) {
  const p = spawnSync(process.execPath, ["--trace-turbo-inlining", "--import", "tsx", self, "cell"], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const rate = Number(/^rate (\S+)$/m.exec(p.stderr)?.[1]);
  if (p.status !== 0 || !Number.isFinite(rate)) throw new Error(`run ${r + 1} failed (${p.status}): ${p.stderr}`);
  const mode = FACTORY_INLINED.test(p.stdout) ? "factory inlined" : "factory called";
  byMode[mode].push(rate);
  process.stderr.write(`run ${r + 1}/${runs}: ${(rate / 1e6).toFixed(2)} M msg/s, ${mode}\n`);
}

const all = [...byMode["factory inlined"], ...byMode["factory called"]];
console.log(`inproc PUSH → PULL 8 B, the suite's cell in ${runs} fresh processes, by the sender loop's compile\n`);
console.log("| sender loop's compile | runs | median msg/s | each run (M msg/s) |");
console.log("|---|---:|---:|---|");
for (const [mode, xs] of Object.entries(byMode)) {
  const each = [...xs].sort((a, b) => a - b).map((x) => (x / 1e6).toFixed(2));
  console.log(
    `| ${mode} | ${xs.length} | ${xs.length > 0 ? `${(median(xs) / 1e6).toFixed(2)} M` : "–"} | ${each.join(", ")} |`,
  );
}
console.log(`| all | ${all.length} | ${(median(all) / 1e6).toFixed(2)} M | |`);
