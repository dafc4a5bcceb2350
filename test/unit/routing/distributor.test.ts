// Distributor (src/routing/distributor.ts, libzmq dist.cpp): one message to many pipes. A full pipe loses
// the message (only that pipe) and sits out until it drains to its low-water mark; XPUB_NODROP can ask
// first whether every matching pipe has room.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Distributor } from "../../../src/routing/distributor.ts";
import { drainOut, msg, Owner, pipe } from "./pipes.ts";

function setup(): { dist: Distributor; owner: Owner } {
  const dist = new Distributor();
  const owner = new Owner();
  owner.onWritable = (p) => dist.activated(p);
  owner.onTerminated = (p) => dist.terminated(p);
  return { dist, owner };
}

describe("Distributor", () => {
  it("sends to exactly the pipes matched in this round, each once", () => {
    const { dist, owner } = setup();
    const [a, b, c] = [pipe(owner, "a"), pipe(owner, "b"), pipe(owner, "c")];
    const [ta, tb] = [dist.attach(a), dist.attach(b)];
    dist.attach(c);
    assert.equal(dist.size, 3);
    assert.equal(dist.target(a), ta);
    dist.unmatch();
    dist.match(ta);
    dist.match(tb);
    dist.match(ta); // a second matching prefix for the same subscriber
    assert.equal(dist.matching, 2);
    assert.equal(dist.sendToMatching(msg("one")), 2);
    dist.unmatch();
    assert.equal(dist.matching, 0, "a new round starts empty");
    dist.match(tb);
    dist.sendToMatching(msg("two"));
    assert.deepEqual([drainOut(a), drainOut(b), drainOut(c)], [["one"], ["one", "two"], []]);
  });

  it("a full pipe loses the message, others still get it; it is matched again once drained", () => {
    const { dist, owner } = setup();
    const a = pipe(owner, "a", { sndhwm: 2 });
    const b = pipe(owner, "b", { sndhwm: 100 });
    const [ta, tb] = [dist.attach(a), dist.attach(b)];
    const send = (t: string): number => {
      dist.unmatch();
      dist.match(ta);
      dist.match(tb);
      return dist.sendToMatching(msg(t));
    };
    assert.deepEqual(["m1", "m2", "m3", "m4"].map(send), [2, 2, 1, 1]);
    assert.equal(ta.active, false, "a is inactive after refusing");
    a.outbound.read(); // down to 1, its low-water mark
    assert.deepEqual(owner.calls, ["writable a"]);
    assert.equal(ta.active, true);
    assert.equal(send("m5"), 2);
    assert.deepEqual(drainOut(a), ["m2", "m5"]);
    assert.deepEqual(drainOut(b), ["m1", "m2", "m3", "m4", "m5"]);
  });

  it("checkHwm (XPUB_NODROP) says whether every matching pipe has room, and arms the full one's wake-up", () => {
    const { dist, owner } = setup();
    const a = pipe(owner, "a", { sndhwm: 1 });
    const b = pipe(owner, "b", { sndhwm: 1 });
    const [ta, tb] = [dist.attach(a), dist.attach(b)];
    dist.unmatch();
    dist.match(ta);
    assert.equal(dist.checkHwm(), true);
    dist.sendToMatching(msg("x"));
    dist.unmatch();
    dist.match(ta);
    dist.match(tb);
    assert.equal(dist.checkHwm(), false);
    a.outbound.read();
    assert.deepEqual(owner.calls, ["writable a"]);
  });

  it("reverseMatch (ZMQ_INVERT_MATCHING) selects the active pipes that were not matched", () => {
    const { dist, owner } = setup();
    const a = pipe(owner, "a");
    const b = pipe(owner, "b");
    const c = pipe(owner, "c", { sndhwm: 1 });
    const [ta, , tc] = [dist.attach(a), dist.attach(b), dist.attach(c)];
    dist.unmatch();
    dist.match(tc);
    dist.sendToMatching(msg("fill c"));
    dist.sendToMatching(msg("c refuses"));
    assert.equal(tc.active, false);
    dist.unmatch();
    dist.match(ta);
    dist.reverseMatch();
    assert.equal(dist.matching, 1, "b only: a was matched, c is inactive");
    dist.sendToMatching(msg("inverted"));
    assert.deepEqual([drainOut(a), drainOut(b), drainOut(c)], [[], ["inverted"], ["fill c"]]);
  });

  it("sendToAll (XSUB upstream) reaches every active pipe; a terminated pipe leaves for good", () => {
    const { dist, owner } = setup();
    const [a, b] = [pipe(owner, "a"), pipe(owner, "b", { sndhwm: 1 })];
    const ta = dist.attach(a);
    dist.attach(b);
    assert.equal(dist.sendToAll(msg("1")), 2);
    assert.equal(dist.sendToAll(msg("2")), 1, "b is full");
    a.peerTerminated();
    assert.equal(ta.attached, false);
    assert.equal(ta.active, false);
    assert.equal(dist.size, 1);
    assert.equal(dist.target(a), undefined);
    dist.unmatch();
    dist.match(ta);
    assert.equal(dist.matching, 0, "a target kept after termination (say, in a trie) is never matched");
    assert.deepEqual(
      [...dist.targets()].map((t) => t.pipe),
      [b],
    );
    dist.terminated(a);
    dist.activated(a);
    assert.equal(dist.size, 1);
  });
});
