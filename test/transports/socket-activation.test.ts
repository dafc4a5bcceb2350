// Socket activation and inherited descriptors (issue 25 §2): ZMQ_USE_FD (`useFd`) and systemd's
// LISTEN_FDS protocol, run for real under Debian's `systemd-socket-activate` (package systemd) with a
// libzmq REQ (python3-zmq, interop/peers/req_once.py) talking to the zocket REP that inherited the socket.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describeDescriptor, readListenFds } from "../../src/transports/inherited.ts";
import { freePort, PEERS_DIR, PYTHON, uniqueIpc, withTimeout } from "../helpers/sockets.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const FD_REP = path.join(ROOT, "test", "transports", "peers", "fd-rep.ts");
const CLI = path.join(ROOT, "src", "cli", "main.ts");
const ACTIVATE = "/usr/bin/systemd-socket-activate";
const NODE = [process.execPath, "--import", "tsx"];

/** A libzmq REQ's replies to `requests` sent to `endpoint`. */
function pythonRequests(endpoint: string, ...requests: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [path.join(PEERS_DIR, "req_once.py"), endpoint, ...requests],
      { timeout: 30_000 },
      (err, out, e) => {
        if (err) reject(new Error(`req_once.py failed: ${err.message}; ${out} ${e}`));
        else resolve(out.trim().split("\n"));
      },
    );
  });
}

/** Start a child; its stdout and stderr lines are collected; killed at test end. */
function start(
  t: { after(fn: () => void): void },
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; line: (prefix: string) => Promise<string>; out: () => string } {
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  t.after(() => child.kill("SIGKILL"));
  const line = (prefix: string): Promise<string> =>
    withTimeout(
      new Promise<string>((resolve) => {
        const look = (): void => {
          const found = `${out}\n${err}`.split("\n").find((l) => l.startsWith(prefix));
          if (found !== undefined) resolve(found);
          else setTimeout(look, 20);
        };
        look();
      }),
      20_000,
      `"${prefix}" from ${cmd} (stdout: ${out}; stderr: ${err})`,
    );
  return { child, line, out: () => `${out}\n${err}` };
}

test("describeDescriptor reads a listening socket's address from /proc: tcp, tcp6, unix, abstract", async (t) => {
  const servers: net.Server[] = [];
  t.after(() => servers.forEach((s) => s.close()));
  const listen = async (o: net.ListenOptions): Promise<number> => {
    const s = net.createServer();
    servers.push(s);
    await new Promise<void>((r) => s.listen(o, r));
    return (s as unknown as { _handle: { fd: number } })._handle.fd;
  };
  const v4 = await listen({ host: "127.0.0.1", port: 0 });
  const port4 = (servers[0]!.address() as net.AddressInfo).port;
  assert.deepEqual(describeDescriptor(v4), { kind: "tcp", address: "127.0.0.1", port: port4 });
  const v6 = await listen({ host: "::1", port: 0 });
  assert.deepEqual(describeDescriptor(v6), {
    kind: "tcp",
    address: "::1",
    port: (servers[1]!.address() as net.AddressInfo).port,
  });
  const any = await listen({ host: "::", port: 0, ipv6Only: false });
  assert.equal(describeDescriptor(any)?.address, "::");
  const file = uniqueIpc("fd").slice("ipc://".length);
  assert.deepEqual(describeDescriptor(await listen({ path: file })), { kind: "unix", address: file, port: 0 });
  const abstract = `\0zocket-fd-${process.pid}`;
  assert.deepEqual(describeDescriptor(await listen({ path: abstract })), {
    kind: "unix",
    address: `@zocket-fd-${process.pid}`,
    port: 0,
  });
  assert.equal(describeDescriptor(0 /* a pipe or tty, not a socket */)?.kind ?? null, null);
});

test("LISTEN_FDS is taken only when LISTEN_PID is this process; names come from LISTEN_FDNAMES", () => {
  const env = { LISTEN_PID: "4242", LISTEN_FDS: "2", LISTEN_FDNAMES: "zmq:other" };
  assert.deepEqual(readListenFds(env, 1), []);
  const fds = readListenFds(env, 4242);
  assert.deepEqual(
    fds.map((d) => [d.fd, d.name, d.claimed]),
    [
      [3, "zmq", false],
      [4, "other", false],
    ],
  );
  assert.deepEqual(readListenFds({ LISTEN_PID: "1", LISTEN_FDS: "x" }, 1), []);
});

test("systemd-socket-activate: `zocket rep --bind tcp://*:PORT` serves a libzmq REQ on the inherited socket", async (t) => {
  const port = await freePort();
  const { child, line } = start(t, ACTIVATE, [
    "-l",
    `127.0.0.1:${port}`,
    ...NODE,
    CLI,
    "rep",
    "--bind",
    `tcp://*:${port}`,
  ]);
  child.stdin!.write("pong 1\npong 2\n");
  // systemd-socket-activate listens and starts zocket at the first connection: the REQ's.
  const replies = await pythonRequests(`tcp://127.0.0.1:${port}`, "ping 1", "ping 2");
  assert.deepEqual(replies, ["pong 1", "pong 2"]);
  await line("ping 2");
});

test("systemd-socket-activate with two sockets: each bind() takes its own by address, in any order", async (t) => {
  const [p1, p2] = [await freePort(), await freePort()];
  const ipc = uniqueIpc("act");
  const args = ["-l", `127.0.0.1:${p1}`, "-l", ipc.slice("ipc://".length), "-l", `127.0.0.1:${p2}`];
  // Bound in another order than systemd passes them (fd 3, 4, 5): matching is by address, not position.
  const { line } = start(t, ACTIVATE, [...args, ...NODE, FD_REP, ipc, `tcp://127.0.0.1:${p2}`, `tcp://*:${p1}`]);
  const first = pythonRequests(`tcp://127.0.0.1:${p1}`, "a");
  const ready = await line("READY");
  assert.equal(ready, `READY ${ipc} tcp://127.0.0.1:${p2} tcp://127.0.0.1:${p1}`);
  const pid = (await first)[0]!.split(" ")[2];
  assert.deepEqual(await first, [`a from ${pid} on tcp://*:${p1}`]);
  assert.deepEqual(await pythonRequests(ipc, "b"), [`b from ${pid} on ${ipc}`]);
  assert.deepEqual(await pythonRequests(`tcp://127.0.0.1:${p2}`, "c"), [`c from ${pid} on tcp://127.0.0.1:${p2}`]);
});

test("systemd-socket-activate: an endpoint systemd does not listen on is bound as usual", async (t) => {
  const [p1, p2] = [await freePort(), await freePort()];
  const { line } = start(t, ACTIVATE, ["-l", `127.0.0.1:${p1}`, ...NODE, FD_REP, `tcp://127.0.0.1:${p2}`]);
  // Nothing connects to p1, so systemd-socket-activate is still waiting: connect to wake it.
  await line("Listening on");
  const sock = net.connect(p1, "127.0.0.1");
  sock.on("error", () => {});
  t.after(() => sock.destroy());
  assert.equal(await line("READY"), `READY tcp://127.0.0.1:${p2}`);
  assert.match((await pythonRequests(`tcp://127.0.0.1:${p2}`, "x"))[0]!, /^x from \d+ on /);
});

/** Run fd-rep.ts with a listening socket made by python passed as `fd` (ZOCKET_USE_FD) and no LISTEN_*. */
function withPythonListener(
  t: { after(fn: () => void): void },
  listen: string,
  endpoint: string,
  command?: string[],
): ReturnType<typeof start> {
  const script = [
    "import os, socket, sys",
    "kind, where = sys.argv[1].split('=', 1)",
    "if kind == 'tcp':",
    "    s = socket.socket(); host, port = where.rsplit(':', 1); s.bind((host, int(port)))",
    "else:",
    "    s = socket.socket(socket.AF_UNIX); s.bind(where)",
    "s.listen(16)",
    "env = dict(os.environ, ZOCKET_USE_FD=str(s.fileno()))",
    "argv = [a.replace('{fd}', str(s.fileno())) for a in sys.argv[2:]]",
    // exec, not a child: the test's SIGKILL then ends the program itself, which would outlive python.
    "os.set_inheritable(s.fileno(), True)",
    "os.execve(argv[0], argv, env)",
  ].join("\n");
  const env = { ...process.env };
  delete env["LISTEN_PID"];
  delete env["LISTEN_FDS"];
  return start(t, PYTHON, ["-c", script, listen, ...(command ?? [...NODE, FD_REP, endpoint])], env);
}

test("useFd (ZMQ_USE_FD): bind() adopts a tcp socket a parent made, and reports its real address", async (t) => {
  const port = await freePort();
  const { line } = withPythonListener(t, `tcp=127.0.0.1:${port}`, `tcp://127.0.0.1:${port}`);
  assert.equal(await line("READY"), `READY tcp://127.0.0.1:${port}`);
  const [reply] = await pythonRequests(`tcp://127.0.0.1:${port}`, "hi");
  assert.match(reply!, new RegExp(`^hi from \\d+ on tcp://127.0.0.1:${port}$`));
});

test("useFd with ipc, and useFd of the wrong kind is EINVAL", async (t) => {
  const ipc = uniqueIpc("usefd");
  const a = withPythonListener(t, `unix=${ipc.slice("ipc://".length)}`, ipc);
  assert.equal(await a.line("READY"), `READY ${ipc}`);
  assert.match((await pythonRequests(ipc, "hi"))[0]!, /^hi from \d+ on ipc:/);
  const other = uniqueIpc("usefd");
  const b = withPythonListener(t, `unix=${other.slice("ipc://".length)}`, "tcp://127.0.0.1:5999");
  assert.match(
    await b.line("ERROR"),
    /^ERROR EINVAL useFd \d+ is a unix socket, not one for tcp:\/\/127\.0\.0\.1:5999$/,
  );
});

test("the CLI's --use-fd: `zocket rep --use-fd N --bind EP` answers on the descriptor it was given", async (t) => {
  const port = await freePort();
  const ep = `tcp://127.0.0.1:${port}`;
  const cli = [...NODE, CLI, "rep", "--use-fd", "{fd}", "--bind", ep];
  const { child } = withPythonListener(t, `tcp=127.0.0.1:${port}`, ep, cli);
  child.stdin!.write("pong\n");
  assert.deepEqual(await pythonRequests(ep, "ping"), ["pong"]);
});
