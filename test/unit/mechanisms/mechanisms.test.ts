/**
 * PLAIN and CURVE mechanisms run against each other in memory through fake hosts (no engine, no
 * sockets). Byte-level interop with real libzmq is in test/interop/mechanisms.interop.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { AuthError, ProtocolError, ZmqError } from "../../../src/errors.ts";
import { encodeReady, getProperty, isCommand, type Properties } from "../../../src/protocol/command.ts";
import { FLAG_COMMAND, FLAG_MORE } from "../../../src/protocol/constants.ts";
import { z85Decode } from "../../../src/protocol/z85.ts";
import { RFC26_KEYS, securityOptions } from "../../helpers/sockets.ts";

import type {
  Mechanism,
  MechanismHost,
  SecurityOptions,
  ZapReply,
  ZapRequest,
} from "../../../src/mechanisms/mechanism.ts";
import { createPlainMechanism, PlainClient, PlainServer } from "../../../src/mechanisms/plain.ts";
import { createCurveMechanism, CurveClient, CurveServer } from "../../../src/mechanisms/curve.ts";
import { beforenm, generateKeyPair, hsalsaZero, open, seal } from "../../../src/mechanisms/curve-crypto.ts";
import { loadNobleX25519, x25519, type X25519Backend } from "../../../src/mechanisms/x25519.ts";

const execFileP = promisify(execFile);

/** Run an ES module `script` in a child node (with tsx) and parse the JSON it prints last (SIGKILLed after 60 s: never hangs the run). */
async function childResult<T>(script: string): Promise<T> {
  const { stdout } = await execFileP(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], {
    cwd: new URL("../../..", import.meta.url),
    timeout: 60_000,
    killSignal: "SIGKILL",
  });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as T;
}

const key = (z: string): Buffer => z85Decode(z)!;
const SERVER_PUBLIC = key(RFC26_KEYS.serverPublic);
const SERVER_SECRET = key(RFC26_KEYS.serverSecret);
const CLIENT_PUBLIC = key(RFC26_KEYS.clientPublic);
const CLIENT_SECRET = key(RFC26_KEYS.clientSecret);
const security = securityOptions;

type Zap = (req: ZapRequest) => ZapReply | null;

/** A MechanismHost that records everything and forwards commands to its peer, like the engine would. */
class FakeHost implements MechanismHost {
  readonly sent: Buffer[] = [];
  readonly zapRequests: ZapRequest[] = [];
  peerProps: Properties | undefined;
  isReady = false;
  failure: { err: ZmqError; kind: string } | undefined;
  peer: FakeHost | undefined;
  mech!: Mechanism;
  readonly localProperties: Properties;
  readyCommand(): Buffer {
    return encodeReady(this.localProperties);
  }
  readonly peerAddress = "127.0.0.1";
  readonly localRoutingId = Buffer.from("srv-id");
  readonly #zap: Zap;
  readonly #settled: () => void;
  readonly done: Promise<void>;

  constructor(
    readonly security: SecurityOptions,
    type: string,
    zap: Zap = () => null,
  ) {
    this.localProperties = [["Socket-Type", Buffer.from(type)]];
    if (type === "DEALER") this.localProperties.push(["Identity", Buffer.alloc(0)]);
    this.#zap = zap;
    let settle!: () => void;
    this.done = new Promise((resolve) => (settle = resolve));
    this.#settled = settle;
  }

  sendCommand(body: Buffer): void {
    if (this.failure) return;
    this.sent.push(Buffer.from(body));
    const peer = this.peer;
    // Asynchronous delivery, as over a socket; a throwing onCommand fails the peer (engine behaviour).
    if (peer) queueMicrotask(() => peer.deliver(Buffer.from(body)));
  }

  deliver(body: Buffer): void {
    if (this.failure || this.isReady) return;
    try {
      this.mech.onCommand(body);
    } catch (err) {
      this.fail(err as ZmqError, "protocol");
    }
  }

  ready(): void {
    this.isReady = true;
    this.#settled();
  }

  fail(err: ZmqError, kind: "protocol" | "auth" | "other"): void {
    if (this.failure) return;
    this.failure = { err, kind };
    this.#settled();
    // The engine flushes what was sent, then closes the TCP connection: the peer sees EOF after it.
    const peer = this.peer;
    if (peer)
      queueMicrotask(
        () => !peer.failure && !peer.isReady && peer.fail(new ZmqError("ECONNRESET", "peer closed"), "other"),
      );
  }

  acceptPeerProperties(props: Properties): ZmqError | undefined {
    const type = getProperty(props, "Socket-Type")?.toString();
    if (type === "PUB") return new ProtocolError("ERR_ZMTP_UNSPECIFIED", "incompatible socket type");
    this.peerProps = props;
    return undefined;
  }

  zap(request: ZapRequest): Promise<ZapReply | null> {
    this.zapRequests.push(request);
    return new Promise((resolve) => setTimeout(() => resolve(this.#zap(request)), 1));
  }
}

function withTimeout<T>(p: Promise<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error("handshake timed out")), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Run a client and a server mechanism against each other until both settle. */
async function handshake(
  client: FakeHost,
  server: FakeHost,
  make: (h: MechanismHost) => Mechanism,
): Promise<{ client: FakeHost; server: FakeHost }> {
  client.peer = server;
  server.peer = client;
  client.mech = make(client);
  server.mech = make(server);
  server.mech.start();
  client.mech.start();
  await withTimeout(Promise.all([client.done, server.done]));
  return { client, server };
}

const zapReply = (statusCode: ZapReply["statusCode"], userId = ""): ZapReply => ({
  statusCode,
  statusText: "text",
  userId,
  metadata: [["X-Role", Buffer.from("admin")]],
});

// ------------------------------------------------------------------------------------------ PLAIN

const plainClient = (user: string, pass: string): FakeHost =>
  new FakeHost(security({ plainUsername: user, plainPassword: pass }), "DEALER");
const plainServer = (zap: Zap): FakeHost =>
  new FakeHost(security({ plainServer: true, zapDomain: "global" }), "ROUTER", zap);
const checkPassword: Zap = (req) => {
  const [user, pass] = req.credentials.map((b) => b.toString());
  return user === "admin" && pass === "secret" ? zapReply("200", "joe") : zapReply("400");
};

test("PLAIN: handshake succeeds, ZAP sees the RFC 27 request, user id and metadata kept", async () => {
  const { client, server } = await handshake(
    plainClient("admin", "secret"),
    plainServer(checkPassword),
    createPlainMechanism,
  );
  assert.ok(client.isReady && server.isReady, "client.isReady && server.isReady");
  assert.ok(
    client.mech instanceof PlainClient && server.mech instanceof PlainServer,
    "client.mech instanceof PlainClient && server.mech instanceof PlainServer",
  );
  // exact bytes (docs/zmtp-notes.md §2.2)
  assert.equal(client.sent[0]!.toString("hex"), "0548454c4c4f0561646d696e06736563726574");
  assert.equal(server.sent[0]!.toString("latin1"), "\x07WELCOME");
  assert.ok(isCommand(client.sent[1]!, "INITIATE"), "INITIATE");
  assert.ok(isCommand(server.sent[1]!, "READY"), "READY");
  assert.equal(getProperty(server.peerProps!, "Socket-Type")?.toString(), "DEALER");
  assert.equal(getProperty(client.peerProps!, "Socket-Type")?.toString(), "ROUTER");
  const req = server.zapRequests[0]!;
  assert.deepEqual(
    { ...req, credentials: req.credentials.map(String), identity: req.identity.toString() },
    {
      domain: "global",
      address: "127.0.0.1",
      identity: "srv-id",
      mechanism: "PLAIN",
      credentials: ["admin", "secret"],
    },
  );
  assert.equal(server.mech.userId, "joe");
  assert.deepEqual(server.mech.zapMetadata, [["X-Role", Buffer.from("admin")]]);
  assert.equal(server.mech.encrypts, false);
});

test("PLAIN: wrong password -> server sends libzmq's ERROR 400 (^RROR, G16), both fail with AuthError(400)", async () => {
  const { client, server } = await handshake(
    plainClient("admin", "wrong"),
    plainServer(checkPassword),
    createPlainMechanism,
  );
  assert.equal(server.sent.length, 1);
  assert.equal(
    server.sent[0]!.toString("hex"),
    "5e52524f5203343030",
    "the bytes libzmq's PLAIN server sends and its client expects",
  );
  for (const side of [client, server]) {
    assert.ok(side.failure!.err instanceof AuthError, "side.failure!.err instanceof AuthError");
    assert.equal((side.failure!.err as AuthError).status, 400);
    assert.equal(side.failure!.kind, "auth");
  }
});

test("PLAIN: ZAP 500 sends ERROR 500; ZAP 300 closes silently", async () => {
  const r500 = await handshake(
    plainClient("a", "b"),
    plainServer(() => zapReply("500")),
    createPlainMechanism,
  );
  assert.equal(r500.server.sent[0]!.toString("latin1"), "^RROR\x03500");
  assert.equal((r500.client.failure!.err as AuthError).status, 500);
  const r300 = await handshake(
    plainClient("a", "b"),
    plainServer(() => zapReply("300")),
    createPlainMechanism,
  );
  assert.equal(r300.server.sent.length, 0);
  assert.equal((r300.server.failure!.err as AuthError).status, 300);
  assert.equal(r300.server.failure!.kind, "auth");
  assert.equal(r300.client.failure!.err.code, "ECONNRESET");
});

test("PLAIN: server without a ZAP handler refuses the client (libzmq 4.3)", async () => {
  const { client, server } = await handshake(
    plainClient("admin", "secret"),
    plainServer(() => null),
    createPlainMechanism,
  );
  assert.equal(server.sent.length, 0, "no WELCOME, no ERROR");
  assert.equal(server.failure!.err.code, "EFAULT");
  assert.ok(client.failure, "client.failure");
});

test("PLAIN client: libzmq's malformed ERROR (^RROR, G16) and unexpected commands are auth failures", () => {
  for (const [body, status] of [
    [Buffer.from("5e52524f5203343030", "hex"), 400], // libzmq's literal bytes (frame 04 09 …)
    [Buffer.from("5e52524f5203353030", "hex"), 500],
    [Buffer.from("\x05ERROR\x03500", "latin1"), 500],
    [Buffer.from("\x05READY", "latin1"), 400],
    [Buffer.from("\x04PING\x00\x00", "latin1"), 400],
  ] as const) {
    const host = plainClient("u", "p");
    host.mech = new PlainClient(host);
    host.mech.start();
    host.deliver(body);
    assert.ok(host.failure, body.toString("hex"));
    assert.equal(host.failure.kind, "auth");
    assert.ok(host.failure.err instanceof AuthError, "host.failure.err instanceof AuthError");
    assert.equal(host.failure.err.status, status);
  }
});

test("PLAIN client: WELCOME must be exactly 8 bytes", () => {
  const host = plainClient("u", "p");
  host.mech = new PlainClient(host);
  host.mech.start();
  host.deliver(Buffer.from("\x07WELCOMEx", "latin1"));
  assert.equal(host.failure!.err.code, "ERR_ZMTP_MALFORMED_COMMAND_WELCOME");
});

test("PLAIN server: malformed HELLO is a protocol error", () => {
  for (const body of [
    "\x05HELLO",
    "\x05HELLO\x05admin",
    "\x05HELLO\x05admin\x06secre",
    "\x05HELLO\x05admin\x06secretX",
    "\x08INITIATE",
  ]) {
    const host = plainServer(checkPassword);
    host.mech = new PlainServer(host);
    host.mech.start();
    host.deliver(Buffer.from(body, "latin1"));
    assert.ok(host.failure?.err instanceof ProtocolError, JSON.stringify(body));
    assert.equal(host.zapRequests.length, 0);
  }
});

test("PLAIN: incompatible socket type fails the handshake", async () => {
  const client = new FakeHost(security({ plainUsername: "admin", plainPassword: "secret" }), "PUB");
  const { server } = await handshake(client, plainServer(checkPassword), createPlainMechanism);
  assert.equal(server.failure!.kind, "protocol");
});

// ------------------------------------------------------------------------------------------ CURVE

const curveClient = (serverKey: Buffer = SERVER_PUBLIC, type = "DEALER"): FakeHost =>
  new FakeHost(
    security({ curveServerKey: serverKey, curvePublicKey: CLIENT_PUBLIC, curveSecretKey: CLIENT_SECRET }),
    type,
  );
const curveServer = (zap: Zap = () => null, extra: Partial<SecurityOptions> = {}): FakeHost =>
  new FakeHost(security({ curveServer: true, curveSecretKey: SERVER_SECRET, ...extra }), "ROUTER", zap);

async function curvePair(zap?: Zap): Promise<{ client: FakeHost; server: FakeHost; c: CurveClient; s: CurveServer }> {
  const { client, server } = await handshake(curveClient(), curveServer(zap), createCurveMechanism);
  assert.ok(client.isReady, `client: ${client.failure?.err.message}`);
  assert.ok(server.isReady, `server: ${server.failure?.err.message}`);
  assert.ok(
    client.mech instanceof CurveClient && server.mech instanceof CurveServer,
    "client.mech instanceof CurveClient && server.mech instanceof CurveServer",
  );
  return { client, server, c: client.mech, s: server.mech };
}

test("CURVE: handshake succeeds with the exact libzmq sizes (G18)", async () => {
  const { client, server } = await curvePair();
  const [hello, initiate] = client.sent;
  const [welcome, ready] = server.sent;
  assert.equal(hello!.length, 200);
  assert.equal(hello!.subarray(0, 8).toString("latin1"), "\x05HELLO\x01\x00");
  assert.ok(
    hello!.subarray(8, 80).every((b) => b === 0),
    "72 bytes of zero padding",
  );
  assert.equal(hello!.readBigUInt64BE(112), 1n, "HELLO short nonce 1");
  assert.equal(welcome!.length, 168);
  const md = 1 + 11 + 4 + 6 + (1 + 8 + 4); // Socket-Type DEALER + empty Identity = 35
  assert.equal(initiate!.length, 257 + md, "INITIATE is 257 + metadata (292 for DEALER, docs/zmtp-notes.md §2.3)");
  assert.equal(initiate!.readBigUInt64BE(105), 2n, "INITIATE short nonce 2");
  assert.ok(isCommand(ready!, "READY"), "READY");
  assert.equal(ready!.readBigUInt64BE(6), 1n, "READY short nonce 1");
  assert.equal(getProperty(server.peerProps!, "Socket-Type")?.toString(), "DEALER");
  assert.equal(getProperty(client.peerProps!, "Socket-Type")?.toString(), "ROUTER");
});

test("CURVE: messages both ways, inner flags carry MORE and COMMAND, nonces 3… and 2…", async () => {
  const { c, s } = await curvePair();
  const m1 = c.encode(FLAG_MORE, Buffer.from("part1"));
  const m2 = c.encode(0, Buffer.alloc(1000, 7));
  const m3 = c.encode(FLAG_COMMAND, Buffer.from("\x04PING\x00\x00", "latin1"));
  assert.equal(m1.subarray(0, 8).toString("latin1"), "\x07MESSAGE");
  assert.equal(m1.length, 33 + 5);
  assert.equal(m1.readBigUInt64BE(8), 3n);
  assert.equal(m3.readBigUInt64BE(8), 5n);
  assert.deepEqual(s.decode(m1), { flags: FLAG_MORE, body: Buffer.from("part1") });
  assert.deepEqual(s.decode(m2), { flags: 0, body: Buffer.alloc(1000, 7) });
  assert.deepEqual(s.decode(m3), { flags: FLAG_COMMAND, body: Buffer.from("\x04PING\x00\x00", "latin1") });
  const r = s.encode(0, new Uint8Array(0));
  assert.equal(r.readBigUInt64BE(8), 2n);
  assert.deepEqual(c.decode(r), { flags: 0, body: Buffer.alloc(0) });
});

test("CURVE: a tampered MESSAGE fails with ERR_ZMTP_CRYPTOGRAPHIC", async () => {
  const { c, s } = await curvePair();
  for (const at of [16, 20, 32, 40]) {
    const m = c.encode(0, Buffer.from("important payload"));
    m[at]! ^= 0x01;
    assert.throws(
      () => s.decode(m),
      (e: unknown) => e instanceof ProtocolError && e.code === "ERR_ZMTP_CRYPTOGRAPHIC",
    );
  }
  // a message from the wrong direction (server prefix) does not open either
  const wrongDirection = s.encode(0, Buffer.from("x"));
  assert.throws(
    () => s.decode(wrongDirection),
    (e: unknown) => e instanceof ProtocolError,
  );
});

test("CURVE: replayed or decreasing nonces fail (libzmq: strictly increasing)", async () => {
  const { c, s } = await curvePair();
  const a = c.encode(0, Buffer.from("a"));
  const b = c.encode(0, Buffer.from("b"));
  const d = c.encode(0, Buffer.from("d"));
  s.decode(b);
  assert.throws(
    () => s.decode(b),
    (e: unknown) => e instanceof ProtocolError && e.code === "ERR_ZMTP_INVALID_SEQUENCE",
    "replay",
  );
  assert.throws(
    () => s.decode(a),
    (e: unknown) => e instanceof ProtocolError && e.code === "ERR_ZMTP_INVALID_SEQUENCE",
    "decrease",
  );
  assert.equal(s.decode(d).body.toString(), "d", "gaps are fine");
  // A forged nonce 2 (the INITIATE's) is already too small for a first MESSAGE.
  const fresh = await curvePair();
  const m = fresh.c.encode(0, Buffer.from("x"));
  m.writeBigUInt64BE(2n, 8);
  assert.throws(
    () => fresh.s.decode(m),
    (e: unknown) => e instanceof ProtocolError && e.code === "ERR_ZMTP_INVALID_SEQUENCE",
  );
});

test("CURVE: malformed MESSAGE bodies are protocol errors", async () => {
  const { s } = await curvePair();
  assert.throws(
    () => s.decode(Buffer.from("\x05READY", "latin1")),
    (e: unknown) => e instanceof ProtocolError && e.code === "ERR_ZMTP_UNEXPECTED_COMMAND",
  );
  assert.throws(
    () => s.decode(Buffer.from("\x07MESSAGE" + "\x00".repeat(24), "latin1")),
    (e: unknown) => e instanceof ProtocolError && e.code === "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE",
  );
});

test("CURVE: a client with the wrong server key fails (server cannot open HELLO)", async () => {
  const wrong = Buffer.from(generateKeyPair().publicKey);
  const { client, server } = await handshake(curveClient(wrong), curveServer(), createCurveMechanism);
  assert.equal(server.failure!.err.code, "ERR_ZMTP_CRYPTOGRAPHIC");
  assert.equal(server.sent.length, 0, "silent close");
  assert.ok(client.failure, "client.failure");
});

test("CURVE: ZAP gets the client's long-term key; 200 sets the user id", async () => {
  const { server, s } = await curvePair(() => zapReply("200", "curve-user"));
  const req = server.zapRequests[0]!;
  assert.equal(req.mechanism, "CURVE");
  assert.equal(req.domain, "");
  assert.deepEqual(req.credentials, [CLIENT_PUBLIC]);
  assert.equal(s.userId, "curve-user");
});

test("CURVE: ZAP 400 -> server sends ERROR 400 in clear; both fail with AuthError", async () => {
  const { client, server } = await handshake(
    curveClient(),
    curveServer(() => zapReply("400")),
    createCurveMechanism,
  );
  assert.equal(server.sent.length, 2, "WELCOME then ERROR");
  assert.equal(server.sent[1]!.toString("latin1"), "\x05ERROR\x03400");
  assert.equal((server.failure!.err as AuthError).status, 400);
  assert.ok(client.failure!.err instanceof AuthError, "client.failure!.err instanceof AuthError");
  assert.equal((client.failure!.err as AuthError).status, 400);
  assert.equal(client.failure!.kind, "auth");
});

test("CURVE: ZAP 300 closes silently", async () => {
  const { server } = await handshake(
    curveClient(),
    curveServer(() => zapReply("300")),
    createCurveMechanism,
  );
  assert.equal(server.sent.length, 1, "only WELCOME");
  assert.equal((server.failure!.err as AuthError).status, 300);
});

test("CURVE: no ZAP handler accepts any key; enforce + domain refuses; enforce without domain skips ZAP", async () => {
  await curvePair(() => null);
  const enforced = await handshake(
    curveClient(),
    curveServer(() => null, { zapDomain: "dom", zapEnforceDomain: true }),
    createCurveMechanism,
  );
  assert.equal(enforced.server.failure!.err.code, "EFAULT");
  const skipped = await handshake(
    curveClient(),
    curveServer(() => zapReply("400"), { zapDomain: "", zapEnforceDomain: true }),
    createCurveMechanism,
  );
  assert.ok(skipped.server.isReady, "skipped.server.isReady");
  assert.equal(skipped.server.zapRequests.length, 0);
});

test("CURVE: missing keys fail at start with EINVAL", () => {
  const host = new FakeHost(security({ curveServerKey: SERVER_PUBLIC }), "DEALER");
  host.mech = new CurveClient(host);
  host.mech.start();
  assert.equal(host.failure!.err.code, "EINVAL");
  assert.equal(host.sent.length, 0);
  const srv = new FakeHost(security({ curveServer: true }), "ROUTER");
  srv.mech = new CurveServer(srv);
  srv.mech.start();
  assert.equal(srv.failure!.err.code, "EINVAL");
});

function flipByte(buf: Buffer, at: number): Buffer {
  const b = Buffer.from(buf);
  b[at]! ^= 1;
  return b;
}

test("CURVE server: HELLO checks (name, size, version, low-order key)", () => {
  const good = (() => {
    const c = curveClient();
    c.mech = new CurveClient(c);
    c.mech.start();
    return c.sent[0]!;
  })();
  const variants: Array<[Buffer, string]> = [
    [Buffer.concat([good, Buffer.alloc(1)]), "ERR_ZMTP_MALFORMED_COMMAND_HELLO"],
    [Buffer.from(good.subarray(0, 199)), "ERR_ZMTP_MALFORMED_COMMAND_HELLO"],
    [Buffer.from(good).fill(2, 6, 7), "ERR_ZMTP_MALFORMED_COMMAND_HELLO"],
    [Buffer.from(good).fill(0, 80, 112), "ERR_ZMTP_CRYPTOGRAPHIC"],
    // XOR, not fill: a fill with the byte's own value (1 in 256) would leave the box intact.
    [flipByte(good, 150), "ERR_ZMTP_CRYPTOGRAPHIC"],
    [Buffer.from("\x08INITIATE", "latin1"), "ERR_ZMTP_UNEXPECTED_COMMAND"],
  ];
  for (const [body, code] of variants) {
    const srv = curveServer();
    srv.mech = new CurveServer(srv);
    srv.mech.start();
    srv.deliver(body);
    assert.equal(srv.failure?.err.code, code);
  }
});

test("CURVE server: INITIATE checks (cookie, vouch)", async () => {
  // Capture a real INITIATE, then replay it, tampered, to fresh servers that saw the same HELLO.
  const client = curveClient();
  const server = curveServer();
  client.mech = new CurveClient(client);
  server.mech = new CurveServer(server);
  server.mech.start();
  client.mech.start();
  server.deliver(client.sent[0]!);
  client.deliver(server.sent[0]!);
  const initiate = client.sent[1]!;
  const tamper = (at: number): Buffer => {
    const b = Buffer.from(initiate);
    b[at]! ^= 1;
    return b;
  };
  for (const [body, code] of [
    [tamper(30), "ERR_ZMTP_CRYPTOGRAPHIC"], // cookie
    [tamper(200), "ERR_ZMTP_CRYPTOGRAPHIC"], // box
    [Buffer.from(initiate.subarray(0, 256)), "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"],
  ] as const) {
    const s = curveServer();
    s.mech = new CurveServer(s);
    s.mech.start();
    s.deliver(client.sent[0]!);
    s.deliver(body);
    assert.equal(s.failure?.err.code, code);
  }
  // The untampered INITIATE is accepted by the server that issued the cookie…
  server.deliver(initiate);
  await withTimeout(server.done);
  assert.ok(server.isReady, "server.isReady");
  // …but not by another server, even for the same HELLO (fresh cookie key per connection).
  const other = curveServer();
  other.mech = new CurveServer(other);
  other.mech.start();
  other.deliver(client.sent[0]!);
  other.deliver(initiate);
  assert.equal(other.failure?.err.code, "ERR_ZMTP_CRYPTOGRAPHIC");
});

test("CURVE client: ERROR and unexpected commands", () => {
  const c = curveClient();
  c.mech = new CurveClient(c);
  c.mech.start();
  c.deliver(Buffer.from("\x05ERROR\x03500", "latin1"));
  assert.ok(c.failure!.err instanceof AuthError, "c.failure!.err instanceof AuthError");
  assert.equal(c.failure!.err.status, 500);
  const d = curveClient();
  d.mech = new CurveClient(d);
  d.mech.start();
  d.deliver(Buffer.from("\x05READY" + "\x00".repeat(40), "latin1"));
  assert.equal(d.failure!.err.code, "ERR_ZMTP_UNEXPECTED_COMMAND");
  const e = curveClient();
  e.mech = new CurveClient(e);
  e.mech.start();
  e.deliver(Buffer.from("\x07WELCOME" + "\x00".repeat(160), "latin1"));
  assert.equal(e.failure!.err.code, "ERR_ZMTP_CRYPTOGRAPHIC");
});

test("CURVE: fresh transient keys and cookies on every connection", async () => {
  const a = await curvePair();
  const b = await curvePair();
  assert.notDeepEqual(a.client.sent[0]!.subarray(80, 112), b.client.sent[0]!.subarray(80, 112), "C′ differs");
  assert.notDeepEqual(a.server.sent[0]!.subarray(8, 24), b.server.sent[0]!.subarray(8, 24), "WELCOME nonce differs");
  assert.notDeepEqual(a.client.sent[1]!.subarray(9, 105), b.client.sent[1]!.subarray(9, 105), "cookie differs");
});

// ------------------------------------------------------------------------------------------ crypto

/** The back-end in use and the pure-JS one (loaded on demand), to check them against each other. */
async function x25519Backends(): Promise<X25519Backend[]> {
  const noble = await loadNobleX25519();
  return noble === x25519 ? [noble] : [x25519, noble];
}

test("curve-crypto: X25519 back-ends agree with each other", async () => {
  const backends = await x25519Backends();
  assert.equal(backends.length, 2, "node:crypto has X25519 here, so both back-ends are compared");
  for (let i = 0; i < 5; i++) {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const keys = backends.map((be) => Buffer.from(hsalsaZero(be.shared(a.secretKey, b.publicKey))));
    for (const k of keys) assert.deepEqual(k, keys[0]);
    assert.deepEqual(Buffer.from(beforenm(b.publicKey, a.secretKey)), Buffer.from(beforenm(a.publicKey, b.secretKey)));
    for (const be of backends) assert.deepEqual(Buffer.from(be.publicKeyOf(a.secretKey)), Buffer.from(a.publicKey));
  }
});

test("curve-crypto: low-order public keys are refused like libsodium", async () => {
  const { secretKey } = generateKeyPair();
  for (const be of await x25519Backends()) assert.throws(() => be.shared(secretKey, new Uint8Array(32)));
  assert.throws(() => beforenm(new Uint8Array(32), secretKey));
});

test("curve-crypto: open reverses seal; a changed byte, or a box shorter than its MAC, does not open", () => {
  const k = generateKeyPair().secretKey;
  const nonce = new Uint8Array(24).fill(9);
  const msg = Buffer.from("hello in place");
  const boxed = Buffer.from(seal(k, nonce, msg));
  assert.equal(boxed.length, 16 + msg.length, "MAC(16) ‖ ciphertext");
  assert.deepEqual(Buffer.from(open(k, nonce, boxed)!), msg);
  boxed[4]! ^= 1;
  assert.equal(open(k, nonce, boxed), undefined);
  assert.equal(open(k, nonce, new Uint8Array(15)), undefined);
});

test("curve-crypto: importing zocket does not load @noble/curves where node:crypto has X25519", async () => {
  // A child process records every module it resolves (a module.register resolve hook), imports the library,
  // uses CURVE keys (node:crypto back-end), then loads the pure-JS back-end on purpose.
  const index = new URL("../../../src/index.ts", import.meta.url).href;
  const hook = `export async function initialize(d) { globalThis.port = d.port; }
export async function resolve(s, c, next) { globalThis.port.postMessage(s); return next(s, c); }`;
  const script = `
import { register } from "node:module";
import { MessageChannel } from "node:worker_threads";
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on("message", (s) => seen.push(s));
register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hook)}), { data: { port: port2 }, transferList: [port2] });
const z = await import(${JSON.stringify(index)});
const keys = z.curveKeyPair();
// The hook thread posts each specifier before resolving it, in order, on one port: once a marker import has
// been seen here, every specifier resolved before it has been seen too (no sleep that a loaded machine outruns).
let marks = 0;
const settle = async () => {
  const mark = "data:text/javascript,/*settle-" + ++marks + "*/";
  await import(mark);
  const deadline = Date.now() + 30000;
  while (!seen.includes(mark)) {
    if (Date.now() > deadline) throw new Error("the resolve hook never reported " + mark);
    await new Promise((r) => setTimeout(r, 5));
  }
};
await settle();
const atImport = seen.filter((s) => s.includes("@noble/curves")).length;
const x = await import(${JSON.stringify(new URL("../../../src/mechanisms/x25519.ts", import.meta.url).href)});
await x.loadNobleX25519();
await settle();
console.log(JSON.stringify({ atImport, later: seen.filter((s) => s.includes("@noble/curves")).length, resolved: seen.length, keyLength: keys.publicKey.length, backend: x.x25519.name }));
port1.close();
`;
  const r = await childResult<{
    atImport: number;
    later: number;
    resolved: number;
    keyLength: number;
    backend: string;
  }>(script);
  assert.ok(r.resolved > 10, `the hook saw the library's imports (${r.resolved})`);
  assert.equal(r.backend, "node:crypto");
  assert.equal(r.keyLength, 40, "curveKeyPair() works without the pure-JS back-end (Z85 key)");
  assert.equal(r.atImport, 0, "@noble/curves was not imported with the library");
  assert.ok(r.later > 0, "loadNobleX25519() imports it on demand");
});

test("curve-crypto: without node:crypto X25519 the pure-JS back-end loads (curveReady), and use before that is ENOTSUP", async () => {
  // A child process hides node:crypto before importing the module, as a runtime without it would.
  const mod = new URL("../../../src/mechanisms/curve-crypto.ts", import.meta.url).href;
  const script = `
process.getBuiltinModule = () => undefined;
const c = await import(${JSON.stringify(mod)});
let early = null;
try { c.generateKeyPair(); early = "no error"; } catch (e) { early = e.code + " " + e.name; }
await c.curveReady();
const a = c.generateKeyPair(), b = c.generateKeyPair();
const same = Buffer.from(c.beforenm(b.publicKey, a.secretKey)).equals(Buffer.from(c.beforenm(a.publicKey, b.secretKey)));
console.log(JSON.stringify({ backend: c.x25519Backend, early, same, length: a.publicKey.length }));
`;
  const r = await childResult<{ backend: string; early: string; same: boolean; length: number }>(script);
  assert.equal(r.backend, "noble");
  assert.equal(r.early, "ENOTSUP ZmqError", "a key operation before @noble/curves has loaded says so");
  assert.equal(r.length, 32);
  assert.equal(r.same, true, "both sides derive the same box key");
});
