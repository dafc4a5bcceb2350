/**
 * udp:// endpoints (docs/drafts-notes.md §17-§25): what each type may bind or connect, the address syntax,
 * ephemeral ports and address reuse, NIC names, the size limits a RADIO keeps for libzmq dishes, DGRAM's
 * address frames, multicast loopback off, unbind and disconnect, and that a bound udp socket does not
 * keep the process alive. Checks that zeromq.js shares run on both libraries.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { networkInterfaces } from "node:os";
import { promisify } from "node:util";
import { describe, it, test } from "node:test";
import * as draft from "../../src/draft.ts";
import * as zocket from "../../src/index.ts";
import type { DatagramOptions } from "../../src/transports/datagram.ts";
import { parseEndpoint } from "../../src/transports/endpoint.ts";
import { registerDatagramTransport } from "../../src/transports/registry.ts";
import { udpTransport } from "../../src/transports/udp.ts";
import { closeAfter, delay, waitUntil, withTimeout } from "../helpers/sockets.ts";
import { DRAFT_LIBS, freeUdpPort, uniqAddress } from "../zeromqjs/draft-helpers.ts";

const run = promisify(execFile);

/** Send raw datagrams to 127.0.0.1:port from a plain node:dgram socket. */
async function sendRaw(port: number, ...datagrams: Buffer[]): Promise<void> {
  const s = createSocket("udp4");
  try {
    for (const d of datagrams) await new Promise<void>((resolve) => s.send(d, port, "127.0.0.1", () => resolve()));
  } finally {
    s.close();
  }
}

for (const { name, draft: d } of DRAFT_LIBS) {
  describe(`${name}: who may use udp`, () => {
    it("RADIO binds, DISH and DGRAM connect, other types either way: ENOCOMPATPROTO", async (t) => {
      const socks = [new d.Radio(), new d.Dish(), new d.Datagram(), new d.Server(), new d.Client()];
      closeAfter(t, ...socks);
      const [radio, dish, dgram, server, client] = socks as [
        draft.Radio,
        draft.Dish,
        draft.Datagram,
        draft.Server,
        draft.Client,
      ];
      const address = await uniqAddress("udp");
      const refused = { code: "ENOCOMPATPROTO" };
      await assert.rejects(async () => radio.bind(address), refused);
      assert.throws(() => dish.connect(address), refused);
      assert.throws(() => dgram.connect(address), refused);
      await assert.rejects(async () => server.bind(address), refused);
      assert.throws(() => client.connect(address), refused);
    });

    it("two DISHes bind one unicast port (SO_REUSEADDR)", async (t) => {
      const [a, b] = [new d.Dish(), new d.Dish()];
      closeAfter(t, a, b);
      const address = await uniqAddress("udp");
      await a.bind(address);
      await b.bind(address);
    });
  });
}

describe("zocket: udp endpoints", () => {
  it("parses libzmq's syntax and refuses what it refuses", () => {
    const ok = parseEndpoint("udp://eth0;239.1.2.3:5555", "bind");
    assert.deepEqual(ok, {
      transport: "udp",
      address: "udp://eth0;239.1.2.3:5555",
      iface: "eth0",
      host: "239.1.2.3",
      port: 5555,
      multicast: true,
      ipv6: false,
    });
    assert.equal((parseEndpoint("udp://*:*", "bind") as { port: number }).port, 0);
    assert.equal((parseEndpoint("udp://[ff02::1]:5", "connect") as { ipv6: boolean }).ipv6, true);
    for (const [address, mode, hint] of [
      ["udp://lo;127.0.0.1:5555", "bind", /only for multicast/],
      ["udp://239.0.0.2;239.0.0.1:5555", "bind", /cannot be a multicast/],
      ["udp://*:5555", "connect", /name a host/],
      ["udp://127.0.0.1:*", "connect", /name the port/],
      ["udp://127.0.0.1", "bind", /missing port/],
      ["udp://::1:5", "bind", /brackets/],
      ["udp://127.0.0.1:70000", "bind", /out of range/],
    ] as const) {
      assert.throws(() => parseEndpoint(address, mode), { code: "EINVAL", hint }, address);
    }
  });

  it("udp://*:* binds an ephemeral port, reported in lastEndpoint; unbind by either name", async (t) => {
    const dish = new draft.Dish();
    closeAfter(t, dish);
    dish.join("g");
    await dish.bind("udp://127.0.0.1:*");
    const bound = dish.lastEndpoint!;
    assert.match(bound, /^udp:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(bound.split(":").pop());
    await sendRaw(port, Buffer.from("\x01gone"));
    const [msg] = await withTimeout(dish.receive(), 2000, "a datagram");
    assert.equal(msg.toString(), "one");
    await dish.unbind("udp://127.0.0.1:*");
    await assert.rejects(dish.unbind(bound), { code: "ENOENT" });
    await dish.bind("udp://*:*");
    assert.match(dish.lastEndpoint!, /^udp:\/\/0\.0\.0\.0:\d+$/);
    await dish.unbind(dish.lastEndpoint!);
  });

  it("NIC names: bind udp://lo:port, join a group on iface lo; an unknown one is ENODEV", async (t) => {
    assert.ok(networkInterfaces()["lo"], "this test needs the loopback interface named lo");
    const [dish, mdish, radio, mradio] = [new draft.Dish(), new draft.Dish(), new draft.Radio(), new draft.Radio()];
    closeAfter(t, dish, mdish, radio, mradio);
    dish.join("g");
    mdish.join("g");
    const port = await freeUdpPort();
    await dish.bind(`udp://lo:${port}`);
    assert.equal(dish.lastEndpoint, `udp://127.0.0.1:${port}`);
    const mport = await freeUdpPort();
    await mdish.bind(`udp://lo;239.255.1.77:${mport}`);
    radio.connect(`udp://localhost:${port}`);
    mradio.connect(`udp://lo;239.255.1.77:${mport}`);
    await radio.send("unicast", { group: "g" });
    await mradio.send("multicast", { group: "g" });
    assert.equal((await withTimeout(dish.receive(), 2000, "unicast"))[0].toString(), "unicast");
    assert.equal((await withTimeout(mdish.receive(), 2000, "multicast"))[0].toString(), "multicast");
    const other = new draft.Dish();
    closeAfter(t, other);
    await assert.rejects(other.bind("udp://no-such-nic0;239.255.1.78:5555"), { code: "ENODEV" });
  });

  it("a RADIO keeps libzmq 4.3 dishes alive: EMSGSIZE above 8192 bytes, EINVAL for groups of 128+ bytes", async (t) => {
    const radio = new draft.Radio();
    const dish = new draft.Dish();
    closeAfter(t, radio, dish);
    dish.join("g", "x".repeat(127));
    const address = await uniqAddress("udp");
    await dish.bind(address);
    radio.connect(address);
    await assert.rejects(radio.send(Buffer.alloc(8191), { group: "g" }), { code: "EMSGSIZE", hint: /8192/ });
    await assert.rejects(radio.send("x", { group: "x".repeat(128) }), { code: "EINVAL", hint: /127/ });
    await radio.send(Buffer.alloc(8190, 7), { group: "g" });
    await radio.send("ok", { group: "x".repeat(127) });
    const [big] = await withTimeout(dish.receive(), 2000, "8192 bytes");
    assert.equal(big.length, 8190);
    const [, { group }] = await withTimeout(dish.receive(), 2000, "the 127-byte group");
    assert.equal(group.length, 127);
  });

  it("multicastHops and multicastLoop reach the transport (ZMQ_MULTICAST_HOPS, ZMQ_MULTICAST_LOOP)", async (t) => {
    // On lo a datagram that leaves the host also comes back in, loop or not: the options are checked at the
    // transport's door, where node:dgram's setMulticastTTL/setMulticastLoopback take them.
    const seen: DatagramOptions[] = [];
    registerDatagramTransport("udp", {
      bind: (ep, opts, sink) => udpTransport.bind(ep, opts, sink),
      connect: (ep, opts) => (seen.push({ ...opts }), udpTransport.connect(ep, opts)),
    });
    t.after(() => registerDatagramTransport("udp", udpTransport));
    const radio = new draft.Radio({ multicastLoop: false, multicastHops: 3 });
    const defaults = new draft.Radio();
    closeAfter(t, radio, defaults);
    assert.deepEqual([defaults.multicastLoop, defaults.multicastHops], [true, 1]);
    const endpoint = `udp://127.0.0.1;239.255.1.79:${await freeUdpPort()}`;
    radio.connect(endpoint);
    defaults.connect(endpoint);
    await waitUntil(() => seen.length === 2, 2000, "two connects");
    assert.deepEqual(
      seen.map((o) => [o.multicastLoop, o.multicastHops]),
      [
        [false, 3],
        [true, 1],
      ],
    );
  });

  it("disconnect stops a RADIO's datagrams; a DISH drops bodies above maxMessageSize", async (t) => {
    const radio = new draft.Radio();
    const dish = new draft.Dish({ maxMessageSize: 4 });
    closeAfter(t, radio, dish);
    dish.join("g");
    const address = await uniqAddress("udp");
    await dish.bind(address);
    radio.connect(address);
    await radio.send("too long", { group: "g" });
    await radio.send("ok", { group: "g" });
    assert.equal((await withTimeout(dish.receive(), 2000, "ok"))[0].toString(), "ok");
    radio.disconnect(address);
    await radio.send("after", { group: "g" });
    dish.receiveTimeout = 200;
    await assert.rejects(dish.receive(), { code: "EAGAIN" });
  });
});

describe("zocket: DGRAM", () => {
  it("takes [address, body] only; parses addresses as libzmq (inet_addr forms), drops bad ones silently", async (t) => {
    const dgram = new draft.Datagram();
    const peer = createSocket("udp4");
    closeAfter(t, dgram, peer);
    await dgram.bind("udp://127.0.0.1:*");
    await new Promise<void>((resolve) => peer.bind(0, "127.0.0.1", resolve));
    const port = peer.address().port;
    const got: string[] = [];
    peer.on("message", (m) => got.push(m.toString()));
    await assert.rejects(dgram.send("single" as never), { code: "EINVAL" });
    await assert.rejects(dgram.send(["a", "b", "c"] as never), { code: "EINVAL" });
    await assert.rejects(dgram.send([`127.0.0.1:${port}`, Buffer.alloc(65508)]), { code: "EMSGSIZE" });
    for (const bad of [
      `localhost:${port}`,
      "127.0.0.1",
      `127.0.0.1:0`,
      `255.255.255.255:${port}`,
      `1.2.3.4.5:${port}`,
    ]) {
      await dgram.send([bad, "dropped"]);
    }
    await dgram.send([`127.1:${port}\0`, "short form"]);
    await dgram.send([`127.0.0.1:${port}`, "no NUL"]);
    await waitUntil(() => got.length === 2, 2000, "two datagrams");
    await delay(50);
    assert.deepEqual(got.sort(), ["no NUL", "short form"]);
    // One udp endpoint per DGRAM socket (dgram.cpp).
    await assert.rejects(dgram.bind("udp://127.0.0.1:*"), { code: "EINVAL" });
    await assert.rejects(async () => dgram.bind("tcp://127.0.0.1:*"), { code: "ENOCOMPATPROTO" });
  });
});

test("a bound udp DISH or DGRAM does not keep the process alive", async () => {
  const script = `
    const d = await import(${JSON.stringify(new URL("../../src/draft.ts", import.meta.url).href)});
    const dish = new d.Dish(); dish.join("g"); await dish.bind("udp://127.0.0.1:*");
    const dgram = new d.Datagram(); await dgram.bind("udp://127.0.0.1:*");
    const radio = new d.Radio(); radio.connect("udp://127.0.0.1:9"); await radio.send("x", { group: "g" });
    console.log("bound");`;
  const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    timeout: 15_000,
  });
  assert.equal(stdout.trim(), "bound");
});

test("zocket's main entry knows udp only for the draft types", (t) => {
  const pair = new zocket.Pair();
  closeAfter(t, pair);
  assert.throws(() => pair.connect("udp://127.0.0.1:5555"), { code: "ENOCOMPATPROTO", hint: /RADIO, DISH and DGRAM/ });
});
