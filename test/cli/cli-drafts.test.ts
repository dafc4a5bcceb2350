/**
 * The `zocket` command with the draft socket types, as users run it (a child process per invocation):
 * `server`/`client`, `radio --group`/`dish --join` over tcp and udp multicast, `scatter`/`gather`,
 * `dgram`, and `echo udp://` answering plain udp clients (what `nc -u` does).
 */
import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { join, resolve } from "node:path";
import { afterEach, describe, it } from "node:test";
import { freeUdpPort } from "../zeromqjs/draft-helpers.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "src/cli/main.ts");
const TSX = import.meta.resolve("tsx");

/** A running `zocket` process with its output collected; killed after the test whatever happened. */
class Z {
  static readonly live = new Set<Z>();
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    this.child.stdout!.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.child.stdin!.on("error", () => {});
    Z.live.add(this);
    this.done = new Promise((done) =>
      this.child.on("close", (code) => {
        Z.live.delete(this);
        done({ code, stdout: this.stdout, stderr: this.stderr });
      }),
    );
  }

  async waitFor(stream: "stdout" | "stderr", re: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this[stream]);
      if (m) return m;
      if (!Z.live.has(this) || Date.now() > deadline) {
        throw new Error(`waiting for ${re} on ${stream}: stdout=${JSON.stringify(this.stdout)} stderr=${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  /** The endpoint a wildcard bind landed on (printed on stderr). */
  async bound(): Promise<string> {
    return (await this.waitFor("stderr", /bound to (\S+)/))[1]!;
  }

  input(data: string, end = true): void {
    this.child.stdin!.write(data);
    if (end) this.child.stdin!.end();
  }

  async exit(ms = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const t = setTimeout(() => this.child.kill("SIGKILL"), ms);
    const d = await this.done;
    clearTimeout(t);
    return d;
  }
}

afterEach(() => {
  for (const z of Z.live) z.child.kill("SIGKILL");
});

/** Send `text` to 127.0.0.1:port from a plain udp socket and resolve with the first answer. */
function udpRoundTrip(port: number, text: string): Promise<string> {
  return new Promise((done, reject) => {
    const s = createSocket("udp4");
    const timer = setTimeout(() => {
      s.close();
      reject(new Error("no udp answer"));
    }, 5000);
    s.on("message", (m) => {
      clearTimeout(timer);
      s.close();
      done(m.toString());
    });
    s.send(text, port, "127.0.0.1");
  });
}

describe("zocket CLI: draft socket types", { timeout: 60_000 }, () => {
  it("echo udp://: every datagram goes back to its sender", async () => {
    const echo = new Z(["echo", "udp://127.0.0.1:*"]);
    const ep = await echo.bound();
    assert.match(ep, /^udp:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(ep.split(":").pop());
    const [a, b] = await Promise.all([udpRoundTrip(port, "hello\n"), udpRoundTrip(port, "second client")]);
    assert.deepEqual([a, b], ["hello\n", "second client"]);
    echo.child.kill("SIGTERM");
    assert.equal((await echo.exit()).code, 143);
  });

  it("server prints 'id<TAB>message' and answers the last client; client prints the reply", async () => {
    const server = new Z(["server", "@tcp://127.0.0.1:*"]);
    const ep = await server.bound();
    const client = new Z(["client", ">" + ep, "-n", "1"]);
    client.input("hi\n", false);
    const [, id] = await server.waitFor("stdout", /^(\d+)\thi\n/);
    assert.ok(Number(id) > 0);
    server.input("pong\n", false);
    const c = await client.exit();
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stdout, "pong\n");
    server.child.kill("SIGTERM");
    await server.exit();
  });

  it("radio --group to dish --join over tcp: only the joined group arrives", async () => {
    const dish = new Z(["dish", "@tcp://127.0.0.1:*", "--join", "news", "--join", "other", "-n", "2"]);
    const ep = await dish.bound();
    // The DISH's joins reach the RADIO once it is connected: --delay waits for them (the slow joiner).
    const radio = new Z(["radio", ">" + ep, "--group", "news", "--delay", "500"]);
    radio.input("one\ntwo\n");
    const d = await dish.exit();
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout, "news\tone\nnews\ttwo\n");
    assert.equal((await radio.exit()).code, 0);
  });

  it("radio to two dishes over udp multicast on lo: each prints its groups", async () => {
    const port = await freeUdpPort();
    const ep = `udp://127.0.0.1;239.255.42.${process.pid & 0xff}:${port}`;
    const d1 = new Z(["dish", ep, "--join", "temp", "-n", "2", "--verbose"]);
    const d2 = new Z(["dish", ep, "--join", "wind", "-n", "1", "--verbose"]);
    await d1.waitFor("stderr", /bound to/);
    await d2.waitFor("stderr", /bound to/);
    const temp = new Z(["radio", ep, "--group", "temp"]);
    temp.input("21C\n22C\n");
    const wind = new Z(["radio", ep, "--group", "wind"]);
    wind.input("5kn\n");
    const [r1, r2] = await Promise.all([d1.exit(), d2.exit()]);
    assert.deepEqual([r1.code, r1.stdout], [0, "temp\t21C\ntemp\t22C\n"]);
    assert.deepEqual([r2.code, r2.stdout], [0, "wind\t5kn\n"]);
    assert.equal((await temp.exit()).code, 0);
    assert.equal((await wind.exit()).code, 0);
  });

  it("scatter to gather: stdin lines arrive in order", async () => {
    const gather = new Z(["gather", "tcp://127.0.0.1:*", "-n", "3"]);
    const ep = await gather.bound();
    const scatter = new Z(["scatter", ep]);
    scatter.input("a\nb\nc\n");
    const g = await gather.exit();
    assert.equal(g.code, 0, g.stderr);
    assert.equal(g.stdout, "a\nb\nc\n");
    assert.equal((await scatter.exit()).code, 0);
  });

  it("dgram prints 'ip:port<TAB>data' and answers the last sender with a stdin line", async () => {
    const dgram = new Z(["dgram", "udp://127.0.0.1:*"]);
    const port = Number((await dgram.bound()).split(":").pop());
    const answer = udpRoundTrip(port, "question");
    const [, from] = await dgram.waitFor("stdout", /^(127\.0\.0\.1:\d+)\tquestion\n/);
    dgram.input("answer\n", false);
    assert.equal(await answer, "answer\n".trimEnd());
    assert.ok(Number(from!.split(":")[1]) > 0);
    dgram.child.kill("SIGTERM");
    await dgram.exit();
  });

  it("bad input: radio without --group, dish without --join, --group elsewhere: exit 2", async () => {
    for (const args of [
      ["radio", "tcp://127.0.0.1:5555"],
      ["dish", "tcp://127.0.0.1:5555"],
      ["push", "tcp://127.0.0.1:5555", "--group", "g"],
      ["sub", "tcp://127.0.0.1:5555", "--join", "g"],
    ]) {
      const z = new Z(args);
      z.input("");
      const d = await z.exit();
      assert.equal(d.code, 2, `${args.join(" ")}: ${d.stderr}`);
      assert.equal(d.stderr.trim().split("\n").length, 1, d.stderr);
    }
  });

  it("a udp endpoint a type cannot use is a runtime failure that says why (exit 1)", async () => {
    const z = new Z(["server", "udp://127.0.0.1:5555"]);
    z.input("");
    const d = await z.exit();
    assert.equal(d.code, 1);
    assert.match(d.stderr, /RADIO, DISH and DGRAM/);
  });
});
