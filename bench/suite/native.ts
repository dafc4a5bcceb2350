// The "libzmq" column of the benchmark suite: native libzmq, measured through bench/suite/native/zmqperf.c,
// a C program that plays the same roles as bench/suite/roles.ts does for the JavaScript libraries (same
// sockets, options, messages, checks and warm-up). This module builds it and drives it: over tcp and
// ipc each role is its own zmqperf process, started by the role's worker and relayed on its Channel;
// over inproc both ends run in one zmqperf process, one thread each, as libzmq's own inproc_thr does.
//
// Building needs a C compiler and libzmq's development files (Debian: `apt-get install gcc
// libzmq3-dev`); without them the suite skips the column with a warning, as it skips any library
// that does not load.

import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { onCpu, pinned, resultTimeout, SETUP_TIMEOUT_MS } from "./common.ts";
import { CheckError } from "./payload.ts";
import type { CaseSpec, RoleSpec } from "./common.ts";
import { EXIT_WAIT_MS, type Channel, type Measurement, type RoleResult } from "./control.ts";

const SOURCE = fileURLToPath(new URL("./native/zmqperf.c", import.meta.url));
const BUILD_DIR = fileURLToPath(new URL("./native/build/", import.meta.url));
const BINARY = `${BUILD_DIR}zmqperf`;
/** The command that built BINARY: a different compiler or flags build it again. */
const STAMP = `${BINARY}.cmd`;

/** zmqperf processes of this process, for the driver to kill when it is interrupted. */
export const nativeChildren = new Set<ChildProcess>();

/**
 * Builds zmqperf if it is missing or older than its source, checks that it runs, and returns the
 * libzmq version it is linked with (e.g. "libzmq 4.3.4"). Throws with what to install when it cannot.
 */
export function buildNative(): string {
  const cc = process.env["CC"] ?? "cc";
  const args = ["-O2", "-Wall", "-Wextra", "-std=c11", "-o", BINARY, SOURCE, "-lzmq", "-lpthread"];
  const cmd = [cc, ...args].join(" ");
  const stale =
    !existsSync(BINARY) ||
    !existsSync(STAMP) ||
    statSync(BINARY).mtimeMs < statSync(SOURCE).mtimeMs ||
    readFileSync(STAMP, "utf8") !== cmd;
  if (stale) {
    mkdirSync(BUILD_DIR, { recursive: true });
    const r = spawnSync(cc, args, { encoding: "utf8" });
    if (r.error !== undefined || r.status !== 0) {
      const why = r.error?.message ?? r.stderr.trim().split("\n").slice(0, 3).join(" ");
      throw new Error(
        `cannot build ${SOURCE} (${why}); it needs a C compiler and libzmq's headers, e.g. apt-get install gcc libzmq3-dev`,
      );
    }
    writeFileSync(STAMP, cmd);
  }
  const v = spawnSync(BINARY, ["version"], { encoding: "utf8" });
  if (v.error !== undefined || v.status !== 0)
    throw new Error(`${BINARY} does not run: ${v.error?.message ?? v.stderr.trim()}`);
  return v.stdout.trim();
}

function argsOf(spec: CaseSpec, endpoint: string): string[] {
  return [endpoint, spec.size, spec.parts, spec.hwm, spec.warmupMs, spec.durationMs, spec.window, spec.subscribers].map(
    String,
  );
}

/** "COUNT BYTES ELAPSED_MS TOTAL PER_SUBSCRIBER" (a "result" line's fields). */
function parseResult(fields: readonly string[]): RoleResult {
  const xs = fields.map(Number);
  const [count, bytes, elapsedMs, total, perSubscriber] = xs;
  if (
    xs.length !== 5 ||
    count === undefined ||
    bytes === undefined ||
    elapsedMs === undefined ||
    total === undefined ||
    perSubscriber === undefined ||
    xs.some((x) => !Number.isFinite(x))
  ) {
    throw new Error(`zmqperf: malformed result line: result ${fields.join(" ")}`);
  }
  return { count, bytes, elapsedMs, extra: { total, perSubscriber } };
}

interface Run {
  /** stdout, line by line. */
  lines: AsyncIterableIterator<string>;
  /** A line to stdin ("start", "credit N"). */
  tell(line: string): void;
  /** Ends stdin with "exit" (the roles close their sockets and the process ends). */
  release(): void;
  /** Resolves with the exit status; rejects, with stderr, if it was not 0. */
  exited: Promise<void>;
  kill(): void;
}

/** Starts zmqperf; on `cpu` only (taskset) when given (a role's process inherits its worker's CPU). */
function start(args: readonly string[], cpu?: number): Run {
  if (!existsSync(BINARY))
    throw new Error(`${BINARY} is missing (the bench driver builds it; see bench/suite/native.ts)`);
  const command = onCpu(cpu, [BINARY, ...args]);
  const child = spawn(command[0]!, command.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
  nativeChildren.add(child);
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d: string) => (stderr += d));
  child.stdin.on("error", () => {}); // the process may be gone already; its exit status tells why
  const exited = new Promise<void>((resolve, reject) => {
    child.on("error", (e) => {
      nativeChildren.delete(child);
      reject(e);
    });
    child.on("close", (code, signal) => {
      nativeChildren.delete(child);
      if (code === 0) resolve();
      // Exit code 3: a check of the messages failed, a wrong result (as CheckError in the JavaScript roles).
      else if (code === 3) reject(new CheckError(stderr.trim()));
      else reject(new Error(`zmqperf ${args[0]} exited (${signal ?? `code ${code}`}): ${stderr.trim()}`));
    });
  });
  // Nobody may be waiting on it yet; the caller awaits it in turn.
  exited.catch(() => {});
  return {
    lines: createInterface({ input: child.stdout })[Symbol.asyncIterator](),
    tell: (line) => {
      if (child.stdin.writable) child.stdin.write(`${line}\n`);
    },
    release: () => child.stdin.end("exit\n"),
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/** The next "kind ..." line, or the process's failure if it ends first. */
async function nextLine(run: Run, kind: string): Promise<string[]> {
  const next = await run.lines.next();
  if (next.done === true) {
    await run.exited;
    throw new Error(`zmqperf ended without a "${kind}" line`);
  }
  const fields = next.value.split(" ");
  if (fields[0] !== kind) throw new Error(`zmqperf: expected "${kind}", got: ${next.value}`);
  return fields.slice(1);
}

/**
 * One role of a tcp/ipc pair, as a zmqperf process. Relays its "ready", "credit" and "result" lines to
 * the driver and the driver's "start" and "credit" to it (fan-out), then waits for "exit".
 */
export function nativeRole(role: string): (spec: RoleSpec, ch: Channel) => Promise<void> {
  return async (spec, ch) => {
    const run = start([role, ...argsOf(spec, spec.endpoint)]);
    try {
      ch.on("start", () => run.tell("start"));
      ch.on("credit", (m) => run.tell(`credit ${m.n}`));
      for (;;) {
        const next = await run.lines.next();
        if (next.done === true) {
          await run.exited;
          throw new Error(`zmqperf ${role} ended without a result`);
        }
        const [kind, ...fields] = next.value.split(" ");
        if (kind === "ready") ch.send({ t: "ready", endpoint: fields[0] ?? "" });
        else if (kind === "credit") ch.send({ t: "credit", n: Number(fields[0]) });
        else if (kind === "result") {
          ch.send({ t: "result", result: parseResult(fields) });
          break;
        } else throw new Error(`zmqperf ${role}: unexpected output: ${next.value}`);
      }
      await ch.recv("exit", EXIT_WAIT_MS);
      run.release();
      await run.exited;
    } finally {
      run.kill();
    }
  };
}

/** An inproc measurement: both ends in one zmqperf process. */
export async function runNativeInproc(
  spec: CaseSpec,
  measurementOf: (spec: CaseSpec, server: RoleResult, client: RoleResult) => Measurement,
): Promise<Measurement> {
  // --pin (BENCH_PIN, set by the driver): on CPU 0, as zocket's and zeromq.js's inproc workers.
  const cpu = pinned() ? 0 : undefined;
  const run = start(["inproc", spec.bench, ...argsOf(spec, `inproc://zocket-bench-${spec.id}`)], cpu);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`zmqperf inproc ${spec.bench}: no result in time`)),
        resultTimeout(spec) + SETUP_TIMEOUT_MS,
      );
    });
    const results = (async () => {
      const server = parseResult((await nextLine(run, "result")).slice(1));
      const client = parseResult((await nextLine(run, "result")).slice(1));
      await run.exited;
      return measurementOf(spec, server, client);
    })();
    return await Promise.race([results, timeout]);
  } finally {
    clearTimeout(timer);
    run.kill();
  }
}
