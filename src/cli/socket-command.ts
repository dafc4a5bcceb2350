/**
 * `zocket <type> <endpoints...>`: one socket of any type, wired to the shell.
 *
 * What flows where depends on the type (libzmq's semantics, nothing invented):
 * - send-only (PUSH, PUB): every stdin message is sent; at the end of input the process waits (up to
 *   --linger) for the queue to drain and exits 0;
 * - receive-only (PULL, SUB): received messages are printed; stdin is not read;
 * - REQ: each stdin message is a request, its reply is printed;
 * - REP: each request is printed and answered with the next stdin message;
 * - the others (PAIR, DEALER, ROUTER, XPUB, XSUB, STREAM): stdin is sent while received messages are
 *   printed; the end of input does not end the process (replies may still come): --count, --timeout
 *   or Ctrl-C do.
 * The draft types (zocket/draft) fit the same flows: SCATTER sends, GATHER receives, CLIENT both; RADIO
 * sends to `--group`, DISH prints `group, message` for its `--join`s; SERVER and DGRAM print the peer
 * (routing id, `ip:port`) before each message and send a stdin line to the last peer that spoke, or to
 * the one named in its first frame (with --separator).
 */
import { Buffer } from "node:buffer";
import type { Socket } from "../index.ts";
import {
  flag,
  helpText,
  int,
  oneOf,
  parse,
  RuntimeFailure,
  str,
  strs,
  UsageError,
  type CommandSpec,
  type OptionTable,
  type ParsedValues,
} from "./args.ts";
import { DATAGRAM_USE, type SocketTypeName } from "../protocol/constants.ts";
import { parseEndpoint } from "../transports/endpoint.ts";
import { isDatagramEndpoint } from "../transports/registry.ts";
import { collectEndpoints, commonSettings, ENDPOINT_OPTIONS, openSocket, SOCKET_COMMON_OPTIONS } from "./endpoints.ts";
import { INPUT_FORMATS, MessageReader, OUTPUT_FORMATS, Printer } from "./io.ts";
import { socketClass, type SocketTypeInfo } from "./lib.ts";
import type { Runtime } from "./runtime.ts";
import { planSecurity, SECURITY_OPTIONS } from "./security.ts";
import { Flow, type Settings } from "./flow.ts";

const MESSAGE_OPTIONS: OptionTable = {
  format: { type: "string", short: "f", value: "FMT", help: "how to print messages: text (default), hex, json or raw" },
  input: {
    type: "string",
    short: "i",
    value: "FMT",
    help: "how to read stdin: text (a message per line, default), json (a JSON array per line = multipart) or raw",
  },
  separator: {
    type: "string",
    short: "s",
    value: "SEP",
    help: "text frame separator: splits stdin lines into frames, joins printed frames (default: no split; tab)",
  },
};

const SOCKET_COMMAND_OPTIONS: OptionTable = {
  ...ENDPOINT_OPTIONS,
  ...MESSAGE_OPTIONS,
  subscribe: {
    type: "string",
    multiple: true,
    value: "TOPIC",
    help: "SUB/XSUB: subscribe to messages starting with TOPIC (SUB default: everything)",
  },
  "routing-id": { type: "string", value: "ID", help: "this socket's routing id (DEALER, ROUTER, REQ, REP, PAIR...)" },
  group: { type: "string", short: "g", value: "GROUP", help: "RADIO: the group every message is sent to" },
  join: { type: "string", multiple: true, value: "GROUP", help: "DISH: receive the messages of GROUP (repeatable)" },
  count: { type: "string", short: "n", value: "N", help: "exit after N messages (received, or sent for PUSH/PUB)" },
  timeout: {
    type: "string",
    short: "t",
    value: "MS",
    help: "fail (exit 1) when a send or receive waits longer than MS",
  },
  delay: {
    type: "string",
    value: "MS",
    help: "wait MS after connecting before sending the first message (PUB slow joiners)",
  },
  ...SOCKET_COMMON_OPTIONS,
  ...SECURITY_OPTIONS,
};

/** The help page of `zocket <type>`. */
function socketCommandSpec(t: SocketTypeInfo): CommandSpec {
  const examples: Record<string, string[]> = {
    push: ["seq 1000 | zocket push --connect tcp://localhost:5557", "zocket push @tcp://*:5557 < tasks.txt"],
    pull: [
      "zocket pull @tcp://*:5557 --count 1000 > results.txt",
      "zocket pull --connect ipc:///tmp/sink.sock --format json",
    ],
    pub: [
      "(sleep 1; echo 'weather 21C') | zocket pub @tcp://*:5556",
      "tail -f app.log | zocket pub --bind tcp://*:5556",
    ],
    sub: [
      "zocket sub --connect tcp://localhost:5556 --subscribe weather | head",
      "zocket sub '>tcp://localhost:5556' --count 10 --format json",
    ],
    req: [
      "echo hello | zocket req --connect tcp://localhost:5555",
      "zocket req '>tcp://localhost:5555' --input json <<< '[\"multi\",\"part\"]'",
    ],
    rep: ["yes pong | zocket rep @tcp://*:5555", "zocket echo tcp://*:5555   # answer every request with itself"],
    dealer: [
      "echo hi | zocket dealer --connect tcp://localhost:5555 --count 1",
      "zocket dealer '>tcp://localhost:5555' --routing-id client-1",
    ],
    router: [
      "zocket router @tcp://*:5555 --format json",
      'zocket router @tcp://*:5555 --input json   # stdin: [{"hex":"<id>"},"reply"]',
    ],
    pair: ["zocket pair @ipc:///tmp/pair.sock", "echo ping | zocket pair '>ipc:///tmp/pair.sock' --count 1"],
    xpub: ["zocket xpub @tcp://*:5556   # prints +topic / -topic as subscribers come and go"],
    xsub: ["zocket xsub '>tcp://localhost:5556' --subscribe ''"],
    stream: [
      "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | zocket stream --connect tcp://example.com:80",
      "zocket stream @tcp://*:7000   # a raw TCP server",
    ],
    server: ["zocket server @tcp://*:5555", "yes pong | zocket server tcp://*:5555   # answer each client"],
    client: ["echo hello | zocket client tcp://localhost:5555 --count 1"],
    radio: [
      "tail -f app.log | zocket radio tcp://*:5556 --group logs",
      "seq 100 | zocket radio 'udp://127.0.0.1;239.0.0.1:5556' --group temp   # multicast on lo",
    ],
    dish: [
      "zocket dish tcp://localhost:5556 --join logs",
      "zocket dish 'udp://127.0.0.1;239.0.0.1:5556' --join temp --join wind",
    ],
    scatter: ["seq 1000 | zocket scatter tcp://localhost:5557"],
    gather: ["zocket gather tcp://*:5557 --count 1000"],
    dgram: [
      "zocket dgram udp://*:5555   # print ip:port<TAB>data; a stdin line answers the last sender",
      "echo '127.0.0.1:5555|hi' | zocket dgram udp://127.0.0.1:* -s '|' --count 1",
    ],
  };
  return {
    name: t.name,
    summary: `zocket ${t.name} — a ${t.zmqName} socket: ${t.summary}`,
    usage: [`zocket ${t.name} [options] <endpoint...>`, `zocket ${t.name} --bind EP [--connect EP] [options]`],
    description:
      `Endpoints: @EP binds, >EP connects (quote it in a shell), a plain EP ${t.bindsByDefault ? "binds" : "connects"} for ${t.zmqName}.\n` +
      "Transports: tcp://host:port (tcp://*:* binds a free port), ipc:///path, inproc://name" +
      (DATAGRAM_USE[t.zmqName as SocketTypeName] !== undefined
        ? ",\nudp://host:port and udp://iface;group:port (multicast; the side udp allows is taken).\n"
        : ".\n") +
      "Text output shows a frame as text when it is printable UTF-8, else as 0x<hex>.",
    options: SOCKET_COMMAND_OPTIONS,
    examples: examples[t.name] ?? [],
  };
}

function settingsOf(v: ParsedValues, t: SocketTypeInfo): Settings {
  const isStream = t.name === "stream";
  return {
    count: str(v, "count") === undefined ? undefined : int(v, "count", 0, 1),
    timeout: str(v, "timeout") === undefined ? undefined : int(v, "timeout", 0, 1, "milliseconds"),
    delay: int(v, "delay", 0, 0, "milliseconds"),
    // A STREAM socket talks to plain TCP peers: bytes in, bytes out, unless asked otherwise.
    input: oneOf(str(v, "input"), INPUT_FORMATS, "--input", isStream ? "raw" : "text"),
    format: oneOf(str(v, "format"), OUTPUT_FORMATS, "--format", isStream ? "raw" : "text"),
    separator: str(v, "separator"),
  };
}

/** Run `zocket <type> ...`. Resolves with the exit code. */
export async function runSocketCommand(
  t: SocketTypeInfo,
  argv: string[],
  rt: Runtime,
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream },
): Promise<number> {
  const spec = socketCommandSpec(t);
  const { values: v, positionals } = parse(spec, argv);
  if (flag(v, "help")) {
    io.stdout.write(helpText(spec));
    return 0;
  }
  const s = settingsOf(v, t);
  const attach = collectEndpoints(datagramSides(t, positionals), v, t.bindsByDefault);
  if (attach.bind.length + attach.connect.length === 0) {
    throw new UsageError(
      `missing endpoint (e.g. zocket ${t.name} ${t.bindsByDefault ? "@tcp://*:5555" : "--connect tcp://localhost:5555"})`,
    );
  }
  const subscriptions = strs(v, "subscribe");
  if (subscriptions.length > 0 && t.name !== "sub" && t.name !== "xsub")
    throw new UsageError(`--subscribe is for sub and xsub sockets, not ${t.name}`);
  const group = str(v, "group");
  const joins = strs(v, "join");
  if (group !== undefined && t.name !== "radio") throw new UsageError(`--group is for radio sockets, not ${t.name}`);
  if (t.name === "radio" && group === undefined) throw new UsageError("radio needs --group GROUP: its messages' group");
  if (joins.length > 0 && t.name !== "dish") throw new UsageError(`--join is for dish sockets, not ${t.name}`);
  if (t.name === "dish" && joins.length === 0) throw new UsageError("dish needs --join GROUP (repeatable)");
  const routingId = str(v, "routing-id");
  const security = planSecurity(v);
  const common = commonSettings(v, rt);

  const cls = socketClass(t);
  if (cls === undefined)
    throw new RuntimeFailure(`${t.zmqName} sockets are not available in this build (no ${t.className} export yet)`);

  await security.start(rt, common.verbose || common.events);
  for (const n of security.notes) rt.note(n);
  const sock = await openSocket(rt, cls, {
    attach,
    security,
    hwm: common.hwm,
    events: common.events,
    verbose: common.verbose,
    setup: (so) => {
      if (routingId !== undefined) {
        if (!("routingId" in so)) throw new UsageError(`--routing-id: ${t.zmqName} sockets have no routing id`);
        (so as Socket & { routingId: string }).routingId = routingId;
      }
      if (s.timeout !== undefined) {
        (so as Socket & { receiveTimeout: number }).receiveTimeout = s.timeout;
        (so as Socket & { sendTimeout: number }).sendTimeout = s.timeout;
      }
      if (t.name === "dish") (so as Socket & { join(...groups: string[]): void }).join(...joins);
      if (t.name === "sub") {
        const sub = so as Socket & { subscribe?: (...topics: string[]) => void };
        if (typeof sub.subscribe !== "function") throw new RuntimeFailure("this build's Subscriber has no subscribe()");
        sub.subscribe(...(subscriptions.length > 0 ? subscriptions : [""]));
      }
    },
  });

  const printer = new Printer(io.stdout, s.format, s.separator ?? "\t", () => rt.stop(0));
  const needsStdin = t.direction !== "recv";
  const reader = needsStdin ? new MessageReader(io.stdin, s.input, s.separator) : null;
  if (reader) rt.onStop(() => reader.close());

  if (t.name === "xsub") {
    for (const topic of subscriptions) await sock.send(Buffer.concat([Buffer.from([1]), Buffer.from(topic)]));
  }
  if (s.delay > 0) await rt.sleep(s.delay);

  const flow = new Flow(rt, sock, t, s, printer, attach.bind.length === 0, group ?? "");
  switch (t.direction) {
    case "send":
      return flow.sendAll(reader!);
    case "recv":
      return flow.receiveAll();
    case "req":
      return flow.request(reader!);
    case "rep":
      return flow.reply(reader!);
    case "both":
      return flow.both(reader!);
  }
}

/**
 * A plain positional endpoint on a datagram transport (udp) goes to the one side the type may use there
 * (RADIO connects, DISH and DGRAM bind), whatever the type's usual default.
 */
function datagramSides(t: SocketTypeInfo, positionals: string[]): string[] {
  const use = DATAGRAM_USE[t.zmqName as SocketTypeName];
  if (use === undefined) return positionals;
  return positionals.map((arg) =>
    arg
      .split(",")
      .map((p) => {
        const e = p.trim();
        if (e === "" || e.startsWith("@") || e.startsWith(">")) return p;
        try {
          return isDatagramEndpoint(parseEndpoint(e, use.mode)) ? (use.mode === "bind" ? "@" : ">") + e : p;
        } catch {
          return p; // collectEndpoints reports it
        }
      })
      .join(","),
  );
}
