/**
 * Instructions per REQ/REP round trip on one side of a tcp connection, counted by valgrind (callgrind), the
 * latency cell's counterpart of bench/probes/inproc-instructions.bench.ts: time per round trip on this VM moves by
 * ±10 µs from run to run, the count by ~1 %.
 *
 * One side runs under callgrind, the other as a normal process (start the server first, on port 5996):
 *
 *   npm run build
 *   npx tsx bench/probes/reqrep-instructions.bench.ts server zocket &            # a REP (`net`: a bare echo)
 *   valgrind --tool=callgrind --smc-check=all-non-file --dump-before=uv_os_getpriority \
 *     --callgrind-out-file=/tmp/cg node --no-concurrent-recompilation --import tsx \
 *     bench/probes/reqrep-instructions.bench.ts client zocket                     # a REQ (`net`: a bare client)
 *   callgrind_annotate /tmp/cg.2 | grep TOTALS        # the steady segment; / 20,000 = per round trip
 *
 * To count the server instead, run the server under callgrind (it needs ~15 s to start there) and the
 * client as a normal process. Each side calls `os.getPriority()` (a libuv call nothing else makes) after
 * WARM round trips (default 20,000; V8 compiles) and again after N more (default 20,000), so
 * `--dump-before=uv_os_getpriority` writes the steady segment as `.2`. Counts include everything in the
 * process (promises, microtasks, GC, Node's stream machinery); memory stalls cost nothing here, so they
 * are not time. The bare pair is node:net with `'data'` events and 8-byte ZMTP-shaped frames, as in
 * the suite's latency ceiling.
 */
import * as net from "node:net";
import { Buffer } from "node:buffer";
import { getPriority } from "node:os";
import { loadZocket } from "../suite/common.ts";

const PORT = 5996;
const SIZE = 8;
const WARM = Number(process.env["WARM"] ?? 20_000);
const N = Number(process.env["N"] ?? 20_000);

const [role, kind] = process.argv.slice(2);
if ((role !== "client" && role !== "server") || (kind !== "zocket" && kind !== "net")) {
  throw new Error("usage: reqrep-instructions.bench.ts client|server zocket|net");
}

/** The segment markers: after the warm-up and at the end. */
function mark(count: number): void {
  if (count === WARM || count === WARM + N) getPriority();
}

if (role === "server") {
  let n = 0;
  if (kind === "net") {
    net
      .createServer((s) => {
        s.setNoDelay(true);
        s.on("data", (d) => {
          mark(++n);
          s.write(d);
        });
      })
      .listen(PORT, "127.0.0.1");
  } else {
    const zocket = await loadZocket();
    const rep = new zocket.Reply();
    await rep.bind(`tcp://127.0.0.1:${PORT}`);
    for (;;) {
      const m = await rep.receive();
      mark(++n);
      await rep.send(m);
    }
  }
} else {
  if (kind === "net") {
    const c = net.connect(PORT, "127.0.0.1");
    c.setNoDelay(true);
    await new Promise((r) => c.once("connect", r));
    const frame = Buffer.alloc(SIZE + 2, 1);
    frame[0] = 0;
    frame[1] = SIZE;
    let got = 0;
    let i = 0;
    await new Promise<void>((done) => {
      c.on("data", (d: Buffer) => {
        got += d.length;
        if (got < frame.length) return;
        got -= frame.length;
        mark(++i);
        if (i === WARM + N) return done();
        c.write(frame);
      });
      c.write(frame);
    });
    c.destroy();
  } else {
    const zocket = await loadZocket();
    const req = new zocket.Request();
    req.connect(`tcp://127.0.0.1:${PORT}`);
    const msg = Buffer.alloc(SIZE, 1);
    for (let i = 1; i <= WARM + N; i++) {
      await req.send(msg);
      const reply = await req.receive();
      if (reply.length !== 1 || reply[0]!.length !== SIZE) throw new Error("unexpected reply");
      mark(i);
    }
    req.close();
  }
  process.exit(0);
}
