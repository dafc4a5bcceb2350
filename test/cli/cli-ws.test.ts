/**
 * The `zocket` command over ws:// (as users run it: a child process per invocation): `zocket echo
 * ws://...` answers `zocket ping ws://...` and a libzmq (zeromq.js) REQ, and `zocket sub ws://...` reads a
 * zeromq.js PUB over ws with its subscription.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import * as zmq from "zeromq";

const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "src/cli/main.ts");
const TSX = import.meta.resolve("tsx");

interface Run {
  stdout: string;
  stderr: string;
  done: Promise<number | null>;
  kill(): void;
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

function zocket(args: string[]): Run {
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const run: Run = {
    stdout: "",
    stderr: "",
    done: new Promise((r) => child.on("close", (code) => r(code))),
    kill: () => child.kill("SIGKILL"),
    async waitFor(re, ms = 15_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = re.exec(run.stderr) ?? re.exec(run.stdout);
        if (m) return m;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no ${re} in stdout=${JSON.stringify(run.stdout)} stderr=${JSON.stringify(run.stderr)}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  child.stdout.on("data", (d: Buffer) => (run.stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (run.stderr += d.toString()));
  child.stdin.end();
  return run;
}

describe("zocket over ws://", () => {
  it("echo ws://127.0.0.1:*/echo prints where it bound; ping and a libzmq REQ get answers", async (t) => {
    const echo = zocket(["echo", "ws://127.0.0.1:*/echo"]);
    t.after(() => echo.kill());
    const ep = (await echo.waitFor(/bound to (ws:\/\/127\.0\.0\.1:\d+\/echo)/))[1]!;
    const ping = zocket(["ping", ep, "-c", "2", "-i", "20"]);
    t.after(() => ping.kill());
    assert.equal(await ping.done, 0, ping.stderr);
    assert.match(ping.stdout, /2 requests transmitted, 2 replies received, 0% loss/);
    const req = new zmq.Request({ receiveTimeout: 5000, linger: 0 });
    t.after(() => req.close());
    req.connect(ep);
    await req.send(["from", "libzmq"]);
    assert.deepEqual((await req.receive()).map(String), ["from", "libzmq"]);
  });

  it("sub ws://... --subscribe reads a libzmq PUB over ws", async (t) => {
    const pub = new zmq.Publisher({ linger: 0 });
    t.after(() => pub.close());
    await pub.bind("ws://127.0.0.1:*/feed");
    const sub = zocket(["sub", pub.lastEndpoint!, "--subscribe", "weather", "--count", "2"]);
    t.after(() => sub.kill());
    let i = 0;
    const timer = setInterval(() => {
      void pub.send(["sports", String(i)]).catch(() => {});
      void pub.send(["weather", String(i++)]).catch(() => {});
    }, 10);
    t.after(() => clearInterval(timer));
    assert.equal(await sub.done, 0, sub.stderr);
    const lines = sub.stdout.trim().split("\n");
    assert.equal(lines.length, 2);
    for (const l of lines) assert.match(l, /^weather\t\d+$/);
  });
});
