// ActiveSet (src/routing/active-set.ts): libzmq's array_t as lb.cpp/fq.cpp use it — members with the active
// ones first, O(1) swaps, each pipe knowing its index.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ActiveSet, type SetKind } from "../../../src/routing/active-set.ts";
import type { Pipe } from "../../../src/pipe.ts";
import { name, Owner, pipe } from "./pipes.ts";

/** The set's members as names, active ones before the bar. */
function layout(set: ActiveSet): string {
  const names = set.pipes.map((p) => name(p));
  return `${names.slice(0, set.active).join(" ")} | ${names.slice(set.active).join(" ")}`.trim();
}

/** What the strategies' activate() does: an inactive member becomes active; anything else is left alone. */
function activate(set: ActiveSet, kind: SetKind, p: Pipe): void {
  const i = kind === "lb" ? p.lbIndex : p.fqIndex;
  if (i >= set.active && set.pipes[i] === p) set.activateAt(i);
}

/** The active pipe whose turn it is, or null. */
function cur(set: ActiveSet): Pipe | null {
  return set.active > 0 ? set.pipes[set.current]! : null;
}

/** Every member's recorded index is its position; non-members record -1. */
function checkIndices(set: ActiveSet, kind: SetKind, all: readonly Pipe[]): void {
  for (const p of all) {
    const i = set.pipes.indexOf(p);
    assert.equal(kind === "lb" ? p.lbIndex : p.fqIndex, i, `index of ${name(p)}`);
  }
}

describe("ActiveSet", () => {
  it("attach adds active members in order, each knowing its index", () => {
    const o = new Owner();
    const [a, b, c] = [pipe(o, "a"), pipe(o, "b"), pipe(o, "c")];
    const set = new ActiveSet("lb");
    assert.equal(cur(set), null);
    set.attach(a);
    set.attach(b);
    set.attach(c);
    assert.equal(layout(set), "a b c |");
    assert.equal(set.size, 3);
    assert.equal(cur(set), a);
    checkIndices(set, "lb", [a, b, c]);
  });

  it("deactivateCurrent swaps the pipe past the active part and passes the turn on", () => {
    const o = new Owner();
    const [a, b, c] = [pipe(o, "a"), pipe(o, "b"), pipe(o, "c")];
    const set = new ActiveSet("fq");
    for (const p of [a, b, c]) set.attach(p);
    set.advance();
    assert.equal(cur(set), b);
    set.deactivateCurrent();
    // b swapped with the last active pipe (c): c now has b's turn.
    assert.equal(layout(set), "a c | b");
    assert.equal(cur(set), c);
    set.deactivateCurrent();
    assert.equal(layout(set), "a | c b");
    assert.equal(cur(set), a, "the cursor wraps to the first active pipe");
    activate(set, "fq", b);
    assert.equal(layout(set), "a b | c");
    set.deactivateCurrent();
    set.deactivateCurrent();
    assert.equal(set.active, 0);
    assert.equal(cur(set), null);
    checkIndices(set, "fq", [a, b, c]);
  });

  it("advance walks the active part round-robin", () => {
    const o = new Owner();
    const set = new ActiveSet("lb");
    for (const n of ["a", "b", "c"]) set.attach(pipe(o, n));
    const seen: string[] = [];
    for (let i = 0; i < 7; i++) {
      seen.push(name(cur(set)));
      set.advance();
    }
    assert.deepEqual(seen, ["a", "b", "c", "a", "b", "c", "a"]);
  });

  it("remove takes active and inactive pipes out, keeping the others' places and the cursor in range", () => {
    const o = new Owner();
    const [a, b, c, d] = [pipe(o, "a"), pipe(o, "b"), pipe(o, "c"), pipe(o, "d")];
    const set = new ActiveSet("lb");
    for (const p of [a, b, c, d]) set.attach(p);
    set.advance();
    set.advance();
    set.advance();
    set.deactivateCurrent(); // d
    assert.equal(layout(set), "a b c | d");
    assert.equal(cur(set), a);
    set.remove(b);
    assert.equal(layout(set), "a c | d");
    set.remove(d);
    assert.equal(layout(set), "a c |");
    set.remove(d);
    set.remove(pipe(o, "stranger"));
    assert.equal(set.size, 2);
    set.advance();
    set.remove(c);
    assert.equal(cur(set), a, "removing the current last pipe wraps the cursor");
    checkIndices(set, "lb", [a, b, c, d]);
    set.remove(a);
    assert.equal(cur(set), null);
    assert.equal(set.size, 0);
  });

  it("a pipe in a load-balancer set and a fair-queue set keeps one index in each", () => {
    const o = new Owner();
    const [a, b] = [pipe(o, "a"), pipe(o, "b")];
    const lb = new ActiveSet("lb");
    const fq = new ActiveSet("fq");
    lb.attach(a);
    lb.attach(b);
    fq.attach(b);
    fq.attach(a);
    assert.deepEqual([a.lbIndex, a.fqIndex], [0, 1]);
    assert.deepEqual([b.lbIndex, b.fqIndex], [1, 0]);
    lb.remove(a);
    assert.deepEqual([a.lbIndex, a.fqIndex], [-1, 1]);
    assert.equal(cur(fq), b);
    checkIndices(lb, "lb", [a, b]);
    checkIndices(fq, "fq", [a, b]);
  });

  it("keeps its invariants for any sequence of operations", () => {
    type Op = { op: "attach" | "activate" | "remove" | "deactivateCurrent" | "advance"; i: number };
    const opArb: fc.Arbitrary<Op> = fc.record({
      op: fc.constantFrom("attach", "activate", "remove", "deactivateCurrent", "advance"),
      i: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 100 }), (ops) => {
        const o = new Owner();
        const all = ["a", "b", "c", "d", "e", "f"].map((n) => pipe(o, n));
        const set = new ActiveSet("fq");
        const members = new Set<Pipe>();
        const active = new Set<Pipe>();
        for (const { op, i } of ops) {
          const p = all[i]!;
          switch (op) {
            case "attach":
              if (members.has(p)) continue;
              set.attach(p);
              members.add(p);
              active.add(p);
              break;
            case "activate":
              activate(set, "fq", p);
              if (members.has(p)) active.add(p);
              break;
            case "remove":
              set.remove(p);
              members.delete(p);
              active.delete(p);
              break;
            case "deactivateCurrent": {
              const turn = cur(set);
              if (turn === null) continue;
              set.deactivateCurrent();
              active.delete(turn);
              break;
            }
            case "advance":
              if (cur(set) === null) continue;
              set.advance();
              break;
          }
          assert.equal(set.size, members.size);
          assert.equal(set.active, active.size);
          assert.deepEqual(new Set(set.pipes.slice(0, set.active)), active);
          assert.deepEqual(new Set(set.pipes), members);
          assert.ok(
            set.active === 0 ? set.current === 0 : set.current < set.active,
            "the cursor is in the active part",
          );
          checkIndices(set, "fq", all);
        }
      }),
      { numRuns: 300 },
    );
  });
});
