// FairQueue (src/routing/fair-queue.ts, libzmq fq.cpp): read round-robin from the pipes that have messages,
// one whole message per turn; an empty pipe sits out until it signals readable; a terminated pipe is read
// to its end, then dropped. Real Pipe objects, wired as a PULL socket wires them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FairQueue } from "../../../src/routing/fair-queue.ts";
import { lastReadPeer, type Pipe } from "../../../src/pipe.ts";
import { msg, name, Owner, pipe, text } from "./pipes.ts";

/** A fair-queue whose pipes' owner reactivates and terminates them, as PULL does. */
function setup(): { fq: FairQueue; owner: Owner } {
  const fq = new FairQueue();
  const owner = new Owner();
  owner.onReadable = (p) => fq.activate(p);
  owner.onTerminated = (p) => fq.terminated(p);
  return { fq, owner };
}

/** The peer delivers messages into the pipe (as an engine or an inproc peer does). */
function deliver(p: Pipe, ...texts: string[]): void {
  for (const t of texts) p.inbound.push(msg(t));
}

/** Read until empty: "message@pipe" for each. */
function recvAll(fq: FairQueue): string[] {
  const out: string[] = [];
  for (let m = fq.recv(); m !== undefined; m = fq.recv()) out.push(`${text(m)}@${name(fq.lastPipe)}`);
  return out;
}

describe("FairQueue", () => {
  it("reads one message per pipe per turn, skipping pipes that are empty", () => {
    const { fq, owner } = setup();
    const [a, b, c] = [pipe(owner, "a"), pipe(owner, "b"), pipe(owner, "c")];
    for (const p of [a, b, c]) fq.attach(p);
    deliver(a, "a1", "a2", "a3");
    deliver(b, "b1");
    deliver(c, "c1", "c2");
    assert.deepEqual(recvAll(fq), ["a1@a", "b1@b", "c1@c", "a2@a", "c2@c", "a3@a"]);
    assert.equal(fq.hasIn(), false);
  });

  it("a busy pipe cannot starve the others", () => {
    const { fq, owner } = setup();
    const [a, b] = [pipe(owner, "a"), pipe(owner, "b")];
    fq.attach(a);
    fq.attach(b);
    for (let i = 0; i < 100; i++) deliver(a, `a${i}`);
    deliver(b, "b0");
    const first = [fq.recv(), fq.recv()].map(text);
    assert.deepEqual(first, ["a0", "b0"], "b's message comes in b's first turn");
  });

  it("a pipe that was found empty is back as soon as it signals readable", () => {
    const { fq, owner } = setup();
    const [a, b] = [pipe(owner, "a"), pipe(owner, "b")];
    fq.attach(a);
    fq.attach(b);
    assert.equal(fq.recv(), undefined, "both empty: both sit out");
    assert.equal(fq.hasIn(), false);
    deliver(b, "b1");
    assert.deepEqual(owner.calls, ["readable b"], "empty -> non-empty wakes the owner");
    assert.equal(fq.hasIn(), true);
    assert.deepEqual(recvAll(fq), ["b1@b"]);
    deliver(a, "a1", "a2");
    deliver(b, "b2");
    assert.deepEqual(recvAll(fq), ["a1@a", "b2@b", "a2@a"]);
  });

  it("a multipart message is read whole, and a read records its pipe's peer", () => {
    const { fq, owner } = setup();
    const a = pipe(owner, "a");
    const peer = {
      socketType: "PUSH",
      identity: Buffer.alloc(0),
      properties: [],
      major: 3,
      minor: 1,
      remoteAddress: "x",
    };
    a.peer = peer;
    fq.attach(a);
    const m = [Buffer.from("1"), Buffer.from("2"), Buffer.from("3")];
    a.inbound.push(m);
    assert.equal(fq.recv(), m);
    assert.equal(fq.lastPipe, a);
    assert.equal(lastReadPeer(), peer);
  });

  it("a terminated pipe is read to its end, then dropped; an empty one is dropped at once", () => {
    const { fq, owner } = setup();
    const [a, b, c] = [pipe(owner, "a"), pipe(owner, "b"), pipe(owner, "c")];
    for (const p of [a, b, c]) fq.attach(p);
    deliver(a, "a1", "a2");
    deliver(b, "b1");
    a.peerTerminated();
    c.peerTerminated();
    assert.equal(fq.size, 2, "c had nothing queued: it left at once");
    assert.deepEqual(recvAll(fq), ["a1@a", "b1@b", "a2@a"], "what a sent before it went is delivered");
    assert.equal(fq.size, 1, "a left once drained");
    deliver(b, "b2");
    assert.deepEqual(recvAll(fq), ["b2@b"]);
  });

  it("hasIn drops drained terminated pipes too; remove drops a pipe with its messages", () => {
    const { fq, owner } = setup();
    const [a, b] = [pipe(owner, "a"), pipe(owner, "b")];
    fq.attach(a);
    fq.attach(b);
    deliver(a, "a1");
    a.peerTerminated();
    assert.deepEqual(recvAll(fq), ["a1@a"]);
    assert.equal(fq.size, 1);
    deliver(b, "b1");
    fq.remove(b);
    assert.equal(fq.size, 0);
    assert.equal(fq.hasIn(), false);
    assert.equal(fq.recv(), undefined);
  });

  it("a receive HWM is counted in whole messages and the peer is told when it may send again", () => {
    const { fq, owner } = setup();
    const a = pipe(owner, "a", { rcvhwm: 4 });
    fq.attach(a);
    let room = 0;
    a.bindEnd(
      { close: () => {} },
      () => room++,
      () => {},
    );
    // An engine pushes what it took off the network; push() answers false once the HWM is reached.
    const three = (t: string) => [Buffer.from(t), Buffer.from(t), Buffer.from(t)];
    assert.deepEqual(
      [1, 2, 3, 4].map((i) => a.inbound.push(three(`m${i}`))),
      [true, true, true, false],
    );
    assert.equal(a.inbound.length, 4);
    fq.recv();
    assert.equal(room, 0, "above the low-water mark (2)");
    fq.recv();
    assert.equal(room, 1, "down to the low-water mark: the engine may read again");
  });
});
