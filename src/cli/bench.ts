/**
 * `zocket bench thr|lat`: the core measurements of libzmq's perf tools from the shell.
 *
 * - thr: PUSH -> PULL; the PULL side times from the first to the last message (libzmq local_thr).
 * - lat: REQ <-> REP round trips timed on the REQ side (libzmq remote_lat); one-way latency is half.
 *
 * By default both ends run here: tcp and ipc in two processes (this one measures, a child process of
 * the same CLI is the peer), inproc in one. `--bind`/`--connect` run one side only, with libzmq's
 * roles, so a zocket end can face libzmq's own local_thr/remote_thr/local_lat/remote_lat:
 *   thr --bind EP     = local_thr  (PULL, binds, measures)    thr --connect EP = remote_thr (PUSH)
 *   lat --bind EP     = local_lat  (REP echo, binds)          lat --connect EP = remote_lat (REQ, measures)
 */
import { Buffer } from "node:buffer";
import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "../index.ts";
import {
  flag,
  helpText,
  int,
  oneOf,
  parse,
  RuntimeFailure,
  str,
  toSize,
  UsageError,
  type CommandSpec,
} from "./args.ts";
import { checkEndpoint } from "./endpoints.ts";
import { socketClass } from "./lib.ts";
import { humanRate, ProgressBar } from "./progress.ts";
import { bindFailure, describeError, type CliIO, type Command, type Runtime } from "./runtime.ts";

const TRANSPORTS = ["tcp", "ipc", "inproc", "ws"] as const;
type Transport = (typeof TRANSPORTS)[number];
type Kind = "thr" | "lat";
type Role = "local" | "remote";

/** How long to wait for the peer's first message before calling the setup failed. */
const SETUP_TIMEOUT_MS = 15_000;

const spec: CommandSpec = {
  name: "bench",
  summary: "zocket bench — throughput (thr) and latency (lat) of zocket itself",
  usage: ["zocket bench thr [options]", "zocket bench lat [options]"],
  description:
    "thr: PUSH -> PULL throughput, timed at the receiver from the first to the last message.\n" +
    "lat: REQ <-> REP round trips, timed at the requester; one-way latency is half the round trip.\n" +
    "tcp and ipc run the peer in a child process, inproc in this one (--in-process forces one process).\n" +
    "--bind/--connect run a single side with libzmq's perf-tool roles (local_thr, remote_thr, local_lat,\n" +
    "remote_lat), to measure against another machine or against libzmq itself.",
  options: {
    transport: { type: "string", short: "T", value: "T", help: "tcp (default), ipc, inproc or ws" },
    size: { type: "string", short: "s", value: "BYTES", help: "message size (default 64; 1k, 1MiB accepted)" },
    count: {
      type: "string",
      short: "n",
      value: "N",
      help: "messages (thr, default 200000) or round trips (lat, default 20000)",
    },
    "in-process": { type: "boolean", help: "run both ends in this process" },
    bind: {
      type: "string",
      value: "EP",
      help: "run only the bound side: thr = local_thr (PULL), lat = local_lat (REP)",
    },
    connect: {
      type: "string",
      value: "EP",
      help: "run only the connecting side: thr = remote_thr (PUSH), lat = remote_lat (REQ)",
    },
    role: { type: "string", value: "ROLE", help: "local|remote, overriding what --bind/--connect imply", hidden: true },
    progress: { type: "boolean", help: "draw the progress bar even when stderr is not a terminal" },
    "no-progress": { type: "boolean", help: "no progress bar" },
    json: { type: "boolean", help: "print the result as JSON" },
  },
  examples: [
    "zocket bench thr",
    "zocket bench lat --transport ipc --count 5000",
    "zocket bench thr --size 1k --count 100000 --transport inproc",
    "zocket bench thr --bind tcp://*:5555      # with libzmq: remote_thr tcp://host:5555 64 200000",
  ],
};

interface Params {
  kind: Kind;
  size: number;
  count: number;
  progress: boolean;
  json: boolean;
}

async function run(argv: string[], rt: Runtime, io: CliIO): Promise<number> {
  const { values: v, positionals } = parse(spec, argv);
  if (flag(v, "help")) {
    io.stdout.write(helpText(spec));
    return 0;
  }
  const kindArg = positionals[0];
  if (kindArg === undefined) throw new UsageError("missing benchmark: thr or lat (e.g. zocket bench thr)");
  if (kindArg !== "thr" && kindArg !== "lat") throw new UsageError(`unknown benchmark "${kindArg}": use thr or lat`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const kind: Kind = kindArg;
  const transport = oneOf(str(v, "transport"), TRANSPORTS, "--transport", "tcp");
  const sizeArg = str(v, "size");
  const p: Params = {
    kind,
    size: sizeArg === undefined ? 64 : toSize(sizeArg, "--size", 0),
    count: int(v, "count", kind === "thr" ? 200_000 : 20_000, kind === "thr" ? 1 : 2),
    progress: flag(v, "no-progress") ? false : flag(v, "progress") || (io.stderr as NodeJS.WriteStream).isTTY === true,
    json: flag(v, "json"),
  };
  const bindEp = str(v, "bind");
  const connectEp = str(v, "connect");
  if (bindEp !== undefined && connectEp !== undefined)
    throw new UsageError("--bind and --connect exclude each other (one side per process)");
  if (bindEp !== undefined) checkEndpoint(bindEp, "bind");
  if (connectEp !== undefined) checkEndpoint(connectEp, "connect");
  const roleArg = str(v, "role");
  const role = roleArg === undefined ? undefined : oneOf(roleArg, ["local", "remote"] as const, "--role", "local");
  // Rates in a bench are per process: Ctrl-C should not linger on queued benchmark messages.
  rt.linger = 0;

  const ep = bindEp ?? connectEp;
  if (ep !== undefined) {
    const r: Role = role ?? (bindEp !== undefined ? "local" : "remote");
    const a: Attach = { bind: bindEp, connect: connectEp, child: role !== undefined };
    const where = ep.slice(0, ep.indexOf(":"));
    if (r === "local" && kind === "thr") return report(io, p, where, "this side: PULL", await thrReceive(rt, io, p, a));
    if (r === "remote" && kind === "lat") return report(io, p, where, "this side: REQ", await latRequest(rt, io, p, a));
    if (r === "remote" && kind === "thr") await thrSend(rt, p, a);
    else await latEcho(rt, io, p, a);
    return 0;
  }

  const inProcess = flag(v, "in-process") || transport === "inproc";
  const address =
    transport === "tcp"
      ? "tcp://127.0.0.1:*"
      : transport === "ws"
        ? "ws://127.0.0.1:*/bench"
        : transport === "ipc"
          ? `ipc://${join(tmpdir(), `zocket-bench-${process.pid}.sock`)}`
          : `inproc://zocket-bench-${process.pid}`;
  // The measuring side binds; the peer connects to where it landed.
  let onBound: (ep: string) => void = () => {};
  const boundP = new Promise<string>((resolve) => (onBound = resolve));
  const measuring =
    kind === "thr"
      ? thrReceive(rt, io, p, { bind: address, onBound })
      : latRequest(rt, io, p, { bind: address, onBound });
  const bound = await boundOrFailure(boundP, measuring);
  if (inProcess) {
    const peer = kind === "thr" ? thrSend(rt, p, { connect: bound }) : latEcho(rt, io, p, { connect: bound });
    const [result] = await Promise.all([measuring, peer]);
    return report(io, p, transport, "1 process", result);
  }
  const child = spawnPeer(rt, kind, bound, p);
  const result = await Promise.race([measuring, child.failed]);
  return report(io, p, transport, "2 processes", result);
}

// ------------------------------------------------------------------ plumbing between the two ends

/** The endpoint the measuring side bound, or its failure if it ended before binding. */
function boundOrFailure(bound: Promise<string>, measuring: Promise<unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    void bound.then(resolve);
    measuring.then(() => reject(new RuntimeFailure("stopped before the benchmark started")), reject);
  });
}

interface Peer {
  proc: ChildProcess;
  /** Rejects when the child fails before the measurement ends; never resolves. */
  failed: Promise<never>;
}

/** The peer in a child process: the same CLI, `bench <kind> --connect EP --role ...`. */
function spawnPeer(rt: Runtime, kind: Kind, ep: string, p: Params): Peer {
  const entry = process.argv[1];
  if (entry === undefined) throw new RuntimeFailure("cannot find the zocket entry script to start the peer process");
  const role: Role = kind === "thr" ? "remote" : "local";
  const args = [
    ...process.execArgv,
    entry,
    "bench",
    kind,
    "--connect",
    ep,
    "--role",
    role,
    "--count",
    String(p.count),
    "--size",
    String(p.size),
    "--no-progress",
  ];
  const proc = spawn(process.execPath, args, { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  rt.onStop(() => {
    proc.stdin?.end();
    if (proc.exitCode === null) proc.kill("SIGTERM");
  });
  const failed = new Promise<never>((_, reject) => {
    proc.on("error", (err) => reject(new RuntimeFailure(`cannot start the peer process: ${err.message}`)));
    proc.on("exit", (code, signal) => {
      if (code !== 0 && !rt.stopping)
        reject(
          new RuntimeFailure(
            `the peer process failed (${signal ?? `exit ${code}`}): ${stderr.trim().split("\n").pop() ?? ""}`,
          ),
        );
    });
  });
  failed.catch(() => {});
  return { proc, failed };
}

/** In a child peer, stdin closing means the parent is gone: stop. */
function watchParent(rt: Runtime): void {
  if (process.stdin.isTTY === true) return;
  process.stdin.on("end", () => rt.stop(rt.stopCode ?? 0));
  process.stdin.on("error", () => rt.stop(0));
  process.stdin.resume();
  rt.onStop(() => process.stdin.destroy());
}

interface Attach {
  bind?: string | undefined;
  connect?: string | undefined;
  /** Called with the actual endpoint once bound (tcp://...:* resolved). */
  onBound?: (ep: string) => void;
  /** This process is a peer started by `bench` (watch stdin for the parent going away). */
  child?: boolean;
}

async function open(rt: Runtime, className: string, a: Attach): Promise<Socket> {
  const cls = socketClass(className);
  if (cls === undefined)
    throw new RuntimeFailure(`this benchmark needs ${className}, which this build does not export yet`);
  const s = rt.track(new cls());
  s.linger = 0;
  const w = s as Socket & { sendHighWaterMark: number; receiveHighWaterMark: number };
  w.sendHighWaterMark = 10_000;
  w.receiveHighWaterMark = 10_000;
  if (a.bind !== undefined) {
    try {
      await s.bind(a.bind);
    } catch (err) {
      throw bindFailure(a.bind, err);
    }
    a.onBound?.(s.lastEndpoint ?? a.bind);
  }
  if (a.connect !== undefined) s.connect(a.connect);
  return s;
}

interface Result {
  elapsedMs: number;
  count: number;
  rtts?: Float64Array;
}

async function receiveOrFail(rt: Runtime, s: Socket): Promise<Buffer[] | null> {
  try {
    return await s.receive();
  } catch (err) {
    if (rt.stopping) return null;
    if ((err as { code?: unknown }).code === "EAGAIN")
      throw new RuntimeFailure(`no message from the peer within ${SETUP_TIMEOUT_MS / 1000} s`);
    throw new RuntimeFailure(`receive failed: ${describeError(err)}`);
  }
}

// ------------------------------------------------------------------ the four roles

/** local_thr: PULL, times first to last message. */
async function thrReceive(rt: Runtime, io: CliIO, p: Params, a: Attach): Promise<Result | null> {
  const s = await open(rt, "Pull", a);
  const r = s as Socket & { receiveTimeout: number };
  r.receiveTimeout = SETUP_TIMEOUT_MS;
  const first = await receiveOrFail(rt, s);
  if (first === null) return null;
  r.receiveTimeout = -1;
  checkSize(first, p.size);
  const bar = p.progress ? new ProgressBar(io.stderr, p.count, "thr").start() : null;
  const t0 = performance.now();
  let n = 1;
  while (n < p.count) {
    const m = await receiveOrFail(rt, s);
    if (m === null) {
      bar?.clear();
      return null;
    }
    checkSize(m, p.size);
    n++;
    if ((n & 1023) === 0) bar?.update(n);
  }
  const elapsedMs = performance.now() - t0;
  bar?.update(n);
  bar?.finish();
  return { elapsedMs, count: n };
}

/** remote_thr: PUSH, sends count messages. */
async function thrSend(rt: Runtime, p: Params, a: Attach): Promise<null> {
  if (a.child === true) watchParent(rt);
  const s = await open(rt, "Push", a);
  const msg = Buffer.alloc(p.size, 0x61);
  for (let i = 0; i < p.count && !rt.stopping; i++) {
    try {
      await s.send(msg);
    } catch (err) {
      if (rt.stopping) break;
      throw new RuntimeFailure(`send failed: ${describeError(err)}`);
    }
  }
  // Linger long enough for the queue to drain to the receiver.
  rt.linger = 10_000;
  return null;
}

/** remote_lat: REQ, times each round trip. */
async function latRequest(rt: Runtime, io: CliIO, p: Params, a: Attach): Promise<Result | null> {
  const s = await open(rt, "Request", a);
  const r = s as Socket & { receiveTimeout: number };
  const msg = Buffer.alloc(p.size, 0x61);
  const timed = p.count - 1;
  const rtts = new Float64Array(timed);
  const bar = p.progress ? new ProgressBar(io.stderr, p.count, "lat", "round trips").start() : null;
  r.receiveTimeout = SETUP_TIMEOUT_MS;
  // The first of the count round trips is untimed: it waits for the peer to connect (libzmq's
  // remote_lat times it, which puts the TCP and ZMTP handshakes into the figures). The total stays
  // `count`, so a libzmq local_lat with the same count answers every request.
  try {
    await s.send(msg);
  } catch (err) {
    if (rt.stopping) return null;
    throw new RuntimeFailure(`send failed: ${describeError(err)}`);
  }
  if ((await receiveOrFail(rt, s)) === null) return null;
  r.receiveTimeout = -1;
  const t0 = performance.now();
  for (let i = 0; i < timed; i++) {
    const t = performance.now();
    try {
      await s.send(msg);
    } catch (err) {
      bar?.clear();
      if (rt.stopping) return null;
      throw new RuntimeFailure(`send failed: ${describeError(err)}`);
    }
    const reply = await receiveOrFail(rt, s);
    if (reply === null) {
      bar?.clear();
      return null;
    }
    rtts[i] = performance.now() - t;
    checkSize(reply, p.size);
    if ((i & 255) === 0) bar?.update(i + 1);
  }
  const elapsedMs = performance.now() - t0;
  bar?.update(p.count);
  bar?.finish();
  return { elapsedMs, count: timed, rtts };
}

/** local_lat: REP, echoes count requests. */
async function latEcho(rt: Runtime, _io: CliIO, p: Params, a: Attach): Promise<null> {
  if (a.child === true) watchParent(rt);
  const s = await open(rt, "Reply", a);
  for (let i = 0; i < p.count && !rt.stopping; i++) {
    let m: Buffer[];
    try {
      m = await s.receive();
      await s.send(m);
    } catch (err) {
      if (rt.stopping) break;
      throw new RuntimeFailure(`echo failed: ${describeError(err)}`);
    }
  }
  rt.linger = 1000;
  return null;
}

function checkSize(m: Buffer[], size: number): void {
  if (m.length !== 1 || m[0]!.length !== size) {
    throw new RuntimeFailure(
      `unexpected message: ${m.length} frame(s) of ${m.map((f) => f.length).join("+")} bytes, expected 1 of ${size}`,
    );
  }
}

// ------------------------------------------------------------------ report

function report(io: CliIO, p: Params, transport: Transport | string, where: string, r: Result | null): number {
  if (r === null) return 0;
  const secs = r.elapsedMs / 1000;
  if (p.kind === "thr") {
    const rate = r.count / secs;
    const mbps = (rate * p.size * 8) / 1e6;
    if (p.json) {
      io.stdout.write(
        JSON.stringify({
          bench: "thr",
          transport,
          size: p.size,
          count: r.count,
          seconds: secs,
          msgPerSec: rate,
          megabitsPerSec: mbps,
        }) + "\n",
      );
    } else {
      io.stdout.write(
        `thr: PUSH -> PULL over ${transport} (${where}), ${p.size} B x ${r.count} messages\n` +
          `  ${humanRate(rate)} msg/s, ${((rate * p.size) / 1e6).toFixed(1)} MB/s (${mbps.toFixed(1)} Mb/s), ${secs.toFixed(3)} s\n`,
      );
    }
    return 0;
  }
  const rtts = Array.from(r.rtts ?? []).sort((a, b) => a - b);
  const us = (ms: number): number => ms * 1000;
  const pct = (q: number): number => rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))] ?? 0;
  const avg = r.elapsedMs / r.count;
  if (p.json) {
    io.stdout.write(
      JSON.stringify({
        bench: "lat",
        transport,
        size: p.size,
        count: r.count,
        seconds: secs,
        rttAvgUs: us(avg),
        oneWayAvgUs: us(avg) / 2,
        rttMinUs: us(pct(0)),
        rttP50Us: us(pct(0.5)),
        rttP99Us: us(pct(0.99)),
        rttMaxUs: us(rtts[rtts.length - 1] ?? 0),
      }) + "\n",
    );
  } else {
    io.stdout.write(
      `lat: REQ <-> REP over ${transport} (${where}), ${p.size} B x ${r.count} round trips\n` +
        `  round trip avg ${us(avg).toFixed(1)} us (one-way ${(us(avg) / 2).toFixed(1)} us), ` +
        `min ${us(pct(0)).toFixed(1)} / p50 ${us(pct(0.5)).toFixed(1)} / p99 ${us(pct(0.99)).toFixed(1)} / max ${us(rtts[rtts.length - 1] ?? 0).toFixed(1)} us\n`,
    );
  }
  return 0;
}

export const benchCommand: Command = {
  name: "bench",
  summary: "throughput (thr) or latency (lat), with a progress bar",
  run,
};
