/**
 * What a large message costs zocket's receiving process (run: `npm run build && npx tsx
 * bench/probes/large-receiver.bench.ts [--size BYTES] [--runs N]`, ~4 s a run).
 *
 * PUSH → PULL over tcp, 1 MiB messages by default, sender and receiver in two fresh child processes. The
 * sender takes its messages from a ring of buffers, as the suite does; the receiver checks count, size and
 * order (common.ts Checker), skips its first 300 messages, and reports per message of the rest: its user
 * and system CPU time and its minor page faults (`process.resourceUsage()`), with the rate.
 *
 * Why: at 1 MiB the receiver is nearly as busy as the sender, and most of its time is the kernel's (the copy
 * out of the socket, and the page faults of every fresh body buffer). The faults depend on how often the C
 * allocator (glibc's malloc) gives freed memory back to the system and takes it again, which depends on the
 * process's whole allocation pattern, not on zocket alone: see the eighth round's trial ("Tried, measured and
 * not kept") in docs/performance-history.md.
 */
import { fork } from "node:child_process";
import { Buffer } from "node:buffer";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { checkBuild, loadZocket, median, tune, type ZSocket } from "../suite/common.ts";
import { Checker, makeEnd, writeSeq } from "../suite/payload.ts";

const SKIP = 300;
const HWM = 1000;

interface Figures {
  rate: number;
  userUs: number;
  sysUs: number;
  faults: number;
}

async function zocket(): Promise<{ Push: new () => ZSocket; Pull: new () => ZSocket }> {
  return (await loadZocket()) as unknown as { Push: new () => ZSocket; Pull: new () => ZSocket };
}

/** Child: PULL, binds, reports its endpoint, then its figures after the END marker. */
async function receiver(size: number): Promise<void> {
  const { Pull } = await zocket();
  const pull = new Pull();
  tune(pull, HWM);
  await pull.bind("tcp://127.0.0.1:*");
  process.send!({ endpoint: pull.lastEndpoint });
  const chk = new Checker(size, 1, "PULL");
  let t0 = 0;
  let r0 = process.resourceUsage();
  while (chk.check(await pull.receive())) {
    if (chk.count === SKIP) {
      t0 = performance.now();
      r0 = process.resourceUsage();
    }
  }
  const t1 = performance.now();
  const r1 = process.resourceUsage();
  const n = chk.count - SKIP;
  if (n <= 0) throw new Error(`only ${chk.count} messages arrived`);
  const figures: Figures = {
    rate: n / ((t1 - t0) / 1000),
    userUs: (r1.userCPUTime - r0.userCPUTime) / n,
    sysUs: (r1.systemCPUTime - r0.systemCPUTime) / n,
    faults: (r1.minorPageFault - r0.minorPageFault) / n,
  };
  process.send!({ figures });
  pull.close();
}

/** Child: PUSH, sends `size`-byte messages from a ring for `ms`, then the END marker. */
async function sender(endpoint: string, size: number, ms: number): Promise<void> {
  const { Push } = await zocket();
  const push = new Push();
  tune(push, HWM);
  push.connect(endpoint);
  const ring: Buffer[] = [];
  const until = performance.now() + ms;
  let seq = 0;
  while (performance.now() < until) {
    const b = (ring[seq % (HWM + 8)] ??= Buffer.alloc(size));
    writeSeq(b, seq, 0);
    await push.send(b);
    seq++;
  }
  await push.send(makeEnd(seq, 1));
  push.linger = -1;
  push.close();
}

const SELF = fileURLToPath(import.meta.url);

function child(args: string[]): ReturnType<typeof fork> {
  return fork(SELF, args, { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

function exited(c: ReturnType<typeof fork>, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    c.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${what} exited with ${code}`))));
  });
}

async function run(size: number, ms: number): Promise<Figures> {
  const recv = child(["recv", String(size)]);
  const recvDone = exited(recv, "receiver");
  let figures: Figures | null = null;
  const bound = new Promise<string>((resolve) => {
    recv.on("message", (m: { endpoint?: string; figures?: Figures }) => {
      if (m.endpoint !== undefined) resolve(m.endpoint);
      if (m.figures !== undefined) figures = m.figures;
    });
  });
  const endpoint = await Promise.race([
    bound,
    recvDone.then(() => Promise.reject(new Error("the receiver exited before binding"))),
  ]);
  await Promise.all([exited(child(["send", endpoint, String(size), String(ms)]), "sender"), recvDone]);
  if (figures === null) throw new Error("the receiver reported nothing");
  return figures;
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} needs a positive integer`);
  return v;
}

const [mode, a1, a2, a3] = process.argv.slice(2);
if (mode === "recv") {
  await receiver(Number(a1));
} else if (mode === "send") {
  await sender(a1!, Number(a2), Number(a3));
} else {
  checkBuild();
  const size = option("--size", 1024 * 1024);
  const runs = option("--runs", 5);
  console.log(`zocket PUSH → PULL over tcp, ${size} B, the receiving process per message (after ${SKIP} messages)\n`);
  console.log("| run | msg/s | user µs | system µs | minor faults |");
  console.log("|----:|------:|--------:|----------:|-------------:|");
  const all: Figures[] = [];
  for (let i = 1; i <= runs; i++) {
    const f = await run(size, 2500);
    all.push(f);
    console.log(
      `| ${i} | ${Math.round(f.rate)} | ${f.userUs.toFixed(1)} | ${f.sysUs.toFixed(1)} | ${f.faults.toFixed(1)} |`,
    );
  }
  const med = (k: keyof Figures): number => median(all.map((f) => f[k]));
  console.log(
    `| median | ${Math.round(med("rate"))} | ${med("userUs").toFixed(1)} | ${med("sysUs").toFixed(1)} | ${med("faults").toFixed(1)} |`,
  );
}
