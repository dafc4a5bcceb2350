// CURVE throughput, zocket vs zeromq.js, side by side (run: `npx tsx bench/scenarios/curve.bench.ts [options]`).
//
// PUSH -> PULL over tcp (127.0.0.1), 1 KiB messages by default, the PULL binding as CURVE server and the
// PUSH connecting as CURVE client; the same with the NULL mechanism as a reference. Sender and receiver
// are two child processes (bench/scenarios/curve-worker.ts), fresh for every measurement, like the main
// suite (bench/suite/run.ts). The receiver measures from its first message to the END marker; message count,
// size and order are checked (common.ts Checker) and the sender's count must equal the receiver's.
// Each case runs --runs times (runs of all cases interleaved) and the median is reported.
//
//   --runs N         default 3
//   --duration MS    production time per run, default 1500
//   --size BYTES     default 1024
//   --libs LIST      zocket,zeromq (default both)
//   --baseline DIR   A/B: also measure the zocket build of another checkout (DIR/dist) as "zocket@base"
//   --modes LIST     curve,null (default both)
//   --json FILE      also write the figures as JSON
//   --cpu-prof DIR   run the workers with `node --cpu-prof` (profiles in DIR/ROLE-LIB-MODE/)

import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BASELINE_LIB, SETUP_TIMEOUT_MS, checkBaselineBuild, errorMessage, median } from "../suite/common.ts";
import { CheckError } from "../suite/payload.ts";
import type { LibName } from "../suite/common.ts";
import { spawnWorker, type RoleHandle } from "../suite/orchestrate.ts";
import type { CurveKeys, CurveRoleSpec } from "./curve-worker.ts";

type Mode = "curve" | "null";

interface Options {
  runs: number;
  durationMs: number;
  size: number;
  libs: LibName[];
  modes: Mode[];
  json: string | null;
  cpuProfDir: string | null;
  baseline: string | null;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    runs: 3,
    durationMs: 1500,
    size: 1024,
    libs: ["zocket", "zeromq"],
    modes: ["curve", "null"],
    json: null,
    cpuProfDir: null,
    baseline: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    const need = (): string => {
      if (v === undefined) throw new Error(`${a} needs a value`);
      i++;
      return v;
    };
    switch (a) {
      case "--runs":
        o.runs = Number(need());
        break;
      case "--duration":
        o.durationMs = Number(need());
        break;
      case "--size":
        o.size = Number(need());
        break;
      case "--libs":
        o.libs = need()
          .split(",")
          .map((l) => {
            if (l !== "zocket" && l !== "zeromq") throw new Error(`unknown lib ${l} (--baseline adds zocket@base)`);
            return l;
          });
        break;
      case "--modes":
        o.modes = need()
          .split(",")
          .map((m) => {
            if (m !== "curve" && m !== "null") throw new Error(`unknown mode ${m}`);
            return m;
          });
        break;
      case "--json":
        o.json = need();
        break;
      case "--cpu-prof":
        o.cpuProfDir = need();
        break;
      case "--baseline":
        o.baseline = resolve(need());
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

const WORKER = fileURLToPath(new URL("./curve-worker.ts", import.meta.url));

function startRole(role: "recv" | "send", spec: CurveRoleSpec, cpuProfDir: string | null): RoleHandle {
  const mode = spec.keys === null ? "null" : "curve";
  // One directory per role: node writes one profile per thread (tsx's loader thread too).
  const nodeArgs =
    cpuProfDir === null ? [] : ["--cpu-prof", "--cpu-prof-dir", join(cpuProfDir, `${role}-${spec.lib}-${mode}`)];
  return spawnWorker(`${role} (${spec.lib}, ${mode})`, [role, JSON.stringify(spec)], { script: WORKER, nodeArgs });
}

interface Run {
  msgPerSec: number;
  count: number;
  elapsedMs: number;
  /** CPU time (user + system, all threads) per message: sender, receiver. */
  sendCpuUs: number;
  recvCpuUs: number;
}

async function runOnce(lib: LibName, keys: CurveKeys | null, o: Options): Promise<Run> {
  // HWM as the suite sets it (at most ~64 MiB queued): it also sizes the sender's ring of big messages.
  const hwm = Math.max(16, Math.min(1000, Math.floor((64 * 1024 * 1024) / o.size)));
  const base = { lib, keys, size: o.size, durationMs: o.durationMs, hwm };
  const kids: RoleHandle[] = [];
  try {
    const recv = startRole("recv", { ...base, endpoint: "tcp://127.0.0.1:0" }, o.cpuProfDir);
    kids.push(recv);
    const { endpoint } = await recv.ch.recv("ready", SETUP_TIMEOUT_MS);
    const snd = startRole("send", { ...base, endpoint }, o.cpuProfDir);
    kids.push(snd);
    const timeout = o.durationMs * 2 + 20_000;
    const [r, s] = await Promise.all([recv.ch.recv("result", timeout), snd.ch.recv("result", timeout)]);
    recv.ch.send({ t: "exit" });
    snd.ch.send({ t: "exit" });
    await Promise.all(kids.map((k) => k.finished));
    // The receiver already checked size, order and the END count; cross-check both ends' reports.
    if (r.result.count !== s.result.count) throw new CheckError(`sent ${s.result.count}, received ${r.result.count}`);
    if (r.result.count < 1 || r.result.elapsedMs <= 0) throw new CheckError("no messages measured");
    return {
      msgPerSec: r.result.count / (r.result.elapsedMs / 1000),
      count: r.result.count,
      elapsedMs: r.result.elapsedMs,
      sendCpuUs: (s.result.extra["cpuUs"] ?? NaN) / s.result.count,
      recvCpuUs: (r.result.extra["cpuUs"] ?? NaN) / r.result.count,
    };
  } finally {
    for (const k of kids) k.kill();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.baseline !== null) {
    // The workers inherit the environment and load "zocket@base" from there (bench/suite/common.ts).
    process.env["BENCH_BASELINE"] = o.baseline;
    checkBaselineBuild();
    const at = o.libs.indexOf("zocket");
    o.libs.splice(at < 0 ? o.libs.length : at + 1, 0, BASELINE_LIB);
  }
  // Keys from zeromq.js (libzmq's zmq_curve_keypair), as the issue asks; both libraries take Z85 strings.
  const zmq = await import("zeromq");
  const s = zmq.curveKeyPair();
  const c = zmq.curveKeyPair();
  const keys: CurveKeys = {
    serverPublic: s.publicKey,
    serverSecret: s.secretKey,
    clientPublic: c.publicKey,
    clientSecret: c.secretKey,
  };

  const cases: Array<{ lib: LibName; mode: Mode }> = [];
  for (const mode of o.modes) for (const lib of o.libs) cases.push({ lib, mode });
  const runs = new Map<string, Run[]>();
  const key = (lib: LibName, mode: Mode): string => `${lib}/${mode}`;
  for (let i = 0; i < o.runs; i++) {
    for (const { lib, mode } of cases) {
      const r = await runOnce(lib, mode === "curve" ? keys : null, o);
      process.stderr.write(
        `run ${i + 1}/${o.runs} ${lib} ${mode}: ${Math.round(r.msgPerSec)} msg/s (${r.count} msgs checked, ` +
          `${r.elapsedMs.toFixed(0)} ms; CPU µs/msg send ${r.sendCpuUs.toFixed(1)}, recv ${r.recvCpuUs.toFixed(1)})\n`,
      );
      const list = runs.get(key(lib, mode)) ?? [];
      list.push(r);
      runs.set(key(lib, mode), list);
    }
  }

  const med = (lib: LibName, mode: Mode): number => median((runs.get(key(lib, mode)) ?? []).map((r) => r.msgPerSec));
  const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-");
  // Runs of one round are back to back, so they saw about the same background load: the median of
  // the per-round ratios is steadier on a shared machine than the ratio of the medians.
  const pairedRatio = (mode: Mode, other: LibName = "zeromq"): number => {
    const z = runs.get(key("zocket", mode)) ?? [];
    const q = runs.get(key(other, mode)) ?? [];
    return median(z.map((r, i) => r.msgPerSec / (q[i]?.msgPerSec ?? NaN)).filter(Number.isFinite));
  };
  const range = (lib: LibName, mode: Mode): string => {
    const xs = (runs.get(key(lib, mode)) ?? []).map((r) => r.msgPerSec);
    return xs.length === 0 ? "-" : `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;
  };
  const rows: string[][] = [];
  const withBase = o.libs.includes(BASELINE_LIB);
  for (const mode of o.modes) {
    const z = med("zocket", mode);
    const q = med("zeromq", mode);
    const pr = pairedRatio(mode);
    const row = [
      mode.toUpperCase(),
      fmt(z),
      range("zocket", mode),
      fmt(q),
      range("zeromq", mode),
      Number.isFinite(z / q) ? (z / q).toFixed(2) : "-",
      Number.isFinite(pr) ? pr.toFixed(2) : "-",
    ];
    if (withBase) {
      const b = pairedRatio(mode, BASELINE_LIB);
      row.push(fmt(med(BASELINE_LIB, mode)), range(BASELINE_LIB, mode), Number.isFinite(b) ? b.toFixed(2) : "-");
    }
    rows.push(row);
  }
  const head = [
    "mechanism",
    "zocket msg/s",
    "zocket range",
    "zeromq.js msg/s",
    "zeromq.js range",
    "zocket/zeromq",
    "paired ratio",
  ];
  if (withBase) head.push("zocket@base msg/s", "zocket@base range", "zocket/base paired");
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    "| " + cells.map((x, i) => x.padEnd(widths[i]!)).join(" | ") + " |";
  // The figures only mean something on an otherwise idle machine: show how busy it was.
  console.log(
    `PUSH -> PULL, tcp, ${o.size} B, median of ${o.runs} x ${o.durationMs} ms (load average ${loadavg()[0]!.toFixed(2)} at the end, ${cpus().length} CPUs)`,
  );
  console.log(line(head));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of rows) console.log(line(r));
  // CPU per message does not depend on how busy the machine is (much): the figure to trust under load.
  const cpu = (lib: LibName, mode: Mode, side: "sendCpuUs" | "recvCpuUs"): string =>
    median((runs.get(key(lib, mode)) ?? []).map((r) => r[side])).toFixed(1);
  console.log("");
  console.log("| mechanism | library | CPU µs/msg, sender | CPU µs/msg, receiver |");
  console.log("|---|---|---|---|");
  for (const mode of o.modes) {
    for (const lib of o.libs) {
      console.log(
        `| ${mode.toUpperCase()} | ${lib} | ${cpu(lib, mode, "sendCpuUs")} | ${cpu(lib, mode, "recvCpuUs")} |`,
      );
    }
  }
  if (o.json !== null) {
    writeFileSync(o.json, JSON.stringify({ options: o, runs: Object.fromEntries(runs) }, null, 2));
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(errorMessage(e));
    process.exit(1);
  },
);
