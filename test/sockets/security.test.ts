/**
 * Issue 5, end to end between zocket sockets over real TCP/ipc: PLAIN and CURVE with the Authenticator,
 * refusals (wrong server key, client key not allowed, wrong password, denied IP), live policy changes,
 * libzmq's ZAP semantics (no handler, 300/400/500, malformed replies, domains, enforce-domain, NULL),
 * message properties (User-Id and ZAP metadata reach the application; a peer cannot forge them), and
 * tampering on the wire through a man-in-the-middle relay (flipped byte, replayed and reordered
 * MESSAGE frames): the connection drops, nothing forged is delivered, the server keeps serving.
 *
 * Each test has its own Context, so its ZAP handler (inproc://zeromq.zap.01) is private.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  Authenticator,
  CURVE_ALLOW_ANY,
  Context,
  Dealer,
  Pull,
  Push,
  Router,
  curveKeyPair,
  newCertificate,
  saveCertificate,
  type AuthDecision,
  type CurveKeyPair,
  type Socket,
} from "../../src/index.ts";
import { RawPeer, portOf, uniqueIpc, zframe, zgreeting, zprop } from "../helpers/sockets.ts";
import { EventLog, MitmRelay, flipByte, type RelayFrame } from "../helpers/security.ts";

const T = { timeout: 20_000 } as const;
const SHORT = 400; // ms to wait before concluding "nothing was delivered"

function closeAll(t: TestContext, ...socks: Socket[]): void {
  t.after(() => {
    for (const s of socks) s.close();
  });
}

/** Start an Authenticator in its own context; stopped at test end. */
async function startAuth(
  t: TestContext,
  options: { onDecision?: (d: AuthDecision) => void; metadata?: (d: AuthDecision) => Record<string, string> } = {},
): Promise<{ ctx: Context; auth: Authenticator; decisions: AuthDecision[] }> {
  const ctx = new Context();
  const decisions: AuthDecision[] = [];
  const auth = new Authenticator({
    context: ctx,
    onDecision: (d) => {
      decisions.push(d);
      options.onDecision?.(d);
    },
    ...(options.metadata ? { metadata: options.metadata } : {}),
  });
  await auth.start();
  t.after(() => auth.stop());
  return { ctx, auth, decisions };
}

function curveServer(t: TestContext, ctx: Context, keys: CurveKeyPair, extra: Record<string, unknown> = {}): Router {
  const s = new Router({ context: ctx, linger: 0, curveServer: true, curveSecretKey: keys.secretKey, ...extra });
  closeAll(t, s);
  return s;
}

function curveClient(t: TestContext, ctx: Context, serverPublic: string, keys: CurveKeyPair = curveKeyPair()): Dealer {
  const c = new Dealer({
    context: ctx,
    linger: 0,
    curveServerKey: serverPublic,
    curvePublicKey: keys.publicKey,
    curveSecretKey: keys.secretKey,
  });
  closeAll(t, c);
  return c;
}

function plainServer(t: TestContext, ctx: Context, extra: Record<string, unknown> = {}): Router {
  const s = new Router({ context: ctx, linger: 0, plainServer: true, ...extra });
  closeAll(t, s);
  return s;
}

function plainClient(t: TestContext, ctx: Context, user: string, pass: string): Dealer {
  const c = new Dealer({ context: ctx, linger: 0, plainUsername: user, plainPassword: pass });
  closeAll(t, c);
  return c;
}

/** Receive with a deadline; undefined when nothing came. */
async function receiveWithin(s: Socket & { receive(): Promise<Buffer[]> }, ms: number): Promise<Buffer[] | undefined> {
  const saved = (s as unknown as { receiveTimeout: number }).receiveTimeout;
  (s as unknown as { receiveTimeout: number }).receiveTimeout = ms;
  try {
    return await s.receive();
  } catch (err) {
    if ((err as { code?: string }).code === "EAGAIN") return undefined;
    throw err;
  } finally {
    (s as unknown as { receiveTimeout: number }).receiveTimeout = saved;
  }
}

/** Everything the server gets within `ms`, as text payloads (the routing id dropped). */
async function drain(server: Router, ms: number): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const m = await receiveWithin(server, ms);
    if (m === undefined) return out;
    out.push(m.slice(1).map(String).join("|"));
  }
}

/** A full round trip client -> server -> client; returns the server's view of the message properties. */
async function roundTrip(server: Router, client: Dealer, payload: string): Promise<Record<string, string> | null> {
  await client.send(payload);
  const m = await receiveWithin(server, 5000);
  assert.ok(m, `server received "${payload}"`);
  assert.equal(m[1]!.toString(), payload);
  const props = server.lastMessageProperties();
  await server.send([m[0]!, `echo:${payload}`]);
  const r = await receiveWithin(client, 5000);
  assert.ok(r, "client received the echo");
  assert.equal(r[0]!.toString(), `echo:${payload}`);
  return props;
}

// ---------------------------------------------------------------------------------------------- happy paths

test(
  "CURVE + Authenticator: an allowed key gets through both ways; User-Id and ZAP metadata reach the server app",
  T,
  async (t) => {
    const { ctx, auth, decisions } = await startAuth(t, { metadata: (d) => ({ "X-Role": `role-of-${d.mechanism}` }) });
    const sk = curveKeyPair();
    const ck = curveKeyPair();
    auth.configureCurve("*", [ck.publicKey]);
    const server = curveServer(t, ctx, sk);
    await server.bind("tcp://127.0.0.1:*");
    const client = curveClient(t, ctx, sk.publicKey, ck);
    client.connect(server.lastEndpoint!);
    const props = await roundTrip(server, client, "hello");
    assert.ok(props);
    assert.equal(props["User-Id"], ck.publicKey, "User-Id is the client key in Z85 (pyzmq/czmq convention)");
    assert.equal(props["X-Role"], "role-of-CURVE");
    assert.equal(props["Socket-Type"], "DEALER");
    assert.equal(props["Peer-Address"], "127.0.0.1");
    assert.equal(decisions.length, 1);
    assert.deepEqual(
      { ...decisions[0]!, userId: "" },
      { domain: "", address: "127.0.0.1", mechanism: "CURVE", allowed: true, reason: "OK", userId: "" },
    );
  },
);

test("PLAIN + Authenticator over tcp and ipc: User-Id is the username", T, async (t) => {
  const { ctx, auth } = await startAuth(t);
  auth.configurePlain("*", { alice: "s3cret" });
  const server = plainServer(t, ctx);
  await server.bind("tcp://127.0.0.1:*");
  const tcp = server.lastEndpoint!;
  await server.bind(uniqueIpc("plain"));
  const ipc = server.lastEndpoint!;
  for (const ep of [tcp, ipc]) {
    const client = plainClient(t, ctx, "alice", "s3cret");
    client.connect(ep);
    const props = await roundTrip(server, client, `via ${ep.slice(0, 3)}`);
    assert.equal(props?.["User-Id"], "alice");
    assert.equal(props?.["Peer-Address"], ep.startsWith("tcp") ? "127.0.0.1" : undefined);
  }
});

test(
  "message properties: a peer cannot forge User-Id in its own metadata (ZAP's value wins, as in libzmq)",
  T,
  async (t) => {
    const { ctx, auth } = await startAuth(t);
    auth.configurePlain("*", { alice: "pw" });
    const server = plainServer(t, ctx);
    await server.bind("tcp://127.0.0.1:*");
    const raw = await RawPeer.connect(t, portOf(server.lastEndpoint!));
    raw.write(zgreeting({ mechanism: "PLAIN" }));
    await raw.read(64);
    raw.write(zframe(Buffer.from("\x05HELLO\x05alice\x02pw", "latin1"), { command: true }));
    const welcome = await raw.readFrame();
    assert.equal(welcome.body.toString("latin1"), "\x07WELCOME");
    const initiate = Buffer.concat([
      Buffer.from("\x08INITIATE", "latin1"),
      zprop("Socket-Type", "DEALER"),
      zprop("Identity", ""),
      zprop("User-Id", "root"),
      zprop("X-Custom", "mine"),
    ]);
    raw.write(zframe(initiate, { command: true }));
    const ready = await raw.readFrame();
    assert.equal(ready.body.subarray(0, 6).toString("latin1"), "\x05READY");
    raw.write(zframe("forged?"));
    const m = await receiveWithin(server, 3000);
    assert.equal(m?.[1]?.toString(), "forged?");
    const props = server.lastMessageProperties();
    assert.equal(props?.["User-Id"], "alice", "the ZAP user id, not the peer's claim");
    assert.equal(props?.["X-Custom"], "mine", "the peer's own metadata is still visible");
  },
);

// ---------------------------------------------------------------------------------------------- refusals

test(
  "refusal: CURVE client with a wrong server key — nothing delivered, protocol error on the server, others still served",
  T,
  async (t) => {
    const { ctx, auth } = await startAuth(t);
    auth.configureCurve("*", CURVE_ALLOW_ANY);
    const sk = curveKeyPair();
    const server = curveServer(t, ctx, sk);
    const slog = new EventLog(server);
    await server.bind("tcp://127.0.0.1:*");
    const bad = curveClient(t, ctx, curveKeyPair().publicKey);
    const blog = new EventLog(bad);
    bad.connect(server.lastEndpoint!);
    void bad.send("from the bad client").catch(() => {});
    const se = await slog.waitFor("handshake:error:protocol");
    assert.equal(se.error?.code, "ERR_ZMTP_CRYPTOGRAPHIC", "libzmq reports ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC");
    await slog.waitFor("disconnect");
    // The client only sees the server hang up (libzmq closes silently): handshake:error:other, then it retries.
    await blog.waitFor("handshake:error:other");
    await blog.waitFor("disconnect");
    await blog.waitFor("connect:retry");
    const good = curveClient(t, ctx, sk.publicKey);
    good.connect(server.lastEndpoint!);
    await roundTrip(server, good, "good");
    assert.deepEqual(await drain(server, SHORT), [], "the bad client's message never arrives");
  },
);

test(
  "refusal: CURVE client key not allowed — ERROR 400, handshake:error:auth on both sides, no retry, others served",
  T,
  async (t) => {
    const { ctx, auth, decisions } = await startAuth(t);
    const allowed = curveKeyPair();
    auth.configureCurve("*", [allowed.publicKey]);
    const sk = curveKeyPair();
    const server = curveServer(t, ctx, sk);
    const slog = new EventLog(server);
    await server.bind("tcp://127.0.0.1:*");
    const bad = curveClient(t, ctx, sk.publicKey);
    const blog = new EventLog(bad);
    bad.connect(server.lastEndpoint!);
    void bad.send("intruder").catch(() => {});
    assert.equal((await slog.waitFor("handshake:error:auth")).error?.status, 400);
    assert.equal((await blog.waitFor("handshake:error:auth")).error?.status, 400);
    await blog.waitFor("disconnect");
    await slog.waitFor("disconnect");
    const good = curveClient(t, ctx, sk.publicKey, allowed);
    good.connect(server.lastEndpoint!);
    await roundTrip(server, good, "welcome");
    assert.deepEqual(await drain(server, SHORT), []);
    assert.equal(blog.count("connect:retry"), 0, "libzmq does not reconnect after an auth failure (G7)");
    assert.equal(decisions.filter((d) => !d.allowed).length, 1);
    assert.equal(decisions.find((d) => !d.allowed)?.reason, "Unknown public key");
  },
);

test("refusal: PLAIN wrong password — handshake:error:auth 400 on both sides, others served", T, async (t) => {
  const { ctx, auth } = await startAuth(t);
  auth.configurePlain("*", { alice: "right" });
  const server = plainServer(t, ctx);
  const slog = new EventLog(server);
  await server.bind("tcp://127.0.0.1:*");
  const bad = plainClient(t, ctx, "alice", "wrong");
  const blog = new EventLog(bad);
  bad.connect(server.lastEndpoint!);
  void bad.send("guess").catch(() => {});
  assert.equal((await slog.waitFor("handshake:error:auth")).error?.status, 400);
  assert.equal((await blog.waitFor("handshake:error:auth")).error?.status, 400);
  const good = plainClient(t, ctx, "alice", "right");
  good.connect(server.lastEndpoint!);
  await roundTrip(server, good, "ok");
  assert.deepEqual(await drain(server, SHORT), []);
});

test(
  "refusal: denied IP (tcp from 127.0.0.1) while an ipc client is served; clearing the filter admits new tcp clients",
  T,
  async (t) => {
    const { ctx, auth } = await startAuth(t);
    auth.configurePlain("*", { u: "p" });
    auth.deny("127.0.0.0/8");
    const server = plainServer(t, ctx);
    const slog = new EventLog(server);
    await server.bind("tcp://127.0.0.1:*");
    const tcp = server.lastEndpoint!;
    await server.bind(uniqueIpc("deny"));
    const ipc = server.lastEndpoint!;
    const denied = plainClient(t, ctx, "u", "p");
    const dlog = new EventLog(denied);
    denied.connect(tcp);
    void denied.send("from a denied address").catch(() => {});
    assert.equal((await dlog.waitFor("handshake:error:auth")).error?.status, 400);
    assert.equal((await slog.waitFor("handshake:error:auth")).error?.status, 400);
    const viaIpc = plainClient(t, ctx, "u", "p");
    viaIpc.connect(ipc);
    await roundTrip(server, viaIpc, "ipc has no IP address: not filtered");
    auth.clearAddressFilters();
    const later = plainClient(t, ctx, "u", "p");
    later.connect(tcp);
    await roundTrip(server, later, "admitted after the deny list was cleared");
    assert.deepEqual(await drain(server, SHORT), []);
  },
);

// ---------------------------------------------------------------------------------------------- live changes

test(
  "Authenticator: key lists, certificate directories, passwords and allow lists apply to new connections without a restart",
  T,
  async (t) => {
    const { ctx, auth } = await startAuth(t);
    const sk = curveKeyPair();
    const ck = curveKeyPair();
    const server = curveServer(t, ctx, sk);
    const slog = new EventLog(server);
    await server.bind("tcp://127.0.0.1:*");
    const ep = server.lastEndpoint!;

    const attempt = async (keys: CurveKeyPair, label: string): Promise<boolean> => {
      const before = slog.count("handshake:error:auth");
      const c = curveClient(t, ctx, sk.publicKey, keys);
      c.connect(ep);
      await c.send(label);
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        const m = await receiveWithin(server, 50);
        if (m) {
          assert.equal(m[1]!.toString(), label);
          c.close();
          return true;
        }
        if (slog.count("handshake:error:auth") > before) {
          c.close();
          return false;
        }
      }
      throw new Error(`no outcome for ${label}`);
    };

    auth.configureCurve("*", []);
    assert.equal(await attempt(ck, "empty list"), false);
    auth.configureCurve("*", [ck.publicKey]);
    assert.equal(await attempt(ck, "key added"), true);
    const established = curveClient(t, ctx, sk.publicKey, ck);
    established.connect(ep);
    await roundTrip(server, established, "established before removal");

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zocket-certs-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    auth.configureCurve("*", { directory: dir });
    assert.equal(await attempt(ck, "key removed (empty directory)"), false);
    await roundTrip(server, established, "an established connection is not re-checked (ZAP runs at handshake)");
    const cert = newCertificate({ name: "client" });
    saveCertificate({ publicKey: ck.publicKey, metadata: { name: "client" } }, path.join(dir, "client.key"));
    assert.equal(await attempt(ck, "certificate file added"), true);
    assert.equal(await attempt({ publicKey: cert.publicKey, secretKey: cert.secretKey }, "other key"), false);
    fs.rmSync(path.join(dir, "client.key"));
    assert.equal(await attempt(ck, "certificate file removed"), false);

    auth.configureCurve("*", "*");
    auth.allow("10.0.0.0/8");
    assert.equal(await attempt(ck, "not in the allow list"), false);
    auth.allow("127.0.0.1");
    assert.equal(await attempt(ck, "allow list extended"), true);
  },
);

test("Authenticator: changing a PLAIN password refuses the old one for new connections", T, async (t) => {
  const { ctx, auth } = await startAuth(t);
  auth.configurePlain("*", { bob: "old" });
  const server = plainServer(t, ctx);
  const slog = new EventLog(server);
  await server.bind("tcp://127.0.0.1:*");
  const first = plainClient(t, ctx, "bob", "old");
  first.connect(server.lastEndpoint!);
  await roundTrip(server, first, "old password works");
  auth.configurePlain("*", { bob: "new" });
  const second = plainClient(t, ctx, "bob", "old");
  second.connect(server.lastEndpoint!);
  await slog.waitFor("handshake:error:auth");
  const third = plainClient(t, ctx, "bob", "new");
  third.connect(server.lastEndpoint!);
  assert.equal((await roundTrip(server, third, "new password works"))?.["User-Id"], "bob");
});

// ---------------------------------------------------------------------------------------------- ZAP semantics

test("ZAP: with no handler bound PLAIN refuses (EFAULT), CURVE accepts any key, NULL does not ask", T, async (t) => {
  const ctx = new Context();
  const plain = plainServer(t, ctx);
  const plog = new EventLog(plain);
  await plain.bind("tcp://127.0.0.1:*");
  const pc = plainClient(t, ctx, "any", "thing");
  pc.connect(plain.lastEndpoint!);
  void pc.send("x").catch(() => {});
  assert.equal(
    (await plog.waitFor("handshake:error:other")).error?.code,
    "EFAULT",
    "as libzmq: HANDSHAKE_FAILED_NO_DETAIL, EFAULT",
  );
  assert.equal(await receiveWithin(plain, SHORT), undefined);

  const sk = curveKeyPair();
  const curve = curveServer(t, ctx, sk);
  await curve.bind("tcp://127.0.0.1:*");
  const cc = curveClient(t, ctx, sk.publicKey);
  cc.connect(curve.lastEndpoint!);
  const props = await roundTrip(curve, cc, "stonehouse");
  assert.equal(props?.["User-Id"], undefined, "no ZAP, no User-Id");

  const nul = new Pull({ context: ctx, linger: 0, zapDomain: "dom" });
  closeAll(t, nul);
  await nul.bind("tcp://127.0.0.1:*");
  const push = new Push({ context: ctx, linger: 0 });
  closeAll(t, push);
  push.connect(nul.lastEndpoint!);
  await push.send("null with a domain but no handler proceeds");
  assert.ok(await receiveWithin(nul, 3000));
});

test("ZAP: NULL asks only when zapDomain is set; the request names the domain and mechanism", T, async (t) => {
  const { ctx, auth, decisions } = await startAuth(t);
  auth.deny("127.0.0.1");
  const noDomain = new Pull({ context: ctx, linger: 0 });
  const withDomain = new Pull({ context: ctx, linger: 0, zapDomain: "guarded" });
  closeAll(t, noDomain, withDomain);
  const wlog = new EventLog(withDomain);
  await noDomain.bind("tcp://127.0.0.1:*");
  await withDomain.bind("tcp://127.0.0.1:*");
  const a = new Push({ context: ctx, linger: 0 });
  const b = new Push({ context: ctx, linger: 0 });
  closeAll(t, a, b);
  a.connect(noDomain.lastEndpoint!);
  b.connect(withDomain.lastEndpoint!);
  await a.send("unguarded");
  assert.equal((await receiveWithin(noDomain, 3000))?.[0]?.toString(), "unguarded");
  void b.send("guarded").catch(() => {});
  assert.equal((await wlog.waitFor("handshake:error:auth")).error?.status, 400);
  assert.equal(await receiveWithin(withDomain, SHORT), undefined);
  assert.equal(decisions.length, 1, "only the socket with a ZAP domain asked");
  assert.equal(decisions[0]!.mechanism, "NULL");
  assert.equal(decisions[0]!.domain, "guarded");
});

/** A hand-written ZAP handler in `ctx` whose reply is computed per request; records the requests. */
async function customZap(
  t: TestContext,
  ctx: Context,
  reply: (req: Buffer[]) => (string | Buffer)[],
): Promise<Buffer[][]> {
  const zap = new Router({ context: ctx, linger: 0 });
  t.after(() => zap.close());
  await zap.bind("inproc://zeromq.zap.01");
  const requests: Buffer[][] = [];
  void (async () => {
    for await (const [id, ...frames] of zap) {
      requests.push(frames);
      await zap.send([id!, ...reply(frames)]);
    }
  })().catch(() => {});
  return requests;
}

test(
  "ZAP: request frames as libzmq sends them; user id and metadata from any handler reach the application",
  T,
  async (t) => {
    const ctx = new Context();
    const meta = Buffer.concat([zprop("X-Tenant", "acme"), zprop("X-Level", "7")]);
    const requests = await customZap(t, ctx, (r) => ["", "1.0", r[2]!, "200", "OK", "user-42", meta]);
    const server = plainServer(t, ctx, { zapDomain: "realm", routingId: "srv-id" });
    await server.bind("tcp://127.0.0.1:*");
    const client = plainClient(t, ctx, "joe", "pw");
    client.connect(server.lastEndpoint!);
    const props = await roundTrip(server, client, "meta");
    assert.equal(props?.["User-Id"], "user-42");
    assert.equal(props?.["X-Tenant"], "acme");
    assert.equal(props?.["X-Level"], "7");
    assert.deepEqual(
      requests[0]!.map(String),
      ["", "1.0", "1", "realm", "127.0.0.1", "srv-id", "PLAIN", "joe", "pw"],
      "delimiter, version, request id 1, domain, address, the server's OWN routing id (G21), mechanism, credentials",
    );
  },
);

test(
  "ZAP status codes on the wire (PLAIN): 400/500 -> libzmq's ERROR then close; 300 -> silent close",
  T,
  async (t) => {
    const ctx = new Context();
    let status = "400";
    await customZap(t, ctx, (r) => ["", "1.0", r[2]!, status, "text", "", ""]);
    const server = plainServer(t, ctx);
    const slog = new EventLog(server);
    await server.bind("tcp://127.0.0.1:*");
    for (const code of ["400", "500", "300"]) {
      status = code;
      const raw = await RawPeer.connect(t, portOf(server.lastEndpoint!));
      raw.write(zgreeting({ mechanism: "PLAIN" }));
      await raw.read(64);
      raw.write(zframe(Buffer.from("\x05HELLO\x01u\x01p", "latin1"), { command: true }));
      if (code === "300") {
        await raw.waitClosed();
        assert.equal(raw.pending, 0, "300: no ERROR, just a close");
      } else {
        const f = await raw.readFrame();
        assert.equal(f.flags, 0x04);
        assert.equal(f.body.toString("latin1"), `^RROR\x03${code}`, "libzmq's PLAIN ERROR bytes (G16)");
        await raw.waitClosed();
      }
      assert.equal(
        (await slog.waitFor("handshake:error:auth", 3000, (e) => e.error?.status === Number(code))).error?.status,
        Number(code),
      );
    }
  },
);

test(
  "ZAP status codes seen by a zocket client: 400/500 -> handshake:error:auth(status), no retry; 300 -> retried",
  T,
  async (t) => {
    for (const mech of ["PLAIN", "CURVE"] as const) {
      for (const code of ["400", "500", "300"]) {
        const ctx = new Context();
        const requests = await customZap(t, ctx, (r) => ["", "1.0", r[2]!, code, "text", "", ""]);
        const sk = curveKeyPair();
        const server = mech === "PLAIN" ? plainServer(t, ctx) : curveServer(t, ctx, sk);
        await server.bind("tcp://127.0.0.1:*");
        const client = mech === "PLAIN" ? plainClient(t, ctx, "u", "p") : curveClient(t, ctx, sk.publicKey);
        const clog = new EventLog(client);
        client.connect(server.lastEndpoint!);
        void client.send("x").catch(() => {});
        if (code === "300") {
          await clog.waitFor("handshake:error:other");
          await clog.waitFor("connect:retry");
          const deadline = Date.now() + 3000;
          while (requests.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          assert.ok(requests.length >= 2, `${mech} 300: the client reconnects and asks again`);
        } else {
          assert.equal((await clog.waitFor("handshake:error:auth")).error?.status, Number(code), `${mech} ${code}`);
        }
        assert.equal(await receiveWithin(server, 100), undefined);
        client.close();
        server.close();
      }
    }
  },
);

test(
  "ZAP: a malformed reply is a protocol error of that connection (libzmq ZMQ_PROTOCOL_ERROR_ZAP_*), no ERROR sent",
  T,
  async (t) => {
    const cases: Array<[string, (r: Buffer[]) => (string | Buffer)[]]> = [
      ["ERR_ZAP_MALFORMED_REPLY", (r) => ["", "1.0", r[2]!, "200", "OK", ""]],
      ["ERR_ZAP_BAD_VERSION", (r) => ["", "2.0", r[2]!, "200", "OK", "", ""]],
      ["ERR_ZAP_BAD_REQUEST_ID", () => ["", "1.0", "2", "200", "OK", "", ""]],
      ["ERR_ZAP_INVALID_STATUS_CODE", (r) => ["", "1.0", r[2]!, "201", "OK", "", ""]],
      ["ERR_ZAP_INVALID_METADATA", (r) => ["", "1.0", r[2]!, "200", "OK", "", Buffer.from([5, 0x41])]],
    ];
    for (const [code, reply] of cases) {
      const ctx = new Context();
      await customZap(t, ctx, reply);
      const server = plainServer(t, ctx);
      const slog = new EventLog(server);
      await server.bind("tcp://127.0.0.1:*");
      const raw = await RawPeer.connect(t, portOf(server.lastEndpoint!));
      raw.write(zgreeting({ mechanism: "PLAIN" }));
      await raw.read(64);
      raw.write(zframe(Buffer.from("\x05HELLO\x01u\x01p", "latin1"), { command: true }));
      await raw.waitClosed();
      assert.equal(raw.pending, 0, `${code}: closed without ERROR`);
      assert.equal((await slog.waitFor("handshake:error:protocol")).error?.code, code);
      server.close();
    }
  },
);

test(
  "ZAP domains: per-domain tables, '*' as the fallback; zapEnforceDomain without a handler refuses CURVE",
  T,
  async (t) => {
    const { ctx, auth } = await startAuth(t);
    auth.configurePlain("alpha", { ann: "a" });
    auth.configurePlain("*", { zed: "z" });
    const alpha = plainServer(t, ctx, { zapDomain: "alpha" });
    const beta = plainServer(t, ctx, { zapDomain: "beta" });
    const blog = new EventLog(beta);
    await alpha.bind("tcp://127.0.0.1:*");
    await beta.bind("tcp://127.0.0.1:*");
    const annAlpha = plainClient(t, ctx, "ann", "a");
    annAlpha.connect(alpha.lastEndpoint!);
    await roundTrip(alpha, annAlpha, "ann in alpha");
    const annBeta = plainClient(t, ctx, "ann", "a");
    annBeta.connect(beta.lastEndpoint!);
    await blog.waitFor("handshake:error:auth");
    const zedBeta = plainClient(t, ctx, "zed", "z");
    zedBeta.connect(beta.lastEndpoint!);
    await roundTrip(beta, zedBeta, "zed in beta via '*'");

    const bare = new Context();
    const sk = curveKeyPair();
    const enforced = curveServer(t, bare, sk, { zapDomain: "d", zapEnforceDomain: true });
    const elog = new EventLog(enforced);
    await enforced.bind("tcp://127.0.0.1:*");
    const c = curveClient(t, bare, sk.publicKey);
    c.connect(enforced.lastEndpoint!);
    void c.send("x").catch(() => {});
    assert.equal((await elog.waitFor("handshake:error:other")).error?.code, "EFAULT");
    assert.equal(await receiveWithin(enforced, SHORT), undefined);
  },
);

// ---------------------------------------------------------------------------------------------- tampering

/**
 * CURVE client -> relay -> CURVE server. The relay applies `tamper` to the first connection. Returns
 * what the server received from the tampered connection and checks the server then serves a clean client.
 */
async function tamperRun(
  t: TestContext,
  tamper: (dir: "c2s" | "s2c", f: RelayFrame, history: readonly RelayFrame[]) => Buffer[],
  opts: { serverSends?: boolean } = {},
): Promise<{ serverGot: string[]; clientGot: string[]; slog: EventLog; clog: EventLog }> {
  const ctx = new Context();
  const sk = curveKeyPair();
  const server = curveServer(t, ctx, sk);
  const slog = new EventLog(server);
  await server.bind("tcp://127.0.0.1:*");
  const relay = await MitmRelay.start(t, portOf(server.lastEndpoint!), tamper);
  const client = curveClient(t, ctx, sk.publicKey);
  // The tampered connection must not come back through the relay's clean path during the test.
  client.reconnectInterval = -1;
  const clog = new EventLog(client);
  client.connect(relay.endpoint);
  const serverGot: string[] = [];
  const clientGot: string[] = [];
  // m1 establishes the routing id; then the scripted traffic (one message per turn so each is its own frame).
  await client.send("m1");
  const first = await receiveWithin(server, 5000);
  assert.ok(first, "the untampered first message arrives");
  serverGot.push(first[1]!.toString());
  const id = first[0]!;
  for (const m of ["m2", "m3", "m4"]) {
    if (opts.serverSends) await server.send([id, m]).catch(() => {});
    else await client.send(m).catch(() => {});
    await new Promise((r) => setTimeout(r, 30));
  }
  await relay.firstClosed;
  if (opts.serverSends) {
    for (;;) {
      const m = await receiveWithin(client, SHORT);
      if (m === undefined) break;
      clientGot.push(m.map(String).join("|"));
    }
  }
  serverGot.push(...(await drain(server, SHORT)));
  // The server keeps serving: a second, clean client (direct, no relay).
  const clean = curveClient(t, ctx, sk.publicKey);
  clean.connect(server.lastEndpoint!);
  await roundTrip(server, clean, "clean client");
  return { serverGot, clientGot, slog, clog };
}

test(
  "tampering: one flipped byte anywhere in an encrypted MESSAGE (name, nonce, MAC, ciphertext) drops the connection; nothing forged arrives",
  T,
  async (t) => {
    // Frame body layout: [7]MESSAGE(8) nonce(8) MAC(16) box(1 + payload); header is 2 bytes.
    for (const [where, offset] of [
      ["command name", 2 + 3],
      ["short nonce", 2 + 15],
      ["MAC", 2 + 20],
      ["ciphertext", -1],
    ] as const) {
      const { serverGot, slog } = await tamperRun(t, (dir, f) => {
        if (dir === "c2s" && f.dataIndex === 2) return [flipByte(f.raw, offset === -1 ? f.raw.length - 1 : offset)];
        return [f.raw];
      });
      assert.deepEqual(
        serverGot,
        ["m1"],
        `${where}: m2 was tampered, the connection dropped, so m2..m4 are not delivered`,
      );
      assert.ok(slog.count("disconnect") >= 1, `${where}: the server dropped the connection`);
    }
  },
);

test(
  "tampering: a replayed MESSAGE (same nonce) and a reordered one (decreasing nonce) drop the connection; no duplicates",
  T,
  async (t) => {
    const replay = await tamperRun(t, (dir, f) => (dir === "c2s" && f.dataIndex === 2 ? [f.raw, f.raw] : [f.raw]));
    assert.deepEqual(replay.serverGot, ["m1", "m2"], "m2 once; its replay dropped the connection");
    const replayOld = await tamperRun(t, (dir, f, history) => {
      if (dir !== "c2s" || f.dataIndex !== 3) return [f.raw];
      const m1 = history.find((h) => h.dataIndex === 1)!;
      return [m1.raw]; // m3 swapped for a replay of m1 (a decreasing nonce)
    });
    assert.deepEqual(replayOld.serverGot, ["m1", "m2"]);
    let held: Buffer | undefined;
    const reorder = await tamperRun(t, (dir, f) => {
      if (dir !== "c2s") return [f.raw];
      if (f.dataIndex === 2) {
        held = f.raw;
        return [];
      }
      if (f.dataIndex === 3) return [f.raw, held!];
      return [f.raw];
    });
    assert.deepEqual(
      reorder.serverGot,
      ["m1", "m3"],
      "m3 (higher nonce) is genuine; m2 arriving after it is dropped with the connection",
    );
  },
);

test(
  "tampering server -> client: the CURVE client drops the connection too; nothing forged reaches it",
  T,
  async (t) => {
    const flipped = await tamperRun(
      t,
      (dir, f) => (dir === "s2c" && f.dataIndex === 2 ? [flipByte(f.raw, f.raw.length - 1)] : [f.raw]),
      { serverSends: true },
    );
    // Server data frames through the relay: 1 = m2, 2 = m3 (flipped). READY is a command.
    assert.deepEqual(flipped.clientGot, ["m2"], "m2 arrives; the flipped m3 drops the connection, m4 never comes");
    assert.ok(flipped.clog.count("disconnect") >= 1);
  },
);
