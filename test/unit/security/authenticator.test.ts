/**
 * The Authenticator as a ZAP handler (RFC 27), asked directly through zocket's ZAP client (the same
 * code path a server socket's handshake uses) and through a raw DEALER for the exact reply frames:
 * start/stop/restart and EADDRINUSE, IP allow/deny with CIDRs (pyzmq's precedence), PLAIN per domain,
 * CURVE lists/directories/any, metadata, callbacks that throw, malformed requests.
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
  curveKeyPair,
  saveCertificate,
  z85Decode,
  type AuthDecision,
} from "../../../src/index.ts";
import type { ZapReply, ZapRequest } from "../../../src/mechanisms/mechanism.ts";
import { zapRequest } from "../../../src/security/zap-client.ts";

const T = { timeout: 10_000 } as const;

async function started(
  t: TestContext,
  options: ConstructorParameters<typeof Authenticator>[0] = {},
): Promise<{ ctx: Context; auth: Authenticator }> {
  const ctx = options.context ?? new Context();
  const auth = new Authenticator({ ...options, context: ctx });
  await auth.start();
  t.after(() => auth.stop());
  return { ctx, auth };
}

function request(
  mechanism: ZapRequest["mechanism"],
  credentials: Buffer[] = [],
  over: Partial<ZapRequest> = {},
): ZapRequest {
  return { domain: "", address: "127.0.0.1", identity: Buffer.alloc(0), mechanism, credentials, ...over };
}

async function ask(ctx: Context, req: ZapRequest): Promise<ZapReply> {
  const r = await zapRequest(ctx, req);
  assert.ok(r, "a handler is bound");
  return r;
}

const plain = (user: string, pass: string): Buffer[] => [Buffer.from(user), Buffer.from(pass)];

test(
  "start binds inproc://zeromq.zap.01; a second handler gets EADDRINUSE and takes nothing over; stop/start again",
  T,
  async (t) => {
    const ctx = new Context();
    assert.equal(await zapRequest(ctx, request("NULL")), null, "no handler yet");
    const a = new Authenticator({ context: ctx });
    assert.equal(a.running, false);
    await a.start();
    assert.equal(a.running, true);
    assert.equal(await a.start(), a, "start() twice is harmless");
    const b = new Authenticator({ context: ctx });
    await assert.rejects(b.start(), (err: { code?: string }) => err.code === "EADDRINUSE");
    assert.equal(b.running, false);
    assert.equal((await ask(ctx, request("NULL"))).statusCode, "200", "the first handler still answers");
    await a.stop();
    assert.equal(a.running, false);
    assert.equal(await zapRequest(ctx, request("NULL")), null, "unbound after stop()");
    await b.start();
    t.after(() => b.stop());
    assert.equal((await ask(ctx, request("NULL"))).statusCode, "200", "another handler can take the endpoint");
    await a.stop(); // stopping twice is harmless
  },
);

test(
  "reply frames: exactly 7, the request id echoed, version 1.0, then status, text, user id, metadata",
  T,
  async (t) => {
    const { ctx, auth } = await started(t);
    auth.configurePlain("*", { ann: "pw" });
    const d = new Dealer({ context: ctx, linger: 0 });
    t.after(() => d.close());
    d.connect("inproc://zeromq.zap.01");
    await d.send(["", "1.0", "req-7", "", "10.1.2.3", "id", "PLAIN", "ann", "pw"]);
    assert.deepEqual((await d.receive()).map(String), ["", "1.0", "req-7", "200", "OK", "ann", ""]);
    await d.send(["", "1.0", "req-8", "", "10.1.2.3", "id", "PLAIN", "ann", "nope"]);
    assert.deepEqual((await d.receive()).map(String), [
      "",
      "1.0",
      "req-8",
      "400",
      "Invalid username or password",
      "",
      "",
    ]);
    await d.send(["", "9.9", "req-9", "", "10.1.2.3", "id", "NULL"]);
    assert.deepEqual(
      (await d.receive()).map(String).slice(0, 4),
      ["", "1.0", "req-9", "500"],
      "a bad version is an internal error",
    );
    // Too few frames or no delimiter: ignored (nothing sensible to answer), the handler keeps going.
    await d.send(["", "1.0", "x"]);
    await d.send(["not-empty", "1.0", "1", "", "a", "i", "NULL"]);
    await d.send(["", "1.0", "last", "", "10.1.2.3", "id", "NULL"]);
    assert.deepEqual((await d.receive()).map(String).slice(2, 4), ["last", "200"]);
  },
);

test(
  "IP filters: allow list wins over deny list (pyzmq), CIDRs for IPv4 and IPv6, ipc ('' address) fails an allow list",
  T,
  async (t) => {
    const { ctx, auth } = await started(t);
    const nul = async (address: string): Promise<string> =>
      (await ask(ctx, request("NULL", [], { address }))).statusCode;
    assert.equal(await nul("192.168.7.7"), "200", "no filters: NULL passes");
    auth.deny("192.168.0.0/16", "::1");
    assert.equal(await nul("192.168.7.7"), "400");
    assert.equal(await nul("10.0.0.1"), "200");
    assert.equal(await nul("::1"), "400");
    auth.allow("10.0.0.0/8", "fd00::/8");
    assert.equal(await nul("10.200.0.1"), "200");
    assert.equal(await nul("fd12::5"), "200");
    assert.equal(await nul("192.168.7.7"), "400", "not allowed");
    assert.equal(await nul("172.16.0.1"), "400", "with an allow list, everything else is refused");
    assert.equal(await nul(""), "400", "ipc has no address");
    auth.clearAddressFilters();
    assert.equal(await nul("192.168.7.7"), "200");
    for (const bad of ["localhost", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "::1/129", "1.2.3"]) {
      assert.throws(
        () => auth.deny("10.9.9.9", bad),
        (err: { code?: string }) => err.code === "EINVAL",
        bad,
      );
    }
    assert.equal(await nul("10.9.9.9"), "200", "an invalid entry adds none of the list");
  },
);

test("PLAIN: per-domain tables, '*' fallback, user id = username; filters apply before the password", T, async (t) => {
  const decisions: AuthDecision[] = [];
  const { ctx, auth } = await started(t, { onDecision: (d) => decisions.push(d) });
  assert.equal(
    (await ask(ctx, request("PLAIN", plain("a", "b")))).statusText,
    "No passwords configured for this domain",
  );
  auth.configurePlain("*", { ann: "1" });
  auth.configurePlain("ops", { bob: "2" });
  const r1 = await ask(ctx, request("PLAIN", plain("ann", "1")));
  assert.deepEqual([r1.statusCode, r1.userId], ["200", "ann"]);
  assert.equal(
    (await ask(ctx, request("PLAIN", plain("ann", "1"), { domain: "ops" }))).statusCode,
    "400",
    "ops has its own table",
  );
  assert.equal((await ask(ctx, request("PLAIN", plain("bob", "2"), { domain: "ops" }))).userId, "bob");
  assert.equal(
    (await ask(ctx, request("PLAIN", plain("ann", "1"), { domain: "other" }))).statusCode,
    "200",
    "'*' covers other domains",
  );
  assert.equal((await ask(ctx, request("PLAIN", plain("ann", "12")))).statusCode, "400");
  assert.equal((await ask(ctx, request("PLAIN", plain("nobody", "")))).statusCode, "400");
  auth.deny("127.0.0.1");
  const r2 = await ask(ctx, request("PLAIN", plain("ann", "1")));
  assert.deepEqual([r2.statusCode, r2.statusText], ["400", "Address denied"]);
  assert.deepEqual(
    decisions.map((d) => [d.mechanism, d.domain, d.allowed]),
    [
      ["PLAIN", "", false],
      ["PLAIN", "", true],
      ["PLAIN", "ops", false],
      ["PLAIN", "ops", true],
      ["PLAIN", "other", true],
      ["PLAIN", "", false],
      ["PLAIN", "", false],
      ["PLAIN", "", false],
    ],
  );
});

test("CURVE: key lists, CURVE_ALLOW_ANY, certificate directories read per request; user id = Z85 key", T, async (t) => {
  const { ctx, auth } = await started(t);
  const k1 = curveKeyPair();
  const k2 = curveKeyPair();
  const key = (k: { publicKey: string }): Buffer[] => [z85Decode(k.publicKey)!];
  assert.equal((await ask(ctx, request("CURVE", key(k1)))).statusText, "No CURVE keys configured for this domain");
  auth.configureCurve("*", [k1.publicKey]);
  const r = await ask(ctx, request("CURVE", key(k1)));
  assert.deepEqual([r.statusCode, r.userId], ["200", k1.publicKey]);
  assert.equal((await ask(ctx, request("CURVE", key(k2)))).statusText, "Unknown public key");
  assert.equal((await ask(ctx, request("CURVE", [Buffer.alloc(31)]))).statusText, "Malformed CURVE credentials");
  auth.configureCurve("*", CURVE_ALLOW_ANY);
  assert.equal((await ask(ctx, request("CURVE", key(k2)))).statusCode, "200");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zocket-auth-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  auth.configureCurve("vault", { directory: dir });
  assert.equal((await ask(ctx, request("CURVE", key(k2), { domain: "vault" }))).statusCode, "400");
  saveCertificate({ ...k2, metadata: {} }, path.join(dir, "k2.key"));
  assert.equal(
    (await ask(ctx, request("CURVE", key(k2), { domain: "vault" }))).statusCode,
    "200",
    "a new file counts at once",
  );
  fs.rmSync(dir, { recursive: true });
  assert.equal(
    (await ask(ctx, request("CURVE", key(k2), { domain: "vault" }))).statusCode,
    "400",
    "a vanished directory allows nobody",
  );
  assert.throws(
    () => auth.configureCurve("*", ["not a key"]),
    (err: { code?: string }) => err.code === "EINVAL",
  );
  assert.equal(
    (await ask(ctx, request("GSSAPI" as ZapRequest["mechanism"]))).statusText,
    "Mechanism GSSAPI not supported",
  );
});

test(
  "metadata hook: properties in the reply; a throwing hook refuses with 500; a throwing onDecision does not stop the handler",
  T,
  async (t) => {
    let throwMeta = false;
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.message);
    };
    process.on("warning", onWarning);
    t.after(() => process.off("warning", onWarning));
    const { ctx } = await started(t, {
      metadata: (d) => {
        if (throwMeta) throw new Error("db down");
        return { "X-Mech": d.mechanism, "X-Bin": new Uint8Array([0, 255]) };
      },
      onDecision: (d) => {
        if (d.address === "10.6.6.6") throw new Error("logger broke");
      },
    });
    const r = await ask(ctx, request("NULL"));
    assert.equal(r.statusCode, "200");
    assert.deepEqual(r.metadata, [
      ["X-Mech", Buffer.from("NULL")],
      ["X-Bin", Buffer.from([0, 255])],
    ]);
    throwMeta = true;
    const r2 = await ask(ctx, request("NULL"));
    assert.deepEqual([r2.statusCode, r2.statusText], ["500", "metadata hook failed: db down"]);
    throwMeta = false;
    assert.equal((await ask(ctx, request("NULL", [], { address: "10.6.6.6" }))).statusCode, "200");
    assert.equal((await ask(ctx, request("NULL"))).statusCode, "200", "still serving after the callback threw");
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(
      warnings.some((w) => w.includes("logger broke")),
      "the callback's error is reported as a process warning",
    );
  },
);
