/**
 * `zocket demo` (and `npm start`): a self-contained tour of the ZeroMQ patterns, running live in this
 * process over real tcp and ipc sockets, printing what flows. Sections whose socket types this build
 * does not export yet say so and are skipped. It finishes by itself in a few seconds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "../index.ts";
import { flag, helpText, parse, RuntimeFailure, type CommandSpec } from "./args.ts";
import { curveKeyPair, exportsByName, packageVersion, socketClass, type SocketClass } from "./lib.ts";
import type { CliIO, Command, Runtime } from "./runtime.ts";

const spec: CommandSpec = {
  name: "demo",
  summary: "zocket demo — the ZeroMQ patterns, live, with readable output",
  usage: ["zocket demo [options]"],
  description:
    "Runs in this process, over real tcp and ipc sockets: a pipeline (ventilator -> workers -> sink), request-reply,\n" +
    "publish-subscribe with topic filters, and a CURVE-encrypted link. Takes a few seconds.",
  options: {
    "no-color": { type: "boolean", help: "plain output (also when NO_COLOR is set or stdout is not a terminal)" },
  },
  examples: ["zocket demo", "npm start"],
};

/** Minimal styling, off for pipes and NO_COLOR. */
class Style {
  readonly on: boolean;
  constructor(on: boolean) {
    this.on = on;
  }
  #w(code: string, s: string): string {
    return this.on ? `\x1b[${code}m${s}\x1b[0m` : s;
  }
  bold(s: string): string {
    return this.#w("1", s);
  }
  dim(s: string): string {
    return this.#w("2", s);
  }
  green(s: string): string {
    return this.#w("32", s);
  }
  cyan(s: string): string {
    return this.#w("36", s);
  }
  yellow(s: string): string {
    return this.#w("33", s);
  }
  red(s: string): string {
    return this.#w("31", s);
  }
}

interface Ctx {
  rt: Runtime;
  out: (line?: string) => void;
  st: Style;
  dir: string;
  /** Track a socket for cleanup and give it a short linger. */
  sock<T extends Socket>(cls: SocketClass, options?: object): T;
}

const sleep = (rt: Runtime, ms: number): Promise<boolean> => rt.sleep(ms);

/** Wait until `sock` reports `n` handshakes (connected peers), or the deadline passes. */
function handshakes(sock: Socket, n: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = 0;
    const timer = setTimeout(() => resolve(false), ms);
    sock.events.on("handshake", () => {
      if (++seen === n) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
}

/** Receive with a deadline; undefined on timeout. */
async function receiveWithin(sock: Socket, ms: number): Promise<Buffer[] | undefined> {
  const s = sock as Socket & { receiveTimeout: number };
  s.receiveTimeout = ms;
  try {
    return await sock.receive();
  } catch {
    return undefined;
  }
}

function need(...names: string[]): SocketClass[] | string {
  const missing = names.filter((n) => socketClass(n) === undefined);
  if (missing.length > 0) return missing.join(", ");
  return names.map((n) => socketClass(n)!);
}

// ------------------------------------------------------------------ 1. pipeline

async function pipeline(c: Ctx): Promise<void> {
  const { out, st } = c;
  out(st.bold("1. Pipeline (PUSH/PULL): ventilator --tcp--> 3 workers --ipc--> sink"));
  const cls = need("Push", "Pull");
  if (typeof cls === "string") return void out(st.yellow(`   skipped: this build does not export ${cls} yet`));
  const [Push, Pull] = cls as [SocketClass, SocketClass];
  const ventilator = c.sock(Push);
  await ventilator.bind("tcp://127.0.0.1:*");
  const sink = c.sock(Pull);
  const sinkAddress = `ipc://${join(c.dir, "sink.sock")}`;
  await sink.bind(sinkAddress);
  out(st.dim(`   ventilator bound ${ventilator.lastEndpoint}, sink bound ${sinkAddress}`));

  const names = ["A", "B", "C"];
  const ready = handshakes(ventilator, names.length, 3000);
  for (const name of names) {
    const input = c.sock(Pull);
    const output = c.sock(Push);
    input.connect(ventilator.lastEndpoint!);
    output.connect(sinkAddress);
    void (async () => {
      for await (const [task] of input) {
        const n = Number(task!.toString());
        // "Work": a few milliseconds per task, so the three run side by side.
        await sleep(c.rt, 5 + (n % 4) * 5);
        await output.send([name, String(n), String(n * n)]).catch(() => {});
      }
    })();
  }
  if (!(await ready)) throw new RuntimeFailure("demo: the workers did not connect within 3 s");
  const tasks = 12;
  const t0 = performance.now();
  for (let i = 1; i <= tasks; i++) await ventilator.send(String(i));
  out(`   ventilator sent tasks 1..${tasks}; PUSH deals them round-robin to the connected workers`);
  const perWorker = new Map<string, number>();
  for (let i = 0; i < tasks; i++) {
    const m = await receiveWithin(sink, 3000);
    if (m === undefined) throw new RuntimeFailure("demo: the sink stopped receiving results");
    const [w, n, r] = m.map((f) => f.toString());
    perWorker.set(w!, (perWorker.get(w!) ?? 0) + 1);
    out(`   sink ${st.dim("<-")} worker ${st.cyan(w!)}: task ${n!.padStart(2)} squared = ${st.green(r!)}`);
  }
  const share = names.map((n) => `${n} ${perWorker.get(n) ?? 0}`).join(", ");
  out(st.dim(`   ${tasks} results in ${Math.round(performance.now() - t0)} ms; tasks per worker: ${share}`));
}

// ------------------------------------------------------------------ 2. request-reply

async function requestReply(c: Ctx): Promise<void> {
  const { out, st } = c;
  out(st.bold("2. Request-reply (REQ/REP): a client asks, a server answers, in lock step"));
  const cls = need("Request", "Reply");
  if (typeof cls === "string") return void out(st.yellow(`   skipped: this build does not export ${cls} yet`));
  const [Request, Reply] = cls as [SocketClass, SocketClass];
  const server = c.sock(Reply);
  await server.bind("tcp://127.0.0.1:*");
  void (async () => {
    for await (const [q] of server) {
      const m = /^(\d+) ([x+-]) (\d+)\?$/.exec(q!.toString());
      const a = Number(m?.[1]);
      const b = Number(m?.[3]);
      const answer = m === null ? "I only do arithmetic" : m[2] === "x" ? a * b : m[2] === "+" ? a + b : a - b;
      await server.send(String(answer)).catch(() => {});
    }
  })();
  const client = c.sock(Request);
  client.connect(server.lastEndpoint!);
  out(st.dim(`   server bound ${server.lastEndpoint}`));
  for (const q of ["6 x 7?", "40 + 2?", "50 - 8?"]) {
    const t0 = performance.now();
    await client.send(q);
    const r = await receiveWithin(client, 3000);
    if (r === undefined) throw new RuntimeFailure("demo: no reply from the REP server");
    out(
      `   client ${st.dim("->")} ${q.padEnd(8)} server ${st.dim("->")} ${st.green(r[0]!.toString())} ${st.dim(`(${(performance.now() - t0).toFixed(2)} ms)`)}`,
    );
  }
}

// ------------------------------------------------------------------ 3. pub-sub

async function pubSub(c: Ctx): Promise<void> {
  const { out, st } = c;
  out(st.bold("3. Publish-subscribe (PUB/SUB): subscribers filter by topic prefix"));
  const cls = need("Publisher", "Subscriber");
  if (typeof cls === "string") return void out(st.yellow(`   skipped: this build does not export ${cls} yet`));
  const [Publisher, Subscriber] = cls as [SocketClass, SocketClass];
  const pub = c.sock(Publisher);
  await pub.bind("tcp://127.0.0.1:*");
  type Sub = Socket & { subscribe(...t: string[]): void };
  const subs: [string, Sub, string[]][] = [
    ["weather", c.sock<Sub>(Subscriber), ["weather."]],
    ["sports", c.sock<Sub>(Subscriber), ["sports."]],
    ["everything", c.sock<Sub>(Subscriber), [""]],
  ];
  for (const [, s, topics] of subs) {
    s.subscribe(...topics, "sync");
    s.connect(pub.lastEndpoint!);
  }
  out(st.dim(`   publisher bound ${pub.lastEndpoint}; subscribers: weather.*, sports.*, everything`));
  // Slow joiners (RFC 29): a subscription takes a moment to reach the publisher. Publish a sync
  // message until every subscriber has seen one, so the demo messages are not lost.
  const synced = new Set<number>();
  const deadline = Date.now() + 3000;
  while (synced.size < subs.length && Date.now() < deadline) {
    await pub.send(["sync", ""]);
    for (let i = 0; i < subs.length; i++) {
      if (synced.has(i)) continue;
      const m = await receiveWithin(subs[i]![1], 20);
      if (m !== undefined) synced.add(i);
    }
  }
  if (synced.size < subs.length) throw new RuntimeFailure("demo: subscribers did not join within 3 s");
  // Drain the extra sync messages.
  for (const [, s] of subs) while ((await receiveWithin(s, 20)) !== undefined);
  const news: [string, string][] = [
    ["weather.paris", "21C, sunny"],
    ["sports.football", "2-1 at half time"],
    ["weather.oslo", "-3C, snow"],
    ["traffic.a1", "jam near exit 4"],
    ["sports.tennis", "6-4 6-3"],
  ];
  for (const [topic, body] of news) {
    await pub.send([topic, body]);
    out(`   publisher ${st.dim("->")} ${topic.padEnd(16)} ${body}`);
  }
  for (const [name, s] of subs) {
    const got: string[] = [];
    for (;;) {
      const m = await receiveWithin(s, 100);
      if (m === undefined) break;
      got.push(m[0]!.toString());
    }
    out(`   ${st.cyan(name.padEnd(10))} got ${got.length}: ${st.green(got.join(", ") || "(nothing)")}`);
  }
}

// ------------------------------------------------------------------ 4. CURVE

async function curve(c: Ctx): Promise<void> {
  const { out, st } = c;
  out(st.bold("4. CURVE security: an encrypted, authenticated link (CurveZMQ, RFC 26)"));
  const useReqRep = socketClass("Request") !== undefined && socketClass("Reply") !== undefined;
  const cls = useReqRep ? need("Request", "Reply") : need("Dealer", "Dealer");
  const capability = exportsByName["capability"] as { curve?: boolean } | undefined;
  if (typeof cls === "string" || capability?.curve !== true)
    return void out(st.yellow("   skipped: this build has no CURVE support yet"));
  const [Client, Server] = cls as [SocketClass, SocketClass];
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();
  const server = c.sock(Server, { curveServer: true, curveSecretKey: serverKeys.secretKey });
  await server.bind("tcp://127.0.0.1:*");
  out(st.dim(`   server public key ${serverKeys.publicKey} (bound ${server.lastEndpoint})`));
  void (async () => {
    for await (const msg of server)
      await server.send(useReqRep ? [`got it: ${msg[0]!.toString()}`] : msg).catch(() => {});
  })();
  const client = c.sock(Client, {
    curveServerKey: serverKeys.publicKey,
    curvePublicKey: clientKeys.publicKey,
    curveSecretKey: clientKeys.secretKey,
  });
  client.connect(server.lastEndpoint!);
  await client.send("the launch code is 0000");
  const r = await receiveWithin(client, 3000);
  if (r === undefined) throw new RuntimeFailure("demo: the CURVE handshake did not complete");
  out(
    `   client with the right server key ${st.dim("->")} ${st.green(r[r.length - 1]!.toString())} ${st.dim(`(mechanism: ${client.securityMechanism})`)}`,
  );
  // A client that trusts the wrong server key cannot complete the handshake: the server cannot
  // decrypt its HELLO and drops the connection (libzmq does the same), so nothing ever flows.
  const wrong = c.sock(Client, {
    curveServerKey: curveKeyPair().publicKey,
    curvePublicKey: clientKeys.publicKey,
    curveSecretKey: clientKeys.secretKey,
  });
  const shook = handshakes(wrong, 1, 400);
  wrong.connect(server.lastEndpoint!);
  out(
    `   client with a wrong server key    ${st.dim("->")} ${(await shook) ? st.red("handshake completed?!") : st.green("no handshake: the server cannot decrypt its HELLO")}`,
  );
}

// ------------------------------------------------------------------ run

async function run(argv: string[], rt: Runtime, io: CliIO): Promise<number> {
  const { values: v } = parse(spec, argv);
  if (flag(v, "help")) {
    io.stdout.write(helpText(spec));
    return 0;
  }
  const color =
    !flag(v, "no-color") && process.env["NO_COLOR"] === undefined && (io.stdout as NodeJS.WriteStream).isTTY === true;
  const st = new Style(color);
  const out = (line = ""): void => void io.stdout.write(line + "\n");
  const dir = mkdtempSync(join(tmpdir(), "zocket-demo-"));
  rt.onStop(() => rmSync(dir, { recursive: true, force: true }));
  rt.linger = 100;
  const c: Ctx = {
    rt,
    out,
    st,
    dir,
    sock<T extends Socket>(cls: SocketClass, options?: object): T {
      const s = rt.track(new cls({ linger: 100, ...options }));
      return s as T;
    },
  };
  const t0 = performance.now();
  out(
    st.bold(`zocket ${await packageVersion()} demo`) +
      st.dim(" — ZeroMQ in pure TypeScript, wire-compatible with libzmq 4.3"),
  );
  out();
  for (const section of [pipeline, requestReply, pubSub, curve]) {
    if (rt.stopping) break;
    await section(c);
    out();
  }
  out(
    st.dim(
      `done in ${((performance.now() - t0) / 1000).toFixed(1)} s. Next: zocket --help, zocket echo tcp://*:5555 & zocket ping tcp://localhost:5555`,
    ),
  );
  return 0;
}

export const demoCommand: Command = {
  name: "demo",
  summary: "a live tour: pipeline, request-reply, pub-sub, CURVE",
  run,
};
