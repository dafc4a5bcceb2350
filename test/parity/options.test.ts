/**
 * Construction and options, as zeromq.js v6 behaves (its test/unit/socket-options-test.ts,
 * socket-construction-test.ts, context-options-test.ts and context-construction-test.ts, ported): every
 * case runs against zocket and against the `zeromq` package, and both must give the same values, the
 * same error class, message and code, and the same process warnings. The id accessors are
 * `getInt32Option(id)` & co., with libzmq's option numbers.
 *
 * A zeromq.js constructor that throws leaks its native socket, and the process then crashes at exit, so
 * the cases where a constructor throws run zeromq.js in a child process (the same source text for both).
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as zmqjs from "zeromq";
import * as zocket from "../../src/index.ts";
import { uniqueInproc } from "../helpers/sockets.ts";

/** What the cases use of a socket, a context and the library, loosely typed (the two differ in details). */
type Sock = Record<string, unknown> & {
  connect(a: string): void;
  bind(a: string): Promise<void>;
  close(): void;
  readonly context: unknown;
};
type Low = Record<string, (...args: unknown[]) => unknown>;
interface Lib {
  Dealer: new (o?: object) => Sock;
  Router: new (o?: object) => Sock;
  Stream: new (o?: object) => Sock;
  XPublisher: new (o?: object) => Sock;
  Context: new (o?: object) => Record<string, unknown>;
  context: unknown;
}
const LIBS: Array<[string, Lib]> = [
  ["zocket", zocket as unknown as Lib],
  ["zeromq", zmqjs as unknown as Lib],
];

const low = (s: unknown): Low => s as Low;

/** A socket closed when the test ends. */
function make(t: TestContext, Cls: new (o?: object) => Sock, options?: object): Sock {
  const s = options === undefined ? new Cls() : new Cls(options);
  t.after(() => s.close());
  return s;
}

/** What `op` threw: class, message, code and errno (undefined if it did not throw). */
function thrown(op: () => unknown): { name: string; message: string; code?: unknown; errno?: unknown } | undefined {
  try {
    op();
    return undefined;
  } catch (err) {
    const e = err as Error & { code?: unknown; errno?: unknown };
    const name = e instanceof TypeError ? "TypeError" : e instanceof Error ? "Error" : typeof e;
    return { name, message: e.message, code: e.code, errno: e.errno };
  }
}

/** The process warnings emitted while `op` runs (and the ticks after it). */
async function warnings(op: () => unknown): Promise<string[]> {
  const saved = process.listeners("warning");
  process.removeAllListeners("warning");
  const seen: string[] = [];
  process.on("warning", (w) => seen.push(w.message));
  try {
    await op();
    await new Promise(process.nextTick);
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.removeAllListeners("warning");
    for (const l of saved) process.on("warning", l);
  }
  return seen;
}

const INVALID = { name: "Error", message: "Invalid argument", code: "EINVAL", errno: 22 };
const typeError = (message: string) => ({ name: "TypeError", message, code: undefined, errno: undefined });
const LATE = "Socket option will not take effect until next connect/bind.";
const LARGE = "Value is larger than Number.MAX_SAFE_INTEGER and may have been rounded inaccurately.";

for (const [name, zmq] of LIBS) {
  describe(`[${name}] socket options`, () => {
    test("named properties: bool, int32, int64, string, string from a Buffer, reset to null", (t) => {
      const s = make(t, zmq.Dealer);
      assert.equal(s["immediate"], false);
      s["immediate"] = true;
      assert.equal(s["immediate"], true);
      assert.equal(s["backlog"], 100);
      s["backlog"] = 75;
      assert.equal(s["backlog"], 75);
      assert.equal(s["maxMessageSize"], -1);
      s["maxMessageSize"] = 0xffffffff;
      assert.equal(s["maxMessageSize"], 0xffffffff);
      assert.equal(s["routingId"], null);
      s["routingId"] = "åbçdéfghïjk";
      assert.equal(s["routingId"], "åbçdéfghïjk");
      s["routingId"] = Buffer.from("ßé");
      assert.equal(s["routingId"], "ßé");
      assert.equal(s["socksProxy"], null);
      s["socksProxy"] = Buffer.from("foo");
      assert.equal(s["socksProxy"], "foo");
      s["socksProxy"] = null;
      assert.equal(s["socksProxy"], null);
    });

    test("id accessors read and write the same values as the properties", (t) => {
      const s = make(t, zmq.Dealer);
      const o = low(s);
      assert.equal(o.getBoolOption!(39), false);
      o.setBoolOption!(39, true);
      assert.equal(o.getBoolOption!(39), true);
      assert.equal(s["immediate"], true);
      assert.equal(o.getInt32Option!(19), 100);
      o.setInt32Option!(19, 75);
      assert.equal(s["backlog"], 75);
      s["backlog"] = 80;
      assert.equal(o.getInt32Option!(19), 80);
      assert.equal(o.getInt64Option!(22), -1);
      o.setInt64Option!(22, 0xffffffffffff);
      assert.equal(o.getInt64Option!(22), 0xffffffffffff);
      assert.equal(o.getStringOption!(5), null);
      o.setStringOption!(5, "åbçdéfghïjk");
      assert.equal(o.getStringOption!(5), "åbçdéfghïjk");
      o.setStringOption!(5, Buffer.from("xyz"));
      assert.equal(s["routingId"], "xyz");
      o.setStringOption!(68, Buffer.from("proxy:1080"));
      assert.equal(o.getStringOption!(68), "proxy:1080");
      o.setStringOption!(68, null);
      assert.equal(o.getStringOption!(68), null);
    });

    test("id accessors convert numbers as Node-API does", async (t) => {
      const s = make(t, zmq.Dealer);
      const o = low(s);
      // A C int read unsigned, an int64 read as uint64 (2^64 - 1 as the nearest double).
      assert.equal(o.getUint32Option!(17), 4294967295);
      assert.equal(o.getUint64Option!(22), 2 ** 64);
      // A 4-byte option through Bool, and the other way round.
      assert.equal(o.getBoolOption!(19), true);
      o.setBoolOption!(19, true);
      assert.equal(s["backlog"], 1);
      // Fractions truncate, NaN is 0; the id is a C int too.
      o.setInt32Option!(19, 7.9);
      assert.equal(s["backlog"], 7);
      s["backlog"] = NaN;
      assert.equal(s["backlog"], 0);
      assert.equal(o.getInt32Option!(19.7), 0);
      // uint64: negative is 0, beyond 2^64 clamps (and warns).
      s["affinity"] = -1;
      assert.equal(s["affinity"], 0);
      s["affinity"] = 1.5;
      assert.equal(s["affinity"], 1);
      const seen = await warnings(() => o.setUint64Option!(4, Number(0xffffffffffffffffn)));
      assert.equal(o.getUint64Option!(4), Number(0xffffffffffffffffn));
      assert.deepEqual(seen, [LARGE]);
      // int64: libzmq takes any negative maxMessageSize.
      s["maxMessageSize"] = -2;
      assert.equal(s["maxMessageSize"], -2);
    });

    test("argument errors are TypeErrors with zeromq.js's texts", (t) => {
      const o = low(make(t, zmq.Dealer));
      assert.deepEqual(
        thrown(() => o.getInt32Option!()),
        typeError("Identifier must be a number"),
      );
      assert.deepEqual(
        thrown(() => o.getInt32Option!("19")),
        typeError("Identifier must be a number"),
      );
      assert.deepEqual(
        thrown(() => o.getInt32Option!(19, 2)),
        typeError("Expected 1 argument but received 2"),
      );
      assert.deepEqual(
        thrown(() => o.setInt32Option!(19)),
        typeError("Option value must be a number"),
      );
      assert.deepEqual(
        thrown(() => o.setInt32Option!(19, "1")),
        typeError("Option value must be a number"),
      );
      assert.deepEqual(
        thrown(() => o.setInt32Option!(19, 1, 2)),
        typeError("Expected 2 arguments but received 3"),
      );
      assert.deepEqual(
        thrown(() => o.setBoolOption!(39, 1)),
        typeError("Option value must be a boolean"),
      );
      assert.deepEqual(
        thrown(() => o.setStringOption!(5, 1)),
        typeError("Option value must be a string or buffer"),
      );
      assert.deepEqual(
        thrown(() => o.setStringOption!(5, undefined)),
        typeError("Option value must be a string or buffer"),
      );
    });

    test("named properties: a wrong value type is a TypeError", (t) => {
      const s = make(t, zmq.Dealer);
      assert.deepEqual(
        thrown(() => (s["recoveryInterval"] = "hello")),
        typeError("Option value must be a number"),
      );
      assert.deepEqual(
        thrown(() => (s["immediate"] = 1)),
        typeError("Option value must be a boolean"),
      );
      assert.deepEqual(
        thrown(() => (s["routingId"] = 1)),
        typeError("Option value must be a string or buffer"),
      );
    });

    test("unknown ids, the wrong accessor size and refused values are EINVAL 'Invalid argument'", (t) => {
      const s = make(t, zmq.Dealer);
      const o = low(s);
      assert.deepEqual(pick(thrown(() => o.getInt32Option!(9999))), INVALID);
      assert.deepEqual(pick(thrown(() => o.setInt32Option!(9999, 1))), INVALID);
      assert.deepEqual(pick(thrown(() => o.getInt32Option!(22))), INVALID, "maxMessageSize is an int64");
      assert.deepEqual(pick(thrown(() => o.getStringOption!(19))), INVALID, "backlog is an int");
      assert.deepEqual(pick(thrown(() => o.setStringOption!(19, "a"))), INVALID);
      assert.deepEqual(pick(thrown(() => o.setInt32Option!(16, 1))), INVALID, "type is read-only");
      assert.deepEqual(pick(thrown(() => o.setStringOption!(5, null))), INVALID, "no empty routing id");
      assert.deepEqual(pick(thrown(() => (s["backlog"] = -5))), INVALID);
      assert.deepEqual(pick(thrown(() => (s["backlog"] = 2 ** 31))), INVALID, "wraps to INT_MIN");
      assert.deepEqual(pick(thrown(() => (s["linger"] = -2))), INVALID);
      assert.deepEqual(pick(thrown(() => (s["sendHighWaterMark"] = -1))), INVALID);
      assert.deepEqual(pick(thrown(() => (s["rate"] = 0))), INVALID);
      assert.deepEqual(pick(thrown(() => (s["typeOfService"] = -1))), INVALID);
      assert.deepEqual(pick(thrown(() => (s["heartbeatTimeToLive"] = 6553600))), INVALID);
      assert.deepEqual(pick(thrown(() => (s["routingId"] = ""))), INVALID);
      assert.deepEqual(pick(thrown(() => (s["routingId"] = "x".repeat(256)))), INVALID);
      assert.deepEqual(pick(thrown(() => (s["multicastHops"] = 0))), INVALID);
      assert.deepEqual(pick(thrown(() => (s["tcpKeepalive"] = 2))), INVALID);
      // libzmq refuses empty strings (null clears), and a ZAP domain cannot be cleared at all.
      assert.deepEqual(pick(thrown(() => (s["socksProxy"] = ""))), INVALID);
      assert.deepEqual(pick(thrown(() => (s["plainUsername"] = ""))), INVALID);
      s["plainUsername"] = Buffer.alloc(0);
      assert.equal(s["plainUsername"], null, "an empty Buffer clears, as null does");
      assert.deepEqual(pick(thrown(() => (s["zapDomain"] = null))), INVALID);
      // A bool through setInt32Option: 0 or 1 only, except where libzmq takes any int.
      assert.deepEqual(pick(thrown(() => o.setInt32Option!(39, 2))), INVALID);
      o.setInt32Option!(94, 2);
      assert.equal(s["loopbackFastPath"], true);
      // No VMCI transport in either (zeromq.js's prebuilt libzmq has none).
      assert.deepEqual(pick(thrown(() => s["vmciBufferSize"])), INVALID);
      assert.deepEqual(pick(thrown(() => (s["vmciConnectTimeout"] = 5))), INVALID);
      assert.deepEqual(pick(thrown(() => o.getUint64Option!(85))), INVALID);
      assert.equal(s["backlog"], 100, "a refused value leaves the option as it was");
    });

    test("read-only and unknown properties: V8's TypeErrors on the sealed instance", (t) => {
      const s = make(t, zmq.Dealer);
      assert.ok(Object.isSealed(s));
      assert.deepEqual(Object.keys(s), []);
      assert.deepEqual(
        thrown(() => (s["securityMechanism"] = 1)),
        typeError("Cannot set property securityMechanism of #<Socket> which has only a getter"),
      );
      assert.deepEqual(
        thrown(() => ((s as Record<string, unknown>)["context"] = {})),
        typeError("Cannot set property context of #<Socket> which has only a getter"),
      );
      assert.deepEqual(
        thrown(() => (s["doesNotExist"] = 1)),
        typeError("Cannot add property doesNotExist, object is not extensible"),
      );
    });

    test("write-only options read undefined; the id accessor reads what libzmq can", (t) => {
      const d = make(t, zmq.Dealer, { conflate: true });
      assert.equal(d["conflate"], undefined);
      assert.equal(low(d).getBoolOption!(54), true);
      const st = make(t, zmq.Stream, { notify: false });
      assert.equal(st["notify"], undefined);
      const x = make(t, zmq.XPublisher, { verbosity: "allSubs", manual: true });
      assert.equal(x["verbosity"], undefined);
      assert.equal(x["manual"], undefined);
    });

    test("the security mechanism follows the last security option", (t) => {
      const s = make(t, zmq.Dealer);
      assert.equal(s["securityMechanism"], null);
      s["plainServer"] = true;
      assert.equal(s["securityMechanism"], "plain");
      assert.equal(low(s).getInt32Option!(43), 1);
    });

    test("a closed socket's options are ENOTSOCK 'Socket operation on non-socket'", (t) => {
      const s = make(t, zmq.Dealer);
      s.close();
      const closed = { name: "Error", message: "Socket operation on non-socket", code: "ENOTSOCK", errno: 88 };
      assert.deepEqual(pick(thrown(() => s["backlog"])), closed);
      assert.deepEqual(pick(thrown(() => s["type"])), closed);
      assert.deepEqual(pick(thrown(() => low(s).getInt32Option!(16))), closed);
    });

    describe("warnings", () => {
      test("set after connect", async (t) => {
        const s = make(t, zmq.Dealer);
        s.connect(uniqueInproc("opt"));
        assert.deepEqual(await warnings(() => (s["routingId"] = "asdf")), [LATE]);
      });

      test("set during bind", async (t) => {
        const s = make(t, zmq.Dealer);
        let bound: Promise<void> | undefined;
        const seen = await warnings(() => {
          bound = s.bind(uniqueInproc("opt"));
          s["routingId"] = "asdf";
        });
        await bound;
        assert.deepEqual(seen, [LATE]);
      });

      test("set after bind, through a property and an id accessor", async (t) => {
        const s = make(t, zmq.Dealer);
        await s.bind(uniqueInproc("opt"));
        assert.deepEqual(await warnings(() => (s["routingId"] = "asdf")), [LATE]);
        assert.deepEqual(await warnings(() => low(s).setInt32Option!(19, 10)), [LATE]);
      });

      test("none for options libzmq applies at once, nor before bind/connect", async (t) => {
        const s = make(t, zmq.Dealer);
        const r = make(t, zmq.Router);
        assert.deepEqual(await warnings(() => (s["routingId"] = "early")), []);
        await s.bind(uniqueInproc("opt"));
        r.connect(uniqueInproc("opt"));
        const seen = await warnings(() => {
          s["linger"] = 0;
          s["sendHighWaterMark"] = 5;
          s["receiveHighWaterMark"] = 5;
          s["sendTimeout"] = 10;
          s["receiveTimeout"] = 10;
          s["probeRouter"] = true;
          r["mandatory"] = true;
          r["handover"] = true;
        });
        assert.deepEqual(seen, []);
      });

      test("large uint64 values", async (t) => {
        const s = make(t, zmq.Dealer);
        const seen = await warnings(() => low(s).setUint64Option!(4, Number(0xfffffff7fab7fbn)));
        assert.equal(low(s).getUint64Option!(4), Number(0xfffffff7fab7fbn));
        assert.deepEqual(seen, [LARGE]);
      });
    });

    test("setStringOption(6/7) subscribes and unsubscribes a SUB (zeromq.js's subscribe() is built on it)", async (t) => {
      const lib = zmq as unknown as Record<string, new (o?: object) => Sock>;
      const pub = make(t, lib["Publisher"]!, { linger: 0 });
      const sub = make(t, lib["Subscriber"]!, { linger: 0 });
      const address = uniqueInproc("sso");
      await pub.bind(address);
      sub.connect(address);
      low(sub).setStringOption!(6, "a");
      low(sub).setStringOption!(6, Buffer.from("b"));
      low(sub).setStringOption!(7, "a");
      await new Promise((r) => setTimeout(r, 50));
      const send = (m: string): Promise<unknown> => low(pub).send!(m) as Promise<unknown>;
      for (const m of ["a1", "c1", "b1"]) await send(m);
      assert.equal(String(await (low(sub).receive!() as Promise<Buffer[]>)), "b1");
      assert.equal(thrown(() => low(make(t, zmq.Dealer)).setStringOption!(6, "x"))?.message, "Invalid argument");
    });
  });

  describe(`[${name}] socket construction`, () => {
    test("the default context, or the one given", (t) => {
      const a = make(t, zmq.Dealer);
      assert.equal(a.context, zmq.context);
      const context = new zmq.Context();
      const b = make(t, zmq.Dealer, { context });
      assert.equal(b.context, context);
    });

    test("options are assigned in order; `context` is taken out of the caller's object", (t) => {
      const context = new zmq.Context();
      const options = { context, recoveryInterval: 5, linger: 0 };
      const s = make(t, zmq.Dealer, options);
      assert.equal(s["recoveryInterval"], 5);
      assert.equal(s["linger"], 0);
      assert.deepEqual(Object.keys(options), ["recoveryInterval", "linger"]);
    });

    test("a subclass constructor passes two arguments: a third one is ignored", (t) => {
      const Dealer = zmq.Dealer as unknown as new (...a: unknown[]) => Sock;
      const s = new Dealer({}, 2);
      t.after(() => s.close());
      assert.ok(s instanceof zmq.Dealer);
    });
  });

  describe(`[${name}] context options`, () => {
    test("bool and int options, through properties and id accessors", () => {
      const c = new zmq.Context();
      const o = low(c);
      assert.equal(c["ipv6"], false);
      c["ipv6"] = true;
      assert.equal(c["ipv6"], true);
      assert.equal(o.getBoolOption!(42), true);
      assert.equal(c["ioThreads"], 1);
      c["ioThreads"] = 75;
      assert.equal(c["ioThreads"], 75);
      assert.equal(o.getInt32Option!(1), 75);
      o.setInt32Option!(2, 100);
      assert.equal(c["maxSockets"], 100);
      assert.equal(o.getBoolOption!(70), true);
      assert.equal(c["maxSocketsLimit"], o.getInt32Option!(3));
      assert.equal(typeof o.getStringOption, "undefined");
    });

    test("write-only, read-only and unknown options; refused values", () => {
      const c = new zmq.Context();
      c["threadPriority"] = 10;
      assert.equal(c["threadPriority"], undefined);
      assert.deepEqual(
        thrown(() => (c["maxSocketsLimit"] = 1)),
        typeError("Cannot set property maxSocketsLimit of #<Context> which has only a getter"),
      );
      assert.deepEqual(
        thrown(() => (c["doesNotExist"] = 1)),
        typeError("Cannot add property doesNotExist, object is not extensible"),
      );
      assert.deepEqual(
        thrown(() => (c["ioThreads"] = "a")),
        typeError("Option value must be a number"),
      );
      assert.deepEqual(pick(thrown(() => (c["ioThreads"] = -1))), INVALID);
      assert.deepEqual(pick(thrown(() => low(c).getInt32Option!(9999))), INVALID);
      low(c).setInt32Option!(70, 2);
      assert.equal(c["blocky"], true, "ZMQ_BLOCKY takes any non-negative int");
    });
  });
}

/** The fields compared for an EINVAL/ENOTSOCK (zocket's error class is a subclass of Error). */
function pick(e: ReturnType<typeof thrown>): unknown {
  return e === undefined ? undefined : { name: e.name, message: e.message, code: e.code, errno: e.errno };
}

// ------------------------------------------------------------------ constructors that throw

/** Source text run against each library as `zmq`; the result is what it threw. */
const THROWING: Array<[string, string]> = [
  ["Socket without arguments", "new zmq.Socket()"],
  ["Socket with a string type", "new zmq.Socket('foo', new zmq.Context())"],
  ["Socket with three arguments", "new zmq.Socket(1, new zmq.Context(), 2)"],
  ["Socket with a number for options", "new zmq.Socket(3, 1)"],
  ["Socket with an unknown type number", "new zmq.Socket(37)"],
  ["Dealer with a number for options", "new zmq.Dealer(1)"],
  ["Dealer with null options", "new zmq.Dealer(null)"],
  ["Dealer with a wrong value type", "new zmq.Dealer({ recoveryInterval: 'hello' })"],
  ["Dealer with a read-only option", "new zmq.Dealer({ securityMechanism: 1 })"],
  ["Dealer with an unknown option", "new zmq.Dealer({ doesNotExist: 1 })"],
  ["Dealer with a refused value", "new zmq.Dealer({ linger: -2 })"],
  ["Dealer with an invalid context", "new zmq.Dealer({ context: {} })"],
  ["Dealer called without new", "zmq.Dealer()"],
  ["Context with a number for options", "new zmq.Context(1)"],
  ["Context with two arguments", "new zmq.Context({}, 2)"],
  ["Context with a wrong value type", "new zmq.Context({ ioThreads: 'hello' })"],
  ["Context with a read-only option", "new zmq.Context({ maxSocketsLimit: 1 })"],
  ["Context with an unknown option", "new zmq.Context({ doesNotExist: 1 })"],
];

/** Run each source against a library object; what each threw, JSON-ready (the child prints this). */
const RUNNER = `(zmq, cases) => cases.map(([name, src]) => {
  try { new Function("zmq", src)(zmq); return [name, null]; }
  catch (e) {
    const cls = e instanceof TypeError ? "TypeError" : e instanceof Error ? "Error" : typeof e;
    return [name, { cls, message: e.message, code: e.code === undefined ? null : e.code }];
  }
})`;

function theirResults(): Map<string, unknown> {
  const script = `import * as zmq from "zeromq";
const run = ${RUNNER};
console.log(JSON.stringify(run(zmq, ${JSON.stringify(THROWING)})));
process.exit(0);`;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 30_000,
  });
  const line = child.stdout.split("\n").find((l) => l.startsWith("["));
  assert.ok(line, `the zeromq child printed its results (stderr: ${child.stderr})`);
  return new Map(JSON.parse(line) as Array<[string, unknown]>);
}

// zeromq.js's error for a bad `context` comes from Node-API without a code; zocket's has EINVAL.
const MESSAGE_ONLY = new Set(["Dealer with an invalid context"]);

describe("constructors that throw: zocket and zeromq.js give the same error", () => {
  const run = new Function(`return ${RUNNER}`)() as (zmq: unknown, cases: Array<[string, string]>) => unknown[];
  const mine = new Map(run(zocket, THROWING) as Array<[string, unknown]>);
  let theirs: Map<string, unknown> | undefined;
  for (const [name] of THROWING) {
    test(name, () => {
      theirs ??= theirResults();
      const [a, b] = [mine.get(name) as { code: unknown }, theirs.get(name) as { code: unknown } | null];
      assert.ok(b, "zeromq.js throws");
      if (MESSAGE_ONLY.has(name)) assert.deepEqual({ ...a, code: null }, b);
      else assert.deepEqual(a, b);
    });
  }
});

// ------------------------------------------------------------------ zocket only

describe("zocket: where construction and options differ from zeromq.js on purpose", () => {
  test("the Socket base cannot be made from a bare type number (zeromq.js makes a native socket)", () => {
    const Socket = zocket.Socket as unknown as new (...a: unknown[]) => unknown;
    assert.throws(() => new Socket(1), { code: "EINVAL", message: "Invalid argument", hint: /new zmq\.Publisher\(\)/ });
  });

  test("an unknown verbosity is refused (zeromq.js ignores it); the id accessors read every option", (t) => {
    const x = make(t, zocket.XPublisher as unknown as new (o?: object) => Sock);
    assert.throws(() => (x["verbosity"] = "all"), { code: "EINVAL", hint: /verbosity/ });
    const r = make(t, zocket.Router as unknown as new (o?: object) => Sock, { mandatory: true, probeRouter: true });
    assert.equal(r["mandatory"], true, "libzmq cannot read ZMQ_ROUTER_MANDATORY; zocket can");
    assert.equal(low(r).getBoolOption!(51), true, "nor ZMQ_PROBE_ROUTER");
  });

  test("a constructor that throws leaves nothing behind, for every socket type", () => {
    const before = process.getActiveResourcesInfo().length;
    const names = ["Pair", "Publisher", "Subscriber", "Request", "Reply", "Dealer", "Router", "Pull", "Push"];
    const classes = [...names, "XPublisher", "XSubscriber", "Stream"].map(
      (n) => (zocket as unknown as Record<string, new (o: object) => unknown>)[n]!,
    );
    for (const Cls of classes) {
      assert.throws(() => new Cls({ linger: 0, backlog: -1 }), { code: "EINVAL", message: "Invalid argument" });
      assert.throws(() => new Cls({ linger: 0, nosuch: 1 }), {
        name: "TypeError",
        message: "Cannot add property nosuch, object is not extensible",
      });
    }
    assert.equal(process.getActiveResourcesInfo().length, before);
  });
});
