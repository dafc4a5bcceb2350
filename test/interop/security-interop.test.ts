/**
 * Issue 5 against real libzmq, both roles, with a ZAP handler on the server side every time:
 *
 * - the `zeromq` package (libzmq 4.3.5) in this process, with a ZAP handler written on zeromq.js sockets;
 * - Debian's python3-zmq (libzmq 4.3.4) through test/interop/peers/security_*.py, with pyzmq's own
 *   `zmq.auth.thread.ThreadAuthenticator`;
 * - zocket's Authenticator whenever zocket is the server.
 *
 * Refusals (wrong server key, client key not allowed, wrong password, denied IP) must look exactly as
 * they do between two zeromq.js sockets: the same monitor events on each side (type, ZAP status or
 * protocol error code, then `disconnect`), nothing delivered, and the server keeps serving others.
 * Certificates cross both ways: zocket's saveCertificate -> pyzmq's load_certificate, pyzmq's
 * create_certificates -> zocket's loadCertificate (and the Authenticator's certificate directory).
 * Skipped without /usr/bin/python3 + python3-zmq for the python part.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import * as zocket from "../../src/index.ts";
import { PEERS_DIR, PYTHON, PyPeer, portOf } from "../helpers/sockets.ts";
import { EventLog, MitmRelay, flipByte } from "../helpers/security.ts";

const HAVE_PYZMQ = spawnSync(PYTHON, ["-c", "import zmq, zmq.auth"], { timeout: 10_000 }).status === 0;
const PY = {
  skip: HAVE_PYZMQ ? false : "needs /usr/bin/python3 with python3-zmq (libzmq 4.3)",
  timeout: 40_000,
} as const;
const T = { timeout: 60_000 } as const;
const SHORT = 300;

type LibName = "zocket" | "zeromq";

/** The socket surface both libraries share (constructors take an options object with `context`). */
interface AnySock {
  receiveTimeout: number;
  reconnectInterval: number;
  readonly lastEndpoint: string | null;
  readonly events: AsyncIterable<unknown>;
  bind(address: string): Promise<void>;
  connect(address: string): void;
  send(message: string | Buffer | (string | Buffer)[]): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
}
type Ctor = new (options: Record<string, unknown>) => AnySock;

function ctors(lib: LibName): { Router: Ctor; Dealer: Ctor } {
  return lib === "zocket"
    ? { Router: zocket.Router as unknown as Ctor, Dealer: zocket.Dealer as unknown as Ctor }
    : { Router: zmq.Router as unknown as Ctor, Dealer: zmq.Dealer as unknown as Ctor };
}

async function receiveWithin(s: AnySock, ms: number): Promise<Buffer[] | undefined> {
  const saved = s.receiveTimeout;
  s.receiveTimeout = ms;
  try {
    return await s.receive();
  } catch (err) {
    if ((err as { code?: string }).code === "EAGAIN") return undefined;
    throw err;
  } finally {
    s.receiveTimeout = saved;
  }
}

async function roundTrip(server: AnySock, client: AnySock, payload: string): Promise<void> {
  await client.send(payload);
  const m = await receiveWithin(server, 5000);
  assert.ok(m, `server received "${payload}"`);
  assert.equal(m[m.length - 1]!.toString(), payload);
  await server.send([m[0]!, `echo:${payload}`]);
  const r = await receiveWithin(client, 5000);
  assert.equal(r?.[0]?.toString(), `echo:${payload}`);
}

/**
 * Answer every message `server` receives with `reply(m)` until stop() (also at test end). Short receives
 * in a loop: no idle limit, so slow python clients (start-up, a refused one's 3 s RCVTIMEO) never find
 * the server already gone.
 */
function serveUntilStopped(
  t: TestContext,
  server: AnySock,
  reply: (m: Buffer[]) => (string | Buffer)[],
): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const m = await receiveWithin(server, 200);
      if (m && !stopped) await server.send(reply(m));
    }
  })();
  const stop = async (): Promise<void> => {
    stopped = true;
    await loop.catch(() => {});
  };
  t.after(stop);
  return { stop };
}

// ---------------------------------------------------------------------------------------------- ZAP handlers

/** What the server side accepts (the same policy for zocket's Authenticator and the zeromq.js handler). */
interface Policy {
  passwords: Record<string, string>;
  curveKeys: string[];
  deny: string[];
}

/** A ZAP handler written on zeromq.js sockets, in its own zeromq.js context (libzmq has none built in). */
async function zeromqZap(t: TestContext, ctx: zmq.Context, policy: Policy): Promise<void> {
  const zap = new zmq.Router({ context: ctx, linger: 0 });
  t.after(() => zap.close());
  await zap.bind("inproc://zeromq.zap.01");
  void (async () => {
    for await (const [id, , , rid, , address, , mech, ...creds] of zap) {
      let ok = false;
      let user = "";
      const m = mech!.toString();
      if (policy.deny.includes(address!.toString())) ok = false;
      else if (m === "PLAIN") {
        user = creds[0]!.toString();
        ok = policy.passwords[user] === creds[1]!.toString();
      } else if (m === "CURVE") {
        user = zocket.z85Encode(creds[0]!);
        ok = policy.curveKeys.includes(user);
      }
      await zap.send([id!, "", "1.0", rid!, ok ? "200" : "400", ok ? "OK" : "denied", ok ? user : "", ""]);
    }
  })().catch(() => {});
}

async function zocketAuth(t: TestContext, ctx: zocket.Context, policy: Policy): Promise<zocket.Authenticator> {
  const auth = new zocket.Authenticator({ context: ctx });
  await auth.start();
  t.after(() => auth.stop());
  auth.configurePlain("*", policy.passwords);
  auth.configureCurve("*", policy.curveKeys);
  if (policy.deny.length > 0) auth.deny(...policy.deny);
  return auth;
}

// ---------------------------------------------------------------------------------------------- refusal matrix

/** "type[:status|:code]" of the first handshake event, then whether a disconnect followed. */
async function outcome(log: EventLog): Promise<string> {
  const first = log.events.find((x) => x.type.startsWith("handshake"));
  if (!first) throw new Error(`no handshake event; saw ${log.types.join(", ")}`);
  let sig = first.type;
  if (first.type === "handshake:error:auth") sig += `:${first.error?.status}`;
  if (first.type === "handshake:error:protocol") sig += `:${first.error?.code}`;
  const i = log.events.indexOf(first);
  // Loose (a loaded machine): every reference signature has the disconnect, so a pass never waits this out.
  const deadline = Date.now() + 10_000;
  while (!log.events.slice(i + 1).some((x) => x.type === "disconnect") && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  if (log.events.slice(i + 1).some((x) => x.type === "disconnect")) sig += " +disconnect";
  return sig;
}

async function waitHandshakeError(log: EventLog, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!log.events.some((x) => x.type.startsWith("handshake:error"))) {
    if (Date.now() > deadline) throw new Error(`no handshake error; saw ${log.types.join(", ")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Refusal = "wrong server key" | "client key not allowed" | "wrong password" | "denied IP";
const REFUSALS: readonly Refusal[] = ["wrong server key", "client key not allowed", "wrong password", "denied IP"];

/**
 * One refusal with `serverLib` serving and `clientLib` connecting. Checks that nothing is delivered and
 * that the server then serves a well-configured client; returns the two sides' event signatures.
 */
async function refusal(
  t: TestContext,
  what: Refusal,
  serverLib: LibName,
  clientLib: LibName,
): Promise<{ server: string; client: string }> {
  const serverKeys = zocket.curveKeyPair();
  const goodKeys = zocket.curveKeyPair();
  const curve = what === "wrong server key" || what === "client key not allowed";
  const policy: Policy = {
    passwords: { alice: "right" },
    curveKeys: [goodKeys.publicKey],
    deny: what === "denied IP" ? ["127.0.0.1"] : [],
  };
  const sctx = serverLib === "zocket" ? new zocket.Context() : new zmq.Context();
  const cctx = clientLib === "zocket" ? new zocket.Context() : new zmq.Context();
  let auth: zocket.Authenticator | undefined;
  if (serverLib === "zocket") auth = await zocketAuth(t, sctx as zocket.Context, policy);
  else await zeromqZap(t, sctx as zmq.Context, policy);

  const { Router } = ctors(serverLib);
  const { Dealer } = ctors(clientLib);
  const server = new Router({
    context: sctx,
    linger: 0,
    ...(curve ? { curveServer: true, curveSecretKey: serverKeys.secretKey } : { plainServer: true }),
  });
  t.after(() => server.close());
  const slog = new EventLog(server);
  await server.bind("tcp://127.0.0.1:*");
  const ep = server.lastEndpoint!;

  const clientOpts = (good: boolean): Record<string, unknown> => {
    if (!curve) return { plainUsername: "alice", plainPassword: good || what !== "wrong password" ? "right" : "wrong" };
    const keys = good || what !== "client key not allowed" ? goodKeys : zocket.curveKeyPair();
    const serverKey = good || what !== "wrong server key" ? serverKeys.publicKey : zocket.curveKeyPair().publicKey;
    return { curveServerKey: serverKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey };
  };
  const bad = new Dealer({ context: cctx, linger: 0, ...clientOpts(false) });
  t.after(() => bad.close());
  const clog = new EventLog(bad);
  bad.connect(ep);
  void bad.send("must never arrive").catch(() => {});
  await waitHandshakeError(slog);
  await waitHandshakeError(clog);
  const result = { server: await outcome(slog), client: await outcome(clog) };
  bad.close();
  assert.equal(
    await receiveWithin(server, SHORT),
    undefined,
    `${what} (${clientLib} -> ${serverLib}): nothing delivered`,
  );

  // The server keeps serving others (a denied address is lifted first: every client here is 127.0.0.1).
  if (what === "denied IP") {
    policy.deny.length = 0;
    auth?.clearAddressFilters();
  }
  const good = new Dealer({ context: cctx, linger: 0, ...clientOpts(true) });
  t.after(() => good.close());
  good.connect(ep);
  await roundTrip(server, good, `good ${clientLib} client after "${what}"`);
  good.close();
  server.close();
  return result;
}

for (const what of REFUSALS) {
  test(`refusal "${what}": zocket reports what zeromq.js reports, in both roles`, T, async (t) => {
    const reference = await refusal(t, what, "zeromq", "zeromq");
    t.diagnostic(`zeromq.js <-> zeromq.js: ${JSON.stringify(reference)}`);
    for (const [s, c] of [
      ["zocket", "zeromq"],
      ["zeromq", "zocket"],
      ["zocket", "zocket"],
    ] as const) {
      const got = await refusal(t, what, s, c);
      assert.deepEqual(got, reference, `${c} client -> ${s} server, compared with zeromq.js on both ends`);
    }
  });
}

// ---------------------------------------------------------------------------------------------- zeromq.js happy paths

test("zeromq.js <-> zocket: CURVE and PLAIN both roles; User-Id reaches the zocket server app", T, async (t) => {
  for (const mech of ["CURVE", "PLAIN"] as const) {
    for (const [serverLib, clientLib] of [
      ["zocket", "zeromq"],
      ["zeromq", "zocket"],
    ] as const) {
      const sk = zocket.curveKeyPair();
      const ck = zocket.curveKeyPair();
      const policy: Policy = { passwords: { alice: "pw" }, curveKeys: [ck.publicKey], deny: [] };
      const sctx = serverLib === "zocket" ? new zocket.Context() : new zmq.Context();
      const cctx = clientLib === "zocket" ? new zocket.Context() : new zmq.Context();
      if (serverLib === "zocket") await zocketAuth(t, sctx as zocket.Context, policy);
      else await zeromqZap(t, sctx as zmq.Context, policy);
      const { Router } = ctors(serverLib);
      const { Dealer } = ctors(clientLib);
      const server = new Router({
        context: sctx,
        linger: 0,
        ...(mech === "CURVE" ? { curveServer: true, curveSecretKey: sk.secretKey } : { plainServer: true }),
      });
      t.after(() => server.close());
      await server.bind("tcp://127.0.0.1:*");
      const client = new Dealer({
        context: cctx,
        linger: 0,
        ...(mech === "CURVE"
          ? { curveServerKey: sk.publicKey, curvePublicKey: ck.publicKey, curveSecretKey: ck.secretKey }
          : { plainUsername: "alice", plainPassword: "pw" }),
      });
      t.after(() => client.close());
      client.connect(server.lastEndpoint!);
      for (let i = 0; i < 3; i++) await roundTrip(server, client, `${mech} ${clientLib}->${serverLib} #${i}`);
      if (serverLib === "zocket") {
        const props = (server as unknown as zocket.Router).lastMessageProperties();
        assert.equal(props?.["User-Id"], mech === "CURVE" ? ck.publicKey : "alice");
      }
      client.close();
      server.close();
    }
  }
});

test(
  "zeromq.js client from a denied source address is refused by zocket's Authenticator; one from an allowed address is served",
  T,
  async (t) => {
    const ctx = new zocket.Context();
    const auth = await zocketAuth(t, ctx, { passwords: { u: "p" }, curveKeys: [], deny: [] });
    auth.deny("127.0.0.2");
    const server = new zocket.Router({ context: ctx, linger: 0, plainServer: true });
    t.after(() => server.close());
    const slog = new EventLog(server);
    await server.bind("tcp://127.0.0.1:*");
    const port = portOf(server.lastEndpoint!);
    const zctx = new zmq.Context();
    const denied = new zmq.Dealer({ context: zctx, linger: 0, plainUsername: "u", plainPassword: "p" });
    t.after(() => denied.close());
    const dlog = new EventLog(denied);
    denied.connect(`tcp://127.0.0.2:0;127.0.0.1:${port}`);
    void denied.send("from 127.0.0.2").catch(() => {});
    assert.equal((await dlog.waitFor("handshake:error:auth", 10_000)).error?.status, 400);
    assert.equal((await slog.waitFor("handshake:error:auth", 10_000)).error?.status, 400);
    const allowed = new zmq.Dealer({ context: zctx, linger: 0, plainUsername: "u", plainPassword: "p" });
    t.after(() => allowed.close());
    allowed.connect(`tcp://127.0.0.1:${port}`);
    await roundTrip(server as unknown as AnySock, allowed as unknown as AnySock, "from 127.0.0.1");
    assert.equal(server.lastMessageProperties()?.["Peer-Address"], "127.0.0.1");
    assert.equal(await receiveWithin(server as unknown as AnySock, SHORT), undefined);
  },
);

test(
  "tampering: zeromq.js CURVE client -> relay flipping one byte -> zocket server drops the connection, delivers nothing forged, serves on",
  T,
  async (t) => {
    const ctx = new zocket.Context();
    const sk = zocket.curveKeyPair();
    const server = new zocket.Router({ context: ctx, linger: 0, curveServer: true, curveSecretKey: sk.secretKey });
    t.after(() => server.close());
    const slog = new EventLog(server);
    await server.bind("tcp://127.0.0.1:*");
    const relay = await MitmRelay.start(t, portOf(server.lastEndpoint!), (dir, f) =>
      dir === "c2s" && f.dataIndex === 2 ? [flipByte(f.raw, f.raw.length - 1)] : [f.raw],
    );
    const ck = zocket.curveKeyPair();
    const opts = {
      linger: 0,
      curveServerKey: sk.publicKey,
      curvePublicKey: ck.publicKey,
      curveSecretKey: ck.secretKey,
    };
    const client = new zmq.Dealer({ ...opts, reconnectInterval: -1 });
    t.after(() => client.close());
    client.connect(relay.endpoint);
    await client.send("one");
    assert.equal((await receiveWithin(server as unknown as AnySock, 5000))?.[1]?.toString(), "one");
    await client.send("two (tampered)");
    await relay.firstClosed;
    await slog.waitFor("disconnect", 10_000);
    assert.equal(await receiveWithin(server as unknown as AnySock, SHORT), undefined, "nothing forged delivered");
    const clean = new zmq.Dealer(opts);
    t.after(() => clean.close());
    clean.connect(server.lastEndpoint!);
    await roundTrip(server as unknown as AnySock, clean as unknown as AnySock, "clean");
  },
);

// ---------------------------------------------------------------------------------------------- pyzmq

function tmpDir(t: TestContext, tag: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `zocket-${tag}-`));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Run python code; returns stdout (throws with stderr on failure). */
function py(code: string, ...args: string[]): string {
  const r = spawnSync(PYTHON, ["-c", code, ...args], { timeout: 15_000, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

/** Run security_client.py to completion; returns its output lines. */
function pyClient(args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, ["-u", path.join(PEERS_DIR, "security_client.py"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    p.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    p.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 15_000);
    p.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`security_client.py exited ${code}: ${err}`));
      else resolve(out.split("\n").filter((l) => l !== ""));
    });
  });
}

async function pyServer(t: TestContext, args: string[]): Promise<{ peer: PyPeer; endpoint: string }> {
  const r = await PyPeer.start(t, "security_server.py", args);
  t.after(() => r.peer.proc.stdin.end());
  return r;
}

test(
  "certificates: zocket's saveCertificate is read by pyzmq's load_certificate, pyzmq's create_certificates by loadCertificate",
  PY,
  (t) => {
    const dir = tmpDir(t, "certs");
    const mine = zocket.newCertificate({ name: "zocket-side", email: "a@b.c" });
    const { publicFile, secretFile } = zocket.saveCertificate(mine, path.join(dir, "mine.key"));
    assert.equal(secretFile, path.join(dir, "mine.key_secret"));
    assert.equal(fs.statSync(secretFile).mode & 0o777, 0o600);
    const read = py(
      "import sys, zmq.auth\nfor f in sys.argv[1:]:\n  p, s = zmq.auth.load_certificate(f)\n  print(p.decode(), s.decode() if s else '-')\nprint(len(zmq.auth.load_certificates(sys.argv[1].rsplit('/',1)[0])))",
      publicFile,
      secretFile,
    )
      .trim()
      .split("\n");
    assert.deepEqual(
      read,
      [`${mine.publicKey} -`, `${mine.publicKey} ${mine.secretKey}`, "1"],
      "pyzmq sees the keys; its directory loader counts the one *.key file",
    );

    const theirs = py(
      "import sys, zmq.auth\np, s = zmq.auth.create_certificates(sys.argv[1], 'py', metadata={'owner': 'pyzmq'})\nprint(p); print(s)",
      dir,
    )
      .trim()
      .split("\n");
    const pub = zocket.loadCertificate(theirs[0]!);
    const sec = zocket.loadCertificate(theirs[1]!);
    assert.equal(pub.publicKey, sec.publicKey);
    assert.equal(pub.secretKey, undefined);
    assert.equal(sec.metadata["owner"], "pyzmq", "pyzmq writes metadata unquoted");
    const check = py("import sys, zmq\nprint(zmq.curve_public(sys.argv[1].encode()).decode())", sec.secretKey!).trim();
    assert.equal(
      check,
      sec.publicKey,
      "the secret key loaded by zocket derives the public key (libzmq zmq_curve_public)",
    );
    assert.deepEqual(
      zocket.loadPublicKeysFromDirectory(dir).sort(),
      [...new Set([mine.publicKey, pub.publicKey])].sort(),
    );
  },
);

test(
  "pyzmq CURVE server + ThreadAuthenticator (certificates written by zocket) <- zocket clients: wrong server key, unknown key, good key",
  PY,
  async (t) => {
    const dir = tmpDir(t, "pycurve");
    fs.mkdirSync(path.join(dir, "clients"));
    const server = zocket.newCertificate({ name: "server" });
    zocket.saveCertificate(server, path.join(dir, "server.key"));
    const good = zocket.newCertificate({ name: "good" });
    zocket.saveCertificate(
      { publicKey: good.publicKey, metadata: good.metadata },
      path.join(dir, "clients", "good.key"),
    );
    const { peer, endpoint } = await pyServer(t, [
      "curve",
      "--server-cert",
      path.join(dir, "server.key_secret"),
      "--clients",
      path.join(dir, "clients"),
    ]);

    const dealer = (serverKey: string, keys: { publicKey: string; secretKey: string }): zocket.Dealer => {
      const d = new zocket.Dealer({
        linger: 0,
        curveServerKey: serverKey,
        curvePublicKey: keys.publicKey,
        curveSecretKey: keys.secretKey,
      });
      t.after(() => d.close());
      return d;
    };
    const wrongKey = dealer(zocket.curveKeyPair().publicKey, zocket.curveKeyPair());
    const wlog = new EventLog(wrongKey);
    wrongKey.connect(endpoint);
    void wrongKey.send("wrong server key").catch(() => {});
    await wlog.waitFor("handshake:error:other", 10_000);
    await peer.waitLine((l) => l === "EVENT HANDSHAKE_FAILED_PROTOCOL ZMTP_CRYPTOGRAPHIC");
    wrongKey.close();

    const unknown = dealer(server.publicKey, zocket.curveKeyPair());
    const ulog = new EventLog(unknown);
    unknown.connect(endpoint);
    void unknown.send("unknown key").catch(() => {});
    assert.equal((await ulog.waitFor("handshake:error:auth", 10_000)).error?.status, 400);
    await peer.waitLine((l) => l === "EVENT HANDSHAKE_FAILED_AUTH 400");

    const ok = dealer(server.publicKey, good);
    ok.connect(endpoint);
    await ok.send("good key");
    assert.equal((await receiveWithin(ok as unknown as AnySock, 5000))?.[0]?.toString(), "echo:good key");
    await peer.waitLine((l) => l === `RECV ${good.publicKey} good key`);
    assert.ok(
      !peer.lines.some((l) => l.startsWith("RECV") && !l.endsWith("good key")),
      "nothing from the refused clients",
    );
  },
);

test(
  "pyzmq CURVE clients (certificates by pyzmq) -> zocket server + Authenticator reading pyzmq's certificate directory",
  PY,
  async (t) => {
    const dir = tmpDir(t, "zcurve");
    py(
      "import sys, os, zmq.auth\nd = sys.argv[1]\nos.mkdir(d + '/clients'); os.mkdir(d + '/others')\nzmq.auth.create_certificates(d, 'server')\nzmq.auth.create_certificates(d + '/clients', 'alice')\nzmq.auth.create_certificates(d + '/others', 'mallory')",
      dir,
    );
    const serverCert = zocket.loadCertificate(path.join(dir, "server.key_secret"));
    const ctx = zocket.context; // the python client cannot share a context: use the default one
    const auth = new zocket.Authenticator({ context: ctx });
    await auth.start();
    t.after(() => auth.stop());
    auth.configureCurve("*", { directory: path.join(dir, "clients") });
    const server = new zocket.Router({
      linger: 0,
      curveServer: true,
      curveSecretKey: serverCert.secretKey!,
      curvePublicKey: serverCert.publicKey,
    });
    t.after(() => server.close());
    const slog = new EventLog(server);
    await server.bind("tcp://127.0.0.1:*");
    const ep = server.lastEndpoint!;
    const serve = serveUntilStopped(t, server as unknown as AnySock, (m) => [
      m[0]!,
      Buffer.concat([Buffer.from("echo:"), m[1]!]),
    ]);

    const mallory = await pyClient([
      "curve",
      ep,
      "--server-cert",
      path.join(dir, "server.key"),
      "--cert",
      path.join(dir, "others", "mallory.key_secret"),
    ]);
    assert.ok(mallory.includes("EVENT HANDSHAKE_FAILED_AUTH 400"), mallory.join(" | "));
    assert.ok(mallory.includes("TIMEOUT"));
    assert.equal((await slog.waitFor("handshake:error:auth", 10_000)).error?.status, 400);

    const alice = await pyClient([
      "curve",
      ep,
      "--server-cert",
      path.join(dir, "server.key"),
      "--cert",
      path.join(dir, "clients", "alice.key_secret"),
    ]);
    assert.ok(alice.includes("RECV echo:hello from libzmq"), alice.join(" | "));
    assert.equal(
      server.lastMessageProperties()?.["User-Id"],
      zocket.loadCertificate(path.join(dir, "clients", "alice.key")).publicKey,
    );
    await serve.stop();
    server.close();
  },
);

test(
  "pyzmq PLAIN server + ThreadAuthenticator <- zocket clients: wrong password refused (auth 400 both sides), right one served with User-Id",
  PY,
  async (t) => {
    const { peer, endpoint } = await pyServer(t, ["plain", "--passwords", "alice:right"]);
    const bad = new zocket.Dealer({ linger: 0, plainUsername: "alice", plainPassword: "wrong" });
    t.after(() => bad.close());
    const blog = new EventLog(bad);
    bad.connect(endpoint);
    void bad.send("guess").catch(() => {});
    assert.equal(
      (await blog.waitFor("handshake:error:auth", 10_000)).error?.status,
      400,
      "libzmq's malformed PLAIN ERROR is understood (G16)",
    );
    await blog.waitFor("disconnect", 10_000);
    await peer.waitLine((l) => l === "EVENT HANDSHAKE_FAILED_AUTH 400");
    const good = new zocket.Dealer({ linger: 0, plainUsername: "alice", plainPassword: "right" });
    t.after(() => good.close());
    good.connect(endpoint);
    await good.send("let me in");
    assert.equal((await receiveWithin(good as unknown as AnySock, 5000))?.[0]?.toString(), "echo:let me in");
    await peer.waitLine((l) => l === "RECV alice let me in");
    assert.ok(!peer.lines.some((l) => l.includes("guess")));
  },
);

test(
  "pyzmq PLAIN clients -> zocket server + Authenticator: wrong password gives libzmq HANDSHAKE_FAILED_AUTH 400; right one served",
  PY,
  async (t) => {
    const auth = new zocket.Authenticator();
    await auth.start();
    t.after(() => auth.stop());
    auth.configurePlain("*", { alice: "right" });
    const server = new zocket.Router({ linger: 0, plainServer: true });
    t.after(() => server.close());
    const slog = new EventLog(server);
    await server.bind("tcp://127.0.0.1:*");
    const ep = server.lastEndpoint!;
    const serve = serveUntilStopped(t, server as unknown as AnySock, (m) => [
      m[0]!,
      Buffer.concat([Buffer.from("echo:"), m[1]!]),
    ]);
    const wrong = await pyClient(["plain", ep, "--user", "alice", "--password", "wrong"]);
    assert.ok(
      wrong.includes("EVENT HANDSHAKE_FAILED_AUTH 400"),
      `libzmq client sees an auth failure, not a protocol error: ${wrong.join(" | ")}`,
    );
    assert.ok(wrong.includes("TIMEOUT"));
    assert.equal((await slog.waitFor("handshake:error:auth", 10_000)).error?.status, 400);
    const right = await pyClient(["plain", ep, "--user", "alice", "--password", "right"]);
    assert.ok(right.includes("RECV echo:hello from libzmq"), right.join(" | "));
    assert.equal(server.lastMessageProperties()?.["User-Id"], "alice");
    await serve.stop();
    server.close();
  },
);

test(
  "denied IP against libzmq both ways: pyzmq server --deny 127.0.0.1 refuses zocket, serves pyzmq from 127.0.0.2; zocket deny 127.0.0.2 refuses pyzmq",
  PY,
  async (t) => {
    const { peer, endpoint } = await pyServer(t, ["plain", "--passwords", "u:p", "--deny", "127.0.0.1"]);
    const z = new zocket.Dealer({ linger: 0, plainUsername: "u", plainPassword: "p" });
    t.after(() => z.close());
    const zlog = new EventLog(z);
    z.connect(endpoint);
    void z.send("from a denied address").catch(() => {});
    assert.equal((await zlog.waitFor("handshake:error:auth", 10_000)).error?.status, 400);
    await peer.waitLine((l) => l === "EVENT HANDSHAKE_FAILED_AUTH 400");
    const other = await pyClient(["plain", endpoint, "--user", "u", "--password", "p", "--source", "127.0.0.2"]);
    assert.ok(other.includes("RECV echo:hello from libzmq"), other.join(" | "));
    assert.ok(!peer.lines.some((l) => l.includes("denied address")));

    const auth = new zocket.Authenticator();
    await auth.start();
    t.after(() => auth.stop());
    auth.configurePlain("*", { u: "p" });
    auth.deny("127.0.0.2");
    const server = new zocket.Router({ linger: 0, plainServer: true });
    t.after(() => server.close());
    await server.bind("tcp://127.0.0.1:*");
    const serve = serveUntilStopped(t, server as unknown as AnySock, (m) => [m[0]!, Buffer.from("echo:ok")]);
    const denied = await pyClient([
      "plain",
      server.lastEndpoint!,
      "--user",
      "u",
      "--password",
      "p",
      "--source",
      "127.0.0.2",
    ]);
    assert.ok(denied.includes("EVENT HANDSHAKE_FAILED_AUTH 400"), denied.join(" | "));
    const served = await pyClient(["plain", server.lastEndpoint!, "--user", "u", "--password", "p"]);
    assert.ok(served.includes("RECV echo:ok"), served.join(" | "));
    await serve.stop();
    server.close();
  },
);
