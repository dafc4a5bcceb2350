// Child-process entry of the benchmark suite (started by bench/suite/orchestrate.ts
// as `node --import tsx bench/suite/worker.ts MODE ...`, with an IPC channel):
//   role NAME SPEC     one end of a pair benchmark (tcp, ipc)
//   inproc SPEC        both ends in this process (inproc), sends a measurement
//   conns-router SPEC  / conns-clients SPEC   the 10k idle connections test
//   probe LIB          checks that a library loads and makes a socket

import { KNOWN_LIBS, KNOWN_TRANSPORTS, closeQuietly, errorMessage, loadLib } from "./common.ts";
import { parentChannel, sendToParent } from "./control.ts";
import type { CaseSpec, ConnsSpec, LibName, RoleSpec, Transport } from "./common.ts";
import { connsClients, connsRouter } from "./conns.ts";
import { memoryStarter, runPair } from "./orchestrate.ts";
import { ROLES, isRoleName } from "./roles.ts";

/**
 * `--heap MB`: live objects this worker holds for its whole life, the same for every library. The size of
 * the heap decides how V8 collects garbage: below 8 MB of old generation it never starts incremental
 * marking, above it every new external ArrayBuffer (a received 64 KiB message) counts towards the next
 * mark-compact. An application's heap is rarely that small, so the benchmark can show both regimes.
 */
function holdHeap(mb: number): unknown[] {
  const held: unknown[] = [];
  // About 150 bytes each (an object with a small array and a string, a typical application object).
  for (let i = 0; i < mb * 6_500; i++) held.push({ id: i, tags: [i, i + 1], name: `item-${i}` });
  return held;
}

const heapMb = Number(process.env["BENCH_HEAP_MB"] ?? "0");
export const ballast = holdHeap(Number.isInteger(heapMb) && heapMb > 0 ? heapMb : 0);

const ch = parentChannel();
// The driver went away: nothing left to report to.
process.on("disconnect", () => process.exit(3));

function parse(json: string | undefined): Record<string, unknown> {
  const v: unknown = JSON.parse(json ?? "null");
  if (typeof v !== "object" || v === null) throw new Error("spec must be a JSON object");
  return v as Record<string, unknown>;
}

function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`spec.${k} must be a number`);
  return v;
}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== "string") throw new Error(`spec.${k} must be a string`);
  return v;
}

function lib(v: string): LibName {
  const found = KNOWN_LIBS.find((l) => l === v);
  if (found === undefined) throw new Error(`unknown lib ${v}`);
  return found;
}

function caseSpec(o: Record<string, unknown>): CaseSpec {
  const bench = str(o, "bench");
  const transport = str(o, "transport");
  if (
    bench !== "thr" &&
    bench !== "lat" &&
    bench !== "dr" &&
    bench !== "multi" &&
    bench !== "fanout" &&
    bench !== "curve"
  )
    throw new Error(`bad bench ${bench}`);
  if (!KNOWN_TRANSPORTS.includes(transport as Transport)) throw new Error(`bad transport ${transport}`);
  return {
    bench,
    lib: lib(str(o, "lib")),
    transport: transport as Transport,
    size: num(o, "size"),
    parts: num(o, "parts"),
    durationMs: num(o, "durationMs"),
    warmupMs: num(o, "warmupMs"),
    hwm: num(o, "hwm"),
    window: num(o, "window"),
    subscribers: num(o, "subscribers"),
    id: str(o, "id"),
  };
}

function roleSpec(o: Record<string, unknown>): RoleSpec {
  return { ...caseSpec(o), endpoint: str(o, "endpoint") };
}

function connsSpec(o: Record<string, unknown>): ConnsSpec {
  return {
    lib: lib(str(o, "lib")),
    connections: num(o, "connections"),
    sample: num(o, "sample"),
    roundTrips: num(o, "roundTrips"),
    endpoint: str(o, "endpoint"),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const [mode, a, b] = argv;
  switch (mode) {
    case "role": {
      if (a === undefined || !isRoleName(a)) throw new Error(`unknown role ${a}`);
      await ROLES[a](roleSpec(parse(b)), ch);
      return;
    }
    case "inproc": {
      const m = await runPair(caseSpec(parse(a)), memoryStarter());
      await sendToParent({ t: "measurement", m });
      await ch.recv("exit", 120_000);
      return;
    }
    case "conns-router":
      await connsRouter(connsSpec(parse(a)), ch);
      return;
    case "conns-clients":
      await connsClients(connsSpec(parse(a)), ch);
      return;
    case "probe": {
      const l = await loadLib(lib(a ?? ""));
      const s = new l.Push();
      closeQuietly(s);
      await sendToParent({ t: "info", data: {} });
      return;
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  async (e: unknown) => {
    await sendToParent({ t: "error", message: errorMessage(e) });
    process.exit(1);
  },
);
