import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeKey, z85Decode, z85Encode } from "../../../src/protocol/z85.ts";
import { ZmqError } from "../../../src/errors.ts";
import { publicKeyOf } from "../../../src/mechanisms/curve-crypto.ts";
import { curveKeyPair } from "../../../src/mechanisms/curve-keys.ts";

/** The Z85 alphabet, digit 0 to 84 (RFC 32). */
const Z85_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

const hex = (s: string): Buffer => Buffer.from(s, "hex");

// libzmq documentation test keys (docs/zmtp-notes.md §2.4), decoded by pyzmq/libzmq.
const KEYS = {
  clientPublic: [
    "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
    "bb88471d65e2659b30c55a5321cebb5aab2b70a398645c26dca2b2fcb43fc518",
  ],
  clientSecret: [
    "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
    "7bb864b489afa3671fbe69101f94b38972f24816dfb01b51656b3fec8dfd0888",
  ],
  serverPublic: [
    "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
    "54fcba24e93249969316fb617c872bb0c1d1ff14800427c594cbfacf1bc2d652",
  ],
  serverSecret: [
    "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
    "8e0bdd697628b91d8f245587ee95c5b04d48963f79259877b49cd9063aead3b7",
  ],
} as const;

test("z85: RFC 32 vector HelloWorld", () => {
  assert.equal(z85Encode(hex("864FD26FB559F75B")), "HelloWorld");
  assert.deepEqual(z85Decode("HelloWorld"), hex("864FD26FB559F75B"));
});

test("z85: libzmq test keys both ways", () => {
  for (const [text, bytes] of Object.values(KEYS)) {
    assert.equal(z85Encode(hex(bytes)), text);
    assert.deepEqual(z85Decode(text), hex(bytes));
  }
});

test("z85: X25519_base(secret) == public for the libzmq test keys", () => {
  assert.deepEqual(Buffer.from(publicKeyOf(hex(KEYS.clientSecret[1]))), hex(KEYS.clientPublic[1]));
  assert.deepEqual(Buffer.from(publicKeyOf(hex(KEYS.serverSecret[1]))), hex(KEYS.serverPublic[1]));
});

test("z85: extremes of a group", () => {
  assert.equal(z85Encode(hex("00000000")), "00000");
  assert.equal(z85Encode(hex("ffffffff")), "%nSc0");
  assert.deepEqual(z85Decode("%nSc0"), hex("ffffffff"));
});

test("z85: decoding is strict like libzmq 4.3", () => {
  assert.equal(z85Decode(""), undefined, "length below 5");
  assert.equal(z85Decode("Hell"), undefined, "length below 5");
  assert.equal(z85Decode("HelloWorl"), undefined, "not a multiple of 5");
  assert.equal(z85Decode("Hello World"), undefined, "not a multiple of 5");
  assert.equal(z85Decode("Hell World"), undefined, "space is outside the alphabet");
  assert.equal(z85Decode('Hell"'), undefined, "quote is outside the alphabet");
  assert.equal(z85Decode("Hell~"), undefined, "tilde is outside the alphabet");
  assert.equal(z85Decode("Hellé"), undefined, "non-ASCII");
  assert.equal(z85Decode("Hell\u0000"), undefined, "control character");
  assert.equal(z85Decode("%nSc1"), undefined, "0xFFFFFFFF + 1 overflows");
  assert.equal(z85Decode("%%%%%"), undefined, "85^5 - 1 overflows");
  assert.equal(z85Decode("00000%%%%%"), undefined, "overflow in a later group");
});

test("z85: encoding needs a multiple of 4 bytes", () => {
  assert.throws(
    () => z85Encode(new Uint8Array(3)),
    (e: unknown) => e instanceof ZmqError && e.code === "EINVAL",
  );
  assert.equal(z85Encode(new Uint8Array(0)), "");
});

test("z85: property: decode(encode(b)) == b", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 64 }).chain((n) => fc.uint8Array({ minLength: n * 4, maxLength: n * 4 })),
      (bytes) => {
        const text = z85Encode(bytes);
        assert.equal(text.length, (bytes.length / 4) * 5);
        if (bytes.length === 0) return; // libzmq cannot decode an empty string
        assert.deepEqual(z85Decode(text), Buffer.from(bytes));
      },
    ),
  );
});

test("z85: property: any valid text is canonical (encode(decode(s)) == s), anything else is refused", () => {
  const alphabetChar = fc.constantFrom(...Z85_ALPHABET.split(""));
  const anyText = fc.oneof(
    fc.string({ unit: alphabetChar, minLength: 0, maxLength: 40 }),
    fc.string({ maxLength: 20 }),
  );
  fc.assert(
    fc.property(anyText, (text) => {
      const decoded = z85Decode(text);
      if (decoded === undefined) {
        const ok = text.length >= 5 && text.length % 5 === 0 && [...text].every((c) => Z85_ALPHABET.includes(c));
        // refused: wrong length, a foreign character, or a group over 0xFFFFFFFF
        if (ok) {
          const groups = text.match(/.{5}/g) ?? [];
          const overflow = groups.some(
            (g) => [...g].reduce((v, c) => v * 85 + Z85_ALPHABET.indexOf(c), 0) > 0xffffffff,
          );
          assert.ok(overflow, `refused without a reason: ${JSON.stringify(text)}`);
        }
        return;
      }
      assert.equal(z85Encode(decoded), text);
    }),
  );
});

test("decodeKey accepts 40 Z85 characters or 32 bytes, nothing else", () => {
  assert.deepEqual(decodeKey(KEYS.serverPublic[0], "curveServerKey"), hex(KEYS.serverPublic[1]));
  assert.deepEqual(decodeKey(new Uint8Array(hex(KEYS.serverPublic[1])), "curveServerKey"), hex(KEYS.serverPublic[1]));
  const bad: Array<string | Uint8Array> = [
    KEYS.serverPublic[0].slice(0, 35),
    KEYS.serverPublic[0] + "00000",
    KEYS.serverPublic[0].slice(0, 39) + " ",
    "%%%%%" + KEYS.serverPublic[0].slice(5),
    new Uint8Array(31),
    new Uint8Array(33),
    "",
  ];
  for (const value of bad) {
    assert.throws(
      () => decodeKey(value, "curveServerKey"),
      (e: unknown) =>
        e instanceof ZmqError &&
        e.code === "EINVAL" &&
        e.message === "Invalid argument" &&
        e.hint === "curveServerKey must be a 40-character Z85 string or 32 bytes",
    );
  }
});

test("curveKeyPair returns a matching Z85 key pair, fresh each time", () => {
  const a = curveKeyPair();
  const b = curveKeyPair();
  assert.equal(a.publicKey.length, 40);
  assert.equal(a.secretKey.length, 40);
  assert.notEqual(a.secretKey, b.secretKey);
  const secret = z85Decode(a.secretKey);
  assert.ok(secret, "secret key decodes");
  assert.deepEqual(Buffer.from(publicKeyOf(secret)), z85Decode(a.publicKey));
});
