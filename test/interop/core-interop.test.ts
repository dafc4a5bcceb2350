/**
 * Interop against real libzmq, both ways: the `zeromq` package (libzmq 4.3.5, in process) and Debian's
 * python3-zmq (libzmq 4.3.4, peers in peers/core_peer.py). PUSH/PULL, PAIR, DEALER with libzmq DEALER
 * and ROUTER; zocket binds and zocket connects; tcp and ipc; multipart; frames of 0, 255, 256 bytes and
 * 4 MiB (the suite in test/helpers/sockets.ts and peers/core_common.py).
 *
 * Plus a ZMTP 2.0 peer (peers/core_zmtp2.py, a raw emulation of libzmq 3.x) exchanging the same suite
 * with zocket PUSH, PULL and DEALER, in both directions and both connection roles.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as zmq from "zeromq";
import * as z from "../../src/index.ts";
import { closeAfter, interopSuite, portOf, PyPeer, uniqueIpc, withTimeout } from "../helpers/sockets.ts";

const SUITE = interopSuite();
const T = 20000;

type Kind = "PUSH" | "PULL" | "PAIR" | "DEALER" | "ROUTER";
type Mode = "send" | "recv" | "echo";

interface ZSock {
  bind(a: string): Promise<void>;
  connect(a: string): void;
  close(): void;
  readonly lastEndpoint: string | null;
}
interface ZSend extends ZSock {
  send(m: Buffer[]): Promise<void>;
}
interface ZRecv extends ZSock {
  receive(): Promise<Buffer[]>;
}

/** The zocket side of a pattern, and what the libzmq side does. */
interface Pattern {
  name: string;
  zocket: "Push" | "Pull" | "Pair" | "Dealer";
  lib: Kind;
  libMode: Mode;
}

const PATTERNS: Pattern[] = [
  { name: "zocket PUSH -> libzmq PULL", zocket: "Push", lib: "PULL", libMode: "recv" },
  { name: "libzmq PUSH -> zocket PULL", zocket: "Pull", lib: "PUSH", libMode: "send" },
  { name: "zocket PAIR <-> libzmq PAIR", zocket: "Pair", lib: "PAIR", libMode: "echo" },
  { name: "zocket DEALER <-> libzmq ROUTER", zocket: "Dealer", lib: "ROUTER", libMode: "echo" },
  { name: "zocket DEALER <-> libzmq DEALER", zocket: "Dealer", lib: "DEALER", libMode: "echo" },
];

function newZocket(kind: Pattern["zocket"]): ZSend & ZRecv {
  const s =
    kind === "Push" ? new z.Push() : kind === "Pull" ? new z.Pull() : kind === "Pair" ? new z.Pair() : new z.Dealer();
  return s as unknown as ZSend & ZRecv;
}

/** Drive the zocket side: send the suite and/or receive it, as the pattern requires. */
async function runZocket(s: ZSend & ZRecv, p: Pattern): Promise<void> {
  if (p.libMode === "recv" || p.libMode === "echo") {
    for (const m of SUITE) await withTimeout(s.send(m), T, "zocket send");
  }
  if (p.libMode === "send" || p.libMode === "echo") {
    for (let i = 0; i < SUITE.length; i++) {
      const got = await withTimeout(s.receive(), T, `zocket receive #${i}`);
      assert.deepEqual(got, SUITE[i], `message ${i}`);
    }
  }
}

// ------------------------------------------------------------------------------------ the zeromq package

function newLib(kind: Kind): zmq.Push | zmq.Pull | zmq.Pair | zmq.Dealer | zmq.Router {
  switch (kind) {
    case "PUSH":
      return new zmq.Push({ linger: 2000 });
    case "PULL":
      return new zmq.Pull({ linger: 2000 });
    case "PAIR":
      return new zmq.Pair({ linger: 2000 });
    case "DEALER":
      return new zmq.Dealer({ linger: 2000 });
    case "ROUTER":
      return new zmq.Router({ linger: 2000 });
  }
}

/** The libzmq side in process: the same modes as core_peer.py. */
async function runLib(s: ReturnType<typeof newLib>, kind: Kind, mode: Mode): Promise<void> {
  const send = (m: Buffer[]): Promise<void> => (s as zmq.Dealer).send(m);
  const receive = (): Promise<Buffer[]> => (s as zmq.Dealer).receive();
  if (mode === "send") {
    for (const m of SUITE) await withTimeout(send(m), T, "libzmq send");
    return;
  }
  for (let i = 0; i < SUITE.length; i++) {
    let got = await withTimeout(receive(), T, `libzmq receive #${i}`);
    let envelope: Buffer[] = [];
    if (kind === "ROUTER") {
      envelope = got.slice(0, 1);
      got = got.slice(1);
    }
    assert.deepEqual(got, SUITE[i], `libzmq got message ${i}`);
    if (mode === "echo") await withTimeout(send([...envelope, ...got]), T, "libzmq echo");
  }
}

for (const transport of ["tcp", "ipc"] as const) {
  for (const zocketBinds of [true, false]) {
    const role = zocketBinds ? "zocket binds" : "zocket connects";
    describe(`zeromq package (libzmq 4.3.5), ${transport}, ${role}`, () => {
      for (const p of PATTERNS) {
        test(`${p.name} [${transport}, ${role}]`, async (t) => {
          const mine = newZocket(p.zocket);
          const lib = newLib(p.lib);
          closeAfter(t, mine);
          t.after(() => lib.close());
          const ep = transport === "tcp" ? "tcp://127.0.0.1:*" : uniqueIpc("core");
          if (zocketBinds) {
            await mine.bind(ep);
            lib.connect(mine.lastEndpoint!);
          } else {
            await lib.bind(ep);
            mine.connect(lib.lastEndpoint!);
          }
          await Promise.all([runZocket(mine, p), runLib(lib, p.lib, p.libMode)]);
        });
      }
    });
  }
}

// ------------------------------------------------------------------------------------ python3-zmq

async function expectPeerOk(peer: PyPeer): Promise<void> {
  const done = await peer.waitLine((l) => l.startsWith("DONE"), T);
  assert.equal(done, "DONE ok", `python peer: ${peer.history.join(" | ")} ${peer.stderr}`);
}

for (const transport of ["tcp", "ipc"] as const) {
  for (const zocketBinds of [true, false]) {
    const role = zocketBinds ? "zocket binds" : "zocket connects";
    describe(`python3-zmq (libzmq 4.3.4), ${transport}, ${role}`, () => {
      for (const p of PATTERNS) {
        test(`${p.name} [${transport}, ${role}]`, async (t) => {
          const mine = newZocket(p.zocket);
          closeAfter(t, mine);
          let peer: PyPeer;
          if (zocketBinds) {
            await mine.bind(transport === "tcp" ? "tcp://127.0.0.1:*" : uniqueIpc("corepy"));
            ({ peer } = await PyPeer.start(t, "core_peer.py", [p.lib, "connect", mine.lastEndpoint!, p.libMode]));
          } else {
            const started = await PyPeer.start(t, "core_peer.py", [
              p.lib,
              "bind",
              transport === "tcp" ? "tcp://127.0.0.1:*" : uniqueIpc("corepy"),
              p.libMode,
            ]);
            peer = started.peer;
            mine.connect(started.endpoint);
          }
          await runZocket(mine, p);
          await expectPeerOk(peer);
        });
      }
    });
  }
}

// ------------------------------------------------------------------------------------ ZMTP 2.0

interface V2Case {
  name: string;
  zocket: Pattern["zocket"];
  /** The emulated libzmq 3.x socket type. */
  peerType: "PUSH" | "PULL" | "DEALER";
  peerMode: Mode;
  /** Our numeric type the peer must see in the greeting. */
  ourType: number;
}

const V2_CASES: V2Case[] = [
  { name: "zocket PUSH -> ZMTP 2.0 PULL", zocket: "Push", peerType: "PULL", peerMode: "recv", ourType: 8 },
  { name: "ZMTP 2.0 PUSH -> zocket PULL", zocket: "Pull", peerType: "PUSH", peerMode: "send", ourType: 7 },
  { name: "zocket DEALER <-> ZMTP 2.0 DEALER", zocket: "Dealer", peerType: "DEALER", peerMode: "echo", ourType: 5 },
];

async function v2Run(t: TestContext, c: V2Case, zocketBinds: boolean): Promise<void> {
  // Heartbeats on: ZMTP 2.0 has no commands, so zocket must not send PINGs to this peer (libzmq does
  // not either); the peer reports any frame with a command bit as BADFLAGS.
  const opts = { heartbeatInterval: 50, routingId: c.zocket === "Dealer" ? "ZK" : undefined };
  const mine = newZocket(c.zocket);
  closeAfter(t, mine);
  (mine as unknown as { heartbeatInterval: number }).heartbeatInterval = opts.heartbeatInterval;
  if (opts.routingId) (mine as unknown as { routingId: string }).routingId = opts.routingId;
  let peer: PyPeer;
  if (zocketBinds) {
    await mine.bind("tcp://127.0.0.1:*");
    ({ peer } = await PyPeer.start(t, "core_zmtp2.py", [
      "connect",
      String(portOf(mine.lastEndpoint!)),
      c.peerType,
      c.peerMode,
    ]));
  } else {
    const started = await PyPeer.start(t, "core_zmtp2.py", ["bind", "0", c.peerType, c.peerMode]);
    peer = started.peer;
    mine.connect(started.endpoint);
  }
  const hello = await peer.waitLine((l) => l.startsWith("PEER") || l.startsWith("DONE"), T);
  // libzmq answers a revision-01 peer with its major 03 then its socket type; the identity frame follows.
  assert.equal(
    hello,
    `PEER major=3 type=${c.ourType} identity=${opts.routingId ? Buffer.from(opts.routingId).toString("hex") : ""}`,
  );
  await runZocket(mine, { name: c.name, zocket: c.zocket, lib: "PAIR", libMode: c.peerMode });
  if (c.peerMode === "send") {
    // Let a few heartbeat intervals pass: nothing but data may reach the peer.
    await new Promise((r) => setTimeout(r, 200));
    mine.close();
  }
  await expectPeerOk(peer);
}

describe("ZMTP 2.0 peer (raw libzmq 3.x emulation)", () => {
  for (const c of V2_CASES) {
    for (const zocketBinds of [true, false]) {
      test(`${c.name} [${zocketBinds ? "zocket binds" : "zocket connects"}]`, async (t) => {
        await v2Run(t, c, zocketBinds);
      });
    }
  }

  test("a ZMTP 2.0 peer is refused when security is configured (downgrade guard)", async (t) => {
    const pull = new z.Pull({ plainServer: true });
    closeAfter(t, pull);
    // As libzmq (and zeromq.js, test/interop/security-negatives.test.ts): only "disconnect", no handshake error.
    const errors: string[] = [];
    let disconnects = 0;
    pull.events.on("handshake:error:protocol", (e) => errors.push(e.error.code));
    pull.events.on("disconnect", () => disconnects++);
    await pull.bind("tcp://127.0.0.1:*");
    const { peer } = await PyPeer.start(t, "core_zmtp2.py", [
      "connect",
      String(portOf(pull.lastEndpoint!)),
      "PUSH",
      "send",
    ]);
    const done = await peer.waitLine((l) => l.startsWith("DONE"), T);
    assert.equal(done, "DONE fail", "the connection is closed during the greeting");
    assert.ok(disconnects >= 1, "disconnect reported");
    assert.deepEqual(errors, [], "no handshake:error event, as libzmq");
  });
});
