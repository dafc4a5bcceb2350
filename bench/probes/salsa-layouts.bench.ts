/**
 * Three ways to speed up CURVE's box that were measured and not kept (run: `npx tsx
 * bench/probes/salsa-layouts.bench.ts`, ~30 s; needs the `wabt` devDependency, not `dist/`).
 *
 * The box (src/mechanisms/secretbox.wat) computes Salsa20 four blocks at a time, block j in lane j of
 * sixteen i32x4 vectors (the "transposed" layout), and absorbs Poly1305 blocks, one serial chain, inside
 * the rounds. This probe builds variants from the committed .wat's own text, checks them, and times them:
 *
 *  1. Salsa20 in the row layout: a block is four vectors holding its diagonals, a quarter round is four
 *     vector steps and the row round needs lane rotations; 2, 3 or 4 blocks interleaved, the input's diagonals
 *     made by shuffles in each call or (3 blocks) loaded from memory. Rounds alone
 *     against the committed $core4, then the whole box with $core8 rebuilt of row-layout sets (3 + 3 + 2
 *     blocks, the MAC absorbed one block per half round), sealing 64 KiB: its bytes must equal the
 *     committed module's.
 *  2. Poly1305 as two independent chains (even and odd blocks, as an r^2 scheme would run them) against the
 *     committed single chain: MAC alone, timing only (the two chains are not folded into one tag).
 *  3. Rotations by 7, 9 or 18 in the committed $core4 as a byte shuffle (rotate by 8 or 16) plus one bit
 *     shift and adds: fewer vector shifts (Zen 2 has one vector shift unit) for more shuffles and adds.
 *
 * Results and what they mean: docs/performance.md, "Tried and not kept".
 */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import wabt from "wabt";
import { SECRETBOX_WASM } from "../../src/mechanisms/secretbox-wasm.generated.ts";

const WAT = readFileSync(new URL("../../src/mechanisms/secretbox.wat", import.meta.url), "utf8");
const LINES = WAT.split("\n");

/** The committed $core4's MAC step: `(if (local.get $mn) (then ... absorb one block ...))`. */
const ABSORB = ((): string => {
  const core4 = LINES.findIndex((l) => l.startsWith("  (func $core4"));
  const from = LINES.findIndex((l, i) => i > core4 && l.trim().startsWith("(if (local.get $mn)"));
  const to = LINES.findIndex((l, i) => i > from && l.includes("(local.set $mn (i32.sub"));
  return LINES.slice(from, to + 1).join("\n");
})();
const funcText = (name: string): string => {
  const at = WAT.indexOf(`  (func ${name} `);
  return WAT.slice(at, WAT.indexOf("\n\n", at)); // up to the blank line that ends it
};

const lanes = (ls: number[]): string => ls.map((l) => [0, 1, 2, 3].map((k) => l * 4 + k).join(" ")).join(" ");
const v = (n: string, b: number): string => `$v${n}${b}`;

/** TPL's row k (words 4k .. 4k+3). */
const row = (k: number): string => `(v128.load offset=${16 * k} (i32.const 0))`;
/** The vector (row p word 0, row q word 1, row s word 2, row t word 3): one diagonal of the input. */
const diagonal = (p: number, q: number, s: number, t: number): string =>
  `(i8x16.shuffle ${lanes([0, 1, 6, 7])} (i8x16.shuffle ${lanes([0, 5, 2, 3])} ${row(p)} ${row(q)}) ` +
  `(i8x16.shuffle ${lanes([0, 1, 2, 7])} ${row(s)} ${row(t)}))`;

/**
 * $rows{B}(mp, mn, out, xor, first): $core4's contract for B blocks in the row layout, absorbing MAC blocks
 * if `mac`. The input's diagonals are computed from TPL by shuffles, or with `diagAt` loaded from there
 * (whoever calls the function has stored them).
 */
function rows(B: number, mac: boolean, diagAt = 0): string {
  const L: string[] = [];
  const vecs: string[] = [];
  for (let b = 0; b < B; b++) for (const n of "abcd") vecs.push(`(local ${v(n, b)} v128)`);
  for (let b = 0; b < B; b++) vecs.push(`(local $t${b} v128)`);
  L.push(`(func $rows${B} (param $mp i32) (param $mn i32) (param $out i32) (param $xor i32) (param $first i32)`);
  L.push(vecs.join(" "), "(local $ia v128) (local $ib v128) (local $ic v128) (local $id v128) (local $u v128)");
  L.push("(local $mask v128) (local $i i32) (local $lo i64) (local $hi i64)");
  const macLocals = ["r0", "r1", "r2", "r3", "r4", "s1", "s2", "s3", "s4", "h0", "h1", "h2", "h3", "h4"];
  L.push([...macLocals, "d0", "d1", "d2", "d3", "d4"].map((n) => `(local $${n} i64)`).join(" "));
  if (mac) macLocals.forEach((n, k) => L.push(`(local.set $${n} (i64.load offset=${656 + 8 * k} (i32.const 0)))`));
  // Diagonals of the input rows r0..r3: a (x0 x5 x10 x15), b (x4 x9 x14 x3), c (x8 x13 x2 x7), d (x12 x1 x6 x11).
  const init = (): void => {
    if (diagAt) {
      L.push(
        `(local.set $ia (v128.load offset=${diagAt} (i32.const 0))) (local.set $ib (v128.load offset=${diagAt + 16} (i32.const 0)))`,
      );
      L.push(`(local.set $id (v128.load offset=${diagAt + 48} (i32.const 0)))`);
      L.push(
        `(local.set $ic (i32x4.add (v128.load offset=${diagAt + 32} (i32.const 0)) (i32x4.replace_lane 0 (v128.const i64x2 0 0) (local.get $first))))`,
      );
      return;
    }
    L.push(
      `(local.set $ia ${diagonal(0, 1, 2, 3)}) (local.set $ib ${diagonal(1, 2, 3, 0)}) (local.set $id ${diagonal(3, 0, 1, 2)})`,
    );
    L.push(
      `(local.set $ic (i32x4.add ${diagonal(2, 3, 0, 1)} (i32x4.replace_lane 0 (v128.const i64x2 0 0) (local.get $first))))`,
    );
  };
  init();
  const ctr = (b: number): string => `(i32x4.add (local.get $ic) (v128.const i32x4 ${b} 0 0 0))`;
  for (let b = 0; b < B; b++) {
    L.push(`(local.set ${v("a", b)} (local.get $ia)) (local.set ${v("b", b)} (local.get $ib))`);
    L.push(`(local.set ${v("c", b)} ${ctr(b)}) (local.set ${v("d", b)} (local.get $id))`);
  }
  const step = (b: number, dst: string, x: string, y: string, k: number): string =>
    `(local.set ${v(dst, b)} (v128.xor (local.get ${v(dst, b)}) (v128.or (i32x4.shl (local.tee $t${b} ` +
    `(i32x4.add (local.get ${v(x, b)}) (local.get ${v(y, b)}))) (i32.const ${k})) (i32x4.shr_u (local.get $t${b}) (i32.const ${32 - k})))))`;
  const rotate = (b: number, n: string, to: number[]): string =>
    `(local.set ${v(n, b)} (i8x16.shuffle ${lanes(to)} (local.get ${v(n, b)}) (local.get ${v(n, b)})))`;
  const half = (steps: [string, string, string, number][]): void => {
    if (mac) L.push(ABSORB);
    for (const [dst, x, y, k] of steps) for (let b = 0; b < B; b++) L.push(step(b, dst, x, y, k));
  };
  L.push("(local.set $i (i32.const 10))", "(loop $doubleround");
  half([
    ["b", "a", "d", 7],
    ["c", "b", "a", 9],
    ["d", "c", "b", 13],
    ["a", "d", "c", 18],
  ]);
  // The row round's vectors: b (x3 x4 x9 x14), c (x2 x7 x8 x13), d (x1 x6 x11 x12).
  for (let b = 0; b < B; b++)
    L.push(rotate(b, "b", [3, 0, 1, 2]), rotate(b, "c", [2, 3, 0, 1]), rotate(b, "d", [1, 2, 3, 0]));
  half([
    ["d", "a", "b", 7],
    ["c", "d", "a", 9],
    ["b", "c", "d", 13],
    ["a", "b", "c", 18],
  ]);
  for (let b = 0; b < B; b++)
    L.push(rotate(b, "b", [1, 2, 3, 0]), rotate(b, "c", [2, 3, 0, 1]), rotate(b, "d", [3, 0, 1, 2]));
  L.push("(br_if $doubleround (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))");
  if (mac)
    ["h0", "h1", "h2", "h3", "h4"].forEach((n, k) =>
      L.push(`(i64.store offset=${728 + 8 * k} (i32.const 0) (local.get $${n}))`),
    );
  // Add the input, back to rows: r0 (a0 d1 c2 b3), r1 (b0 a1 d2 c3), r2 (c0 b1 a2 d3), r3 (d0 c1 b2 a3).
  const blend = (x: string, y: string): string =>
    `(i8x16.shuffle ${lanes([0, 5, 2, 7])} (local.get ${x}) (local.get ${y}))`;
  const put = (b: number, off: number, to: number[]): string =>
    `(v128.store offset=${64 * b + off} (local.get $out) (v128.xor (v128.and (v128.load offset=${64 * b + off} ` +
    `(local.get $out)) (local.get $mask)) (i8x16.shuffle ${lanes(to)} (local.get $t${b}) (local.get $u))))`;
  // The mask and the input's diagonals only now: live through the rounds, they would take registers the
  // twelve state vectors and three temporaries need (x86-64 has sixteen).
  L.push("(local.set $mask (i32x4.splat (local.get $xor)))");
  init();
  for (let b = 0; b < B; b++) {
    const [A, Bv, C, D] = ["a", "b", "c", "d"].map((n) => v(n, b)) as [string, string, string, string];
    L.push(
      `(local.set ${A} (i32x4.add (local.get ${A}) (local.get $ia))) (local.set ${Bv} (i32x4.add (local.get ${Bv}) (local.get $ib)))`,
    );
    L.push(
      `(local.set ${C} (i32x4.add (local.get ${C}) ${ctr(b)})) (local.set ${D} (i32x4.add (local.get ${D}) (local.get $id)))`,
    );
    L.push(
      `(local.set $t${b} ${blend(A, D)}) (local.set $u ${blend(C, Bv)})`,
      put(b, 0, [0, 1, 6, 7]),
      put(b, 32, [4, 5, 2, 3]),
    );
    L.push(
      `(local.set $t${b} ${blend(Bv, A)}) (local.set $u ${blend(D, C)})`,
      put(b, 16, [0, 1, 6, 7]),
      put(b, 48, [4, 5, 2, 3]),
    );
  }
  return L.join("\n") + ")";
}

/** $core8 (same contract) of row-layout sets: blocks 0-2, 3-5 in $rows3, 6-7 in $rows2 (12 + 12 + 8 MAC blocks). */
const CORE8_ROWS = `(func $core8 (param $mp i32) (param $mn i32) (param $dst i32) (local $out i32) (local $xor i32) (local $k i32)
  (local.set $out (select (local.get $dst) (i32.const 64) (local.get $dst)))
  (local.set $xor (select (i32.const -1) (i32.const 0) (local.get $dst)))
  (local.set $k (select (local.get $mn) (i32.const 12) (i32.lt_u (local.get $mn) (i32.const 12))))
  (call $rows3 (local.get $mp) (local.get $k) (local.get $out) (local.get $xor) (i32.const 0))
  (local.set $mp (i32.add (local.get $mp) (i32.shl (local.get $k) (i32.const 4))))
  (local.set $mn (i32.sub (local.get $mn) (local.get $k)))
  (local.set $k (select (local.get $mn) (i32.const 12) (i32.lt_u (local.get $mn) (i32.const 12))))
  (call $rows3 (local.get $mp) (local.get $k) (i32.add (local.get $out) (i32.const 192)) (local.get $xor) (i32.const 3))
  (local.set $mp (i32.add (local.get $mp) (i32.shl (local.get $k) (i32.const 4))))
  (call $rows2 (local.get $mp) (i32.sub (local.get $mn) (local.get $k)) (i32.add (local.get $out) (i32.const 384))
    (local.get $xor) (i32.const 6)))`;

/** Poly1305 alone: the committed chain ("one"), or two independent chains over alternate blocks ("two"). */
function macModule(): string {
  const regs = (suf: string): string =>
    ["h0", "h1", "h2", "h3", "h4", "d0", "d1", "d2", "d3", "d4", "lo", "hi"]
      .map((n) => `(local $${n}${suf} i64)`)
      .join(" ");
  const rename = (s: string, suf: string): string =>
    s.replace(/\$(h[0-4]|d[0-4]|lo|hi)\b/g, (_m, n: string) => `$${n}${suf}`);
  // One block of a chain without the pointer/count update (the two chains advance together).
  const bare = (suf: string): string => {
    const s = rename(ABSORB, suf).replace(/\(local\.set \$mp[^\n]*\n[^\n]*\(local\.set \$mn[^\n]*/, "");
    return s + ")".repeat((s.match(/\(/g) ?? []).length - (s.match(/\)/g) ?? []).length);
  };
  const r = ["r0", "r1", "r2", "r3", "r4", "s1", "s2", "s3", "s4"];
  const rInit =
    r.map((n) => `(local $${n} i64)`).join(" ") +
    r
      .map(
        (n, k) =>
          `(local.set $${n} (i64.const ${k < 5 ? 0x1234567 - k * 0x11111 : 5 * (0x1234567 - (k - 4) * 0x11111)}))`,
      )
      .join(" ");
  const [rDecl, rSet] = [rInit.slice(0, rInit.indexOf("(local.set")), rInit.slice(rInit.indexOf("(local.set"))];
  return `(module (memory (export "memory") 4)
  (func (export "one") (param $mp i32) (param $mn i32) (result i64) ${rDecl} ${regs("")} ${rSet}
    (loop $l ${ABSORB} (br_if $l (local.get $mn))) (i64.add (local.get $h0) (local.get $h4)))
  (func (export "two") (param $mp i32) (param $mn i32) (result i64) ${rDecl} ${regs("A")} ${regs("B")} ${rSet}
    (loop $l ${bare("A")} (local.set $mp (i32.add (local.get $mp) (i32.const 16)))
      ${bare("B")} (local.set $mp (i32.add (local.get $mp) (i32.const 16)))
      (br_if $l (local.tee $mn (i32.sub (local.get $mn) (i32.const 2)))))
    (i64.add (local.get $h0A) (local.get $h4B))))`;
}

/** The exports used here (the TypeScript setup has no WebAssembly lib; see src/mechanisms/secretbox-wasm.ts). */
type Fn = (...a: number[]) => number;
interface Exports {
  memory: { buffer: ArrayBuffer };
  [name: string]: Fn | { buffer: ArrayBuffer };
}
const call = (ex: Exports, name: string, ...args: number[]): number => (ex[name] as Fn)(...args);
const wasm = (
  globalThis as unknown as { WebAssembly: { instantiate(b: Uint8Array): Promise<{ instance: { exports: unknown } }> } }
).WebAssembly;
const w = await wabt();
async function load(text: string): Promise<Exports> {
  const mod = w.parseWat("probe.wat", text, { simd: true, bulk_memory: true });
  try {
    mod.validate();
    const { buffer } = mod.toBinary({});
    return (await wasm.instantiate(buffer)).instance.exports as unknown as Exports;
  } finally {
    mod.destroy();
  }
}

/** Best of several timed rounds, ns per byte. */
function nsPerByte(run: () => void, bytes: number, rounds = 9): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, ((performance.now() - t0) * 1e6) / bytes);
  }
  return best;
}

// 1a. Rounds alone: the committed $core4 (256 bytes a call) against row-layout sets of 2, 3 and 4 blocks.
console.log("Salsa20 rounds alone, ns/B (best of 9), committed $core4 against the row layout:");
for (const [B, at] of [
  [2, 0],
  [3, 0],
  [4, 0],
  [3, 2048],
] as const) {
  const ex = await load(`(module (memory (export "memory") 4) ${funcText("$core4")} ${rows(B, false, at)}
    (func (export "cur") (param $n i32) (loop $l (call $core4 (i32.const 0) (i32.const 0) (i32.const 64) (i32.const 0) (i32.const 0))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
    (func (export "rows") (param $n i32) (loop $l (call $rows${B} (i32.const 0) (i32.const 0) (i32.const 4096) (i32.const 0) (i32.const 0))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))`);
  const words = new Uint32Array(ex.memory.buffer);
  for (let i = 0; i < 16; i++) words[i] = Math.imul(i + 1, 0x9e3779b9) >>> 0;
  const diagonals = [0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11].map((i) => words[i]!);
  if (at) words.set(diagonals, at / 4);
  call(ex, "cur", 1);
  call(ex, "rows", 1);
  for (let j = 0; j < Math.min(B, 4); j++) {
    for (let k = 0; k < 16; k++) {
      if (words[16 + 16 * j + k] !== words[1024 + 16 * j + k]) throw new Error(`row layout ${B}: block ${j} differs`);
    }
  }
  const n = 20_000;
  const cur = nsPerByte(() => call(ex, "cur", n), n * 256);
  const alt = nsPerByte(() => call(ex, "rows", Math.round((n * 4) / B)), Math.round((n * 4) / B) * 64 * B);
  const how = at ? "diagonals from memory" : "diagonals by shuffles";
  console.log(
    `  ${B} blocks, ${how}: committed ${cur.toFixed(3)}, row layout ${alt.toFixed(3)} (${(cur / alt).toFixed(2)}×)`,
  );
}

// 1b. The whole box, sealing 64 KiB: committed module against $core8 rebuilt of row-layout sets.
const s8 = WAT.indexOf("  ;; Salsa20/20 of eight consecutive blocks");
const e4 = WAT.indexOf(";; Key and nonce -> the XSalsa20");
const committed = (await wasm.instantiate(Buffer.from(SECRETBOX_WASM, "base64"))).instance
  .exports as unknown as Exports;
const rowBox = await load(WAT.slice(0, s8) + CORE8_ROWS + rows(3, true) + rows(2, true) + WAT.slice(e4));
// The same with the diagonals computed once per window into free memory (832..896) and loaded by the sets.
const diagWindow = [
  [0, 1, 2, 3],
  [1, 2, 3, 0],
  [2, 3, 0, 1],
  [3, 0, 1, 2],
]
  .map(([p, q, r, t], k) => `(v128.store offset=${832 + 16 * k} (i32.const 0) ${diagonal(p!, q!, r!, t!)})`)
  .join(" ");
const rowBoxMem = await load(
  WAT.slice(0, s8) +
    CORE8_ROWS.replace("(local.set $out", `${diagWindow} (local.set $out`) +
    rows(3, true, 832) +
    rows(2, true, 832) +
    WAT.slice(e4),
);
const key = randomBytes(32);
const nonce = randomBytes(24);
const msg = randomBytes(65536);
const seal = (ex: Exports, times: number): Buffer => {
  const mem = new Uint8Array(ex.memory.buffer);
  mem.set(key, 576);
  mem.set(nonce, 608);
  for (let i = 0; i < times; i++) {
    mem.set(msg, 1024);
    call(ex, "start");
    call(ex, "seal_update", 1024, msg.length);
    call(ex, "seal_final", 0);
  }
  return Buffer.concat([mem.subarray(0, 16), mem.subarray(1024, 1024 + msg.length)]);
};
if (!seal(committed, 1).equals(seal(rowBox, 1))) throw new Error("row-layout box differs from the committed one");
if (!seal(committed, 1).equals(seal(rowBoxMem, 1)))
  throw new Error("row-layout box (memory) differs from the committed one");
console.log("Sealing 64 KiB (the same bytes), ns/B (best of 9):");
for (let k = 0; k < 3; k++) {
  const a = nsPerByte(() => seal(committed, 50), 50 * 65536);
  const b = nsPerByte(() => seal(rowBox, 50), 50 * 65536);
  const c = nsPerByte(() => seal(rowBoxMem, 50), 50 * 65536);
  console.log(
    `  committed ${a.toFixed(3)}, row layout ${b.toFixed(3)} (${(a / b).toFixed(2)}×), ` +
      `diagonals from memory ${c.toFixed(3)} (${(a / c).toFixed(2)}×)`,
  );
}

// 2. Poly1305 alone: one chain against two.
const mac = await load(macModule());
console.log("Poly1305 alone over 64 KiB, ns/B (best of 9):");
for (let k = 0; k < 3; k++) {
  const one = nsPerByte(() => call(mac, "one", 1024, 4096), 65536);
  const two = nsPerByte(() => call(mac, "two", 1024, 4096), 65536);
  console.log(`  one chain ${one.toFixed(3)}, two chains ${two.toFixed(3)} (${(one / two).toFixed(2)}×)`);
}

// 3. Rotations partly by byte shuffles, in the committed box.
const ROTATION =
  /\(i32x4\.shl \(local\.tee \$t (\(i32x4\.add \(local\.get \$x\d+\) \(local\.get \$x\d+\)\))\) \(i32\.const (\d+)\)\)\s*\(i32x4\.shr_u \(local\.get \$t\) \(i32\.const \d+\)\)/g;
const ROTL8 = "3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14";
const ROTL16 = "2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13";
/** The two operands of the `v128.or` that rotates e left by k, without i32x4.shl where a shuffle can stand in. */
const byShuffle: Record<number, (e: string) => string> = {
  // rotl 9 = rotl 1 of rotl 8; rotl 1 = (y + y) | y >>> 31
  9: (e) =>
    `(i32x4.add (local.tee $t (i8x16.shuffle ${ROTL8} (local.tee $t ${e}) (local.get $t))) (local.get $t)) (i32x4.shr_u (local.get $t) (i32.const 31))`,
  // rotl 18 = rotl 2 of rotl 16; y << 2 = (y + y) + (y + y)
  18: (e) =>
    `(i32x4.add (local.tee $u (i32x4.add (local.tee $t (i8x16.shuffle ${ROTL16} (local.tee $t ${e}) (local.get $t))) (local.get $t))) (local.get $u)) (i32x4.shr_u (local.get $t) (i32.const 30))`,
  // rotl 7 = rotr 1 of rotl 8
  7: (e) =>
    `(i32x4.shr_u (local.tee $t (i8x16.shuffle ${ROTL8} (local.tee $t ${e}) (local.get $t))) (i32.const 1)) (i32x4.shl (local.get $t) (i32.const 31))`,
};
console.log("Sealing 64 KiB with rotations partly by byte shuffles, ns/B (best of 9):");
for (const k of [7, 9, 18]) {
  const text = WAT.replace(ROTATION, (m, e: string, by: string) => (Number(by) === k ? byShuffle[k]!(e) : m)).replace(
    "(local $t v128) (local $mask v128)",
    "(local $t v128) (local $u v128) (local $mask v128)",
  );
  const box = await load(text);
  if (!seal(committed, 1).equals(seal(box, 1))) throw new Error(`rotation by ${k}: the box differs`);
  const a = nsPerByte(() => seal(committed, 50), 50 * 65536);
  const b = nsPerByte(() => seal(box, 50), 50 * 65536);
  console.log(`  rotl ${k}: committed ${a.toFixed(3)}, by shuffle ${b.toFixed(3)} (${(a / b).toFixed(2)}×)`);
}
