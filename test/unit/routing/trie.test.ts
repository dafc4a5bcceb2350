// The subscription tries (src/routing/trie.ts) against naive models, by example and with fast-check.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MultiTrie, Trie } from "../../../src/routing/trie.ts";

const b = (s: string): Buffer => Buffer.from(s, "latin1");
const key = (x: Uint8Array): string => Buffer.from(x).toString("latin1");

test("Trie counts subscriptions: two subscribes need two cancels", () => {
  const t = new Trie();
  assert.equal(t.add(b("abc")), true);
  assert.equal(t.add(b("abc")), false);
  assert.equal(t.count(b("abc")), 2);
  assert.equal(t.check(b("abcdef")), true);
  assert.equal(t.rm(b("abc")), false);
  assert.equal(t.check(b("abcdef")), true);
  assert.equal(t.rm(b("abc")), true);
  assert.equal(t.check(b("abcdef")), false);
  assert.equal(t.rm(b("abc")), false, "cancel of a topic not held");
  assert.equal(t.size, 0);
});

test("Trie prefix matching: the empty prefix matches everything; longer topics do not match shorter data", () => {
  const t = new Trie();
  t.add(b("ab"));
  t.add(b("abcd"));
  assert.equal(t.check(b("a")), false);
  assert.equal(t.check(b("ab")), true);
  assert.equal(t.check(b("abc")), true);
  assert.equal(t.check(b("b")), false);
  assert.equal(t.check(b("")), false);
  t.rm(b("ab"));
  assert.equal(t.check(b("abc")), false);
  assert.equal(t.check(b("abcde")), true);
  t.add(b(""));
  assert.equal(t.check(b("")), true);
  assert.equal(t.check(b("zzz")), true);
  assert.deepEqual(collect(t), ["", "abcd"]);
});

test("Trie splits and merges edges (shared prefixes, binary bytes)", () => {
  const t = new Trie();
  const topics = ["topic.1", "topic.10", "topic.2", "top", "t", "\x00\x01", "\x00", "\xff\xfe"];
  for (const s of topics) t.add(b(s));
  assert.deepEqual(collect(t), [...topics].sort());
  for (const s of ["topic.10", "t", "\x00"]) assert.equal(t.rm(b(s)), true);
  assert.deepEqual(collect(t), ["\x00\x01", "top", "topic.1", "topic.2", "\xff\xfe"]);
  assert.equal(t.check(b("topic.100")), true); // via "top" and "topic.1"
  assert.equal(t.check(b("tx")), false);
  for (const s of ["topic.1", "topic.2", "top", "\x00\x01", "\xff\xfe"]) assert.equal(t.rm(b(s)), true);
  assert.equal(t.size, 0);
  assert.deepEqual(collect(t), []);
});

test("Trie copies keys: reusing the caller's buffer changes nothing", () => {
  const t = new Trie();
  const k = b("abc");
  t.add(k);
  k.write("xyz");
  assert.equal(t.check(b("abc")), true);
  assert.equal(t.check(b("xyz")), false);
});

test("MultiTrie: holders per prefix as a set; rm reports notFound / valuesRemain / lastRemoved", () => {
  const m = new MultiTrie<string>();
  assert.equal(m.add(b("a"), "p1"), true);
  assert.equal(m.add(b("a"), "p1"), false, "same holder again: not counted (libzmq mtrie)");
  assert.equal(m.add(b("a"), "p2"), false);
  assert.equal(m.add(b("ab"), "p2"), true);
  assert.deepEqual(matched(m, "abc"), ["p1", "p2", "p2"]);
  assert.deepEqual(matched(m, "b"), []);
  assert.equal(m.rm(b("a"), "p3"), "notFound");
  assert.equal(m.rm(b("zz"), "p1"), "notFound");
  assert.equal(m.rm(b("a"), "p1"), "valuesRemain");
  assert.equal(m.rm(b("a"), "p2"), "lastRemoved");
  assert.deepEqual(matched(m, "abc"), ["p2"]);
  const seen: Array<[string, boolean]> = [];
  m.add(b("x"), "p2");
  m.add(b("x"), "p3");
  m.rmAll("p2", (k, last) => seen.push([key(k), last]));
  assert.deepEqual(seen, [
    ["ab", true],
    ["x", false],
  ]);
  assert.equal(m.size, 1);
  assert.deepEqual(matched(m, "xyz"), ["p3"]);
});

function collect(t: Trie): string[] {
  const out: string[] = [];
  t.apply((k) => out.push(key(k)));
  return out;
}

function matched<T>(m: MultiTrie<T>, data: string): T[] {
  const out: T[] = [];
  m.match(b(data), (h) => out.push(h));
  return out;
}

// ------------------------------------------------------------------ properties vs naive models

/** Short keys over a tiny alphabet, so that prefixes, splits and merges happen all the time. */
const keyArb = fc.uint8Array({ minLength: 0, maxLength: 6 }).map((a) => Buffer.from(a.map((x) => x % 3)));

type TrieOp = { op: "add" | "rm"; k: Buffer } | { op: "check"; k: Buffer };
const trieOpArb: fc.Arbitrary<TrieOp> = fc.oneof(
  fc.record({ op: fc.constant("add" as const), k: keyArb }),
  fc.record({ op: fc.constant("rm" as const), k: keyArb }),
  fc.record({ op: fc.constant("check" as const), k: keyArb }),
);

test("property: Trie behaves like a map of counts with a linear prefix scan", () => {
  fc.assert(
    fc.property(fc.array(trieOpArb, { maxLength: 120 }), (ops) => {
      const t = new Trie();
      const model = new Map<string, number>();
      for (const o of ops) {
        const k = key(o.k);
        if (o.op === "add") {
          const n = model.get(k) ?? 0;
          model.set(k, n + 1);
          assert.equal(t.add(o.k), n === 0);
        } else if (o.op === "rm") {
          const n = model.get(k) ?? 0;
          if (n > 1) model.set(k, n - 1);
          else model.delete(k);
          assert.equal(t.rm(o.k), n === 1);
        } else {
          const expected = [...model.keys()].some((p) => k.startsWith(p));
          assert.equal(t.check(o.k), expected);
        }
        assert.equal(t.size, model.size);
        assert.ok(t.nodeCount <= 2 * t.size + 1, `tree not compressed: ${t.nodeCount} nodes for ${t.size} keys`);
      }
      assert.deepEqual(collect(t), [...model.keys()].sort(compareBytes));
      for (const [k, n] of model) assert.equal(t.count(b(k)), n);
    }),
    { numRuns: 300 },
  );
});

type MOp = { op: "add" | "rm" | "match"; k: Buffer; h: number } | { op: "rmAll"; h: number };
const mOpArb: fc.Arbitrary<MOp> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("add" as const), k: keyArb, h: fc.integer({ min: 0, max: 3 }) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("rm" as const), k: keyArb, h: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("match" as const), k: keyArb, h: fc.constant(0) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("rmAll" as const), h: fc.integer({ min: 0, max: 3 }) }) },
);

test("property: MultiTrie behaves like a map of holder sets with a linear prefix scan", () => {
  fc.assert(
    fc.property(fc.array(mOpArb, { maxLength: 120 }), (ops) => {
      const m = new MultiTrie<number>();
      const model = new Map<string, Set<number>>();
      for (const o of ops) {
        if (o.op === "add") {
          const k = key(o.k);
          const set = model.get(k);
          assert.equal(m.add(o.k, o.h), set === undefined);
          if (set) set.add(o.h);
          else model.set(k, new Set([o.h]));
        } else if (o.op === "rm") {
          const k = key(o.k);
          const set = model.get(k);
          let expected: string = "notFound";
          if (set?.delete(o.h)) {
            expected = set.size === 0 ? "lastRemoved" : "valuesRemain";
            if (set.size === 0) model.delete(k);
          }
          assert.equal(m.rm(o.k, o.h), expected);
        } else if (o.op === "match") {
          const k = key(o.k);
          const expected: number[] = [];
          for (const [p, set] of model) if (k.startsWith(p)) expected.push(...set);
          assert.deepEqual(matched(m, k).sort(), expected.sort());
        } else {
          const expected: Array<[string, boolean]> = [];
          for (const [p, set] of model) {
            if (!set.delete(o.h)) continue;
            expected.push([p, set.size === 0]);
            if (set.size === 0) model.delete(p);
          }
          const seen: Array<[string, boolean]> = [];
          m.rmAll(o.h, (k, last) => seen.push([key(k), last]));
          const order = (a: [string, boolean], c: [string, boolean]): number => compareBytes(a[0], c[0]);
          assert.deepEqual(seen.sort(order), expected.sort(order));
        }
        assert.equal(m.size, model.size);
        assert.ok(m.nodeCount <= 2 * m.size + 1, `tree not compressed: ${m.nodeCount} nodes for ${m.size} keys`);
      }
    }),
    { numRuns: 300 },
  );
});

function compareBytes(a: string, c: string): number {
  return Buffer.compare(b(a), b(c));
}
