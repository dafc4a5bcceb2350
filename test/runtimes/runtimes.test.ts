/**
 * zocket's built package on Bun and Deno (their binaries come from npm: @oven/bun-linux-x64,
 * @deno/linux-x64-glibc), against Debian's python3-zmq (libzmq 4.3.4, test/interop/peers/ws_peer.py):
 * PUSH/PULL, REQ/REP and PUB/SUB over tcp, ipc and ws; a CURVE REQ/REP pair; a zocket REP that binds
 * (accepting on the runtime) for a python REQ; and wss between two zocket sockets on the runtime. The package is compiled with tsconfig.build.json into a
 * scratch folder under the repository (so its dependencies resolve from node_modules), and each case runs
 * test/runtimes/smoke.mjs under the runtime. A runtime that fails any case fails the suite.
 */
import { after, before, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { makePki } from "../helpers/pki.ts";
import { fingerprint, interopSuite, PyPeer } from "../helpers/sockets.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SMOKE = join(ROOT, "test", "runtimes", "smoke.mjs");
const RUNTIMES = {
  bun: { bin: join(ROOT, "node_modules", "@oven", "bun-linux-x64", "bin", "bun"), args: [] as string[] },
  deno: { bin: join(ROOT, "node_modules", "@deno", "linux-x64-glibc", "deno"), args: ["run", "-A"] },
};
const T = 20_000;
const scratch = join(ROOT, ".tmp", `runtimes-${process.pid}`);
const entry = join(scratch, "dist", "entry-esm.js");
let ipcCount = 0;

before(async () => {
  mkdirSync(scratch, { recursive: true });
  await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      join(scratch, "dist"),
    ],
    { cwd: ROOT },
  );
  writeFileSync(join(scratch, "package.json"), '{ "type": "module" }\n');
});

after(() => rmSync(scratch, { recursive: true, force: true }));

/** A running smoke script: its output lines, and its exit. */
interface Run {
  lines: string[];
  line(match: (l: string) => boolean): Promise<string>;
  exited: Promise<number | null>;
  closeStdin(): void;
}

function start(
  t: TestContext,
  runtime: keyof typeof RUNTIMES,
  role: string,
  endpoint: string,
  mech: string,
  env: Record<string, string> = {},
): Run {
  const { bin, args } = RUNTIMES[runtime];
  const proc = spawn(bin, [...args, SMOKE, entry, role, endpoint, mech], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  t.after(() => proc.kill("SIGKILL"));
  const lines: string[] = [];
  let stderr = "";
  let buf = "";
  let wake: (() => void) | null = null;
  proc.stdout.setEncoding("utf8").on("data", (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf("\n")) !== -1) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    wake?.();
  });
  proc.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    proc.on("exit", (code) => {
      wake?.();
      resolve(code);
    }),
  );
  return {
    lines,
    exited,
    closeStdin: () => proc.stdin.end(),
    async line(match) {
      const deadline = Date.now() + T;
      for (;;) {
        const found = lines.find(match);
        if (found !== undefined) return found;
        if (proc.exitCode !== null || Date.now() > deadline) {
          throw new Error(`${runtime} ${role}: no expected line; stdout ${lines.join(" | ")}; stderr ${stderr}`);
        }
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 200);
        });
      }
    },
  };
}

/** The endpoint a python peer binds for `transport`. */
function bindAddr(transport: string): string {
  if (transport === "ipc") return `ipc://${join(tmpdir(), `zocket-rt-${process.pid}-${++ipcCount}.sock`)}`;
  return transport === "ws" ? "ws://127.0.0.1:*/rt" : "tcp://127.0.0.1:*";
}

async function passes(run: Run): Promise<void> {
  assert.equal(await run.line((l) => l === "OK" || l.startsWith("FAIL")), "OK");
  assert.equal(await run.exited, 0);
}

for (const runtime of Object.keys(RUNTIMES) as Array<keyof typeof RUNTIMES>) {
  describe(`${runtime} runs the built package against libzmq 4.3.4 (python3-zmq)`, () => {
    test(`the ${runtime} binary is there`, () => {
      assert.ok(existsSync(RUNTIMES[runtime].bin), RUNTIMES[runtime].bin);
    });

    for (const transport of ["tcp", "ipc", "ws"]) {
      test(`REQ/REP over ${transport}: ${runtime} REQ, python REP`, async (t) => {
        const { endpoint } = await PyPeer.start(t, "ws_peer.py", ["rep", "bind", bindAddr(transport), "null"]);
        await passes(start(t, runtime, "req", endpoint, "null"));
      });

      test(`PUSH/PULL over ${transport}: ${runtime} PUSH, python PULL`, async (t) => {
        const { peer, endpoint } = await PyPeer.start(t, "ws_peer.py", ["pull", "bind", bindAddr(transport), "null"]);
        const run = start(t, runtime, "push", endpoint, "null");
        const suite = interopSuite();
        for (let i = 0; i < suite.length; i++) {
          await peer.waitLine((l) => l === `RECV ${i} ${suite[i]!.map(fingerprint).join(",")}`, T);
        }
        assert.equal(await peer.exited, 0); // it got "quit"
        run.closeStdin();
        await passes(run);
      });

      test(`PUB/SUB over ${transport}: ${runtime} SUB, python PUB`, async (t) => {
        const { peer, endpoint } = await PyPeer.start(t, "ws_peer.py", ["pub", "bind", bindAddr(transport), "null"]);
        await passes(start(t, runtime, "sub", endpoint, "null"));
        peer.proc.stdin.end();
      });
    }

    test(`CURVE REQ/REP over tcp: ${runtime} REQ, python CURVE server`, async (t) => {
      const { endpoint } = await PyPeer.start(t, "ws_peer.py", ["rep", "bind", "tcp://127.0.0.1:*", "curve"]);
      await passes(start(t, runtime, "req", endpoint, "curve"));
    });

    test(`wss: a ${runtime} REP with a test CA's certificate, a ${runtime} REQ trusting the CA`, async (t) => {
      const pki = makePki();
      const env = { ZOCKET_TEST_CERT: pki.certPem, ZOCKET_TEST_KEY: pki.keyPem, ZOCKET_TEST_CA: pki.caPem };
      await passes(start(t, runtime, "wss", "-", "null", env));
    });

    for (const [transport, mech] of [
      ["tcp", "curve"],
      ["ws", "null"],
    ] as const) {
      test(`${runtime} REP binds ${transport} (${mech}), python REQ connects`, async (t) => {
        const run = start(t, runtime, "rep", bindAddr(transport), mech);
        const bound = await run.line((l) => l.startsWith("BOUND "));
        const { peer } = await PyPeer.start(t, "ws_peer.py", ["req", "connect", bound.slice(6), mech]);
        await peer.waitLine((l) => l === "DONE OK", T);
        await passes(run);
      });
    }
  });
}
