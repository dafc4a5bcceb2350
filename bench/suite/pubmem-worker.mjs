// The three processes of the pubmem benchmark (bench/suite/pubmem.ts), in plain JavaScript so that they run
// without the TypeScript loader: tsx alone adds ~38 MiB of RSS to a process, which would hide the libraries'
// own memory. Started as `node pubmem-worker.mjs ROLE SPEC` with an IPC channel; messages as in common.ts.
//   pub:  -> ready{endpoint} <- go (subscribers connected) -> result <- exit
//   fast / slow:  -> ready <- go (publishing is over) -> result <- exit
import { Buffer } from "node:buffer";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

const MiB = 1024 * 1024;
const SAMPLE_MS = 250;

async function load(lib) {
  if (lib === "zeromq") return import("zeromq");
  if (lib === "zocket") return import(new URL("../../dist/index.js", import.meta.url).href);
  if (lib === "zocket@base") return import(pathToFileURL(`${process.env.BENCH_BASELINE}/dist/index.js`).href);
  throw new Error(`unknown lib ${lib}`);
}

const inbox = [];
let waiting = null;
process.on("message", (m) => {
  if (waiting !== null && waiting.t === m.t) {
    const w = waiting;
    waiting = null;
    w.resolve(m);
  } else inbox.push(m);
});
process.on("disconnect", () => process.exit(3));

function recv(t) {
  const i = inbox.findIndex((m) => m.t === t);
  if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
  return new Promise((resolve) => (waiting = { t, resolve }));
}

function send(m) {
  return new Promise((resolve) => process.send(m, undefined, {}, () => resolve()));
}

/** Samples this process's memory; stop() gives means over the last three quarters and peaks (MiB). */
function sampler() {
  const rss = [];
  const heap = [];
  const ext = [];
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    rss.push(m.rss / MiB);
    heap.push(m.heapUsed / MiB);
    ext.push(m.external / MiB); // Buffers included
  }, SAMPLE_MS);
  const mean = (xs) => {
    const s = xs.slice(Math.floor(xs.length / 4));
    return s.length === 0 ? 0 : s.reduce((a, b) => a + b, 0) / s.length;
  };
  const peak = (xs) => (xs.length === 0 ? 0 : Math.max(...xs));
  return () => {
    clearInterval(timer);
    return {
      rss: mean(rss),
      rssPeak: peak(rss),
      heap: mean(heap),
      heapPeak: peak(heap),
      external: mean(ext),
      externalPeak: peak(ext),
    };
  };
}

async function pub(spec, lib) {
  const sock = new lib.Publisher();
  sock.linger = 0;
  await sock.bind(spec.endpoint);
  await send({ t: "ready", endpoint: sock.lastEndpoint });
  await recv("go");
  const stop = sampler();
  const t0 = performance.now();
  let sent = 0;
  // Paced by the clock: every 10 ms, as many messages as the rate says should have left by now.
  while (performance.now() - t0 < spec.durationMs) {
    const due = Math.floor(((performance.now() - t0) / 1000) * spec.rate);
    while (sent < due) {
      const b = Buffer.allocUnsafe(spec.size);
      b.writeUInt32LE(sent, 0);
      await sock.send(b);
      sent++;
    }
    await sleep(10);
  }
  const elapsedMs = performance.now() - t0;
  const extra = stop();
  for (let i = 0; i < 20; i++) {
    await sock.send(Buffer.from("END"));
    await sleep(20);
  }
  await send({ t: "result", result: { count: sent, bytes: 0, elapsedMs, extra } });
  await recv("exit");
  sock.close();
}

async function subs(spec, lib, n, everyMs) {
  const socks = [];
  const counts = [];
  for (let i = 0; i < n; i++) {
    const s = new lib.Subscriber();
    s.linger = 0;
    s.subscribe();
    s.connect(spec.endpoint);
    socks.push(s);
    counts.push(0);
  }
  await sleep(500); // the subscriptions reach the publisher
  await send({ t: "ready", endpoint: spec.endpoint });
  const stop = sampler();
  let stopped = false;
  const loops = socks.map(async (s, i) => {
    while (!stopped) {
      let msg;
      try {
        msg = await s.receive();
      } catch {
        return;
      }
      const b = msg[0];
      if (b !== undefined && b.length === 3 && b.toString() === "END") return;
      counts[i]++;
      if (everyMs > 0) await sleep(everyMs);
    }
  });
  await recv("go");
  const extra = stop();
  stopped = true;
  for (const s of socks) s.close();
  await Promise.allSettled(loops);
  await send({ t: "result", result: { count: Math.min(...counts), bytes: 0, elapsedMs: 0, extra } });
  await recv("exit");
}

const [role, json] = process.argv.slice(2);
const spec = JSON.parse(json);
try {
  const lib = await load(spec.lib);
  if (role === "pub") await pub(spec, lib);
  else if (role === "fast") await subs(spec, lib, spec.fastSubscribers, 0);
  else if (role === "slow") await subs(spec, lib, 1, spec.slowEveryMs);
  else throw new Error(`unknown role ${role}`);
  process.exit(0);
} catch (e) {
  await send({ t: "error", message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
