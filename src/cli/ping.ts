/**
 * `zocket ping <endpoint>`: round trips to an echo server (any REP that sends back what it gets:
 * `zocket echo`, a libzmq REP), printed like ping(8).
 *
 * The client is a DEALER that frames each request as a REQ would ([empty delimiter, payload], RFC 28),
 * so a lost reply does not wedge it the way a REQ's strict send/receive cycle would. Each payload
 * carries its sequence number and a per-run id, so a late reply is recognised rather than counted.
 * An endpoint that never completes a handshake is reported as unreachable, with the reason a plain
 * TCP probe finds (connection refused, host unreachable, not a ZeroMQ peer...).
 */
import { Buffer } from "node:buffer";
import { connect as netConnect } from "node:net";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { Socket } from "../index.ts";
import { parseEndpoint } from "../transports/endpoint.ts";
import { flag, helpText, int, parse, RuntimeFailure, str, toSize, UsageError, type CommandSpec } from "./args.ts";
import { checkEndpoint, commonSettings, openSocket, SOCKET_COMMON_OPTIONS } from "./endpoints.ts";
import { socketClass } from "./lib.ts";
import { describeError, type CliIO, type Command, type Runtime } from "./runtime.ts";
import { planSecurity, SECURITY_OPTIONS } from "./security.ts";

const HEADER = 8; // u32 sequence number + u32 run id

const spec: CommandSpec = {
  name: "ping",
  summary: "zocket ping — measure round trips to an echo server, like ping(8)",
  usage: ["zocket ping [options] <endpoint>"],
  description:
    "Sends requests to a REP echo server (zocket echo, or any libzmq REP that returns what it gets) and prints\n" +
    "each round-trip time, then a min/avg/max/mdev summary. Exit status: 0 if any reply came back, 1 otherwise\n" +
    "(and when the endpoint cannot be reached), 2 on bad arguments.",
  options: {
    count: { type: "string", short: "c", value: "N", help: "stop after N requests (default: until Ctrl-C)" },
    interval: { type: "string", short: "i", value: "MS", help: "wait MS between requests (default 1000)" },
    size: {
      type: "string",
      short: "s",
      value: "BYTES",
      help: `payload size, at least ${HEADER} (default 64; 1k, 1MiB accepted)`,
    },
    timeout: {
      type: "string",
      short: "W",
      value: "MS",
      help: "wait MS for each reply, and for the first connection (default 2000)",
    },
    quiet: { type: "boolean", short: "q", help: "print only the summary" },
    ...SOCKET_COMMON_OPTIONS,
    ...SECURITY_OPTIONS,
  },
  examples: [
    "zocket ping tcp://localhost:5555",
    "zocket ping tcp://localhost:5555 -c 10 -i 200 --size 1k",
    "zocket ping tcp://server:5555 -c 3 --curve-server-key server.cert",
  ],
};

interface Stats {
  sent: number;
  received: number;
  late: number;
  corrupt: number;
  rtts: number[];
}

async function run(argv: string[], rt: Runtime, io: CliIO): Promise<number> {
  const { values: v, positionals } = parse(spec, argv);
  if (flag(v, "help")) {
    io.stdout.write(helpText(spec));
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("missing endpoint (e.g. zocket ping tcp://localhost:5555)");
  if (positionals.length > 1) throw new UsageError(`one endpoint at a time, got ${positionals.length}`);
  let endpoint = positionals[0]!;
  let bind = false;
  if (endpoint.startsWith("@")) {
    bind = true;
    endpoint = endpoint.slice(1);
  } else if (endpoint.startsWith(">")) endpoint = endpoint.slice(1);
  checkEndpoint(endpoint, bind ? "bind" : "connect");
  const count = str(v, "count") === undefined ? Infinity : int(v, "count", 0, 1);
  const interval = int(v, "interval", 1000, 0, "milliseconds");
  const sizeArg = str(v, "size");
  const size = sizeArg === undefined ? 64 : toSize(sizeArg, "--size", HEADER);
  const timeout = int(v, "timeout", 2000, 1, "milliseconds");
  const quiet = flag(v, "quiet");
  const security = planSecurity(v);
  const common = commonSettings(v, rt);
  const cls = socketClass("Dealer");
  if (cls === undefined) throw new RuntimeFailure("DEALER sockets are not available in this build");

  await security.start(rt, common.verbose || common.events);
  const attach = bind ? { bind: [endpoint], connect: [] } : { bind: [], connect: [endpoint] };
  let connected = false;
  let handshaken = false;
  const sock = await openSocket(rt, cls, {
    attach,
    security,
    hwm: common.hwm,
    events: common.events,
    verbose: common.verbose,
    setup: (s) => {
      s.events.on("connect", () => (connected = true));
      s.events.on("accept", () => (connected = true));
      s.events.on("handshake", () => (handshaken = true));
    },
  });
  const out = (line: string): void => {
    io.stdout.write(line + "\n");
  };
  out(`PING ${endpoint}: ${size} data bytes`);

  // Wait for the first handshake: that is what "reachable" means for ZeroMQ.
  const deadline = Date.now() + timeout;
  while (!handshaken && !rt.stopping && Date.now() < deadline) await rt.sleep(10);
  if (rt.stopping) return 0;
  if (!handshaken) {
    const why = connected
      ? `connected, but no ZMTP handshake within ${timeout} ms (not a ZeroMQ socket, or a security mismatch)`
      : await diagnose(endpoint, timeout);
    throw new RuntimeFailure(`${endpoint} is unreachable: ${why}`);
  }

  const stats: Stats = { sent: 0, received: 0, late: 0, corrupt: 0, rtts: [] };
  const runId = randomBytes(4).readUInt32BE(0);
  const started = performance.now();
  for (let seq = 1; seq <= count && !rt.stopping; seq++) {
    const t0 = performance.now();
    const payload = makePayload(size, seq, runId);
    try {
      await sock.send([Buffer.alloc(0), payload]);
    } catch (err) {
      if (rt.stopping) break;
      throw new RuntimeFailure(`send failed: ${describeError(err)}`);
    }
    stats.sent++;
    const result = await awaitReply(sock, rt, seq, runId, payload, t0, t0 + timeout, stats);
    if (result === "stopped") break;
    if (result === "timeout") {
      if (!quiet) out(`request timeout for seq=${seq}`);
    } else if (result === "corrupt") {
      if (!quiet) out(`corrupt reply for seq=${seq} (payload differs)`);
    } else {
      stats.received++;
      stats.rtts.push(result);
      if (!quiet) out(`${size} bytes from ${endpoint}: seq=${seq} time=${fmt(result)} ms`);
    }
    if (seq < count) {
      const wait = interval - (performance.now() - t0);
      if (wait > 0 && !(await rt.sleep(wait))) break;
    }
  }
  summary(out, endpoint, stats, performance.now() - started);
  return stats.received > 0 ? 0 : 1;
}

function makePayload(size: number, seq: number, runId: number): Buffer {
  const b = Buffer.alloc(size, 0x5a);
  b.writeUInt32BE(seq >>> 0, 0);
  b.writeUInt32BE(runId, 4);
  return b;
}

/** Wait for the reply to `seq`; returns its RTT in ms, or why there is none. */
async function awaitReply(
  sock: Socket,
  rt: Runtime,
  seq: number,
  runId: number,
  payload: Buffer,
  t0: number,
  deadline: number,
  stats: Stats,
): Promise<number | "timeout" | "corrupt" | "stopped"> {
  const s = sock as Socket & { receiveTimeout: number };
  for (;;) {
    const left = Math.ceil(deadline - performance.now());
    if (left <= 0) return "timeout";
    s.receiveTimeout = left;
    let msg: Buffer[];
    try {
      msg = await sock.receive();
    } catch (err) {
      if (rt.stopping) return "stopped";
      if ((err as { code?: unknown }).code === "EAGAIN") return "timeout";
      throw new RuntimeFailure(`receive failed: ${describeError(err)}`);
    }
    const t1 = performance.now();
    const body = msg.length === 2 && msg[0]!.length === 0 ? msg[1]! : undefined;
    if (body === undefined || body.length < HEADER || body.readUInt32BE(4) !== runId) {
      stats.corrupt++;
      return "corrupt";
    }
    const got = body.readUInt32BE(0);
    if (got !== seq) {
      // A reply that arrived after its request timed out.
      stats.late++;
      continue;
    }
    if (!body.equals(payload)) {
      stats.corrupt++;
      return "corrupt";
    }
    return t1 - t0;
  }
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(1);
}

function summary(out: (s: string) => void, endpoint: string, st: Stats, elapsed: number): void {
  const loss = st.sent === 0 ? 0 : ((st.sent - st.received) / st.sent) * 100;
  out("");
  out(`--- ${endpoint} ping statistics ---`);
  let line = `${st.sent} requests transmitted, ${st.received} replies received, ${loss.toFixed(loss % 1 === 0 ? 0 : 1)}% loss, time ${Math.round(elapsed)} ms`;
  if (st.late > 0) line += `, ${st.late} late`;
  if (st.corrupt > 0) line += `, ${st.corrupt} corrupt`;
  out(line);
  if (st.rtts.length > 0) {
    const min = Math.min(...st.rtts);
    const max = Math.max(...st.rtts);
    const avg = st.rtts.reduce((a, b) => a + b, 0) / st.rtts.length;
    const mdev = Math.sqrt(st.rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / st.rtts.length);
    out(`rtt min/avg/max/mdev = ${fmt(min)}/${fmt(avg)}/${fmt(max)}/${fmt(mdev)} ms`);
  }
}

/** Why nothing connected: a plain probe of the address, for a message a person can act on. */
async function diagnose(endpoint: string, timeout: number): Promise<string> {
  let ep;
  try {
    ep = parseEndpoint(endpoint, "connect");
  } catch (err) {
    return describeError(err);
  }
  if (ep.transport === "inproc") return `nothing is bound to ${endpoint} in this process`;
  if (ep.transport === "udp") return `ping needs a REP echo server; udp has none (try zocket dgram)`;
  if (ep.transport === "ipc" && !ep.abstract && !existsSync(ep.path))
    return `no socket file at ${ep.path} (is the server running?)`;
  const target =
    ep.transport === "ipc"
      ? { path: ep.abstract ? "\0" + ep.path.slice(1) : ep.path }
      : { host: ep.host, port: ep.port };
  return new Promise((resolve) => {
    const s = netConnect(target);
    const timer = setTimeout(
      () => {
        s.destroy();
        resolve(`no answer within ${timeout} ms (host down or packets filtered)`);
      },
      Math.min(timeout, 2000),
    );
    s.once("connect", () => {
      clearTimeout(timer);
      s.destroy();
      resolve(`a listener accepts connections now, but no ZMTP handshake completed within ${timeout} ms`);
    });
    s.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const reasons: Record<string, string> = {
        ECONNREFUSED: "connection refused (nothing is listening there)",
        EHOSTUNREACH: "host unreachable",
        ENETUNREACH: "network unreachable",
        ENOTFOUND: "unknown host name",
        EAI_AGAIN: "host name lookup failed",
        ETIMEDOUT: "connection timed out",
        ENOENT: "no such socket file",
        EACCES: "permission denied",
      };
      resolve(reasons[err.code ?? ""] ?? describeError(err));
    });
  });
}

export const pingCommand: Command = { name: "ping", summary: "round trips to an echo server, like ping(8)", run };
