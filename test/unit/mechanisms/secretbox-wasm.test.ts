/**
 * zocket's WebAssembly XSalsa20-Poly1305 (src/mechanisms/secretbox.wat, secretbox-wasm.ts): byte-exact
 * against @noble/ciphers and libsodium (fast-check: random keys, nonces and lengths, block and window
 * boundaries), NaCl's secretbox test vector, forgeries refused, streaming updates of any split, and the
 * committed generated module equal to what the .wat assembles to.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import sodium from "libsodium-wrappers";
import { loadWasmSecretbox, secretboxExportsSync, type WasmSecretbox } from "../../../src/mechanisms/secretbox-wasm.ts";
import { boxBackend, loadFastBox, openMessage, sealMessage } from "../../../src/mechanisms/curve-crypto.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

let box: WasmSecretbox;
const loaded = (async () => {
  await sodium.ready;
  const w = await loadWasmSecretbox();
  assert.ok(w, "the WebAssembly module loads (Node 20 has WebAssembly SIMD)");
  box = w;
})();

const nobleSeal = (k: Uint8Array, n: Uint8Array, m: Uint8Array): Uint8Array => xsalsa20poly1305(k, n).encrypt(m);

/** Lengths around the 16-byte MAC blocks, the 64-byte Salsa20 blocks, the 512-byte windows and the chunk. */
const EDGES = [
  0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 223, 224, 225, 479, 480, 481, 495, 496, 497, 511, 512, 513, 991, 992, 993,
  1024, 1025, 4096, 65535, 65536, 65537, 126_975, 126_976, 126_977, 126_978, 253_951, 253_952, 253_953,
];

test("secretbox-wasm: the committed module is what secretbox.wat assembles to", () => {
  const script = fileURLToPath(new URL("../../../scripts/build-wasm.mjs", import.meta.url));
  const r = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
});

test("secretbox-wasm: NaCl's crypto_secretbox test vector", async () => {
  await loaded;
  const key = hex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");
  const nonce = hex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
  const m =
    hex(`be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01
    233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c
    60902e52f0a089bc76897040e082f937763848645e0705`);
  const c =
    hex(`f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c
    98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb373
    2bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5`);
  assert.equal(m.length, 131);
  assert.deepEqual(box.seal(key, nonce, m), c);
  assert.deepEqual(box.open(key, nonce, c), m);
});

test("secretbox-wasm: equals noble and libsodium at every edge length", async () => {
  await loaded;
  for (const len of EDGES) {
    const k = sodium.randombytes_buf(32);
    const n = sodium.randombytes_buf(24);
    const m = sodium.randombytes_buf(len);
    const sealed = box.seal(k, n, m);
    assert.deepEqual(sealed, nobleSeal(k, n, m), `noble, length ${len}`);
    assert.deepEqual(sealed, sodium.crypto_secretbox_easy(m, n, k), `libsodium, length ${len}`);
    assert.deepEqual(box.open(k, n, sealed), m, `open, length ${len}`);
  }
});

test("secretbox-wasm: random keys, nonces and lengths 0..70,000 (fast-check)", async () => {
  await loaded;
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 24, maxLength: 24 }),
      fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.constantFrom(...EDGES.filter((l) => l <= 70_000))),
      fc.integer({ min: 0, max: 255 }),
      (k, n, len, fill) => {
        const m = new Uint8Array(len);
        for (let i = 0; i < len; i++) m[i] = (fill + i * 31) & 0xff;
        const sealed = box.seal(k, n, m);
        assert.deepEqual(sealed, nobleSeal(k, n, m));
        assert.deepEqual(sealed, sodium.crypto_secretbox_easy(m, n, k));
        assert.deepEqual(box.open(k, n, sealed), m);
      },
    ),
    { numRuns: 150 },
  );
});

test("secretbox-wasm: a box with any byte changed, or cut short, does not open", async () => {
  await loaded;
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 1200 }),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (m, pos, flip) => {
        const k = sodium.randombytes_buf(32);
        const n = sodium.randombytes_buf(24);
        const sealed = box.seal(k, n, m);
        const bad = sealed.slice();
        bad[pos % bad.length] = bad[pos % bad.length]! ^ flip;
        assert.equal(box.open(k, n, bad), undefined);
        assert.equal(box.open(k, n, sealed.subarray(0, sealed.length - 1)), undefined);
        assert.equal(
          box.open(
            k,
            n.map((b, i) => (i === 23 ? b ^ 1 : b)),
            sealed,
          ),
          undefined,
        );
      },
    ),
    { numRuns: 200 },
  );
  assert.equal(box.open(new Uint8Array(32), new Uint8Array(24), new Uint8Array(15)), undefined);
});

test("secretbox-wasm: large boxes pass through the data region in chunks", async () => {
  await loaded;
  for (const len of [300_000, 1024 * 1024 + 7]) {
    const k = sodium.randombytes_buf(32);
    const n = sodium.randombytes_buf(24);
    const m = sodium.randombytes_buf(len);
    const sealed = box.seal(k, n, m);
    assert.deepEqual(sealed, sodium.crypto_secretbox_easy(m, n, k));
    assert.deepEqual(box.open(k, n, sealed), m);
    sealed[sealed.length - 1] = sealed[sealed.length - 1]! ^ 1;
    assert.equal(box.open(k, n, sealed), undefined);
  }
});

test("secretbox-wasm: the raw stream API gives the same box for any split of the updates", () => {
  const e = secretboxExportsSync();
  assert.ok(e);
  const heap = new Uint8Array(e.memory.buffer);
  const d = e.data.value + 16;
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 24, maxLength: 24 }),
      fc.uint8Array({ minLength: 0, maxLength: 3000 }),
      fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 12 }),
      (k, n, m, cuts) => {
        const expected = nobleSeal(k, n, m);
        heap.set(k, 576);
        heap.set(n, 608);
        heap.set(m, d);
        e.start();
        let at = 0;
        for (let i = 0; at < m.length; i++) {
          const step = Math.min(cuts[i % cuts.length]!, m.length - at);
          e.seal_update(d + at, step);
          at += step;
        }
        e.seal_final(d - 16);
        assert.deepEqual(heap.slice(d - 16, d + m.length), expected);
        e.start();
        at = 0;
        for (let i = 0; at < m.length; i++) {
          const step = Math.min(cuts[(i + 1) % cuts.length]!, m.length - at);
          e.open_update(d + at, step);
          at += step;
        }
        assert.equal(e.open_final(d - 16), 0);
        assert.deepEqual(heap.slice(d, d + m.length), m);
      },
    ),
    { numRuns: 200 },
  );
});

test("secretbox-wasm: curve-crypto uses it, and MESSAGE bodies round-trip against noble", async () => {
  await loadFastBox();
  assert.equal(boxBackend(), "wasm-simd");
  for (const len of [0, 7, 1023, 65_536, 200_000]) {
    const k = sodium.randombytes_buf(32);
    const n = sodium.randombytes_buf(24);
    const payload = sodium.randombytes_buf(len);
    const body = sealMessage(k, n, 0x01, payload);
    assert.equal(body.length, 33 + len);
    const plain = Uint8Array.of(0x01, ...(len <= 65_536 ? payload : []));
    if (len <= 65_536) assert.deepEqual(body.subarray(16), Buffer.from(nobleSeal(k, n, plain)));
    const forged = Buffer.from(body);
    // Opened in place: the plaintext is a view of the body, over the ciphertext.
    const opened = openMessage(k, n, body);
    assert.ok(opened);
    assert.equal(opened.buffer, body.buffer);
    assert.equal(opened[0], 0x01);
    assert.deepEqual(opened.subarray(1), Buffer.from(payload));
    forged[forged.length - 1] = forged[forged.length - 1]! ^ 0x80;
    assert.equal(openMessage(k, n, forged), undefined);
  }
});

test("secretbox-wasm: MESSAGE boxes of one codec reuse the subkey; other boxes in between do not disturb it", async () => {
  await loaded;
  // As a MessageCodec does: one key object and one nonce buffer per direction, the counter half rewritten.
  const dirs = [0, 1].map(() => ({ key: sodium.randombytes_buf(32), nonce: Buffer.from(sodium.randombytes_buf(24)) }));
  for (let i = 0; i < 60; i++) {
    const dir = dirs[i % 3 === 0 ? 1 : 0]!;
    dir.nonce.writeUInt32BE(i, 20);
    const payload = sodium.randombytes_buf([0, 5, 63, 64, 200, 5000][i % 6]!);
    const body = box.sealMessage(dir.key, dir.nonce, 0x02, payload, Buffer.alloc(33 + payload.length));
    const expected = nobleSeal(dir.key, dir.nonce, Uint8Array.of(0x02, ...payload));
    assert.deepEqual(body.subarray(16), Buffer.from(expected), `message ${i}`);
    if (i % 7 === 0) box.seal(sodium.randombytes_buf(32), sodium.randombytes_buf(24), payload); // a handshake box
    const opened = box.openMessage(dir.key, dir.nonce, Buffer.from(body));
    assert.ok(opened, `message ${i} opens`);
    assert.deepEqual(opened.subarray(1), Buffer.from(payload));
  }
});
