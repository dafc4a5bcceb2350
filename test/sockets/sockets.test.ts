/**
 * PAIR / PUSH / PULL / DEALER behaviour over tcp, ipc and inproc — run against zocket AND the `zeromq`
 * package (libzmq 4.3.5), so every assertion here is one libzmq satisfies too. Where the two differ,
 * zocket is wrong unless libzmq documents otherwise.
 *
 * Set ZOCKET_TEST_IMPL=zocket (or zeromq) to run one implementation only. zocket-only tests that were
 * here: test/transports/endpoints.test.ts, test/sockets/lifetime.test.ts, test/sockets/message-properties.test.ts.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as zmq from "zeromq";
import * as z from "../../src/index.ts";
import {
  bindAddress,
  closeAfter,
  delay,
  freePort,
  TRANSPORTS,
  waitUntil,
  withTimeout,
  type Transport,
} from "../helpers/sockets.ts";

// ------------------------------------------------------------------------------------ the two implementations

interface Ev {
  type: string;
  address?: string;
  interval?: number;
  error?: { code?: string };
}

/** What these tests use of a socket; both zocket's and zeromq.js's classes have it. */
interface Sock {
  bind(address: string): Promise<void>;
  unbind(address: string): Promise<void>;
  connect(address: string): void;
  disconnect(address: string): void;
  close(): void;
  readonly closed: boolean;
  readonly lastEndpoint: string | null;
  readonly readable: boolean;
  readonly writable: boolean;
  linger: number;
  sendTimeout: number;
  receiveTimeout: number;
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  immediate: boolean;
  reconnectInterval: number;
  readonly events: { on(type: string, listener: (e: Ev) => void): unknown };
}
interface Sender extends Sock {
  send(message: unknown): Promise<void>;
}
interface Receiver extends Sock {
  receive(): Promise<Buffer[]>;
  [Symbol.asyncIterator](): AsyncIterator<Buffer[], undefined>;
}
type Duplex = Sender & Receiver;
type Ctor<T> = new (options?: Record<string, unknown>) => T;

interface Impl {
  name: string;
  Pair: Ctor<Duplex>;
  Push: Ctor<Sender>;
  Pull: Ctor<Receiver>;
  Dealer: Ctor<Duplex>;
}

const ALL_IMPLS: Impl[] = [
  {
    name: "zocket",
    Pair: z.Pair as unknown as Ctor<Duplex>,
    Push: z.Push as unknown as Ctor<Sender>,
    Pull: z.Pull as unknown as Ctor<Receiver>,
    Dealer: z.Dealer as unknown as Ctor<Duplex>,
  },
  {
    name: "zeromq",
    Pair: zmq.Pair as unknown as Ctor<Duplex>,
    Push: zmq.Push as unknown as Ctor<Sender>,
    Pull: zmq.Pull as unknown as Ctor<Receiver>,
    Dealer: zmq.Dealer as unknown as Ctor<Duplex>,
  },
];
const only = process.env["ZOCKET_TEST_IMPL"];
const IMPLS = ALL_IMPLS.filter((i) => only === undefined || only === "" || only === "both" || i.name === only);

/** Bind `binder` on a fresh endpoint of `tr`; returns the endpoint to connect to. */
async function bindFresh(binder: Sock, tr: Transport): Promise<string> {
  await binder.bind(bindAddress(tr, "sk"));
  assert.ok(binder.lastEndpoint);
  return binder.lastEndpoint;
}

/** An endpoint nobody is bound to (yet). */
async function unboundEndpoint(tr: Transport): Promise<string> {
  if (tr === "tcp") return `tcp://127.0.0.1:${await freePort()}`;
  return bindAddress(tr, "ub");
}

/**
 * `op` must fail with `code`, by a rejected promise or a synchronous throw (`await` sees both the same
 * way; where the difference matters, as for EBUSY, the test checks the throw itself).
 */
async function expectCode(op: () => Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(
    async () => op(),
    (err: { code?: string }) => {
      assert.equal(err.code, code);
      return true;
    },
  );
}

/**
 * Bind `s` to `ep`, retrying while the address is still in use: libzmq closes a listener asynchronously
 * (in its I/O thread) after unbind()/close(), so an immediate re-bind of the same tcp port may fail with
 * EADDRINUSE for a moment. Any other error, or EADDRINUSE past the deadline, is thrown.
 */
async function bindRetry(s: Sock, ep: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await s.bind(ep);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== "EADDRINUSE" || Date.now() > deadline) throw err;
      await delay(20);
    }
  }
}

/**
 * Watch `s` for the "close" event of its listener on `ep` (register before the unbind()/close()). libzmq
 * closes the listener later in its I/O thread, and over ipc that close unlinks the socket file: a re-bind
 * before it would have its new file removed under it, so wait for the event first.
 */
function watchListenerClose(s: Sock, ep: string): () => boolean {
  let closed = false;
  s.events.on("close", (e) => {
    if (e.address === ep) closed = true;
  });
  return () => closed;
}

/** Receive `n` messages, each within `ms`. */
async function receiveN(r: Receiver, n: number, what: string, ms = 5000): Promise<Buffer[][]> {
  const out: Buffer[][] = [];
  for (let i = 0; i < n; i++) out.push(await withTimeout(r.receive(), ms, `${what} (${i + 1} of ${n})`));
  return out;
}

async function drain(r: Receiver, ms = 300): Promise<Buffer[][]> {
  r.receiveTimeout = ms;
  const out: Buffer[][] = [];
  for (;;) {
    try {
      out.push(await r.receive());
    } catch (err) {
      if ((err as { code?: string }).code === "EAGAIN") return out;
      throw err;
    }
  }
}

const SIZES = [0, 1, 255, 256, 65536, 1024 * 1024];
const sized = (n: number, seed: number): Buffer => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i + seed) & 0xff;
  return b;
};

for (const impl of IMPLS) {
  for (const tr of TRANSPORTS) {
    const tag = `[${impl.name} ${tr}]`;
    describe(tag, () => {
      test(`${tag} PAIR: multipart both ways, frames of ${SIZES.join("/")} bytes`, async (t) => {
        const a = new impl.Pair();
        const b = new impl.Pair();
        closeAfter(t, a, b);
        b.connect(await bindFresh(a, tr));
        const msg = SIZES.map((n, i) => sized(n, i));
        await a.send(msg);
        assert.deepEqual(await withTimeout(b.receive(), 5000, "b.receive"), msg);
        await b.send(["back", Buffer.alloc(0), "x"]);
        assert.deepEqual(await withTimeout(a.receive(), 5000, "a.receive"), [
          Buffer.from("back"),
          Buffer.alloc(0),
          Buffer.from("x"),
        ]);
        for (const n of SIZES) {
          await b.send(sized(n, 7));
          assert.deepEqual(await withTimeout(a.receive(), 5000, `a.receive ${n} bytes`), [sized(n, 7)]);
        }
      });

      test(`${tag} PUSH/PULL: 2000 messages arrive in order, multipart intact`, async (t) => {
        const pull = new impl.Pull();
        const push = new impl.Push();
        closeAfter(t, push, pull);
        push.connect(await bindFresh(pull, tr));
        const N = 2000;
        const sender = (async () => {
          for (let i = 0; i < N; i++) await push.send(i % 10 === 0 ? [String(i), "", "tail"] : String(i));
        })();
        for (let i = 0; i < N; i++) {
          const m = await withTimeout(pull.receive(), 5000, `message ${i}`);
          assert.deepEqual(
            m,
            i % 10 === 0 ? [Buffer.from(String(i)), Buffer.alloc(0), Buffer.from("tail")] : [Buffer.from(String(i))],
          );
        }
        await sender;
      });

      test(`${tag} DEALER<->DEALER: both directions, round-robin over two peers`, async (t) => {
        const d = new impl.Dealer();
        const p1 = new impl.Dealer();
        const p2 = new impl.Dealer();
        closeAfter(t, d, p1, p2);
        const ep = await bindFresh(d, tr);
        p1.connect(ep);
        p2.connect(ep);
        // Wait until both peers are attached: each sends one hello that d receives.
        await p1.send("h1");
        await p2.send("h2");
        const hellos = (await receiveN(d, 2, "hellos")).map((m) => m.toString()).sort();
        assert.deepEqual(hellos, ["h1", "h2"]);
        for (let i = 0; i < 4; i++) await d.send(["m", String(i)]);
        // Two each arrive (however slowly), then nothing more: the short drain only bounds the absence.
        const got1 = [...(await receiveN(p1, 2, "p1's half")), ...(await drain(p1, 200))];
        const got2 = [...(await receiveN(p2, 2, "p2's half")), ...(await drain(p2, 200))];
        assert.equal(got1.length, 2, "round-robin: half each");
        assert.equal(got2.length, 2);
        await p1.send(["reply", Buffer.alloc(300, 1)]);
        assert.deepEqual(await withTimeout(d.receive(), 5000, "reply"), [Buffer.from("reply"), Buffer.alloc(300, 1)]);
      });

      test(`${tag} sendTimeout: 0 = EAGAIN at once, N = EAGAIN after ~N ms, -1 = waits until a peer appears`, async (t) => {
        const push = new impl.Push();
        const pull = new impl.Pull();
        closeAfter(t, push, pull);
        push.sendTimeout = 0;
        await expectCode(() => push.send("x"), "EAGAIN");
        push.sendTimeout = 150;
        const t0 = Date.now();
        await expectCode(() => push.send("x"), "EAGAIN");
        const took = Date.now() - t0;
        assert.ok(took >= 130 && took < 1500, `EAGAIN after ${took} ms`);
        if (impl.name === "zeromq" && tr === "inproc") {
          // zeromq.js waits on libzmq's fd, which an inproc attach does not signal: a blocked send
          // stays blocked (a zeromq.js limitation; zocket retries on every new pipe).
          return;
        }
        push.sendTimeout = -1;
        const pending = push.send("late");
        const ep = await bindFresh(pull, tr);
        push.connect(ep);
        await withTimeout(pending, 3000, "the blocked send");
        assert.deepEqual(await withTimeout(pull.receive(), 3000, "receive"), [Buffer.from("late")]);
      });

      test(`${tag} receiveTimeout: 0 = EAGAIN at once, N = EAGAIN after ~N ms, -1 = waits for a message`, async (t) => {
        const pull = new impl.Pull();
        const push = new impl.Push();
        closeAfter(t, push, pull);
        push.connect(await bindFresh(pull, tr));
        pull.receiveTimeout = 0;
        await expectCode(() => pull.receive(), "EAGAIN");
        pull.receiveTimeout = 150;
        const t0 = Date.now();
        await expectCode(() => pull.receive(), "EAGAIN");
        const took = Date.now() - t0;
        assert.ok(took >= 130 && took < 1500, `EAGAIN after ${took} ms`);
        pull.receiveTimeout = -1;
        const pending = pull.receive();
        await delay(50);
        await push.send("now");
        assert.deepEqual(await withTimeout(pending, 3000, "receive"), [Buffer.from("now")]);
      });

      test(`${tag} EBUSY: a second send or receive while one is pending`, async (t) => {
        const push = new impl.Push({ sendTimeout: 300 });
        const pull = new impl.Pull({ receiveTimeout: 300 });
        closeAfter(t, push, pull);
        const s1 = push.send("a");
        // zeromq.js throws these synchronously (the promise is never made).
        const busyWriting = "Socket is busy writing; only one send operation may be in progress at any time";
        assert.throws(() => void push.send("b"), { code: "EBUSY", message: busyWriting });
        const r1 = pull.receive();
        const busyReading = "Socket is busy reading; only one receive operation may be in progress at any time";
        assert.throws(() => void pull.receive(), { code: "EBUSY", message: busyReading });
        await expectCode(() => s1, "EAGAIN");
        await expectCode(() => r1, "EAGAIN");
      });

      test(`${tag} HWM: PUSH blocks when full (EAGAIN with sendTimeout 0) and no accepted message is lost`, async (t) => {
        const pull = new impl.Pull({ receiveHighWaterMark: 5 });
        const push = new impl.Push({ sendHighWaterMark: 5, sendTimeout: 0 });
        closeAfter(t, push, pull);
        push.connect(await bindFresh(pull, tr));
        // Let the connection come up, then fill everything without reading. Over tcp/ipc the kernel
        // buffers hold megabytes too, so the messages are big enough (64 KiB) to fill them quickly.
        await waitUntil(() => push.writable, 3000, "push writable");
        const body = tr === "inproc" ? Buffer.from("x") : Buffer.alloc(64 * 1024, 0x5a);
        let accepted = 0;
        const deadline = Date.now() + 8000;
        for (;;) {
          try {
            await push.send([String(accepted), body]);
            accepted++;
          } catch (err) {
            assert.equal((err as { code?: string }).code, "EAGAIN");
            // The engine drains the pipe into the kernel between tries: go on until a try stays
            // refused after the I/O had a chance to run.
            await delay(50);
            if (!push.writable) break;
          }
          assert.ok(Date.now() < deadline, `PUSH never blocked (${accepted} accepted)`);
        }
        if (tr === "inproc") assert.equal(accepted, 10, "inproc pipe HWM = SNDHWM + RCVHWM");
        else assert.ok(accepted >= 10, `accepted ${accepted}`);
        assert.equal(push.writable, false);
        const got = await drain(pull, 500);
        assert.equal(got.length, accepted, "every accepted message arrives");
        got.forEach((m, i) => assert.deepEqual(m, [Buffer.from(String(i)), body]));
        await waitUntil(() => push.writable, 3000, "push writable again");
      });

      test(`${tag} connect before bind: messages sent meanwhile are delivered`, async (t) => {
        const push = new impl.Push({ reconnectInterval: 50 });
        const pull = new impl.Pull();
        closeAfter(t, push, pull);
        const ep = await unboundEndpoint(tr);
        push.connect(ep);
        for (let i = 0; i < 3; i++) await withTimeout(push.send(`early${i}`), 2000, "send before bind");
        await delay(120);
        await pull.bind(ep);
        for (let i = 0; i < 3; i++)
          assert.deepEqual(await withTimeout(pull.receive(), 3000, "receive"), [Buffer.from(`early${i}`)]);
      });

      if (tr !== "inproc") {
        test(`${tag} immediate: no pipe until connected, so send blocks; flows once the peer binds`, async (t) => {
          const push = new impl.Push({ immediate: true, reconnectInterval: 50, sendTimeout: 100 });
          const pull = new impl.Pull();
          closeAfter(t, push, pull);
          const ep = await unboundEndpoint(tr);
          push.connect(ep);
          await expectCode(() => push.send("too early"), "EAGAIN");
          assert.equal(push.writable, false);
          await pull.bind(ep);
          push.sendTimeout = 3000;
          await push.send("on time");
          assert.deepEqual(await withTimeout(pull.receive(), 3000, "receive"), [Buffer.from("on time")]);
        });

        test(`${tag} reconnect after the peer restarts on the same endpoint`, async (t) => {
          const push = new impl.Push({ reconnectInterval: 50, linger: 0 });
          const pull1 = new impl.Pull({ linger: 0 });
          closeAfter(t, push, pull1);
          const ep = await bindFresh(pull1, tr);
          push.connect(ep);
          await push.send("before");
          assert.deepEqual(await withTimeout(pull1.receive(), 5000, "before"), [Buffer.from("before")]);
          const pull1Closed = watchListenerClose(pull1, ep);
          pull1.close();
          await waitUntil(pull1Closed, 5000, "the old listener to close");
          const pull2 = new impl.Pull({ receiveTimeout: 100 });
          closeAfter(t, pull2);
          await bindRetry(pull2, ep);
          // Messages sent while the old connection dies may be lost with it; keep sending until one arrives.
          push.sendTimeout = 100;
          let got: Buffer[] | undefined;
          const deadline = Date.now() + 5000;
          for (let i = 0; got === undefined; i++) {
            assert.ok(Date.now() < deadline, "no message after the restart");
            await push.send(`after${i}`).catch(() => undefined);
            got = await pull2.receive().catch(() => undefined);
          }
          assert.match(got[0]!.toString(), /^after\d+$/);
        });

        // The finite linger is long enough for the peer to come on a slow machine: it must cover the 100 ms
        // below, the bind, the next reconnect attempt (up to two reconnect intervals with libzmq's jitter)
        // and the handshake. That a peer coming after the linger gets nothing is tested further down.
        for (const linger of [-1, 0, 3000]) {
          test(`${tag} linger ${linger}: queued messages on close ${linger === 0 ? "are dropped" : "are delivered when the peer comes"}`, async (t) => {
            const push = new impl.Push({ linger, reconnectInterval: 50 });
            const pull = new impl.Pull();
            closeAfter(t, push, pull);
            const ep = await unboundEndpoint(tr);
            push.connect(ep);
            for (let i = 0; i < 3; i++) await push.send(`q${i}`);
            push.close();
            await delay(100);
            await pull.bind(ep);
            if (linger === 0) {
              assert.equal((await drain(pull, 400)).length, 0);
            } else {
              const got = [...(await receiveN(pull, 3, "queued messages")), ...(await drain(pull, 200))];
              assert.equal(got.length, 3);
            }
          });
        }

        test(`${tag} linger on a bound socket with a slow reader: -1 delivers everything, 0 and N drop the rest`, async (t) => {
          for (const linger of [-1, 0, 150]) {
            const push = new impl.Push({ linger, sendHighWaterMark: 100000 });
            const pull = new impl.Pull({ receiveHighWaterMark: 1 });
            closeAfter(t, push, pull);
            const ep = await bindFresh(push, tr);
            pull.connect(ep);
            await push.send("first");
            await withTimeout(pull.receive(), 3000, "first");
            const N = 1000;
            for (let i = 0; i < N; i++) await push.send([String(i), Buffer.alloc(16 * 1024)]);
            push.close();
            await delay(linger === 150 ? 400 : 50);
            const got = await drain(pull, 1000);
            got.forEach((m, i) => assert.equal(m[0]!.toString(), String(i), "in order, no gap"));
            // libzmq 4.3.5 over ipc sometimes loses the last messages here (seen: 1 lost in 2 runs of 4
            // on a quiet machine, 3 lost under CPU load), so the reference is held only to "in order, no
            // gap, nearly all"; zocket must deliver every one of them.
            if (linger === -1 && impl.name === "zeromq" && tr === "ipc")
              assert.ok(got.length >= N - 20, `linger -1: ${got.length}`);
            else if (linger === -1) assert.equal(got.length, N, "linger -1: all delivered");
            else assert.ok(got.length < N, `linger ${linger}: ${got.length} of ${N} delivered, the rest dropped`);
          }
        });

        test(`${tag} linger N bounds the wait: a peer that comes after N ms gets nothing`, async (t) => {
          const push = new impl.Push({ linger: 150, reconnectInterval: 50 });
          const pull = new impl.Pull();
          closeAfter(t, push, pull);
          const ep = await unboundEndpoint(tr);
          push.connect(ep);
          await push.send("late");
          push.close();
          await delay(450);
          await pull.bind(ep);
          assert.equal((await drain(pull, 400)).length, 0);
        });
      } else {
        test(`${tag} close with any linger: what was queued stays deliverable (libzmq inproc)`, async (t) => {
          for (const linger of [0, -1]) {
            const pull = new impl.Pull();
            const push = new impl.Push({ linger });
            closeAfter(t, push, pull);
            push.connect(await bindFresh(pull, tr));
            for (let i = 0; i < 3; i++) await push.send(`q${i}`);
            push.close();
            assert.equal((await drain(pull, 300)).length, 3, `linger ${linger}`);
          }
        });

        test(`${tag} connect before bind, connector closed before the bind: still delivered`, async (t) => {
          const push = new impl.Push({ linger: 0 });
          const pull = new impl.Pull();
          closeAfter(t, push, pull);
          const ep = bindAddress("inproc", "cbbc");
          push.connect(ep);
          await push.send("kept");
          push.close();
          await pull.bind(ep);
          assert.deepEqual(await drain(pull, 300), [[Buffer.from("kept")]]);
        });

        test(`${tag} connect before bind: the pipe has the connector's HWM until the bind`, async (t) => {
          const push = new impl.Push({ sendHighWaterMark: 4, sendTimeout: 0 });
          const pull = new impl.Pull({ receiveHighWaterMark: 4 });
          closeAfter(t, push, pull);
          const ep = bindAddress("inproc", "cbbh");
          push.connect(ep);
          let n = 0;
          while (n < 100) {
            try {
              await push.send(String(n));
              n++;
            } catch {
              break;
            }
          }
          assert.equal(n, 4);
          await pull.bind(ep);
          assert.equal((await drain(pull, 200)).length, 4);
        });
      }

      test(`${tag} readable / writable`, async (t) => {
        const pull = new impl.Pull();
        const push = new impl.Push();
        closeAfter(t, push, pull);
        assert.equal(push.writable, false, "no peer, no pipe");
        assert.equal(pull.readable, false);
        push.connect(await bindFresh(pull, tr));
        await waitUntil(() => push.writable, 3000, "writable");
        await push.send("r");
        await waitUntil(() => pull.readable, 3000, "readable");
        await pull.receive();
        assert.equal(pull.readable, false);
      });

      test(`${tag} async iteration yields messages and ends when the socket closes`, async (t) => {
        const pull = new impl.Pull();
        const push = new impl.Push();
        closeAfter(t, push, pull);
        push.connect(await bindFresh(pull, tr));
        await push.send("one");
        await push.send(["two", "2"]);
        const seen: string[] = [];
        const loop = (async () => {
          for await (const m of pull) {
            seen.push(m.map(String).join("+"));
            if (seen.length === 2) setTimeout(() => pull.close(), 20);
          }
        })();
        await withTimeout(loop, 3000, "iteration to end");
        assert.deepEqual(seen, ["one", "two+2"]);
      });

      test(`${tag} async iteration with a receive timeout: messages, then EAGAIN once nothing comes`, async (t) => {
        const pull = new impl.Pull({ receiveTimeout: 100 } as never);
        const push = new impl.Push();
        closeAfter(t, push, pull);
        push.connect(await bindFresh(pull, tr));
        await push.send("one");
        // Only the absence at the end is to be bounded by the 100 ms, not connect + handshake + delivery.
        await waitUntil(() => pull.readable, 5000, "pull readable");
        const seen: string[] = [];
        const loop = (async () => {
          for await (const m of pull) seen.push(m.map(String).join("+"));
        })();
        await assert.rejects(
          withTimeout(loop, 3000, "iteration to time out"),
          (err: { code?: string }) => err.code === "EAGAIN",
        );
        assert.deepEqual(seen, ["one"]);
      });

      test(`${tag} closed socket: EBADF for send/receive/bind/connect, close() twice is fine`, async (t) => {
        const s = new impl.Dealer();
        closeAfter(t, s);
        const pending = s.receive();
        s.close();
        s.close();
        assert.equal(s.closed, true);
        await expectCode(() => pending, "EAGAIN");
        await expectCode(() => s.send("x"), "EBADF");
        await expectCode(() => s.receive(), "EBADF");
        await expectCode(() => s.bind(bindAddress(tr)), "EBADF");
        assert.throws(() => s.connect(tr === "tcp" ? "tcp://127.0.0.1:5555" : bindAddress(tr)), { code: "EBADF" });
      });

      test(`${tag} unbind/disconnect: the peer stops getting messages, re-bind works`, async (t) => {
        const pull = new impl.Pull();
        const push = new impl.Push({ sendTimeout: 200 });
        closeAfter(t, push, pull);
        const ep = await bindFresh(pull, tr);
        push.connect(ep);
        await push.send("1");
        assert.deepEqual(await withTimeout(pull.receive(), 5000, "receive"), [Buffer.from("1")]);
        push.disconnect(ep);
        await expectCode(() => push.send("2"), "EAGAIN");
        const unbound = tr === "inproc" ? () => true : watchListenerClose(pull, ep);
        await pull.unbind(ep);
        await waitUntil(unbound, 5000, "the listener to close");
        await bindRetry(pull, ep);
        push.connect(ep);
        await push.send("3");
        assert.deepEqual(await withTimeout(pull.receive(), 3000, "receive after re-bind"), [Buffer.from("3")]);
      });

      if (tr === "inproc") {
        test(`${tag} unbind keeps the peers already connected, as libzmq does`, async (t) => {
          const pull = new impl.Pull();
          const push = new impl.Push({ sendTimeout: 2000 });
          closeAfter(t, push, pull);
          const ep = await bindFresh(pull, tr);
          push.connect(ep);
          await push.send("before");
          assert.deepEqual(await withTimeout(pull.receive(), 5000, "receive"), [Buffer.from("before")]);
          await pull.unbind(ep);
          await push.send("after");
          assert.deepEqual(await withTimeout(pull.receive(), 5000, "receive after unbind"), [Buffer.from("after")]);
        });
      }

      if (tr !== "inproc") {
        test(`${tag} events: bind, accept, connect, handshake, disconnect, close, end — zeromq.js names and fields`, async (t) => {
          const pull = new impl.Pull();
          const push = new impl.Push({ reconnectInterval: 50 });
          closeAfter(t, push, pull);
          const pe: Ev[] = [];
          const se: Ev[] = [];
          const types = [
            "bind",
            "accept",
            "connect",
            "connect:delay",
            "connect:retry",
            "handshake",
            "disconnect",
            "close",
            "end",
          ];
          for (const ty of types) {
            pull.events.on(ty, (e) => pe.push(e));
            push.events.on(ty, (e) => se.push(e));
          }
          const ep = await bindFresh(pull, tr);
          push.connect(ep);
          await push.send("e");
          await withTimeout(pull.receive(), 5000, "receive");
          await waitUntil(
            () => pe.some((e) => e.type === "handshake") && se.some((e) => e.type === "handshake"),
            3000,
            "handshake events",
          );
          pull.close();
          await waitUntil(
            () => se.some((e) => e.type === "disconnect") && se.some((e) => e.type === "connect:retry"),
            3000,
            "disconnect + retry",
          );
          push.close();
          await waitUntil(
            () => se.some((e) => e.type === "end") && pe.some((e) => e.type === "end"),
            3000,
            "end events",
          );
          const find = (list: Ev[], ty: string): Ev => {
            const e = list.find((x) => x.type === ty);
            assert.ok(e, `missing ${ty} in ${list.map((x) => x.type).join(",")}`);
            return e;
          };
          assert.equal(find(pe, "bind").address, ep);
          assert.equal(find(pe, "accept").address, ep);
          assert.equal(find(pe, "handshake").address, ep);
          assert.equal(find(pe, "close").address, ep);
          assert.equal(find(se, "connect").address, ep);
          assert.equal(find(se, "handshake").address, ep);
          assert.equal(find(se, "disconnect").address, ep);
          const retry = find(se, "connect:retry");
          assert.equal(retry.address, ep);
          assert.equal(typeof retry.interval, "number");
          assert.ok(retry.interval! >= 50);
          assert.equal(find(se, "end").address, undefined);
          const lastType = (l: Ev[]): string | undefined => l[l.length - 1]?.type;
          assert.equal(lastType(se), "end");
          assert.equal(lastType(pe), "end");
        });
      }

      if (tr === "tcp") {
        test(`${tag} events: connect:delay and connect:retry while nobody listens`, async (t) => {
          const push = new impl.Push({ reconnectInterval: 50 });
          closeAfter(t, push);
          const seen: Ev[] = [];
          push.events.on("connect:delay", (e) => seen.push(e));
          push.events.on("connect:retry", (e) => seen.push(e));
          const ep = await unboundEndpoint("tcp");
          push.connect(ep);
          await waitUntil(() => seen.filter((e) => e.type === "connect:retry").length >= 2, 3000, "two retries");
          assert.ok(seen.some((e) => e.type === "connect:delay" && e.address === ep));
        });

        test(`${tag} reconnect backoff: reconnectMaxInterval doubles the interval up to the max`, async (t) => {
          const backoff = new impl.Push({ reconnectInterval: 40 });
          (backoff as unknown as { reconnectMaxInterval: number }).reconnectMaxInterval = 320;
          const flat = new impl.Push({ reconnectInterval: 40 });
          closeAfter(t, backoff, flat);
          const grow: number[] = [];
          const same: number[] = [];
          backoff.events.on("connect:retry", (e) => grow.push(e.interval!));
          flat.events.on("connect:retry", (e) => same.push(e.interval!));
          const ep = await unboundEndpoint("tcp");
          backoff.connect(ep);
          flat.connect(ep);
          await waitUntil(() => grow.length >= 5, 5000, "five retries");
          assert.deepEqual(grow.slice(0, 5), [40, 80, 160, 320, 320]);
          // Without a max, libzmq retries every reconnectInterval (plus up to one interval of jitter).
          assert.ok(same.length >= 3);
          for (const i of same) assert.ok(i >= 40 && i < 80, `interval ${i}`);
        });
      }
    });
  }
}

// ------------------------------------------------------------------------------------ defaults

test("option defaults are the same as zeromq.js's (libzmq's) for PAIR, PUSH, PULL, DEALER", (t) => {
  const names = [
    "linger",
    "reconnectInterval",
    "reconnectMaxInterval",
    "backlog",
    "maxMessageSize",
    "immediate",
    "ipv6",
    "handshakeInterval",
    "heartbeatInterval",
    "heartbeatTimeToLive",
    "heartbeatTimeout",
    "connectTimeout",
    "tcpKeepalive",
    "tcpKeepaliveIdle",
    "sendHighWaterMark",
    "receiveHighWaterMark",
    "sendTimeout",
    "receiveTimeout",
    "routingId",
    "probeRouter",
    "zapDomain",
    "plainServer",
    "curveServer",
    "type",
    "securityMechanism",
  ];
  for (const kind of ["Pair", "Push", "Pull", "Dealer"] as const) {
    const a = new z[kind]() as unknown as Record<string, unknown> & { close(): void };
    const b = new zmq[kind]() as unknown as Record<string, unknown> & { close(): void };
    closeAfter(t, a, b);
    for (const n of names) {
      if (b[n] === undefined) continue; // not an option of this zeromq.js class
      assert.deepEqual(a[n], b[n], `${kind}.${n}`);
    }
  }
});

test("PUSH conflate (ZMQ_CONFLATE, as libzmq and zeromq.js's Push have it): a slow peer gets only the newest", async (t) => {
  const push = new z.Push({ conflate: true, linger: 0 });
  const pull = new z.Pull({ linger: 0 });
  closeAfter(t, push, pull);
  await push.bind("inproc://push-conflate");
  pull.connect("inproc://push-conflate");
  await waitUntil(() => push.writable, 2000, "the PULL attached");
  for (let i = 0; i < 10; i++) await push.send(`m${i}`);
  assert.equal(String(await withTimeout(pull.receive(), 2000, "the newest")), "m9");
  pull.receiveTimeout = 50;
  await assert.rejects(pull.receive(), { code: "EAGAIN" }, "the older nine were replaced");
});
