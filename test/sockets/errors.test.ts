/**
 * Bad input fails at the call with a stable `code` (and the errno zeromq.js reports for it), and a
 * message that says what to fix. Each case also runs against the `zeromq` package where it gives an
 * error code: the codes must be the same. Cases where zeromq.js gives none (it accepts the input, or
 * throws a plain TypeError) are zocket-only and say so.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import * as z from "../../src/index.ts";
import { ERRNO } from "../../src/errors.ts";
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
  code: string | undefined;
  errno: number | undefined;
  message: string;
}

/** Run `op` (sync or async) and return what it threw, or undefined if it succeeded. */
async function caught(op: () => unknown): Promise<Caught | undefined> {
  try {
    await op();
    return undefined;
  } catch (err) {
    const e = err as { code?: string; errno?: number; message?: string };
    return { code: e.code, errno: e.errno, message: String(e.message) };
  }
}

interface Case {
  name: string;
  /** Code zocket gives (and zeromq too unless `zeromq` says otherwise). */
  code: string;
  /** What zeromq.js gives: a code, or "none" (no code / no error) — then only zocket is checked. */
  zeromq?: string | "none";
  /** Words the zocket message must contain (it says what to fix). */
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
  { name: "bind foo://x", code: "EPROTONOSUPPORT", hint: /tcp, ipc or inproc/, op: (s) => s.bind("foo://x") },
  { name: "connect foo://x", code: "EPROTONOSUPPORT", hint: /tcp, ipc or inproc/, op: (s) => s.connect("foo://x") },
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
    hint: /not bound\/connected/,
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
  // zeromq.js throws a plain TypeError (no code) for these.
  {
    name: "unknown constructor option",
    code: "EINVAL",
    zeromq: "none",
    hint: /Unknown option "nosuch"/,
    op: (_s, impl) => new impl.Push({ nosuch: 1 }),
  },
  {
    name: "wrong option type (string for a number)",
    code: "EINVAL",
    zeromq: "none",
    hint: /linger.*must be a number/,
    op: (_s, impl) => new impl.Push({ linger: "x" }),
  },
  {
    name: "wrong option type (number for a boolean)",
    code: "EINVAL",
    zeromq: "none",
    hint: /immediate.*must be a boolean/,
    op: (_s, impl) => new impl.Push({ immediate: 1 }),
  },
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

describe("bad input: codes match zeromq.js, messages say what to fix", () => {
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
      assert.equal(mine.errno, ERRNO[c.code as keyof typeof ERRNO], "errno matches the code");
      assert.match(mine.message, c.hint);
      if (c.zeromq !== "none") {
        const theirs = results.zeromq;
        assert.ok(theirs, "zeromq refuses it too");
        assert.equal(theirs.code, c.code, `zeromq gives ${theirs.code}`);
        assert.equal(mine.errno, theirs.errno, "same errno as zeromq.js");
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
        if (impl.name === "zocket") assert.match(e.message, /already in use/);
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
        if (impl.name === "zocket") assert.match(e.message, /closed/);
      }
      const set = await caught(() => (s.linger = 5));
      assert.equal(set?.code, "ENOTSOCK");
      const get = await caught(() => s.linger);
      assert.equal(get?.code, "ENOTSOCK");
      assert.equal(get?.errno, 88);
    });
  }

  test("zocket: a PULL cannot send, a PUSH cannot receive: ENOTSUP (zeromq.js would wait forever)", async (t) => {
    const pull = new z.Pull();
    const push = new z.Push();
    closeAfter(t, pull, push);
    const e1 = await caught(() => (pull as unknown as { send(m: string): Promise<void> }).send("x"));
    assert.equal(e1?.code, "ENOTSUP");
    assert.match(e1.message, /send\(\).*Pull/);
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

  test("zocket: every code in docs/errors.md exists in ERRNO or is a ZMTP/ZAP code", async () => {
    const { readFileSync } = await import("node:fs");
    const doc = readFileSync(path.join(import.meta.dirname, "..", "..", "docs", "errors.md"), "utf8");
    const codes = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
    assert.ok(codes.length > 5);
    for (const c of codes) assert.ok(c in ERRNO || c.startsWith("ERR_"), `${c} documented but not in ERRNO`);
    void os;
  });
});
