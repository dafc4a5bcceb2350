/**
 * ws:// (ZWS 2.0) interop with real libzmq, both directions (zocket binds, zocket connects):
 * - the `zeromq` package (libzmq 4.3.5, in process): PUSH/PULL, REQ/REP, PUB/SUB, DEALER/ROUTER, PAIR with
 *   NULL; REQ/REP and PUB/SUB with CURVE (the subscription travels inside the CURVE box); REQ/REP with
 *   PLAIN; the endpoint path; heartbeats as WebSocket ping/pong;
 * - Debian's python3-zmq (libzmq 4.3.4, test/interop/peers/ws_peer.py): the classic types with NULL and
 *   CURVE, REQ/REP with PLAIN.
 * Every case also runs zocket against zocket. docs/ws-notes.md holds the wire facts.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as zmq from "zeromq";
import * as zocket from "../../src/index.ts";
import { closeAfter, delay, fingerprint, interopSuite, PyPeer, RFC26_KEYS, withTimeout } from "../helpers/sockets.ts";

const T = 10_000;

/** The part of the zeromq.js v6 API both libraries share, loosely typed. */
type Sock = Record<string, unknown> & {
  bind(a: string): Promise<void>;
  connect(a: string): void;
  close(): void;
  send(m: unknown): Promise<void>;
  receive(): Promise<Buffer[]>;
  subscribe(...t: string[]): void;
  readonly lastEndpoint: string | null;
};
type Ctor = new (o?: object) => Sock;
interface Lib {
  name: string;
  [type: string]: unknown;
}
const LIBS: Record<string, Lib> = {
  zocket: { name: "zocket", ...(zocket as unknown as Record<string, unknown>) },
  zeromq: { name: "zeromq", ...(zmq as unknown as Record<string, unknown>) },
};
const make = (lib: Lib, type: string, opts: object = {}): Sock => new (lib[type] as Ctor)({ linger: 0, ...opts });

type Mech = "null" | "plain" | "curve";
/** Options for the binding (server) and connecting (client) side of a mechanism. */
function mechOpts(mech: Mech, server: boolean): object {
  if (mech === "curve") {
    return server
      ? { curveServer: true, curveSecretKey: RFC26_KEYS.serverSecret, curvePublicKey: RFC26_KEYS.serverPublic }
      : {
          curveServerKey: RFC26_KEYS.serverPublic,
          curvePublicKey: RFC26_KEYS.clientPublic,
          curveSecretKey: RFC26_KEYS.clientSecret,
        };
  }
  if (mech === "plain") return server ? { plainServer: true } : { plainUsername: "admin", plainPassword: "secret" };
  return {};
}

const PAIRS: Array<[string, string]> = [
  ["zocket", "zocket"],
  ["zocket", "zeromq"],
  ["zeromq", "zocket"],
];

/**
 * PLAIN needs a ZAP handler on the server's side (libzmq refuses PLAIN without one): zocket's
 * Authenticator, or a hand-written one on zeromq.js, each in a context of its own.
 */
async function plainContext(t: TestContext, lib: Lib): Promise<object> {
  if (lib.name === "zocket") {
    const context = new zocket.Context();
    const auth = await new zocket.Authenticator({ context }).start();
    auth.configurePlain("*", { admin: "secret" });
    t.after(() => auth.stop());
    return { context };
  }
  const context = new zmq.Context();
  const zap = new zmq.Router({ context, linger: 0 });
  t.after(() => zap.close());
  await zap.bind("inproc://zeromq.zap.01");
  void (async () => {
    for await (const [id, , , rid, , , , , user, pass] of zap) {
      const ok = user?.toString() === "admin" && pass?.toString() === "secret";
      await zap.send([id!, "", "1.0", rid!, ok ? "200" : "400", "", ok ? "admin" : "", ""]);
    }
  })().catch(() => {});
  return { context };
}

/** Bind `a` (the server side of the mechanism) on ws, connect `b`; returns both. */
async function wire(
  t: TestContext,
  binder: Lib,
  bType: string,
  connector: Lib,
  cType: string,
  mech: Mech,
  path = "/zws",
): Promise<[Sock, Sock]> {
  const ctx = mech === "plain" ? await plainContext(t, binder) : {};
  const a = make(binder, bType, { ...mechOpts(mech, true), ...ctx });
  const b = make(connector, cType, mechOpts(mech, false));
  closeAfter(t, b, a);
  await a.bind(`ws://127.0.0.1:*${path}`);
  assert.match(a.lastEndpoint!, new RegExp(`^ws://127\\.0\\.0\\.1:\\d+${path}$`));
  b.connect(a.lastEndpoint!);
  return [a, b];
}

async function echoSuite(req: Sock, rep: Sock): Promise<void> {
  const serve = (async () => {
    for (let i = 0; i < interopSuite().length; i++) await rep.send(await rep.receive());
  })();
  for (const m of interopSuite()) {
    const want = m.map(fingerprint); // before the send: see docs/ws-notes.md §10
    await req.send(m);
    const got = await withTimeout(req.receive(), T, "echo");
    assert.deepEqual(got.map(fingerprint), want);
  }
  await serve;
}

describe("ws:// with libzmq 4.3.5 (zeromq package) and zocket", () => {
  for (const [bn, cn] of PAIRS) {
    const binder = LIBS[bn]!;
    const connector = LIBS[cn]!;
    const label = `${bn} binds, ${cn} connects`;

    for (const mech of ["null", "plain", "curve"] as const) {
      test(`REQ/REP ${mech}: ${label}`, async (t) => {
        const [rep, req] = await wire(t, binder, "Reply", connector, "Request", mech);
        await echoSuite(req, rep);
      });
    }

    test(`PUSH/PULL: ${label}`, async (t) => {
      const [pull, push] = await wire(t, binder, "Pull", connector, "Push", "null");
      for (const m of interopSuite()) await push.send(m);
      for (const m of interopSuite()) {
        const got = await withTimeout(pull.receive(), T, "pull");
        assert.deepEqual(got.map(fingerprint), m.map(fingerprint));
      }
    });

    test(`PULL binds as server... PUSH/PULL reversed: ${label}`, async (t) => {
      const [push, pull] = await wire(t, binder, "Push", connector, "Pull", "null");
      await push.send("one");
      assert.equal((await withTimeout(pull.receive(), T, "pull"))[0]!.toString(), "one");
    });

    for (const mech of ["null", "curve"] as const) {
      test(`PUB/SUB ${mech}, subscription filtered at the publisher: ${label}`, async (t) => {
        const [pub, sub] = await wire(t, binder, "Publisher", connector, "Subscriber", mech);
        sub.subscribe("A");
        const got: string[] = [];
        const reading = (async () => {
          while (got.length < 3) got.push((await sub.receive())[0]!.toString());
        })();
        for (let n = 0; got.length < 3 && n < 200; n++) {
          await pub.send(`B-${n}`);
          await pub.send(`A-${n}`);
          await delay(10);
        }
        await withTimeout(reading, T, "sub");
        assert.ok(
          got.every((m) => m.startsWith("A-")),
          got.join(","),
        );
      });

      test(`SUB binds, PUB connects (${mech}): ${label}`, async (t) => {
        const [sub, pub] = await wire(t, binder, "Subscriber", connector, "Publisher", mech);
        sub.subscribe("A");
        let got = "";
        const reading = sub.receive().then((m) => (got = m[0]!.toString()));
        for (let n = 0; got === "" && n < 200; n++) {
          await pub.send(`B-${n}`);
          await pub.send(`A-${n}`);
          await delay(10);
        }
        await withTimeout(reading, T, "sub");
        assert.match(got, /^A-/);
      });
    }

    test(`DEALER/ROUTER: ${label}`, async (t) => {
      const [router, dealer] = await wire(t, binder, "Router", connector, "Dealer", "null");
      await dealer.send(["x", "y"]);
      const [id, ...body] = await withTimeout(router.receive(), T, "router");
      assert.deepEqual(body.map(String), ["x", "y"]);
      await router.send([id!, "back"]);
      assert.deepEqual((await withTimeout(dealer.receive(), T, "dealer")).map(String), ["back"]);
    });

    test(`ROUTER connects to DEALER: ${label}`, async (t) => {
      const [dealer, router] = await wire(t, binder, "Dealer", connector, "Router", "null");
      await dealer.send("hi");
      const [id, body] = await withTimeout(router.receive(), T, "router");
      assert.equal(body!.toString(), "hi");
      await router.send([id!, "ho"]);
      assert.equal((await withTimeout(dealer.receive(), T, "dealer"))[0]!.toString(), "ho");
    });

    test(`PAIR: ${label}`, async (t) => {
      const [a, b] = await wire(t, binder, "Pair", connector, "Pair", "null", "/");
      await b.send("ping");
      assert.equal((await withTimeout(a.receive(), T, "pair"))[0]!.toString(), "ping");
      await a.send("pong");
      assert.equal((await withTimeout(b.receive(), T, "pair"))[0]!.toString(), "pong");
    });
  }

  test("a socket-type mismatch is refused over ws too (REQ to PULL): no message passes", async (t) => {
    const pull = make(LIBS.zeromq!, "Pull");
    const req = make(LIBS.zocket!, "Request");
    closeAfter(t, req, pull);
    await pull.bind("ws://127.0.0.1:*/");
    req.connect(pull.lastEndpoint!);
    void req.send("nope").catch(() => {});
    pull.receiveTimeout = 300;
    await assert.rejects(pull.receive(), (e: Error & { code?: string }) => e.code === "EAGAIN");
  });

  test("a mechanism mismatch finds no common subprotocol: the connection never opens", async (t) => {
    const rep = make(LIBS.zeromq!, "Reply", mechOpts("curve", true));
    const req = make(LIBS.zocket!, "Request");
    closeAfter(t, req, rep);
    await rep.bind("ws://127.0.0.1:*/");
    req.connect(rep.lastEndpoint!);
    void req.send("nope").catch(() => {});
    rep.receiveTimeout = 300;
    await assert.rejects(rep.receive(), (e: Error & { code?: string }) => e.code === "EAGAIN");
  });

  for (const [bn, cn] of [
    ["zocket", "zeromq"],
    ["zeromq", "zocket"],
  ] as const) {
    test(`heartbeats are WebSocket pings and keep an idle link: ${bn} binds, ${cn} connects`, async (t) => {
      const hb = { heartbeatInterval: 50, heartbeatTimeout: 150 };
      const rep = make(LIBS[bn]!, "Reply", hb);
      const req = make(LIBS[cn]!, "Request", hb);
      closeAfter(t, req, rep);
      const events: string[] = [];
      if (cn === "zocket") {
        void (async () => {
          for await (const e of (req as unknown as zocket.Socket).events) events.push(e.type);
        })();
      }
      await rep.bind("ws://127.0.0.1:*/hb");
      req.connect(rep.lastEndpoint!);
      await req.send("a");
      await rep.send(await rep.receive());
      await req.receive();
      await delay(800); // many intervals and timeouts with nothing but pings and pongs
      await req.send("b");
      await rep.send(await withTimeout(rep.receive(), T, "rep"));
      assert.equal((await withTimeout(req.receive(), T, "req"))[0]!.toString(), "b");
      assert.ok(!events.includes("disconnect"), events.join(","));
    });
  }
});

describe("ws:// with libzmq 4.3.4 (Debian python3-zmq)", () => {
  /** Start a python peer; its READY line gives the endpoint. */
  const peer = (t: TestContext, role: string, how: "bind" | "connect", endpoint: string, mech: Mech) =>
    PyPeer.start(t, "ws_peer.py", [role, how, endpoint, mech]);

  async function zocketBinds(t: TestContext, type: string, mech: Mech): Promise<Sock> {
    const ctx = mech === "plain" ? await plainContext(t, LIBS.zocket!) : {};
    const s = make(LIBS.zocket!, type, { ...mechOpts(mech, true), ...ctx });
    closeAfter(t, s);
    await s.bind("ws://127.0.0.1:*/deb");
    return s;
  }

  for (const mech of ["null", "plain", "curve"] as const) {
    test(`REQ/REP ${mech}: zocket REQ connects to python REP`, async (t) => {
      const { peer: py, endpoint } = await peer(t, "rep", "bind", "ws://127.0.0.1:*/deb", mech);
      const req = make(LIBS.zocket!, "Request", mechOpts(mech, false));
      closeAfter(t, req);
      req.connect(endpoint);
      for (const m of interopSuite()) {
        await req.send(m);
        assert.deepEqual((await withTimeout(req.receive(), T, "echo")).map(fingerprint), m.map(fingerprint));
      }
      await req.send("quit");
      await req.receive();
      assert.equal(await py.exited, 0);
    });

    test(`REQ/REP ${mech}: python REQ connects to zocket REP`, async (t) => {
      const rep = await zocketBinds(t, "Reply", mech);
      const { peer: py } = await peer(t, "req", "connect", rep.lastEndpoint!, mech);
      for (let i = 0; i < interopSuite().length; i++) await rep.send(await withTimeout(rep.receive(), T, "rep"));
      await py.waitLine((l) => l === "DONE OK", T);
    });
  }

  test("PUSH/PULL: python PUSH binds, zocket PULL connects", async (t) => {
    const { endpoint } = await peer(t, "push", "bind", "ws://127.0.0.1:*/deb", "null");
    const pull = make(LIBS.zocket!, "Pull");
    closeAfter(t, pull);
    pull.connect(endpoint);
    for (const m of interopSuite()) {
      assert.deepEqual((await withTimeout(pull.receive(), T, "pull")).map(fingerprint), m.map(fingerprint));
    }
  });

  test("PUSH/PULL: zocket PUSH binds, python PULL connects", async (t) => {
    const push = await zocketBinds(t, "Push", "null");
    const { peer: py } = await peer(t, "pull", "connect", push.lastEndpoint!, "null");
    const suite = interopSuite();
    for (const m of suite) await push.send(m);
    for (let i = 0; i < suite.length; i++) {
      await py.waitLine((l) => l === `RECV ${i} ${suite[i]!.map(fingerprint).join(",")}`, T);
    }
    await push.send("quit");
  });

  for (const mech of ["null", "curve"] as const) {
    test(`PUB/SUB ${mech}: python PUB binds, zocket SUB connects and filters`, async (t) => {
      const { peer: py, endpoint } = await peer(t, "pub", "bind", "ws://127.0.0.1:*/deb", mech);
      const sub = make(LIBS.zocket!, "Subscriber", mechOpts(mech, false));
      closeAfter(t, sub);
      sub.connect(endpoint);
      sub.subscribe("A");
      for (let i = 0; i < 3; i++) assert.match((await withTimeout(sub.receive(), T, "sub"))[0]!.toString(), /^A-/);
      py.proc.stdin.end();
    });

    test(`PUB/SUB ${mech}: zocket PUB binds, python SUB connects and subscribes`, async (t) => {
      const pub = await zocketBinds(t, "Publisher", mech);
      const { peer: py } = await peer(t, "sub", "connect", pub.lastEndpoint!, mech);
      const publishing = (async () => {
        for (let n = 0; n < 300 && py.history.filter((l) => l.startsWith("RECV")).length < 3; n++) {
          await pub.send(`B-${n}`);
          await pub.send(`A-${n}`);
          await delay(10);
        }
      })();
      for (let i = 0; i < 3; i++) await py.waitLine((l) => /^RECV A-\d+$/.test(l), T);
      await publishing;
      assert.ok(!py.history.some((l) => l.startsWith("RECV B")), py.history.join(" | "));
    });
  }

  test("DEALER/ROUTER: zocket DEALER connects to python ROUTER", async (t) => {
    const { endpoint } = await peer(t, "router", "bind", "ws://127.0.0.1:*/deb", "null");
    const dealer = make(LIBS.zocket!, "Dealer");
    closeAfter(t, dealer);
    dealer.connect(endpoint);
    for (const m of interopSuite()) {
      await dealer.send(m);
      assert.deepEqual((await withTimeout(dealer.receive(), T, "echo")).map(fingerprint), m.map(fingerprint));
    }
  });

  test("DEALER/ROUTER: python DEALER connects to zocket ROUTER", async (t) => {
    const router = await zocketBinds(t, "Router", "null");
    const { peer: py } = await peer(t, "dealer", "connect", router.lastEndpoint!, "null");
    for (let i = 0; i < interopSuite().length; i++) await router.send(await withTimeout(router.receive(), T, "r"));
    await py.waitLine((l) => l === "DONE OK", T);
  });

  test("PAIR: python PAIR binds, zocket PAIR connects", async (t) => {
    const { endpoint } = await peer(t, "pair", "bind", "ws://127.0.0.1:*/", "null");
    const pair = make(LIBS.zocket!, "Pair");
    closeAfter(t, pair);
    pair.connect(endpoint);
    await pair.send(["p", "q"]);
    assert.deepEqual((await withTimeout(pair.receive(), T, "pair")).map(String), ["p", "q"]);
    await pair.send("quit");
  });
});
