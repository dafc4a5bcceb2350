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
 * The library's {@link Proxy} does the forwarding: one loop per direction, each socket with at most one
 * send in flight (zeromq.js's rule), so a slow side slows the other (HWM backpressure).
 */
import type { Socket } from "../index.ts";
import { Proxy, type ProxyObserver } from "../proxy.ts";
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
    type: {
      type: "string",
      short: "t",
      value: "KIND",
      help: "pubsub (forwarder), queue (broker) or pipeline (streamer)",
    },
    capture: {
      type: "string",
      value: "EP",
      help: "publish a copy of every message on EP (a PUB socket; >EP connects)",
    },
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
    throw new UsageError(
      positionals.length < 2
        ? "missing endpoint: give a frontend and a backend (e.g. zocket proxy tcp://*:5559 tcp://*:5560)"
        : `expected 2 endpoints (frontend, backend), got ${positionals.length}`,
    );
  }
  const front = collectEndpoints([positionals[0]!], {}, true);
  const back = collectEndpoints([positionals[1]!], {}, true);
  const captureArg = str(v, "capture");
  const capture = captureArg === undefined ? undefined : collectEndpoints([captureArg], {}, true);
  const common = commonSettings(v, rt);

  const [frontName, backName, label] = CLASSES[kind];
  const frontCls = socketClass(frontName);
  const backCls = socketClass(backName);
  const missing = [frontCls === undefined ? frontName : null, backCls === undefined ? backName : null].filter(
    (x) => x !== null,
  );
  if (frontCls === undefined || backCls === undefined) {
    throw new RuntimeFailure(
      `a ${kind} proxy needs ${label}, and this build does not export ${missing.join(" and ")} yet`,
    );
  }
  // The capture socket is a PUB: a copy nobody is subscribed to is dropped, so capturing never holds the proxy.
  const captureCls = socketClass("Publisher");
  if (capture !== undefined && captureCls === undefined) throw new RuntimeFailure("--capture needs a Publisher socket");

  const base = { hwm: common.hwm, events: common.events, verbose: common.verbose };
  const fs = await openSocket(rt, frontCls, { ...base, attach: front, label: "frontend" });
  const bs = await openSocket(rt, backCls, { ...base, attach: back, label: "backend" });
  const cs =
    capture !== undefined
      ? await openSocket(rt, captureCls!, { ...base, attach: capture, label: "capture" })
      : undefined;
  rt.note(`${label} proxy running (Ctrl-C to stop)`);

  // The library's Proxy forwards both ways; a side that cannot receive (pipeline's PUSH) has no pump.
  // Closing the sockets (Ctrl-C, SIGTERM) ends it; the runtime closes the capture socket.
  const proxy = new Proxy(fs, bs);
  if (cs !== undefined) proxy.capture = cs;
  const direction = (from: Socket): string => (from === fs ? "frontend -> backend" : "backend -> frontend");
  let failure: string | undefined;
  const observer: ProxyObserver = {
    failed: (err, from) => {
      failure = `${direction(from)}: ${describeError(err)}`;
    },
  };
  if (common.verbose) {
    observer.forwarded = (msg, from) => {
      const text = formatMessage(msg, "text", " | ");
      rt.note(`${from === fs ? "->" : "<-"} ${typeof text === "string" ? text.slice(0, 100) : ""}`);
    };
  }
  proxy.observer = observer;
  try {
    await proxy.run();
  } catch (err) {
    rt.stop(1, failure ?? describeError(err));
  }
  if (common.verbose) {
    const { frontEnd, backEnd } = proxy.statistics;
    rt.note(`forwarded ${backEnd.messagesOut} frontend -> backend, ${frontEnd.messagesOut} backend -> frontend`);
  }
  return 0;
}

export const proxyCommand: Command = { name: "proxy", summary: "XSUB/XPUB, ROUTER/DEALER or PULL/PUSH device", run };
