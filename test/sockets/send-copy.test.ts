/**
 * Issue 21's reuse contract when a send is offered to the engine (docs/performance.md, design decision 32):
 * PUSH, DEALER and PAIR over tcp or ipc hand their frames to the connection's engine uncopied when nothing is
 * queued, and copy the small ones only if they have to wait in a queue; ROUTER copies at send(). Either way the
 * caller may overwrite its buffers as soon as send() has resolved. Here the receiver first does not read, so the
 * sender's output goes over its budget and later messages queue; every frame must still arrive as it was sent.
 * How much queues there depends on the kernel's buffers, so the last cases queue every message for certain:
 * they are sent before the peer listens.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as z from "../../src/index.ts";
import { bindAddress, closeAfter, withTimeout } from "../helpers/sockets.ts";

const COUNT = 40_000; // 4 MB of 100-byte frames: more than the kernel's and the writer's buffers hold
const SIZE = 100;
/** A receiver that soon stops taking frames off the connection while nobody reads (its queue holds 10). */
const RECEIVER = { receiveHighWaterMark: 10, linger: 0 };
const SENDER = { sendHighWaterMark: COUNT, linger: 0 };

/** Frame `part` of message i: the index and part, then a byte of both repeated. */
function fill(buf: Buffer, i: number, part: number): void {
  buf.fill((i + part * 7) & 0xff);
  buf.writeUInt32LE(i, 0);
  buf.writeUInt8(part, 4);
}

const EARLY = 2_000;

/** How one case sends a message of the given frames, and receives one at the far end. */
interface Ends {
  send(frames: Buffer[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}

async function sendReusing(ends: Ends, parts: number, count = COUNT): Promise<void> {
  await sendOnly(ends, parts, count);
  await receiveAll(ends, parts, count);
}

async function sendOnly(ends: Ends, parts: number, count: number): Promise<void> {
  const bufs = Array.from({ length: parts }, () => Buffer.alloc(SIZE));
  for (let i = 0; i < count; i++) {
    bufs.forEach((b, part) => fill(b, i, part));
    await ends.send(bufs);
    for (const b of bufs) b.fill(0xee); // the caller reuses its buffers at once
  }
}

async function receiveAll(ends: Ends, parts: number, count: number): Promise<void> {
  const expected = Buffer.alloc(SIZE);
  for (let i = 0; i < count; i++) {
    const frames = await withTimeout(ends.receive(), 10_000, `message ${i}`);
    assert.equal(frames.length, parts, `message ${i}: ${frames.length} frames`);
    frames.forEach((frame, part) => {
      fill(expected, i, part);
      assert.ok(
        frame.equals(expected),
        `message ${i} frame ${part} arrived as ${frame.subarray(0, 8).toString("hex")}…`,
      );
    });
  }
}

/** What a sender passes to send(): a message of one frame as that Buffer (the path most code takes), else the array. */
function asSent(frames: Buffer[]): Buffer | Buffer[] {
  return frames.length === 1 ? frames[0]! : frames;
}

/** A sender bound to by a receiver. */
function linked(makeSender: () => z.Push | z.Dealer | z.Pair, makeReceiver: () => z.Pull | z.Dealer | z.Pair) {
  return async (t: TestContext, address: string): Promise<Ends> => {
    const receiver = makeReceiver();
    const sender = makeSender();
    closeAfter(t, sender, receiver);
    await receiver.bind(address);
    sender.connect(receiver.lastEndpoint!);
    return { send: (frames) => sender.send(asSent(frames)), receive: () => receiver.receive() };
  };
}

/** A ROUTER replying to the DEALER that greeted it, through the very routing id it received. */
async function routerReplies(t: TestContext, address: string, router = new z.Router(SENDER)): Promise<Ends> {
  const dealer = new z.Dealer(RECEIVER);
  closeAfter(t, router, dealer);
  await router.bind(address);
  dealer.connect(router.lastEndpoint!);
  await dealer.send("hello");
  const [id] = await withTimeout(router.receive(), 5_000, "the DEALER's greeting");
  return { send: (frames) => router.send([id!, ...frames]), receive: () => dealer.receive() };
}

const CASES: [string, (t: TestContext, address: string) => Promise<Ends>, number][] = [
  [
    "PUSH → PULL",
    linked(
      () => new z.Push(SENDER),
      () => new z.Pull(RECEIVER),
    ),
    1,
  ],
  [
    "DEALER → DEALER",
    linked(
      () => new z.Dealer(SENDER),
      () => new z.Dealer(RECEIVER),
    ),
    1,
  ],
  [
    "PAIR → PAIR",
    linked(
      () => new z.Pair(SENDER),
      () => new z.Pair(RECEIVER),
    ),
    1,
  ],
  [
    "DEALER → DEALER, two frames",
    linked(
      () => new z.Dealer(SENDER),
      () => new z.Dealer(RECEIVER),
    ),
    2,
  ],
  ["ROUTER → DEALER", routerReplies, 1],
  ["ROUTER → DEALER, two frames", routerReplies, 2],
];

describe("send(): reused small buffers arrive as they were sent, whether the engine took them or they queued", () => {
  for (const tr of ["tcp", "ipc"] as const) {
    for (const [name, open, parts] of CASES) {
      test(`${name} over ${tr}`, async (t) => sendReusing(await open(t, bindAddress(tr, "send-copy")), parts));
    }
  }

  // A ROUTER with a tcp peer replying to an inproc one: the reply waits in the inproc queue, which holds
  // the very frames send() queued, so they must be copies.
  test("ROUTER → DEALER over inproc, the ROUTER also having a tcp peer", async (t) => {
    const router = new z.Router(SENDER);
    const tcpPeer = new z.Dealer({ linger: 0 });
    closeAfter(t, router, tcpPeer);
    await router.bind(bindAddress("tcp", "send-copy"));
    tcpPeer.connect(router.lastEndpoint!);
    await tcpPeer.send("first");
    await withTimeout(router.receive(), 5_000, "the tcp DEALER's greeting");
    await sendReusing(await routerReplies(t, bindAddress("inproc", "send-copy"), router), 2);
  });

  // Sent while the connection is still being made, every message queues (no engine takes it yet): each one
  // must have been copied. The same order of events every run, whatever the kernel's buffers hold.
  const EARLY_CASES: [string, () => z.Push | z.Dealer | z.Pair | z.Router, () => z.Pull | z.Dealer | z.Pair, number][] =
    [
      ["PUSH → PULL", () => new z.Push(SENDER), () => new z.Pull({ linger: 0 }), 1],
      ["DEALER → DEALER, two frames", () => new z.Dealer(SENDER), () => new z.Dealer({ linger: 0 }), 2],
      [
        "ROUTER → DEALER, two frames",
        () => new z.Router(SENDER),
        () => new z.Dealer({ linger: 0, routingId: "far" }),
        2,
      ],
    ];
  for (const [name, makeSender, makeReceiver, parts] of EARLY_CASES) {
    test(`${name} over ipc, sent before the peer listens`, async (t) => {
      const sender = makeSender();
      const receiver = makeReceiver();
      closeAfter(t, sender, receiver);
      const address = bindAddress("ipc", "send-copy");
      if (sender instanceof z.Router) sender.connect(address, { routingId: "far" });
      else sender.connect(address);
      const id = Buffer.from("far");
      const send = (frames: Buffer[]): Promise<void> =>
        sender instanceof z.Router ? sender.send([id, ...frames]) : sender.send(asSent(frames));
      const ends: Ends = { send, receive: () => receiver.receive() };
      await sendOnly(ends, parts, EARLY);
      await receiver.bind(address);
      await receiveAll(ends, parts, EARLY);
    });
  }
});
