// Memory under load, rate-matched (`--only pubmem`): one PUB publishes at the same fixed rate for every
// library to 10 SUBs over tcp — 9 fast ones in one process, 1 slow one (it takes a message every
// `slowEveryMs` ms) in another — and each of the three processes samples its RSS, heap and external memory.
// Comparing libraries at one publish rate is the point: a faster library at full speed holds more in
// flight (issue 27).
//
// The three processes are bench/suite/pubmem-worker.mjs, run without the TypeScript loader.

import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import { errorMessage, sleep } from "./common.ts";
import { asCtl, Channel } from "./control.ts";
import type { LibName } from "./common.ts";
import { liveChildren } from "./orchestrate.ts";
import type { RoleHandle } from "./orchestrate.ts";

export interface PubMemSpec {
  lib: LibName;
  /** Messages a second, the same for every library. */
  rate: number;
  size: number;
  durationMs: number;
  fastSubscribers: number;
  /** The slow subscriber takes one message every this many ms. */
  slowEveryMs: number;
  endpoint: string;
}

/** One process's memory over the run (MiB): means over the samples after the first quarter, and peaks. */
export interface MemFigures {
  rss: number;
  rssPeak: number;
  heap: number;
  heapPeak: number;
  external: number;
  externalPeak: number;
}

export interface PubMemResult {
  lib: LibName;
  rate: number;
  size: number;
  published: number;
  /** Messages the publisher actually managed per second (it must keep the rate). */
  achievedRate: number;
  /** Share of the published messages each fast subscriber got, the lowest. */
  fastDelivered: number;
  slowReceived: number;
  pub: MemFigures;
  fast: MemFigures;
  slow: MemFigures;
}

const PHASE_TIMEOUT_MS = 120_000;
const WORKER = fileURLToPath(new URL("./pubmem-worker.mjs", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A pubmem process: plain node, no TypeScript loader (see pubmem-worker.mjs). */
function spawnRole(role: string, spec: PubMemSpec): RoleHandle {
  // BENCH_NODE_ARGS: node flags for every worker, as in the rest of the suite (orchestrate.ts).
  const nodeArgs = (process.env["BENCH_NODE_ARGS"] ?? "").split(" ").filter((a) => a !== "");
  const child = spawn(process.execPath, [...nodeArgs, WORKER, role, JSON.stringify(spec)], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  liveChildren.add(child);
  const label = `pubmem-${role} (${spec.lib})`;
  const ch = new Channel((m) => {
    if (child.connected) child.send(m);
  });
  child.on("message", (m: unknown) => {
    try {
      ch.deliver(asCtl(m));
    } catch (e) {
      ch.fail(new Error(`${label}: ${errorMessage(e)}`));
    }
  });
  const finished = new Promise<void>((resolve) => {
    child.on("close", (code, signal) => {
      liveChildren.delete(child);
      ch.fail(new Error(`${label} exited (${signal ?? `code ${code}`})`));
      resolve();
    });
  });
  return { ch, finished, kill: () => void (child.exitCode === null && child.signalCode === null && child.kill()) };
}

function memOf(extra: Record<string, number>): MemFigures {
  const g = (k: string): number => extra[k] ?? NaN;
  return {
    rss: g("rss"),
    rssPeak: g("rssPeak"),
    heap: g("heap"),
    heapPeak: g("heapPeak"),
    external: g("external"),
    externalPeak: g("externalPeak"),
  };
}

/** One rate-matched run: publisher, fast subscribers and the slow one, each in its own process. */
export async function runPubMem(base: Omit<PubMemSpec, "endpoint">): Promise<PubMemResult> {
  const handles: RoleHandle[] = [];
  try {
    const spec = { ...base, endpoint: "tcp://127.0.0.1:0" };
    const p = spawnRole("pub", spec);
    handles.push(p);
    const { endpoint } = await p.ch.recv("ready", PHASE_TIMEOUT_MS);
    const fast = spawnRole("fast", { ...spec, endpoint });
    const slow = spawnRole("slow", { ...spec, endpoint });
    handles.push(fast, slow);
    await Promise.all([fast.ch.recv("ready", PHASE_TIMEOUT_MS), slow.ch.recv("ready", PHASE_TIMEOUT_MS)]);
    p.ch.send({ t: "go" });
    const pr = (await p.ch.recv("result", base.durationMs + PHASE_TIMEOUT_MS)).result;
    await sleep(500);
    fast.ch.send({ t: "go" });
    slow.ch.send({ t: "go" });
    const [fr, sr] = await Promise.all([
      fast.ch.recv("result", PHASE_TIMEOUT_MS).then((m) => m.result),
      slow.ch.recv("result", PHASE_TIMEOUT_MS).then((m) => m.result),
    ]);
    for (const h of handles) h.ch.send({ t: "exit" });
    await Promise.all(handles.map((h) => h.finished));
    return {
      lib: base.lib,
      rate: base.rate,
      size: base.size,
      published: pr.count,
      achievedRate: pr.count / (pr.elapsedMs / 1000),
      fastDelivered: pr.count > 0 ? fr.count / pr.count : 0,
      slowReceived: sr.count,
      pub: memOf(pr.extra),
      fast: memOf(fr.extra),
      slow: memOf(sr.extra),
    };
  } finally {
    for (const h of handles) h.kill();
  }
}
