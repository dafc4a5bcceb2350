/**
 * `npm run fuzz [-- options]`: every target of test/fuzz/targets.ts, its corpus first, then generated
 * inputs (test/fuzz/engine.ts). Exit status 1 on any finding; each finding is saved to the target's corpus
 * directory (test/fuzz/corpus/<target>/) so that it runs first from then on.
 *
 *   --inputs N       generated inputs per target (default 1,000,000)
 *   --short          the CI budget: 20,000 inputs per target, at most 5 s each (also FUZZ_BUDGET=short)
 *   --seconds S      at most S seconds per target (default: no limit; --short: 5)
 *   --seed S         PRNG seed (default: a new one each run, printed; rerun with it to reproduce)
 *   --only a,b       these targets only (names as printed)
 *   --list           print the targets and exit
 */
import { prepareCurve, TARGETS } from "./targets.ts";
import { runTarget, saveFinding, type RunReport } from "./engine.ts";

interface Options {
  inputs: number;
  maxMs: number;
  seed: number;
  only: string[] | null;
  list: boolean;
}

function parseArgs(argv: string[]): Options {
  const short = process.env["FUZZ_BUDGET"] === "short" || argv.includes("--short");
  const o: Options = {
    inputs: short ? 20_000 : 1_000_000,
    maxMs: short ? 5_000 : Number.POSITIVE_INFINITY,
    seed: (Date.now() ^ (process.pid << 16)) >>> 0,
    only: null,
    list: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--short") continue;
    else if (a === "--inputs") o.inputs = Number(next());
    else if (a === "--seconds") o.maxMs = Number(next()) * 1000;
    else if (a === "--seed") o.seed = Number(next()) >>> 0;
    else if (a === "--only") o.only = next().split(",");
    else if (a === "--list") o.list = true;
    else throw new Error(`unknown option ${a} (see test/fuzz/run.ts)`);
  }
  if (!Number.isInteger(o.inputs) || o.inputs < 0) throw new Error("--inputs takes a whole number");
  return o;
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  if (o.list) {
    for (const t of TARGETS) process.stdout.write(`${t.name.padEnd(16)} ${t.about}\n`);
    return 0;
  }
  const unknown = (o.only ?? []).filter((n) => !TARGETS.some((t) => t.name === n));
  if (unknown.length > 0) throw new Error(`unknown target(s) ${unknown.join(", ")}; --list shows them`);
  // A rejection nobody handles is a finding too (a mechanism's asynchronous ZAP step, for instance).
  const stray: unknown[] = [];
  process.on("unhandledRejection", (e) => stray.push(e));
  await prepareCurve();
  const budget = Number.isFinite(o.maxMs) ? `, at most ${o.maxMs / 1000} s each` : "";
  process.stdout.write(`fuzz: seed ${o.seed}, ${o.inputs.toLocaleString("en")} inputs per target${budget}\n`);
  const reports: RunReport[] = [];
  for (const t of TARGETS) {
    if (o.only !== null && !o.only.includes(t.name)) continue;
    const r = runTarget(t, { seed: o.seed, inputs: o.inputs, maxMs: o.maxMs });
    await new Promise((resolve) => setImmediate(resolve));
    reports.push(r);
    const rate = r.inputs / Math.max(r.ms / 1000, 1e-3);
    process.stdout.write(
      `${t.name.padEnd(16)} ${r.inputs.toLocaleString("en").padStart(10)} inputs + ${String(r.corpus).padStart(2)} corpus ` +
        `in ${(r.ms / 1000).toFixed(1).padStart(6)} s (${Math.round(rate).toLocaleString("en")}/s): ` +
        `${r.findings.length === 0 ? "ok" : `${r.findings.length} FINDING(S)`}\n`,
    );
    for (const f of r.findings) {
      const file = f.origin.endsWith(".hex") ? f.origin : saveFinding(t.name, f.input);
      const err = f.error instanceof Error ? (f.error.stack ?? f.error.message) : String(f.error);
      process.stdout.write(`  ${f.origin}: ${err.split("\n").slice(0, 4).join("\n    ")}\n  kept as ${file}\n`);
    }
  }
  for (const e of stray) process.stdout.write(`unhandled rejection: ${e instanceof Error ? e.stack : String(e)}\n`);
  const findings = reports.reduce((n, r) => n + r.findings.length, 0) + stray.length;
  const total = reports.reduce((n, r) => n + r.inputs, 0);
  process.stdout.write(`fuzz: ${total.toLocaleString("en")} inputs, ${findings} finding(s)\n`);
  return findings === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`fuzz: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
