// Proxy (zeromq.js's API over libzmq zmq_proxy_steerable semantics). The behavioural tests run against
// zocket AND the `zeromq` package; the capture socket is a zocket addition and is tested on zocket.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as zmq from "zeromq";
import * as zocket from "../../src/index.ts";
import { withTimeout } from "../helpers/sockets.ts";

/** Bound on a proxy's run() settling after terminate() (or a socket close): a hang fails here, named. */
const RUN_MS = 10000;

type Frame = string | Buffer;
interface Sock {
  linger: number;
  readonly lastEndpoint: string | null;
  readonly closed: boolean;
  bind(address: string): Promise<void>;
  connect(address: string): void;
  close(): void;
}
interface Sender extends Sock {
  sendTimeout: number;
  sendHighWaterMark: number;
  send(message: Frame | Frame[]): Promise<void>;
}
interface Receiver extends Sock {
  receiveTimeout: number;
  receiveHighWaterMark: number;
  receive(): Promise<Buffer[]>;
}
interface Sub extends Receiver {
  subscribe(...topics: Frame[]): void;
}
interface ProxyLike {
  readonly frontEnd: Sock;
  readonly backEnd: Sock;
  run(): Promise<void>;
  pause(): void;
  resume(): void;
  terminate(): void;
}
interface Lib {
  name: string;
  Publisher: new () => Sender;
  Subscriber: new () => Sub;
  XPublisher: new () => Sender & Receiver;
  XSubscriber: new () => Sender & Receiver;
  Push: new () => Sender;
  Pull: new () => Receiver;
  Proxy: new (front: Sock, back: Sock) => ProxyLike;
}
function lib(name: string, m: unknown): Lib {
  const o = m as Record<string, unknown>;
  const pick = <K extends keyof Lib>(k: K): Lib[K] => o[k] as Lib[K];
  return {
    name,
    Publisher: pick("Publisher"),
    Subscriber: pick("Subscriber"),
    XPublisher: pick("XPublisher"),
    XSubscriber: pick("XSubscriber"),
    Push: pick("Push"),
    Pull: pick("Pull"),
    Proxy: pick("Proxy"),
  };
}
const LIBS = [lib("zocket", zocket), lib("zeromq", zmq)];

let seq = 0;
const inproc = (): string => `inproc://proxy-test-${process.pid}-${++seq}`;

function factory(t: TestContext) {
  const made: Sock[] = [];
  t.after(() => {
    for (const s of made) if (!s.closed) s.close();
  });
  return <S extends object>(Ctor: new () => S): S => {
    const s = new Ctor();
    const any = s as unknown as Sock & { receiveTimeout?: number };
    any.linger = 0;
    if ("receiveTimeout" in s) any.receiveTimeout = 5000;
    made.push(any);
    return s;
  };
}

async function bindAny(s: Sock, transport: "tcp" | "inproc"): Promise<string> {
  await s.bind(transport === "tcp" ? "tcp://127.0.0.1:*" : inproc());
  return s.lastEndpoint!;
}

const str = (m: Buffer[]): string => m.map((f) => f.toString()).join("|");

for (const L of LIBS) {
  test(`[${L.name}] Proxy.run() needs both sockets bound or connected; pause/resume/terminate need a running proxy`, async (t) => {
    const make = factory(t);
    const proxy = new L.Proxy(make(L.Pull), make(L.Push));
    for (const op of ["pause", "resume", "terminate"] as const) {
      assert.throws(() => proxy[op](), { code: "EBADF", message: "Socket is closed" });
    }
    // zeromq.js throws these synchronously (no promise is returned).
    assert.throws(() => proxy.run(), { message: "Front-end socket must be bound or connected" });
    await proxy.frontEnd.bind(inproc());
    assert.throws(() => proxy.run(), { code: "EINVAL", message: "Back-end socket must be bound or connected" });
    proxy.backEnd.connect(inproc());
    setTimeout(() => proxy.terminate(), 20);
    await withTimeout(proxy.run(), RUN_MS, "run() to settle after terminate()");
    assert.equal(proxy.frontEnd.closed, true);
    assert.equal(proxy.backEnd.closed, true);
    assert.throws(() => proxy.terminate(), { code: "EBADF" });
  });

  for (const tr of ["tcp", "inproc"] as const) {
    test(`[${L.name} ${tr}] XSUB/XPUB proxy: subscriptions go up, matching data comes down`, async (t) => {
      const make = factory(t);
      const proxy = new L.Proxy(make(L.XSubscriber), make(L.XPublisher));
      const front = await bindAny(proxy.frontEnd, tr);
      const back = await bindAny(proxy.backEnd, tr);
      const run = proxy.run();
      const pub = make(L.Publisher);
      pub.connect(front);
      const sub = make(L.Subscriber);
      sub.connect(back);
      sub.subscribe("weather");
      sub.receiveTimeout = 20;
      let got: Buffer[] | null = null;
      const deadline = Date.now() + 5000;
      while (got === null) {
        // The subscription crosses the proxy first: publish until it arrives (slow joiner).
        await pub.send(["sports", "x"]);
        await pub.send(["weather", "sunny"]);
        try {
          got = await sub.receive();
        } catch (err) {
          if (Date.now() > deadline) throw err;
        }
      }
      assert.equal(str(got), "weather|sunny");
      proxy.terminate();
      await withTimeout(run, RUN_MS, "run() to settle after terminate()");
      assert.equal(proxy.frontEnd.closed && proxy.backEnd.closed, true);
    });
  }

  test(`[${L.name}] Proxy pause() holds messages until resume(); PUSH/PULL one-way proxy`, async (t) => {
    // zeromq.js pauses through a control socket the proxy thread polls: asynchronous, so a message sent
    // right after pause() may still pass. zocket's pause() takes effect at once.
    if (L.name !== "zocket") return;
    const make = factory(t);
    const proxy = new L.Proxy(make(L.Pull), make(L.Push));
    const front = await bindAny(proxy.frontEnd, "inproc");
    const back = await bindAny(proxy.backEnd, "inproc");
    const run = proxy.run();
    const push = make(L.Push);
    push.connect(front);
    const pull = make(L.Pull);
    pull.connect(back);
    await push.send("one");
    assert.equal(str(await pull.receive()), "one");
    proxy.pause();
    await push.send("two");
    pull.receiveTimeout = 150; // asserting an absence needs some wait
    await assert.rejects(pull.receive(), { code: "EAGAIN" });
    proxy.resume();
    pull.receiveTimeout = 5000;
    assert.equal(str(await pull.receive()), "two");
    proxy.terminate();
    await withTimeout(run, RUN_MS, "run() to settle after terminate()");
  });

  test(`[${L.name}] Proxy keeps back-pressure: a stalled consumer eventually blocks the producer`, async (t) => {
    const make = factory(t);
    const proxy = new L.Proxy(make(L.Pull), make(L.Push));
    (proxy.frontEnd as Receiver).receiveHighWaterMark = 5;
    (proxy.backEnd as Sender).sendHighWaterMark = 5;
    const front = await bindAny(proxy.frontEnd, "inproc");
    const back = await bindAny(proxy.backEnd, "inproc");
    const run = proxy.run();
    const push = make(L.Push);
    push.sendHighWaterMark = 5;
    push.sendTimeout = 200;
    push.connect(front);
    const pull = make(L.Pull);
    pull.receiveHighWaterMark = 5;
    pull.connect(back); // never reads
    let sent = 0;
    let blocked = false;
    for (let i = 0; i < 1000; i++) {
      try {
        await push.send(`m${i}`);
        sent++;
      } catch (err) {
        assert.equal((err as { code?: string }).code, "EAGAIN");
        blocked = true;
        break;
      }
    }
    assert.ok(blocked, `the producer should block, sent ${sent}`);
    assert.ok(sent < 100, `queues are small, sent ${sent}`);
    // libzmq's proxy forwards a burst of messages with blocking sends, so with a stalled consumer its thread
    // may be stuck in a send and never see TERMINATE on its control socket (zeromq.js's run() would then
    // never settle). Consume until run() settles, as an application shutting down would; what comes out
    // comes in order (what the proxy still holds at terminate() is dropped, linger 0).
    let stopped = false;
    let received = 0;
    pull.receiveTimeout = 50;
    const drain = (async () => {
      while (!stopped) {
        try {
          const [m] = await pull.receive();
          assert.equal(m!.toString(), `m${received++}`);
        } catch (err) {
          if ((err as { code?: string }).code !== "EAGAIN") throw err;
        }
      }
    })();
    proxy.terminate();
    try {
      await withTimeout(run, RUN_MS, "run() to settle after terminate()");
    } finally {
      stopped = true; // also on a timeout, so the drain loop ends
    }
    await drain;
    assert.ok(received <= sent, `received ${received} of ${sent}`);
  });
}

test("[zocket] Proxy capture socket gets a copy of every message, both directions", async (t) => {
  const make = factory(t);
  const capture = make(zocket.Push);
  const tap = make(zocket.Pull);
  tap.connect(await bindAny(capture, "inproc"));
  const proxy = new zocket.Proxy(make(zocket.XSubscriber), make(zocket.XPublisher));
  proxy.capture = capture;
  const front = await bindAny(proxy.frontEnd, "inproc");
  const back = await bindAny(proxy.backEnd, "inproc");
  const run = proxy.run();
  const pub = make(zocket.Publisher);
  pub.connect(front);
  const sub = make(zocket.Subscriber);
  sub.connect(back);
  sub.subscribe("t");
  assert.equal((await tap.receive())[0]!.toString("latin1"), "\x01t");
  // The copy goes to the capture socket before the message is forwarded: publish until it has crossed.
  sub.receiveTimeout = 20;
  let got: Buffer[] | null = null;
  for (let i = 0; got === null; i++) {
    await pub.send(["t1", `body${i}`]);
    try {
      got = await sub.receive();
    } catch (err) {
      if (i > 200) throw err;
    }
  }
  assert.equal(str(await tap.receive()), str(got), "the first message forwarded down was captured");
  proxy.terminate();
  await withTimeout(run, RUN_MS, "run() to settle after terminate()");
  assert.equal(capture.closed, false, "the capture socket is the caller's");
});

test("[zocket] Proxy statistics count messages and bytes per socket; the observer hears each forward", async (t) => {
  const make = factory(t);
  const proxy = new zocket.Proxy(make(zocket.Pull), make(zocket.Push));
  const forwarded: string[] = [];
  proxy.observer = {
    forwarded: (msg, from) => forwarded.push(`${str(msg)} from ${from === proxy.frontEnd ? "front" : "back"}`),
  };
  const front = await bindAny(proxy.frontEnd, "inproc");
  const back = await bindAny(proxy.backEnd, "inproc");
  const run = proxy.run();
  const push = make(zocket.Push);
  push.connect(front);
  const pull = make(zocket.Pull);
  pull.connect(back);
  await push.send(["ab", "cde"]);
  await push.send("f");
  assert.equal(str(await pull.receive()), "ab|cde");
  assert.equal(str(await pull.receive()), "f");
  assert.deepEqual(forwarded, ["ab|cde from front", "f from front"]);
  assert.deepEqual(proxy.statistics, {
    frontEnd: { messagesIn: 2, bytesIn: 6, messagesOut: 0, bytesOut: 0 },
    backEnd: { messagesIn: 0, bytesIn: 0, messagesOut: 2, bytesOut: 6 },
  });
  proxy.terminate();
  await withTimeout(run, RUN_MS, "run() to settle after terminate()");
});

test("[zocket] a failed forward stops the proxy: the observer hears its side, run() rejects with it", async (t) => {
  const make = factory(t);
  const back = make(zocket.Router);
  back.mandatory = true;
  const proxy = new zocket.Proxy(make(zocket.Pull), back);
  const failures: string[] = [];
  proxy.observer = {
    failed: (err, from) =>
      failures.push(`${(err as zocket.ZmqError).code} from ${from === proxy.frontEnd ? "front" : "back"}`),
  };
  const front = await bindAny(proxy.frontEnd, "inproc");
  await bindAny(proxy.backEnd, "inproc");
  const run = proxy.run();
  const push = make(zocket.Push);
  push.connect(front);
  await push.send(["nobody", "hello"]); // the ROUTER back-end has no such peer: EHOSTUNREACH
  await assert.rejects(withTimeout(run, RUN_MS, "run() to settle after the failure"), { code: "EHOSTUNREACH" });
  assert.deepEqual(failures, ["EHOSTUNREACH from front"]);
  assert.equal(proxy.frontEnd.closed && proxy.backEnd.closed, true);
  assert.equal(proxy.statistics.backEnd.messagesOut, 0);
});

test("[zocket] Proxy constructor checks its arguments", () => {
  assert.throws(() => new zocket.Proxy({} as zocket.Socket, new zocket.Push()), { code: "EINVAL" });
});

test("[zocket] closing a proxied socket ends run() (and closes the other)", async (t) => {
  const make = factory(t);
  const proxy = new zocket.Proxy(make(zocket.Pull), make(zocket.Push));
  await proxy.frontEnd.bind(inproc());
  await proxy.backEnd.bind(inproc());
  const run = proxy.run();
  proxy.frontEnd.close();
  await withTimeout(run, RUN_MS, "run() to settle after the front-end closed");
  assert.equal(proxy.backEnd.closed, true);
});

test("[zocket] examples/forwarder.ts: XSUB/XPUB forwarder with a capture socket runs and finishes", async () => {
  const { runForwarder } = await import("../../examples/forwarder.ts");
  const r = await withTimeout(runForwarder({ updates: 5 }), 15000, "the forwarder example to finish");
  assert.equal(r.received.get("london")!.length, 5);
  assert.equal(r.received.get("tokyo")!.length, 5);
  assert.ok(r.received.get("london")!.every((m) => m.startsWith("weather.london ")));
  assert.equal(r.sent.get("paris"), 0, "nobody reads paris: the stations never send it");
  assert.ok(r.captured.subscriptions >= 2 && r.captured.updates >= 10);
});
