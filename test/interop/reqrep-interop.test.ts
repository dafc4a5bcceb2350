// Request-reply interop with real libzmq (issue 3): the `zeromq` package (libzmq 4.3.5, in process) and
// Debian's python3-zmq (libzmq 4.3.4, test/interop/peers/reqrep_peer.py), both directions, tcp and ipc;
// a broker mixing zocket and libzmq sockets; and a REQ against a raw ZMTP 2.0 REP peer
// (test/interop/peers/reqrep_zmtp2_rep.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as zmq from "zeromq";
import * as zocket from "../../src/index.ts";
import { closeAll, make, str, within, ZEROMQ, ZOCKET, type Lib } from "../helpers/reqrep-libs.ts";

const T = 8000;
const PEERS = join(dirname(fileURLToPath(import.meta.url)), "peers");
let ipcCount = 0;
const ipcPaths: string[] = [];
process.on("exit", () => {
  for (const p of ipcPaths) rmSync(p, { force: true }); // libzmq may not have unlinked them yet
});
const ipc = (tag: string): string => {
  const path = join(tmpdir(), `zocket-rri-${tag}-${process.pid}-${++ipcCount}.sock`);
  ipcPaths.push(path);
  return `ipc://${path}`;
};

/** A python peer: its output lines, a way to wait for one, and its exit. */
class PyPeer {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  #waiters: (() => void)[] = [];
  #buf = "";

  constructor(script: string, args: string[]) {
    this.proc = spawn("/usr/bin/python3", [join(PEERS, script), ...args]);
    this.proc.stdout.setEncoding("utf8");
    this.proc.stdout.on("data", (d: string) => {
      this.#buf += d;
      let i: number;
      while ((i = this.#buf.indexOf("\n")) !== -1) {
        this.lines.push(this.#buf.slice(0, i));
        this.#buf = this.#buf.slice(i + 1);
      }
      for (const w of this.#waiters.splice(0)) w();
    });
    this.proc.stderr.on("data", (d: Buffer) => process.stderr.write(d));
    this.exited = new Promise((r) => this.proc.on("exit", (code) => r(code)));
  }

  /** Wait until `ready()` gives an answer (re-checked whenever the peer prints). */
  async #until<R>(ready: () => R | undefined, what: string, ms = T): Promise<R> {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = ready();
      if (r !== undefined) return r;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`python peer: ${what} not seen in ${JSON.stringify(this.lines)}`);
      await within(new Promise<void>((res) => this.#waiters.push(res)), left, what).catch(() => {});
    }
  }

  /** The first line matching `re` (waiting for it). */
  line(re: RegExp, ms = T): Promise<RegExpExecArray> {
    return this.#until(() => this.all(re)[0], `a line matching ${re}`, ms);
  }

  /** The first `n` bound endpoints the peer printed. */
  endpoints(n: number): Promise<string[]> {
    return this.#until(() => {
      const eps = this.all(/^ENDPOINT (.+)$/);
      return eps.length >= n ? eps.slice(0, n).map((m) => m[1]!) : undefined;
    }, `${n} ENDPOINT lines`);
  }

  all(re: RegExp): RegExpExecArray[] {
    return this.lines.map((l) => re.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  }

  async done(): Promise<void> {
    const code = await within(this.exited, T, "python peer exit");
    assert.equal(code, 0, `python peer output: ${JSON.stringify(this.lines)}`);
    assert.ok(this.lines.includes("DONE"));
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill();
  }
}

const hex = (...frames: string[]): string => frames.map((f) => Buffer.from(f).toString("hex")).join(",");

// ------------------------------------------------------------------ pyzmq (libzmq 4.3.4) peers

for (const tr of ["tcp", "ipc"] as const) {
  const bindEp = (tag: string): string => (tr === "tcp" ? "tcp://127.0.0.1:*" : ipc(tag));

  test(`pyzmq ${tr}: zocket REQ -> libzmq REP`, async () => {
    const py = new PyPeer("reqrep_peer.py", ["rep", "bind", bindEp("py-rep"), "3"]);
    const req = make(ZOCKET.Request);
    try {
      const [ep] = await py.endpoints(1);
      req.connect(ep!);
      for (let i = 0; i < 3; i++) {
        await req.send(["hello", String(i)]);
        assert.deepEqual(str(await within(req.receive(), T, "reply")), ["py:hello", `py:${i}`]);
      }
      await py.done();
      assert.deepEqual(
        py.all(/^RECV (.*)$/).map((m) => m[1]),
        [0, 1, 2].map((i) => hex("hello", String(i))),
      );
    } finally {
      closeAll(req);
      py.kill();
    }
  });

  test(`pyzmq ${tr}: libzmq REQ -> zocket REP`, async () => {
    const rep = make(ZOCKET.Reply);
    let py: PyPeer | undefined;
    try {
      await rep.bind(bindEp("z-rep"));
      py = new PyPeer("reqrep_peer.py", ["req", "connect", rep.lastEndpoint!, "3"]);
      for (let i = 0; i < 3; i++) {
        const m = await within(rep.receive(), T, "request");
        assert.deepEqual(str(m), ["req", String(i)]);
        await rep.send(["z", ...m]);
      }
      await py.done();
      assert.deepEqual(
        py.all(/^REPLY (.*)$/).map((m) => m[1]),
        [0, 1, 2].map((i) => hex("z", "req", String(i))),
      );
    } finally {
      closeAll(rep);
      py?.kill();
    }
  });

  test(`pyzmq ${tr}: zocket DEALER with a routing id -> libzmq ROUTER: the id arrives, replies come back`, async () => {
    const py = new PyPeer("reqrep_peer.py", ["router", "bind", bindEp("py-router"), "2"]);
    const dealer = make(ZOCKET.Dealer, { routingId: "zocket-dealer" });
    try {
      const [ep] = await py.endpoints(1);
      dealer.connect(ep!);
      for (let i = 0; i < 2; i++) {
        await dealer.send(["ask", String(i)]);
        assert.deepEqual(str(await within(dealer.receive(), T, "reply")), ["py:ask", `py:${i}`]);
      }
      await py.done();
      assert.deepEqual(
        py.all(/^RECV (.*)$/).map((m) => m[1]),
        [0, 1].map((i) => hex("zocket-dealer", "ask", String(i))),
      );
    } finally {
      closeAll(dealer);
      py.kill();
    }
  });

  test(`pyzmq ${tr}: two libzmq DEALERs -> one zocket ROUTER, replies routed to the right one`, async () => {
    const router = make(ZOCKET.Router);
    let py: PyPeer | undefined;
    try {
      await router.bind(bindEp("z-router"));
      py = new PyPeer("reqrep_peer.py", ["dealers", "connect", router.lastEndpoint!, "2"]);
      for (let i = 0; i < 4; i++) {
        const [id, hello, who] = await within(router.receive(), T, "dealer message");
        assert.equal(String(hello), "hello");
        assert.equal(String(id), String(who), "the routing id is the DEALER's Identity");
        await router.send([id!, `for ${String(id)}`]);
      }
      await py.done();
      for (const who of ["D1", "D2"]) {
        assert.deepEqual(
          py.all(new RegExp(`^GOT ${who} (.*)$`)).map((m) => m[1]),
          [hex(`for ${who}`), hex(`for ${who}`)],
        );
      }
    } finally {
      closeAll(router);
      py?.kill();
    }
  });

  test(`pyzmq ${tr}: zocket REQ -> libzmq ROUTER/DEALER broker -> zocket REP`, async () => {
    const py = new PyPeer("reqrep_peer.py", ["broker", "bind", bindEp("py-front"), "3", bindEp("py-back")]);
    const req = make(ZOCKET.Request);
    const rep = make(ZOCKET.Reply);
    try {
      const [front, back] = await py.endpoints(2);
      rep.connect(back!);
      req.connect(front!);
      const served = (async () => {
        for (let i = 0; i < 3; i++) {
          const m = await within(rep.receive(), T, "request at REP");
          await rep.send(["done", ...m]);
        }
      })();
      for (let i = 0; i < 3; i++) {
        await req.send(`job ${i}`);
        assert.deepEqual(str(await within(req.receive(), T, "reply via broker")), ["done", `job ${i}`]);
      }
      await served;
      await py.done();
    } finally {
      closeAll(req, rep);
      py.kill();
    }
  });
}

test("pyzmq tcp: libzmq REQ -> zocket ROUTER/DEALER broker -> libzmq REP (zeromq package)", async () => {
  const front = make(ZOCKET.Router);
  const back = make(ZOCKET.Dealer);
  const rep = make(ZEROMQ.Reply);
  let py: PyPeer | undefined;
  let stop = false;
  try {
    await front.bind("tcp://127.0.0.1:*");
    await back.bind("tcp://127.0.0.1:*");
    rep.connect(back.lastEndpoint!);
    // A broker loop each way (what zmq_proxy does), until the sockets close.
    const forward = async (from: typeof front | typeof back, to: typeof front | typeof back): Promise<void> => {
      try {
        while (!stop) await to.send(await from.receive());
      } catch {
        // closed
      }
    };
    const loops = Promise.all([forward(front, back), forward(back, front)]);
    const serving = (async () => {
      for (let i = 0; i < 3; i++) {
        const m = await within(rep.receive(), T, "request at libzmq REP");
        await rep.send(["zeromq-rep", ...m]);
      }
    })();
    py = new PyPeer("reqrep_peer.py", ["req", "connect", front.lastEndpoint!, "3"]);
    await serving;
    await py.done();
    assert.deepEqual(
      py.all(/^REPLY (.*)$/).map((m) => m[1]),
      [0, 1, 2].map((i) => hex("zeromq-rep", "req", String(i))),
    );
    stop = true;
    closeAll(front, back);
    await loops;
  } finally {
    closeAll(front, back, rep);
    py?.kill();
  }
});

// ------------------------------------------------------------------ the zeromq package (libzmq 4.3.5) in process

const PAIRS: [Lib, Lib][] = [
  [ZOCKET, ZEROMQ],
  [ZEROMQ, ZOCKET],
];

for (const [a, b] of PAIRS) {
  for (const tr of ["tcp", "ipc"] as const) {
    const bindEp = (tag: string): string => (tr === "tcp" ? "tcp://127.0.0.1:*" : ipc(tag));

    test(`${a.name} REQ <-> ${b.name} REP over ${tr}, both bind directions`, async () => {
      for (const reqBinds of [false, true]) {
        const req = make(a.Request);
        const rep = make(b.Reply);
        try {
          if (reqBinds) {
            await req.bind(bindEp("req-binds"));
            rep.connect(req.lastEndpoint!);
          } else {
            await rep.bind(bindEp("rep-binds"));
            req.connect(rep.lastEndpoint!);
          }
          for (let i = 0; i < 3; i++) {
            await req.send(["q", String(i)]);
            const m = await within(rep.receive(), T, "request");
            assert.deepEqual(str(m), ["q", String(i)]);
            await rep.send(["r", ...m]);
            assert.deepEqual(str(await within(req.receive(), T, "reply")), ["r", "q", String(i)]);
          }
        } finally {
          closeAll(req, rep);
        }
      }
    });

    test(`${a.name} DEALER (routing id) <-> ${b.name} ROUTER over ${tr}`, async () => {
      const router = make(b.Router);
      const dealer = make(a.Dealer, { routingId: `${a.name}-dealer` });
      try {
        await router.bind(bindEp("dr"));
        dealer.connect(router.lastEndpoint!);
        await dealer.send("hi");
        const [id, body] = await within(router.receive(), T, "message");
        assert.equal(String(id), `${a.name}-dealer`);
        assert.equal(String(body), "hi");
        await router.send([id!, "back"]);
        assert.deepEqual(str(await within(dealer.receive(), T, "reply")), ["back"]);
      } finally {
        closeAll(dealer, router);
      }
    });

    test(`two ${a.name} DEALERs <-> one ${b.name} ROUTER over ${tr}: replies routed to the right one`, async () => {
      const router = make(b.Router);
      const d1 = make(a.Dealer, { routingId: "D1" });
      const d2 = make(a.Dealer, { routingId: "D2" });
      try {
        await router.bind(bindEp("ddr"));
        d1.connect(router.lastEndpoint!);
        d2.connect(router.lastEndpoint!);
        await d1.send("one");
        await d2.send("two");
        for (let i = 0; i < 2; i++) {
          const [id] = await within(router.receive(), T, "message");
          await router.send([id!, `to ${String(id)}`]);
        }
        assert.deepEqual(str(await within(d1.receive(), T, "d1")), ["to D1"]);
        assert.deepEqual(str(await within(d2.receive(), T, "d2")), ["to D2"]);
      } finally {
        closeAll(d1, d2, router);
      }
    });
  }

  test(`${a.name} REQ (correlate) <-> ${b.name} ROUTER: the request id round-trips`, async () => {
    const router = make(b.Router);
    const req = make(a.Request, { correlate: true, relaxed: true });
    try {
      await router.bind("tcp://127.0.0.1:*");
      req.connect(router.lastEndpoint!);
      await req.send("first");
      const [id1, rid1, , body1] = await within(router.receive(), T, "first");
      assert.equal(rid1!.length, 4);
      assert.equal(String(body1), "first");
      await req.send("second");
      const [, rid2] = await within(router.receive(), T, "second");
      await router.send([id1!, rid1!, "", "stale"]);
      await router.send([id1!, rid2!, "", "fresh"]);
      // zeromq.js quirk: when libzmq skips a stale reply and the next one is not in yet, receive() rejects
      // with EAGAIN instead of waiting (whatever receiveTimeout is). A zocket ROUTER writes the two replies
      // in two TCP writes, so with zeromq retry on EAGAIN (until the deadline) rather than sleep and hope.
      const deadline = Date.now() + T;
      let reply: Buffer[];
      for (;;) {
        try {
          reply = await within(req.receive(), Math.max(1, deadline - Date.now()), "reply");
          break;
        } catch (err) {
          if (a !== ZEROMQ || (err as { code?: string }).code !== "EAGAIN" || Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      assert.deepEqual(str(reply), ["fresh"]);
    } finally {
      closeAll(req, router);
    }
  });
}

test("zeromq REQ -> zocket ROUTER/DEALER broker -> zeromq REP, and zocket REQ through it too", async () => {
  const front = new zocket.Router({ linger: 0 });
  const back = new zocket.Dealer({ linger: 0 });
  const rep = new zmq.Reply({ linger: 0 });
  const reqs = [new zmq.Request({ linger: 0 }), new zocket.Request({ linger: 0 })];
  try {
    await front.bind("tcp://127.0.0.1:*");
    await back.bind(ipc("mixed-back"));
    rep.connect(back.lastEndpoint!);
    for (const r of reqs) r.connect(front.lastEndpoint!);
    const forward = async (from: zocket.Router | zocket.Dealer, to: zocket.Router | zocket.Dealer): Promise<void> => {
      try {
        for (;;) await to.send(await from.receive());
      } catch {
        // closed
      }
    };
    const loops = Promise.all([forward(front, back), forward(back, front)]);
    const serving = (async () => {
      for (let i = 0; i < 4; i++) {
        const m = await rep.receive();
        await rep.send(["via broker", ...m]);
      }
    })();
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        reqs.map(async (r, k) => {
          await r.send(`req ${k} round ${round}`);
          assert.deepEqual(str(await within(r.receive(), T, "reply")), ["via broker", `req ${k} round ${round}`]);
        }),
      );
    }
    await within(serving, T, "REP served all");
    front.close();
    back.close();
    await loops;
  } finally {
    front.close();
    back.close();
    rep.close();
    for (const r of reqs) r.close();
  }
});

// ------------------------------------------------------------------ ZMTP 2.0

test("REQ against a raw ZMTP 2.0 REP peer (legacy greeting and framing) completes round trips", async () => {
  const py = new PyPeer("reqrep_zmtp2_rep.py", ["3"]);
  const req = new zocket.Request({ linger: 0, routingId: "v2-client" });
  try {
    const [, port] = await py.line(/^PORT (\d+)$/);
    req.connect(`tcp://127.0.0.1:${port}`);
    for (let i = 0; i < 3; i++) {
      await req.send([`a${i}`, "b"]);
      assert.deepEqual(str(await within(req.receive(), T, "v2 reply")), [`v2:a${i}`, "v2:b"]);
    }
    await py.done();
    // Our side of the downgrade: major 3 in byte 10, then REQ's socket type (3), then the identity frame.
    assert.equal((await py.line(/^PEER-REV (\d+)$/))[1], "3");
    assert.equal((await py.line(/^PEER-TYPE (\d+)$/))[1], "3");
    assert.equal((await py.line(/^PEER-ID (.*)$/))[1], Buffer.from("v2-client").toString("hex"));
    assert.deepEqual(
      py.all(/^REQ (.*)$/).map((m) => m[1]),
      [0, 1, 2].map((i) => ["", `a${i}`, "b"].map((f) => Buffer.from(f).toString("hex")).join(",")),
    );
  } finally {
    req.close();
    py.kill();
  }
});
