/**
 * The fuzzer's machinery (`npm run fuzz`, test/fuzz/run.ts): a seeded PRNG, mutations of valid inputs
 * (byte-level and, through each target's own `structured` generator, structure-aware), the corpus of
 * regression inputs, and the loop that runs a target over its inputs.
 *
 * A target is a parser plus what it may legitimately throw: any other exception, or a broken invariant
 * the target checks itself (a round trip, chunking that changes the result), is a finding. Findings are
 * written to the target's corpus directory, so they run first, every time, from then on.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** xorshift128+ on two 32-bit halves: fast, seeded, reproducible (not for cryptography). */
export class Rng {
  #a: number;
  #b: number;

  constructor(seed: number, stream = 0) {
    this.#a = (seed ^ 0x9e3779b9) >>> 0 || 1;
    this.#b = (Math.imul(stream + 1, 0x85ebca6b) ^ seed) >>> 0 || 2;
    for (let i = 0; i < 8; i++) this.u32();
  }

  u32(): number {
    let x = this.#a;
    const y = this.#b;
    this.#a = y;
    x ^= x << 23;
    x ^= x >>> 17;
    x ^= y ^ (y >>> 26);
    this.#b = x >>> 0;
    return (this.#b + y) >>> 0;
  }

  /** 0 <= n < max. */
  int(max: number): number {
    return max <= 1 ? 0 : this.u32() % max;
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

/** Values that break parsers more often than random ones: boundaries of 8, 16, 32 and 64-bit fields. */
const INTERESTING = [0x00, 0x01, 0x02, 0x04, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x10, 0x20, 0x40];
const INTERESTING_32 = [
  0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
];

/** One random byte-level mutation of `input` (a new buffer; the input is not changed). */
export function mutate(rng: Rng, input: Buffer, others: readonly Buffer[]): Buffer {
  const b = Buffer.from(input);
  const n = b.length;
  switch (rng.int(12)) {
    case 0: // flip one bit
      if (n > 0) b[rng.int(n)]! ^= 1 << rng.int(8);
      return b;
    case 1: // one byte to an interesting value
      if (n > 0) b[rng.int(n)] = rng.pick(INTERESTING);
      return b;
    case 2: // one byte to a random value
      if (n > 0) b[rng.int(n)] = rng.int(256);
      return b;
    case 3: {
      // a 32-bit field to an interesting value, either byte order
      if (n < 4) return b;
      const at = rng.int(n - 3);
      const v = rng.pick(INTERESTING_32);
      if (rng.chance(0.5)) b.writeUInt32BE(v, at);
      else b.writeUInt32LE(v, at);
      return b;
    }
    case 4: // truncate
      return b.subarray(0, rng.int(n + 1));
    case 5: {
      // delete a range
      const at = rng.int(n + 1);
      const len = rng.int(Math.min(16, n - at) + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
    }
    case 6: {
      // insert random bytes
      const at = rng.int(n + 1);
      return Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(16)), b.subarray(at)]);
    }
    case 7: {
      // duplicate a range (repeated fields, replayed frames)
      const at = rng.int(n + 1);
      const len = rng.int(Math.min(64, n - at) + 1);
      const piece = b.subarray(at, at + len);
      return Buffer.concat([b.subarray(0, at + len), piece, b.subarray(at + len)]);
    }
    case 8: {
      // splice: the head of this input, the tail of another
      const other = others.length > 0 ? rng.pick(others) : b;
      return Buffer.concat([b.subarray(0, rng.int(n + 1)), other.subarray(rng.int(other.length + 1))]);
    }
    case 9: // append random bytes
      return Buffer.concat([b, rng.bytes(1 + rng.int(32))]);
    case 10: {
      // overwrite a range with one byte (runs of zeros, of 0xff)
      const at = rng.int(n + 1);
      b.fill(rng.pick(INTERESTING), at, at + rng.int(Math.min(32, n - at) + 1));
      return b;
    }
    default: {
      // swap two bytes
      if (n < 2) return b;
      const i = rng.int(n);
      const j = rng.int(n);
      const t = b[i]!;
      b[i] = b[j]!;
      b[j] = t;
      return b;
    }
  }
}

/** What a target is. `run` throws only for a finding: expected rejections are caught inside it. */
export interface Target {
  readonly name: string;
  /** What is fuzzed, for the report. */
  readonly about: string;
  /** Valid inputs to mutate (built once, deterministically). */
  seeds(): Buffer[];
  /** A structure-aware input: valid framing around random or edge-case content (optional). */
  structured?(rng: Rng): Buffer;
  /** Parse one input; throw only when something is wrong with the parser (see the module comment). */
  run(input: Buffer, rng: Rng): void;
}

/** How the inputs of one run are made: a third each from mutated seeds, structured inputs, random bytes. */
export function nextInput(t: Target, rng: Rng, seeds: readonly Buffer[]): Buffer {
  const kind = rng.int(t.structured ? 3 : 2);
  if (kind === 0 && seeds.length > 0) {
    let b = rng.pick(seeds);
    const rounds = 1 + (rng.chance(0.7) ? 0 : rng.int(8));
    for (let i = 0; i < rounds; i++) b = mutate(rng, b, seeds);
    return b;
  }
  if (kind === 2 && t.structured) {
    const b = t.structured(rng);
    return rng.chance(0.5) ? b : mutate(rng, b, seeds);
  }
  return rng.bytes(rng.int(rng.chance(0.9) ? 96 : 1024));
}

// ---------------------------------------------------------------------------------------- corpus

export const CORPUS_DIR = join(import.meta.dirname, "corpus");

/** The regression inputs of a target: corpus/<target>/*.hex, one input per file, hex (whitespace ignored). */
export function corpusOf(target: string): Array<{ file: string; input: Buffer }> {
  const dir = join(CORPUS_DIR, target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".hex"))
    .sort()
    .map((f) => ({
      file: join(dir, f),
      input: Buffer.from(readFileSync(join(dir, f), "utf8").replace(/\s+/g, ""), "hex"),
    }));
}

/** Keep a finding: corpus/<target>/finding-<hash>.hex. Returns the file. */
export function saveFinding(target: string, input: Buffer): string {
  const dir = join(CORPUS_DIR, target);
  mkdirSync(dir, { recursive: true });
  const name = `finding-${createHash("sha256").update(input).digest("hex").slice(0, 16)}.hex`;
  const file = join(dir, name);
  const hex = input.toString("hex").replace(/(.{64})/g, "$1\n");
  writeFileSync(file, `${hex}\n`);
  return file;
}

export interface Finding {
  input: Buffer;
  error: unknown;
  /** Where it came from: a corpus file, or "seed S input I". */
  origin: string;
}

export interface RunReport {
  target: string;
  inputs: number;
  corpus: number;
  ms: number;
  findings: Finding[];
}

/**
 * Run a target: its corpus first, then `inputs` generated inputs (seeded by `seed` and the target's name),
 * or as many as fit in `maxMs`. Stops at the first `maxFindings` findings.
 */
export function runTarget(
  t: Target,
  opts: { seed: number; inputs: number; maxMs: number; maxFindings?: number },
): RunReport {
  const findings: Finding[] = [];
  const maxFindings = opts.maxFindings ?? 5;
  const t0 = performance.now();
  const stream = nameHash(t.name);
  const corpus = corpusOf(t.name);
  const rng0 = new Rng(opts.seed, stream);
  for (const c of corpus) {
    try {
      t.run(c.input, rng0);
    } catch (error) {
      findings.push({ input: c.input, error, origin: c.file });
    }
  }
  const seeds = t.seeds();
  // Every seed must parse without a finding, or the mutations start from something already broken.
  for (const s of seeds) {
    try {
      t.run(s, rng0);
    } catch (error) {
      findings.push({ input: s, error, origin: "seed" });
    }
  }
  let i = 0;
  const rng = new Rng(opts.seed, stream + 1);
  for (; i < opts.inputs && findings.length < maxFindings; i++) {
    if ((i & 1023) === 0 && performance.now() - t0 > opts.maxMs) break;
    const input = nextInput(t, rng, seeds);
    try {
      t.run(input, rng);
    } catch (error) {
      findings.push({ input, error, origin: `seed ${opts.seed} input ${i}` });
    }
  }
  return { target: t.name, inputs: i, corpus: corpus.length, ms: performance.now() - t0, findings };
}

function nameHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Run `fn`, swallowing only the errors `expected` accepts. */
export function expectOnly(fn: () => void, expected: (err: unknown) => boolean): void {
  try {
    fn();
  } catch (err) {
    if (!expected(err)) throw err;
  }
}
