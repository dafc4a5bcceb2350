// The remaining libzmq transport and socket options (issue 25 §4), each shown by its effect, against the
// `zeromq` package (libzmq 4.3.5) where zeromq.js can set it: socksProxy (+ username/password) through a
// SOCKS5 proxy written in the test, connectTimeout against a listener that never answers, reconnectStop,
// context maxSockets, ipv6 dual stack on tcp://*, udp buffer sizes; and the options Node.js cannot apply
// warn once per process.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as net from "node:net";
import * as zmq from "zeromq";
import type { ZmqError } from "../../src/index.ts";
import { Context, Dealer, Push, Reply, Request, Router } from "../../src/index.ts";
import { Dish, Radio } from "../../src/draft.ts";
import { closeAfter, delay, freePort, PyPeer, uniqueIpc, withTimeout } from "../helpers/sockets.ts";
import { startSocks5 } from "./peers/socks5-server.ts";

type AnyReq = Request | zmq.Request;
const LIBS = [
  { name: "zocket", Request, Push, Router, Dealer, Context },
  {
    name: "zeromq",
    Request: zmq.Request,
    Push: zmq.Push,
    Router: zmq.Router,
    Dealer: zmq.Dealer,
    Context: zmq.Context,
  },
] as const;

/** zeromq.js's protected id accessors, for the options it has no property for. */
function setInt(s: object, id: number, v: number): void {
  (s as { setInt32Option(id: number, v: number): void }).setInt32Option(id, v);
}
function setStr(s: object, id: number, v: string): void {
  (s as { setStringOption(id: number, v: string): void }).setStringOption(id, v);
}

async function repServer(t: { after(fn: () => void): void }): Promise<{ rep: Reply; port: number }> {
  const rep = new Reply({ linger: 0 });
  closeAfter(t as never, rep);
  await rep.bind("tcp://127.0.0.1:*");
  void (async () => {
    for await (const [m] of rep) await rep.send(`echo ${String(m)}`);
  })().catch(() => {});
  return { rep, port: Number(rep.lastEndpoint!.split(":").pop()) };
}

async function roundTrip(req: AnyReq, text: string): Promise<string> {
  await req.send(text);
  return String((await withTimeout(req.receive(), 8000, "the reply"))[0]);
}

test("socksProxy: zocket and libzmq send the same SOCKS5 greeting and CONNECT (IP and unresolved name)", async (t) => {
  const proxy = await startSocks5();
  t.after(() => proxy.close());
  const { port } = await repServer(t);
  for (const lib of LIBS) {
    for (const host of ["127.0.0.1", "localhost"]) {
      const req = new lib.Request({ linger: 0 });
      closeAfter(t, req);
      req.socksProxy = `127.0.0.1:${proxy.port}`;
      req.connect(`tcp://${host}:${port}`);
      assert.equal(await roundTrip(req, `${lib.name} via ${host}`), `echo ${lib.name} via ${host}`);
      req.close();
    }
  }
  assert.equal(proxy.log.length, 4);
  assert.deepEqual(
    proxy.log.map((l) => [l.host, l.port]),
    [
      ["127.0.0.1", port],
      ["localhost", port],
      ["127.0.0.1", port],
      ["localhost", port],
    ],
  );
  // The bytes on the wire, zocket's (0, 1) against libzmq's (2, 3).
  assert.deepEqual(proxy.log[0]!.greeting, Buffer.from([5, 1, 0]));
  assert.deepEqual(proxy.log[0]!.greeting, proxy.log[2]!.greeting);
  assert.deepEqual(proxy.log[0]!.request, proxy.log[2]!.request);
  assert.deepEqual(proxy.log[1]!.request, proxy.log[3]!.request);
  assert.equal(proxy.log[1]!.request[3], 3, "a name goes to the proxy unresolved (ATYP 3)");
});

test("socksUsername/socksPassword (ZMQ_SOCKS_USERNAME 99, _PASSWORD 100): RFC 1929 as libzmq does it", async (t) => {
  const proxy = await startSocks5({ username: "alice", password: "s3cret" });
  t.after(() => proxy.close());
  const { port } = await repServer(t);
  for (const lib of LIBS) {
    const req = new lib.Request({ linger: 0 });
    closeAfter(t, req);
    req.socksProxy = `127.0.0.1:${proxy.port}`;
    setStr(req, 99, "alice");
    setStr(req, 100, "s3cret");
    req.connect(`tcp://127.0.0.1:${port}`);
    assert.equal(await roundTrip(req, lib.name), `echo ${lib.name}`);
    req.close();
  }
  assert.deepEqual(proxy.log[0]!.greeting, Buffer.from([5, 1, 2]));
  assert.deepEqual(proxy.log[0]!.greeting, proxy.log[1]!.greeting);
  assert.deepEqual(proxy.log[0]!.auth, proxy.log[1]!.auth);
  const mine = new Request({ linger: 0, socksProxy: `127.0.0.1:${proxy.port}`, socksUsername: "alice" });
  closeAfter(t, mine);
  assert.equal(mine.socksUsername, "alice");
  // A wrong password: the proxy refuses, nothing reaches the REP, the connect is retried.
  mine.socksPassword = "wrong";
  mine.receiveTimeout = 600;
  const retries: number[] = [];
  mine.events.on("connect:retry", (e) => retries.push(e.interval));
  mine.connect(`tcp://127.0.0.1:${port}`);
  await mine.send("x");
  await assert.rejects(mine.receive(), { code: "EAGAIN" });
  assert.ok(retries.length >= 1);
  assert.equal(proxy.relayed, 2);
});

test("socksProxy that is not host:port is EINVAL at connect()", (t) => {
  const req = new Request({ linger: 0, socksProxy: "nonsense" });
  closeAfter(t, req);
  assert.throws(() => req.connect("tcp://127.0.0.1:5555"), { code: "EINVAL", hint: /socksProxy "nonsense"/ });
});

test("connectTimeout: a connect nobody answers gives up after it and retries (zocket and libzmq)", async (t) => {
  const { endpoint } = await PyPeer.start(t, "blackhole.py", []);
  for (const lib of LIBS) {
    for (const timeout of [300, 0]) {
      const push = new lib.Push({ linger: 0, connectTimeout: timeout, reconnectInterval: 100 });
      closeAfter(t, push);
      const started = Date.now();
      const retries: number[] = [];
      push.events.on("connect:retry", () => retries.push(Date.now() - started));
      push.connect(endpoint);
      await delay(1500);
      push.close();
      if (timeout > 0) {
        assert.ok(retries.length >= 1, `${lib.name}: a retry after connectTimeout`);
        assert.ok(retries[0]! >= 250 && retries[0]! < 1400, `${lib.name}: first retry after ${retries[0]} ms`);
      } else {
        assert.deepEqual(retries, [], `${lib.name}: the OS's own timeout is far longer`);
      }
    }
  }
});

test("reconnectStop 1 (CONN_REFUSED): a refused connect ends the endpoint instead of retrying", async (t) => {
  const port = await freePort();
  for (const lib of LIBS) {
    for (const stop of [1, 0]) {
      const push = new lib.Push({ linger: 0, reconnectInterval: 50 });
      closeAfter(t, push);
      setInt(push, 109, stop);
      const retries: number[] = [];
      push.events.on("connect:retry", (e) => retries.push(e.interval));
      push.connect(`tcp://127.0.0.1:${port}`);
      await delay(400);
      push.close();
      if (stop === 1) assert.deepEqual(retries, [], `${lib.name}: no retry`);
      else assert.ok(retries.length >= 2, `${lib.name}: retries without it (${retries.length})`);
    }
  }
  const s = new Push({ reconnectStop: 7 });
  closeAfter(t, s);
  assert.equal(s.reconnectStop, 7);
  assert.throws(() => (s.reconnectStop = 8), { code: "EINVAL" });
});

test("reconnectStop 2 (HANDSHAKE_FAILED): a peer that drops the handshake is not dialled again", async (t) => {
  let accepted = 0;
  const server = net.createServer((c) => {
    accepted++;
    c.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const counts: Record<string, number> = {};
  for (const lib of LIBS) {
    for (const stop of [2, 0]) {
      accepted = 0;
      const dealer = new lib.Dealer({ linger: 0, reconnectInterval: 50 });
      closeAfter(t, dealer);
      setInt(dealer, 109, stop);
      dealer.connect(`tcp://127.0.0.1:${port}`);
      await delay(600);
      dealer.close();
      counts[`${lib.name} ${stop}`] = accepted;
    }
  }
  assert.equal(counts["zocket 2"], 1);
  assert.equal(counts["zeromq 2"], 1);
  assert.ok(counts["zocket 0"]! >= 3 && counts["zeromq 0"]! >= 3, JSON.stringify(counts));
});

test("reconnectStop 4 (AFTER_DISCONNECT): after a disconnect(), a refused ipc connect ends its endpoint", async (t) => {
  // A socket file nobody listens on: connecting to it is ECONNREFUSED.
  const file = uniqueIpc("stale").slice("ipc://".length);
  const stale = net.createServer();
  await new Promise<void>((r) => stale.listen(file, r));
  await new Promise<void>((r) => stale.close(() => r()));
  if (!fs.existsSync(file)) fs.writeFileSync(file, "");
  const run = async (disconnectFirst: boolean): Promise<number> => {
    const push = new Push({ linger: 0, reconnectInterval: 50, reconnectStop: 4 });
    closeAfter(t, push);
    if (disconnectFirst) {
      push.connect("tcp://127.0.0.1:9");
      push.disconnect("tcp://127.0.0.1:9");
    }
    let retries = 0;
    push.events.on("connect:retry", () => retries++);
    push.connect(`ipc://${file}`);
    await delay(400);
    push.close();
    return retries;
  };
  assert.ok((await run(false)) >= 2, "retried before any disconnect()");
  assert.equal(await run(true), 0);
});

test("context maxSockets: one socket more is EMFILE, as libzmq's zmq_socket (zocket and zeromq)", (t) => {
  for (const lib of LIBS) {
    const ctx = new lib.Context({ maxSockets: 3 });
    const socks = [0, 1, 2].map(() => new lib.Push({ context: ctx as never }));
    closeAfter(t, ...socks);
    let err: ZmqError | undefined;
    try {
      socks.push(new lib.Push({ context: ctx as never }));
    } catch (e) {
      err = e as ZmqError;
    }
    assert.equal(err?.code, "EMFILE", lib.name);
    assert.equal(err?.message, "Too many open file descriptors", lib.name);
    assert.equal(err?.errno, 24);
  }
  const ctx = new Context({ maxSockets: 1 });
  const a = new Push({ context: ctx });
  assert.throws(() => new Push({ context: ctx }), { code: "EMFILE", hint: /maxSockets/ });
  a.close();
  const b = new Push({ context: ctx });
  b.close();
  // A socket whose options are refused does not keep its slot.
  assert.throws(() => new Push({ context: ctx, linger: -5 }), { code: "EINVAL" });
  new Push({ context: ctx }).close();
});

test("ipv6 on tcp://*: one dual-stack listener takes IPv4 and IPv6 peers (zocket and zeromq)", async (t) => {
  for (const lib of LIBS) {
    const router = new lib.Router({ linger: 0, ipv6: true });
    closeAfter(t, router);
    await router.bind("tcp://*:*");
    const port = Number(router.lastEndpoint!.split(":").pop());
    assert.match(router.lastEndpoint!, /^tcp:\/\/\[::\]:\d+$/, lib.name);
    for (const [name, ep] of [
      ["v4", `tcp://127.0.0.1:${port}`],
      ["v6", `tcp://[::1]:${port}`],
    ] as const) {
      const dealer = new lib.Dealer({ linger: 0, ipv6: true, routingId: name });
      closeAfter(t, dealer);
      dealer.connect(ep);
      await dealer.send(`hello ${name}`);
      const [id, m] = await withTimeout(router.receive(), 8000, `${lib.name} ${name}`);
      assert.deepEqual([String(id), String(m)], [name, `hello ${name}`]);
    }
  }
});

test("sendBufferSize/receiveBufferSize on udp reach the kernel (dgram set*BufferSize)", async (t) => {
  const seen: Array<[string, number, number]> = [];
  const proto = dgram.Socket.prototype;
  const origSend = proto.setSendBufferSize;
  const origRecv = proto.setRecvBufferSize;
  proto.setSendBufferSize = function (this: dgram.Socket, n: number) {
    origSend.call(this, n);
    seen.push(["send", n, this.getSendBufferSize()]);
  };
  proto.setRecvBufferSize = function (this: dgram.Socket, n: number) {
    origRecv.call(this, n);
    seen.push(["recv", n, this.getRecvBufferSize()]);
  };
  t.after(() => {
    proto.setSendBufferSize = origSend;
    proto.setRecvBufferSize = origRecv;
  });
  const dish = new Dish({ linger: 0, receiveBufferSize: 200_000 });
  const radio = new Radio({ linger: 0, sendBufferSize: 150_000 });
  closeAfter(t, dish, radio);
  await dish.bind("udp://127.0.0.1:*");
  dish.join("g");
  radio.connect(dish.lastEndpoint!);
  await withTimeout(
    (async () => {
      while (seen.length < 2) await delay(10);
    })(),
    5000,
    "the buffers",
  );
  const recv = seen.find((s) => s[0] === "recv")!;
  const send = seen.find((s) => s[0] === "send")!;
  // Linux doubles what is asked (bookkeeping), as for libzmq's setsockopt.
  assert.ok(recv[1] === 200_000 && recv[2] >= 200_000, JSON.stringify(recv));
  assert.ok(send[1] === 150_000 && send[2] >= 150_000, JSON.stringify(send));
  await radio.send("hi", { group: "g" });
  const [msg, { group }] = await withTimeout(dish.receive(), 5000, "a datagram");
  assert.deepEqual([String(msg), String(group)], ["hi", "g"]);
});

test("options Node.js cannot apply on tcp are accepted and warn once per process, per option", async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }): void => {
    if (w.code === "ZOCKET_OPTION_NOT_APPLIED") warnings.push(w.message);
  };
  process.on("warning", onWarning);
  t.after(() => process.off("warning", onWarning));
  const { port } = await repServer(t);
  const options = {
    linger: 0,
    sendBufferSize: 65536,
    receiveBufferSize: 65536,
    typeOfService: 0x10,
    interface: "lo",
    tcpMaxRetransmitTimeout: 5000,
    tcpKeepaliveCount: 3,
    tcpKeepaliveInterval: 10,
  };
  for (let i = 0; i < 3; i++) {
    const req = new Request(options);
    closeAfter(t, req);
    assert.equal(req.typeOfService, 0x10);
    assert.equal(req.interface, "lo");
    req.connect(`tcp://127.0.0.1:${port}`);
    assert.equal(await roundTrip(req, `n${i}`), `echo n${i}`);
  }
  const radio = new Radio({ linger: 0, multicastMaxTransportDataUnit: 9000 });
  closeAfter(t, radio);
  radio.connect("udp://127.0.0.1:5999");
  await delay(100);
  const names = warnings.map((w) => /option (\w+) is accepted/.exec(w)?.[1]).sort();
  assert.deepEqual(names, [
    "interface",
    "multicastMaxTransportDataUnit",
    "receiveBufferSize",
    "sendBufferSize",
    "tcpKeepaliveCount",
    "tcpKeepaliveInterval",
    "tcpMaxRetransmitTimeout",
    "typeOfService",
  ]);
});
