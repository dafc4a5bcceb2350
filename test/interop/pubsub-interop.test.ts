/**
 * Publish-subscribe against real libzmq, both directions, over tcp and ipc: the `zeromq` package
 * (libzmq 4.3.5, in process) and Debian's python3-zmq (libzmq 4.3.4, test/interop/peers/pubsub_peer.py).
 * Loopback only, ephemeral ports, unique ipc paths, every wait bounded. The python cases are skipped
 * when /usr/bin/python3 cannot import zmq.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as zmq from "zeromq";
import { Proxy, Publisher, Subscriber, XPublisher, XSubscriber } from "../../src/index.ts";
import { withTimeout } from "../helpers/sockets.ts";

const PYTHON = "/usr/bin/python3";
const PEER = fileURLToPath(new URL("./peers/pubsub_peer.py", import.meta.url));
const HAVE_PYZMQ = spawnSync(PYTHON, ["-c", "import zmq"], { timeout: 10_000 }).status === 0;
const PY = {
  skip: HAVE_PYZMQ ? false : "needs /usr/bin/python3 with python3-zmq (libzmq 4.3)",
  timeout: 30_000,
} as const;
const T = { timeout: 30_000 } as const;

type Transport = "tcp" | "ipc";
let seq = 0;
function address(tr: Transport): string {
  seq++;
  return tr === "tcp" ? "tcp://127.0.0.1:*" : `ipc://${join(tmpdir(), `zocket-psi-${process.pid}-${seq}.sock`)}`;
}

interface Closable {
  close(): void;
  readonly closed: boolean;
  linger: number;
}

function track(t: TestContext) {
  const list: Closable[] = [];
  t.after(() => {
    for (const s of list) if (!s.closed) s.close();
  });
  return <S extends Closable>(s: S): S => {
    s.linger = 0;
    list.push(s);
    return s;
  };
}

const text = (m: Buffer[]): string => m.map((f) => f.toString("latin1")).join("|");
const hex = (s: string): string => Buffer.from(s, "latin1").toString("hex");

/** A pyzmq peer driven line by line (see pubsub_peer.py). */
class PyPeer {
  endpoint = "";
  readonly #child: ReturnType<typeof spawn>;
  readonly #lines: string[] = [];
  #wake: (() => void) | null = null;
  /** Resolves when the process has exited (attached at spawn: an exit is never missed). */
  readonly #exited: Promise<void>;

  private constructor(t: TestContext, args: string[]) {
    this.#child = spawn(PYTHON, [PEER, ...args], { stdio: ["pipe", "pipe", "inherit"] });
    this.#exited = new Promise((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.stdin!.on("error", () => {}); // EPIPE when it already exited
    t.after(() => this.#child.kill("SIGKILL"));
    createInterface({ input: this.#child.stdout! }).on("line", (l) => {
      this.#lines.push(l);
      this.#wake?.();
    });
  }

  static async start(t: TestContext, type: string, how: "bind" | "connect", endpoint: string): Promise<PyPeer> {
    const peer = new PyPeer(t, [type, how, endpoint]);
    const first = await peer.#next();
    assert.match(first, /^READY /);
    peer.endpoint = first.slice(6);
    return peer;
  }

  async #next(ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.#lines.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("python peer did not answer");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
    return this.#lines.shift()!;
  }

  /** Send one command line, resolve with its one-line answer. */
  async cmd(line: string): Promise<string> {
    this.#child.stdin!.write(line + "\n");
    return this.#next();
  }

  /** The next message, as text frames joined by "|", or null on timeout. */
  async recv(): Promise<string | null> {
    const a = await this.cmd("recv");
    if (a === "TIMEOUT") return null;
    assert.match(a, /^RECV/);
    const body = a.slice(5);
    return body
      .split(",")
      .map((h) => Buffer.from(h, "hex").toString("latin1"))
      .join("|");
  }

  send(...frames: string[]): Promise<string> {
    return this.cmd("send " + frames.map(hex).join(","));
  }

  /** Close its socket and exit (the other side sees a disconnect); fails (after killing it) if it does not within 10 s. */
  async quit(): Promise<void> {
    this.#child.stdin!.write("quit\n");
    try {
      await withTimeout(this.#exited, 10_000, "the python peer to exit after quit");
    } catch (err) {
      this.#child.kill("SIGKILL");
      throw err;
    }
  }
}

interface Rx {
  receiveTimeout: number;
  receive(): Promise<Buffer[]>;
}

/** Publish (via `send`) until `sub` receives a message, which is returned (slow joiner). */
async function publishUntilReceived(send: () => Promise<unknown>, sub: Rx, ms = 10_000): Promise<Buffer[]> {
  const deadline = Date.now() + ms;
  const saved = sub.receiveTimeout;
  sub.receiveTimeout = 30;
  try {
    for (;;) {
      await send();
      try {
        return await sub.receive();
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  } finally {
    sub.receiveTimeout = saved;
  }
}

/** Read until a message equal to `mark` arrives; return what came before it, minus sync noise. */
async function until(sub: Rx, mark: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const m = text(await sub.receive());
    if (m === mark) return out;
    if (!m.startsWith("sync")) out.push(m);
  }
}

/** XPUB event as text: "+topic" / "-topic". */
const ev = (b: Buffer): string => (b[0] === 1 ? "+" : b[0] === 0 ? "-" : "?") + b.subarray(1).toString("latin1");

for (const tr of ["tcp", "ipc"] as const) {
  test(`[${tr}] libzmq PUB (zeromq 4.3.5) -> zocket SUB: topic filtering and unsubscribe`, T, async (t) => {
    const use = track(t);
    const pub = use(new zmq.Publisher());
    await pub.bind(address(tr));
    const sub = use(new Subscriber());
    sub.receiveTimeout = 5000;
    sub.subscribe("sync", "a");
    sub.connect(pub.lastEndpoint!);
    await publishUntilReceived(() => pub.send("sync"), sub);
    for (const m of ["a1", "b1", "ba", "a2"]) await pub.send(m);
    await pub.send(["a-multi", "part"]);
    await pub.send("sync-mark-1");
    assert.deepEqual(await until(sub, "sync-mark-1"), ["a1", "a2", "a-multi|part"]);
    sub.unsubscribe("a");
    // The CANCEL crosses asynchronously: send until a marker arrives after an "a" that is filtered.
    await pub.send("a3");
    await pub.send("sync-mark-2");
    const after = await until(sub, "sync-mark-2");
    // libzmq's PUB may still have sent a3 before processing the cancel: the SUB filters it locally.
    assert.deepEqual(after, []);
  });

  test(`[${tr}] zocket SUB's counted subscribe/cancel reach a libzmq XPUB (zeromq 4.3.5) on the wire`, T, async (t) => {
    const use = track(t);
    const xpub = use(new zmq.XPublisher());
    xpub.receiveTimeout = 5000;
    await xpub.bind(address(tr));
    const sub = use(new Subscriber());
    sub.subscribe("a", "a"); // counted: two subscribes...
    sub.connect(xpub.lastEndpoint!);
    assert.equal(ev((await xpub.receive())[0]!), "+a");
    sub.unsubscribe("a"); // ...so the first unsubscribe sends nothing
    sub.subscribe("marker"); // same pipe, in order: arrives after anything the unsubscribe sent
    assert.equal(ev((await xpub.receive())[0]!), "+marker");
    sub.unsubscribe("a");
    assert.equal(ev((await xpub.receive())[0]!), "-a");
    await xpub.send("a-after-cancel");
    await xpub.send("marker-1");
    assert.equal(text(await sub.receive()), "marker-1");
  });

  test(`[${tr}] libzmq PUB (python 4.3.4) -> zocket SUB`, PY, async (t) => {
    const use = track(t);
    const py = await PyPeer.start(t, "PUB", "bind", tr === "tcp" ? "tcp://127.0.0.1:*" : address(tr));
    const sub = use(new Subscriber());
    sub.receiveTimeout = 5000;
    sub.subscribe("py");
    sub.connect(py.endpoint);
    const first = await publishUntilReceived(() => py.send("py-0", "body"), sub);
    assert.equal(text(first), "py-0|body");
    await py.send("other");
    await py.send("py-1");
    await py.send("py-end");
    const got: string[] = [];
    for (;;) {
      const m = text(await sub.receive());
      if (m === "py-0|body") continue; // duplicates of the slow-joiner loop
      got.push(m);
      if (m === "py-end") break;
    }
    assert.deepEqual(got, ["py-1", "py-end"]);
    await py.quit();
  });

  test(`[${tr}] zocket PUB -> libzmq SUB (zeromq 4.3.5 and python 4.3.4)`, PY, async (t) => {
    const use = track(t);
    const pub = use(new Publisher());
    await pub.bind(address(tr));
    const js = use(new zmq.Subscriber());
    js.receiveTimeout = 5000;
    js.subscribe("sync", "x");
    js.connect(pub.lastEndpoint!);
    await publishUntilReceived(() => pub.send("sync"), js);
    for (const m of ["x1", "y1", "x2"]) await pub.send(m);
    await pub.send("sync-mark");
    assert.deepEqual(await until(js, "sync-mark"), ["x1", "x2"]);

    const py = await PyPeer.start(t, "SUB", "connect", pub.lastEndpoint!);
    assert.equal(await py.cmd(`sub ${hex("z")}`), "OK");
    // Publish until python has it (its subscription must reach us first).
    let got: string | null = null;
    const deadline = Date.now() + 10_000;
    while (got === null && Date.now() < deadline) {
      await pub.send(["z1", "frame2"]);
      await pub.send("w1");
      got = await py.recv();
    }
    assert.equal(got, "z1|frame2");
    await py.quit();
  });

  test(
    `[${tr}] a libzmq SUB's subscription reaches zocket XPUB as [01 topic], its cancel after disconnect as [00 topic]`,
    PY,
    async (t) => {
      const use = track(t);
      const xpub = use(new XPublisher());
      xpub.receiveTimeout = 10_000;
      await xpub.bind(address(tr));
      // python (libzmq 4.3.4 sends SUBSCRIBE commands to our ZMTP 3.1 greeting)
      const py = await PyPeer.start(t, "SUB", "connect", xpub.lastEndpoint!);
      assert.equal(await py.cmd(`sub ${hex("news")}`), "OK");
      assert.equal(ev((await xpub.receive())[0]!), "+news");
      await py.quit();
      assert.equal(ev((await xpub.receive())[0]!), "-news");
      // zeromq package (libzmq 4.3.5)
      const js = use(new zmq.Subscriber());
      js.subscribe("weather");
      js.connect(xpub.lastEndpoint!);
      assert.equal(ev((await xpub.receive())[0]!), "+weather");
      js.close();
      assert.equal(ev((await xpub.receive())[0]!), "-weather");
    },
  );

  test(`[${tr}] zocket XSUB/XPUB proxy between libzmq publishers and subscribers`, PY, async (t) => {
    const use = track(t);
    const front = use(new XSubscriber());
    const back = use(new XPublisher());
    await front.bind(address(tr));
    await back.bind(address(tr));
    const proxy = new Proxy(front, back);
    const run = proxy.run();
    // zeromq (4.3.5) publishes "js..." and subscribes to "py"; python (4.3.4) the other way round.
    const jsPub = use(new zmq.Publisher());
    jsPub.connect(front.lastEndpoint!);
    const jsSub = use(new zmq.Subscriber());
    jsSub.receiveTimeout = 5000;
    jsSub.subscribe("py");
    jsSub.connect(back.lastEndpoint!);
    const pyPub = await PyPeer.start(t, "PUB", "connect", front.lastEndpoint!);
    const pySub = await PyPeer.start(t, "SUB", "connect", back.lastEndpoint!);
    assert.equal(await pySub.cmd(`sub ${hex("js")}`), "OK");

    const fromPy = await publishUntilReceived(() => pyPub.send("py-1", "payload"), jsSub);
    assert.equal(text(fromPy), "py-1|payload");
    let got: string | null = null;
    const deadline = Date.now() + 10_000;
    while (got === null && Date.now() < deadline) {
      await jsPub.send(["js-1", "payload"]);
      await jsPub.send("nobody-wants-this");
      got = await pySub.recv();
    }
    assert.equal(got, "js-1|payload");
    proxy.terminate();
    await run;
    await pyPub.quit();
    await pySub.quit();
  });
}
