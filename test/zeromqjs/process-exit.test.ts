/**
 * zeromq.js's context-process-exit-test.ts and socket-process-exit-test.ts: when a process whose sockets
 * are open, waiting or holding queued messages exits, on zocket and on zeromq.js. Each case runs in a child
 * process; as in zeromq.js's helper, a child still running 750 ms later counts as "did not exit" (code -1)
 * — counted here from the moment the library has loaded, since zocket's children compile TypeScript first.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ZOCKET = fileURLToPath(new URL("../../src/index.ts", import.meta.url));
const LIBS = [
  { name: "zocket", load: `await import(${JSON.stringify(ZOCKET)})` },
  { name: "zeromq", load: `(await import("node:module")).createRequire(import.meta.url)("zeromq")` },
];

interface Result {
  code: number;
  stderr: string;
  isTimeout: boolean;
}

/** Runs `body` (with `zmq` in scope) in a child process; see the module comment for the timeout. */
function run(load: string, body: string): Promise<Result> {
  const src = `const zmq = ${load};\nprocess.stdout.write("ready\\n");\n${body}\n`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", src], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on("data", (d: Buffer) => {
      if (timer === null && d.toString().includes("ready")) {
        timer = setTimeout(() => {
          child.kill();
          resolve({ code: -1, stderr, isTimeout: true });
        }, 750);
      }
    });
    child.on("close", (code) => {
      if (timer !== null) clearTimeout(timer);
      resolve({ code: code ?? -1, stderr, isTimeout: false });
    });
  });
}

const WARNING = /\(node:\d+\) WARNING: Waiting for queued ZeroMQ messages to be delivered\./;
const BLOCKY_HINT = / Set 'context\.blocky = false' to change this behaviour\.\r?\n/;

for (const { name, load } of LIBS) {
  describe(`${name}: socket process exit`, () => {
    it("should occur cleanly when sending on unbound socket", async () => {
      const { code } = await run(load, `const sock = new zmq.Publisher(); await sock.send("test");`);
      assert.equal(code, 0);
    });

    it("should not occur when sending and blocked on unbound socket", async () => {
      const { code } = await run(load, `const sock = new zmq.Dealer(); await sock.send("test");`);
      assert.equal(code, -1);
    });

    it("should occur cleanly on socket close when reading events", async () => {
      const body = `const sock = new zmq.Dealer();
        (async () => { for await (const e of sock.events) void e; })();
        sock.close();`;
      const { code } = await run(load, body);
      assert.equal(code, 0);
    });

    it("should not occur while reading events", async () => {
      const body = `const sock = new zmq.Dealer(); for await (const e of sock.events) void e;`;
      const { code } = await run(load, body);
      assert.equal(code, -1);
    });
  });

  describe(`${name}: context process exit`, () => {
    for (const custom of [false, true]) {
      const ctx = custom ? "{ context: new zmq.Context() }" : "";
      const label = custom ? "custom context" : "default context";

      it(`${label}: should occur when sockets are closed`, async () => {
        const body = `const c = ${ctx || "{}"}; new zmq.Dealer(c).close(); new zmq.Router(c).close();`;
        assert.equal((await run(load, body)).code, 0);
      });

      it(`${label}: should occur when sockets are not closed`, async () => {
        const body = `const c = ${ctx || "{}"}; new zmq.Dealer(c); new zmq.Router(c);`;
        assert.equal((await run(load, body)).code, 0);
      });

      it(`${label}: should not occur when sockets are open and polling`, async () => {
        const body = `const s = new zmq.Dealer(${ctx}); s.connect("inproc://foo"); s.receive();`;
        const { code, isTimeout } = await run(load, body);
        assert.equal(isTimeout, true);
        assert.equal(code, -1);
      });
    }

    it("should produce warning when messages are queued with blocky", async () => {
      const body = `zmq.context.blocky = true;
        const s = new zmq.Dealer({ linger: 1000 }); s.connect("tcp://127.0.0.1:4567"); s.send(null);`;
      const { stderr } = await run(load, body);
      assert.match(stderr, WARNING);
      assert.match(stderr, BLOCKY_HINT);
    });

    it("should produce warning when messages are queued without blocky", async () => {
      const body = `zmq.context.blocky = false;
        const s = new zmq.Dealer({ linger: 1000 }); s.connect("tcp://127.0.0.1:4567"); s.send(null);`;
      const { stderr } = await run(load, body);
      assert.match(stderr, WARNING);
      assert.doesNotMatch(stderr, BLOCKY_HINT);
    });

    it("should not produce warning when messages are queued for a short time", async () => {
      const body = `zmq.context.blocky = true;
        const s = new zmq.Dealer({ linger: 50 }); s.connect("tcp://127.0.0.1:4567"); s.send(null);`;
      const { stderr } = await run(load, body);
      assert.equal(stderr, "");
    });
  });
}
