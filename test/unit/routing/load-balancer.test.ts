// LoadBalancer (src/routing/load-balancer.ts, libzmq lb.cpp): round-robin over the pipes that can take a
// message; a full pipe sits out until it signals writable. Real Pipe objects, wired as a PUSH socket wires them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { LoadBalancer } from "../../../src/routing/load-balancer.ts";
import { drainOut, msg, name, Owner, pipe } from "./pipes.ts";

/** A load-balancer whose pipes' owner reactivates and removes them, as PUSH/DEALER do. */
function setup(): { lb: LoadBalancer; owner: Owner } {
  const lb = new LoadBalancer();
  const owner = new Owner();
  owner.onWritable = (p) => lb.activate(p);
  owner.onTerminated = (p) => lb.remove(p);
  return { lb, owner };
}

/** Send `n` messages named from `from` on; the names of the pipes that took them (null: none could). */
function sendN(lb: LoadBalancer, n: number, from = 0): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(name(lb.send(msg(`m${from + i}`))));
  return out;
}

describe("LoadBalancer", () => {
  it("sends round-robin, one whole message per pipe per turn", () => {
    const { lb, owner } = setup();
    const [a, b, c] = [pipe(owner, "a"), pipe(owner, "b"), pipe(owner, "c")];
    for (const p of [a, b, c]) lb.attach(p);
    assert.equal(lb.size, 3);
    assert.deepEqual(sendN(lb, 7), ["a", "b", "c", "a", "b", "c", "a"]);
    assert.deepEqual(drainOut(a), ["m0", "m3", "m6"]);
    assert.deepEqual(drainOut(b), ["m1", "m4"]);
    assert.deepEqual(drainOut(c), ["m2", "m5"]);
    const multipart = [Buffer.from("x"), Buffer.from("y"), Buffer.from("z")];
    assert.equal(lb.send(multipart), b, "the turn continues where it was");
    assert.equal(b.outbound.read(), multipart, "a multipart message goes whole to one pipe");
  });

  it("a pipe at its HWM sits out; the others take its turns; it is back once drained to its low-water mark", () => {
    const { lb, owner } = setup();
    const a = pipe(owner, "a", { sndhwm: 4 });
    const b = pipe(owner, "b", { sndhwm: 2 });
    lb.attach(a);
    lb.attach(b);
    assert.deepEqual(sendN(lb, 4), ["a", "b", "a", "b"]);
    // b is full (2): it is skipped, and a takes the messages up to its own HWM.
    assert.deepEqual(sendN(lb, 3, 4), ["a", "a", "null"]);
    assert.equal(lb.hasOut(), false);
    assert.equal(a.outbound.length, 4, "the HWM counts messages");
    assert.equal(b.outbound.length, 2);
    // b's reader takes one message: 1 is its low-water mark (HWM / 2), so b is writable again.
    b.outbound.read();
    assert.deepEqual(owner.calls, ["writable b"]);
    assert.equal(lb.hasOut(), true);
    assert.deepEqual(sendN(lb, 2, 7), ["b", "null"]);
  });

  it("hasOut deactivates the full pipes it meets and arms their wake-up", () => {
    const { lb, owner } = setup();
    const a = pipe(owner, "a", { sndhwm: 1 });
    const b = pipe(owner, "b", { sndhwm: 1 });
    lb.attach(a);
    lb.attach(b);
    assert.deepEqual(sendN(lb, 2), ["a", "b"]);
    assert.equal(lb.hasOut(), false);
    a.outbound.read();
    assert.deepEqual(owner.calls, ["writable a"]);
    assert.equal(lb.hasOut(), true);
    assert.deepEqual(sendN(lb, 1), ["a"]);
  });

  it("HWM 0 never refuses", () => {
    const { lb, owner } = setup();
    const a = pipe(owner, "a", { sndhwm: 0 });
    lb.attach(a);
    for (let i = 0; i < 5000; i++) assert.equal(lb.send(msg("x")), a);
    assert.equal(a.outbound.length, 5000);
  });

  it("a terminated or removed pipe gets nothing more; the rotation goes on over the others", () => {
    const { lb, owner } = setup();
    const [a, b, c] = [pipe(owner, "a"), pipe(owner, "b"), pipe(owner, "c")];
    for (const p of [a, b, c]) lb.attach(p);
    assert.deepEqual(sendN(lb, 1), ["a"]);
    // b is next; its peer goes away (the socket's owner removes it from the load-balancer).
    b.peerTerminated();
    assert.deepEqual(owner.calls, ["terminated b"]);
    assert.equal(lb.size, 2);
    assert.deepEqual(sendN(lb, 4, 1), ["c", "a", "c", "a"]);
    assert.deepEqual(drainOut(b), []);
    // A pipe that is terminated but still attached (the owner has not heard yet) refuses and sits out.
    c.close(0);
    assert.deepEqual(sendN(lb, 2, 5), ["a", "a"]);
    lb.remove(c);
    lb.remove(c);
    assert.equal(lb.size, 1);
    lb.remove(a);
    assert.equal(lb.send(msg("none")), null);
    assert.equal(lb.hasOut(), false);
  });

  it("activate of a pipe that is active or not attached changes nothing", () => {
    const { lb, owner } = setup();
    const [a, b] = [pipe(owner, "a"), pipe(owner, "b")];
    lb.attach(a);
    lb.activate(a);
    lb.activate(b);
    assert.equal(lb.size, 1);
    assert.deepEqual(sendN(lb, 2), ["a", "a"]);
  });
});
