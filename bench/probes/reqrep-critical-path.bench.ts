/**
 * A REQ/REP round trip over tcp at 8 B, split where latency is decided (docs/performance.md, design
 * decision 24):
 * instructions from a read's arrival to the next write (the critical path: the peer waits for it), and
 * from that write to the next read (the rest, which overlaps with the network and the peer).
 *
 * Two markers split the run: `os.getPriority()` when a read reaches the engine and `os.uptime()` when the
 * engine hands bytes to the socket (libuv calls nothing else makes). Both are in place from the first
 * round trip, so V8 compiles the paths with them; callgrind dumps a segment at each (`--dump-before`).
 * One side runs under callgrind, the other as a normal process:
 *
 *   npm run build
 *   npx tsx bench/probes/reqrep-critical-path.bench.ts server &
 *   valgrind --tool=callgrind --smc-check=all-non-file --dump-before=uv_os_getpriority \
 *     --dump-before=uv_uptime --callgrind-out-file=/tmp/cp/c node --no-concurrent-recompilation \
 *     --import tsx bench/probes/reqrep-critical-path.bench.ts client          # ~12,600 small files in /tmp/cp
 *   npx tsx bench/probes/reqrep-critical-path.bench.ts split /tmp/cp          # medians of the last 300 of each
 *
 * To split the server instead, run it under callgrind (it needs ~15 s to start there) and the client
 * plainly. The client stops after TOTAL round trips (default 6,300: 6,000 of warm-up, then 300).
 * The markers wrap two methods (the transport's delivery, net.Socket#write), so the counts are a little
 * higher than with markers inside the code; compare builds with the same script.
 */
import * as net from "node:net";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getPriority, uptime } from "node:os";
import { Buffer } from "node:buffer";
import { loadBuilt, loadZocket } from "../suite/common.ts";

const PORT = 5995;
const TOTAL = Number(process.env["TOTAL"] ?? 6300);
const SEGMENTS = 300;

const [role, dir] = process.argv.slice(2);

if (role === "split") {
  if (dir === undefined) throw new Error("usage: reqrep-critical-path.bench.ts split DIR");
  const files = readdirSync(dir)
    .filter((f) => /\.\d+$/.test(f))
    .sort((a, b) => Number(a.slice(a.lastIndexOf(".") + 1)) - Number(b.slice(b.lastIndexOf(".") + 1)))
    .slice(-2 * SEGMENTS);
  const readToWrite: number[] = [];
  const writeToRead: number[] = [];
  for (const f of files) {
    const head = readFileSync(join(dir, f), "latin1").slice(0, 4000);
    const total = /^summary: (\d+)/m.exec(head);
    if (total === null) continue;
    // A dump at the write marker holds what ran since the read marker, and the other way round.
    (head.includes("--dump-before=uv_uptime") ? readToWrite : writeToRead).push(Number(total[1]));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
  console.log(`read → write: median ${median(readToWrite)} instructions (${readToWrite.length} segments)`);
  console.log(`write → read: median ${median(writeToRead)} instructions (${writeToRead.length} segments)`);
} else if (role === "server" || role === "client") {
  const { DirectInput } = (await loadBuilt(
    "transports/direct-input.js",
  )) as typeof import("../../src/transports/direct-input.ts");
  const deliver = DirectInput.prototype.deliver;
  DirectInput.prototype.deliver = function (this: InstanceType<typeof DirectInput>, chunk: Buffer): void {
    getPriority();
    deliver.call(this, chunk);
  };
  type Write = (this: net.Socket, chunk: Uint8Array, a?: unknown, b?: unknown) => boolean;
  const write = net.Socket.prototype.write as Write;
  (net.Socket.prototype as { write: Write }).write = function (
    this: net.Socket,
    chunk: Uint8Array,
    a?: unknown,
    b?: unknown,
  ): boolean {
    uptime();
    return write.call(this, chunk, a, b);
  };
  const zocket = await loadZocket();
  if (role === "server") {
    const rep = new zocket.Reply();
    await rep.bind(`tcp://127.0.0.1:${PORT}`);
    for (;;) await rep.send(await rep.receive());
  } else {
    const req = new zocket.Request();
    req.connect(`tcp://127.0.0.1:${PORT}`);
    const msg = Buffer.alloc(8, 1);
    for (let i = 0; i < TOTAL; i++) {
      await req.send(msg);
      const reply = await req.receive();
      if (reply.length !== 1 || reply[0]!.length !== 8) throw new Error("unexpected reply");
    }
    process.exit(0);
  }
} else {
  throw new Error("usage: reqrep-critical-path.bench.ts server|client|split DIR");
}
