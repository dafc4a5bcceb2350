/**
 * The NaCl `crypto_box` primitives CurveZMQ is built on (RFC 26, digest §2.3), without native addons.
 *
 * - X25519 (key pairs, key agreement): Node's own OpenSSL through `node:crypto` KeyObjects when the
 *   runtime has it, else `@noble/curves` (pure JS, ~25x slower per operation; browsers). See
 *   bench/crypto.bench.ts for the figures behind this choice.
 * - `beforenm`: HSalsa20(X25519(sk, pk), 0^16), exactly libsodium's `crypto_box_beforenm`.
 * - `seal`/`open`: XSalsa20-Poly1305 (`@noble/ciphers`) with a 32-byte key, output
 *   `MAC(16) ‖ ciphertext`, i.e. libsodium's `crypto_box_easy_afternm` and `crypto_secretbox_easy`
 *   (a crypto_box with a precomputed key *is* a secretbox with that key).
 *
 * node:crypto is reached through `process.getBuiltinModule` rather than a static import so this module
 * still loads where there is no Node (the core is meant to run in a browser over WebSocket one day).
 */
import type { KeyObject } from "node:crypto";
import { x25519 } from "@noble/curves/ed25519.js";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";

/** A raw X25519 key pair, 32 bytes each. */
export interface RawKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/**
 * A secret key ready for key agreement: raw 32 bytes, or a node:crypto KeyObject made by this module
 * (transient keys never leave OpenSSL as bytes).
 */
export type SecretKey = Uint8Array | KeyObject;

/** The X25519 operations CURVE needs; two implementations below. */
interface X25519Backend {
  readonly name: "node:crypto" | "noble";
  /** A fresh key pair; the secret stays in whatever form is fastest for {@link X25519Backend.shared}. */
  generate(): { publicKey: Uint8Array; secret: SecretKey };
  publicKeyOf(secret: SecretKey): Uint8Array;
  exportSecret(secret: SecretKey): Uint8Array;
  /** Raw X25519(secret, publicKey). Throws for low-order public keys (all-zero result), like libsodium. */
  shared(secret: SecretKey, publicKey: Uint8Array): Uint8Array;
}

/** Fill a new array with cryptographically strong random bytes (WebCrypto, in Node and browsers). */
export function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

const nobleBackend: X25519Backend = {
  name: "noble",
  generate() {
    const secret = randomBytes(32);
    return { publicKey: x25519.getPublicKey(secret), secret };
  },
  publicKeyOf: (secret) => x25519.getPublicKey(asRaw(secret)),
  exportSecret: (secret) => asRaw(secret).slice(),
  shared: (secret, publicKey) => x25519.getSharedSecret(asRaw(secret), publicKey),
};

function asRaw(secret: SecretKey): Uint8Array {
  if (secret instanceof Uint8Array) return secret;
  throw new TypeError("this X25519 back-end only handles raw secret keys");
}

type NodeCrypto = typeof import("node:crypto");

/** DER prefix of a PKCS#8 X25519 private key (RFC 8410): the 32 raw bytes follow. */
const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

function makeNodeBackend(nc: NodeCrypto): X25519Backend {
  // Importing a raw secret costs ~0.4 ms in OpenSSL, and the long-term key is the same for every
  // connection of a socket: remember the KeyObject per key buffer (checked byte for byte on reuse).
  const imported = new WeakMap<Uint8Array, { copy: Uint8Array; key: KeyObject }>();
  const toKeyObject = (secret: SecretKey): KeyObject => {
    if (!(secret instanceof Uint8Array)) return secret;
    const hit = imported.get(secret);
    if (hit !== undefined && equalBytes(hit.copy, secret)) return hit.key;
    if (secret.length !== 32) throw new RangeError("X25519 secret key must be 32 bytes");
    const der = Buffer.concat([PKCS8_X25519_PREFIX, secret]);
    const key = nc.createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    der.fill(0);
    imported.set(secret, { copy: secret.slice(), key });
    return key;
  };
  const jwkBytes = (value: string | undefined): Uint8Array => {
    if (value === undefined) throw new Error("node:crypto did not export the X25519 key");
    return new Uint8Array(Buffer.from(value, "base64url"));
  };
  return {
    name: "node:crypto",
    generate() {
      const { publicKey, privateKey } = nc.generateKeyPairSync("x25519");
      return { publicKey: jwkBytes(publicKey.export({ format: "jwk" }).x), secret: privateKey };
    },
    publicKeyOf: (secret) => jwkBytes(nc.createPublicKey(toKeyObject(secret)).export({ format: "jwk" }).x),
    exportSecret: (secret) => (secret instanceof Uint8Array ? secret.slice() : jwkBytes(secret.export({ format: "jwk" }).d)),
    shared(secret, publicKey) {
      if (publicKey.length !== 32) throw new RangeError("X25519 public key must be 32 bytes");
      const pub = nc.createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(publicKey).toString("base64url") }, format: "jwk" });
      // OpenSSL fails the derivation when the result is all zero (low-order point), as libsodium does.
      return new Uint8Array(nc.diffieHellman({ privateKey: toKeyObject(secret), publicKey: pub }));
    },
  };
}

function selectBackend(): X25519Backend {
  const nc = globalThis.process?.getBuiltinModule?.("node:crypto");
  if (nc === undefined) return nobleBackend;
  try {
    const backend = makeNodeBackend(nc);
    backend.generate(); // X25519 may be missing from an exotic OpenSSL build
    return backend;
  } catch {
    return nobleBackend;
  }
}

const backend: X25519Backend = selectBackend();

/** Which X25519 implementation is in use ("node:crypto" or "noble"). */
export const x25519Backend: "node:crypto" | "noble" = backend.name;

/** For tests: both implementations, to check them against each other. */
export const __x25519Backends: readonly X25519Backend[] = backend === nobleBackend ? [nobleBackend] : [backend, nobleBackend];

/** A fresh raw key pair, as `crypto_box_keypair` (32 random secret bytes, public = X25519(secret, 9)). */
export function generateKeyPair(): RawKeyPair {
  const { publicKey, secret } = backend.generate();
  return { publicKey, secretKey: backend.exportSecret(secret) };
}

/** A fresh transient key pair (C′ or S′) whose secret stays in its fastest form. */
export function transientKeyPair(): { publicKey: Uint8Array; secret: SecretKey } {
  return backend.generate();
}

/** The public key of a secret key (`crypto_scalarmult_base`). */
export function publicKeyOf(secretKey: SecretKey): Uint8Array {
  return backend.publicKeyOf(secretKey);
}

/** "expand 32-byte k" as little-endian words: the Salsa20 constants HSalsa20 uses. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const ZERO_WORDS = new Uint32Array(4);

/** HSalsa20(key, 0^16): the second half of `crypto_box_beforenm`. */
export function hsalsaZero(shared: Uint8Array): Uint8Array {
  const keyWords = new Uint32Array(8);
  for (let i = 0; i < 8; i++) {
    const o = i * 4;
    keyWords[i] = (shared[o]! | (shared[o + 1]! << 8) | (shared[o + 2]! << 16) | (shared[o + 3]! << 24)) >>> 0;
  }
  const out = new Uint32Array(8);
  hsalsa(SIGMA, keyWords, ZERO_WORDS, out);
  const key = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const w = out[i]!;
    const o = i * 4;
    key[o] = w & 0xff;
    key[o + 1] = (w >>> 8) & 0xff;
    key[o + 2] = (w >>> 16) & 0xff;
    key[o + 3] = w >>> 24;
  }
  keyWords.fill(0);
  out.fill(0);
  return key;
}

/**
 * `crypto_box_beforenm(publicKey, secretKey)`: the 32-byte key for {@link seal}/{@link open}.
 * Throws when the peer key is a low-order point (shared secret all zero), as libsodium fails then.
 */
export function beforenm(publicKey: Uint8Array, secretKey: SecretKey): Uint8Array {
  const shared = backend.shared(secretKey, publicKey);
  const key = hsalsaZero(shared);
  shared.fill(0);
  return key;
}

/** XSalsa20-Poly1305 seal: returns `MAC(16) ‖ ciphertext`. `nonce` is 24 bytes. */
export function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return xsalsa20poly1305(key, nonce).encrypt(plaintext);
}

/** XSalsa20-Poly1305 open of `MAC(16) ‖ ciphertext`; `undefined` when it does not authenticate. */
export function open(key: Uint8Array, nonce: Uint8Array, boxed: Uint8Array): Uint8Array | undefined {
  if (boxed.length < 16) return undefined;
  try {
    return xsalsa20poly1305(key, nonce).decrypt(boxed);
  } catch {
    return undefined;
  }
}

/**
 * Seal in place, for the MESSAGE hot path: `buf` is laid out as `[32 bytes scratch][plaintext]` and on
 * return holds `[16 bytes scratch][MAC(16)][ciphertext]`. The caller overwrites the first 16 bytes with
 * its header, so one allocation makes the whole MESSAGE body.
 */
export function sealInPlace(key: Uint8Array, nonce: Uint8Array, buf: Uint8Array): void {
  xsalsa20poly1305(key, nonce).encrypt(buf.subarray(32), buf);
}

/**
 * Open `MAC(16) ‖ ciphertext` into one fresh buffer; returns a view of the plaintext, or `undefined`
 * when it does not authenticate.
 */
export function openToBuffer(key: Uint8Array, nonce: Uint8Array, boxed: Uint8Array): Buffer | undefined {
  if (boxed.length < 16) return undefined;
  // @noble/ciphers decrypts into `boxed.length + 32` bytes and leaves the plaintext at offset 48.
  const out = Buffer.allocUnsafe(boxed.length + 32);
  try {
    xsalsa20poly1305(key, nonce).decrypt(boxed, out);
  } catch {
    return undefined;
  }
  return out.subarray(48);
}

/** Byte equality (not constant-time: used on public values and on our own cached copies). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
