/**
 * The `zocket` CLI against real libzmq peers (Debian's python3-zmq, run with /usr/bin/python3 and
 * test/interop/peers/cli_peer.py): stdin lines into a libzmq PULL, a libzmq PUB into `zocket sub`,
 * `zocket ping` against a libzmq REP, `zocket echo` answering a libzmq REQ, and CURVE both ways with
 * the certificates `zocket keygen` writes.
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, afterEach, describe, it } from "node:test";

const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "src/cli/main.ts");
const TSX = import.meta.resolve("tsx");
const PEER = join(import.meta.dirname, "peers/cli_peer.py");
const PYTHON = "/usr/bin/python3";
const work = mkdtempSync(join(tmpdir(), "zocket-cli-interop-"));
after(() => rmSync(work, { recursive: true, force: true }));

const probe = spawnSync(PYTHON, ["-c", "import zmq; print(zmq.zmq_version())"], { encoding: "utf8" });
const NO_PYZMQ =
  probe.status === 0 ? false : "needs Debian's python3-zmq at /usr/bin/python3 (apt-get install python3-zmq)";

/** A child process with collected output and pattern waits (SIGKILLed at the end of the test that started it). */
class Proc {
  /** Children not yet exited: killed after each test, so a failure never orphans a bound peer. */
  static readonly live = new Set<Proc>();
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  #closed = false;
  #waiters: (() => void)[] = [];

  constructor(cmd: string, args: string[], cwd = ROOT) {
    this.child = spawn(cmd, args, { cwd, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    this.child.stdout!.on("data", (d: Buffer) => {
      this.stdout += d.toString();
      this.#wake();
    });
    this.child.stderr!.on("data", (d: Buffer) => {
      this.stderr += d.toString();
      this.#wake();
    });
    this.child.stdin!.on("error", () => {});
    Proc.live.add(this);
    this.done = new Promise((r) =>
      this.child.on("close", (code) => {
        Proc.live.delete(this);
        this.#closed = true;
        this.#wake();
        r({ code, stdout: this.stdout, stderr: this.stderr });
      }),
    );
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  async waitFor(stream: "stdout" | "stderr", re: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this[stream]);
      if (m) return m;
      if (this.#closed || Date.now() > deadline) {
        throw new Error(
          `${this.#closed ? "exited" : "timed out"} waiting for ${re}; stdout=${JSON.stringify(this.stdout)} stderr=${JSON.stringify(this.stderr)}`,
        );
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async exit(ms = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const t = setTimeout(() => this.child.kill("SIGKILL"), ms);
    const d = await this.done;
    clearTimeout(t);
    return d;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

function killLive(): void {
  for (const p of Proc.live) p.kill();
}
afterEach(killLive);
process.on("exit", killLive);

function zocket(args: string[], cwd = ROOT): Proc {
  return new Proc(process.execPath, ["--import", TSX, MAIN, ...args], cwd);
}

async function zocketRun(
  args: string[],
  input = "",
  cwd = ROOT,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const z = zocket(args, cwd);
  z.child.stdin!.end(input);
  return z.exit();
}

/** A libzmq peer; resolves its port once it printed "PORT n". */
async function libzmq(...args: string[]): Promise<[Proc, number]> {
  const p = new Proc(PYTHON, [PEER, ...args]);
  try {
    const port = Number((await p.waitFor("stdout", /PORT (\d+)/))[1]);
    return [p, port];
  } catch (err) {
    p.kill(); // the caller's finally never sees it
    throw err;
  }
}

describe("zocket CLI <-> libzmq (python3-zmq)", { skip: NO_PYZMQ }, () => {
  it("stdin lines pushed by `zocket push` arrive at a libzmq PULL, multipart included", async () => {
    const [pull, port] = await libzmq("pull", "4");
    try {
      const r = await zocketRun(
        ["push", "--connect", `tcp://127.0.0.1:${port}`, "-s", "|"],
        "one\ntwo|parts\n\nlast without newline",
      );
      assert.equal(r.code, 0, r.stderr);
      const d = await pull.exit();
      assert.equal(d.code, 0, d.stdout);
      const hex = (s: string): string => Buffer.from(s).toString("hex");
      assert.deepEqual(
        d.stdout.split("\n").filter((l) => l.startsWith("RECV")),
        [`RECV ${hex("one")}`, `RECV ${hex("two")},${hex("parts")}`, "RECV ", `RECV ${hex("last without newline")}`],
      );
    } finally {
      pull.kill();
    }
  });

  it("a libzmq PUB feeds `zocket sub --subscribe --count`", async () => {
    const [pub, port] = await libzmq("pub", "weather");
    try {
      const r = await zocketRun([
        "sub",
        `>tcp://127.0.0.1:${port}`,
        "--subscribe",
        "weather",
        "--count",
        "3",
        "--format",
        "json",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const msgs = r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as string[]);
      assert.equal(msgs.length, 3);
      for (const m of msgs) {
        assert.equal(m[0], "weather");
        assert.match(m[1]!, /^\d+$/);
      }
    } finally {
      pub.kill();
    }
  });

  it("`zocket ping` measures round trips to a libzmq REP echo", async () => {
    const [rep, port] = await libzmq("rep");
    try {
      const r = await zocketRun(["ping", `tcp://127.0.0.1:${port}`, "-c", "3", "-i", "20"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((r.stdout.match(/64 bytes from .*: seq=\d time=[\d.]+ ms/g) ?? []).length, 3);
      assert.match(r.stdout, /3 requests transmitted, 3 replies received, 0% loss/);
    } finally {
      rep.kill();
    }
  });

  it("`zocket echo` answers a libzmq REQ", async () => {
    const echo = zocket(["echo", "tcp://127.0.0.1:*"]);
    try {
      const port = (await echo.waitFor("stderr", /bound to tcp:\/\/127\.0\.0\.1:(\d+)/))[1]!;
      const req = new Proc(PYTHON, [PEER, "req", port, "5"]);
      const d = await req.exit();
      assert.equal(d.code, 0, d.stdout + d.stderr);
      assert.equal((d.stdout.match(/^REPLY /gm) ?? []).length, 5);
      assert.match(d.stdout, /^OK$/m);
    } finally {
      echo.kill();
    }
  });

  it("CURVE with `zocket keygen` certificates: libzmq REQ -> zocket echo, zocket ping -> libzmq REP", async () => {
    const cert = join(work, "server.cert");
    const kg = await zocketRun(["keygen", cert, "--meta", "name=interop"]);
    assert.equal(kg.code, 0, kg.stderr);

    // zocket is the CURVE server; libzmq reads the public certificate with zmq.auth.load_certificate.
    const echo = zocket(["echo", "tcp://127.0.0.1:*", "--curve-server", "--curve-cert", cert]);
    try {
      const port = (await echo.waitFor("stderr", /bound to tcp:\/\/127\.0\.0\.1:(\d+)/))[1]!;
      const req = new Proc(PYTHON, [PEER, "req", port, "2", cert]);
      const d = await req.exit();
      assert.equal(d.code, 0, d.stdout + d.stderr);
      assert.match(d.stdout, /^OK$/m);
    } finally {
      echo.kill();
    }

    // libzmq is the CURVE server with the secret certificate; zocket trusts the public one.
    const [rep, port] = await libzmq("rep", `${cert}_secret`);
    try {
      const r = await zocketRun(["ping", `tcp://127.0.0.1:${port}`, "-c", "2", "-i", "20", "--curve-server-key", cert]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /2 requests transmitted, 2 replies received, 0% loss/);
      // And a client that trusts another key never gets through.
      const other = JSON.parse((await zocketRun(["keygen", "--json"])).stdout) as { publicKey: string };
      const bad = await zocketRun([
        "ping",
        `tcp://127.0.0.1:${port}`,
        "-c",
        "1",
        "-W",
        "600",
        "--curve-server-key",
        other.publicKey,
      ]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /unreachable/);
    } finally {
      rep.kill();
    }
  });
});
