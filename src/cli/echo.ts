/**
 * `zocket echo <endpoint>`: a REP server that answers every request with the request itself — the
 * peer `zocket ping` measures against, and a quick way to check that a REQ/DEALER client works.
 * `--stream` echoes raw TCP through a STREAM socket instead (talk to it with nc or telnet); a udp://
 * endpoint echoes datagrams through a DGRAM socket, back to each sender (`nc -u`).
 */
import type { Socket } from "../index.ts";
import { flag, helpText, int, parse, RuntimeFailure, str, UsageError, type CommandSpec } from "./args.ts";
import { collectEndpoints, commonSettings, ENDPOINT_OPTIONS, openSocket, SOCKET_COMMON_OPTIONS } from "./endpoints.ts";
import { parseEndpoint } from "../transports/endpoint.ts";
import { isDatagramEndpoint } from "../transports/registry.ts";
import { formatMessage } from "./io.ts";
import { socketClass } from "./lib.ts";
import { describeError, type CliIO, type Command, type Runtime } from "./runtime.ts";
import { planSecurity, SECURITY_OPTIONS } from "./security.ts";

const spec: CommandSpec = {
  name: "echo",
  summary: "zocket echo — an echo server: every request comes back as its reply",
  usage: ["zocket echo [options] <endpoint...>"],
  description:
    "A REP socket (binds by default; >EP connects) that replies to each request with the same frames.\n" +
    "With --stream, a STREAM socket echoes the bytes of plain TCP clients.\n" +
    "On udp://host:port, a DGRAM socket sends every datagram back to its sender.",
  options: {
    ...ENDPOINT_OPTIONS,
    stream: { type: "boolean", help: "raw TCP echo through a STREAM socket" },
    count: { type: "string", short: "n", value: "N", help: "exit after N echoes" },
    ...SOCKET_COMMON_OPTIONS,
    ...SECURITY_OPTIONS,
  },
  examples: [
    "zocket echo tcp://*:5555",
    "zocket ping tcp://localhost:5555 -c 5          # from another terminal",
    "zocket echo ws://*:8080/echo                   # for web pages (zocket/browser) and libzmq's ws://",
    "zocket echo --stream @tcp://127.0.0.1:7000    # then: nc 127.0.0.1 7000",
    "zocket echo @tcp://*:5555 --curve-server --curve-cert server.cert",
    "zocket echo udp://*:5555                      # then: nc -u 127.0.0.1 5555",
  ],
};

async function run(argv: string[], rt: Runtime, io: CliIO): Promise<number> {
  const { values: v, positionals } = parse(spec, argv);
  if (flag(v, "help")) {
    io.stdout.write(helpText(spec));
    return 0;
  }
  const stream = flag(v, "stream");
  const count = str(v, "count") === undefined ? undefined : int(v, "count", 0, 1);
  const attach = collectEndpoints(positionals, v, true);
  if (attach.bind.length + attach.connect.length === 0)
    throw new UsageError("missing endpoint (e.g. zocket echo tcp://*:5555)");
  const security = planSecurity(v);
  const common = commonSettings(v, rt);
  const all = [...attach.bind, ...attach.connect];
  const udp = all.some((ep) => isDatagramEndpoint(parseEndpoint(ep, "bind")));
  if (
    udp &&
    (stream || attach.connect.length > 0 || !all.every((ep) => isDatagramEndpoint(parseEndpoint(ep, "bind"))))
  ) {
    throw new UsageError("a udp echo binds udp:// endpoints only (no --stream, no >EP, no other transports)");
  }
  const className = udp ? "Datagram" : stream ? "Stream" : "Reply";
  const cls = socketClass(className);
  if (cls === undefined)
    throw new RuntimeFailure(`${className} sockets are not available in this build (no ${className} export yet)`);

  await security.start(rt, common.verbose || common.events);
  for (const n of security.notes) rt.note(n);
  const sock = await openSocket(rt, cls, {
    attach,
    security,
    hwm: common.hwm,
    events: common.events,
    verbose: common.verbose,
    announceBinds: true,
  });
  if (!common.verbose) {
    for (const ep of attach.bind) if (!/:(\*|0)$/.test(ep)) rt.note(`echoing on ${ep}`);
  }
  if (udp) return echoDatagram(sock, rt, count, common.verbose);
  return stream ? echoStream(sock, rt, count, common.verbose) : echoReply(sock, rt, count, common.verbose);
}

async function echoReply(sock: Socket, rt: Runtime, count: number | undefined, verbose: boolean): Promise<number> {
  let n = 0;
  while (!rt.stopping && (count === undefined || n < count)) {
    let msg: Buffer[];
    try {
      msg = await sock.receive();
      await sock.send(msg);
    } catch (err) {
      if (rt.stopping) break;
      throw new RuntimeFailure(`echo failed: ${describeError(err)}`);
    }
    n++;
    if (verbose) rt.note(`echoed ${describe(msg)}`);
  }
  return 0;
}

async function echoStream(sock: Socket, rt: Runtime, count: number | undefined, verbose: boolean): Promise<number> {
  let n = 0;
  while (!rt.stopping && (count === undefined || n < count)) {
    let msg: Buffer[];
    try {
      msg = await sock.receive();
    } catch (err) {
      if (rt.stopping) break;
      throw new RuntimeFailure(`echo failed: ${describeError(err)}`);
    }
    const [id, data] = msg;
    if (id === undefined) continue;
    if (data === undefined || data.length === 0) {
      // STREAM notifies a connect or disconnect with an empty payload (ZMQ_STREAM_NOTIFY).
      if (verbose) rt.note(`peer 0x${id.toString("hex")} connected or disconnected`);
      continue;
    }
    try {
      await sock.send([id, data]);
    } catch (err) {
      if (rt.stopping) break;
      // The peer may have gone between its data and our echo: not fatal for a server.
      rt.note(`could not echo to 0x${id.toString("hex")}: ${describeError(err)}`);
      continue;
    }
    n++;
    if (verbose) rt.note(`echoed ${data.length} bytes to 0x${id.toString("hex")}`);
  }
  return 0;
}

/** DGRAM: each `[address, datagram]` goes back to its address. */
async function echoDatagram(sock: Socket, rt: Runtime, count: number | undefined, verbose: boolean): Promise<number> {
  let n = 0;
  while (!rt.stopping && (count === undefined || n < count)) {
    let msg: Buffer[];
    try {
      msg = await sock.receive();
      await sock.send(msg);
    } catch (err) {
      if (rt.stopping) break;
      throw new RuntimeFailure(`echo failed: ${describeError(err)}`);
    }
    n++;
    if (verbose) rt.note(`echoed ${msg[1]!.length} bytes to ${msg[0]!.toString("latin1").replace(/\0$/, "")}`);
  }
  return 0;
}

function describe(msg: Buffer[]): string {
  const text = formatMessage(msg, "text", " | ");
  const s = typeof text === "string" ? text : text.toString("hex");
  return s.length > 80 ? s.slice(0, 77) + "..." : s;
}

export const echoCommand: Command = { name: "echo", summary: "an echo server (REP; --stream: raw TCP)", run };
