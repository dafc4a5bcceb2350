// Connection bursts (`--only burst`): how fast a ROUTER takes many peers arriving at once, each library
// against itself, on loopback tcp, with the default `backlog` (issue 27):
//   burst  N DEALERs (default 1,000) connect at the same moment and each does one round trip; the time from
//          the first connect() to the last echo. The first burst meets processes that have served only a few
//          connections: zocket's connection code still runs in V8's interpreter, and V8 compiles it on the
//          same two cores meanwhile (`cold`). Like every cell of the suite, the burst figure is taken after
//          a warm-up: one more burst of N, then the measured one;
//   storm  R rounds (default 10) of M DEALERs (default 200): connect, one round trip each, close; the time
//          of each round (a reconnect storm after a broker restart).
// A peer the kernel's accept queue dropped waits for the 1 s SYN retry, so either figure near or above 1 s
// means dropped connects.
//
// Run as its own worker script (spawnWorker's `script`):
//   burst-router SPEC:   -> ready{endpoint} <- exit
//   burst-clients SPEC:  -> result{extra: burstMs, coldMs, storm0..stormR-1} <- exit

import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import { closeQuietly, errorMessage, loadLib, median } from "./common.ts";
import { EXIT_WAIT_MS, parentChannel, sendToParent } from "./control.ts";
import { CheckError } from "./payload.ts";
import type { LibName, ZSocket } from "./common.ts";
import type { Channel, RoleResult } from "./control.ts";
import { spawnWorker } from "./orchestrate.ts";
import type { RoleHandle } from "./orchestrate.ts";

export interface BurstSpec {
  lib: LibName;
  /** DEALERs of the one-shot burst. */
  connections: number;
  /** DEALERs per storm round, and rounds. */
  stormPeers: number;
  stormRounds: number;
  endpoint: string;
}

export interface BurstResult {
  lib: LibName;
  connections: number;
  /** First connect() to the last echo of the burst (ms). */
  burstMs: number;
  /** The same for the first burst, into processes that had served only a few connections (ms). */
  coldMs: number;
  stormPeers: number;
  /** Each storm round (ms). */
  stormMs: number[];
}

const PHASE_TIMEOUT_MS = 120_000;

async function burstRouter(spec: BurstSpec, ch: Channel): Promise<void> {
  const lib = await loadLib(spec.lib);
  const sock = new lib.Router();
  sock.linger = 0;
  sock.sendHighWaterMark = 10_000;
  sock.receiveHighWaterMark = 10_000;
  await sock.bind(spec.endpoint);
  let stopped = false;
  const serve = (async (): Promise<void> => {
    while (!stopped) {
      let msg: Buffer[];
      try {
        msg = await sock.receive();
      } catch (e) {
        if (stopped) return;
        throw e;
      }
      await sock.send(msg);
    }
  })();
  serve.catch((e: unknown) => ch.send({ t: "error", message: `ROUTER stopped serving: ${errorMessage(e)}` }));
  ch.send({ t: "ready", endpoint: sock.lastEndpoint ?? spec.endpoint });
  await ch.recv("exit", EXIT_WAIT_MS);
  stopped = true;
  closeQuietly(sock);
}

/** `n` DEALERs connect at once and each does one round trip; resolves with the elapsed ms, all closed. */
async function wave(lib: Awaited<ReturnType<typeof loadLib>>, endpoint: string, n: number): Promise<number> {
  const socks: ZSocket[] = [];
  for (let i = 0; i < n; i++) {
    const s = new lib.Dealer();
    s.linger = 0;
    socks.push(s);
  }
  try {
    const t0 = performance.now();
    const trips = socks.map(async (s, i) => {
      s.connect(endpoint);
      const b = Buffer.alloc(4);
      b.writeUInt32LE(i, 0);
      await s.send(b);
      const [r] = await s.receive();
      if (r === undefined || r.length !== 4 || r.readUInt32LE(0) !== i) throw new CheckError(`DEALER ${i}: bad echo`);
    });
    await Promise.all(trips);
    return performance.now() - t0;
  } finally {
    for (const s of socks) closeQuietly(s);
  }
}

async function burstClients(spec: BurstSpec, ch: Channel): Promise<void> {
  const lib = await loadLib(spec.lib);
  if (spec.lib === "zeromq") {
    // libzmq's default limit is 1,023 sockets a context.
    const zmq = (await import("zeromq")) as unknown as { context: { maxSockets: number } };
    zmq.context.maxSockets = 2 * spec.connections + 64;
  }
  await wave(lib, spec.endpoint, 5); // loads and compiles the connect path
  const coldMs = await wave(lib, spec.endpoint, spec.connections);
  await wave(lib, spec.endpoint, spec.connections);
  const burstMs = await wave(lib, spec.endpoint, spec.connections);
  const extra: Record<string, number> = { burstMs, coldMs };
  for (let r = 0; r < spec.stormRounds; r++) {
    // The closed peers of the round before leave in the background, as in a real storm.
    extra[`storm${r}`] = await wave(lib, spec.endpoint, spec.stormPeers);
  }
  const result: RoleResult = { count: spec.connections, bytes: 0, elapsedMs: burstMs, extra };
  ch.send({ t: "result", result });
  await ch.recv("exit", EXIT_WAIT_MS);
}

const SCRIPT = fileURLToPath(import.meta.url);

/** One burst measurement: a ROUTER process and a DEALERs process of the same library. */
export async function runBurst(base: Omit<BurstSpec, "endpoint">): Promise<BurstResult> {
  const handles: RoleHandle[] = [];
  const opts = { ulimit: true, script: SCRIPT };
  try {
    const spec = { ...base, endpoint: "tcp://127.0.0.1:0" };
    const router = spawnWorker(`burst-router (${base.lib})`, ["burst-router", JSON.stringify(spec)], opts);
    handles.push(router);
    const { endpoint } = await router.ch.recv("ready", PHASE_TIMEOUT_MS);
    const clients = spawnWorker(
      `burst-clients (${base.lib})`,
      ["burst-clients", JSON.stringify({ ...spec, endpoint })],
      opts,
    );
    handles.push(clients);
    const { result } = await clients.ch.recv("result", PHASE_TIMEOUT_MS);
    router.ch.send({ t: "exit" });
    clients.ch.send({ t: "exit" });
    await Promise.all(handles.map((h) => h.finished));
    const stormMs: number[] = [];
    for (let r = 0; r < base.stormRounds; r++) stormMs.push(result.extra[`storm${r}`] ?? NaN);
    const extra = result.extra;
    return { ...base, burstMs: extra["burstMs"] ?? NaN, coldMs: extra["coldMs"] ?? NaN, stormMs };
  } finally {
    for (const h of handles) h.kill();
  }
}

/** The median storm round of a result. */
export function stormMedian(r: BurstResult): number {
  return median(r.stormMs);
}

async function main(argv: readonly string[]): Promise<void> {
  const [mode, json] = argv;
  const spec = JSON.parse(json ?? "null") as BurstSpec;
  const ch = parentChannel();
  process.on("disconnect", () => process.exit(3));
  if (mode === "burst-router") await burstRouter(spec, ch);
  else if (mode === "burst-clients") await burstClients(spec, ch);
  else throw new Error(`unknown mode ${mode}`);
}

if (process.argv[1] === SCRIPT) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    async (e: unknown) => {
      await sendToParent({ t: "error", message: errorMessage(e) });
      process.exit(1);
    },
  );
}
