/**
 * ws:// in zocket, byte by byte against a hand-driven WebSocket peer (test/helpers/raw-ws.ts):
 * - the client's request (path, Host, offered subprotocols) and the server's choice, including bare ZWS2.0
 *   and the token-safe `ZWS2.0+CURVE` names browsers can send (docs/ws-notes.md §3-§8);
 * - pings are answered with their payload, a close is echoed, heartbeats are pings;
 * - `maxMessageSize` is checked on the frame header, before any byte of the body arrives;
 * - hostile input (a bad upgrade request, a text frame, a fragment, an unmasked client frame, a header
 *   claiming 2^62 bytes, a slow handshake): each costs only its own connection (docs/ws-notes.md §14).
 * Interop with libzmq is in test/interop/ws-interop.test.ts.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import * as z from "../../src/index.ts";
import { acceptKey } from "../../src/transports/ws/zws-stream.ts";
import { checkRequest, parseHead, UpgradeError } from "../../src/transports/ws/upgrade.ts";
import { selectProtocol } from "../../src/protocol/zws.ts";
import { closeAfter, delay, guardProcess, RFC26_KEYS, withTimeout } from "../helpers/sockets.ts";
import { MASK, RawWsClient, upgradeRequest, wsFrame, zwsFrame } from "../helpers/raw-ws.ts";

const portOfWs = (ep: string): number => Number(/:(\d+)\//.exec(ep)![1]);

/** A zocket REP on ws://127.0.0.1:*\/ and its port. */
async function repServer(t: TestContext, opts: object = {}): Promise<{ rep: z.Reply; port: number }> {
  const rep = new z.Reply({ linger: 0, ...opts });
  closeAfter(t, rep);
  await rep.bind("ws://127.0.0.1:*/");
  return { rep, port: portOfWs(rep.lastEndpoint!) };
}

/** Upgrade a raw client with `protocols`; returns it with the 101 head checked. */
async function upgraded(t: TestContext, port: number, protocols: string): Promise<RawWsClient> {
  const c = await RawWsClient.connect(port);
  t.after(() => c.destroy());
  c.write(upgradeRequest(protocols));
  const head = await c.head();
  assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  return c;
}

describe("the upgrade", () => {
  test("Sec-WebSocket-Accept is RFC 6455's (its §1.3 example)", () => {
    assert.equal(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  test("the server takes the first acceptable subprotocol in the client's order, for its mechanism", () => {
    assert.equal(selectProtocol("ZWS2.0/NULL,ZWS2.0", "NULL")?.name, "ZWS2.0/NULL");
    assert.equal(selectProtocol("ZWS2.0, ZWS2.0/NULL", "NULL")?.name, "ZWS2.0");
    assert.equal(selectProtocol("ZWS2.0+NULL, ZWS2.0", "NULL")?.name, "ZWS2.0+NULL");
    assert.equal(selectProtocol("ZWS2.0", "CURVE"), null); // bare only with NULL
    assert.equal(selectProtocol("ZWS2.0/PLAIN", "NULL"), null);
    assert.equal(selectProtocol("zws2.0/null", "NULL"), null); // case-sensitive, as libzmq
    assert.equal(selectProtocol("chat, ZWS2.0+CURVE", "CURVE")?.name, "ZWS2.0+CURVE");
  });

  test("Firefox's `Connection: keep-alive, Upgrade` is accepted (as libzmq 4.3.5 does)", () => {
    const head = parseHead(upgradeRequest("ZWS2.0").replace("Connection: Upgrade", "Connection: keep-alive, Upgrade"));
    assert.equal(checkRequest(head, "NULL").protocol.name, "ZWS2.0");
  });

  for (const [why, request] of [
    ["not GET", upgradeRequest("ZWS2.0").replace("GET", "POST")],
    ["no Upgrade header", upgradeRequest("ZWS2.0").replace("Upgrade: websocket\r\n", "")],
    ["no key", upgradeRequest("ZWS2.0").replace(/Sec-WebSocket-Key: .*\r\n/, "")],
    ["no protocol", upgradeRequest("ZWS2.0").replace(/Sec-WebSocket-Protocol: .*\r\n/, "")],
    ["HTTP/1.0", upgradeRequest("ZWS2.0").replace("HTTP/1.1", "HTTP/1.0")],
  ] as const) {
    test(`a request with ${why} is refused`, () => {
      assert.throws(() => checkRequest(parseHead(request), "NULL"), UpgradeError);
    });
  }

  test("a zocket client sends the endpoint's whole path, Host with the port, and libzmq's offer", async (t) => {
    const server = net.createServer();
    const got = new Promise<string>((resolve) => {
      server.on("connection", (s) => {
        let text = "";
        s.on("data", (b) => {
          text += b.toString("latin1");
          if (text.includes("\r\n\r\n")) {
            resolve(text);
            s.destroy();
          }
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    t.after(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const req = new z.Request({ linger: 0 });
    closeAfter(t, req);
    req.connect(`ws://127.0.0.1:${port}/a/b/c`);
    const text = await withTimeout(got, 5000, "request");
    assert.match(text, /^GET \/a\/b\/c HTTP\/1\.1\r\n/);
    assert.match(text, new RegExp(`\r\nHost: 127\\.0\\.0\\.1:${port}\r\n`));
    assert.match(text, /\r\nSec-WebSocket-Protocol: ZWS2\.0\/NULL,ZWS2\.0\r\n/);
    assert.match(text, /\r\nConnection: Upgrade\r\n/);
  });

  test("a zocket client refuses a 101 with the wrong Sec-WebSocket-Accept", async (t) => {
    const server = net.createServer((s) => {
      s.once("data", () =>
        s.write(
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: AAAA\r\nSec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n",
        ),
      );
      s.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    t.after(() => server.close());
    const req = new z.Request({ linger: 0, reconnectInterval: -1 });
    closeAfter(t, req);
    const events: z.Event[] = [];
    void (async () => {
      for await (const e of req.events) events.push(e);
    })();
    req.connect(`ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`);
    await withTimeout(
      (async () => {
        while (!events.some((e) => e.type === "disconnect")) await delay(10);
      })(),
      5000,
      "disconnect",
    );
    const err = events.find((e) => e.type.startsWith("handshake:error")) as { error?: z.ZmqError } | undefined;
    assert.equal(err?.error?.code, "EPROTO");
    assert.match(err?.error?.hint ?? "", /Sec-WebSocket-Accept/);
  });
});

describe("frames", () => {
  test("bare ZWS2.0 (what browsers and libzmq's clients can offer): routing-id frames, no READY", async (t) => {
    const { rep, port } = await repServer(t);
    const c = await upgraded(t, port, "ZWS2.0");
    assert.match(c.received.toString("latin1"), /Sec-WebSocket-Protocol: ZWS2\.0\r\n/);
    await c.until(() => c.frames().length >= 1, 5000, "routing id frame");
    assert.deepEqual([...c.frames()[0]!.payload], [0]); // an empty routing id: `82 01 00`
    c.write(zwsFrame(0, "")); // our routing id
    c.write(Buffer.concat([zwsFrame(1, ""), zwsFrame(0, "question")])); // REQ envelope, one write
    const [q] = await withTimeout(rep.receive(), 5000, "request");
    assert.equal(q!.toString(), "question");
    await rep.send("answer");
    await c.until(() => c.frames().length >= 3, 5000, "reply");
    const [, d, body] = c.frames();
    assert.deepEqual([...d!.payload], [1]); // MORE, empty delimiter
    assert.equal(body!.payload.toString(), "\x00answer");
  });

  test("ZWS2.0/NULL: READY with the socket type, MORE and COMMAND flags as ZWS spells them", async (t) => {
    const { rep, port } = await repServer(t);
    const c = await upgraded(t, port, "ZWS2.0/NULL,ZWS2.0");
    await c.until(() => c.frames().length >= 1, 5000, "READY");
    const ready = c.frames()[0]!.payload;
    assert.equal(ready[0], 0x02); // COMMAND
    assert.ok(ready.toString("latin1").startsWith("\x02\x05READY\x0bSocket-Type\x00\x00\x00\x03REP"));
    c.write(
      zwsFrame(2, Buffer.from("\x05READY\x0bSocket-Type\x00\x00\x00\x03REQ\x08Identity\x00\x00\x00\x00", "latin1")),
    );
    c.write(zwsFrame(1, ""));
    c.write(zwsFrame(0, "hi"));
    assert.equal((await withTimeout(rep.receive(), 5000, "request"))[0]!.toString(), "hi");
  });

  test("the token-safe ZWS2.0+CURVE is accepted and chosen (browsers cannot send ZWS2.0/CURVE)", async (t) => {
    const { port } = await repServer(t, { curveServer: true, curveSecretKey: RFC26_KEYS.serverSecret });
    const c = await upgraded(t, port, "ZWS2.0+CURVE");
    assert.match(c.received.toString("latin1"), /Sec-WebSocket-Protocol: ZWS2\.0\+CURVE\r\n/);
  });

  test("a ping is answered with a pong carrying its payload; a close is echoed and the connection ends", async (t) => {
    const { port } = await repServer(t);
    const c = await upgraded(t, port, "ZWS2.0");
    c.write(wsFrame({ opcode: 9, payload: Buffer.from("hb-1"), mask: MASK }));
    await c.until(() => c.frames().some((f) => f.opcode === 0xa), 5000, "pong");
    assert.equal(
      c
        .frames()
        .find((f) => f.opcode === 0xa)!
        .payload.toString(),
      "hb-1",
    );
    c.write(wsFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8]), mask: MASK }));
    await c.until(() => c.closed, 5000, "close");
    const close = c.frames().find((f) => f.opcode === 8);
    assert.deepEqual([...close!.payload], [0x03, 0xe8]);
  });

  test("heartbeats: the server pings (empty), and a silent peer is dropped after the timeout", async (t) => {
    const { port } = await repServer(t, { heartbeatInterval: 50, heartbeatTimeout: 200 });
    const c = await upgraded(t, port, "ZWS2.0");
    c.write(zwsFrame(0, ""));
    await c.until(() => c.frames().some((f) => f.opcode === 9), 5000, "ping");
    assert.equal(c.frames().find((f) => f.opcode === 9)!.payload.length, 0);
    await c.until(() => c.closed, 5000, "dropped after the heartbeat timeout");
  });

  test("maxMessageSize is checked on the frame header: the connection closes before the body arrives", async (t) => {
    const { rep, port } = await repServer(t, { maxMessageSize: 1000 });
    const c = await upgraded(t, port, "ZWS2.0");
    c.write(zwsFrame(0, ""));
    c.write(zwsFrame(1, ""));
    // A header announcing 1 GiB + flags: nothing of the body follows.
    c.write(Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 1, ...MASK, 0 ^ MASK[0]!]));
    await c.until(() => c.closed, 5000, "close on the header");
    // The socket still serves others.
    const d = await upgraded(t, port, "ZWS2.0");
    d.write(Buffer.concat([zwsFrame(0, ""), zwsFrame(1, ""), zwsFrame(0, "small")]));
    assert.equal((await withTimeout(rep.receive(), 5000, "request"))[0]!.toString(), "small");
  });
});

describe("hostile input costs only its own connection", () => {
  const CASES: Array<[string, (c: RawWsClient) => void, boolean]> = [
    ["a bad upgrade request", (c) => c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false],
    ["an HTTP head that never ends", (c) => c.write("GET / HTTP/1.1\r\n" + "X-Junk: y\r\n".repeat(2000)), false],
    ["a text frame", (c) => c.write(wsFrame({ opcode: 1, payload: Buffer.from("\x00hi"), mask: MASK })), true],
    [
      "a fragmented frame",
      (c) => c.write(wsFrame({ opcode: 2, payload: Buffer.from([0, 1]), fin: false, mask: MASK })),
      true,
    ],
    ["an unmasked client frame", (c) => c.write(zwsFrame(0, "x", null)), true],
    [
      "a header claiming 2^62 bytes",
      (c) => c.write(Buffer.from([0x82, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, ...MASK])),
      true,
    ],
    ["garbage after the upgrade", (c) => c.write(Buffer.from("\x00\xff\x13garbage".repeat(10), "latin1")), true],
  ];

  for (const [what, send, upgrade] of CASES) {
    test(what, async (t) => {
      const guard = guardProcess(t);
      const { rep, port } = await repServer(t);
      const bad = await RawWsClient.connect(port);
      t.after(() => bad.destroy());
      if (upgrade) {
        bad.write(upgradeRequest("ZWS2.0"));
        await bad.head();
      }
      send(bad);
      await bad.until(() => bad.closed, 5000, "the bad connection closed");
      if (upgrade && !what.includes("2^62") && !what.includes("garbage")) {
        // A framing error ends with a close frame carrying the RFC 6455 status.
        const close = bad.frames().find((f) => f.opcode === 8);
        assert.ok(close, "close frame");
        assert.ok([1002, 1003].includes(close.payload.readUInt16BE(0)), String(close.payload.readUInt16BE(0)));
      }
      const good = await upgraded(t, port, "ZWS2.0");
      good.write(Buffer.concat([zwsFrame(0, ""), zwsFrame(1, ""), zwsFrame(0, "fine")]));
      assert.equal((await withTimeout(rep.receive(), 5000, "request"))[0]!.toString(), "fine");
      guard.check();
    });
  }

  test("a slow handshake (no request at all) is dropped after handshakeInterval", async (t) => {
    const guard = guardProcess(t);
    const { rep, port } = await repServer(t, { handshakeInterval: 300 });
    const slow = await RawWsClient.connect(port);
    t.after(() => slow.destroy());
    slow.write("GET / HTTP/1.1\r\n"); // and nothing more
    const started = Date.now();
    await slow.until(() => slow.closed, 5000, "dropped");
    assert.ok(Date.now() - started >= 200, "not before the interval");
    const good = await upgraded(t, port, "ZWS2.0");
    good.write(Buffer.concat([zwsFrame(0, ""), zwsFrame(1, ""), zwsFrame(0, "fine")]));
    assert.equal((await withTimeout(rep.receive(), 5000, "request"))[0]!.toString(), "fine");
    guard.check();
  });
});
