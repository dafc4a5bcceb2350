/**
 * CURVE with large and mixed-size messages over tcp, end to end, against zocket and against zeromq.js
 * (libzmq checks every box): the WebAssembly box's chunked path (bodies over its 124 KiB data region), the
 * receiver's in-place open, and the sender's reuse of large MESSAGE buffers once written
 * (src/mechanisms/curve-codec.ts) must deliver every message byte for byte, in order.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as zmq from "zeromq";
import { Pull, Push, curveKeyPair } from "../../src/index.ts";
import { boxBackend, loadFastBox } from "../../src/mechanisms/curve-crypto.ts";

const T = { timeout: 60_000 } as const;

/** Sizes around the reuse threshold (16 KiB), the 64 KiB cell and the WebAssembly chunk (126,976 bytes). */
const SIZES = [0, 5, 1000, 16_351, 16_352, 20_000, 65_536, 65_536, 126_975, 126_976, 300_000, 65_536, 8, 1_048_576];

/** Messages whose bytes depend on their index, so that a reused buffer sealed twice shows. */
function makeMessages(count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const size = SIZES[i % SIZES.length]!;
    const b = size > 64 ? randomBytes(size) : Buffer.alloc(size, i & 0xff);
    if (size >= 4) b.writeUInt32LE(i, 0);
    out.push(b);
  }
  return out;
}

interface Receiver {
  bind(ep: string): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
  readonly lastEndpoint: string | null;
}

async function roundTrip(t: TestContext, pull: Receiver, pullIsZeromq: boolean): Promise<void> {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const setServer = pull as unknown as { curveServer: boolean; curveSecretKey: string };
  setServer.curveServer = true;
  setServer.curveSecretKey = server.secretKey;
  // A corrupted box drops the connection and its messages: fail in seconds rather than at the test timeout.
  (pull as unknown as { receiveTimeout: number }).receiveTimeout = 15_000;
  const push = new Push({
    curveServerKey: server.publicKey,
    curvePublicKey: client.publicKey,
    curveSecretKey: client.secretKey,
    sendHighWaterMark: 0,
  });
  t.after(() => {
    push.close();
    pull.close();
  });
  await pull.bind("tcp://127.0.0.1:*");
  push.connect(pull.lastEndpoint!);
  const msgs = makeMessages(pullIsZeromq ? 120 : 200);
  const sending = (async () => {
    // Sent without waiting for the receiver, so several large bodies are in flight at once.
    for (const m of msgs) await push.send(m);
  })();
  for (let i = 0; i < msgs.length; i++) {
    const [got] = await pull.receive();
    assert.ok(got);
    assert.equal(got.length, msgs[i]!.length, `message ${i}: length`);
    assert.ok(got.equals(msgs[i]!), `message ${i}: contents`);
  }
  await sending;
}

test("CURVE bulk: zocket PUSH -> zocket PULL, mixed sizes up to 1 MiB, byte for byte", T, async (t) => {
  await loadFastBox();
  assert.equal(boxBackend(), "wasm-simd");
  await roundTrip(t, new Pull() as unknown as Receiver, false);
});

test("CURVE bulk: zocket PUSH -> zeromq.js PULL (libzmq opens every box), byte for byte", T, async (t) => {
  await loadFastBox();
  await roundTrip(t, new zmq.Pull() as unknown as Receiver, true);
});

test("CURVE bulk: zeromq.js PUSH -> zocket PULL (opened in place), byte for byte", T, async (t) => {
  await loadFastBox();
  const server = curveKeyPair();
  const client = curveKeyPair();
  const pull = new Pull({ curveServer: true, curveSecretKey: server.secretKey, receiveTimeout: 15_000 });
  const push = new zmq.Push({
    curveServerKey: server.publicKey,
    curvePublicKey: client.publicKey,
    curveSecretKey: client.secretKey,
  });
  t.after(() => {
    push.close();
    pull.close();
  });
  await pull.bind("tcp://127.0.0.1:*");
  push.connect(pull.lastEndpoint!);
  const msgs = makeMessages(120);
  const sending = (async () => {
    for (const m of msgs) await push.send(m);
  })();
  for (let i = 0; i < msgs.length; i++) {
    const [got] = await pull.receive();
    assert.ok(got);
    assert.ok(got.equals(msgs[i]!), `message ${i}`);
  }
  await sending;
});
