/**
 * X25519 for CURVE (key pairs, key agreement), without native addons: Node's own OpenSSL through
 * `node:crypto` KeyObjects when the runtime has it, else `@noble/curves` (pure JS, much slower per
 * operation; browsers). See bench/crypto.bench.ts for the figures behind this choice.
 *
 * node:crypto is reached through `process.getBuiltinModule` rather than a static import so this module
 * still loads where there is no Node (the core is meant to run in a browser over WebSocket one day).
 * `@noble/curves` is imported only where node:crypto has no X25519: it costs every process that imports
 * it a large share of the library's heap, including the many that never use CURVE (docs/performance.md,
 * design decision 15).
 */
import { Buffer } from "node:buffer";
import type { KeyObject } from "node:crypto";
import { ZmqError } from "../errors.ts";

/**
 * A secret key ready for key agreement: raw 32 bytes, or a node:crypto KeyObject made by this module
 * (transient keys never leave OpenSSL as bytes).
 */
export type SecretKey = Uint8Array | KeyObject;

/** The X25519 operations CURVE needs; two implementations below. */
export interface X25519Backend {
  readonly name: "node:crypto" | "noble";
  /** A fresh key pair; the secret stays in whatever form is fastest for {@link X25519Backend.shared}. */
  generate(): { publicKey: Uint8Array; secret: SecretKey };
  publicKeyOf(secret: SecretKey): Uint8Array;
  exportSecret(secret: SecretKey): Uint8Array;
  /** Raw X25519(secret, publicKey). Throws for low-order public keys (all-zero result), like libsodium. */
  shared(secret: SecretKey, publicKey: Uint8Array): Uint8Array;
}

type NobleX25519 = (typeof import("@noble/curves/ed25519.js"))["x25519"];

/** Set once `@noble/curves` has loaded (see {@link loadNobleX25519}). */
let nobleX25519: NobleX25519 | null = null;

function noble(): NobleX25519 {
  if (nobleX25519 === null) {
    // ENOTSUP, as libzmq answers CURVE calls when it was built without a crypto library.
    throw new ZmqError(
      "ENOTSUP",
      "CURVE keys are not available yet: this runtime's node:crypto has no X25519 and the pure-JS fallback " +
        "(@noble/curves) has not finished loading; await curveReady() first",
    );
  }
  return nobleX25519;
}

function asRaw(secret: SecretKey): Uint8Array {
  if (secret instanceof Uint8Array) return secret;
  throw new TypeError("this X25519 back-end only handles raw secret keys");
}

const nobleBackend: X25519Backend = {
  name: "noble",
  generate() {
    const secret = globalThis.crypto.getRandomValues(new Uint8Array(32));
    return { publicKey: noble().getPublicKey(secret), secret };
  },
  publicKeyOf: (secret) => noble().getPublicKey(asRaw(secret)),
  exportSecret: (secret) => asRaw(secret).slice(),
  shared: (secret, publicKey) => noble().getSharedSecret(asRaw(secret), publicKey),
};

/**
 * The pure-JS X25519 back-end, loaded on demand: at import where node:crypto has no X25519 (it is then
 * the only back-end), or by tests that check both back-ends against each other.
 */
export async function loadNobleX25519(): Promise<X25519Backend> {
  if (nobleX25519 === null) nobleX25519 = (await import("@noble/curves/ed25519.js")).x25519;
  return nobleBackend;
}

type NodeCrypto = typeof import("node:crypto");

/** DER prefix of a PKCS#8 X25519 private key (RFC 8410): the 32 raw bytes follow. */
const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

function makeNodeBackend(nc: NodeCrypto): X25519Backend {
  // Importing a raw secret into OpenSSL is slow, and the long-term key is the same for every connection
  // of a socket: remember the KeyObject per key buffer (checked byte for byte on reuse).
  const imported = new WeakMap<Uint8Array, { copy: Uint8Array; key: KeyObject }>();
  const toKeyObject = (secret: SecretKey): KeyObject => {
    if (!(secret instanceof Uint8Array)) return secret;
    const hit = imported.get(secret);
    if (hit !== undefined && equal(hit.copy, secret)) return hit.key;
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
  const publicKeyObject = (publicKey: Uint8Array): KeyObject => {
    const x = Buffer.from(publicKey).toString("base64url");
    return nc.createPublicKey({ key: { kty: "OKP", crv: "X25519", x }, format: "jwk" });
  };
  return {
    name: "node:crypto",
    generate() {
      const { publicKey, privateKey } = nc.generateKeyPairSync("x25519");
      return { publicKey: jwkBytes(publicKey.export({ format: "jwk" }).x), secret: privateKey };
    },
    publicKeyOf: (secret) => jwkBytes(nc.createPublicKey(toKeyObject(secret)).export({ format: "jwk" }).x),
    exportSecret: (secret) =>
      secret instanceof Uint8Array ? secret.slice() : jwkBytes(secret.export({ format: "jwk" }).d),
    shared(secret, publicKey) {
      if (publicKey.length !== 32) throw new RangeError("X25519 public key must be 32 bytes");
      // OpenSSL fails the derivation when the result is all zero (low-order point), as libsodium does.
      const privateKey = toKeyObject(secret);
      return new Uint8Array(nc.diffieHellman({ privateKey, publicKey: publicKeyObject(publicKey) }));
    },
  };
}

function selectBackend(): X25519Backend {
  const nc = globalThis.process?.getBuiltinModule?.("node:crypto");
  if (nc !== undefined) {
    try {
      const backend = makeNodeBackend(nc);
      backend.generate(); // X25519 may be missing from an exotic OpenSSL build
      return backend;
    } catch {
      // fall through to noble
    }
  }
  // No top-level await (the module must load synchronously): key operations before the import has
  // finished throw an error that says so. Nothing in zocket needs X25519 during its own import.
  loadNobleX25519().catch(() => {
    // noble() keeps explaining the failure at the first use
  });
  return nobleBackend;
}

/** The X25519 implementation in use. */
export const x25519: X25519Backend = selectBackend();

/**
 * Resolves once CURVE key operations can run: at once where node:crypto has X25519 (Node, Bun, Deno),
 * else when the pure-JS fallback has loaded. Before that they throw ENOTSUP.
 */
export async function curveReady(): Promise<void> {
  if (x25519 === nobleBackend) await loadNobleX25519();
}

/** Byte equality (not constant-time: used on public values and on our own cached copies). */
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
