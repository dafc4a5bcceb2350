/**
 * XSalsa20-Poly1305 (NaCl `crypto_secretbox`) on zocket's own WebAssembly module with SIMD
 * (secretbox.wat, assembled into secretbox-wasm.generated.ts by scripts/build-wasm.mjs).
 *
 * The module seals and opens in place in its own memory, as a stream: a message of any size passes through
 * its data region in chunks, so the memory never grows (two 64 KiB pages). Each box costs one copy in and
 * one copy out; the MESSAGE layouts are built around them (see {@link WasmSecretbox.sealMessage}).
 */
import type { Buffer } from "node:buffer";
import { SECRETBOX_WASM } from "./secretbox-wasm.generated.ts";

/** The module's exports (secretbox.wat). */
export interface SecretboxExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  readonly data: { readonly value: number };
  readonly dataSize: { readonly value: number };
  start(): void;
  restart(): void;
  seal_update(p: number, n: number): void;
  seal_final(t: number): void;
  open_update(p: number, n: number): void;
  open_final(t: number): number;
}

/** The part of the `WebAssembly` global used here (the TypeScript setup has no DOM or WebAssembly lib). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  instantiate(bytes: Uint8Array): Promise<{ instance: { exports: unknown } }>;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

function wasmApi(): WasmApi | undefined {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return typeof api === "object" ? api : undefined;
}

/** Boxes of at most this many bytes are copied in and out byte by byte. */
const SMALL = 64;

/** Where the caller writes the key and the nonce (secretbox.wat's memory layout). */
const KEY = 576;
const NONCE = 608;

function isSecretboxExports(v: unknown): v is SecretboxExports {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Record<string, { buffer?: unknown; value?: unknown } | undefined>;
  return (
    e["memory"]?.buffer instanceof ArrayBuffer &&
    typeof e["data"]?.value === "number" &&
    typeof e["dataSize"]?.value === "number" &&
    ["start", "restart", "seal_update", "seal_final", "open_update", "open_final"].every(
      (f) => typeof e[f] === "function",
    )
  );
}

/** The module's bytes (base64 decoded with `atob`, present in Node, Bun, Deno and browsers). */
export function secretboxWasmBytes(): Uint8Array<ArrayBuffer> {
  const s = atob(SECRETBOX_WASM);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/**
 * Instantiate the module; `undefined` where WebAssembly or its SIMD extension is missing (the module
 * does not validate there) or instantiation fails.
 */
export async function loadWasmSecretbox(): Promise<WasmSecretbox | undefined> {
  try {
    const api = wasmApi();
    const bytes = secretboxWasmBytes();
    if (api === undefined || !api.validate(bytes)) return undefined;
    const { instance } = await api.instantiate(bytes);
    return isSecretboxExports(instance.exports) ? new WasmSecretbox(instance.exports) : undefined;
  } catch {
    return undefined;
  }
}

/** The module's raw exports, instantiated synchronously (tests and tools; browsers refuse this). */
export function secretboxExportsSync(): SecretboxExports | undefined {
  try {
    const api = wasmApi();
    if (api === undefined) return undefined;
    const { exports } = new api.Instance(new api.Module(secretboxWasmBytes()));
    return isSecretboxExports(exports) ? exports : undefined;
  } catch {
    return undefined;
  }
}

export class WasmSecretbox {
  readonly #e: SecretboxExports;
  /** The module's memory; it never grows, so this view stays valid. */
  readonly #heap: Uint8Array;
  /** Data goes to D (16-byte aligned); the MAC sits just before it, so that `MAC ‖ data` is contiguous. */
  readonly #d: number;
  /** Bytes per update: a multiple of 512 (the keystream window), so that chunks keep the fast path. */
  readonly #chunk: number;
  /** The key and nonce objects whose subkey the module holds (see #beginMessage); null: none. */
  #subkeyKey: Uint8Array | null = null;
  #subkeyNonce: Uint8Array | null = null;

  constructor(e: SecretboxExports) {
    this.#e = e;
    this.#heap = new Uint8Array(e.memory.buffer);
    this.#d = e.data.value + 32;
    this.#chunk = (e.dataSize.value - 32) & ~511;
  }

  #begin(key: Uint8Array, nonce: Uint8Array): void {
    const heap = this.#heap;
    for (let i = 0; i < 32; i++) heap[KEY + i] = key[i]!;
    for (let i = 0; i < 24; i++) heap[NONCE + i] = nonce[i]!;
    this.#e.start();
    this.#subkeyKey = null;
  }

  /**
   * A MESSAGE box: the module keeps the HSalsa20 subkey of the last (key, nonce[0..16]), and a MessageCodec
   * passes the same key and the same nonce buffer, with the same first 16 bytes, for every MESSAGE of one
   * direction; then only the counter half of the nonce is new (one Salsa20 block less per message).
   */
  #beginMessage(key: Uint8Array, nonce: Uint8Array): void {
    if (key !== this.#subkeyKey || nonce !== this.#subkeyNonce) {
      this.#begin(key, nonce);
      this.#subkeyKey = key;
      this.#subkeyNonce = nonce;
      return;
    }
    const heap = this.#heap;
    for (let i = 16; i < 24; i++) heap[NONCE + i] = nonce[i]!;
    this.#e.restart();
  }

  /**
   * Seal `first ‖ payload` into `out` (key and nonce already loaded): MAC at `out[at..at+16]`, ciphertext
   * from `at + 16`. `out` must hold `at + 17 + payload.length` bytes.
   */
  #sealInto(first: number, payload: Uint8Array, out: Uint8Array, at: number): void {
    const e = this.#e;
    const heap = this.#heap;
    const d = this.#d;
    const chunk = this.#chunk;
    const len = payload.length + 1;
    if (len <= SMALL) {
      // Byte loops: set() and subarray() cost more than they copy at this size.
      heap[d] = first;
      for (let i = 0; i < payload.length; i++) heap[d + 1 + i] = payload[i]!;
      e.seal_update(d, len);
      e.seal_final(d - 16);
      for (let i = 0; i < len + 16; i++) out[at + i] = heap[d - 16 + i]!;
      return;
    }
    if (len <= chunk) {
      heap[d] = first;
      heap.set(payload, d + 1);
      e.seal_update(d, len);
      e.seal_final(d - 16);
      out.set(heap.subarray(d - 16, d + len), at);
      return;
    }
    // Plaintext byte i is `first` for i = 0, else payload[i - 1].
    for (let done = 0; done < len;) {
      const n = Math.min(chunk, len - done);
      if (done === 0) {
        heap[d] = first;
        heap.set(payload.subarray(0, n - 1), d + 1);
      } else {
        heap.set(payload.subarray(done - 1, done - 1 + n), d);
      }
      e.seal_update(d, n);
      out.set(heap.subarray(d, d + n), at + 16 + done);
      done += n;
    }
    e.seal_final(d - 16);
    out.set(heap.subarray(d - 16, d), at);
  }

  /**
   * Open the box `MAC ‖ ciphertext` at `boxed[from..]` into `out` (from `at`; key and nonce already
   * loaded); false, with `out` holding garbage, when it does not authenticate. `out` must hold
   * `at + boxed.length - from - 16` bytes.
   */
  #openInto(boxed: Uint8Array, from: number, out: Uint8Array, at: number): boolean {
    const e = this.#e;
    const heap = this.#heap;
    const d = this.#d;
    const chunk = this.#chunk;
    const len = boxed.length - from - 16;
    if (len <= SMALL) {
      for (let i = 0; i < len + 16; i++) heap[d - 16 + i] = boxed[from + i]!;
      e.open_update(d, len);
      if (e.open_final(d - 16) !== 0) return false;
      for (let i = 0; i < len; i++) out[at + i] = heap[d + i]!;
      return true;
    }
    if (len <= chunk) {
      // One copy: the MAC lands at d - 16, the ciphertext at d (and what precedes `from` before them).
      if (from <= 16) heap.set(boxed, d - 16 - from);
      else heap.set(boxed.subarray(from), d - 16);
      e.open_update(d, len);
      if (e.open_final(d - 16) !== 0) return false;
      out.set(heap.subarray(d, d + len), at);
      return true;
    }
    for (let done = 0; done < len;) {
      const n = Math.min(chunk, len - done);
      const src = from + 16 + done;
      heap.set(boxed.subarray(src, src + n), d);
      e.open_update(d, n);
      out.set(heap.subarray(d, d + n), at + done);
      done += n;
    }
    heap.set(boxed.subarray(from, from + 16), d - 16);
    return e.open_final(d - 16) === 0;
  }

  /** `crypto_secretbox_easy`: `MAC(16) ‖ ciphertext`. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const out = new Uint8Array(plaintext.length + 16);
    if (plaintext.length === 0) {
      this.#begin(key, nonce);
      this.#e.seal_final(this.#d - 16);
      out.set(this.#heap.subarray(this.#d - 16, this.#d));
      return out;
    }
    // The first byte travels as `first`, the rest as the payload: the same stream.
    this.#begin(key, nonce);
    this.#sealInto(plaintext[0]!, plaintext.subarray(1), out, 0);
    return out;
  }

  /** `crypto_secretbox_open_easy`; `undefined` when it does not authenticate. */
  open(key: Uint8Array, nonce: Uint8Array, boxed: Uint8Array): Uint8Array | undefined {
    if (boxed.length < 16) return undefined;
    const out = new Uint8Array(boxed.length - 16);
    this.#begin(key, nonce);
    return this.#openInto(boxed, 0, out, 0) ? out : undefined;
  }

  /** A MESSAGE body, `[16 bytes for the caller's header][MAC][box(first ‖ payload)]`, in `out`. */
  sealMessage(key: Uint8Array, nonce: Uint8Array, first: number, payload: Uint8Array, out: Buffer): Buffer {
    this.#beginMessage(key, nonce);
    this.#sealInto(first, payload, out, 16);
    return out;
  }

  /**
   * Open a MESSAGE body `[16 header][MAC][ciphertext]` in place: the plaintext replaces the ciphertext and
   * is returned as a view of `body` (which the engine owns: a frame just read), or undefined. A fresh buffer
   * per message would cost the receiver an allocation and, at 64 KiB, the page faults of new memory.
   */
  openMessage(key: Uint8Array, nonce: Uint8Array, body: Buffer): Buffer | undefined {
    if (body.length < 32) return undefined;
    this.#beginMessage(key, nonce);
    return this.#openInto(body, 16, body, 32) ? body.subarray(32) : undefined;
  }
}
