/**
 * czmq-format CURVE certificates (ZPL, RFC 4): new/save/load round trips, the files' layout and
 * permissions, czmq's and pyzmq's own file shapes, directories, and every error path. Interop with
 * pyzmq's reader and writer is in test/interop/security-interop.test.ts.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import {
  loadCertificate,
  loadPublicKeysFromDirectory,
  newCertificate,
  saveCertificate,
  z85Decode,
  z85Encode,
} from "../../../src/index.ts";
import { parseZpl } from "../../../src/security/certificate.ts";
import { publicKeyOf } from "../../../src/mechanisms/curve-crypto.ts";

function tmp(t: TestContext): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "zocket-cert-"));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

const code = (expected: string) => (err: { code?: string }) => err.code === expected;

test("newCertificate: a valid X25519 pair in Z85 (the secret derives the public key)", () => {
  const c = newCertificate({ name: "n" });
  assert.equal(c.publicKey.length, 40);
  assert.equal(c.secretKey.length, 40);
  assert.equal(z85Encode(publicKeyOf(z85Decode(c.secretKey)!)), c.publicKey);
  assert.deepEqual(c.metadata, { name: "n" });
  assert.notEqual(newCertificate().publicKey, c.publicKey);
});

test("saveCertificate writes NAME (public only) and NAME_secret (mode 0600), as czmq's zcert_save; both load back", (t) => {
  const dir = tmp(t);
  const c = newCertificate({ name: "server", "created-by": 'say "hi"' });
  const file = path.join(dir, "sub", "server.key");
  const { publicFile, secretFile } = saveCertificate(c, file);
  assert.equal(publicFile, file);
  assert.equal(secretFile, `${file}_secret`);
  const pubText = fs.readFileSync(publicFile, "utf8");
  assert.match(
    pubText,
    /^# {3}\*\*\*\* {2}Generated on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d by zocket {2}\*\*\*\*\n# {3}ZeroMQ CURVE Public Certificate\n/,
  );
  assert.ok(pubText.includes(`curve\n    public-key = "${c.publicKey}"\n`));
  assert.ok(!pubText.includes("secret-key"), "the public file never holds the secret");
  assert.ok(fs.readFileSync(secretFile, "utf8").includes(`    secret-key = "${c.secretKey}"\n`));
  assert.equal(fs.statSync(secretFile).mode & 0o777, 0o600);
  const pub = loadCertificate(publicFile);
  assert.deepEqual(pub, { publicKey: c.publicKey, metadata: { name: "server", "created-by": "say 'hi'" } });
  const sec = loadCertificate(secretFile);
  assert.equal(sec.secretKey, c.secretKey);
  // An existing, too-open secret file is narrowed again.
  fs.chmodSync(secretFile, 0o644);
  saveCertificate(c, file);
  assert.equal(fs.statSync(secretFile).mode & 0o777, 0o600);
  // A public-only certificate writes no secret file.
  const only = path.join(dir, "peer.key");
  saveCertificate({ publicKey: c.publicKey, metadata: {} }, only);
  assert.equal(fs.existsSync(`${only}_secret`), false);
});

test("reads czmq's and pyzmq's file shapes: comments, CRLF, ' or \" quotes, unquoted values with trailing comments", (t) => {
  const dir = tmp(t);
  const czmq = [
    "#   ****  Generated on 2015-01-01 00:00:00 by CZMQ  ****",
    "#   ZeroMQ CURVE **Secret** Certificate",
    "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.",
    "",
    "metadata",
    "    name = 'test server'",
    "    email = admin@example.com    # a comment",
    "curve",
    '    public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"',
    '    secret-key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"',
    "",
  ].join("\r\n");
  fs.writeFileSync(path.join(dir, "czmq_secret"), czmq);
  const c = loadCertificate(path.join(dir, "czmq_secret"));
  assert.deepEqual(c, {
    publicKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
    secretKey: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
    metadata: { name: "test server", email: "admin@example.com" },
  });
  // pyzmq: an empty metadata section, unquoted metadata values, only the curve keys quoted.
  const pyzmq =
    '#   ****  Generated on 2024-01-01 by pyzmq  ****\n\nmetadata\ncurve\n    public-key = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"\n';
  fs.writeFileSync(path.join(dir, "client.key"), pyzmq);
  assert.deepEqual(loadCertificate(path.join(dir, "client.key")), {
    publicKey: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
    metadata: {},
  });
  const zpl = parseZpl('top\n    a = 1\nnext\n    b = "x # y"\n');
  assert.deepEqual(JSON.parse(JSON.stringify(zpl)), { top: { a: "1" }, next: { b: "x # y" } });
});

test("a hostile file cannot pollute Object.prototype through section or key names", (t) => {
  const dir = tmp(t);
  const f = path.join(dir, "evil");
  fs.writeFileSync(
    f,
    '__proto__\n    polluted = yes\nmetadata\n    __proto__ = x\n    constructor = y\ncurve\n    public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"\n',
  );
  const c = loadCertificate(f);
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  assert.equal(Object.getPrototypeOf(c.metadata), Object.prototype);
  assert.equal(c.metadata["constructor"], "y");
  assert.ok(Object.hasOwn(c.metadata, "__proto__"), "kept as a plain own key");
});

test("errors: missing file ENOENT; no curve section, bad keys, bad metadata EINVAL", (t) => {
  const dir = tmp(t);
  assert.throws(() => loadCertificate(path.join(dir, "nope")), code("ENOENT"));
  const write = (name: string, text: string): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  assert.throws(() => loadCertificate(write("a", "metadata\n    x = 1\n")), code("EINVAL"));
  assert.throws(() => loadCertificate(write("b", 'curve\n    public-key = "tooShort"\n')), code("EINVAL"));
  assert.throws(
    () => loadCertificate(write("c", 'curve\n    public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf~"\n')),
    code("EINVAL"),
    "~ is not Z85",
  );
  assert.throws(
    () =>
      loadCertificate(
        write("d", 'curve\n    public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"\n    secret-key = "x"\n'),
      ),
    code("EINVAL"),
  );
  const c = newCertificate();
  assert.throws(() => saveCertificate({ ...c, metadata: { "bad name": "v" } }, path.join(dir, "e")), code("EINVAL"));
  assert.throws(() => saveCertificate({ ...c, metadata: { ok: "two\nlines" } }, path.join(dir, "f")), code("EINVAL"));
  assert.throws(() => saveCertificate({ ...c, publicKey: "short" }, path.join(dir, "g")), code("EINVAL"));
  assert.equal(fs.existsSync(path.join(dir, "e")), false, "nothing written on a validation error");
});

test("loadPublicKeysFromDirectory: every certificate file once; other files and subdirectories skipped", (t) => {
  const dir = tmp(t);
  const a = newCertificate();
  const b = newCertificate();
  saveCertificate(a, path.join(dir, "a.key"));
  saveCertificate({ publicKey: b.publicKey, metadata: {} }, path.join(dir, "b.key"));
  fs.writeFileSync(path.join(dir, "README"), "not a certificate\n");
  fs.mkdirSync(path.join(dir, "nested"));
  saveCertificate(newCertificate(), path.join(dir, "nested", "c.key"));
  assert.deepEqual(loadPublicKeysFromDirectory(dir).sort(), [a.publicKey, b.publicKey].sort());
  assert.throws(() => loadPublicKeysFromDirectory(path.join(dir, "missing")));
});

test("property: any ZPL-safe metadata round-trips through save and load", (t) => {
  const dir = tmp(t);
  const c = newCertificate();
  const name = fc.stringMatching(/^[A-Za-z0-9$\-_@.&+/]{1,20}$/);
  const value = fc.string({ maxLength: 40 }).filter((v) => !/[\r\n"]/.test(v) && v === v.trim());
  let i = 0;
  fc.assert(
    fc.property(fc.dictionary(name, value, { maxKeys: 5 }), (metadata) => {
      const file = path.join(dir, `p${i++}.key`);
      saveCertificate({ ...c, metadata }, file);
      const back = loadCertificate(`${file}_secret`);
      assert.deepEqual(back.metadata, { ...metadata });
      assert.equal(back.secretKey, c.secretKey);
    }),
    { numRuns: 100 },
  );
});
