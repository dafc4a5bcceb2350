/**
 * The `zocket` command: dispatch to a subcommand, map errors to exit codes, and make the process end
 * cleanly. Kept apart from main.ts so tests and other tools can call {@link run} without side effects
 * at import time.
 */
import { RuntimeFailure, UsageError } from "./args.ts";
import { benchCommand } from "./bench.ts";
import { demoCommand } from "./demo.ts";
import { echoCommand } from "./echo.ts";
import { keygenCommand } from "./keygen.ts";
import { findSocketType, LIBZMQ_VERSION, packageVersion, SOCKET_TYPES, socketClass } from "./lib.ts";
import { pingCommand } from "./ping.ts";
import { proxyCommand } from "./proxy.ts";
import { describeError, Runtime, type CliIO, type Command } from "./runtime.ts";
import { runSocketCommand } from "./socket-command.ts";

const COMMANDS: readonly Command[] = [echoCommand, pingCommand, keygenCommand, proxyCommand, benchCommand, demoCommand];

/** Commands that open sockets and so accept --events (what `zocket monitor` wraps). */
const MONITORABLE = new Set(["echo", "ping", "proxy"]);

function topHelp(): string {
  const types = SOCKET_TYPES.map((t) => {
    const missing = socketClass(t) === undefined ? "  (not in this build yet)" : "";
    return `  ${t.name.padEnd(8)} ${t.summary}${missing}`;
  });
  return [
    `zocket — ZeroMQ from the shell, in pure TypeScript (wire-compatible with libzmq ${LIBZMQ_VERSION})`,
    "",
    "Usage:",
    "  zocket <socket-type> [options] <endpoint...>   one socket: stdin -> messages -> stdout",
    "  zocket <command> [options]",
    "  zocket <command> --help                        options and examples",
    "",
    "Socket types:",
    ...types,
    "",
    "Commands:",
    "  echo     an echo server: REP that answers each request with itself (--stream: raw TCP; udp://: DGRAM)",
    "  ping     round trips to an echo server with min/avg/max/loss, like ping(8)",
    "  keygen   a CURVE key pair in Z85, or czmq certificate files",
    "  proxy    a pubsub (XSUB/XPUB), queue (ROUTER/DEALER) or pipeline (PULL/PUSH) device",
    "  monitor  run a command with --events: socket events (connect, handshake, disconnect...) on stderr",
    "  bench    thr (throughput) or lat (latency), with a progress bar",
    "  demo     a live tour of the patterns (what `npm start` runs)",
    "",
    "Endpoints: @EP binds, >EP connects (quote > in a shell), --bind EP / --connect EP; tcp://host:port,",
    "ipc:///path, inproc://name, ws://host:port/path, wss://...; tcp://*:* binds any free port and prints which;",
    "udp://host:port and udp://iface;group:port (multicast) for radio, dish and dgram.",
    "",
    "Examples:",
    "  seq 1000 | zocket push --connect tcp://localhost:5557",
    "  zocket sub --connect tcp://localhost:5556 --subscribe weather | head",
    "  zocket echo tcp://*:5555 &  zocket ping tcp://localhost:5555 -c 3",
    "  zocket keygen server.cert && zocket echo @tcp://*:5555 --curve-server --curve-cert server.cert",
    "",
    "Exit status: 0 done, 1 runtime failure, 2 bad input, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).",
    "",
  ].join("\n");
}

export interface RunOptions {
  /**
   * Called as a function inside another program (tests): no signal handlers, no `process.exitCode`,
   * no forced exit after the linger. The exit code is only the resolved value.
   */
  embedded?: boolean;
}

/**
 * Run the CLI with `argv` (without node and the script). Installs signal handlers, runs the
 * command, closes its sockets, and resolves with the exit code (also set as `process.exitCode`).
 */
export async function run(
  argv: string[],
  io: CliIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  options: RunOptions = {},
): Promise<number> {
  const embedded = options.embedded === true;
  const fail = (line: string): number => {
    io.stderr.write(line + "\n");
    if (!embedded) process.exitCode = 2;
    return 2;
  };
  const first = argv[0];
  if (first === undefined) return fail("zocket: missing command or socket type (zocket --help lists them)");
  if (first === "--help" || first === "-h" || first === "help") {
    const topic = argv[1];
    if (first === "help" && topic !== undefined) return run([topic, "--help"], io, options);
    io.stdout.write(topHelp());
    return 0;
  }
  if (first === "--version" || first === "-V" || first === "version") {
    io.stdout.write(
      `zocket ${await packageVersion()} (ZMTP 3.1, wire-compatible with libzmq ${LIBZMQ_VERSION}; node ${process.versions.node})\n`,
    );
    return 0;
  }
  let name = first;
  let rest = argv.slice(1);
  if (name === "monitor") {
    const inner = rest[0];
    if (inner === undefined || inner === "--help" || inner === "-h") {
      io.stdout.write(
        "zocket monitor — run a command with --events: socket events on stderr\n\nUsage:\n  zocket monitor <socket-type|echo|ping|proxy> [options...]\n\nExamples:\n  zocket monitor sub --connect tcp://localhost:5556\n  zocket monitor ping tcp://localhost:5555 -c 3\n",
      );
      if (inner === undefined) return fail("zocket monitor: missing command to monitor");
      return 0;
    }
    if (!MONITORABLE.has(inner) && findSocketType(inner) === undefined) {
      return fail(`zocket monitor: cannot monitor "${inner}" (a socket type, echo, ping or proxy)`);
    }
    name = inner;
    rest = [...rest.slice(1), "--events"];
  }
  const rt = new Runtime(`zocket ${name}`, io.stderr, embedded);
  rt.installSignals();
  let code: number;
  try {
    const type = findSocketType(name);
    const cmd = COMMANDS.find((c) => c.name === name);
    if (type !== undefined) code = await runSocketCommand(type, rest, rt, io);
    else if (cmd !== undefined) code = await cmd.run(rest, rt, io);
    else
      throw new UsageError(
        `unknown command or socket type "${name}" (types: ${SOCKET_TYPES.map((t) => t.name).join(", ")}; commands: ${COMMANDS.map((c) => c.name).join(", ")}, monitor)`,
      );
  } catch (err) {
    code = report(rt, err);
  }
  return rt.finish(code);
}

function report(rt: Runtime, err: unknown): number {
  if (err instanceof UsageError) {
    rt.note(err.message);
    return 2;
  }
  // A failure after a signal or a fatal event is a consequence, not the cause: stay quiet.
  if (rt.stopping) return rt.stopCode ?? 1;
  if (err instanceof RuntimeFailure) {
    rt.note(err.message);
    return err.exitCode;
  }
  rt.note(describeError(err));
  return 1;
}
