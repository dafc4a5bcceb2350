/**
 * Closing sockets lets the process exit: each case runs in a child node and must exit by itself.
 * (Moved from test/sockets/sockets.test.ts, "process lifetime".)
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const SRC_INDEX = pathToFileURL(
  path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "index.ts"),
).href;

/** Run a script in a child node with tsx; resolve with its exit code, or null if it did not exit in `ms`. */
async function runChild(t: TestContext, body: string, ms: number): Promise<{ code: number | null; out: string }> {
  const file = path.join(os.tmpdir(), `zocket-life-${process.pid}-${Math.random().toString(36).slice(2)}.mts`);
  fs.writeFileSync(file, `import * as z from ${JSON.stringify(SRC_INDEX)};\n${body}\nconsole.log("BODY-DONE");\n`);
  t.after(() => fs.rmSync(file, { force: true }));
  const child = spawn(process.execPath, ["--import", "tsx", file], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: path.dirname(fileURLToPath(import.meta.url)),
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, ms);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, out };
}

describe("a closed socket does not keep the process alive", () => {
  // With blocky true (the default) a closed socket's undeliverable message holds the exit for its linger
  // (-1: for ever), as zeromq.js; blocky false gives new sockets linger 0 (test/zeromqjs/process-exit.test.ts).
  test("bound, connected, retrying, queued messages, heartbeats, pending receive, blocky false: closed -> exits", async (t) => {
    const { code, out } = await runChild(
      t,
      `
z.context.blocky = false;
const pull = new z.Pull({ heartbeatInterval: 50 });
await pull.bind("tcp://127.0.0.1:*");
const push = new z.Push({ heartbeatInterval: 50 });
push.connect(pull.lastEndpoint);
await push.send("x");
await pull.receive();
const ipc = new z.Pull(); await ipc.bind("ipc://" + ${JSON.stringify(os.tmpdir())} + "/zocket-life-" + process.pid + ".sock");
const inp = new z.Pair(); await inp.bind("inproc://life"); const inc = new z.Pair(); inc.connect("inproc://life");
const orphan = new z.Push({ reconnectInterval: 20 }); // linger 0 (blocky false), a queued message, nobody listening
orphan.connect("tcp://127.0.0.1:9");
await orphan.send("never delivered");
const waiting = pull.receive().catch(() => "closed");
const it = (async () => { for await (const _ of ipc) {} })();
const evs = (async () => { for await (const _ of push.events) {} })();
await new Promise((r) => setTimeout(r, 200));
for (const s of [pull, push, ipc, inp, inc, orphan]) s.close();
await waiting; await it; await evs;
`,
      8000,
    );
    assert.equal(code, 0, `child did not exit by itself (output: ${out})`);
    assert.match(out, /BODY-DONE/);
  });

  test("a socket that was never bound or connected does not keep the process alive even unclosed", async (t) => {
    const { code, out } = await runChild(t, `const s = new z.Dealer(); s.routingId = "x";`, 8000);
    assert.equal(code, 0, out);
  });
});
