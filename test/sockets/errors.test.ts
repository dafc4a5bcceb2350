/**
 * Bad input fails at the call with a stable `code`, the errno and the message zeromq.js gives for it, and a
 * `hint` that says what to fix. Each case also runs against the `zeromq` package where it gives an error
 * code: class, code, errno, message and `address` must be the same. Cases where zeromq.js gives none (it
 * accepts the input, or throws a plain TypeError) are zocket-only and say so. test/parity/errors.test.ts
 * holds the cases where both throw TypeErrors, and the events and observer errors.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import * as z from "../../src/index.ts";
import { AUTH_MESSAGES, ERRNO, MESSAGES, SPECIFIC_MESSAGES, type ErrnoCode } from "../../src/errors.ts";
import { closeAfter, uniqueInproc, uniqueIpc } from "../helpers/sockets.ts";

interface Sock {
  bind(a: string): Promise<void>;
  unbind(a: string): Promise<void>;
  connect(a: string): void;
  disconnect(a: string): void;
  send(m: unknown): Promise<void>;
  close(): void;
  readonly lastEndpoint: string | null;
  linger: number;
  sendHighWaterMark: number;
}
type Ctor = new (o?: Record<string, unknown>) => Sock;
interface Impl {
  name: "zocket" | "zeromq";
  Push: Ctor;
  Dealer: Ctor;
}
const IMPLS: Impl[] = [
  { name: "zocket", Push: z.Push as unknown as Ctor, Dealer: z.Dealer as unknown as Ctor },
  { name: "zeromq", Push: zmq.Push as unknown as Ctor, Dealer: zmq.Dealer as unknown as Ctor },
];

interface Caught {
  cls: string;
  code: string | undefined;
  errno: number | undefined;
  message: string;
  hint: string;
  address: string | undefined;
}

/** Run `op` (sync or async) and return what it threw, or undefined if it succeeded. */
async function caught(op: () => unknown): Promise<Caught | undefined> {
  try {
    await op();
    return undefined;
  } catch (err) {
    const e = err as { code?: string; errno?: number; message?: string; hint?: string; address?: string };
    const cls = err instanceof TypeError ? "TypeError" : err instanceof Error ? "Error" : typeof err;
    return { cls, code: e.code, errno: e.errno, message: String(e.message), hint: String(e.hint), address: e.address };
  }
}

interface Case {
  name: string;
  /** Code zocket gives (and zeromq too unless `zeromq` says otherwise). */
  code: string;
  /** What zeromq.js gives: a code, or "none" (no code / no error) — then only zocket is checked. */
  zeromq?: string | "none";
  /** Words zocket's `hint` must contain (it says what to fix). */
  hint: RegExp;
  op: (s: Sock, impl: Impl) => unknown;
}

const CASES: Case[] = [
  {
    name: "bind tcp://nohost (missing port)",
    code: "EINVAL",
    hint: /port.*tcp:\/\/nohost:5555/,
    op: (s) => s.bind("tcp://nohost"),
  },
  {
    name: "connect tcp://nohost (missing port)",
    code: "EINVAL",
    hint: /missing port/,
    op: (s) => s.connect("tcp://nohost"),
  },
  { name: "bind tcp://127.0.0.1: (empty port)", code: "EINVAL", hint: /port/, op: (s) => s.bind("tcp://127.0.0.1:") },
  {
    name: "bind tcp://127.0.0.1:abc",
    code: "EINVAL",
    hint: /port "abc" is not a number/,
    op: (s) => s.bind("tcp://127.0.0.1:abc"),
  },
  { name: "connect to port *", code: "EINVAL", hint: /name the port/, op: (s) => s.connect("tcp://127.0.0.1:*") },
  { name: "connect to host *", code: "EINVAL", hint: /name a host/, op: (s) => s.connect("tcp://*:5555") },
  { name: "bind foo://x", code: "EPROTONOSUPPORT", hint: /tcp, ipc, inproc or ws/, op: (s) => s.bind("foo://x") },
  { name: "connect foo://x", code: "EPROTONOSUPPORT", hint: /tcp, ipc, inproc or ws/, op: (s) => s.connect("foo://x") },
  {
    name: "bind udp:// (only for draft RADIO/DISH/DGRAM)",
    code: "ENOCOMPATPROTO",
    hint: /RADIO, DISH and DGRAM/,
    op: (s) => s.bind("udp://127.0.0.1:5555"),
  },
  { name: "connect udp://", code: "ENOCOMPATPROTO", hint: /RADIO/, op: (s) => s.connect("udp://127.0.0.1:5555") },
  { name: "upper-case transport", code: "EPROTONOSUPPORT", hint: /Unknown transport/, op: (s) => s.bind("TCP://a:1") },
  { name: "empty transport", code: "EINVAL", hint: /transport:\/\/address/, op: (s) => s.connect("://x") },
  { name: "ipc://@ without a name", code: "EINVAL", hint: /after @/, op: (s) => s.bind("ipc://@") },
  { name: "bind tcp://*:x", code: "EINVAL", hint: /port "x"/, op: (s) => s.bind("tcp://*:x") },
  // zocket has no tipc transport (the libzmq in zeromq.js has).
  {
    name: "bind tipc://",
    code: "EPROTONOSUPPORT",
    zeromq: "none",
    hint: /not supported/,
    op: (s) => s.bind("tipc://a:1"),
  },
  { name: "no transport at all", code: "EINVAL", hint: /transport:\/\/address/, op: (s) => s.bind("127.0.0.1:5555") },
  { name: "ipc:// without a path", code: "EINVAL", hint: /needs a path/, op: (s) => s.bind("ipc://") },
  { name: "inproc:// without a name", code: "EINVAL", hint: /needs a name/, op: (s) => s.bind("inproc://") },
  // libzmq parses the port with strtoul into a uint16 and silently binds/connects to something else.
  {
    name: "port out of range (70000)",
    code: "EINVAL",
    zeromq: "none",
    hint: /out of range 1-65535/,
    op: (s) => s.bind("tcp://127.0.0.1:70000"),
  },
  {
    name: "connect port out of range",
    code: "EINVAL",
    zeromq: "none",
    hint: /out of range/,
    op: (s) => s.connect("tcp://127.0.0.1:65536"),
  },
  {
    name: "bind to an unresolvable host",
    code: "ENODEV",
    hint: /nohost\.invalid/,
    op: (s) => s.bind("tcp://nohost.invalid:5555"),
  },
  { name: "bind [::1] without ipv6", code: "ENODEV", hint: /ipv6 = true/, op: (s) => s.bind("tcp://[::1]:*") },
  {
    name: "ipc in a directory that does not exist",
    code: "ENOENT",
    hint: /does not exist/,
    op: (s) => s.bind("ipc:///nonexistent-zocket-dir/x.sock"),
  },
  {
    name: "unbind an endpoint never bound",
    code: "ENOENT",
    hint: /tcp:\/\/127\.0\.0\.1:5999/,
    op: (s) => s.unbind("tcp://127.0.0.1:5999"),
  },
  {
    name: "disconnect an endpoint never connected",
    code: "ENOENT",
    hint: /not connected by this socket/,
    op: (s) => s.disconnect("tcp://127.0.0.1:5999"),
  },
  { name: "unbind unknown inproc", code: "ENOENT", hint: /inproc:\/\/nope/, op: (s) => s.unbind("inproc://nope") },
  {
    name: "disconnect unknown inproc",
    code: "ENOENT",
    hint: /inproc:\/\/nope/,
    op: (s) => s.disconnect("inproc://nope"),
  },
  {
    name: "negative sendHighWaterMark",
    code: "EINVAL",
    hint: /sendHighWaterMark.*>= 0/,
    op: (s) => (s.sendHighWaterMark = -5),
  },
  // Unknown options and wrong value types are TypeErrors in zeromq.js and zocket: test/parity/options.test.ts.
  // Set on a live socket: a zeromq.js constructor that throws leaks its native socket, which then
  // blocks the process exit.
  {
    name: "routingId of 256 bytes",
    code: "EINVAL",
    hint: /1 to 255 bytes/,
    op: (s) => ((s as unknown as { routingId: string }).routingId = "x".repeat(256)),
  },
  {
    name: "empty routingId",
    code: "EINVAL",
    hint: /1 to 255 bytes/,
    op: (s) => ((s as unknown as { routingId: string }).routingId = ""),
  },
];

describe("bad input: code, errno and message match zeromq.js, the hint says what to fix", () => {
  for (const c of CASES) {
    test(c.name, async (t) => {
      const results: Partial<Record<Impl["name"], Caught | undefined>> = {};
      for (const impl of IMPLS) {
        if (impl.name === "zeromq" && c.zeromq === "none") continue;
        const s = c.name.includes("routingId") ? new impl.Dealer() : new impl.Push();
        closeAfter(t, s);
        results[impl.name] = await caught(() => c.op(s, impl));
      }
      const mine = results.zocket;
      assert.ok(mine, "zocket must refuse this input");
      assert.equal(mine.code, c.code);
      assert.equal(mine.errno, ERRNO[c.code as ErrnoCode], "errno matches the code");
      assert.equal(mine.message, MESSAGES[c.code as ErrnoCode], "the code's message");
      assert.match(mine.hint, c.hint);
      if (c.zeromq !== "none") {
        const theirs = results.zeromq;
        assert.ok(theirs, "zeromq refuses it too");
        assert.equal(theirs.code, c.code, `zeromq gives ${theirs.code}`);
        assert.equal(mine.errno, theirs.errno, "same errno as zeromq.js");
        assert.equal(mine.message, theirs.message, "same message as zeromq.js");
        assert.equal(mine.cls, theirs.cls, "same class as zeromq.js");
        assert.equal(mine.address, theirs.address, "same address as zeromq.js");
      }
    });
  }
});

describe("state errors", () => {
  for (const impl of IMPLS) {
    test(`[${impl.name}] EADDRINUSE for tcp, ipc and inproc`, async (t) => {
      const a = new impl.Push();
      const b = new impl.Push();
      closeAfter(t, a, b);
      // libzmq unlinks an ipc file even when a live socket owns it (the path is stolen silently);
      // zocket checks for a live listener first and refuses, so ipc is zocket-only here.
      const eps =
        impl.name === "zocket"
          ? ["tcp://127.0.0.1:*", uniqueIpc("inuse"), uniqueInproc("inuse")]
          : ["tcp://127.0.0.1:*", uniqueInproc("inuse")];
      for (const ep of eps) {
        await a.bind(ep);
        const e = await caught(() => b.bind(a.lastEndpoint!));
        assert.equal(e?.code, "EADDRINUSE", ep);
        assert.equal(e?.errno, 98);
        assert.equal(e.message, "Address already in use");
        assert.equal(e.address, a.lastEndpoint);
      }
    });

    test(`[${impl.name}] closed socket: EBADF for operations, ENOTSOCK for options`, async (t) => {
      const s = new impl.Push();
      closeAfter(t, s);
      s.close();
      for (const op of [
        () => s.send("x"),
        () => s.bind("tcp://127.0.0.1:*"),
        () => s.connect("tcp://127.0.0.1:5555"),
        () => s.unbind("tcp://127.0.0.1:5555"),
        () => s.disconnect("tcp://127.0.0.1:5555"),
      ]) {
        const e = await caught(op);
        assert.equal(e?.code, "EBADF");
        assert.equal(e?.errno, 9);
        assert.equal(e.message, "Socket is closed");
      }
      const set = await caught(() => (s.linger = 5));
      assert.equal(set?.code, "ENOTSOCK");
      const get = await caught(() => s.linger);
      assert.equal(get?.code, "ENOTSOCK");
      assert.equal(get?.errno, 88);
      assert.equal(get.message, "Socket operation on non-socket");
    });
  }

  test("zocket: a PULL cannot send, a PUSH cannot receive: ENOTSUP (zeromq.js would wait forever)", async (t) => {
    const pull = new z.Pull();
    const push = new z.Push();
    closeAfter(t, pull, push);
    const e1 = await caught(() => (pull as unknown as { send(m: string): Promise<void> }).send("x"));
    assert.equal(e1?.code, "ENOTSUP");
    assert.equal(e1.message, "Operation not supported");
    assert.match(e1.hint, /send\(\).*Pull/);
    const e2 = await caught(() => (push as unknown as { receive(): Promise<unknown> }).receive());
    assert.equal(e2?.code, "ENOTSUP");
  });

  test("zocket: send() without a message throws TypeError 'Message must be present', as zeromq.js", (t) => {
    const d = new z.Dealer({ sendTimeout: 0 });
    closeAfter(t, d);
    const send = d.send as (...args: unknown[]) => Promise<void>;
    assert.throws(() => send.call(d), { name: "TypeError", message: "Message must be present" });
    assert.throws(() => send.call(d, undefined), { name: "TypeError", message: "Message must be present" });
  });

  test("zocket: docs/errors.md lists every code with its errno and message, as errors.ts", async () => {
    const { readFileSync } = await import("node:fs");
    const doc = readFileSync(path.join(import.meta.dirname, "..", "..", "docs", "errors.md"), "utf8");
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d+) \| "([^"]*)" \|/gm)];
    const documented = new Set<string>();
    for (const [, code, errno, message] of rows) {
      assert.ok(code! in ERRNO, `${code} documented but not in ERRNO`);
      assert.equal(Number(errno), ERRNO[code as ErrnoCode], `errno of ${code}`);
      assert.equal(message, MESSAGES[code as ErrnoCode], `message of ${code}`);
      documented.add(code!);
    }
    for (const code of Object.keys(ERRNO)) assert.ok(documented.has(code), `${code} is not in docs/errors.md`);
    for (const text of SPECIFIC_MESSAGES) assert.ok(doc.replace(/\s+/g, " ").includes(text), `"${text}" documented`);
    for (const text of Object.values(AUTH_MESSAGES)) assert.ok(doc.includes(`"${text}"`), `"${text}" documented`);
    void os;
  });
});
