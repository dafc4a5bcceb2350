/**
 * The draft socket types' semantics (docs/drafts-notes.md), each case on zocket/draft and on zeromq/draft
 * (libzmq 4.3.5) where the API is the same: single-part only, SERVER routing ids and its errors, groups
 * and join/leave, SCATTER round-robin, what each type refuses, thread-safety flags. PEER and CHANNEL,
 * which zeromq.js lacks, run on zocket over tcp, ipc and inproc.
 */
import assert from "node:assert/strict";
import { describe, it, test } from "node:test";
import * as extra from "../../src/draft-extra.ts";
import { bindAddress, closeAfter, delay, RawPeer, TRANSPORTS, withTimeout, zframe } from "../helpers/sockets.ts";
import { closer, DRAFT_LIBS, uniqAddress } from "../zeromqjs/draft-helpers.ts";

const EINVAL = { code: "EINVAL", message: "Invalid argument" };

function portOf(endpoint: string): number {
  return Number(/:(\d+)$/.exec(endpoint)![1]);
}

for (const { name, draft } of DRAFT_LIBS) {
  const c = closer();

  describe(`${name}: SERVER/CLIENT`, { timeout: 20_000 }, () => {
    it("routing ids are non-zero numbers, one per client; replies reach the right client", async () => {
      const server = c.track(new draft.Server());
      const a = c.track(new draft.Client());
      const b = c.track(new draft.Client());
      const address = await uniqAddress("tcp");
      await server.bind(address);
      a.connect(address);
      b.connect(address);
      await a.send("from a");
      const [ma, { routingId: ida }] = await server.receive();
      await b.send("from b");
      const [mb, { routingId: idb }] = await server.receive();
      assert.deepEqual([ma.toString(), mb.toString()], ["from a", "from b"]);
      assert.ok(ida > 0 && idb > 0 && ida !== idb && ida < 2 ** 32 && idb < 2 ** 32);
      await server.send("to b", { routingId: idb });
      await server.send("to a", { routingId: ida });
      const [ra] = await a.receive();
      const [rb] = await b.receive();
      assert.deepEqual([ra.toString(), rb.toString()], ["to a", "to b"]);
      c.closeAll();
    });

    it("multipart sends are EINVAL on both sides", async () => {
      const server = c.track(new draft.Server());
      const client = c.track(new draft.Client());
      const address = await uniqAddress("inproc");
      await server.bind(address);
      client.connect(address);
      await assert.rejects(client.send(["a", "b"] as never), EINVAL);
      await client.send("one");
      const [, { routingId }] = await server.receive();
      await assert.rejects(server.send(["a", "b"] as never, { routingId }), EINVAL);
      c.closeAll();
    });

    it("send() checks its options as zeromq.js: TypeErrors and EINVAL thrown, EHOSTUNREACH rejected", async () => {
      const server = c.track(new draft.Server());
      assert.throws(() => (server.send as (m: unknown) => unknown)("x"), {
        name: "TypeError",
        message: "Options must be an object",
      });
      assert.throws(() => server.send("x", null as never), { name: "TypeError", message: "Options must be an object" });
      assert.throws(() => server.send("x", {} as never), EINVAL);
      assert.throws(() => server.send("x", { routingId: 0 }), EINVAL);
      assert.throws(() => server.send("x", { routingId: "1" as never }), {
        name: "TypeError",
        message: "A number was expected",
      });
      assert.throws(() => (server.send as (...a: unknown[]) => unknown)("x", { routingId: 1 }, 3), {
        name: "TypeError",
        message: "Expected 2 arguments but received 3",
      });
      // Converted as a uint32, as Napi's Uint32Value does: 2^32 + 5 is 5, nobody's id here.
      await assert.rejects(server.send("x", { routingId: 2 ** 32 + 5 }), { code: "EHOSTUNREACH" });
      c.closeAll();
    });

    it("a full client makes SERVER's send reject with EAGAIN at once", async () => {
      const server = c.track(new draft.Server({ sendHighWaterMark: 1 }));
      const client = c.track(new draft.Client({ receiveHighWaterMark: 1 }));
      const address = await uniqAddress("inproc");
      await server.bind(address);
      client.connect(address);
      await client.send("hi");
      const [, { routingId }] = await server.receive();
      let sent = 0;
      const error = await withTimeout(
        (async () => {
          for (;;) {
            try {
              await server.send(`m${sent}`, { routingId });
              sent++;
            } catch (err) {
              return err as { code: string };
            }
            if (sent > 100) return { code: "none" };
          }
        })(),
        2000,
        "EAGAIN",
      );
      assert.equal(error.code, "EAGAIN");
      assert.ok(sent >= 1 && sent <= 4, `sent ${sent} before EAGAIN`);
      c.closeAll();
    });

    it("a multipart message from a client is dropped, the next single-part one delivered", async () => {
      const server = c.track(new draft.Server());
      const address = await uniqAddress("tcp");
      await server.bind(address);
      const raw = await RawPeer.connect(null, portOf(address));
      try {
        await raw.handshake("CLIENT");
        raw.write(Buffer.concat([zframe("p1", { more: true }), zframe("p2"), zframe("single")]));
        const [msg] = await withTimeout(server.receive(), 2000, "the single-part message");
        assert.equal(msg.toString(), "single");
      } finally {
        raw.destroy();
        c.closeAll();
      }
    });

    it("threadSafe is true", () => {
      const server = c.track(new draft.Server());
      const client = c.track(new draft.Client());
      assert.deepEqual([server.threadSafe, client.threadSafe], [true, true]);
      c.closeAll();
    });
  });

  describe(`${name}: RADIO/DISH`, { timeout: 20_000 }, () => {
    it("join and leave refuse what libzmq refuses", () => {
      const dish = c.track(new draft.Dish());
      assert.throws(() => dish.join("x".repeat(256)), EINVAL);
      dish.join("x".repeat(255));
      dish.join("g");
      assert.throws(() => dish.join("g"), EINVAL);
      assert.throws(() => dish.leave("never"), EINVAL);
      assert.throws(() => dish.join(5 as never), { name: "TypeError", message: "Value must be a string or buffer" });
      dish.leave("g");
      assert.throws(() => dish.leave("g"), EINVAL);
      // Everything after a NUL is ignored: this is "g" again.
      dish.join(Buffer.from("g\0tail"));
      assert.throws(() => dish.join("g"), EINVAL);
      dish.close();
      assert.throws(() => dish.join("h"), { code: "EBADF" });
    });

    it("send() needs a group; multipart is EINVAL; DISH cannot send; DISH lingers 0", async () => {
      const radio = c.track(new draft.Radio());
      const dish = c.track(new draft.Dish());
      assert.throws(() => (radio.send as (m: unknown) => unknown)("x"), {
        name: "TypeError",
        message: "Options must be an object",
      });
      assert.throws(() => radio.send("x", {} as never), EINVAL);
      assert.throws(() => radio.send("x", { group: 5 as never }), { name: "TypeError" });
      await assert.rejects(radio.send(["a", "b"] as never, { group: "g" }), EINVAL);
      await assert.rejects((dish as unknown as { send(m: string): Promise<void> }).send("x"), { code: "ENOTSUP" });
      assert.equal(dish.linger, 0);
      assert.deepEqual([radio.threadSafe, dish.threadSafe], [true, true]);
      c.closeAll();
    });

    for (const proto of ["tcp", "inproc"] as const) {
      it(`${proto}: exact-match filtering, a group longer than 255 bytes cut, joins and leaves while connected`, async () => {
        const radio = c.track(new draft.Radio());
        const dish = c.track(new draft.Dish());
        const long = "L".repeat(255);
        dish.join("Movies", long);
        const address = await uniqAddress(proto);
        await dish.bind(address);
        radio.connect(address);
        const got: string[] = [];
        const reader = (async () => {
          for await (const [msg, { group }] of dish) {
            got.push(`${group.length > 20 ? `L*${group.length}` : group.toString()}:${msg.toString()}`);
            if (got.length === 4) break;
          }
        })();
        await delay(50);
        await radio.send("m1", { group: "Movies" });
        await radio.send("t1", { group: "TV" });
        await radio.send("m", { group: "Movie" });
        // zmq_msg_set_group keeps strnlen(group, 255) bytes: 300 are sent as 255.
        await radio.send("long", { group: "L".repeat(300) });
        await delay(50);
        dish.join("TV");
        await delay(100);
        await radio.send("t2", { group: "TV" });
        dish.leave("Movies");
        await delay(100);
        await radio.send("m2", { group: "Movies" });
        await radio.send("t3", { group: "TV" });
        await withTimeout(reader, 3000, "four messages");
        assert.deepEqual(got, ["Movies:m1", "L*255:long", "TV:t2", "TV:t3"]);
        c.closeAll();
      });
    }
  });

  describe(`${name}: SCATTER/GATHER`, { timeout: 20_000 }, () => {
    it("SCATTER round-robins over its GATHERs; multipart is EINVAL", async () => {
      const scatter = c.track(new draft.Scatter());
      const g1 = c.track(new draft.Gather());
      const g2 = c.track(new draft.Gather());
      const [e1, e2] = [await uniqAddress("inproc"), await uniqAddress("inproc")];
      await g1.bind(e1);
      await g2.bind(e2);
      scatter.connect(e1);
      scatter.connect(e2);
      await scatter.send("1");
      await scatter.send("2");
      const [[a], [b]] = await Promise.all([g1.receive(), g2.receive()]);
      assert.deepEqual([a.toString(), b.toString()], ["1", "2"]);
      await assert.rejects(scatter.send(["a", "b"] as never), EINVAL);
      c.closeAll();
    });

    it("SCATTER without peers gives EAGAIN after sendTimeout", async () => {
      const scatter = c.track(new draft.Scatter({ sendTimeout: 50 }));
      const started = Date.now();
      await assert.rejects(scatter.send("x"), { code: "EAGAIN" });
      assert.ok(Date.now() - started >= 40);
      c.closeAll();
    });
  });

  test(`${name}: Datagram is not thread-safe`, () => {
    const d = new draft.Datagram();
    assert.equal(d.threadSafe, false);
    d.close();
  });
}

// ------------------------------------------------------------------ zocket only: what zeromq.js hangs on or lacks

test("zocket: receive on RADIO/SCATTER and send on GATHER reject with ENOTSUP (zeromq.js waits forever)", async (t) => {
  const { draft } = DRAFT_LIBS[0]!;
  const [radio, scatter, gather] = [new draft.Radio(), new draft.Scatter(), new draft.Gather()];
  closeAfter(t, radio, scatter, gather);
  await assert.rejects(radio.receive(), { code: "ENOTSUP" });
  await assert.rejects(scatter.receive(), { code: "ENOTSUP" });
  await assert.rejects((gather as unknown as { send(m: string): Promise<void> }).send("x"), { code: "ENOTSUP" });
});

for (const transport of TRANSPORTS) {
  test(`PEER over ${transport}: connectPeer() gives the id at once, before the peer exists`, async (t) => {
    const a = new extra.Peer();
    const b = new extra.Peer();
    closeAfter(t, a, b);
    const address = transport === "tcp" ? await uniqAddress("tcp") : bindAddress(transport, "peer");
    // Connect and send first: the message waits in the pipe until b binds (peer.cpp, immediate off).
    const id = a.connectPeer(address);
    assert.ok(id > 0);
    await a.send("early", { routingId: id });
    await b.bind(address);
    const [msg, { routingId }] = await withTimeout(b.receive(), 3000, "the early message");
    assert.equal(msg.toString(), "early");
    assert.ok(routingId > 0);
    await b.send("reply", { routingId });
    const [reply, from] = await withTimeout(a.receive(), 3000, "the reply");
    assert.equal(reply.toString(), "reply");
    assert.equal(from.routingId, id);
    assert.equal(a.threadSafe, true);
  });

  test(`CHANNEL over ${transport}: both ways; the first peer keeps the channel; multipart is EINVAL`, async (t) => {
    const a = new extra.Channel();
    const b = new extra.Channel();
    const third = new extra.Channel({ sendTimeout: 0 });
    closeAfter(t, a, b, third);
    const address = bindAddress(transport, "chan");
    await a.bind(address);
    const bound = a.lastEndpoint!;
    b.connect(bound);
    await b.send("HELLO");
    const [hello] = await withTimeout(a.receive(), 3000, "HELLO");
    assert.equal(hello.toString(), "HELLO");
    await a.send("WORLD");
    const [world] = await withTimeout(b.receive(), 3000, "WORLD");
    assert.equal(world.toString(), "WORLD");
    await assert.rejects(a.send(["x", "y"] as never), EINVAL);
    third.connect(bound);
    await delay(50);
    // libzmq: the later pipe is terminated; what the third one queued never reaches `a`.
    await third.send("intruder").catch(() => {});
    await b.send("still b");
    const [next] = await withTimeout(a.receive(), 3000, "b's message");
    assert.equal(next.toString(), "still b");
  });
}

test("PEER: connectPeer() with immediate is EFAULT, as zmq_connect_peer", (t) => {
  const p = new extra.Peer({ immediate: true });
  closeAfter(t, p);
  assert.throws(() => p.connectPeer("tcp://127.0.0.1:5555"), { code: "EFAULT", message: "Bad address" });
});
