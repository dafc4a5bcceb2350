/**
 * ZMTP 3.1 heartbeats (docs/zmtp-notes.md §1.7): PING/PONG against real libzmq (python3-zmq with heartbeat options,
 * both directions), and zocket's heartbeatInterval / heartbeatTimeout / heartbeatTimeToLive against raw
 * peers that answer, stop answering, or ask for a TTL.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import * as z from "../../src/index.ts";
import {
  closeAfter,
  delay,
  portOf,
  PyPeer,
  RawPeer,
  waitUntil,
  withTimeout,
  zframe,
  zgreeting,
  zready,
} from "../helpers/sockets.ts";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");
const ping = (ttlDs: number, ctx = ""): Buffer =>
  zframe(
    Buffer.concat([Buffer.from("\x04PING", "latin1"), Buffer.from([ttlDs >> 8, ttlDs & 0xff]), Buffer.from(ctx)]),
    { command: true },
  );

function watchDisconnects(s: z.Dealer): string[] {
  const seen: string[] = [];
  s.events.on("disconnect", (e) => seen.push(e.address));
  return seen;
}

async function pyEvents(peer: PyPeer): Promise<string> {
  const line = await peer.waitLine((l) => l.startsWith("EVENTS"), 10000);
  await peer.waitLine((l) => l === "DONE", 5000);
  return line;
}

/**
 * core_hb.py's window runs from its "start" to its "end": neither libzmq (its monitor) nor zocket saw a
 * disconnect in it. zocket's list is read when "end" arrives: after its DONE line the peer closes, and that
 * disconnect may reach this process before the line does.
 */
async function linkHeldThroughWindow(d: z.Dealer, peer: PyPeer, disc: string[]): Promise<void> {
  assert.deepEqual(await withTimeout(d.receive(), 5000, "start"), [Buffer.from("start")]);
  assert.deepEqual(await withTimeout(d.receive(), 10_000, "end"), [Buffer.from("end")]);
  const duringWindow = [...disc];
  assert.equal(await pyEvents(peer), "EVENTS handshakes=1 disconnects=0");
  assert.deepEqual(duringWindow, []);
}

describe("heartbeats against libzmq (python3-zmq)", () => {
  // TIMEOUT 1000 ms, not less: a stall of this process (a loaded CI machine) longer than TIMEOUT would
  // drop a link whose PONG is already written. The link must outlive several TIMEOUTs (3 s) to prove
  // the PONGs are what keeps it up.
  test("libzmq heartbeating zocket (IVL 100, TIMEOUT 1000): zocket answers every PING, no disconnect in 3 s", async (t) => {
    const d = new z.Dealer();
    closeAfter(t, d);
    const disc = watchDisconnects(d);
    await d.bind("tcp://127.0.0.1:*");
    const { peer } = await PyPeer.start(t, "core_hb.py", ["connect", d.lastEndpoint!, "100", "1000", "0", "3"]);
    await linkHeldThroughWindow(d, peer, disc);
  });

  test("zocket heartbeating libzmq (IVL 100, TIMEOUT 1000, zocket connects): libzmq answers, the link stays up", async (t) => {
    const d = new z.Dealer({ heartbeatInterval: 100, heartbeatTimeout: 1000, heartbeatTimeToLive: 3000 });
    closeAfter(t, d);
    const disc = watchDisconnects(d);
    const { peer, endpoint } = await PyPeer.start(t, "core_hb.py", ["bind", "tcp://127.0.0.1:*", "0", "0", "0", "3"]);
    d.connect(endpoint);
    await linkHeldThroughWindow(d, peer, disc);
  });

  test("both sides heartbeating with TTL: the link stays up", async (t) => {
    const d = new z.Dealer({ heartbeatInterval: 100, heartbeatTimeout: 1000, heartbeatTimeToLive: 2000 });
    closeAfter(t, d);
    const disc = watchDisconnects(d);
    await d.bind("tcp://127.0.0.1:*");
    const { peer } = await PyPeer.start(t, "core_hb.py", ["connect", d.lastEndpoint!, "100", "1000", "2000", "3"]);
    await linkHeldThroughWindow(d, peer, disc);
  });
});

/** A bound zocket DEALER with `opts` and a raw peer that completed the NULL handshake. */
async function rawSession(
  t: TestContext,
  opts: Record<string, unknown>,
): Promise<{ d: z.Dealer; raw: RawPeer; disc: string[]; readyAt: number }> {
  const d = new z.Dealer(opts);
  closeAfter(t, d);
  const disc = watchDisconnects(d);
  await d.bind("tcp://127.0.0.1:*");
  const raw = await RawPeer.connect(t, portOf(d.lastEndpoint!));
  await raw.handshake("DEALER", "");
  return { d, raw, disc, readyAt: Date.now() };
}

describe("zocket heartbeats against raw peers", () => {
  test("PING bytes as libzmq sends them (TTL 5000 ms -> 00 32), and a silent peer is dropped after heartbeatTimeout", async (t) => {
    const { raw, disc, readyAt } = await rawSession(t, {
      heartbeatInterval: 100,
      heartbeatTimeout: 300,
      heartbeatTimeToLive: 5050,
    });
    const f = await raw.readFrame(2000);
    assert.deepEqual(
      zframe(f.body, { command: f.flags === 4 }),
      hex("04 07 04 50 49 4e 47 00 32"),
      "PING with TTL in deciseconds, no context",
    );
    await raw.waitClosed(4500);
    const took = Date.now() - readyAt;
    // libzmq: between TIMEOUT and IVL+TIMEOUT after the peer's last frame (upper bound loose for a loaded
    // machine, still below the 5050 ms TTL: it is the timeout that dropped the peer).
    assert.ok(took >= 280 && took < 4500, `closed after ${took} ms`);
    await waitUntil(() => disc.length === 1, 5000, "a disconnect event");
  });

  test("heartbeatTimeout -1 means the interval", async (t) => {
    const { raw, readyAt } = await rawSession(t, { heartbeatInterval: 150 });
    await raw.waitClosed(10_000);
    const took = Date.now() - readyAt;
    assert.ok(took >= 130 && took < 10_000, `closed after ${took} ms`);
  });

  // heartbeatTimeout 1000 ms (not less): the raw peer runs in this event loop, so a stall longer than the
  // timeout would fire it before the PONG/data already in the kernel is read. Each test runs for well over
  // IVL + TIMEOUT (the longest a silent peer survives) so that what it sends is what keeps the link.
  test("a peer that answers PONG (and nothing else) is kept", async (t) => {
    const { raw, disc } = await rawSession(t, { heartbeatInterval: 80, heartbeatTimeout: 1000 });
    let pings = 0;
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      const f = await raw.readFrame(3000);
      if (f.flags === 4 && f.body.subarray(0, 5).toString("latin1") === "\x04PING") {
        pings++;
        raw.write(zframe(Buffer.from("\x04PONG", "latin1"), { command: true }));
      }
    }
    assert.ok(pings >= 6, `${pings} PINGs in 3 s at 80 ms`);
    assert.equal(raw.ended, false);
    assert.deepEqual(disc, []);
  });

  test("any traffic counts as proof of life (data frames instead of PONG)", async (t) => {
    const { d, raw, disc } = await rawSession(t, { heartbeatInterval: 80, heartbeatTimeout: 1000 });
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      raw.write(zframe("alive"));
      await delay(40);
    }
    assert.equal(raw.ended, false);
    assert.deepEqual(disc, []);
    d.receiveTimeout = 1000;
    assert.deepEqual(await d.receive(), [Buffer.from("alive")]);
  });

  test("always answers PING with PONG echoing up to 16 context bytes, even with heartbeats off", async (t) => {
    const { raw } = await rawSession(t, {});
    raw.write(ping(0, "ctx-123"));
    const p1 = await raw.readFrame();
    assert.deepEqual(p1, { flags: 4, body: Buffer.from("\x04PONGctx-123", "latin1") });
    raw.write(ping(0, "0123456789abcdefXYZW"));
    const p2 = await raw.readFrame();
    assert.deepEqual(p2.body, Buffer.from("\x04PONG0123456789abcdef", "latin1"));
    raw.write(zframe(Buffer.from("\x04PING", "latin1"), { command: true })); // no TTL at all: still a PONG
    assert.deepEqual((await raw.readFrame()).body, Buffer.from("\x04PONG", "latin1"));
  });

  test("the peer's PING TTL: zocket drops the link TTL after the peer went quiet (heartbeats off locally)", async (t) => {
    const { raw, disc } = await rawSession(t, {});
    const sentAt = Date.now();
    raw.write(ping(3)); // 300 ms
    await raw.readFrame(); // PONG
    await raw.waitClosed(10_000);
    const took = Date.now() - sentAt;
    assert.ok(took >= 280 && took < 10_000, `closed after ${took} ms`);
    await waitUntil(() => disc.length === 1, 5000, "a disconnect event");
  });

  test("no PING before the handshake completes; PINGs start right after it", async (t) => {
    const d = new z.Dealer({ heartbeatInterval: 50, handshakeInterval: 5000 });
    closeAfter(t, d);
    await d.bind("tcp://127.0.0.1:*");
    const raw = await RawPeer.connect(t, portOf(d.lastEndpoint!));
    raw.write(zgreeting());
    await raw.read(64);
    await raw.readFrame(); // its READY
    await delay(250);
    assert.equal(raw.pending, 0, "nothing during the handshake");
    raw.write(zready("DEALER", ""));
    const t0 = Date.now();
    const f = await raw.readFrame(4000);
    assert.equal(f.body.subarray(0, 5).toString("latin1"), "\x04PING");
    assert.ok(Date.now() - t0 < 4000, "well before the 5 s handshakeInterval");
  });

  test("a connecting socket whose peer goes silent times out and reconnects", async (t) => {
    let accepted = 0;
    const conns: net.Socket[] = [];
    const server = net.createServer((s) => {
      accepted++;
      conns.push(s);
      s.on("error", () => undefined);
      const raw = RawPeer.wrap(t, s);
      // Handshake, then silence.
      void raw.handshake("DEALER", "").catch(() => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => {
      for (const c of conns) c.destroy();
      server.close();
    });
    const d = new z.Dealer({ heartbeatInterval: 50, heartbeatTimeout: 150, reconnectInterval: 50 });
    closeAfter(t, d);
    const disc = watchDisconnects(d);
    d.connect(`tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    await waitUntil(() => accepted >= 2 && disc.length >= 1, 10_000, "a heartbeat timeout and a reconnect");
  });
});
