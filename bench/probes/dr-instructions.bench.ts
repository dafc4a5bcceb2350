/**
 * Instructions per round trip of zocket's DEALER↔ROUTER over inproc with 256 requests in flight (the
 * suite's `dr` cell in one process), counted by valgrind as bench/probes/inproc-instructions.bench.ts
 * explains (same command, this file; `.2` is the steady segment; divide by N for a round trip).
 * `ENDPOINT=tcp://127.0.0.1:*` runs the same over loopback tcp (both ends in this process); `SIZE=100` another size.
 */
import { getPriority } from "node:os";
import { loadZocket } from "../suite/common.ts";
import { Checker, makeFrame } from "../suite/payload.ts";

const SIZE = Number(process.env["SIZE"] ?? 8);
const WINDOW = 256;
const WARMUP = Number(process.env["WARMUP"] ?? 100_000);
const N = Number(process.env["N"] ?? 300_000);

const zocket = await loadZocket();
const router = new zocket.Router({ sendHighWaterMark: 1000, receiveHighWaterMark: 1000, linger: 0 });
const dealer = new zocket.Dealer({ sendHighWaterMark: 1000, receiveHighWaterMark: 1000, linger: 0 });
await router.bind(process.env["ENDPOINT"] ?? "inproc://dr-instructions");
dealer.connect(router.lastEndpoint!);

// The echo end: every message back as it came.
const echo = (async (): Promise<void> => {
  for (;;) {
    const msg = await router.receive();
    if (msg[1]!.length === 0) return;
    await router.send(msg);
  }
})();

const chk = new Checker(SIZE, 1, "DEALER");
let seq = 0;

async function run(n: number): Promise<void> {
  let sent = 0;
  let recvd = 0;
  for (; sent < Math.min(WINDOW, n); sent++) await dealer.send(makeFrame(SIZE, seq++));
  while (recvd < sent) {
    chk.check(await dealer.receive());
    recvd++;
    if (sent < n) {
      await dealer.send(makeFrame(SIZE, seq++));
      sent++;
    }
  }
}

await run(WARMUP);
getPriority(); // end of the warm-up segment
await run(N);
getPriority(); // end of the measured segment
await dealer.send(Buffer.alloc(0));
await echo;
dealer.close();
router.close();
console.log(`${chk.count} round trips checked; the measured segment had ${N}`);
