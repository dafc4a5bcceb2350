// Publish-subscribe benchmarks (issue 4), a standalone script:
//
//   npm run build && npx tsx bench/scenarios/pubsub.bench.ts [--quick] [--libs zocket,zeromq]
//
// 1. Fan-out: one PUB, 100 SUBs, every subscriber gets every message (the publisher sends in batches
//    smaller than the HWM and waits for the slowest subscriber, so nothing is dropped and the figure is
//    the sustained no-loss rate). Reported: messages published per second and deliveries per second.
// 2. Subscription matching: one SUB holding N = 10 / 100 / 1,000 / 10,000 subscriptions; each message
//    matches exactly one of them. Reported: the cost of matching in the trie alone, and of a whole PUB
//    send over inproc, per message — flat in N, because matching walks the topic, not the list.
//
// zocket and zeromq.js (native libzmq) run in the same process, one after the other.

import { Buffer } from "node:buffer";
import { performance } from "node:perf_hooks";
import { loadBuilt, loadZocket } from "../suite/common.ts";

// zocket as users get it (its build, dist/: `npm run build` first).
const zocket = await loadZocket();
const { MultiTrie } = (await loadBuilt("routing/trie.js")) as typeof import("../../src/routing/trie.ts");

type LibName = "zocket" | "zeromq";
interface Sock {
  linger: number;
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  readonly lastEndpoint: string | null;
  bind(address: string): Promise<void>;
  connect(address: string): void;
  close(): void;
}
interface Pub extends Sock {
  send(message: Buffer | string): Promise<void>;
}
interface Sub extends Sock {
  receiveTimeout: number;
  subscribe(...topics: Array<Buffer | string>): void;
  receive(): Promise<Buffer[]>;
}
interface Lib {
  name: LibName;
  Publisher: new () => Pub;
  Subscriber: new () => Sub;
}

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const libsArg = args[args.indexOf("--libs") + 1];
const wanted: LibName[] = args.includes("--libs") && libsArg ? (libsArg.split(",") as LibName[]) : ["zocket", "zeromq"];

async function loadLibs(): Promise<Lib[]> {
  const libs: Lib[] = [];
  for (const name of wanted) {
    if (name === "zocket") {
      libs.push({
        name,
        Publisher: zocket.Publisher as unknown as Lib["Publisher"],
        Subscriber: zocket.Subscriber as unknown as Lib["Subscriber"],
      });
    } else if (name === "zeromq") {
      try {
        const z = (await import("zeromq")) as unknown as { Publisher: Lib["Publisher"]; Subscriber: Lib["Subscriber"] };
        libs.push({ name, Publisher: z.Publisher, Subscriber: z.Subscriber });
      } catch (err) {
        process.stderr.write(`zeromq.js unavailable, skipped: ${(err as Error).message}\n`);
      }
    }
  }
  return libs;
}

let seq = 0;
const address = (transport: "tcp" | "inproc"): string =>
  transport === "tcp" ? "tcp://127.0.0.1:*" : `inproc://pubsub-bench-${process.pid}-${++seq}`;
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);

/** Publish "sync" until the subscriber gets one: its subscriptions have reached the publisher. */
async function establish(pub: Pub, sub: Sub): Promise<void> {
  sub.receiveTimeout = 20;
  for (let i = 0; ; i++) {
    await pub.send("sync");
    try {
      await sub.receive();
      break;
    } catch {
      if (i > 500) throw new Error("subscription never arrived");
    }
  }
  // Drain the extra syncs.
  for (;;) {
    try {
      await sub.receive();
    } catch {
      break;
    }
  }
  sub.receiveTimeout = -1;
}

// ------------------------------------------------------------------ 1. fan-out

interface FanoutRow {
  lib: LibName;
  transport: string;
  messages: number;
  seconds: number;
}

async function fanout(
  lib: Lib,
  transport: "tcp" | "inproc",
  subscribers: number,
  messages: number,
  size: number,
): Promise<FanoutRow> {
  const pub = new lib.Publisher();
  pub.linger = 0;
  await pub.bind(address(transport));
  const subs: Sub[] = [];
  for (let i = 0; i < subscribers; i++) {
    const s = new lib.Subscriber();
    s.linger = 0;
    s.subscribe("");
    s.connect(pub.lastEndpoint!);
    subs.push(s);
  }
  for (const s of subs) await establish(pub, s);

  const batch = 200; // below the default HWM of 1000: a subscriber kept in step never loses one
  const counts = new Array<number>(subscribers).fill(0);
  let target = 0;
  let waiting = 0;
  let wake: (() => void) | null = null;
  const readers = subs.map(async (s, i) => {
    while (counts[i]! < messages) {
      await s.receive();
      counts[i]!++;
      if (counts[i] === target && --waiting === 0) wake?.();
    }
  });
  const body = Buffer.alloc(size, 0x61);
  const t0 = performance.now();
  for (let sent = 0; sent < messages;) {
    const n = Math.min(batch, messages - sent);
    target = sent + n;
    waiting = counts.filter((c) => c < target).length;
    const caughtUp = new Promise<void>((resolve) => (wake = resolve));
    for (let i = 0; i < n; i++) await pub.send(body);
    sent += n;
    if (waiting > 0) await caughtUp;
  }
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(readers);
  for (const s of subs) s.close();
  pub.close();
  return { lib: lib.name, transport, messages, seconds };
}

// ------------------------------------------------------------------ 2. matching cost

const topicOf = (i: number): Buffer => Buffer.from(`sensor/${i.toString().padStart(6, "0")}/temperature`);

/**
 * Messages to publish: `spread` = false cycles over 10 topics that every N includes (the cost of matching
 * one message against N subscriptions); true cycles over all N topics (the working set grows with N too).
 */
function messagesFor(n: number, spread: boolean): Buffer[] {
  const k = spread ? n : 10;
  return Array.from({ length: 1024 }, (_, i) => Buffer.concat([topicOf((i * 7919) % k), Buffer.from(" 21.5C")]));
}

/** ns per MultiTrie.match of a message that matches exactly one of `n` subscriptions. */
function trieMatchNs(n: number, iterations: number, spread: boolean): number {
  const trie = new MultiTrie<number>();
  for (let i = 0; i < n; i++) trie.add(topicOf(i), i);
  const msgs = messagesFor(n, spread);
  let hits = 0;
  const hit = (): void => {
    hits++;
  };
  for (let i = 0; i < 100_000; i++) trie.match(msgs[i & 1023]!, hit); // warm-up
  hits = 0;
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) trie.match(msgs[i & 1023]!, hit);
  const ns = ((performance.now() - t0) * 1e6) / iterations;
  if (hits !== iterations) throw new Error(`expected one match per message, got ${hits}/${iterations}`);
  return ns;
}

/** ns per message for the naive alternative: test every subscription as a prefix of the message. */
function linearScanNs(n: number, iterations: number): number {
  const subs = Array.from({ length: n }, (_, i) => topicOf(i));
  const msgs = messagesFor(n, false);
  let hits = 0;
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    const m = msgs[i & 1023]!;
    for (const sub of subs) if (m.length >= sub.length && m.compare(sub, 0, sub.length, 0, sub.length) === 0) hits++;
  }
  const ns = ((performance.now() - t0) * 1e6) / iterations;
  if (hits !== iterations) throw new Error("linear scan mismatch");
  return ns;
}

/** ns per PUB send over inproc to one SUB holding `n` subscriptions (each message matches one). */
async function pubSendNs(lib: Lib, n: number, messages: number): Promise<number> {
  const pub = new lib.Publisher();
  pub.linger = 0;
  pub.sendHighWaterMark = 0; // unbounded: the subscriber reads after the timed loop
  await pub.bind(address("inproc"));
  const sub = new lib.Subscriber();
  sub.linger = 0;
  sub.receiveHighWaterMark = 0;
  sub.subscribe("sync");
  sub.connect(pub.lastEndpoint!);
  await establish(pub, sub);
  // In chunks, each followed by a round trip: libzmq drops subscriptions beyond the pipe's HWM.
  for (let i = 0; i < n; i += 500) {
    for (let j = i; j < Math.min(n, i + 500); j++) sub.subscribe(topicOf(j));
    await establish(pub, sub);
  }
  const msgs = messagesFor(n, false);
  for (let i = 0; i < 20_000; i++) await pub.send(msgs[i & 1023]!); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < messages; i++) await pub.send(msgs[i & 1023]!);
  const ns = ((performance.now() - t0) * 1e6) / messages;
  // Everything must have been delivered (nothing matched wrongly, nothing dropped).
  sub.receiveTimeout = 5000;
  for (let i = 0; i < 20_000 + messages; i++) await sub.receive();
  sub.close();
  pub.close();
  return ns;
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const libs = await loadLibs();
  const subscribers = 100;
  const fanoutMessages = quick ? 2_000 : 10_000;
  const size = 64;

  console.log(`\nFan-out: 1 PUB -> ${subscribers} SUB, ${size}-byte messages, every subscriber gets every message`);
  console.log(
    `${pad("lib", 8)}${pad("transport", 11)}${lpad("messages", 10)}${lpad("published msg/s", 18)}${lpad("deliveries/s", 16)}`,
  );
  for (const lib of libs) {
    for (const transport of ["tcp", "inproc"] as const) {
      const r = await fanout(lib, transport, subscribers, fanoutMessages, size);
      const rate = r.messages / r.seconds;
      console.log(
        `${pad(r.lib, 8)}${pad(r.transport, 11)}${lpad(fmt(r.messages), 10)}${lpad(fmt(rate), 18)}${lpad(fmt(rate * subscribers), 16)}`,
      );
    }
  }

  const sizes = [10, 100, 1_000, 10_000];
  const trieIterations = quick ? 500_000 : 2_000_000;
  const sendMessages = quick ? 50_000 : 200_000;
  console.log(
    `\nSubscription matching: N subscriptions, each message matches exactly one (ns per message; xK = relative to N = 10)`,
  );
  console.log("  trie: the subscription trie alone, messages over 10 topics / over all N topics (bigger working set)");
  console.log("  scan: the naive alternative, every subscription tested as a prefix");
  console.log("  PUB send: a whole send() over inproc to one SUB holding the N subscriptions\n");
  let header = `${lpad("N", 8)}${lpad("trie", 14)}${lpad("trie, all N", 16)}${lpad("scan", 20)}`;
  for (const lib of libs) header += lpad(`${lib.name} PUB send`, 22);
  console.log(header);
  const base = new Map<string, number>();
  const cell = (key: string, ns: number, width: number): string => {
    if (!base.has(key)) base.set(key, ns);
    return lpad(`${fmt(ns)} (x${(ns / base.get(key)!).toFixed(2)})`, width);
  };
  for (const n of sizes) {
    let line = lpad(fmt(n), 8);
    line += cell("trie", trieMatchNs(n, trieIterations, false), 14);
    line += cell("trie-all", trieMatchNs(n, trieIterations, true), 16);
    line += cell("scan", linearScanNs(n, Math.max(1000, Math.floor(2_000_000 / n))), 20);
    for (const lib of libs) line += cell(lib.name, await pubSendNs(lib, n, sendMessages), 22);
    console.log(line);
  }
  console.log();
}

await main();
