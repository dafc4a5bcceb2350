/**
 * PLAIN and CURVE against real libzmq 4.3 (Debian python3-zmq), at the byte level: this file speaks raw
 * ZMTP over node:net with a tiny greeting + framing helper (not the engine) and drives zocket's
 * mechanisms; the peer is a pyzmq DEALER run by test/interop/peers/*.py. Loopback only, ephemeral ports,
 * every wait bounded. Skipped when /usr/bin/python3 cannot import zmq.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createServer, connect, type Socket, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { AuthError, ZmqError } from "../../src/errors.ts";
import { encodeReady, getProperty, type Properties } from "../../src/protocol/command.ts";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, type MechanismName } from "../../src/protocol/constants.ts";
import { z85Decode, z85Encode } from "../../src/protocol/z85.ts";
import { RFC26_KEYS, securityOptions } from "../helpers/sockets.ts";
import type {
  Mechanism,
  MechanismHost,
  SecurityOptions,
  ZapReply,
  ZapRequest,
} from "../../src/mechanisms/mechanism.ts";
import { createCurveMechanism } from "../../src/mechanisms/curve.ts";
import { createPlainMechanism } from "../../src/mechanisms/plain.ts";
import { beforenm, generateKeyPair, publicKeyOf, randomBytes, seal } from "../../src/mechanisms/curve-crypto.ts";

const PYTHON = "/usr/bin/python3";
const PEERS = fileURLToPath(new URL("./peers/", import.meta.url));
const HAVE_PYZMQ = spawnSync(PYTHON, ["-c", "import zmq"], { timeout: 10_000 }).status === 0;
const skip = HAVE_PYZMQ ? false : "needs /usr/bin/python3 with python3-zmq (libzmq 4.3)";
const T = { skip, timeout: 30_000 } as const;

const SERVER_PUBLIC_Z85 = RFC26_KEYS.serverPublic;
const SERVER_PUBLIC = z85Decode(SERVER_PUBLIC_Z85)!;
const SERVER_SECRET = z85Decode(RFC26_KEYS.serverSecret)!;
const CLIENT_PUBLIC = z85Decode(RFC26_KEYS.clientPublic)!;
const CLIENT_SECRET = z85Decode(RFC26_KEYS.clientSecret)!;
const security = securityOptions;

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

// ------------------------------------------------------------------ raw ZMTP over node:net (test only)

/**
 * One raw ZMTP 3.1 connection: sends the 64-byte greeting at once (fine with libzmq's staged greeting,
 * digest G3), then frames; hands handshake commands to the mechanism, and MESSAGE frames through
 * `decode` once it is ready. It is the mechanism's host.
 */
class RawZmtp implements MechanismHost {
  readonly mech: Mechanism;
  readonly localProperties: Properties = [
    ["Socket-Type", Buffer.from("DEALER")],
    ["Identity", Buffer.alloc(0)],
  ];
  readyCommand(): Buffer {
    return encodeReady(this.localProperties);
  }
  readonly peerAddress = "127.0.0.1";
  readonly localRoutingId = Buffer.alloc(0);
  readonly zapRequests: ZapRequest[] = [];
  peerProps: Properties = [];
  /** Resolves when the handshake completes; rejects on failure or EOF. */
  readonly handshake: Promise<void>;
  failure: { err: ZmqError; kind: string } | undefined;
  #buf = Buffer.alloc(0);
  #greeted = false;
  #active = false;
  #parts: Buffer[] = [];
  #messages: Buffer[][] = [];
  #waiters: Array<(m: Buffer[]) => void> = [];
  #settle!: { resolve: () => void; reject: (e: Error) => void };

  constructor(
    readonly socket: Socket,
    readonly security: SecurityOptions,
    mechanism: MechanismName,
    factory: (h: MechanismHost) => Mechanism,
    readonly zapHandler: (req: ZapRequest) => ZapReply | null = () => null,
  ) {
    this.handshake = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
    this.handshake.catch(() => {}); // observed by the tests that expect a failure
    this.mech = factory(this);
    const greeting = Buffer.alloc(64);
    greeting[0] = 0xff;
    greeting[8] = 1;
    greeting[9] = 0x7f;
    greeting[10] = 3;
    greeting[11] = 1;
    greeting.write(mechanism, 12, "latin1");
    socket.write(greeting);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("close", () => this.#settle.reject(new ZmqError("ECONNRESET", "peer closed the connection")));
    socket.on("error", () => {});
  }

  // MechanismHost ----------------------------------------------------------------------------
  sendCommand(body: Buffer): void {
    this.#writeFrame(FLAG_COMMAND, body);
  }
  ready(): void {
    this.#active = true;
    this.#settle.resolve();
  }
  fail(err: ZmqError, kind: "protocol" | "auth" | "other"): void {
    this.failure ??= { err, kind };
    this.#settle.reject(err);
    this.socket.end();
  }
  acceptPeerProperties(props: Properties): ZmqError | undefined {
    this.peerProps = props;
    return undefined;
  }
  zap(request: ZapRequest): Promise<ZapReply | null> {
    this.zapRequests.push(request);
    return Promise.resolve(this.zapHandler(request));
  }

  // messages ---------------------------------------------------------------------------------
  send(frames: Buffer[]): void {
    frames.forEach((body, i) => {
      const flags = i < frames.length - 1 ? FLAG_MORE : 0;
      if (this.mech.encrypts)
        this.#writeFrame(0, this.mech.encode!(flags, body)); // outer flags 00/02 (G15)
      else this.#writeFrame(flags, body);
    });
  }

  recv(): Promise<Buffer[]> {
    const m = this.#messages.shift();
    if (m) return Promise.resolve(m);
    return timeout(new Promise((resolve) => this.#waiters.push(resolve)), 10_000, "message from libzmq");
  }

  #writeFrame(flags: number, body: Buffer): void {
    const long = body.length > 255;
    const header = Buffer.alloc(long ? 9 : 2);
    header[0] = flags | (long ? FLAG_LONG : 0);
    if (long) header.writeBigUInt64BE(BigInt(body.length), 1);
    else header[1] = body.length;
    this.socket.write(Buffer.concat([header, body]));
  }

  #onData(chunk: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    try {
      if (!this.#greeted) {
        if (this.#buf.length < 64) return;
        const g = this.#buf.subarray(0, 64);
        assert.equal(g[0], 0xff, "greeting signature");
        assert.equal(g[10], 3, "ZMTP major 3");
        this.#greeted = true;
        this.#buf = this.#buf.subarray(64);
        this.mech.start();
      }
      for (;;) {
        if (this.#buf.length < 2) return;
        const flags = this.#buf[0]!;
        const headerLen = flags & FLAG_LONG ? 9 : 2;
        if (this.#buf.length < headerLen) return;
        const size = flags & FLAG_LONG ? Number(this.#buf.readBigUInt64BE(1)) : this.#buf[1]!;
        if (this.#buf.length < headerLen + size) return;
        const body = Buffer.from(this.#buf.subarray(headerLen, headerLen + size));
        this.#buf = this.#buf.subarray(headerLen + size);
        this.#onFrame(flags, body);
      }
    } catch (err) {
      this.fail(err instanceof ZmqError ? err : new ZmqError("EPROTO", String(err)), "protocol");
    }
  }

  #onFrame(outerFlags: number, body: Buffer): void {
    if (!this.#active) {
      assert.ok(outerFlags & FLAG_COMMAND, "only commands during the handshake");
      this.mech.onCommand(body);
      return;
    }
    let flags = outerFlags;
    if (this.mech.encrypts) {
      assert.equal(outerFlags & (FLAG_MORE | FLAG_COMMAND), 0, "libzmq puts MORE/COMMAND inside the box (G15)");
      ({ flags, body } = this.mech.decode!(body));
    }
    if (flags & FLAG_COMMAND) return; // PING etc.
    this.#parts.push(body);
    if (flags & FLAG_MORE) return;
    const msg = this.#parts;
    this.#parts = [];
    const w = this.#waiters.shift();
    if (w) w(msg);
    else this.#messages.push(msg);
  }
}

// ------------------------------------------------------------------ the pyzmq peer process

class Peer {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  #waiters: Array<() => void> = [];
  stderr = "";
  readonly exited: Promise<number | null>;

  constructor(script: string, args: string[]) {
    this.child = spawn(PYTHON, [PEERS + script, ...args], { stdio: "pipe" });
    let partial = "";
    this.child.stdout.on("data", (d: Buffer) => {
      partial += d.toString();
      const parts = partial.split("\n");
      partial = parts.pop()!;
      this.lines.push(...parts);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** The rest of the first output line starting with `key `. */
  async line(key: string): Promise<string> {
    const find = (): string | undefined =>
      this.lines.find((l) => l === key || l.startsWith(key + " "))?.slice(key.length + 1);
    return timeout(
      (async () => {
        for (;;) {
          const found = find();
          if (found !== undefined) return found;
          if (this.child.exitCode !== null)
            throw new Error(`peer exited without "${key}": ${this.lines.join(" | ")} ${this.stderr}`);
          await new Promise<void>((resolve) => {
            this.#waiters.push(resolve);
            setTimeout(resolve, 200);
          });
        }
      })(),
      15_000,
      `peer line ${key}`,
    );
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

const hexFrames = (frames: Buffer[]): string => frames.map((f) => f.toString("hex")).join(",");

async function connectTo(port: number): Promise<Socket> {
  const socket = connect({ host: "127.0.0.1", port });
  await timeout(
    new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject)),
    5000,
    "connect",
  );
  return socket;
}

/** Listen on an ephemeral loopback port; `accepted` resolves with the first connection. */
async function listen(): Promise<{ port: number; accepted: Promise<Socket>; close: () => void }> {
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: timeout(accepted, 10_000, "libzmq connecting"),
    close: () => server.close(),
  };
}

// ------------------------------------------------------------------ CURVE

const curveClientSecurity = (serverKey: Buffer = SERVER_PUBLIC): SecurityOptions =>
  security({ curveServerKey: serverKey, curvePublicKey: CLIENT_PUBLIC, curveSecretKey: CLIENT_SECRET });

test("interop: zocket CURVE client <-> libzmq CURVE server (ZAP 200), multipart both ways", T, async () => {
  const peer = new Peer("curve_peer.py", ["server", "200"]);
  const socket = await connectTo(Number(await peer.line("PORT")));
  try {
    const conn = new RawZmtp(socket, curveClientSecurity(), "CURVE", createCurveMechanism);
    await timeout(conn.handshake, 10_000, "CURVE handshake");
    assert.equal(getProperty(conn.peerProps, "Socket-Type")?.toString(), "DEALER");
    const sent = [Buffer.from("hello"), Buffer.alloc(300, "z"), Buffer.alloc(0)];
    conn.send(sent);
    // The libzmq server's ZAP request as its REP handler sees it: 1.0, 1, domain "", address,
    // routing id "", CURVE, C (digest §3).
    const zap = (await peer.line("ZAP")).split(",").map((h) => Buffer.from(h, "hex"));
    assert.deepEqual(
      zap.map((f, i) => (i === 6 ? f : f.toString())),
      ["1.0", "1", "", "127.0.0.1", "", "CURVE", CLIENT_PUBLIC],
    );
    assert.equal(await peer.line("USER"), "curve-user");
    assert.equal(await peer.line("RECV"), hexFrames(sent));
    const reply = await conn.recv();
    assert.deepEqual(reply, [Buffer.from("pong"), Buffer.alloc(300, "x"), Buffer.alloc(0)]);
    conn.send([Buffer.from("bye")]);
    assert.equal(await timeout(peer.exited, 10_000, "peer exit"), 0);
  } finally {
    socket.destroy();
    peer.kill();
  }
});

test("interop: libzmq CURVE server with ZAP 400 sends ERROR; zocket client fails with AuthError(400)", T, async () => {
  const peer = new Peer("curve_peer.py", ["server", "400"]);
  const socket = await connectTo(Number(await peer.line("PORT")));
  try {
    const conn = new RawZmtp(socket, curveClientSecurity(), "CURVE", createCurveMechanism);
    await assert.rejects(timeout(conn.handshake, 10_000, "CURVE handshake"));
    assert.ok(conn.failure?.err instanceof AuthError, `failure: ${conn.failure?.err.message}`);
    assert.equal(conn.failure.err.status, 400);
    assert.equal(conn.failure.kind, "auth");
  } finally {
    socket.destroy();
    peer.kill();
  }
});

test("interop: zocket CURVE client with the wrong server key is refused silently by libzmq", T, async () => {
  const peer = new Peer("curve_peer.py", ["server", "none"]);
  const socket = await connectTo(Number(await peer.line("PORT")));
  try {
    const conn = new RawZmtp(
      socket,
      curveClientSecurity(Buffer.from(generateKeyPair().publicKey)),
      "CURVE",
      createCurveMechanism,
    );
    await assert.rejects(
      timeout(conn.handshake, 10_000, "CURVE handshake"),
      (e: unknown) => e instanceof ZmqError && e.code === "ECONNRESET",
    );
  } finally {
    socket.destroy();
    peer.kill();
  }
});

test("interop: libzmq CURVE client <-> zocket CURVE server (ZAP 200), multipart both ways", T, async () => {
  const listener = await listen();
  const peer = new Peer("curve_peer.py", ["client", String(listener.port), SERVER_PUBLIC_Z85]);
  let socket: Socket | undefined;
  try {
    socket = await listener.accepted;
    const zapReply: ZapReply = { statusCode: "200", statusText: "OK", userId: "libzmq-client", metadata: [] };
    const conn = new RawZmtp(
      socket,
      security({ curveServer: true, curveSecretKey: SERVER_SECRET }),
      "CURVE",
      createCurveMechanism,
      () => zapReply,
    );
    await timeout(conn.handshake, 10_000, "CURVE handshake");
    assert.deepEqual(conn.zapRequests[0]?.credentials, [CLIENT_PUBLIC]);
    assert.equal(conn.mech.userId, "libzmq-client");
    assert.equal(getProperty(conn.peerProps, "Socket-Type")?.toString(), "DEALER");
    assert.deepEqual(await conn.recv(), [Buffer.from("hello"), Buffer.alloc(300, "y"), Buffer.alloc(0)]);
    const reply = [Buffer.from("from zocket"), Buffer.alloc(1000, 1), Buffer.alloc(0)];
    conn.send(reply);
    assert.equal(await peer.line("RECV"), hexFrames(reply));
    assert.equal(await timeout(peer.exited, 10_000, "peer exit"), 0);
  } finally {
    socket?.destroy();
    listener.close();
    peer.kill();
  }
});

test("interop: crypto_box primitives equal libsodium's (beforenm, box, scalarmult_base)", T, () => {
  for (let i = 0; i < 3; i++) {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const nonce = randomBytes(24);
    const msg = randomBytes(i * 77);
    const hex = (u: Uint8Array): string => Buffer.from(u).toString("hex");
    const r = spawnSync(
      PYTHON,
      [PEERS + "curve_peer.py", "box", hex(a.secretKey), hex(b.publicKey), hex(nonce), hex(msg)],
      { timeout: 10_000 },
    );
    const out = Object.fromEntries(
      r.stdout
        .toString()
        .trim()
        .split("\n")
        .map((l) => l.split(" ") as [string, string]),
    );
    const k = beforenm(b.publicKey, a.secretKey);
    assert.equal(hex(k), out["BEFORENM"]);
    assert.equal(hex(seal(k, nonce, msg)), out["BOX"]);
    assert.equal(hex(publicKeyOf(a.secretKey)), out["PUBLIC"]);
    assert.equal(z85Encode(a.publicKey).length, 40);
  }
});

// ------------------------------------------------------------------ PLAIN

test("interop: zocket PLAIN client <-> libzmq PLAIN server (ThreadAuthenticator)", T, async () => {
  const peer = new Peer("plain_peer.py", ["server"]);
  const socket = await connectTo(Number(await peer.line("PORT")));
  try {
    const conn = new RawZmtp(
      socket,
      security({ plainUsername: "admin", plainPassword: "secret" }),
      "PLAIN",
      createPlainMechanism,
    );
    await timeout(conn.handshake, 10_000, "PLAIN handshake");
    conn.send([Buffer.from("hi"), Buffer.from("there")]);
    assert.equal(await peer.line("USER"), "admin");
    assert.equal(await peer.line("RECV"), hexFrames([Buffer.from("hi"), Buffer.from("there")]));
    assert.deepEqual(await conn.recv(), [Buffer.from("pong"), Buffer.alloc(0)]);
    conn.send([Buffer.from("bye")]);
    assert.equal(await timeout(peer.exited, 10_000, "peer exit"), 0);
  } finally {
    socket.destroy();
    peer.kill();
  }
});

test(
  "interop: libzmq PLAIN server's malformed ERROR (G16) fails the zocket client with AuthError(400)",
  T,
  async () => {
    const peer = new Peer("plain_peer.py", ["server"]);
    const socket = await connectTo(Number(await peer.line("PORT")));
    try {
      const conn = new RawZmtp(
        socket,
        security({ plainUsername: "admin", plainPassword: "wrong" }),
        "PLAIN",
        createPlainMechanism,
      );
      await assert.rejects(timeout(conn.handshake, 10_000, "PLAIN handshake"));
      assert.ok(conn.failure?.err instanceof AuthError, `failure: ${conn.failure?.err.message}`);
      assert.equal(conn.failure.err.status, 400);
      assert.equal(conn.failure.err.message, "Authentication failure");
      assert.match(conn.failure.err.hint, /"400"/);
    } finally {
      socket.destroy();
      peer.kill();
    }
  },
);

test("interop: libzmq PLAIN client <-> zocket PLAIN server (ZAP hook)", T, async () => {
  const listener = await listen();
  const peer = new Peer("plain_peer.py", ["client", String(listener.port), "admin", "secret"]);
  let socket: Socket | undefined;
  try {
    socket = await listener.accepted;
    const zap = (req: ZapRequest): ZapReply => {
      const ok = req.credentials[0]?.toString() === "admin" && req.credentials[1]?.toString() === "secret";
      return { statusCode: ok ? "200" : "400", statusText: "", userId: "admin", metadata: [] };
    };
    const conn = new RawZmtp(socket, security({ plainServer: true }), "PLAIN", createPlainMechanism, zap);
    await timeout(conn.handshake, 10_000, "PLAIN handshake");
    assert.deepEqual(await conn.recv(), [Buffer.from("hello"), Buffer.from("plain")]);
    conn.send([Buffer.from("welcome"), Buffer.from("aboard")]);
    assert.equal(await peer.line("RECV"), hexFrames([Buffer.from("welcome"), Buffer.from("aboard")]));
    assert.equal(await timeout(peer.exited, 10_000, "peer exit"), 0);
  } finally {
    socket?.destroy();
    listener.close();
    peer.kill();
  }
});
