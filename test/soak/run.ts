/**
 * `npm run soak -- --minutes N` (default 5): PUB/SUB, PUSH/PULL and ROUTER/DEALER at full rate over tcp
 * loopback, both ends zocket in this process, plus a DEALER that connects, does a round trip and closes
 * every second (connection churn). RSS, heap (after a full GC), external memory and open handles are
 * sampled every 2 s; exit status 1 when any of them grows:
 * - memory: the lowest sample of the last quarter of the run above the highest of the second quarter by
 *   more than 20 % + 8 MiB (a level that only rises; the first quarter is warm-up);
 * - handles (open file descriptors): more at the end than the most seen during the second quarter.
 * Every stream is checked as it goes (order, no loss on PUSH/PULL and ROUTER/DEALER), and the rates are
 * printed, so a stall shows too.
 */
import { existsSync, readdirSync } from "node:fs";
import { getHeapStatistics } from "node:v8";
import * as z from "../../src/index.ts";

const MiB = 1024 * 1024;
const SAMPLE_MS = 2000;

interface Sample {
  t: number;
  rss: number;
  heap: number;
  external: number;
  handles: number;
}

function args(): { minutes: number } {
  const argv = process.argv.slice(2);
  const i = argv.indexOf("--minutes");
  const minutes = i >= 0 ? Number(argv[i + 1]) : 5;
  if (!(minutes > 0)) throw new Error("--minutes takes a positive number");
  return { minutes };
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) g();
}

function sample(t0: number): Sample {
  gc();
  const m = process.memoryUsage();
  // Open file descriptors: zocket's connections and listeners do not keep the process alive (unref), so
  // getActiveResourcesInfo() does not list them; /proc does (elsewhere: the active resources).
  const handles = existsSync("/proc/self/fd")
    ? readdirSync("/proc/self/fd").length
    : process.getActiveResourcesInfo().filter((r) => r !== "Timeout" && r !== "Immediate").length;
  return { t: (Date.now() - t0) / 1000, rss: m.rss / MiB, heap: m.heapUsed / MiB, external: m.external / MiB, handles };
}

class Failed extends Error {}

/** Runs until `stop` is set; counts messages and checks each stream. */
async function pushPull(stop: { v: boolean }, count: { n: number }): Promise<void> {
  const pull = new z.Pull({ linger: 0 });
  const push = new z.Push({ linger: 0 });
  await pull.bind("tcp://127.0.0.1:*");
  push.connect(pull.lastEndpoint!);
  const payload = Buffer.alloc(256);
  const sender = (async () => {
    for (let n = 0; !stop.v; n++) {
      const b = Buffer.from(payload);
      b.writeUInt32LE(n >>> 0, 0);
      await push.send(b);
    }
  })();
  let expect = 0;
  try {
    while (!stop.v) {
      const [m] = await pull.receive();
      const n = m!.readUInt32LE(0);
      if (n !== expect >>> 0) throw new Failed(`PUSH/PULL: got ${n}, expected ${expect >>> 0}`);
      expect++;
      count.n++;
    }
  } finally {
    push.close();
    pull.close();
    await sender.catch(() => {});
  }
}

async function pubSub(stop: { v: boolean }, count: { n: number }): Promise<void> {
  const pub = new z.Publisher({ linger: 0 });
  await pub.bind("tcp://127.0.0.1:*");
  const subs = [0, 1, 2].map(() => {
    const s = new z.Subscriber({ linger: 0 });
    s.subscribe();
    s.connect(pub.lastEndpoint!);
    return s;
  });
  await new Promise((r) => setTimeout(r, 300));
  const readers = subs.map(async (s) => {
    let last = -1;
    while (!stop.v) {
      const [m] = await s.receive();
      const n = m!.readUInt32LE(0);
      // PUB drops for a slow subscriber: order must hold, gaps may not matter.
      if (n <= last) throw new Failed(`PUB/SUB: ${n} after ${last}`);
      last = n;
      count.n++;
    }
  });
  const payload = Buffer.alloc(128);
  try {
    for (let n = 0; !stop.v; n++) {
      const b = Buffer.from(payload);
      b.writeUInt32LE(n, 0);
      await pub.send(b);
      // PUB never blocks: yield now and then so the subscribers' reads run.
      if ((n & 255) === 0) await new Promise((r) => setImmediate(r));
    }
  } finally {
    for (const s of subs) s.close();
    pub.close();
    await Promise.allSettled(readers);
  }
}

async function routerDealer(stop: { v: boolean }, count: { n: number }): Promise<void> {
  const router = new z.Router({ linger: 0 });
  await router.bind("tcp://127.0.0.1:*");
  const echo = (async () => {
    while (!stop.v) await router.send(await router.receive());
  })();
  const dealer = new z.Dealer({ linger: 0 });
  dealer.connect(router.lastEndpoint!);
  const churn = setInterval(() => {
    // A short-lived peer: connect, one round trip, close (a handle or session left behind would show).
    const d = new z.Dealer({ linger: 0 });
    d.connect(router.lastEndpoint!);
    void d
      .send("churn")
      .then(() => d.receive())
      .finally(() => d.close())
      .catch(() => {});
  }, 1000);
  const WINDOW = 64;
  try {
    let sent = 0;
    let got = 0;
    while (!stop.v) {
      while (sent - got < WINDOW) {
        const b = Buffer.alloc(64);
        b.writeUInt32LE(sent++ >>> 0, 0);
        await dealer.send(b);
      }
      const [m] = await dealer.receive();
      if (m!.readUInt32LE(0) !== got >>> 0)
        throw new Failed(`ROUTER/DEALER: echo ${m!.readUInt32LE(0)}, expected ${got}`);
      got++;
      count.n++;
    }
  } finally {
    clearInterval(churn);
    dealer.close();
    router.close();
    await echo.catch(() => {});
  }
}

/** The samples taken in [from, to) of the run, as fractions of its length. */
function window(samples: Sample[], from: number, to: number, total: number): Sample[] {
  return samples.filter((s) => s.t >= from * total && s.t < to * total);
}

async function main(): Promise<number> {
  const { minutes } = args();
  const totalS = minutes * 60;
  if ((globalThis as { gc?: unknown }).gc === undefined)
    process.stdout.write("soak: run with --expose-gc for exact heap figures\n");
  process.stdout.write(
    `soak: ${minutes} min; PUB->3 SUB, PUSH->PULL, DEALER<->ROUTER (window 64) + a DEALER a second\n`,
  );
  const stop = { v: false };
  const counts = { pubsub: { n: 0 }, pushpull: { n: 0 }, dealer: { n: 0 } };
  const t0 = Date.now();
  const runs = [pubSub(stop, counts.pubsub), pushPull(stop, counts.pushpull), routerDealer(stop, counts.dealer)];
  let failure: unknown = null;
  for (const r of runs) r.catch((e: unknown) => ((failure ??= e), (stop.v = true)));
  const samples: Sample[] = [];
  let last = { p: 0, d: 0, s: 0 };
  while (!stop.v && Date.now() - t0 < totalS * 1000) {
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
    const s = sample(t0);
    samples.push(s);
    const rate = (now: number, before: number): string =>
      `${Math.round((now - before) / (SAMPLE_MS / 1000) / 1000)}k/s`;
    process.stdout.write(
      `${s.t.toFixed(0).padStart(5)} s  RSS ${s.rss.toFixed(1)} MiB  heap ${s.heap.toFixed(1)}  external ` +
        `${s.external.toFixed(1)}  handles ${s.handles}  |  PUB/SUB ${rate(counts.pubsub.n, last.s)} ` +
        `PUSH/PULL ${rate(counts.pushpull.n, last.p)} DEALER/ROUTER ${rate(counts.dealer.n, last.d)}\n`,
    );
    last = { p: counts.pushpull.n, d: counts.dealer.n, s: counts.pubsub.n };
  }
  stop.v = true;
  await Promise.race([Promise.allSettled(runs), new Promise((r) => setTimeout(r, 3000))]);
  if (failure !== null) {
    process.stdout.write(`soak: FAILED: ${failure instanceof Error ? failure.message : String(failure)}\n`);
    return 1;
  }
  const elapsed = (Date.now() - t0) / 1000;
  const early = window(samples, 0.25, 0.5, elapsed);
  const late = window(samples, 0.75, 1.01, elapsed);
  if (early.length === 0 || late.length === 0) {
    process.stdout.write("soak: too short to judge growth (needs at least 8 samples: --minutes 0.3 or more)\n");
    return samples.length >= 8 ? 1 : 0;
  }
  const problems: string[] = [];
  for (const k of ["rss", "heap", "external"] as const) {
    const hi = Math.max(...early.map((s) => s[k]));
    const lo = Math.min(...late.map((s) => s[k]));
    if (lo > hi * 1.2 + 8)
      problems.push(`${k} grew: ${hi.toFixed(1)} MiB at most early, ${lo.toFixed(1)} at least late`);
  }
  const hiHandles = Math.max(...early.map((s) => s.handles));
  const endHandles = samples[samples.length - 1]!.handles;
  if (endHandles > hiHandles) problems.push(`open handles grew: ${hiHandles} early, ${endHandles} at the end`);
  const heapLimit = getHeapStatistics().heap_size_limit / MiB;
  process.stdout.write(
    `soak: ${counts.pubsub.n + counts.pushpull.n + counts.dealer.n} messages in ${elapsed.toFixed(0)} s ` +
      `(heap limit ${heapLimit.toFixed(0)} MiB)\n`,
  );
  for (const p of problems) process.stdout.write(`soak: FAILED: ${p}\n`);
  if (problems.length === 0) process.stdout.write("soak: no growth\n");
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`soak: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
