/**
 * send()/receive()/bind()/unbind() as zeromq.js v6 behaves (its test/unit/socket-send-receive-test.ts,
 * socket-bind-unbind-test.ts and socket-stream-test.ts): what a message may be, which refusals are thrown
 * at once rather than rejected, which frames are copied, and STREAM's connect-then-send. Every case runs
 * against zocket and the `zeromq` package.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as zmq from "zeromq";
import * as z from "../../src/index.ts";
import { bindAddress, closeAfter, delay, freePort, TRANSPORTS, withTimeout } from "../helpers/sockets.ts";

interface Sock {
  bind(address: string): Promise<void>;
  unbind(address: string): Promise<void>;
  connect(address: string, options?: Record<string, unknown>): void;
  close(): void;
  readonly lastEndpoint: string | null;
  send(message?: unknown): Promise<void>;
  receive(): Promise<Buffer[]>;
  [Symbol.asyncIterator](): AsyncIterator<Buffer[], undefined>;
  sendTimeout: number;
  receiveTimeout: number;
}
type Ctor = new (options?: Record<string, unknown>) => Sock;
interface Impl {
  name: string;
  Pair: Ctor;
  Dealer: Ctor;
  Stream: Ctor;
}

const IMPLS: Impl[] = [
  {
    name: "zocket",
    Pair: z.Pair as unknown as Ctor,
    Dealer: z.Dealer as unknown as Ctor,
    Stream: z.Stream as unknown as Ctor,
  },
  {
    name: "zeromq",
    Pair: zmq.Pair as unknown as Ctor,
    Dealer: zmq.Dealer as unknown as Ctor,
    Stream: zmq.Stream as unknown as Ctor,
  },
];
const only = process.env["ZOCKET_TEST_IMPL"];
const impls = IMPLS.filter((i) => only === undefined || only === "" || only === "both" || i.name === only);

const BUSY_WRITING = "Socket is busy writing; only one send operation may be in progress at any time";
const BUSY_READING = "Socket is busy reading; only one receive operation may be in progress at any time";
const BLOCKED = "Socket is blocked by a bind or unbind operation";

/** A connected PAIR couple on `tr`. */
async function pairs(impl: Impl, tr: (typeof TRANSPORTS)[number]): Promise<[Sock, Sock]> {
  const a = new impl.Pair({ linger: 0 });
  const b = new impl.Pair({ linger: 0 });
  await b.bind(bindAddress(tr, "sr"));
  a.connect(b.lastEndpoint!);
  return [a, b];
}

/** The next `n` messages of `s`, each as the string of its first frame. */
async function receiveStrings(s: Sock, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await withTimeout(s.receive(), 3000, `message ${i}`))[0]!.toString());
  return out;
}

/** The garbage collector, without --expose-gc on the command line. */
function gcFunction(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

async function collectGarbage(gc: () => void): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc();
    await delay(2);
  }
}

describe("send/receive as zeromq.js", () => {
  for (const impl of impls) {
    const tag = impl.name;

    test(`${tag}: send() without a message throws TypeError "Message must be present"`, (t) => {
      const s = new impl.Pair();
      closeAfter(t, s);
      assert.throws(() => void s.send(), { name: "TypeError", message: "Message must be present" });
      assert.throws(() => void s.send(undefined), { name: "TypeError", message: "Message must be present" });
    });

    test(`${tag}: a second send() or receive() in progress throws EBUSY at once`, async (t) => {
      const s = new impl.Pair({ linger: 0, sendTimeout: 20, receiveTimeout: 20 });
      closeAfter(t, s);
      // No peer: a PAIR's send and receive both wait.
      const sending = s.send(null).catch(() => null);
      assert.throws(() => void s.send(null).catch(() => null), { code: "EBUSY", message: BUSY_WRITING });
      const receiving = s.receive().catch(() => null);
      assert.throws(() => void s.receive().catch(() => null), { code: "EBUSY", message: BUSY_READING });
      await Promise.all([sending, receiving]);
    });

    for (const tr of TRANSPORTS) {
      test(`${tag} ${tr}: typed arrays and ArrayBuffers are sent as their bytes`, async (t) => {
        const [a, b] = await pairs(impl, tr);
        closeAfter(t, a, b);
        await a.send(Uint8Array.from([0x66, 0x6f, 0x6f]));
        await a.send(Uint8Array.from([0x66, 0x6f, 0x6f]).buffer);
        await a.send(Int32Array.from([0x66, 0x6f, 0x6f]));
        await a.send(Int32Array.from([0x66, 0x6f, 0x6f]).buffer);
        const wide = "f\x00\x00\x00o\x00\x00\x00o\x00\x00\x00";
        assert.deepEqual(await receiveStrings(b, 4), ["foo", "foo", wide, wide]);
      });

      test(`${tag} ${tr}: other values are sent as String(value)`, async (t) => {
        const [a, b] = await pairs(impl, tr);
        closeAfter(t, a, b);
        const fn = function () {};
        const values: unknown[] = [null, fn, 16.19, true, {}, Promise.resolve(), ["multi", 7, null]];
        for (const v of values) await a.send(v);
        const got = await receiveStrings(b, values.length);
        assert.deepEqual(got, ["", String(fn), "16.19", "true", "[object Object]", "[object Promise]", "multi"]);
      });

      test(`${tag} ${tr}: small frames are copied at send(), large ones are not (inproc shares them)`, async (t) => {
        const [a, b] = await pairs(impl, tr);
        closeAfter(t, a, b);
        const small = Buffer.from("0123456789abcdef");
        await a.send(small);
        small.fill("x"); // the caller may reuse a small buffer as soon as send() resolved
        assert.equal((await b.receive())[0]!.toString(), "0123456789abcdef");
        if (tr !== "inproc") return;
        // zeromq.js "should share memory of large buffers": echoed over inproc, it is the same memory.
        const orig = Buffer.alloc(2048);
        await a.send(orig);
        const [echo] = await b.receive();
        await b.send(echo!);
        const [final] = await a.receive();
        final!.writeUInt8(0x40, 0);
        assert.equal(orig.subarray(0, 1).toString(), "@");
      });

      test(`${tag} ${tr}: a small frame queued for no peer is released, a large one retained`, async (t) => {
        const gc = gcFunction();
        const s = new impl.Pair({ linger: 0, sendHighWaterMark: 10 });
        closeAfter(t, s);
        s.connect(bindAddress(tr, "gc").replace("*", String(await freePort())));
        let small: WeakRef<Buffer> | undefined;
        let large: WeakRef<Buffer> | undefined;
        await (async () => {
          const a = Buffer.alloc(16);
          const b = Buffer.alloc(1025);
          small = new WeakRef(a);
          large = new WeakRef(b);
          await s.send(a);
          await s.send(b);
        })();
        await collectGarbage(gc);
        assert.equal(small!.deref(), undefined, "the 16-byte buffer was copied and released");
        assert.notEqual(large!.deref(), undefined, "the 1025-byte buffer is retained until it is sent");
      });

      test(`${tag} ${tr}: send() and receive() on a closed socket throw EBADF at once`, (t) => {
        const s = new impl.Pair();
        closeAfter(t, s);
        s.close();
        assert.throws(() => void s.send("x"), { code: "EBADF", errno: 9 });
        assert.throws(() => void s.receive(), { code: "EBADF", errno: 9 });
      });

      test(`${tag} ${tr}: bind() or unbind() during another throws EBUSY "${BLOCKED}"`, async (t) => {
        const s = new impl.Dealer();
        closeAfter(t, s);
        const first = s.bind(bindAddress(tr, "blk"));
        assert.throws(() => void s.bind(bindAddress(tr, "blk2")), { code: "EBUSY", message: BLOCKED });
        assert.throws(() => s.connect(bindAddress(tr, "blk3").replace("*", "5555")), {
          code: "EBUSY",
          message: BLOCKED,
        });
        assert.throws(() => void s.send("x"), { code: "EBUSY", message: BLOCKED });
        assert.throws(() => void s.receive(), { code: "EBUSY", message: BLOCKED });
        await first;
        const ep = s.lastEndpoint!;
        const unbinding = s.unbind(ep);
        assert.throws(() => void s.unbind(ep), { code: "EBUSY", message: BLOCKED });
        await unbinding;
        // Free again once it settled.
        await s.bind(bindAddress(tr, "blk4"));
      });

      if (tr !== "inproc") {
        test(`${tag} ${tr}: a send and a receive made before bind/connect are delivered`, async (t) => {
          const a = new impl.Pair({ linger: 0 });
          const b = new impl.Pair({ linger: 0 });
          closeAfter(t, a, b);
          const both = Promise.all([b.receive(), a.send("foo")]);
          await b.bind(bindAddress(tr, "late"));
          a.connect(b.lastEndpoint!);
          const [[msg]] = await withTimeout(both, 3000, "delivery");
          assert.equal(msg!.toString(), "foo");
        });
      }
    }

    test(`${tag}: an empty array sends nothing and resolves`, async (t) => {
      const [a, b] = await pairs(impl, "inproc");
      closeAfter(t, a, b);
      await a.send([]);
      await a.send("after");
      assert.deepEqual(await receiveStrings(b, 1), ["after"]);
    });

    test(`${tag}: STREAM connect(ep, { routingId }) then send([id, data]) at once reaches the server`, async (t) => {
      const port = await freePort();
      const server = await new Promise<Server>((resolve) => {
        const http = createServer((_req, res) => {
          res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": 12 });
          res.end("Hello world!");
        });
        http.listen(port, "127.0.0.1", () => resolve(http));
      });
      t.after(() => server.close());
      const stream = new impl.Stream({ linger: 0 });
      closeAfter(t, stream);
      const routingId = "abcdef1234567890";
      stream.connect(`tcp://127.0.0.1:${port}`, { routingId });
      await stream.send([routingId, `GET /foo HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`]);
      let body = "";
      await withTimeout(
        (async () => {
          for await (const [id, data] of stream) {
            assert.equal(id!.toString(), routingId);
            body += data!.toString();
            if (body.endsWith("Hello world!")) break;
          }
        })(),
        3000,
        "the HTTP response",
      );
      assert.equal(body.split("\r\n\r\n").pop(), "Hello world!");
    });
  }
});
