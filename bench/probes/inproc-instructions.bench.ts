/**
 * Instructions per message of zocket's inproc path, counted by valgrind (callgrind): unlike time on a
 * shared VM, the count repeats to ~0.1 % from run to run, so small changes to the hot path can be compared.
 *
 *   npm run build
 *   valgrind --tool=callgrind --smc-check=all-non-file --dump-before=uv_os_getpriority \
 *     --callgrind-out-file=/tmp/cg node --no-concurrent-recompilation --import tsx \
 *     bench/probes/inproc-instructions.bench.ts
 *   callgrind_annotate /tmp/cg.2 | grep TOTALS      # instructions in the steady segment; / 1e6 = per message
 *
 * The cell's shape (`sendAndCheck` in bench/suite/common.ts, as bench/probes/inproc-floor.bench.ts): PUSH → PULL over
 * inproc, `await push.send(makeFrame())` against `chk.check(await pull.receive())`. A warm-up segment
 * (300 k messages, V8 compiles) and the measured one (1 M) are separated by calls to `os.getPriority()`, a libuv call nothing else makes, so
 * `--dump-before=uv_os_getpriority` writes one profile per segment: `.1` start-up and warm-up, `.2` the
 * steady segment. `--no-concurrent-recompilation` makes V8 compile on the main thread, so when it
 * optimises does not depend on thread scheduling. Counts include everything in the process: promises,
 * microtasks, GC, the harness's buffer and checks. They are not time: memory stalls cost nothing here.
 * V8 can size its young generation differently from one build to the next, and then the scavenges'
 * share moves by itself (`IterateObjectCache` alone is ~94 instructions a message with scavenges every
 * ~6 k messages, ~55 with fewer): compare those lines of `callgrind_annotate` before crediting a change.
 */
import { getPriority } from "node:os";
import { loadZocket } from "../suite/common.ts";
import { Checker, sendAndCheck } from "../suite/payload.ts";

// SIZE=100 and ENDPOINT=ws://127.0.0.1:* (or tcp://...) count another cell the same way, both ends here.
const SIZE = Number(process.env["SIZE"] ?? 8);
const WARMUP = Number(process.env["WARMUP"] ?? 300_000);
const N = Number(process.env["N"] ?? 1_000_000);

const zocket = await loadZocket();
const push = new zocket.Push({ sendHighWaterMark: 1000, linger: 0 });
const pull = new zocket.Pull({ receiveHighWaterMark: 1000, linger: 0 });
await pull.bind(process.env["ENDPOINT"] ?? "inproc://instructions");
push.connect(pull.lastEndpoint!);
const chk = new Checker(SIZE, 1, "PULL");
let seq = 0;

async function run(n: number): Promise<void> {
  await sendAndCheck(push, pull, chk, SIZE, seq, n);
  seq += n;
}

await run(WARMUP);
getPriority(); // end of the warm-up segment
await run(N);
getPriority(); // end of the measured segment
push.close();
pull.close();
console.log(`${chk.count} messages checked; the measured segment had ${N}`);
