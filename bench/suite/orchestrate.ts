// Runs one measurement: starts the binding role, then the connecting role with
// the bound endpoint, relays what they need, collects both results, checks
// that they agree, and turns them into figures. Roles are started either as
// child processes (tcp, ipc) or in this process (inproc, see workers/worker.ts).

import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bindAddress, errorMessage, ipcPath, onCpu, pinned, resultTimeout, SETUP_TIMEOUT_MS } from "./common.ts";
import { Channel, asCtl, channelPair } from "./control.ts";
import { CheckError } from "./payload.ts";
import type { CaseSpec, ConnsSpec, PairBench, RoleSpec } from "./common.ts";
import type { Measurement, RoleResult } from "./control.ts";
import { ROLES } from "./roles.ts";
import type { RoleName } from "./roles.ts";

export interface RoleHandle {
  readonly ch: Channel;
  /** Resolves when the role (process) is gone. */
  readonly finished: Promise<void>;
  kill(): void;
}

export type Starter = (role: RoleName, spec: RoleSpec) => RoleHandle;

const PAIRS: Readonly<Record<PairBench, readonly [RoleName, RoleName]>> = {
  thr: ["thr-recv", "thr-send"],
  multi: ["thr-recv", "thr-send"],
  curve: ["thr-recv", "thr-send"],
  lat: ["lat-server", "lat-client"],
  dr: ["dr-router", "dr-dealer"],
  fanout: ["fanout-pub", "fanout-sub"],
};

const EXIT_TIMEOUT_MS = 15_000;

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export async function runPair(spec: CaseSpec, start: Starter): Promise<Measurement> {
  const [serverRole, clientRole] = PAIRS[spec.bench];
  const handles: RoleHandle[] = [];
  try {
    const server = start(serverRole, { ...spec, endpoint: bindAddress(spec) });
    handles.push(server);
    const { endpoint } = await server.ch.recv("ready", SETUP_TIMEOUT_MS);
    const client = start(clientRole, { ...spec, endpoint });
    handles.push(client);
    if (spec.bench === "fanout") {
      await client.ch.recv("ready", SETUP_TIMEOUT_MS);
      client.ch.on("credit", (m) => server.ch.send(m));
      server.ch.send({ t: "start" });
    }
    const rt = resultTimeout(spec);
    const [s, c] = await Promise.all([server.ch.recv("result", rt), client.ch.recv("result", rt)]);
    server.ch.send({ t: "exit" });
    client.ch.send({ t: "exit" });
    await within(Promise.all(handles.map((h) => h.finished)), EXIT_TIMEOUT_MS, "roles did not exit");
    return measurementOf(spec, s.result, c.result);
  } finally {
    for (const h of handles) h.kill();
  }
}

function perSec(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? count / (elapsedMs / 1000) : 0;
}

/** Everything a measuring role received (its `count` is the timed part only, after the warm-up). */
function total(r: RoleResult): number {
  return r.extra["total"] ?? r.count;
}

function agree(what: string, a: number, b: number): void {
  if (a !== b) throw new CheckError(`${what}: ${a} != ${b}`);
}

export function measurementOf(spec: CaseSpec, server: RoleResult, client: RoleResult): Measurement {
  const minCount = 1;
  let m: Measurement;
  switch (spec.bench) {
    case "thr":
    case "multi":
    case "curve":
      // The receiver (server) measures; its count is of the timed part, its total of everything.
      agree("messages sent vs received", client.count, total(server));
      m = {
        msgPerSec: perSec(server.count, server.elapsedMs),
        mbPerSec: perSec(server.bytes, server.elapsedMs) / 1e6,
        usPerRt: null,
        count: server.count,
        elapsedMs: server.elapsedMs,
      };
      break;
    case "lat":
      agree("requests sent vs served", client.extra["total"] ?? -1, server.count);
      m = {
        msgPerSec: perSec(client.count, client.elapsedMs),
        mbPerSec: null,
        usPerRt: client.count > 0 ? (client.elapsedMs * 1000) / client.count : 0,
        count: client.count,
        elapsedMs: client.elapsedMs,
      };
      break;
    case "dr":
      agree("requests sent vs served", client.extra["total"] ?? -1, server.count);
      m = {
        msgPerSec: perSec(client.count, client.elapsedMs),
        mbPerSec: perSec(client.bytes, client.elapsedMs) / 1e6,
        usPerRt: null,
        count: client.count,
        elapsedMs: client.elapsedMs,
      };
      break;
    case "fanout":
      agree("published vs received per subscriber", server.count, client.extra["perSubscriber"] ?? -1);
      agree("deliveries", server.count * spec.subscribers, total(client));
      m = {
        msgPerSec: perSec(client.count, client.elapsedMs),
        mbPerSec: perSec(client.bytes, client.elapsedMs) / 1e6,
        usPerRt: null,
        count: client.count,
        elapsedMs: client.elapsedMs,
      };
      break;
  }
  if (m.count < minCount) throw new CheckError("no messages measured");
  return m;
}

/** Roles in this process (inproc): the peer is a function call away. */
export function memoryStarter(): Starter {
  return (role, spec) => {
    const [mine, theirs] = channelPair();
    const finished = ROLES[role](spec, theirs).then(
      () => undefined,
      (e: unknown) => mine.fail(new Error(`${role}: ${errorMessage(e)}`)),
    );
    return { ch: mine, finished, kill: () => mine.fail(new Error(`${role} stopped`)) };
  };
}

// --- child processes ---------------------------------------------------------

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Extra node flags for every worker, e.g. `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` to
 * profile both ends of a measurement.
 */
const EXTRA_NODE_ARGS = (process.env["BENCH_NODE_ARGS"] ?? "").split(" ").filter((a) => a !== "");

/** Every child still running, so the driver can kill them on exit. */
export const liveChildren = new Set<ChildProcess>();

export interface SpawnOptions {
  /** Raise the open-file limit first (bash -c 'ulimit -n 65536; exec node ...'). */
  ulimit?: boolean;
  /** Run node with --expose-gc (memory measurements). */
  exposeGc?: boolean;
  /** The worker script (default: bench/suite/worker.ts). */
  script?: string;
  /** More node flags for this worker (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
  /** Run it (all its threads and children) on this CPU only (taskset). */
  cpu?: number;
}

export function spawnWorker(label: string, args: readonly string[], opts: SpawnOptions = {}): RoleHandle {
  const nodeArgs = [
    ...(opts.exposeGc === true ? ["--expose-gc"] : []),
    ...EXTRA_NODE_ARGS,
    ...(opts.nodeArgs ?? []),
    "--import",
    "tsx",
    opts.script ?? WORKER,
    ...args,
  ];
  const command = onCpu(opts.cpu, [process.execPath, ...nodeArgs]);
  const stdio: ["ignore", "inherit", "inherit", "ipc"] = ["ignore", "inherit", "inherit", "ipc"];
  const child =
    opts.ulimit === true
      ? spawn("bash", ["-c", 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', ...command], {
          cwd: REPO_ROOT,
          stdio,
        })
      : spawn(command[0]!, command.slice(1), { cwd: REPO_ROOT, stdio });
  liveChildren.add(child);
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
  child.on("error", (e) => ch.fail(new Error(`${label}: ${e.message}`)));
  const finished = new Promise<void>((resolve) => {
    child.on("close", (code, signal) => {
      liveChildren.delete(child);
      ch.fail(new Error(`${label} exited (${signal ?? `code ${code}`})`));
      resolve();
    });
  });
  return {
    ch,
    finished,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/** Starts a pair's roles as processes: with --pin, the first (binding) on CPU 0, the second on CPU 1. */
export function processStarter(): Starter {
  let started = 0;
  return (role, spec) =>
    spawnWorker(`${role} (${spec.lib})`, ["role", role, JSON.stringify(spec)], pinned() ? { cpu: started++ % 2 } : {});
}

/** Runs one inproc measurement in a fresh child process. */
export async function runInprocChild(spec: CaseSpec): Promise<Measurement> {
  const h = spawnWorker(
    `inproc ${spec.bench} (${spec.lib})`,
    ["inproc", JSON.stringify(spec)],
    pinned() ? { cpu: 0 } : {},
  );
  try {
    const { m } = await h.ch.recv("measurement", resultTimeout(spec) + SETUP_TIMEOUT_MS + 5_000);
    h.ch.send({ t: "exit" });
    await within(h.finished, EXIT_TIMEOUT_MS, "inproc worker did not exit");
    return m;
  } finally {
    h.kill();
  }
}

export async function runMeasurement(spec: CaseSpec): Promise<Measurement> {
  if (spec.transport === "inproc") {
    // Loaded here only, in the driver: an inproc worker of a JavaScript library does not load it.
    if (spec.lib === "libzmq") return (await import("./native.ts")).runNativeInproc(spec, measurementOf);
    return runInprocChild(spec);
  }
  try {
    return await runPair(spec, processStarter());
  } finally {
    // Not every library removes its ipc socket file on close.
    if (spec.transport === "ipc") rmSync(ipcPath(spec.id), { force: true });
  }
}

/** Checks that a library loads and can make a socket, in a child process. */
export async function probeLib(lib: string): Promise<void> {
  const h = spawnWorker(`probe ${lib}`, ["probe", lib]);
  try {
    await h.ch.recv("info", SETUP_TIMEOUT_MS);
    await within(h.finished, EXIT_TIMEOUT_MS, "probe did not exit");
  } finally {
    h.kill();
  }
}

// --- 10k idle connections ------------------------------------------------------

export interface ConnsResult {
  lib: string;
  connections: number;
  connectSec: number;
  retries: number;
  rssPerConnKiB: number;
  heapPerConnKiB: number;
  externalPerConnKiB: number;
  usBefore: number;
  usAfter: number;
  sampled: number;
  stillOpen: number;
  served: number;
}

export async function runConns(base: Omit<ConnsSpec, "endpoint">): Promise<ConnsResult> {
  const handles: RoleHandle[] = [];
  const timeout = 300_000;
  try {
    const router = spawnWorker(
      `conns-router (${base.lib})`,
      ["conns-router", JSON.stringify({ ...base, endpoint: "tcp://127.0.0.1:0" })],
      {
        ulimit: true,
        exposeGc: true,
      },
    );
    handles.push(router);
    const { endpoint } = await router.ch.recv("ready", SETUP_TIMEOUT_MS);
    const clients = spawnWorker(
      `conns-clients (${base.lib})`,
      ["conns-clients", JSON.stringify({ ...base, endpoint })],
      { ulimit: true },
    );
    handles.push(clients);
    const connected = (await clients.ch.recv("info", timeout)).data;
    router.ch.send({ t: "go" });
    const mem = (await router.ch.recv("info", timeout)).data;
    clients.ch.send({ t: "go" });
    const verify = (await clients.ch.recv("result", timeout)).result;
    router.ch.send({ t: "go" });
    const served = (await router.ch.recv("result", timeout)).result;
    router.ch.send({ t: "exit" });
    clients.ch.send({ t: "exit" });
    await within(Promise.all(handles.map((h) => h.finished)), EXIT_TIMEOUT_MS, "conns workers did not exit");
    const n = connected["connected"] ?? 0;
    const per = (k: string): number => ((mem[`${k}After`] ?? 0) - (mem[`${k}Before`] ?? 0)) / Math.max(1, n) / 1024;
    const stillOpen = verify.extra["stillOpen"] ?? 0;
    if (n !== base.connections)
      throw new CheckError(`only ${n} of ${base.connections} connections completed the handshake`);
    if (stillOpen !== n) throw new CheckError(`ROUTER dropped ${n - stillOpen} idle connections`);
    return {
      lib: base.lib,
      connections: n,
      connectSec: (connected["connectMs"] ?? 0) / 1000,
      retries: connected["retries"] ?? 0,
      rssPerConnKiB: per("rss"),
      heapPerConnKiB: per("heapUsed"),
      externalPerConnKiB: per("external"),
      usBefore: connected["usBefore"] ?? 0,
      usAfter: verify.extra["usAfter"] ?? 0,
      sampled: verify.extra["sampledOk"] ?? 0,
      stillOpen,
      served: served.count,
    };
  } finally {
    for (const h of handles) h.kill();
  }
}
