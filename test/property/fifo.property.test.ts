/**
 * fast-check property of the FIFO under every message queue (src/util/fifo.ts, a chain of fixed-size
 * chunks): any sequence of push / shift / peek / clear gives the same answers as a plain array, across
 * chunk boundaries, with the queue drained to empty and refilled at any point.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Fifo } from "../../src/util/fifo.ts";

type Op = { op: "push"; n: number } | { op: "shift"; n: number } | { op: "peek" } | { op: "clear" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  // Runs of pushes and shifts long enough to cross several 64-item chunks.
  { weight: 5, arbitrary: fc.record({ op: fc.constant("push" as const), n: fc.integer({ min: 1, max: 150 }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("shift" as const), n: fc.integer({ min: 1, max: 150 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("peek" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("clear" as const) }) },
);

test("Fifo behaves as an array FIFO for any sequence of operations", () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const q = new Fifo<number>();
      const model: number[] = [];
      let next = 0;
      for (const o of ops) {
        switch (o.op) {
          case "push":
            for (let i = 0; i < o.n; i++) {
              q.push(next);
              model.push(next++);
            }
            break;
          case "shift":
            for (let i = 0; i < o.n; i++) assert.equal(q.shift(), model.shift());
            break;
          case "peek":
            assert.equal(q.peek(), model[0]);
            break;
          case "clear":
            assert.deepEqual(q.clear(), model.splice(0));
            break;
        }
        assert.equal(q.length, model.length);
      }
      assert.deepEqual(q.clear(), model);
      assert.equal(q.length, 0);
      assert.equal(q.shift(), undefined);
      assert.equal(q.peek(), undefined);
    }),
    { numRuns: 500 },
  );
});

test("Fifo keeps falsy items in order through drains to empty at a chunk boundary", () => {
  const q = new Fifo<number | null>();
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 64; i++) q.push(i % 2 === 0 ? 0 : null);
    assert.equal(q.length, 64);
    for (let i = 0; i < 64; i++) assert.equal(q.shift(), i % 2 === 0 ? 0 : null);
    assert.equal(q.length, 0);
    assert.equal(q.shift(), undefined);
  }
});
