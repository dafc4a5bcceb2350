/**
 * A hostile peer costs only its own connection (STYLE rule 5): random bytes instead of a greeting, a
 * frame header claiming 2^62 bytes, a peer that connects and says nothing, malformed commands, resets
 * mid-frame. Meanwhile a well-behaved peer on the same socket keeps flowing, nothing throws, and there
 * is no unhandledRejection or uncaughtException.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as net from "node:net";
import * as z from "../../src/index.ts";
import {
  closeAfter,
  guardProcess,
  portOf,
  RawPeer,
  uniqueIpc,
  waitUntil,
  withTimeout,
  zframe,
  zgreeting,
  zprop,
  zready,
} from "../helpers/sockets.ts";

/** A PULL with a good PUSH attached; `probe()` proves a fresh message still gets through. */
async function victim(
  t: TestContext,
  endpoint: string,
  options: Record<string, unknown> = {},
): Promise<{ pull: z.Pull; probe(): Promise<void>; errors: string[] }> {
  const pull = new z.Pull(options);
  const good = new z.Push();
  closeAfter(t, pull, good);
  const errors: string[] = [];
  for (const ty of ["handshake:error:protocol", "handshake:error:other", "handshake:error:auth"] as const) {
    pull.events.on(ty, (e) => errors.push(`${ty}:${e.error.code}`));
  }
  await pull.bind(endpoint);
  good.connect(pull.lastEndpoint!);
  let n = 0;
  const probe = async (): Promise<void> => {
    const tag = `probe-${++n}`;
    await withTimeout(good.send(tag), 3000, "good peer send");
    const m = await withTimeout(pull.receive(), 3000, "good peer message");
    assert.deepEqual(m, [Buffer.from(tag)]);
  };
  await probe();
  return { pull, probe, errors };
}

async function rawTo(t: TestContext, endpoint: string): Promise<RawPeer> {
  if (endpoint.startsWith("ipc://")) return RawPeer.connectTo(t, { path: endpoint.slice("ipc://".length) });
  return RawPeer.connect(t, portOf(endpoint));
}

describe("hostile peers", () => {
  for (const ep of ["tcp://127.0.0.1:*", "ipc"]) {
    const tr = ep.startsWith("tcp") ? "tcp" : "ipc";
    test(`[${tr}] random bytes instead of a greeting: that connection is dropped, the good peer flows`, async (t) => {
      const guard = guardProcess(t);
      const v = await victim(t, tr === "tcp" ? ep : uniqueIpc("hostile"));
      const seeds = [
        randomBytes(64),
        Buffer.concat([Buffer.from([0xff]), randomBytes(200)]),
        Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        Buffer.concat([Buffer.from("ff0000000000000001ff", "hex"), randomBytes(60)]),
      ];
      for (const junk of seeds) {
        const raw = await rawTo(t, v.pull.lastEndpoint!);
        raw.write(junk);
        await raw.waitClosed(3000);
        await v.probe();
      }
      guard.check();
    });
  }

  test("a frame header claiming 2^62 bytes: dropped at once, nothing allocated, the good peer flows", async (t) => {
    const guard = guardProcess(t);
    const v = await victim(t, "tcp://127.0.0.1:*");
    const before = process.memoryUsage().arrayBuffers;
    const raw = await rawTo(t, v.pull.lastEndpoint!);
    await raw.handshake("PUSH");
    raw.write(Buffer.from("024000000000000000", "hex"));
    await raw.waitClosed(3000);
    assert.ok(process.memoryUsage().arrayBuffers - before < 256 * 1024 * 1024, "no giant allocation");
    await v.probe();
    guard.check();
  });

  test("a peer that connects and sends nothing is dropped after handshakeInterval", async (t) => {
    const guard = guardProcess(t);
    const v = await victim(t, "tcp://127.0.0.1:*", { handshakeInterval: 200 });
    const t0 = Date.now();
    const silent = await rawTo(t, v.pull.lastEndpoint!);
    const half = await rawTo(t, v.pull.lastEndpoint!);
    half.write(zgreeting()); // greeting, then silence: no READY
    await v.probe();
    await silent.waitClosed(3000);
    await half.waitClosed(3000);
    const took = Date.now() - t0;
    assert.ok(took >= 150 && took < 2000, `closed after ${took} ms`);
    await waitUntil(
      () => v.errors.filter((e) => e.startsWith("handshake:error:other")).length >= 2,
      2000,
      "two handshake:error:other events",
    );
    await v.probe();
    guard.check();
  });

  test("malformed READY (property overruns, stray byte, no Socket-Type value) closes that connection only", async (t) => {
    const guard = guardProcess(t);
    const v = await victim(t, "tcp://127.0.0.1:*");
    const bad = [
      zframe(
        Buffer.concat([Buffer.from("\x05READY", "latin1"), Buffer.from("0b536f636b65742d54797065ffffffff", "hex")]),
        { command: true },
      ),
      zframe(Buffer.concat([Buffer.from("\x05READY", "latin1"), zprop("Socket-Type", "PUSH"), Buffer.from([0])]), {
        command: true,
      }),
      zframe(Buffer.from("\x05HELLO", "latin1"), { command: true }),
      zframe(Buffer.alloc(0), { command: true }),
      zframe(Buffer.from([200, 1, 2]), { command: true }),
    ];
    for (const b of bad) {
      const raw = await rawTo(t, v.pull.lastEndpoint!);
      raw.write(Buffer.concat([zgreeting(), b]));
      await raw.waitClosed(3000);
      await v.probe();
    }
    assert.ok(v.errors.length >= bad.length, v.errors.join(","));
    guard.check();
  });

  test("resets mid-frame and mid-multipart: the partial message is never delivered", async (t) => {
    const guard = guardProcess(t);
    const v = await victim(t, "tcp://127.0.0.1:*");
    for (let i = 0; i < 5; i++) {
      const raw = await rawTo(t, v.pull.lastEndpoint!);
      await raw.handshake("PUSH");
      raw.write(
        Buffer.concat([zframe("part", { more: true }), zframe(Buffer.alloc(1000), { more: true }).subarray(0, 500)]),
      );
      await new Promise((r) => setTimeout(r, 20));
      raw.sock.resetAndDestroy();
      await v.probe(); // the next message is the probe, not a half message
    }
    guard.check();
  });

  test("50 hostile connections at once while the good peer streams 2000 messages", async (t) => {
    const guard = guardProcess(t);
    const v = await victim(t, "tcp://127.0.0.1:*", { handshakeInterval: 500 });
    const good = new z.Push();
    closeAfter(t, good);
    good.connect(v.pull.lastEndpoint!);
    const N = 2000;
    const sending = (async () => {
      for (let i = 0; i < N; i++) await good.send(String(i));
    })();
    const hostiles = await Promise.all(Array.from({ length: 50 }, () => rawTo(t, v.pull.lastEndpoint!)));
    hostiles.forEach((h, i) => {
      if (i % 3 === 0) h.write(randomBytes(100));
      else if (i % 3 === 1)
        h.write(Buffer.concat([zgreeting(), zready("PUSH"), Buffer.from("02ffffffffffffffff", "hex")]));
      // i % 3 === 2: silent until handshakeInterval
    });
    let got = 0;
    while (got < N) {
      await withTimeout(v.pull.receive(), 5000, `message ${got}`);
      got++;
    }
    await sending;
    await Promise.all(hostiles.map((h) => h.waitClosed(5000)));
    await v.probe();
    guard.check();
  });

  test("a connecting socket meeting a hostile server: no crash, it keeps working with other peers", async (t) => {
    const guard = guardProcess(t);
    const server = net.createServer((s) => {
      s.on("error", () => undefined);
      s.write(randomBytes(128));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const push = new z.Push({ reconnectInterval: 50 });
    const pull = new z.Pull();
    closeAfter(t, push, pull);
    const errors: string[] = [];
    push.events.on("handshake:error:protocol", (e) => errors.push(e.error.code));
    push.connect(`tcp://127.0.0.1:${port}`);
    await waitUntil(() => errors.length >= 1, 3000, "a protocol error event");
    await pull.bind("tcp://127.0.0.1:*");
    push.connect(pull.lastEndpoint!);
    // libzmq terminates the pipe of a connection that failed its handshake: nothing is routed into it,
    // so every message reaches the good peer.
    push.sendTimeout = 2000;
    pull.receiveTimeout = 2000;
    let ok = true;
    for (let i = 0; i < 10; i++) {
      await push.send(`m${i}`);
      const m = await pull.receive().catch(() => undefined);
      if (m === undefined || m[0]!.toString() !== `m${i}`) ok = false;
    }
    assert.ok(ok, "a message reached the good peer");
    guard.check();
  });
});
