/**
 * zocket's inproc:// across worker_threads beyond zeromq.js's own cases: ZeroMQ's semantics hold between
 * threads — connect before bind, bounded queues (HWM), close ending the peer's pipe, subscriptions, exact
 * bytes of any size — the default context's options are shared both ways and with nested workers, and a
 * process whose sockets closed exits by itself.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import * as zmq from "../../src/index.ts";
import { uniqAddress, sleep } from "../zeromqjs/helpers.ts";
import { createWorker } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ZOCKET = new URL("../../src/index.ts", import.meta.url).href;

describe("inproc across threads (zocket)", () => {
  it("connect before bind: the worker's queued messages arrive when the main thread binds", async () => {
    const address = await uniqAddress("inproc");
    const worker = createWorker("zocket", { address }, async ({ address }) => {
      const sock = new zmq.Pair({ linger: 0 });
      sock.connect(address);
      for (let i = 0; i < 3; i++) await sock.send(["early", String(i)]);
      const [answer] = await sock.receive();
      sock.close();
      return String(answer);
    });
    await sleep(300);
    const sock = new zmq.Pair({ linger: 0 });
    await sock.bind(address);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push((await sock.receive()).map(String).join(" "));
    await sock.send("done");
    assert.deepEqual(got, ["early 0", "early 1", "early 2"]);
    assert.equal(await worker, "done");
    sock.close();
  });

  it("HWM: a sender in a worker stops at its SNDHWM plus the receiver's RCVHWM", async () => {
    const address = await uniqAddress("inproc");
    const pull = new zmq.Pull({ linger: 0, receiveHighWaterMark: 10 });
    await pull.bind(address);
    const ctl = new zmq.Pair({ linger: 0 });
    await ctl.bind(`${address}-ctl`);
    // The worker stays up until the main thread has read everything: what it still queues dies with it.
    const worker = createWorker("zocket", { address }, async ({ address }) => {
      const push = new zmq.Push({ linger: 0, sendHighWaterMark: 10, sendTimeout: 200 });
      push.connect(address);
      let n = 0;
      try {
        for (; n < 1000; n++) await push.send(String(n));
      } catch (err) {
        if ((err as { code?: string }).code !== "EAGAIN") throw err;
      }
      const ctl = new zmq.Pair({ linger: 0 });
      ctl.connect(`${address}-ctl`);
      await ctl.send(String(n));
      await ctl.receive();
      return n;
    });
    const sent = Number(String(await ctl.receive()));
    assert.equal(sent, 20);
    for (let i = 0; i < sent; i++) assert.equal(String(await pull.receive()), String(i));
    await ctl.send("done");
    assert.equal(await worker, 20);
    ctl.close();
    pull.close();
  });

  it("credit flows back: 20,000 messages through small HWMs arrive complete and in order", async () => {
    const address = await uniqAddress("inproc");
    const pull = new zmq.Pull({ linger: 0, receiveHighWaterMark: 50 });
    await pull.bind(address);
    const worker = createWorker("zocket", { address }, async ({ address }) => {
      const push = new zmq.Push({ linger: -1, sendHighWaterMark: 50 });
      push.connect(address);
      for (let i = 0; i < 20000; i++) await push.send([String(i), "x"]);
      const ack = new zmq.Pair({ linger: 0 });
      await ack.bind(`${address}-ack`);
      const [answer] = await ack.receive();
      push.close();
      ack.close();
      return String(answer);
    });
    for (let i = 0; i < 20000; i++) {
      const [n] = await pull.receive();
      if (String(n) !== String(i)) assert.fail(`message ${i} arrived as ${String(n)}`);
    }
    const ack = new zmq.Pair({ linger: 0 });
    ack.connect(`${address}-ack`);
    await ack.send("all");
    assert.equal(await worker, "all");
    ack.close();
    pull.close();
  });

  it("bytes arrive exactly: empty, small pooled, and large frames, both ways", async () => {
    const address = await uniqAddress("inproc");
    const sock = new zmq.Pair({ linger: 0 });
    await sock.bind(address);
    const big = Buffer.alloc(200_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const slice = big.subarray(1000, 70_000); // a view: only its own bytes may travel
    const worker = createWorker("zocket", { address }, async ({ address }) => {
      const sock = new zmq.Pair({ linger: 0 });
      sock.connect(address);
      const msg = await sock.receive();
      await sock.send([...msg].reverse());
      await sock.receive();
      sock.close();
      return msg.map((f) => f.length);
    });
    await sock.send([Buffer.alloc(0), Buffer.from("abc"), big, slice]);
    const back = await sock.receive();
    await sock.send("bye");
    assert.deepEqual(await worker, [0, 3, 200_000, 69_000]);
    assert.equal(back.length, 4);
    assert.ok(back[0]!.equals(slice));
    assert.ok(back[1]!.equals(big));
    assert.equal(String(back[2]), "abc");
    assert.equal(back[3]!.length, 0);
    sock.close();
  });

  it("close ends the peer's pipe: a PAIR takes a new peer after the first worker closed", async () => {
    const address = await uniqAddress("inproc");
    const sock = new zmq.Pair({ linger: 0 });
    await sock.bind(address);
    const peer = (n: number) =>
      createWorker("zocket", { address, n }, async ({ address, n }) => {
        const sock = new zmq.Pair({ linger: 0 });
        sock.connect(address);
        await sock.send(`hello ${n}`);
        const [answer] = await sock.receive();
        sock.close();
        return String(answer);
      });
    const first = peer(1);
    assert.equal(String(await sock.receive()), "hello 1");
    await sock.send("ok 1");
    assert.equal(await first, "ok 1");
    const second = peer(2);
    assert.equal(String(await sock.receive()), "hello 2");
    await sock.send("ok 2");
    assert.equal(await second, "ok 2");
    sock.close();
  });

  it("disconnect ends the peer's pipe too: the worker's second connection is the PAIR's new peer", async () => {
    const address = await uniqAddress("inproc");
    const sock = new zmq.Pair({ linger: 0 });
    await sock.bind(address);
    const worker = createWorker("zocket", { address }, async ({ address }) => {
      const sock = new zmq.Pair({ linger: 0 });
      sock.connect(address);
      await sock.send("first");
      await sock.receive();
      sock.disconnect(address);
      sock.connect(address);
      await sock.send("second");
      const [answer] = await sock.receive();
      sock.close();
      return String(answer);
    });
    assert.equal(String(await sock.receive()), "first");
    await sock.send("ok");
    assert.equal(String(await sock.receive()), "second");
    await sock.send("ok again");
    assert.equal(await worker, "ok again");
    sock.close();
  });

  it("PUB in the main thread, SUB in a worker: subscriptions cross the thread", async () => {
    const address = await uniqAddress("inproc");
    const pub = new zmq.Publisher({ linger: 0 });
    await pub.bind(address);
    let stop = false;
    const worker = createWorker("zocket", { address }, async ({ address }) => {
      const sub = new zmq.Subscriber({ linger: 0 });
      sub.subscribe("a");
      sub.connect(address);
      const got: string[] = [];
      while (got.length < 3) got.push(String((await sub.receive())[0]));
      sub.close();
      return got;
    });
    void worker.finally(() => (stop = true));
    for (let i = 0; !stop; i++) {
      await pub.send(`b${i}`);
      await pub.send(`a${i}`);
      await sleep(5);
    }
    const got = await worker;
    assert.equal(got.length, 3);
    for (const m of got) assert.match(m, /^a\d+$/);
    pub.close();
  });

  it("the default context's options are shared both ways and with a worker's workers", async () => {
    try {
      zmq.context.maxSockets = 77;
      const seen = await createWorker("zocket", { url: ZOCKET }, async ({ url }) => {
        const before = zmq.context.maxSockets;
        zmq.context.ipv6 = true;
        zmq.context.ioThreads = 5;
        // A worker of this worker sees the same values.
        const { Worker } = await import("node:worker_threads");
        const nested = new Worker(
          `const { register } = await import("tsx/esm/api"); register();
          const zmq = await import(${JSON.stringify(url)});
          const { parentPort } = await import("node:worker_threads");
          parentPort.postMessage([zmq.context.maxSockets, zmq.context.ioThreads]);`,
          { eval: true, type: "module" } as object,
        );
        const inner = await new Promise((resolve) => nested.once("message", resolve));
        return [before, inner];
      });
      assert.deepEqual(seen, [77, [77, 5]]);
      assert.equal(zmq.context.ipv6, true);
      assert.equal(zmq.context.ioThreads, 5);
    } finally {
      zmq.context.maxSockets = 1023;
      zmq.context.ipv6 = false;
      zmq.context.ioThreads = 1;
    }
  });

  it("zocket first loaded in a worker: shared with that worker's workers, not with its parent", () => {
    const script = `
      import { Worker } from "node:worker_threads";
      const src = (body) => \`
        const { register } = await import("tsx/esm/api"); register();
        const zmq = await import(\${JSON.stringify(new URL("./src/index.ts", import.meta.url).href)});
        const { Worker, parentPort } = await import("node:worker_threads");
        \${body}\`;
      const inner = src(\`parentPort.postMessage(zmq.context.ioThreads);\`);
      const outer = src(\`
        zmq.context.ioThreads = 4;
        const w = new Worker(\${JSON.stringify(inner)}, { eval: true, type: "module" });
        w.once("message", (v) => parentPort.postMessage(v));\`);
      const a = new Worker(outer, { eval: true, type: "module" });
      const fromNested = await new Promise((resolve) => a.once("message", resolve));
      const zmq = await import("./src/index.ts");
      console.log(fromNested, zmq.context.ioThreads);
    `;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      timeout: 20_000,
      encoding: "utf8",
    });
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, "4 1\n");
  });

  it("a process whose cross-thread sockets closed exits by itself", () => {
    const script = `
      import { Worker } from "node:worker_threads";
      import * as zmq from "./src/index.ts";
      const main = new zmq.Pair({ linger: 0 });
      await main.bind("inproc://exit-test");
      const w = new Worker(\`
        const { register } = await import("tsx/esm/api"); register();
        const zmq = await import(\${JSON.stringify(new URL("./src/index.ts", import.meta.url).href)});
        const s = new zmq.Pair({ linger: 0 });
        s.connect("inproc://exit-test");
        await s.send("ping");
        await s.receive();
        s.close();
      \`, { eval: true, type: "module" });
      console.log(String(await main.receive()));
      await main.send("pong");
      main.close();
      w.on("exit", (code) => console.log("worker exit", code));
    `;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      timeout: 20_000,
      encoding: "utf8",
    });
    assert.equal(r.error, undefined, "the process did not exit by itself");
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, "ping\nworker exit 0\n");
    assert.equal(r.status, 0);
  });
});
