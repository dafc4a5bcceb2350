/**
 * fast-check property of the message queue under every pipe (src/pipe.ts `MsgQueue`): any sequence of
 * write / push / read / checkWrite / clear, with the HWM and conflate changed at any point, gives the same
 * answers and calls the same hooks as a model written straight from libzmq's rules: a write is refused
 * at the HWM (0: never); a refused writer is told once the reader has taken the queue down to the
 * low-water mark (HWM / 2); conflate keeps only the newest message; the reader is told when the queue
 * goes from empty to non-empty.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MsgQueue, type Msg } from "../../src/pipe.ts";

type Op =
  | { op: "write"; n: number }
  | { op: "push"; n: number }
  | { op: "read"; n: number }
  | { op: "checkWrite" }
  | { op: "clear" }
  | { op: "hwm"; hwm: number }
  | { op: "conflate"; on: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("write" as const), n: fc.integer({ min: 1, max: 90 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("push" as const), n: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("read" as const), n: fc.integer({ min: 1, max: 90 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("checkWrite" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("clear" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("hwm" as const), hwm: fc.integer({ min: 0, max: 70 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("conflate" as const), on: fc.boolean() }) },
);

/** libzmq's rules, spelled out plainly. */
class Model {
  q: Msg[] = [];
  blocked = false;
  readable = 0;
  writable = 0;
  constructor(
    public hwm: number,
    public conflate = false,
  ) {}
  get lwm(): number {
    return this.hwm > 0 ? Math.floor(this.hwm / 2) : 0;
  }
  #replace(m: Msg): boolean {
    if (this.q.length === 0) this.readable++;
    this.q = [m];
    return true;
  }
  #append(m: Msg): void {
    this.q.push(m);
    if (this.q.length === 1) this.readable++;
  }
  checkWrite(): boolean {
    if (!this.conflate && this.hwm > 0 && this.q.length >= this.hwm) {
      this.blocked = true;
      return false;
    }
    return true;
  }
  write(m: Msg): boolean {
    if (this.conflate) return this.#replace(m);
    if (!this.checkWrite()) return false;
    this.#append(m);
    return true;
  }
  push(m: Msg): boolean {
    if (this.conflate) return this.#replace(m);
    this.#append(m);
    return this.checkWrite();
  }
  read(): Msg | undefined {
    const m = this.q.shift();
    if (this.blocked && this.q.length <= this.lwm) {
      this.blocked = false;
      this.writable++;
    }
    return m;
  }
  clear(): number {
    const n = this.q.length;
    this.q = [];
    if (this.blocked) {
      this.blocked = false;
      this.writable++;
    }
    return n;
  }
}

test("MsgQueue follows libzmq's HWM, low-water mark and conflate rules for any sequence of operations", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 70 }), fc.array(opArb, { maxLength: 50 }), (hwm, ops) => {
      const q = new MsgQueue(hwm);
      const model = new Model(hwm);
      let readable = 0;
      let writable = 0;
      q.onReadable = () => void readable++;
      q.onWritable = () => void writable++;
      let next = 0;
      const msg = (): Msg => [Buffer.from(String(next++))];
      for (const o of ops) {
        switch (o.op) {
          case "write":
          case "push":
            for (let i = 0; i < o.n; i++) {
              const m = msg();
              assert.equal(q[o.op](m), model[o.op](m), `${o.op} #${next - 1}`);
            }
            break;
          case "read":
            for (let i = 0; i < o.n; i++) assert.equal(q.read(), model.read());
            break;
          case "checkWrite":
            assert.equal(q.checkWrite(), model.checkWrite());
            break;
          case "clear":
            assert.equal(q.clear(), model.clear());
            break;
          case "hwm":
            q.hwm = o.hwm;
            model.hwm = o.hwm;
            assert.equal(q.hwm, o.hwm);
            break;
          case "conflate":
            q.conflate = o.on;
            model.conflate = o.on;
            assert.equal(q.conflate, o.on);
            break;
        }
        assert.equal(q.length, model.q.length);
        assert.equal(q.peek(), model.q[0]);
        assert.equal(readable, model.readable, "onReadable calls");
        assert.equal(writable, model.writable, "onWritable calls");
      }
    }),
    { numRuns: 500 },
  );
});
