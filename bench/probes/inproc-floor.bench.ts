/**
 * What the inproc throughput cell could reach at best (run: `npm run build && npx tsx bench/probes/inproc-floor.bench.ts`, ~10 s).
 *
 * The `thr` cell over inproc runs both ends in one thread: the sender does `await push.send(makeFrame())`,
 * the receiver `await pull.receive()` and checks size and order. That shape has a cost of its own, with no
 * socket at all: a fresh Buffer per message, two promise turns, the check. This script measures
 *
 *  - floor:   the same shape with a plain array as the queue (what the harness costs by itself);
 *  - floor + copy: the same, each frame copied as it is queued, as any send() of a small frame must copy it
 *             (issue 21's reuse contract, zeromq.js's: the caller may change its buffer once send() returns);
 *  - zocket:  the same shape with a zocket PUSH → PULL over inproc (what the bench cell measures);
 *
 * alternating, several rounds, and then zocket's own `send()` and `receive()` alone (a batch of sends,
 * then a batch of receives, promises not awaited), to show where its share goes.
 */
import { Buffer } from "node:buffer";
import { performance } from "node:perf_hooks";
import type * as Z from "../../src/index.ts";
import { loadZocket, median } from "../suite/common.ts";
import { Checker, sendAndCheck, sendAndCheckPlainArray } from "../suite/payload.ts";

// zocket as users get it (its build, dist/: `npm run build` first).
const zocket = await loadZocket();

// SIZE=65536 N=200000 measure the 64 KiB cell the same way (a frame above 128 bytes is not copied).
const N = Number(process.env["N"] ?? 2_000_000);
const ROUNDS = 5;
const SIZE = Number(process.env["SIZE"] ?? 8);

/** The harness's shape, the queue a plain array; with `copy`, each frame copied as it is queued. */
async function floor(copy = false): Promise<number> {
  const chk = new Checker(SIZE, 1, "floor");
  const t0 = performance.now();
  await sendAndCheckPlainArray(chk, SIZE, N, copy);
  return N / ((performance.now() - t0) / 1000);
}

let seq = 0;
/** `timeout` 0: operations that may not wait, which the fairness cap never defers (as zeromq.js). */
async function pair(timeout = -1): Promise<{ push: Z.Push; pull: Z.Pull; close: () => void }> {
  const push = new zocket.Push({ sendHighWaterMark: 1000, linger: 0, sendTimeout: timeout });
  const pull = new zocket.Pull({ receiveHighWaterMark: 1000, linger: 0, receiveTimeout: timeout });
  const ep = `inproc://inproc-floor-${++seq}`;
  await pull.bind(ep);
  push.connect(ep);
  return { push, pull, close: () => (push.close(), pull.close()) };
}

/** The harness's shape over a zocket PUSH → PULL pair. */
async function zocketShape(): Promise<number> {
  const { push, pull, close } = await pair();
  const chk = new Checker(SIZE, 1, "zocket");
  const t0 = performance.now();
  await sendAndCheck(push, pull, chk, SIZE, 0, N);
  const rate = N / ((performance.now() - t0) / 1000);
  close();
  return rate;
}

/** zocket's own cost per send() and per receive(), in batches of `batch`, no awaits in between. */
async function alone(): Promise<{ send: number; receive: number }> {
  // Many receive() calls in a row, none awaited: with a timeout, the fairness cap would park one and the
  // next would be EBUSY.
  const { push, pull, close } = await pair(0);
  const frame = Buffer.alloc(SIZE, 1);
  const batch = 500;
  const batches = 4000;
  let ts = 0;
  let tr = 0;
  for (let r = 0; r < batches; r++) {
    const a = performance.now();
    for (let i = 0; i < batch; i++) void push.send(frame);
    const b = performance.now();
    for (let i = 0; i < batch; i++) void pull.receive();
    tr += performance.now() - b;
    ts += b - a;
  }
  close();
  const per = (ms: number): number => (ms * 1e6) / (batch * batches);
  return { send: per(ts), receive: per(tr) };
}

const fmt = (rate: number): string => `${(rate / 1e6).toFixed(2)} M msg/s, ${(1e9 / rate).toFixed(0)} ns/msg`;

const floors: number[] = [];
const copies: number[] = [];
const zs: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  floors.push(await floor());
  // A send copies frames of at most 128 bytes (message.ts COPY_THRESHOLD); a larger one goes as it is.
  copies.push(await floor(SIZE <= 128));
  zs.push(await zocketShape());
  process.stderr.write(
    `round ${r + 1}/${ROUNDS}: floor ${fmt(floors[r]!)}; floor + copy ${fmt(copies[r]!)}; zocket ${fmt(zs[r]!)}\n`,
  );
}
await alone(); // warm-up
const own = await alone();

console.log(`inproc PUSH → PULL, ${SIZE} B, ${N} messages per run, median of ${ROUNDS} (alternating)\n`);
console.log("| shape | msg/s | ns per message |");
console.log("|---|---:|---:|");
console.log(
  `| harness floor (plain array queue) | ${(median(floors) / 1e6).toFixed(2)} M | ${(1e9 / median(floors)).toFixed(0)} |`,
);
console.log(
  `| harness floor + the send's copy | ${(median(copies) / 1e6).toFixed(2)} M | ${(1e9 / median(copies)).toFixed(0)} |`,
);
console.log(`| zocket PUSH → PULL | ${(median(zs) / 1e6).toFixed(2)} M | ${(1e9 / median(zs)).toFixed(0)} |`);
console.log(
  `\nzocket / floor ${(median(zs) / median(floors)).toFixed(2)}×, zocket / (floor + copy) ${(median(zs) / median(copies)).toFixed(2)}×`,
);
console.log(
  `\nzocket alone: send() ${own.send.toFixed(1)} ns, receive() ${own.receive.toFixed(1)} ns (batches of 500)`,
);
