/**
 * `npm run chaos`: process and network faults between zocket and real libzmq peers (test/chaos/peer.py,
 * pyzmq on libzmq 4.3), under load. Needs root for the network part; exit status 1 when a check fails.
 *
 * Process faults (in this network namespace):
 *   kill-sender    a libzmq PUSH streaming to a zocket PULL is SIGKILLed, a new one takes over
 *   kill-receiver  the libzmq PULL a zocket PUSH streams to is SIGKILLed and restarted on the same port:
 *                  zocket reconnects and nothing its pipe still held is lost
 *   stop           a libzmq ROUTER is SIGSTOPped: zocket's heartbeats (200/600 ms) see it go, SIGCONT and
 *                  zocket is back
 * Network partitions (two namespaces joined by a veth pair, nftables drop rules in the first):
 *   partition-{both,a-to-b,b-to-a}          zocket DEALER (connects) -> libzmq ROUTER
 *   reverse-partition-{both,a-to-b,b-to-a}  libzmq DEALER (connects) -> zocket ROUTER
 *   Heartbeats detect the partition on both sides, both reconnect when it heals, the stream stays in
 *   order without duplicates, and no message the connecting side's pipe still held is lost (only what
 *   was already in the dead connection's kernel buffers may be).
 * Where namespaces or nftables are not available the partitions are skipped with a message saying why.
 *
 *   npm run chaos [-- --only kill-sender,stop,...]
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import * as z from "../../src/index.ts";
import { EventLog } from "../helpers/security.ts";

const PY = "/usr/bin/python3";
const PEER = fileURLToPath(new URL("./peer.py", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const NS_A = "zocket-chaos-a";
const NS_B = "zocket-chaos-b";
const ADDR_A = "10.27.0.1";
const ADDR_B = "10.27.0.2";
const HB = { heartbeatInterval: 200, heartbeatTimeout: 800, reconnectInterval: 100 } as const;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Failure extends Error {}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Failure(what);
}

/** A peer.py process: its JSON lines, and "report" on demand. */
class Peer {
  readonly proc: ChildProcess;
  readonly lines: Array<Record<string, unknown>> = [];
  #waiters: Array<() => void> = [];

  constructor(role: string, endpoint: string, rate: number, netns: string | null) {
    const args = [PEER, role, endpoint, String(rate)];
    this.proc =
      netns === null
        ? spawn(PY, args, { stdio: ["pipe", "pipe", "inherit"] })
        : spawn("ip", ["netns", "exec", netns, PY, ...args], { stdio: ["pipe", "pipe", "inherit"] });
    createInterface({ input: this.proc.stdout! }).on("line", (l) => {
      try {
        this.lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        return;
      }
      const w = this.#waiters;
      this.#waiters = [];
      for (const f of w) f();
    });
  }

  async waitFor(
    pred: (l: Record<string, unknown>) => boolean,
    ms: number,
    what: string,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Failure(`libzmq peer: no ${what} within ${ms} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  events(name: string): number {
    return this.lines.filter((l) => l["event"] === name).length;
  }

  async ready(): Promise<string> {
    return String((await this.waitFor((l) => "ready" in l, 10_000, "ready"))["ready"]);
  }

  async report(): Promise<{ got: number[]; sent: number }> {
    const before = this.lines.length;
    this.proc.stdin!.write("report\n");
    await this.waitFor((l) => this.lines.indexOf(l) >= before && "got" in l, 10_000, "report");
    const r = this.lines.filter((l) => "got" in l).pop()!;
    return { got: r["got"] as number[], sent: r["sent"] as number };
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    // Under `ip netns exec` the peer is the child of ip, which execs it: the pid is python's.
    this.proc.kill(signal);
  }
}

const peers: Peer[] = [];
function peer(role: string, endpoint: string, rate = 1000, netns: string | null = null): Peer {
  const p = new Peer(role, endpoint, rate, netns);
  peers.push(p);
  return p;
}

/** Sequence numbers as 4-byte little-endian frames. */
function seqFrame(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}

/** A strictly increasing stream: no duplicates, no reordering. */
function checkOrder(got: readonly number[], what: string): void {
  for (let i = 1; i < got.length; i++) {
    expect(got[i]! > got[i - 1]!, `${what}: ${got[i]} after ${got[i - 1]} (duplicate or reordered)`);
  }
}

/** Every sequence number from `from` to `to` (exclusive) was received. */
function checkHeld(got: readonly number[], from: number, to: number, what: string): void {
  const have = new Set(got);
  const lost: number[] = [];
  for (let n = from; n < to; n++) if (!have.has(n)) lost.push(n);
  expect(lost.length === 0, `${what}: ${lost.length} message(s) from ${lost[0]} on were lost after the disconnect`);
}

/** Sends sequence numbers at `rate` a second until stopped; `next` is the next number to send. */
class Sender {
  next = 0;
  #stop = false;
  readonly done: Promise<void>;
  constructor(sock: z.Push | z.Dealer, rate: number) {
    this.done = (async () => {
      const t0 = performance.now();
      while (!this.#stop) {
        const due = Math.floor(((performance.now() - t0) / 1000) * rate);
        while (this.next < due && !this.#stop) await sock.send(seqFrame(this.next++));
        await sleep(5);
      }
    })();
  }
  stop(): Promise<void> {
    this.#stop = true;
    return this.done;
  }
}

// --------------------------------------------------------------------------------- process faults

async function killSender(): Promise<string> {
  const pull = new z.Pull({ linger: 0 });
  try {
    await pull.bind("tcp://127.0.0.1:*");
    const log = new EventLog(pull);
    const got: number[] = [];
    void (async () => {
      for await (const [m] of pull) got.push(m!.readUInt32LE(0));
    })().catch(() => {});
    const first = peer("push", pull.lastEndpoint!, 4000);
    while (got.length < 2000) await sleep(20);
    first.kill();
    await log.waitFor("disconnect", 3000);
    const split = got.length;
    const second = peer("push", pull.lastEndpoint!, 4000);
    while (got.length < split + 2000) await sleep(20);
    second.kill();
    // Two runs, each 0, 1, 2, ... without a gap: what the killed sender had sent and TCP delivered, then the
    // new sender's stream.
    const runs: number[][] = [[]];
    for (const n of got) {
      if (n === 0 && runs[runs.length - 1]!.length > 0) runs.push([]);
      runs[runs.length - 1]!.push(n);
    }
    expect(runs.length === 2, `expected the streams of 2 senders, got ${runs.length}`);
    for (const r of runs) r.forEach((n, i) => expect(n === i, `sender stream: ${n} at position ${i}`));
    return `${runs[0]!.length} messages from the killed sender, ${runs[1]!.length} from the next, in order`;
  } finally {
    pull.close();
  }
}

async function freePort(): Promise<number> {
  const s = new z.Pull();
  await s.bind("tcp://127.0.0.1:*");
  const port = Number(s.lastEndpoint!.split(":").pop());
  s.close();
  await sleep(50);
  return port;
}

async function killReceiver(): Promise<string> {
  const ep = `tcp://127.0.0.1:${await freePort()}`;
  const first = peer("pull", ep);
  await first.ready();
  const push = new z.Push({ linger: 0, ...HB });
  try {
    const log = new EventLog(push);
    push.connect(ep);
    const sender = new Sender(push, 2000);
    await sleep(1000);
    first.kill();
    await log.waitFor("disconnect", 3000);
    const held = sender.next;
    await sleep(500); // the pipe fills while nobody listens
    const second = peer("pull", ep);
    await second.ready();
    await log.waitFor(
      "connect",
      5000,
      (e) => log.events.indexOf(e) > log.events.findIndex((x) => x.type === "disconnect"),
    );
    await sleep(1000);
    const sent = sender.next;
    await sender.stop();
    await sleep(500);
    const r = await second.report();
    second.kill();
    checkOrder(r.got, "new receiver");
    checkHeld(r.got, held, sent, "new receiver");
    return `zocket reconnected; ${sent - held} messages sent after the disconnect, all delivered in order`;
  } finally {
    push.close();
  }
}

async function stopPeer(): Promise<string> {
  const ep = `tcp://127.0.0.1:${await freePort()}`;
  const router = peer("router", ep);
  await router.ready();
  const dealer = new z.Dealer({ linger: 0, heartbeatInterval: 200, heartbeatTimeout: 600, reconnectInterval: 100 });
  try {
    const log = new EventLog(dealer);
    dealer.connect(ep);
    await dealer.send(seqFrame(1));
    await dealer.receive();
    router.kill("SIGSTOP");
    const t0 = performance.now();
    await log.waitFor("disconnect", 5000);
    const detectMs = performance.now() - t0;
    expect(detectMs < 2000, `disconnect seen after ${detectMs.toFixed(0)} ms (heartbeat timeout 600 ms)`);
    router.kill("SIGCONT");
    await log.waitFor(
      "connect",
      5000,
      (e) => log.events.indexOf(e) > log.events.findIndex((x) => x.type === "disconnect"),
    );
    await dealer.send(seqFrame(2));
    const [echo] = await Promise.race([dealer.receive(), sleep(5000).then(() => [undefined])]);
    expect(echo?.readUInt32LE(0) === 2, "no round trip after SIGCONT");
    router.kill();
    return `SIGSTOP seen as a disconnect after ${detectMs.toFixed(0)} ms; reconnected after SIGCONT`;
  } finally {
    dealer.close();
  }
}

// --------------------------------------------------------------------------------- partitions

type Direction = "both" | "a-to-b" | "b-to-a";

function sh(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}`.trim() };
}

function nft(...args: string[]): void {
  const r = sh("ip", ["netns", "exec", NS_A, "nft", ...args]);
  if (!r.ok) throw new Failure(`nft ${args.join(" ")}: ${r.out}`);
}

function partition(dir: Direction): void {
  // The rules sit in namespace a, on its end of the veth: input is b -> a, output a -> b.
  if (dir !== "b-to-a") nft("add", "rule", "inet", "chaos", "out", "oifname", "zc-va", "drop");
  if (dir !== "a-to-b") nft("add", "rule", "inet", "chaos", "in", "iifname", "zc-va", "drop");
}

function heal(): void {
  nft("flush", "chain", "inet", "chaos", "out");
  nft("flush", "chain", "inet", "chaos", "in");
}

function teardownNetns(): void {
  sh("ip", ["netns", "del", NS_A]);
  sh("ip", ["netns", "del", NS_B]);
}

/** Make the two namespaces; null when ready, else why the partitions cannot run here. */
function setupNetns(): string | null {
  if (process.getuid?.() !== 0) return "not running as root (network namespaces need CAP_SYS_ADMIN)";
  if (!sh("nft", ["--version"]).ok) return "nft not found (apt-get install nftables)";
  teardownNetns();
  const probe = sh("ip", ["netns", "add", NS_A]);
  if (!probe.ok) return `cannot create a network namespace here: ${probe.out}`;
  const steps: string[][] = [
    ["netns", "add", NS_B],
    ["link", "add", "zc-va", "netns", NS_A, "type", "veth", "peer", "name", "zc-vb", "netns", NS_B],
    ["-n", NS_A, "addr", "add", `${ADDR_A}/24`, "dev", "zc-va"],
    ["-n", NS_B, "addr", "add", `${ADDR_B}/24`, "dev", "zc-vb"],
    ["-n", NS_A, "link", "set", "zc-va", "up"],
    ["-n", NS_B, "link", "set", "zc-vb", "up"],
    ["-n", NS_A, "link", "set", "lo", "up"],
    ["-n", NS_B, "link", "set", "lo", "up"],
  ];
  for (const s of steps) {
    const r = sh("ip", s);
    if (!r.ok) {
      teardownNetns();
      return `ip ${s.join(" ")}: ${r.out}`;
    }
  }
  try {
    nft("add", "table", "inet", "chaos");
    nft("add", "chain", "inet", "chaos", "in", "{ type filter hook input priority 0; }");
    nft("add", "chain", "inet", "chaos", "out", "{ type filter hook output priority 0; }");
  } catch (e) {
    teardownNetns();
    return `nftables does not work in a namespace here: ${(e as Error).message}`;
  }
  return null;
}

const after = (log: EventLog, type: string): ((e: { type: string }) => boolean) => {
  const mark = log.events.length;
  return (e) => log.events.indexOf(e as never) >= mark && e.type === type;
};

/** zocket DEALER in namespace a connects to a libzmq ROUTER in namespace b. */
async function partitionForward(dir: Direction): Promise<string> {
  const ep = `tcp://${ADDR_B}:5927`;
  const router = peer("router", ep, 0, NS_B);
  await router.ready();
  const dealer = new z.Dealer({ linger: 0, ...HB });
  try {
    const log = new EventLog(dealer);
    dealer.connect(ep);
    void (async () => {
      for await (const _ of dealer) void _; // the echoes
    })().catch(() => {});
    const sender = new Sender(dealer, 500);
    await router.waitFor((l) => l["event"] === "accepted", 5000, "accepted");
    await sleep(800);
    const gone = after(log, "disconnect");
    partition(dir);
    const t0 = performance.now();
    await log.waitFor("disconnect", 5000, gone);
    const zMs = performance.now() - t0;
    const held = sender.next;
    await router.waitFor((l) => l["event"] === "disconnected", 5000, "disconnected");
    const pMs = performance.now() - t0;
    await sleep(1000); // zocket keeps sending into its pipe
    const back = after(log, "connect");
    heal();
    await log.waitFor("connect", 8000, back);
    await router.waitFor((l) => l["event"] === "accepted" && router.events("accepted") >= 2, 8000, "second accepted");
    await sleep(1000);
    const sent = sender.next;
    await sender.stop();
    await sleep(700);
    const r = await router.report();
    router.kill();
    checkOrder(r.got, "libzmq ROUTER");
    checkHeld(r.got, held, sent, "libzmq ROUTER");
    return (
      `detected by zocket after ${zMs.toFixed(0)} ms, by libzmq after ${pMs.toFixed(0)} ms; both reconnected; ` +
      `${sent - held} messages sent after the disconnect all arrived, in order`
    );
  } finally {
    dealer.close();
  }
}

/** A libzmq DEALER in namespace b connects to a zocket ROUTER in namespace a. */
async function partitionReverse(dir: Direction): Promise<string> {
  const router = new z.Router({ linger: 0, ...HB });
  try {
    await router.bind(`tcp://${ADDR_A}:5928`);
    const log = new EventLog(router);
    const got: number[] = [];
    void (async () => {
      for await (const [, m] of router) got.push(m!.readUInt32LE(0));
    })().catch(() => {});
    const dealer = peer("dealer", `tcp://${ADDR_A}:5928`, 500, NS_B);
    await log.waitFor("accept", 5000);
    await sleep(800);
    const gone = after(log, "disconnect");
    partition(dir);
    const t0 = performance.now();
    await log.waitFor("disconnect", 5000, gone);
    const zMs = performance.now() - t0;
    await dealer.waitFor((l) => l["event"] === "disconnected", 5000, "disconnected");
    const pMs = performance.now() - t0;
    const back = after(log, "accept");
    const before = got.length;
    await sleep(1000);
    heal();
    await log.waitFor("accept", 8000, back);
    await sleep(1500);
    dealer.kill();
    checkOrder(got, "zocket ROUTER");
    expect(got.length > before, "nothing arrived after the partition healed");
    return (
      `detected by zocket after ${zMs.toFixed(0)} ms, by libzmq after ${pMs.toFixed(0)} ms; libzmq reconnected; ` +
      `${got.length - before} messages after the heal, the stream in order without duplicates`
    );
  } finally {
    router.close();
  }
}

// --------------------------------------------------------------------------------- driver

const PROCESS_SCENARIOS: Record<string, () => Promise<string>> = {
  "kill-sender": killSender,
  "kill-receiver": killReceiver,
  stop: stopPeer,
};

const DIRECTIONS: Direction[] = ["both", "a-to-b", "b-to-a"];
const PARTITION_SCENARIOS: Record<string, () => Promise<string>> = Object.fromEntries([
  ...DIRECTIONS.map((d) => [`partition-${d}`, () => partitionForward(d)] as const),
  ...DIRECTIONS.map((d) => [`reverse-partition-${d}`, () => partitionReverse(d)] as const),
]);

async function runAll(scenarios: Record<string, () => Promise<string>>, only: string[] | null): Promise<number> {
  let failed = 0;
  for (const [name, fn] of Object.entries(scenarios)) {
    if (only !== null && !only.includes(name)) continue;
    const t0 = Date.now();
    try {
      const what = await fn();
      process.stdout.write(`ok   ${name.padEnd(26)} ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    } catch (e) {
      failed++;
      process.stdout.write(`FAIL ${name.padEnd(26)} ${e instanceof Error ? e.message : String(e)}\n`);
    } finally {
      for (const p of peers.splice(0)) p.kill();
      await sleep(200);
    }
  }
  return failed;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const onlyAt = argv.indexOf("--only");
  const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? "").split(",") : null;
  if (argv.includes("--inside-a")) {
    // Re-executed inside namespace a (below): the partition scenarios, zocket's sockets live here.
    return runAll(PARTITION_SCENARIOS, only);
  }
  let failed = await runAll(PROCESS_SCENARIOS, only);
  const wanted = Object.keys(PARTITION_SCENARIOS).filter((n) => only === null || only.includes(n));
  if (wanted.length === 0) return failed;
  const why = setupNetns();
  if (why !== null) {
    process.stdout.write(`skip partitions: ${why}\n`);
    return failed;
  }
  try {
    const args = ["netns", "exec", NS_A, process.execPath, "--import", "tsx", SELF, "--inside-a"];
    if (only !== null) args.push("--only", only.join(","));
    const r = spawnSync("ip", args, { stdio: "inherit" });
    failed += r.status ?? 1;
  } finally {
    teardownNetns();
  }
  return failed;
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    for (const p of peers) p.kill();
    if (!process.argv.includes("--inside-a")) teardownNetns();
    process.exit(130);
  });
}

main().then(
  (failed) => {
    for (const p of peers) p.kill();
    if (!process.argv.includes("--inside-a")) {
      process.stdout.write(failed === 0 ? "chaos: all passed\n" : `chaos: ${failed} failed\n`);
    }
    process.exit(failed === 0 ? 0 : 1);
  },
  (e: unknown) => {
    process.stderr.write(`chaos: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
