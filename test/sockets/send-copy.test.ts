/**
 * Issue 21's reuse contract when a send is offered to the engine (docs/performance.md, design decision 32):
 * a PUSH, DEALER or PAIR over tcp or ipc hands a small frame to its connection's engine uncopied when nothing
 * is queued, and copies it only if it has to wait in the queue. Either way the caller may overwrite its
 * buffer as soon as send() has resolved. Here the receiver first does not read, so the sender's output goes
 * over its budget and later frames queue; every frame must still arrive as it was sent.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as z from "../../src/index.ts";
import { bindAddress, closeAfter, withTimeout } from "../helpers/sockets.ts";

const COUNT = 40_000; // 4 MB of 100-byte frames: more than the kernel's and the writer's buffers hold
const SIZE = 100;

/** Frame i: its index, then its low byte repeated. */
function fill(buf: Buffer, i: number): void {
  buf.fill(i & 0xff);
  buf.writeUInt32LE(i, 0);
}

type Sender = z.Push | z.Dealer | z.Pair;
type Receiver = z.Pull | z.Dealer | z.Pair;
/** A receiver that soon stops taking frames off the connection while nobody reads (its queue holds 10). */
const RECEIVER = { receiveHighWaterMark: 10, linger: 0 };

async function sendReusing(sender: Sender, receiver: Receiver): Promise<void> {
  const buf = Buffer.alloc(SIZE);
  for (let i = 0; i < COUNT; i++) {
    fill(buf, i);
    await sender.send(buf);
    buf.fill(0xee); // the caller reuses its buffer at once
  }
  const expected = Buffer.alloc(SIZE);
  for (let i = 0; i < COUNT; i++) {
    const [frame] = await withTimeout(receiver.receive(), 10_000, `frame ${i}`);
    fill(expected, i);
    assert.ok(frame!.equals(expected), `frame ${i} arrived as ${frame!.subarray(0, 8).toString("hex")}…`);
  }
}

/** The one-pipe types the offer applies to, each as a sender and the peer that receives from it. */
const PAIRS: [string, () => Sender, () => Receiver][] = [
  ["PUSH → PULL", () => new z.Push({ sendHighWaterMark: COUNT, linger: 0 }), () => new z.Pull(RECEIVER)],
  ["DEALER → DEALER", () => new z.Dealer({ sendHighWaterMark: COUNT, linger: 0 }), () => new z.Dealer(RECEIVER)],
  ["PAIR → PAIR", () => new z.Pair({ sendHighWaterMark: COUNT, linger: 0 }), () => new z.Pair(RECEIVER)],
];

describe("send(): a reused small buffer arrives as it was sent, whether the engine took it or it queued", () => {
  for (const tr of ["tcp", "ipc"] as const) {
    for (const [name, makeSender, makeReceiver] of PAIRS) {
      test(`${name} over ${tr}`, async (t) => {
        const receiver = makeReceiver();
        const sender = makeSender();
        closeAfter(t, sender, receiver);
        await receiver.bind(bindAddress(tr, "send-copy"));
        sender.connect(receiver.lastEndpoint!);
        await sendReusing(sender, receiver);
      });
    }
  }
});
