// MsgQueue (src/pipe.ts): a FIFO of whole messages with libzmq's high-water mark, low-water mark and
// conflate rules (pipe.cpp, ypipe_conflate.hpp). The property test in test/property/msgqueue.property.test.ts
// checks any sequence against a model; these are the cases spelled out.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MsgQueue, type Msg } from "../../../src/pipe.ts";

const m = (t: string, frames = 1): Msg => Array.from({ length: frames }, (_, i) => Buffer.from(`${t}.${i}`));

/** A queue with counters on its two hooks. */
function queue(hwm: number): { q: MsgQueue; readable: () => number; writable: () => number } {
  const q = new MsgQueue(hwm);
  let r = 0;
  let w = 0;
  q.onReadable = () => void r++;
  q.onWritable = () => void w++;
  return { q, readable: () => r, writable: () => w };
}

describe("MsgQueue", () => {
  it("counts whole messages against the HWM, however many frames each has", () => {
    const { q } = queue(3);
    assert.equal(q.write(m("a", 5)), true);
    assert.equal(q.write(m("b", 1)), true);
    assert.equal(q.write(m("c", 100)), true);
    assert.equal(q.write(m("d")), false, "the 4th message is refused");
    assert.equal(q.length, 3);
    assert.equal(q.read()!.length, 5, "messages come out whole, in order");
  });

  it("tells the reader when the queue goes from empty to non-empty, once", () => {
    const { q, readable } = queue(0);
    q.write(m("a"));
    q.write(m("b"));
    assert.equal(readable(), 1);
    q.read();
    q.read();
    assert.equal(q.read(), undefined);
    q.push(m("c"));
    assert.equal(readable(), 2);
  });

  it("tells a refused writer once the reader has taken the queue down to the low-water mark (HWM / 2)", () => {
    const { q, writable } = queue(4);
    for (const t of ["a", "b", "c", "d"]) q.write(m(t));
    assert.equal(q.write(m("e")), false);
    q.read(); // 3
    assert.equal(writable(), 0);
    q.read(); // 2 = low-water mark
    assert.equal(writable(), 1);
    q.read();
    assert.equal(writable(), 1, "once per refusal");
  });

  it("a writer that was never refused is not woken", () => {
    const { q, writable } = queue(2);
    q.write(m("a"));
    q.read();
    assert.equal(writable(), 0);
  });

  it("checkWrite answers without writing, and a false answer arms the wake-up", () => {
    const { q, writable } = queue(1);
    assert.equal(q.checkWrite(), true);
    q.write(m("a"));
    assert.equal(q.checkWrite(), false);
    assert.equal(q.length, 1);
    q.read();
    assert.equal(writable(), 1);
  });

  it("push never loses a message (it came off the network) and says when the writer should stop", () => {
    const { q, writable } = queue(2);
    assert.equal(q.push(m("a")), true);
    assert.equal(q.push(m("b")), false, "at the HWM: stop reading the network");
    assert.equal(q.push(m("c")), false);
    assert.equal(q.length, 3);
    q.read();
    q.read();
    assert.equal(writable(), 1, "resume at the low-water mark (1)");
  });

  it("HWM 0 is unbounded", () => {
    const { q } = queue(0);
    for (let i = 0; i < 10_000; i++) assert.equal(q.write(m("x")), true);
    assert.equal(q.checkWrite(), true);
  });

  it("changing the HWM applies to the next write", () => {
    const { q } = queue(1);
    q.write(m("a"));
    assert.equal(q.write(m("b")), false);
    q.hwm = 3;
    assert.equal(q.hwm, 3);
    assert.equal(q.write(m("b")), true);
    assert.equal(q.write(m("c")), true);
    assert.equal(q.write(m("d")), false);
  });

  it("conflate keeps only the newest message and never refuses", () => {
    const { q, readable } = queue(1);
    q.conflate = true;
    assert.equal(q.conflate, true);
    for (const t of ["a", "b", "c"]) assert.equal(q.write(m(t)), true);
    assert.equal(q.push(m("d")), true);
    assert.equal(q.length, 1);
    assert.equal(readable(), 1, "the reader is told once, when the first arrived");
    assert.equal(q.peek()![0]!.toString(), "d.0");
    q.read();
    q.write(m("e"));
    assert.equal(readable(), 2);
  });

  it("clear drops everything, returns how many, and releases a refused writer", () => {
    const { q, writable } = queue(2);
    q.write(m("a"));
    q.write(m("b"));
    q.write(m("refused"));
    assert.equal(q.clear(), 2);
    assert.equal(q.length, 0);
    assert.equal(writable(), 1);
    assert.equal(q.clear(), 0);
    assert.equal(writable(), 1);
  });
});
