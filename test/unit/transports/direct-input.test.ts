/**
 * Direct input (transports/direct-input.ts): connections read through node:net `onread` into buffers zocket
 * chooses — one shared scratch buffer for quiet connections (copied out), a private slab while a peer
 * streams (views, no copy), and the body of a large frame itself while it is being assembled (read in
 * place). These tests check that no byte is lost, mixed up or aliased on any of those paths: frame sizes
 * around every threshold, a receiver that keeps pausing, many connections sharing the scratch buffer,
 * libzmq as the sender, and the buffer hand-over rules of DirectInput itself.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as zmq from "zeromq";
import * as z from "../../../src/index.ts";
import type { StreamReader } from "../../../src/transports/byte-stream.ts";
import { createServer, connect as netConnect, type Socket } from "node:net";
import { adopt, DirectInput } from "../../../src/transports/direct-input.ts";
import {
  bindAddress,
  closeAfter,
  delay,
  fingerprint,
  guardProcess,
  waitUntil,
  withTimeout,
} from "../../helpers/sockets.ts";

/** Sizes on both sides of every threshold: short/long frames, scratch/slab switch, in-place assembly. */
const SIZES = [
  0,
  1,
  255,
  256,
  4095,
  4096,
  16383,
  16384,
  16385,
  65535,
  65536,
  65545,
  131072,
  200_000,
  1 << 20,
  3 * (1 << 20) + 7,
];

function messages(): Buffer[][] {
  const out: Buffer[][] = [];
  for (const s of SIZES) out.push([randomBytes(s)]);
  // Multipart: a large part between small ones, and two large parts back to back.
  out.push([randomBytes(3), randomBytes(100_000), randomBytes(0)]);
  out.push([randomBytes(70_000), randomBytes(1 << 20)]);
  for (const s of [...SIZES].reverse()) out.push([randomBytes(s)]);
  return out;
}

const print = (m: Buffer[]): string[] => m.map(fingerprint);

/**
 * Send `sent` while reading it back, pausing 5 ms before every `every`-th read (the receiver falls behind
 * and the sender's socket gets paused), and check that every message arrived intact and in order.
 */
async function sendAndReadSlowly(
  push: { send(m: Buffer[]): Promise<void> },
  pull: { receive(): Promise<Buffer[]> },
  sent: Buffer[][],
  every: number,
): Promise<void> {
  const sending = (async () => {
    for (const m of sent) await push.send(m);
  })();
  const got: string[][] = [];
  for (let i = 0; i < sent.length; i++) {
    got.push(print(await withTimeout(pull.receive(), 10_000, `message ${i}`)));
    if (i % every === 0) await delay(5);
  }
  await sending;
  assert.deepEqual(got, sent.map(print));
}

describe("direct input: every byte arrives, in order, on every read path", () => {
  for (const transport of ["tcp", "ipc"] as const) {
    for (const receiverBinds of [true, false]) {
      test(`${transport}, receiver ${receiverBinds ? "binds (accepted socket)" : "connects (dialled socket)"}, pausing receiver`, async (t) => {
        const guard = guardProcess(t);
        const push = new z.Push({ sendHighWaterMark: 4 });
        const pull = new z.Pull({ receiveHighWaterMark: 1 });
        closeAfter(t, push, pull);
        const sent = messages();
        if (receiverBinds) {
          await pull.bind(bindAddress(transport, "di"));
          push.connect(pull.lastEndpoint!);
        } else {
          await push.bind(bindAddress(transport, "di"));
          pull.connect(push.lastEndpoint!);
        }
        // With a receive HWM of 1 the engine pauses the socket mid-stream, sometimes in the middle of a
        // body being read in place.
        await sendAndReadSlowly(push, pull, sent, 3);
        guard.check();
      });
    }
  }

  test("libzmq (zeromq.js) as the sender: its write pattern, same bytes", async (t) => {
    const push = new zmq.Push({ sendHighWaterMark: 8 });
    const pull = new z.Pull({ receiveHighWaterMark: 2 });
    closeAfter(t, push, pull);
    await pull.bind("tcp://127.0.0.1:*");
    push.connect(pull.lastEndpoint!);
    await sendAndReadSlowly(push, pull, messages(), 4);
  });

  // After a large message, the next read lands in a buffer of that message's shape (read-shaper.ts): runs
  // of same-shaped messages are read that way, and every change of shape must fall back without a loss.
  function runsOfShapes(): Buffer[][] {
    const shapes: number[][] = [
      [65536],
      [0, 40_000],
      [100_000, 3],
      [1 << 20],
      [50_000, 50_000],
      [7],
      [33_000],
      [200_000],
      [40_000, 0, 40_000],
    ];
    const out: Buffer[][] = [];
    for (const shape of shapes) for (let i = 0; i < 6; i++) out.push(shape.map((n) => randomBytes(n)));
    return out;
  }
  for (const sender of ["zocket", "libzmq (zeromq.js)"] as const) {
    test(`runs of same-shaped large messages, the shape changing between runs, ${sender} sending: same bytes`, async (t) => {
      const push = sender === "zocket" ? new z.Push({ sendHighWaterMark: 4 }) : new zmq.Push({ sendHighWaterMark: 4 });
      const pull = new z.Pull({ receiveHighWaterMark: 1 });
      closeAfter(t, push, pull);
      await pull.bind("tcp://127.0.0.1:*");
      push.connect(pull.lastEndpoint!);
      await sendAndReadSlowly(push, pull, runsOfShapes(), 5);
    });
  }

  test("many connections, quiet and streaming at once, share the scratch buffer without mixing bytes", async (t) => {
    const router = new z.Router();
    const dealers: z.Dealer[] = [];
    closeAfter(t, router);
    await router.bind("tcp://127.0.0.1:*");
    const N = 12;
    const PER = 40;
    for (let d = 0; d < N; d++) {
      const dealer = new z.Dealer({ routingId: `d${d}` });
      closeAfter(t, dealer);
      dealer.connect(router.lastEndpoint!);
      dealers.push(dealer);
    }
    // Each dealer alternates small and 40 KiB messages (switching its connection between the scratch
    // buffer and a private slab), all concurrently; each payload is derived from (dealer, seq).
    const payload = (d: number, seq: number): Buffer => {
      const size = seq % 2 === 0 ? 10 + ((d * 7 + seq) % 50) : 40 * 1024 + d;
      const b = Buffer.alloc(size, (d * 31 + seq) & 0xff);
      b.writeUInt16LE(d, 0);
      b.writeUInt16LE(seq, 2);
      return b;
    };
    const sending = Promise.all(
      dealers.map(async (dealer, d) => {
        for (let seq = 0; seq < PER; seq++) await dealer.send(payload(d, seq));
      }),
    );
    const next = new Array<number>(N).fill(0);
    for (let i = 0; i < N * PER; i++) {
      const [id, body] = await withTimeout(router.receive(), 10_000, `message ${i}`);
      const d = Number(id!.toString().slice(1));
      const expected = payload(d, next[d]!);
      assert.ok(body!.equals(expected), `dealer ${d} message ${next[d]} differs`);
      next[d]!++;
    }
    await sending;
    assert.deepEqual(next, new Array<number>(N).fill(PER));
  });
});

describe("DirectInput: which buffer each read lands in", () => {
  function reader(
    target: (bodyReadMax: number) => Uint8Array | null = () => null,
  ): StreamReader & { chunks: Buffer[] } {
    const chunks: Buffer[] = [];
    return { chunks, onBytes: (c) => chunks.push(c), readTarget: target };
  }
  /** What node:net does: ask for a buffer, read n bytes into it, report them. */
  function read(input: DirectInput, bytes: Buffer): Uint8Array {
    const buf = input.options.buffer();
    assert.ok(buf.length >= bytes.length, "the read buffer is large enough");
    buf.set(bytes, 0);
    input.options.callback(bytes.length, buf);
    return buf;
  }

  test("reads before a reader is set are kept and delivered in order", () => {
    const input = new DirectInput();
    read(input, Buffer.from("abc"));
    read(input, Buffer.from("def"));
    const r = reader();
    input.setReader(r);
    assert.deepEqual(r.chunks.map(String), ["abc", "def"]);
  });

  test("quiet reads share one scratch buffer and are copied out; a burst switches to a private slab and back", () => {
    const a = new DirectInput();
    const b = new DirectInput();
    const ra = reader();
    const rb = reader();
    a.setReader(ra);
    b.setReader(rb);
    const bufA = read(a, Buffer.from("from a"));
    const bufB = read(b, Buffer.from("from b"));
    assert.equal(bufA, bufB, "quiet connections read into the same scratch buffer");
    assert.equal(ra.chunks[0]!.toString(), "from a", "a's bytes were copied out before b's read");
    assert.notEqual(ra.chunks[0]!.buffer, bufA.buffer);

    // A 16 KiB read: the peer streams, the next read gets a private slab and its bytes are not copied.
    read(a, Buffer.alloc(16 * 1024, 1));
    const slabRead = read(a, Buffer.alloc(20_000, 2));
    assert.notEqual(slabRead.buffer, bufA.buffer, "a private slab, not the scratch buffer");
    const last = ra.chunks[ra.chunks.length - 1]!;
    assert.equal(last.buffer, slabRead.buffer, "a view into the slab: no copy");
    assert.equal(last.length, 20_000);
    // Later reads continue in the same slab after the bytes already handed out.
    const more = read(a, Buffer.alloc(5000, 3));
    assert.equal(more.buffer, slabRead.buffer);
    assert.equal(more.byteOffset, slabRead.byteOffset + 20_000);
    assert.ok(
      ra.chunks[ra.chunks.length - 2]!.every((x) => x === 2),
      "earlier views keep their bytes",
    );
    // A small read: traffic is light again, back to the shared scratch buffer.
    read(a, Buffer.from("tiny"));
    assert.equal(a.options.buffer(), bufA);
  });

  test("quiet reads of every size are copied out whole (a byte at a time up to 64 bytes, Buffer#copy above)", () => {
    const input = new DirectInput();
    const r = reader();
    input.setReader(r);
    const sent: Buffer[] = [];
    let scratch: Uint8Array | null = null;
    for (const n of [1, 2, 12, 63, 64, 65, 100, 1000, 4095, 16 * 1024 - 1]) {
      const bytes = Buffer.alloc(n);
      for (let i = 0; i < n; i++) bytes[i] = (i * 31 + n) & 0xff;
      sent.push(bytes);
      const buf = read(input, bytes);
      scratch ??= buf;
      assert.equal(buf, scratch, `a ${n}-byte read lands in the shared scratch buffer`);
      assert.notEqual(r.chunks[r.chunks.length - 1]!.buffer, scratch.buffer, `the ${n} bytes are a copy`);
    }
    // Every later read overwrote the scratch buffer; each chunk kept its own bytes.
    assert.deepEqual(
      r.chunks.map((c) => c.toString("hex")),
      sent.map((b) => b.toString("hex")),
    );
  });

  test("the transport's limit for one read into a body reaches the reader (tcp sockets: 64 KiB; default: none)", () => {
    const asked: number[] = [];
    for (const input of [new DirectInput(64 * 1024), new DirectInput()]) {
      input.setReader(reader((max) => (asked.push(max), null)));
      input.options.buffer();
    }
    assert.deepEqual(asked, [64 * 1024, Number.POSITIVE_INFINITY]);
  });

  test("a reader's target (the rest of a large body) receives the next read in place", () => {
    const body = Buffer.alloc(100_000);
    let filled = 0;
    const input = new DirectInput();
    const r = reader(() => (filled < body.length ? body.subarray(filled) : null));
    input.setReader(r);
    const buf = read(input, Buffer.alloc(60_000, 9));
    assert.equal(buf.buffer, body.buffer);
    assert.equal(r.chunks[0]!.byteOffset, body.byteOffset);
    filled += 60_000;
    const buf2 = read(input, Buffer.alloc(40_000, 8));
    assert.equal(buf2.byteOffset, body.byteOffset + 60_000);
    assert.equal(body[59_999], 9);
    assert.equal(body[60_000], 8);
  });
});

describe("adopting an accepted connection", () => {
  /** A server that pauses on connect (as zocket's does) and hands each accepted socket to `onSocket`. */
  async function acceptOne(t: { after(fn: () => void): void }): Promise<{ accepted: Socket; client: Socket }> {
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const got = new Promise<Socket>((resolve) => server.once("connection", resolve));
    const client = netConnect(port, "127.0.0.1");
    const accepted = await withTimeout(got, 5000, "accept");
    t.after(() => {
      client.destroy();
      server.close();
    });
    return { accepted, client };
  }

  /** Bytes both ways through `stream`, then EOF from the client. */
  async function exchange(stream: ReturnType<typeof adopt>, client: Socket): Promise<void> {
    const chunks: Buffer[] = [];
    let ended = false;
    let dataEvents = 0;
    stream.setReader!({ onBytes: (c) => chunks.push(c), readTarget: () => null });
    stream.on("data", () => dataEvents++);
    stream.on("end", () => (ended = true));
    client.write("hello ");
    client.write("adopted");
    stream.write(Buffer.from("reply"));
    const reply = await withTimeout(new Promise<Buffer>((resolve) => client.once("data", resolve)), 5000, "reply");
    assert.equal(reply.toString(), "reply");
    await waitUntil(() => Buffer.concat(chunks).toString() === "hello adopted", 5000, "bytes through the reader", 5);
    assert.equal(dataEvents, 0, "direct input: no 'data' events");
    client.end();
    await waitUntil(() => ended, 5000, "end", 5);
    stream.destroy();
  }

  test("node's onread fields are set on the accepted socket itself: bytes both ways, EOF", async (t) => {
    const { accepted, client } = await acceptOne(t);
    const stream = adopt(accepted);
    assert.equal(stream as unknown, accepted, "one Socket per accepted connection");
    assert.equal(typeof stream.setReader, "function");
    await exchange(stream, client);
  });

  test("without node's onread fields, the handle moves into a new Socket with direct input", async (t) => {
    const { accepted, client } = await acceptOne(t);
    // Another node version: the fields are not where adopt looks.
    for (const s of Object.getOwnPropertySymbols(accepted)) {
      if (s.description === "kBufferGen") delete (accepted as unknown as Record<symbol, unknown>)[s];
    }
    const stream = adopt(accepted);
    assert.notEqual(stream, accepted, "a new Socket owns the handle");
    assert.equal(typeof stream.setReader, "function");
    await exchange(stream, client);
  });

  test("without a usable handle (another runtime), the accepted socket itself is used with 'data' events", async (t) => {
    const { accepted, client } = await acceptOne(t);
    const realHandle = (accepted as unknown as { _handle: unknown })._handle;
    const shim = new Proxy(realHandle as object, {
      get: (target, key) => (key === "useUserBuffer" ? undefined : Reflect.get(target, key)),
    });
    // Pretend this runtime's handle cannot take a user buffer.
    (accepted as unknown as { _handle: unknown })._handle = shim;
    const stream = adopt(accepted);
    (accepted as unknown as { _handle: unknown })._handle = realHandle;
    assert.equal(stream, accepted, "the fallback keeps the accepted socket");
    assert.equal((stream as { setReader?: unknown }).setReader, undefined);
    const got = new Promise<Buffer>((resolve) => stream.on("data", resolve));
    client.write("via data");
    assert.equal((await withTimeout(got, 5000, "data")).toString(), "via data");
    stream.destroy();
  });
});
