// tcp source addresses (issue 25 §3): libzmq's `tcp://source;destination` and `tcp://iface;destination`
// for connect. A libzmq ROUTER (python3-zmq, interop/peers/peer_address.py) reports the remote end of each
// connection it accepts; the same connects from the `zeromq` package (libzmq 4.3.5) show the two match.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as os from "node:os";
import * as zmq from "zeromq";
import { Request, Router } from "../../src/index.ts";
import { closeAfter, freePort, PyPeer, withTimeout } from "../helpers/sockets.ts";

const LIBS = [
  { name: "zocket", Request },
  { name: "zeromq", Request: zmq.Request },
] as const;

async function ask(req: { send(m: string): Promise<void>; receive(): Promise<Buffer[]> }): Promise<string> {
  await req.send("where am I from?");
  const [addr] = await withTimeout(req.receive(), 8000, "the reply");
  return String(addr);
}

function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
}

for (const lib of LIBS) {
  test(`${lib.name}: tcp://127.0.0.2:PORT;127.0.0.1:PORT connects from that address and port`, async (t) => {
    const { peer, endpoint } = await PyPeer.start(t, "peer_address.py", []);
    const src = await freePort();
    const req = new lib.Request({ linger: 0 });
    closeAfter(t, req);
    req.connect(`tcp://127.0.0.2:${src};127.0.0.1:${portOf(endpoint)}`);
    assert.equal(await ask(req), "127.0.0.2");
    assert.equal(await peer.waitLine((l) => l.startsWith("ACCEPTED")), `ACCEPTED 127.0.0.2 ${src}`);
  });

  test(`${lib.name}: a source without a port (127.0.0.3;...) takes an ephemeral one`, async (t) => {
    const { peer, endpoint } = await PyPeer.start(t, "peer_address.py", []);
    const req = new lib.Request({ linger: 0 });
    closeAfter(t, req);
    req.connect(`tcp://127.0.0.3:0;127.0.0.1:${portOf(endpoint)}`);
    assert.equal(await ask(req), "127.0.0.3");
    const [, ip, port] = (await peer.waitLine((l) => l.startsWith("ACCEPTED"))).split(" ");
    assert.equal(ip, "127.0.0.3");
    assert.ok(Number(port) > 0);
  });
}

test("zocket: tcp://lo;dst connects from the interface's address (no port given)", async (t) => {
  const { peer, endpoint } = await PyPeer.start(t, "peer_address.py", []);
  const lo = Object.entries(os.networkInterfaces()).find(([, as]) =>
    as?.some((a) => a.internal && a.family === "IPv4"),
  );
  assert.ok(lo, "a loopback interface");
  const req = new Request({ linger: 0 });
  closeAfter(t, req);
  req.connect(`tcp://${lo[0]};127.0.0.1:${portOf(endpoint)}`);
  assert.equal(await ask(req), "127.0.0.1");
  assert.match(await peer.waitLine((l) => l.startsWith("ACCEPTED")), /^ACCEPTED 127\.0\.0\.1 \d+$/);
});

test("a source that cannot be bound: unknown interface ENODEV, foreign address EADDRNOTAVAIL, syntax EINVAL", (t) => {
  const req = new Request({ linger: 0 });
  closeAfter(t, req);
  assert.throws(() => req.connect("tcp://nosuchnic0;127.0.0.1:5555"), { code: "ENODEV", hint: /nosuchnic0/ });
  assert.throws(() => req.connect("tcp://203.0.113.77:0;127.0.0.1:5555"), {
    code: "EADDRNOTAVAIL",
    hint: /203\.0\.113\.77/,
  });
  assert.throws(() => req.connect("tcp://;127.0.0.1:5555"), { code: "EINVAL" });
  assert.throws(() => req.connect("tcp://127.0.0.1:99999;127.0.0.1:5555"), { code: "EINVAL" });
  assert.throws(() => req.connect("tcp://127.0.0.1:x;127.0.0.1:5555"), { code: "EINVAL" });
  assert.throws(() => req.connect("tcp://[::1;127.0.0.1:5555"), { code: "EINVAL" });
  assert.throws(() => req.connect("ws://127.0.0.1:0;127.0.0.1:5555"), { code: "EINVAL" });
  // Nothing was left behind by the refused connects.
  assert.throws(() => req.disconnect("tcp://nosuchnic0;127.0.0.1:5555"), { code: "ENOENT" });
});

test("bind() refuses a source address (connect only, as libzmq)", async (t) => {
  const r = new Router();
  closeAfter(t, r);
  await assert.rejects(r.bind("tcp://127.0.0.1:0;127.0.0.1:5555"), { code: "EINVAL" });
});

test("a source port in use: attempts fail and are retried (connect:retry), and succeed once it is free", async (t) => {
  const { peer, endpoint } = await PyPeer.start(t, "peer_address.py", []);
  const blocker = new Router({ linger: 0 });
  closeAfter(t, blocker);
  await blocker.bind("tcp://127.0.0.1:*");
  const src = portOf(blocker.lastEndpoint!);
  const req = new Request({ linger: 0, reconnectInterval: 50 });
  closeAfter(t, req);
  const retries: number[] = [];
  req.events.on("connect:retry", (e) => retries.push(e.interval));
  req.connect(`tcp://127.0.0.1:${src};127.0.0.1:${portOf(endpoint)}`);
  const sent = req.send("x");
  const deadline = Date.now() + 5000;
  while (retries.length < 2) {
    assert.ok(Date.now() < deadline, "retries");
    await new Promise((r) => setTimeout(r, 20));
  }
  blocker.close();
  await sent;
  assert.equal(String((await withTimeout(req.receive(), 8000, "reply"))[0]), "127.0.0.1");
  assert.equal(await peer.waitLine((l) => l.startsWith("ACCEPTED")), `ACCEPTED 127.0.0.1 ${src}`);
});
