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
import {
  frameText,
  INPUT_FORMATS,
  MessageReader,
  OUTPUT_FORMATS,
  Printer,
  type Frames,
  type InputFormat,
  type OutputFormat,
} from "./io.ts";
import { socketClass, type SocketTypeInfo } from "./lib.ts";
import { describeError, type Runtime } from "./runtime.ts";
import { planSecurity, SECURITY_OPTIONS } from "./security.ts";

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

interface Settings {
  count: number | undefined;
  timeout: number | undefined;
  delay: number;
  input: InputFormat;
  format: OutputFormat;
  separator: string | undefined;
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

/** SERVER's and RADIO's send(message, options) (zeromq.js's draft API). */
interface Routed {
  send(message: Buffer | Frames, options: { routingId: number } | { group: string }): Promise<void>;
}

/** Resolves when the runtime starts stopping. */
function stopped(rt: Runtime): Promise<void> {
  if (rt.stopping) return Promise.resolve();
  return new Promise((resolve) => rt.signal.addEventListener("abort", () => resolve(), { once: true }));
}

/** The message loops of the generic command. */
class Flow {
  readonly #rt: Runtime;
  readonly #sock: Socket;
  readonly #t: SocketTypeInfo;
  readonly #s: Settings;
  readonly #printer: Printer;
  /** The socket only connects (a STREAM client ends when its server hangs up). */
  readonly #connectOnly: boolean;
  /** STREAM: the peer a one-frame stdin message goes to (the last one that spoke or connected). */
  #streamPeer: Buffer | null = null;
  #peerArrivedResolve: () => void = () => {};
  readonly #peerArrived = new Promise<void>((resolve) => (this.#peerArrivedResolve = resolve));
  /** STREAM: connected TCP peers (hex ids), and whether stdin has ended. */
  readonly #livePeers = new Set<string>();
  #inputDone = false;
  /** RADIO: the group of every message. */
  readonly #group: string;
  /** SERVER and DGRAM: the peer (routing id, address frame) a one-frame stdin line goes to: the last one heard. */
  #lastPeer: number | Buffer | null = null;
  #peerHeardResolve: () => void = () => {};
  readonly #peerHeard = new Promise<void>((resolve) => (this.#peerHeardResolve = resolve));

  constructor(
    rt: Runtime,
    sock: Socket,
    t: SocketTypeInfo,
    s: Settings,
    printer: Printer,
    connectOnly: boolean,
    group: string,
  ) {
    this.#group = group;
    this.#connectOnly = connectOnly;
    this.#rt = rt;
    this.#sock = sock;
    this.#t = t;
    this.#s = s;
    this.#printer = printer;
  }

  /** A send/receive failure: quiet when stopping (the socket was closed), else exit 1 with why. */
  #failed(err: unknown, what: "send" | "receive"): number {
    if (this.#rt.stopping) return 0;
    const code = (err as { code?: unknown }).code;
    if (code === "EAGAIN" && this.#s.timeout !== undefined) {
      throw new RuntimeFailure(
        what === "receive"
          ? `no message within ${this.#s.timeout} ms`
          : `could not send within ${this.#s.timeout} ms (no peer ready to take it)`,
      );
    }
    throw new RuntimeFailure(`${what} failed: ${describeError(err)}`);
  }

  /** SERVER, RADIO and DGRAM sends: the peer or group goes beside the message (zeromq.js's draft API). */
  async #sendDraft(msg: Frames): Promise<void> {
    const name = this.#t.name;
    if (name === "radio") {
      await (this.#sock as unknown as Routed).send(msg.length === 1 ? msg[0]! : msg, { group: this.#group });
      return;
    }
    let peer: number | Buffer | null;
    let body: Buffer | Frames;
    if (msg.length === 2) {
      peer = name === "server" ? Number(msg[0]!.toString()) : msg[0]!;
      body = msg[1]!;
    } else {
      // One frame: to the last peer heard from; wait for the first one.
      if (this.#lastPeer === null) await Promise.race([this.#peerHeard, stopped(this.#rt)]);
      peer = this.#lastPeer;
      body = msg.length === 1 ? msg[0]! : msg;
    }
    if (peer === null) return;
    if (name === "server") await (this.#sock as unknown as Routed).send(body, { routingId: peer as number });
    else await this.#sock.send([peer as Buffer, ...(Array.isArray(body) ? body : [body])]);
  }

  async #send(msg: Frames): Promise<boolean> {
    const name = this.#t.name;
    if (name === "server" || name === "radio" || name === "dgram") {
      try {
        await this.#sendDraft(msg);
        return true;
      } catch (err) {
        this.#failed(err, "send");
        return false;
      }
    }
    let out = msg;
    if (this.#t.name === "stream" && msg.length === 1) {
      // STREAM needs the peer's routing id, which its connect notification brings: wait for it.
      if (this.#streamPeer === null) await Promise.race([this.#peerArrived, stopped(this.#rt)]);
      if (this.#streamPeer === null) return false;
      out = [this.#streamPeer, msg[0]!];
    }
    try {
      await this.#sock.send(out);
      return true;
    } catch (err) {
      this.#failed(err, "send");
      return false;
    }
  }

  async #receive(): Promise<Frames | null> {
    try {
      return this.#frames(await this.#sock.receive());
    } catch (err) {
      this.#failed(err, "receive");
      return null;
    }
  }

  /**
   * A received message as frames to print: SERVER's `[msg, { routingId }]` as `[id, msg]`, DISH's
   * `[msg, { group }]` as `[group, msg]`, DGRAM's address without its NUL. SERVER and DGRAM remember the peer.
   */
  #frames(received: unknown[]): Frames {
    const name = this.#t.name;
    if (name === "server") {
      const id = (received[1] as { routingId: number }).routingId;
      this.#lastPeer = id;
      this.#peerHeardResolve();
      return [Buffer.from(String(id)), received[0] as Buffer];
    }
    if (name === "dish") return [(received[1] as { group: Buffer }).group, received[0] as Buffer];
    if (name === "dgram") {
      const addr = received[0] as Buffer;
      this.#lastPeer = addr;
      this.#peerHeardResolve();
      const end = addr.length > 0 && addr[addr.length - 1] === 0 ? addr.length - 1 : addr.length;
      return [addr.subarray(0, end), received[1] as Buffer];
    }
    return received as Frames;
  }

  /** Print a received message; false when it does not count (STREAM notifications). */
  async #print(msg: Frames): Promise<boolean> {
    if (this.#t.name === "stream") {
      const id = msg[0] ?? null;
      this.#streamPeer = id;
      this.#peerArrivedResolve();
      // An empty payload is STREAM's connect/disconnect notification: not data, not counted.
      const data = msg.length >= 2 && msg[1]!.length > 0;
      if (!data && id !== null) {
        const key = id.toString("hex");
        if (this.#livePeers.delete(key)) this.#maybeHangUp();
        else this.#livePeers.add(key);
        return false;
      }
      if (!data) return false;
      if (this.#s.format === "raw") {
        await this.#printer.print(msg.slice(1));
        return true;
      }
    }
    if (
      this.#t.name === "xpub" &&
      this.#s.format === "text" &&
      msg.length === 1 &&
      msg[0]!.length > 0 &&
      msg[0]![0]! <= 1
    ) {
      // XPUB delivers subscriptions as [0x01|topic] / [0x00|topic] (RFC 29): show them as +topic / -topic.
      const f = msg[0]!;
      const topic = f.subarray(1);
      await this.#printer.print([
        Buffer.from(`${f[0] === 1 ? "+" : "-"}${frameText(topic) ?? "0x" + topic.toString("hex")}`),
      ]);
      return true;
    }
    await this.#printer.print(msg);
    return true;
  }

  /**
   * Like netcat: a STREAM client (connect only) whose input has ended is done when the server hangs up
   * (an HTTP/1.0 server closing after its response, say).
   */
  #maybeHangUp(): void {
    if (
      this.#t.name === "stream" &&
      this.#connectOnly &&
      this.#inputDone &&
      this.#streamPeer !== null &&
      this.#livePeers.size === 0
    ) {
      this.#rt.stop(0);
    }
  }

  #more(n: number): boolean {
    return !this.#rt.stopping && (this.#s.count === undefined || n < this.#s.count);
  }

  async sendAll(reader: MessageReader): Promise<number> {
    let n = 0;
    while (this.#more(n)) {
      const msg = await reader.next();
      if (msg === null || this.#rt.stopping) break;
      if (!(await this.#send(msg))) break;
      n++;
    }
    // PUB and RADIO drop what nobody takes; the others wait for a peer.
    if (n > 0 && this.#t.name !== "pub" && this.#t.name !== "radio" && !this.#rt.stopping) {
      // PUSH queues for peers that are still connecting. Closing now could drop the queue quietly, or
      // miss a peer refusing the handshake: wait (within the linger) until some peer took the link.
      const limit = this.#rt.linger < 0 ? -1 : Math.max(this.#rt.linger, this.#s.timeout ?? 0);
      const ok = await this.#rt.waitHandshake(this.#sock, limit);
      if (!ok && !this.#rt.stopping) {
        throw new RuntimeFailure(
          `no peer connected within ${limit} ms: ${n === 1 ? "the message was" : `${n} messages were`} not delivered`,
        );
      }
    }
    return 0;
  }

  async receiveAll(): Promise<number> {
    let n = 0;
    while (this.#more(n)) {
      const msg = await this.#receive();
      if (msg === null) break;
      if (await this.#print(msg)) n++;
    }
    return 0;
  }

  async request(reader: MessageReader): Promise<number> {
    let n = 0;
    while (this.#more(n)) {
      const msg = await reader.next();
      if (msg === null || this.#rt.stopping) break;
      if (!(await this.#send(msg))) break;
      const reply = await this.#receive();
      if (reply === null) break;
      await this.#print(reply);
      n++;
    }
    return 0;
  }

  async reply(reader: MessageReader): Promise<number> {
    let n = 0;
    while (this.#more(n)) {
      const req = await this.#receive();
      if (req === null) break;
      await this.#print(req);
      const answer = await reader.next();
      if (answer === null || this.#rt.stopping) {
        if (!this.#rt.stopping) this.#rt.note("end of input: no reply for the last request");
        break;
      }
      if (!(await this.#send(answer))) break;
      n++;
    }
    return 0;
  }

  async both(reader: MessageReader): Promise<number> {
    const sender = (async (): Promise<void> => {
      for (;;) {
        const msg = await reader.next();
        if (msg === null || this.#rt.stopping) break;
        if (!(await this.#send(msg))) return;
      }
      this.#inputDone = true;
      this.#maybeHangUp();
    })();
    // A send failure stops the process (which also ends the receive loop) with its reason.
    sender.catch((err: unknown) => this.#rt.stop(1, describeError(err)));
    return this.receiveAll();
  }
}
