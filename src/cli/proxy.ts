/**
 * `zocket proxy <frontend> <backend>`: the three classic devices of zmq_proxy(3), with an optional
 * capture socket that gets a copy of every message (libzmq: "messages sent by the frontend and
 * backend are also sent to the capture socket").
 *
 * - pubsub (forwarder): XSUB frontend for publishers, XPUB backend for subscribers; subscriptions
 *   travel back upstream, so publishers filter as they would without the proxy;
 * - queue (broker): ROUTER frontend for REQ/DEALER clients, DEALER backend for REP/DEALER workers;
 * - pipeline (streamer): PULL frontend, PUSH backend.
 *
 * Each direction is one loop that reads from one socket and writes to the other, so each socket has
 * at most one send in flight (zeromq.js's rule) and a slow side slows the other (HWM backpressure).
 */
import type { Socket } from "../index.ts";
import { flag, helpText, oneOf, parse, RuntimeFailure, str, UsageError, type CommandSpec } from "./args.ts";
import { collectEndpoints, commonSettings, openSocket, SOCKET_COMMON_OPTIONS } from "./endpoints.ts";
import { formatMessage } from "./io.ts";
import { socketClass } from "./lib.ts";
import { describeError, type CliIO, type Command, type Runtime } from "./runtime.ts";

const KINDS = ["pubsub", "queue", "pipeline", "forwarder", "broker", "reqrep", "streamer"] as const;
type Kind = "pubsub" | "queue" | "pipeline";
const CANONICAL: Record<(typeof KINDS)[number], Kind> = {
  pubsub: "pubsub",
  forwarder: "pubsub",
  queue: "queue",
  broker: "queue",
  reqrep: "queue",
  pipeline: "pipeline",
  streamer: "pipeline",
};
const CLASSES: Record<Kind, [front: string, back: string, label: string]> = {
  pubsub: ["XSubscriber", "XPublisher", "XSUB -> XPUB"],
  queue: ["Router", "Dealer", "ROUTER <-> DEALER"],
  pipeline: ["Pull", "Push", "PULL -> PUSH"],
};

const spec: CommandSpec = {
  name: "proxy",
  summary: "zocket proxy — a forwarder, queue or streamer device between two endpoints",
  usage: ["zocket proxy [options] <frontend> <backend>"],
  description:
    "--type pubsub (default): XSUB frontend (publishers connect) -> XPUB backend (subscribers connect).\n" +
    "--type queue:            ROUTER frontend (clients) <-> DEALER backend (workers).\n" +
    "--type pipeline:         PULL frontend -> PUSH backend.\n" +
    "Both endpoints bind unless written >EP (connect); a comma separates several.",
  options: {
    type: { type: "string", short: "t", value: "KIND", help: "pubsub (forwarder), queue (broker) or pipeline (streamer)" },
    capture: { type: "string", value: "EP", help: "publish a copy of every message on EP (a PUB socket; >EP connects)" },
    ...SOCKET_COMMON_OPTIONS,
  },
  examples: [
    "zocket proxy tcp://*:5559 tcp://*:5560                  # publishers -> 5559, subscribers <- 5560",
    "zocket proxy --type queue tcp://*:5555 tcp://*:5556     # clients -> 5555, workers -> 5556",
    "zocket proxy -t pipeline @ipc:///tmp/in '>tcp://sink:5558' --capture tcp://*:5999",
  ],
};

async function run(argv: string[], rt: Runtime, io: CliIO): Promise<number> {
  const { values: v, positionals } = parse(spec, argv);
  if (flag(v, "help")) {
    io.stdout.write(helpText(spec));
    return 0;
  }
  const kind = CANONICAL[oneOf(str(v, "type"), KINDS, "--type", "pubsub")];
  if (positionals.length !== 2) {
    throw new UsageError(positionals.length < 2 ? "missing endpoint: give a frontend and a backend (e.g. zocket proxy tcp://*:5559 tcp://*:5560)" : `expected 2 endpoints (frontend, backend), got ${positionals.length}`);
  }
  const front = collectEndpoints([positionals[0]!], {}, true);
  const back = collectEndpoints([positionals[1]!], {}, true);
  const captureArg = str(v, "capture");
  const capture = captureArg === undefined ? undefined : collectEndpoints([captureArg], {}, true);
  const common = commonSettings(v, rt);

  const [frontName, backName, label] = CLASSES[kind];
  const frontCls = socketClass(frontName);
  const backCls = socketClass(backName);
  const missing = [frontCls === undefined ? frontName : null, backCls === undefined ? backName : null].filter((x) => x !== null);
  if (frontCls === undefined || backCls === undefined) {
    throw new RuntimeFailure(`a ${kind} proxy needs ${label}, and this build does not export ${missing.join(" and ")} yet`);
  }
  const captureCls = socketClass("Publisher") ?? socketClass("Push");
  if (capture !== undefined && captureCls === undefined) throw new RuntimeFailure("--capture needs a Publisher or Push socket");

  const base = { hwm: common.hwm, events: common.events, verbose: common.verbose };
  const fs = await openSocket(rt, frontCls, { ...base, attach: front, label: "frontend" });
  const bs = await openSocket(rt, backCls, { ...base, attach: back, label: "backend" });
  const cs = capture !== undefined ? await openSocket(rt, captureCls!, { ...base, attach: capture, label: "capture" }) : undefined;
  if (cs !== undefined) (cs as Socket & { sendTimeout: number }).sendTimeout = 0;
  rt.note(`${label} proxy running (Ctrl-C to stop)`);

  const tap = cs === undefined ? undefined : new CaptureTap(cs);
  const counts = { forward: 0, backward: 0 };
  const pump = async (from: Socket, to: Socket, dir: "forward" | "backward"): Promise<void> => {
    for (;;) {
      let msg: Buffer[];
      try {
        msg = await from.receive();
        await to.send(msg);
      } catch (err) {
        if (rt.stopping) return;
        throw new RuntimeFailure(`${dir === "forward" ? "frontend -> backend" : "backend -> frontend"}: ${describeError(err)}`);
      }
      counts[dir]++;
      tap?.copy(msg);
      if (common.verbose) {
        const text = formatMessage(msg, "text", " | ");
        rt.note(`${dir === "forward" ? "->" : "<-"} ${typeof text === "string" ? text.slice(0, 100) : ""}`);
      }
    }
  };
  const loops = [pump(fs, bs, "forward")];
  if (kind !== "pipeline") loops.push(pump(bs, fs, "backward"));
  try {
    await Promise.all(loops);
  } catch (err) {
    rt.stop(1, (err as Error).message);
  }
  if (common.verbose) rt.note(`forwarded ${counts.forward} frontend -> backend, ${counts.backward} backend -> frontend`);
  return 0;
}

/** Copies to the capture socket, one send at a time, dropping when it falls behind (never blocks the proxy). */
class CaptureTap {
  readonly #sock: Socket;
  readonly #queue: Buffer[][] = [];
  #busy = false;
  constructor(sock: Socket) {
    this.#sock = sock;
  }
  copy(msg: Buffer[]): void {
    if (this.#queue.length >= 1000) return;
    this.#queue.push(msg);
    if (!this.#busy) void this.#drain();
  }
  async #drain(): Promise<void> {
    this.#busy = true;
    for (let m = this.#queue.shift(); m !== undefined; m = this.#queue.shift()) {
      try {
        await this.#sock.send(m);
      } catch {
        // EAGAIN: nobody takes captures right now (PUSH without a peer); drop, as PUB would.
      }
    }
    this.#busy = false;
  }
}

export const proxyCommand: Command = { name: "proxy", summary: "XSUB/XPUB, ROUTER/DEALER or PULL/PUSH device", run };
