/**
 * zocket's tcp and ipc endpoints: real ports for `*` and 0, IPv6 and hostnames, all-interfaces bind; ipc in
 * the abstract namespace, relative paths, stale socket files, cleanup on unbind and close. (Moved from
 * test/sockets/sockets.test.ts, "zocket transports".)
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as z from "../../src/index.ts";
import { closeAfter, uniqueIpc, withTimeout } from "../helpers/sockets.ts";

/**
 * `op` must fail with `code`. zeromq.js throws EBUSY/EBADF synchronously from send()/receive(), zocket
 * returns a rejected promise; `await` sees both the same way, so both are accepted here.
 */
async function expectCode(op: () => Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(
    async () => op(),
    (err: { code?: string }) => {
      assert.equal(err.code, code);
      return true;
    },
  );
}

describe("zocket transports", () => {
  test("tcp: port * and 0 report the real port; IPv6 [::1] with ipv6; hostname localhost", async (t) => {
    const a = new z.Pull();
    const b = new z.Pull({ ipv6: true });
    const c = new z.Pull();
    const push = new z.Push();
    closeAfter(t, a, b, c, push);
    await a.bind("tcp://127.0.0.1:0");
    assert.match(a.lastEndpoint!, /^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    await b.bind("tcp://[::1]:*");
    assert.match(b.lastEndpoint!, /^tcp:\/\/\[::1\]:[1-9]\d*$/);
    await c.bind("tcp://localhost:*");
    assert.match(c.lastEndpoint!, /^tcp:\/\/.+:[1-9]\d*$/);
    push.ipv6 = true;
    push.connect(b.lastEndpoint!);
    push.connect(`tcp://localhost:${/:(\d+)$/.exec(a.lastEndpoint!)![1]}`);
    await push.send("v6");
    await push.send("v4");
    const got = [
      (await withTimeout(b.receive(), 3000, "v6"))[0]!.toString(),
      (await withTimeout(a.receive(), 3000, "v4"))[0]!.toString(),
    ];
    assert.deepEqual(got.sort(), ["v4", "v6"]);
  });

  test("tcp: * binds all interfaces", async (t) => {
    const pull = new z.Pull();
    const push = new z.Push();
    closeAfter(t, pull, push);
    await pull.bind("tcp://*:*");
    const port = /:(\d+)$/.exec(pull.lastEndpoint!)![1];
    push.connect(`tcp://127.0.0.1:${port}`);
    await push.send("any");
    assert.deepEqual(await withTimeout(pull.receive(), 3000, "receive"), [Buffer.from("any")]);
  });

  test("ipc: abstract namespace, relative path, stale file replaced, file removed on unbind and close", async (t) => {
    const abs = new z.Pull();
    const push = new z.Push();
    closeAfter(t, abs, push);
    const name = `ipc://@zocket-test-${process.pid}-${Date.now()}`;
    await abs.bind(name);
    push.connect(name);
    await push.send("abstract");
    assert.deepEqual(await withTimeout(abs.receive(), 3000, "abstract"), [Buffer.from("abstract")]);

    // A stale socket file (left by a dead process) is replaced.
    const ep = uniqueIpc("stale");
    const file = ep.slice("ipc://".length);
    // A process that bound and died leaves the file behind (libuv would unlink it on close).
    spawnSync("/usr/bin/python3", [
      "-c",
      "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])",
      file,
    ]);
    assert.ok(fs.existsSync(file), "stale file present");
    const p2 = new z.Pull();
    closeAfter(t, p2);
    await p2.bind(ep);
    await p2.unbind(ep);
    assert.equal(fs.existsSync(file), false, "file removed on unbind");
    await p2.bind(ep);
    p2.close();
    assert.equal(fs.existsSync(file), false, "file removed on close");

    // A live listener is not stolen.
    const live = new z.Pull();
    const thief = new z.Pull();
    closeAfter(t, live, thief);
    const ep2 = uniqueIpc("live");
    await live.bind(ep2);
    await expectCode(() => thief.bind(ep2), "EADDRINUSE");

    // Relative path (resolved against the working directory, as libzmq does).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zocket-rel-"));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const rel = new z.Pull();
      const relPush = new z.Push();
      closeAfter(t, rel, relPush);
      await rel.bind("ipc://rel.sock");
      assert.ok(fs.existsSync(path.join(dir, "rel.sock")));
      relPush.connect("ipc://rel.sock");
      await relPush.send("relative");
      assert.deepEqual(await withTimeout(rel.receive(), 3000, "relative"), [Buffer.from("relative")]);
      rel.close();
      relPush.close();
    } finally {
      process.chdir(cwd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
