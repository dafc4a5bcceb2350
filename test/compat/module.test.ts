/**
 * The module and the socket object without a transport: zeromq.js's compat context-test, exports-test,
 * zmq-proxy-test, socket-test and socket-error-callback-test, on zocket and on zeromq.js; then the option
 * table against zeromq.js's for every socket type, and what zocket's entry adds (docs/compatibility.md).
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { inherits } from "node:util";
import * as compat from "../../src/compat/index.ts";
import { eachLib, LIBS, runCase, type Compat, type Sock } from "./helpers.ts";

const TYPES = ["pair", "pub", "sub", "req", "rep", "dealer", "router", "pull", "push", "xpub", "xsub", "stream"];

/** What a call gives: its value (Buffers as hex), or the message it throws. */
function outcome(fn: () => unknown): string {
  try {
    const v = fn();
    return Buffer.isBuffer(v) ? `buffer ${v.toString("hex")}` : `value ${JSON.stringify(v)}`;
  } catch (err) {
    return `throws ${(err as Error).message}`;
  }
}

eachLib((zmq: Compat, label) => {
  describe(`${label} context`, () => {
    it("should support setting max io threads", () => {
      zmq.Context.setMaxThreads(3);
      assert.equal(zmq.Context.getMaxThreads(), 3);
      zmq.Context.setMaxThreads(1);
    });

    it("should support setting max number of sockets", () => {
      const before = zmq.Context.getMaxSockets();
      zmq.Context.setMaxSockets(256);
      assert.equal(zmq.Context.getMaxSockets(), 256);
      zmq.Context.setMaxSockets(before);
    });

    it("cannot be instantiated", () => {
      assert.throws(() => new zmq.Context(), { message: "Context cannot be instantiated in compatibility mode" });
    });
  });

  describe(`${label} exports`, () => {
    it("should export a valid version", () => {
      assert.match(zmq.version, /^\d+\.\d+\.\d+$/);
    });

    it("should generate valid curve keypair", () => {
      const curve = zmq.curveKeypair();
      assert.equal(typeof curve.public, "string");
      assert.equal(typeof curve.secret, "string");
      assert.equal(curve.public.length, 40);
      assert.equal(curve.secret.length, 40);
      assert.notEqual(zmq.curveKeypair().public, curve.public);
    });

    it("should export socket types and options", () => {
      const names = [
        "ZMQ_PUB", "ZMQ_SUB", "ZMQ_REQ", "ZMQ_XREQ", "ZMQ_REP", "ZMQ_XREP", "ZMQ_DEALER", "ZMQ_ROUTER", "ZMQ_PUSH",
        "ZMQ_PULL", "ZMQ_PAIR", "ZMQ_AFFINITY", "ZMQ_IDENTITY", "ZMQ_SUBSCRIBE", "ZMQ_UNSUBSCRIBE", "ZMQ_RCVTIMEO",
        "ZMQ_SNDTIMEO", "ZMQ_RATE", "ZMQ_RECOVERY_IVL", "ZMQ_SNDBUF", "ZMQ_RCVBUF", "ZMQ_RCVMORE", "ZMQ_FD",
        "ZMQ_EVENTS", "ZMQ_TYPE", "ZMQ_LINGER", "ZMQ_RECONNECT_IVL", "ZMQ_RECONNECT_IVL_MAX", "ZMQ_BACKLOG",
        "ZMQ_POLLIN", "ZMQ_POLLOUT", "ZMQ_POLLERR", "ZMQ_SNDMORE", "ZMQ_XPUB", "ZMQ_XSUB", "ZMQ_SNDHWM",
        "ZMQ_RCVHWM", "ZMQ_MAXMSGSIZE", "ZMQ_MULTICAST_HOPS", "ZMQ_TCP_KEEPALIVE", "ZMQ_TCP_KEEPALIVE_CNT",
        "ZMQ_TCP_KEEPALIVE_IDLE", "ZMQ_TCP_KEEPALIVE_INTVL", "ZMQ_IPV4ONLY", "ZMQ_DELAY_ATTACH_ON_CONNECT",
        "ZMQ_ROUTER_MANDATORY", "ZMQ_XPUB_VERBOSE", "ZMQ_TCP_ACCEPT_FILTER", "ZMQ_LAST_ENDPOINT", "ZMQ_ROUTER_RAW",
      ]; // prettier-ignore
      for (const name of names) assert.equal(typeof (zmq as unknown as Record<string, unknown>)[name], "number", name);
    });

    it("should export states", () => {
      assert.equal(typeof zmq.STATE_READY, "number");
      assert.equal(typeof zmq.STATE_BUSY, "number");
      assert.equal(typeof zmq.STATE_CLOSED, "number");
    });

    it("should export constructors", () => {
      assert.equal(typeof zmq.Context, "function");
      assert.equal(typeof zmq.Socket, "function");
    });

    it("should export methods", () => {
      assert.equal(typeof zmq.socket, "function");
    });

    it("should export proxy as a function off the module namespace", () => {
      assert.equal(typeof zmq.proxy, "function");
    });
  });

  describe(`${label} socket`, () => {
    const withReq = (fn: (sock: Sock) => void) => () => {
      const sock = zmq.socket("req");
      try {
        fn(sock);
      } finally {
        sock.close();
      }
    };

    it("should alias socket", () => {
      assert.equal(zmq.createSocket, zmq.socket);
    });

    it(
      "should include type and close",
      withReq((sock) => {
        assert.equal(sock.type, "req");
        assert.equal(typeof sock.close, "function");
        assert.ok(sock instanceof zmq.Socket);
        assert.ok(sock instanceof EventEmitter);
      }),
    );

    it(
      "should use socketopt",
      withReq((sock) => {
        assert.notEqual(sock.getsockopt(zmq.ZMQ_BACKLOG), 75);
        assert.equal(sock.setsockopt(zmq.ZMQ_BACKLOG, 75), sock);
        assert.equal(sock.getsockopt(zmq.ZMQ_BACKLOG), 75);
        sock.setsockopt(zmq.ZMQ_BACKLOG, 100);
      }),
    );

    it(
      "should use socketopt with sugar",
      withReq((sock) => {
        assert.notEqual(sock.getsockopt("backlog"), 75);
        assert.equal(sock.setsockopt("backlog", 75), sock);
        assert.equal(sock.getsockopt("backlog"), 75);
        assert.equal(typeof sock.backlog, "number");
        assert.notEqual(sock.backlog, 50);
        sock.backlog = 50;
        assert.equal(sock.backlog, 50);
      }),
    );

    it(
      "should close",
      withReq((sock) => {
        assert.equal(sock.closed, false);
        assert.equal(sock.close(), sock);
        assert.equal(sock.closed, true);
      }),
    );

    it("should support options", () => {
      const sock = zmq.socket("req", { backlog: 30, linger: 0, identity: "me" });
      assert.equal(sock.getsockopt("backlog"), 30);
      assert.equal(sock.linger, 0);
      assert.equal(sock.getsockopt(zmq.ZMQ_IDENTITY), "me");
      sock.close();
    });

    it("should refuse unknown types", () => {
      assert.throws(() => zmq.socket("bogus" as "req"), { message: "Invalid socket type: bogus" });
    });

    it("subscribe/unsubscribe need a SUB socket", () => {
      for (const type of ["pub", "xsub", "req"] as const) {
        const sock = zmq.socket(type);
        assert.throws(() => sock.subscribe("a"), { message: "Subscriber socket required" });
        assert.throws(() => sock.unsubscribe("a"), { message: "Subscriber socket required" });
        sock.close();
      }
      const sub = zmq.socket("sub");
      assert.equal(sub.subscribe("a"), sub);
      assert.equal(sub.unsubscribe("a"), sub);
      sub.close();
    });

    it("monitor() arguments are ignored, with a warning", async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error): void => void warnings.push(w.message);
      process.on("warning", onWarning);
      const sock = zmq.socket("dealer");
      try {
        sock.monitor(10, 0);
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(warnings, [
          "Arguments to monitor() are ignored in compatibility mode; all events are read automatically",
        ]);
        assert.equal(sock.unmonitor(), sock);
      } finally {
        process.off("warning", onWarning);
        sock.close();
      }
    });
  });

  describe(`${label} socket error callback`, () => {
    it("should create a socket with mandatory", () => {
      const sock = zmq.socket("router");
      sock.setsockopt(zmq.ZMQ_ROUTER_MANDATORY, 1);
      sock.setsockopt(zmq.ZMQ_SNDTIMEO, 10);
      assert.equal(sock.getsockopt(zmq.ZMQ_SNDTIMEO), 10);
      sock.close();
    });

    it("should callback with error when not connected", () =>
      runCase((c) => {
        const sock = c.track(zmq.socket("router"));
        sock.send(
          ["foo", "bar"],
          null,
          c.guard((err?: Error) => {
            // Without ZMQ_ROUTER_MANDATORY an unroutable message is dropped: no error.
            assert.equal(err, undefined);
            c.done();
          }),
        );
      }));
  });
});

describe("compat options against zeromq.js's compat", () => {
  const [zocket, zeromq] = LIBS.map((l) => l.zmq) as [Compat, Compat];

  it("the same exports, with the same values, and the same short option names", () => {
    for (const name of Object.keys(zeromq)) {
      assert.ok(name in zocket, `${name} is missing`);
      const theirs = (zeromq as unknown as Record<string, unknown>)[name];
      if (typeof theirs === "number") assert.equal((zocket as unknown as Record<string, unknown>)[name], theirs, name);
    }
    assert.deepEqual(zocket.options, zeromq.options);
  });

  it("every option id reads as in zeromq.js, on every socket type", () => {
    // One socket of each type per library (zeromq.js frees a closed socket's descriptors lazily).
    for (const type of TYPES) {
      const a = zocket.socket(type as "req");
      const b = zeromq.socket(type as "req");
      for (let id = 0; id < 100; id++) {
        const ours = outcome(() => a.getsockopt(id));
        const theirs = outcome(() => b.getsockopt(id));
        // zeromq.js's v6 sockets lack some options of other types (undefined) and libzmq refuses to read a
        // few (EINVAL); zocket reads the stored value there (docs/compatibility.md, "Option id accessors").
        if (theirs === "value undefined" || theirs === "throws Invalid argument") continue;
        assert.equal(ours, theirs, `${type} getsockopt(${id})`);
      }
      a.close();
      b.close();
    }
  });

  it("every short option writes and reads back as in zeromq.js", () => {
    const values: Record<string, unknown> = {
      affinity: 3, backlog: 7, identity: "peer", linger: 25, rate: 200, rcvbuf: 4096, reconnect_ivl: 150,
      recovery_ivl: 500, sndbuf: 8192, plain_server: 1, plain_username: "u", plain_password: "p", curve_server: 1,
      zap_domain: "global", heartbeat_ivl: 1000, heartbeat_ttl: 2000, heartbeat_timeout: 3000,
      connect_timeout: 400, mechanism: 1, last_endpoint: "tcp://x:1", _fd: 1, _ioevents: 1, _receiveMore: 1,
    }; // prettier-ignore
    for (const [name, value] of Object.entries(values)) {
      const a = zocket.socket("dealer");
      const b = zeromq.socket("dealer");
      const set = (s: Sock): string => outcome(() => void (s[name] = value));
      assert.equal(set(a), set(b), `set ${name}`);
      assert.equal(
        outcome(() => a[name]),
        outcome(() => b[name]),
        `get ${name}`,
      );
      a.close();
      b.close();
    }
  });

  it("options by id: numbers in, 0/1 out for booleans; the ones compat refuses", () => {
    for (const zmq of [zocket, zeromq]) {
      const router = zmq.socket("router");
      // libzmq cannot read ZMQ_ROUTER_MANDATORY back (EINVAL in zeromq.js; zocket reads the stored value).
      assert.equal(router.setsockopt(zmq.ZMQ_ROUTER_MANDATORY, 1), router);
      assert.equal(router.setsockopt(zmq.ZMQ_DELAY_ATTACH_ON_CONNECT, 1).getsockopt(39), 1);
      assert.equal(router.setsockopt(zmq.ZMQ_IPV4ONLY, 0).getsockopt(zmq.ZMQ_IPV6), 1);
      assert.equal(router.getsockopt(zmq.ZMQ_IPV4ONLY), false);
      assert.equal(router.setsockopt(zmq.ZMQ_SNDHWM, 5).getsockopt(zmq.ZMQ_SNDHWM), 5);
      assert.equal(router.setsockopt(zmq.ZMQ_RCVHWM, 6).getsockopt(zmq.ZMQ_RCVHWM), 6);
      assert.equal(router.setsockopt(zmq.ZMQ_ROUTER_HANDOVER, 1), router);
      assert.equal(router.getsockopt(zmq.ZMQ_TYPE), zmq.ZMQ_ROUTER);
      assert.throws(() => router.setsockopt(zmq.ZMQ_ROUTER_RAW, 1), {
        message: "ZMQ_ROUTER_RAW is not supported in compatibility mode",
      });
      assert.throws(() => router.getsockopt(zmq.ZMQ_RCVMORE), {
        message: "ZMQ_RCVMORE is not supported in compatibility mode",
      });
      assert.throws(() => router.getsockopt(zmq.ZMQ_FD), { message: "ZMQ_FD is not supported in compatibility mode" });
      assert.throws(() => router.setsockopt(1234, 1), { message: "Unknown option" });
      assert.throws(() => router.getsockopt("nope" as "linger"), { message: "Unknown option" });
      router.close();
      const xpub = zmq.socket("xpub");
      assert.equal(xpub.setsockopt(zmq.ZMQ_XPUB_VERBOSE, 1), xpub);
      assert.throws(() => xpub.getsockopt(zmq.ZMQ_XPUB_VERBOSE), {
        message: "Reading ZMQ_XPUB_VERBOSE is not supported",
      });
      xpub.close();
      const pub = zmq.socket("pub");
      assert.equal(pub.getsockopt(zmq.ZMQ_EVENTS), zmq.ZMQ_POLLOUT);
      pub.close();
      const pull = zmq.socket("pull");
      assert.equal(pull.getsockopt(zmq.ZMQ_EVENTS), 0);
      pull.close();
    }
  });
});

describe("zocket: what zocket/v5-compat adds (docs/compatibility.md)", () => {
  it("socket() takes the ZMQ_* type numbers too", () => {
    for (const [name, value] of Object.entries(compat.types)) {
      const sock = compat.socket(value);
      // The number's current name: 5 is "dealer" (not "xreq"), 6 is "router" (not "xrep").
      assert.equal(sock.type, { xreq: "dealer", xrep: "router" }[name as "xreq"] ?? name);
      sock.close();
    }
    assert.throws(() => compat.socket(12), { message: "Invalid socket type: 12" });
  });

  it("5.x's maps and flags: types, events, ZMQ_NOBLOCK/ZMQ_DONTWAIT, ZMQ_HWM, ZMQ_SWAP, ZMQ_MCAST_LOOP", () => {
    assert.equal(compat.types.router, compat.ZMQ_ROUTER);
    assert.equal(compat.types.xrep, compat.ZMQ_XREP);
    assert.equal(compat.events[1], "connect");
    assert.equal(compat.events[512], "disconnect");
    assert.equal(compat.ZMQ_NOBLOCK, 1);
    assert.equal(compat.ZMQ_DONTWAIT, 1);
    assert.deepEqual([compat.ZMQ_HWM, compat.ZMQ_SWAP, compat.ZMQ_MCAST_LOOP], [1, 3, 10]);
    const sock = compat.socket("dealer");
    assert.throws(() => sock.setsockopt(compat.ZMQ_HWM, 1), { message: "Unknown option" });
    sock.close();
  });

  it("Context.setCtxOption/getCtxOption by id", () => {
    const before = compat.Context.getCtxOption(compat.ZMQ_MAX_SOCKETS);
    compat.Context.setCtxOption(compat.ZMQ_MAX_SOCKETS, 300);
    assert.equal(compat.Context.getMaxSockets(), 300);
    compat.Context.setCtxOption(compat.ZMQ_IO_THREADS, 2);
    assert.equal(compat.Context.getCtxOption(compat.ZMQ_IO_THREADS), 2);
    compat.Context.setMaxThreads(1);
    compat.Context.setMaxSockets(before);
    assert.throws(() => compat.Context.setCtxOption(9999, 1), { code: "EINVAL" });
  });

  it("Socket is a constructor function: ES5 subclasses and ES classes both work", () => {
    function Legacy(this: Sock, type: "req"): void {
      compat.Socket.call(this, type);
      this.legacy = true;
    }
    inherits(Legacy, compat.Socket as unknown as new () => object);
    const a = new (Legacy as unknown as new (type: string) => Sock)("req");
    assert.ok(a instanceof compat.Socket);
    assert.equal(a.type, "req");
    assert.equal(a.legacy, true);
    assert.equal(a.setsockopt("linger", 0).getsockopt("linger"), 0);
    a.close();
    class Modern extends compat.Socket {}
    const b = new Modern("dealer");
    assert.equal(b.type, "dealer");
    assert.equal(b.closed, false);
    b.close();
    assert.equal(b.closed, true);
    const c = (compat.Socket as unknown as (type: string) => Sock)("pub");
    assert.ok(c instanceof compat.Socket);
    c.close();
  });

  it("zeromq.js's compat Socket is an ES class: the ES5 pattern fails there", () => {
    const zeromq = LIBS[1]!.zmq;
    assert.throws(() => (zeromq.Socket as unknown as (this: object, t: string) => void).call({}, "req"), TypeError);
  });

  it("a binary identity reads back as its bytes; a text one as a string", () => {
    const sock = compat.socket("dealer");
    const id = Buffer.from([0, 0xff, 0x80, 1]);
    sock.identity = id;
    assert.deepEqual(sock.identity, id);
    sock.identity = "text";
    assert.equal(sock.getsockopt(compat.ZMQ_IDENTITY), "text");
    sock.close();
  });

  it("ZMQ_RCVTIMEO is kept and read back", () => {
    const sock = compat.socket("pull");
    assert.equal(sock.getsockopt(compat.ZMQ_RCVTIMEO), -1);
    sock.setsockopt(compat.ZMQ_RCVTIMEO, 10);
    assert.equal(sock.getsockopt(compat.ZMQ_RCVTIMEO), 10);
    assert.throws(() => sock.setsockopt(compat.ZMQ_RCVTIMEO, "x"), TypeError);
    sock.close();
  });

  it("read() gives null when nothing is held (zeromq.js's compat throws)", () => {
    const sock = compat.socket("pull");
    assert.equal(sock.read(), null);
    sock.close();
    const theirs = LIBS[1]!.zmq.socket("pull");
    assert.throws(() => theirs.read(), {
      message: "read() has been removed from compatibility mode; use on('message', ...) instead.",
    });
    theirs.close();
  });
});
