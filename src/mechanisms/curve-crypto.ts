/**
 * The NaCl `crypto_box` primitives CurveZMQ is built on (RFC 26), without native addons.
 *
 * - X25519 key pairs and key agreement: mechanisms/x25519.ts (node:crypto, else `@noble/curves`).
 * - `beforenm`: HSalsa20(X25519(sk, pk), 0^16), exactly libsodium's `crypto_box_beforenm`.
 * - `seal`/`open`: XSalsa20-Poly1305 with a 32-byte key, output `MAC(16) ‖ ciphertext`, i.e.
 *   libsodium's `crypto_box_easy_afternm` and `crypto_secretbox_easy` (a crypto_box with a precomputed
 *   key *is* a secretbox with that key): zocket's own WebAssembly module with SIMD (secretbox-wasm.ts)
 *   once it has loaded; where WebAssembly SIMD is missing, libsodium's WebAssembly build
 *   (`libsodium-wrappers`); `@noble/ciphers` (pure JS) until then or if neither loads. See {@link loadFastBox}.
 */
import { Buffer } from "node:buffer";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { loadWasmSecretbox, type WasmSecretbox } from "./secretbox-wasm.ts";
import { loadNobleX25519, x25519, type SecretKey } from "./x25519.ts";

/** A raw X25519 key pair, 32 bytes each. */
export interface RawKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** Fill a new array with cryptographically strong random bytes (WebCrypto, in Node and browsers). */
export function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/**
 * Resolves once CURVE key operations can run: at once where node:crypto has X25519 (Node, Bun, Deno),
 * else when the pure-JS fallback has loaded. Before that they throw ENOTSUP.
 */
export async function curveReady(): Promise<void> {
  if (x25519.name === "noble") await loadNobleX25519();
}

/** Which X25519 implementation is in use ("node:crypto" or "noble"). */
export const x25519Backend: "node:crypto" | "noble" = x25519.name;

/** A fresh raw key pair, as `crypto_box_keypair` (32 random secret bytes, public = X25519(secret, 9)). */
export function generateKeyPair(): RawKeyPair {
  const { publicKey, secret } = x25519.generate();
  return { publicKey, secretKey: x25519.exportSecret(secret) };
}

/** A fresh transient key pair (C′ or S′) whose secret stays in its fastest form. */
export function transientKeyPair(): { publicKey: Uint8Array; secret: SecretKey } {
  return x25519.generate();
}

/** The public key of a secret key (`crypto_scalarmult_base`). */
export function publicKeyOf(secretKey: SecretKey): Uint8Array {
  return x25519.publicKeyOf(secretKey);
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
  const shared = x25519.shared(secretKey, publicKey);
  const key = hsalsaZero(shared);
  shared.fill(0);
  return key;
}

// ---------------------------------------------------------------------------------------------------
// XSalsa20-Poly1305 (the symmetric box): zocket's WebAssembly module (or libsodium's) once loaded,
// @noble/ciphers until then.
//
// Every MESSAGE costs one box, so the box's speed is CURVE's throughput (docs/performance.md, design
// decisions 8 and 26). WebAssembly needs an asynchronous instantiation (browsers refuse synchronous
// compiles of all but tiny modules), and this module must load synchronously (no top-level await), so it
// starts with noble and switches when the load resolves. All compute the same function (NaCl
// crypto_secretbox), byte for byte, so switching between two MESSAGEs of one connection is safe. The load
// starts on the first CURVE use, so NULL/PLAIN users never pay for it; if it fails, noble simply stays.

/** Which implementation runs the box. */
export type BoxBackendName = "wasm-simd" | "libsodium" | "noble";

/** The box operations, with the MESSAGE layouts the hot path wants (see {@link sealMessage}). */
interface BoxBackend {
  readonly name: BoxBackendName;
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array;
  open(key: Uint8Array, nonce: Uint8Array, boxed: Uint8Array): Uint8Array | undefined;
  sealMessage(key: Uint8Array, nonce: Uint8Array, first: number, payload: Uint8Array, out?: Buffer): Buffer;
  openMessage(key: Uint8Array, nonce: Uint8Array, body: Buffer): Buffer | undefined;
}

/**
 * Outgoing MESSAGE bodies come from a private 256 KiB pool instead of Buffer's 8 KiB one, which at 1 KiB
 * per MESSAGE needs a new ArrayBuffer every 7 messages. The engine copies small bodies into its output
 * slab at once, so a larger pool holds no extra memory for long; received plaintexts (which users may
 * keep) still come from Node's pool.
 */
const OUT_POOL_SIZE = 256 * 1024;
let outPool = Buffer.alloc(0);
let outPoolPos = 0;

function allocOutgoing(size: number): Buffer {
  if (size > OUT_POOL_SIZE / 16) return Buffer.allocUnsafe(size);
  if (outPoolPos + size > outPool.length) {
    outPool = Buffer.allocUnsafeSlow(OUT_POOL_SIZE);
    outPoolPos = 0;
  }
  // subarray() of a Buffer is the cheapest way to a new Buffer view (about half of allocUnsafe).
  const b = outPool.subarray(outPoolPos, outPoolPos + size);
  outPoolPos = (outPoolPos + size + 7) & ~7;
  return b;
}

const nobleBox: BoxBackend = {
  name: "noble",
  seal: (key, nonce, plaintext) => xsalsa20poly1305(key, nonce).encrypt(plaintext),
  open(key, nonce, boxed) {
    if (boxed.length < 16) return undefined;
    try {
      return xsalsa20poly1305(key, nonce).decrypt(boxed);
    } catch {
      return undefined;
    }
  },
  sealMessage(key, nonce, first, payload, given) {
    // @noble/ciphers seals `[32 scratch][plaintext]` in place into `[16 scratch][MAC][ciphertext]`.
    const out = Buffer.allocUnsafe(33 + payload.length);
    out[32] = first;
    out.set(payload, 33);
    xsalsa20poly1305(key, nonce).encrypt(out.subarray(32), out);
    if (given === undefined) return out;
    given.set(out);
    return given;
  },
  openMessage: (key, nonce, body) => nobleOpenToBuffer(key, nonce, body.subarray(16)),
};

function nobleOpenToBuffer(key: Uint8Array, nonce: Uint8Array, boxed: Uint8Array): Buffer | undefined {
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

/**
 * The part of the Emscripten module inside libsodium-wrappers (`sodium.libsodium`) used here: raw
 * `crypto_secretbox_easy`/`_open_easy` on the WASM heap. The wrappers' own functions malloc, copy
 * and free three buffers per call; one scratch region reused for every call avoids that. The 64-bit
 * length is passed as two 32-bit halves (Emscripten legalisation), checked through the exports' arity
 * when loading.
 */
interface SodiumModule {
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _crypto_secretbox_easy(c: number, m: number, mlenLo: number, mlenHi: number, n: number, k: number): number;
  _crypto_secretbox_open_easy(m: number, c: number, clenLo: number, clenHi: number, n: number, k: number): number;
}

function isSodiumModule(v: unknown): v is SodiumModule {
  if (typeof v !== "object" || v === null) return false;
  const m = v as Record<string, unknown>;
  const fn = (name: string, arity: number): boolean =>
    typeof m[name] === "function" && (m[name] as (...a: unknown[]) => unknown).length === arity;
  return (
    m["HEAPU8"] instanceof Uint8Array &&
    fn("_malloc", 1) &&
    fn("_free", 1) &&
    fn("_crypto_secretbox_easy", 6) &&
    fn("_crypto_secretbox_open_easy", 6)
  );
}

/**
 * Boxes larger than this go to noble instead (slower, same result): WebAssembly memory never shrinks,
 * so one huge message must not pin twice its size for the life of the process (here at most ~32 MiB).
 */
const SODIUM_MAX_BOX = 16 * 1024 * 1024;

function makeSodiumBox(lib: SodiumModule): BoxBackend {
  // Scratch region, grown on demand: [key 32][nonce 24][slack 40][input: cap + 16][output: cap + 16].
  // The slack lets openMessage copy a whole MESSAGE body (16-byte header first) in one set().
  let base = 0;
  let cap = 0;
  /** Ensures room for `len` bytes of input; returns false if the box should go to noble. */
  const reserve = (len: number): boolean => {
    if (len <= cap) return true;
    if (len > SODIUM_MAX_BOX) return false;
    let want = Math.max(4096, cap);
    while (want < len) want *= 2;
    const p = lib._malloc(96 + 2 * (want + 16));
    if (p === 0) return false;
    if (base !== 0) lib._free(base);
    base = p;
    cap = want;
    return true;
  };
  // HEAPU8 is re-read on every call: any malloc (ours or another libsodium-wrappers user's) may grow
  // the memory and replace the view.
  const load = (heap: Uint8Array, key: Uint8Array, nonce: Uint8Array): void => {
    heap.set(key, base);
    heap.set(nonce, base + 32);
  };
  /** secretbox(input[0..len]) -> output[0..len+16]; returns the output's heap offset. */
  const sealHeap = (len: number): number => {
    const m = base + 96;
    const c = m + cap + 16;
    lib._crypto_secretbox_easy(c, m, len, 0, base + 32, base);
    return c;
  };
  /** secretbox_open(input[0..len]) -> output[0..len-16]; returns the output's heap offset or -1. */
  const openHeap = (len: number): number => {
    const c = base + 96;
    const m = c + cap + 16;
    return lib._crypto_secretbox_open_easy(m, c, len, 0, base + 32, base) === 0 ? m : -1;
  };
  const sodiumBox: BoxBackend = {
    name: "libsodium",
    seal(key, nonce, plaintext) {
      const len = plaintext.length;
      if (!reserve(len)) return nobleBox.seal(key, nonce, plaintext);
      const heap = lib.HEAPU8;
      load(heap, key, nonce);
      heap.set(plaintext, base + 96);
      const c = sealHeap(len);
      return heap.slice(c, c + len + 16);
    },
    open(key, nonce, boxed) {
      const len = boxed.length;
      if (len < 16) return undefined;
      if (!reserve(len)) return nobleBox.open(key, nonce, boxed);
      const heap = lib.HEAPU8;
      load(heap, key, nonce);
      heap.set(boxed, base + 96);
      const m = openHeap(len);
      return m < 0 ? undefined : heap.slice(m, m + len - 16);
    },
    sealMessage(key, nonce, first, payload, given) {
      const len = payload.length + 1;
      if (!reserve(len)) return nobleBox.sealMessage(key, nonce, first, payload, given);
      const heap = lib.HEAPU8;
      load(heap, key, nonce);
      heap[base + 96] = first;
      heap.set(payload, base + 97);
      const c = sealHeap(len);
      const out = given ?? allocOutgoing(32 + len);
      out.set(heap.subarray(c, c + len + 16), 16);
      return out;
    },
    openMessage(key, nonce, body) {
      const len = body.length - 16;
      if (len < 16) return undefined;
      if (!reserve(len)) return nobleBox.openMessage(key, nonce, body);
      const heap = lib.HEAPU8;
      load(heap, key, nonce);
      heap.set(body, base + 80); // the 16-byte header lands in the slack, the box at base + 96
      const m = openHeap(len);
      if (m < 0) return undefined;
      const out = Buffer.allocUnsafe(len - 16);
      out.set(heap.subarray(m, m + len - 16));
      return out;
    },
  };
  // Self-test against noble before trusting it (a different build could differ in layout).
  const k = randomBytes(32);
  const n = randomBytes(24);
  const p = randomBytes(100);
  if (
    !equalBytes(sodiumBox.seal(k, n, p), nobleBox.seal(k, n, p)) ||
    !equalBytes(sodiumBox.open(k, n, nobleBox.seal(k, n, p)) ?? new Uint8Array(0), p)
  ) {
    throw new Error("libsodium box does not match noble");
  }
  return sodiumBox;
}

function makeWasmBox(w: WasmSecretbox): BoxBackend {
  const wasmBox: BoxBackend = {
    name: "wasm-simd",
    seal: (key, nonce, plaintext) => w.seal(key, nonce, plaintext),
    open: (key, nonce, boxed) => w.open(key, nonce, boxed),
    sealMessage: (key, nonce, first, payload, given) =>
      w.sealMessage(key, nonce, first, payload, given ?? allocOutgoing(33 + payload.length)),
    openMessage: (key, nonce, body) => w.openMessage(key, nonce, body),
  };
  // Self-test against noble before trusting it, at sizes around the keystream windows.
  for (const size of [0, 1, 31, 32, 100, 479, 480, 481, 1500]) {
    const k = randomBytes(32);
    const n = randomBytes(24);
    const p = randomBytes(size);
    const sealed = nobleBox.seal(k, n, p);
    if (!equalBytes(wasmBox.seal(k, n, p), sealed) || !equalBytes(wasmBox.open(k, n, sealed) ?? sealed, p)) {
      throw new Error("WebAssembly box does not match noble");
    }
  }
  return wasmBox;
}

let box: BoxBackend = nobleBox;
let fastLoad: Promise<void> | undefined;

async function loadSodiumBox(): Promise<BoxBackend | undefined> {
  try {
    const sodium = (await import("libsodium-wrappers")).default;
    await sodium.ready;
    const lib: unknown = (sodium as unknown as Record<string, unknown>)["libsodium"];
    return isSodiumModule(lib) ? makeSodiumBox(lib) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Start loading the fast box (once) and resolve when the symmetric box is as fast as it will get: zocket's
 * WebAssembly module; libsodium where that cannot run (no WebAssembly SIMD); noble if neither loads.
 * Called on every CURVE handshake; never rejects.
 */
export function loadFastBox(): Promise<void> {
  fastLoad ??= (async () => {
    const w = await loadWasmSecretbox();
    let fast: BoxBackend | undefined;
    try {
      fast = w === undefined ? undefined : makeWasmBox(w);
    } catch {
      fast = undefined;
    }
    fast ??= await loadSodiumBox();
    if (fast !== undefined) box = fast;
  })().catch(() => undefined);
  return fastLoad;
}

/** Which XSalsa20-Poly1305 implementation is in use now ("wasm-simd" once loaded, else "noble"). */
export function boxBackend(): BoxBackendName {
  return box.name;
}

/** XSalsa20-Poly1305 seal: returns `MAC(16) ‖ ciphertext`. `nonce` is 24 bytes. */
export function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return box.seal(key, nonce, plaintext);
}

/** XSalsa20-Poly1305 open of `MAC(16) ‖ ciphertext`; `undefined` when it does not authenticate. */
export function open(key: Uint8Array, nonce: Uint8Array, boxed: Uint8Array): Uint8Array | undefined {
  return box.open(key, nonce, boxed);
}

/**
 * Seal `first ‖ payload` for the MESSAGE hot path: returns `out` (exactly `33 + payload.length` bytes), or
 * a new buffer of that size, laid out as `[16 bytes for the caller's header][MAC(16)][ciphertext]`, so the
 * whole MESSAGE body is a single buffer. Passing the same `key` and `nonce` objects as for the previous
 * MESSAGE promises that the key and the nonce's first 16 bytes did not change (a MessageCodec rewrites only
 * the counter): the WebAssembly back-end then reuses the HSalsa20 subkey. The same holds for {@link openMessage}.
 */
export function sealMessage(
  key: Uint8Array,
  nonce: Uint8Array,
  first: number,
  payload: Uint8Array,
  out?: Buffer,
): Buffer {
  return box.sealMessage(key, nonce, first, payload, out);
}

/**
 * Open a MESSAGE body for the hot path: `body` is `[16 bytes header][MAC(16)][ciphertext]` (the
 * header is not read); returns the plaintext, or `undefined` when it does not authenticate. The
 * plaintext may be written over the ciphertext and returned as a view of `body` (the WebAssembly
 * back-end does), so `body` must be the caller's to give away; its contents are undefined afterwards.
 */
export function openMessage(key: Uint8Array, nonce: Uint8Array, body: Buffer): Buffer | undefined {
  return box.openMessage(key, nonce, body);
}

/** Byte equality (not constant-time: used on public values and on our own cached copies). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
