/**
 * Event-loop fairness, as zeromq.js's "should not starve event loop" (test/unit/socket-send-receive-test.ts):
 * send() and receive() resolve at once when they can, but at most 512 in a row (zeromq.js
 * `max_sync_operations`; zocket also lets a millisecond pass between such yields); then one resolves in the
 * check phase, so timers and I/O run while a loop fills or drains a fast socket. Run against zocket and
 * `zeromq`, on tcp, ipc and inproc.
 *
 * A `setInterval(…, 0)` timer fires at most once per millisecond, so a loop that takes under 3 ms in all
 * cannot show 3 ticks whatever it does; zocket drains 2,500 queued messages in about that. Each loop
 * therefore also spends a few microseconds per message, as an application handling them would: without
 * the cap the timer never fires (the whole loop runs in microtasks), with it it fires about once per 512.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as zmq from "zeromq";
import * as z from "../../src/index.ts";
import { bindAddress, closeAfter, delay, TRANSPORTS } from "../helpers/sockets.ts";

interface Pair {
  bind(address: string): Promise<void>;
  connect(address: string): void;
  close(): void;
  readonly lastEndpoint: string | null;
  send(message: unknown): Promise<void>;
  receive(): Promise<Buffer[]>;
  [Symbol.asyncIterator](): AsyncIterator<Buffer[], undefined>;
}
type Ctor = new (options?: Record<string, unknown>) => Pair;

const IMPLS: Array<{ name: string; Pair: Ctor }> = [
  { name: "zocket", Pair: z.Pair as unknown as Ctor },
  { name: "zeromq", Pair: zmq.Pair as unknown as Ctor },
];
const only = process.env["ZOCKET_TEST_IMPL"];
const impls = IMPLS.filter((i) => only === undefined || only === "" || only === "both" || i.name === only);

const COUNT = 2500;

/** What a handler does with a message: a few microseconds of work. */
function work(): void {
  const until = performance.now() + 0.004;
  while (performance.now() < until);
}

/** zeromq.js's countDelays: how often a setInterval(…, 0) timer fires while `fn` runs. */
async function countTicks(fn: () => Promise<void>): Promise<number> {
  let ticks = 0;
  await delay(15);
  const interval = setInterval(() => ticks++, 0);
  await new Promise(setImmediate); // start in the check phase, as zeromq.js's test does
  await fn();
  clearInterval(interval);
  await delay(15);
  return ticks;
}

/** A connected pair whose HWMs hold all COUNT messages at once. */
async function pair(impl: { Pair: Ctor }, tr: (typeof TRANSPORTS)[number]): Promise<[Pair, Pair]> {
  const a = new impl.Pair({ linger: 0, sendHighWaterMark: 5000 });
  const b = new impl.Pair({ linger: 0, receiveHighWaterMark: 5000 });
  await b.bind(bindAddress(tr, "fair"));
  a.connect(b.lastEndpoint!);
  return [a, b];
}

describe("event-loop fairness (zeromq.js: should not starve event loop)", () => {
  for (const impl of impls) {
    for (const tr of TRANSPORTS) {
      test(`${impl.name} ${tr}: await send() then await receive() of ${COUNT} messages let a timer fire`, async (t) => {
        const [a, b] = await pair(impl, tr);
        closeAfter(t, a, b);
        const sendTicks = await countTicks(async () => {
          for (let i = 0; i < COUNT; i++) {
            work();
            await a.send("x");
          }
        });
        const recvTicks = await countTicks(async () => {
          for (let i = 0; i < COUNT; i++) {
            work();
            await b.receive();
          }
        });
        assert.ok(sendTicks >= 3, `timer fired ${sendTicks} times during the sends`);
        assert.ok(recvTicks >= 3, `timer fired ${recvTicks} times during the receives`);
      });

      test(`${impl.name} ${tr}: for await over ${COUNT} queued messages lets a timer fire`, async (t) => {
        const [a, b] = await pair(impl, tr);
        closeAfter(t, a, b);
        for (let i = 0; i < COUNT; i++) await a.send("x");
        const ticks = await countTicks(async () => {
          let n = 0;
          for await (const _ of b) {
            work();
            if (++n === COUNT) break;
          }
        });
        assert.ok(ticks >= 3, `timer fired ${ticks} times during the iteration`);
      });
    }
  }

  test("zocket: a receive loop over an inproc REQ/REP ping-pong in one process still lets timers run", async (t) => {
    // Both sides wake each other in microtasks (inproc): only the cap makes the pair yield.
    const rep = new z.Reply();
    const req = new z.Request();
    closeAfter(t, rep, req);
    const ep = bindAddress("inproc", "fair-rr");
    await rep.bind(ep);
    req.connect(ep);
    const echo = (async () => {
      for await (const [m] of rep) await rep.send(m!);
    })();
    const ticks = await countTicks(async () => {
      for (let i = 0; i < COUNT; i++) {
        work();
        await req.send("ping");
        await req.receive();
      }
    });
    rep.close();
    await echo;
    assert.ok(ticks >= 3, `timer fired ${ticks} times during ${COUNT} round trips`);
  });
});
