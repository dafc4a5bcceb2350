// Pipe (src/pipe.ts, libzmq pipe_t): a socket's view of one peer — inbound and outbound queues, the far
// end (an engine's session, or an inproc peer), termination from either side, linger and command messages.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  commandMsg,
  framesFrom,
  lastReadPeer,
  MSG_COMMAND,
  MsgQueue,
  Pipe,
  setLastRead,
  type CommandMsg,
  type PeerInfo,
  type PipeEnd,
} from "../../../src/pipe.ts";
import { Owner, pipe } from "../routing/pipes.ts";

/** A far end that records what the pipe asks of it. */
class End implements PipeEnd {
  readonly calls: string[] = [];
  readonly priority: CommandMsg[] = [];
  close(linger: number): void {
    this.calls.push(`close ${linger}`);
  }
  sendPriority(msg: CommandMsg): void {
    this.priority.push(msg);
  }
}

const m = (t: string): Buffer[] => [Buffer.from(t)];

function peer(name: string): PeerInfo {
  return { socketType: "DEALER", identity: Buffer.from(name), properties: [], major: 3, minor: 1, remoteAddress: name };
}

describe("Pipe", () => {
  it("wakes its owner when the inbound queue becomes readable and when the outbound queue has room", () => {
    const o = new Owner();
    const p = pipe(o, "p", { sndhwm: 2 });
    p.inbound.push(m("in"));
    p.write(m("1"));
    p.write(m("2"));
    assert.equal(p.write(m("3")), false);
    p.outbound.read();
    assert.deepEqual(o.calls, ["readable p", "writable p"]);
  });

  it("an engine bound to the far end is told about output and about inbound room, until it lets go", () => {
    const o = new Owner();
    const p = pipe(o, "p", { rcvhwm: 2 });
    const end = new End();
    let outbound = 0;
    let room = 0;
    p.bindEnd(
      end,
      () => room++,
      () => outbound++,
    );
    assert.equal(p.end, end);
    p.write(m("a"));
    p.write(m("b"));
    assert.equal(outbound, 1, "empty -> non-empty");
    assert.equal(p.inbound.push(m("x")), true);
    assert.equal(p.inbound.push(m("y")), false, "the engine should stop reading");
    p.read();
    assert.equal(room, 1, "drained to the low-water mark: the engine may read again");
    p.unbindEnd(new End());
    assert.equal(p.end, end, "another end's unbind leaves this one in place");
    p.unbindEnd(end);
    assert.equal(p.end, null);
    p.outbound.read();
    p.outbound.read();
    p.write(m("c"));
    assert.equal(outbound, 1, "no longer told");
  });

  it("close() passes the linger to the far end and refuses further writes", () => {
    const o = new Owner();
    const p = pipe(o, "p");
    const end = new End();
    p.bindEnd(
      end,
      () => {},
      () => {},
    );
    p.write(m("queued"));
    p.close(250);
    assert.deepEqual(end.calls, ["close 250"], "the end flushes for up to the linger");
    assert.equal(p.terminated, true);
    assert.equal(p.end, null);
    assert.equal(p.write(m("late")), false);
    assert.equal(p.checkWrite(), false);
    assert.equal(p.outbound.length, 1, "what was queued before stays for the end to flush");
    p.close(0);
    assert.deepEqual(end.calls, ["close 250"], "closed once");
    assert.deepEqual(o.calls, [], "closing our side does not call pipeTerminated");
  });

  it("peerTerminated tells the owner once; what arrived before stays readable", () => {
    const o = new Owner();
    const p = pipe(o, "p");
    p.bindEnd(
      new End(),
      () => {},
      () => {},
    );
    p.inbound.push(m("before"));
    p.peerTerminated();
    p.peerTerminated();
    assert.deepEqual(o.calls, ["readable p", "terminated p"]);
    assert.equal(p.terminated, true);
    assert.equal(p.write(m("x")), false);
    assert.deepEqual(p.read(), m("before"));
    assert.equal(p.read(), undefined);
  });

  it("a pipe closed by its socket still reports the peer's termination once (the end goes after its linger)", () => {
    const o = new Owner();
    const p = pipe(o, "p");
    p.bindEnd(
      new End(),
      () => {},
      () => {},
    );
    p.close(-1);
    p.peerTerminated();
    assert.deepEqual(o.calls, [], "already closed and unbound: nothing more to say");
  });

  it("command messages bypass the HWM: through the engine's priority path, else queued regardless", () => {
    const o = new Owner();
    const p = pipe(o, "p", { sndhwm: 1 });
    const sub = commandMsg("SUBSCRIBE", Buffer.from("topic"));
    assert.equal(sub[MSG_COMMAND], "SUBSCRIBE");
    assert.deepEqual([...sub], [Buffer.from("topic")]);
    p.write(m("data"));
    p.sendCommand(sub);
    p.sendCommand(commandMsg("CANCEL", Buffer.from("topic")));
    assert.equal(p.outbound.length, 3, "no end yet: queued past the HWM");
    const end = new End();
    p.bindEnd(
      end,
      () => {},
      () => {},
    );
    p.sendCommand(sub);
    assert.deepEqual(end.priority, [sub]);
    assert.equal(p.outbound.length, 3);
    p.close(0);
    p.sendCommand(sub);
    assert.deepEqual(end.priority, [sub], "nothing after close");
  });

  it("a read records the peer of the pipe it came from (the received message's properties)", () => {
    const o = new Owner();
    const [a, b] = [pipe(o, "a"), pipe(o, "b")];
    a.peer = peer("A");
    b.peer = peer("B");
    a.inbound.push(m("1"));
    b.inbound.push(m("2"));
    a.read();
    assert.equal(lastReadPeer(), a.peer);
    const peerOfA = a.peer;
    a.peer = peer("A after a reconnect");
    assert.equal(lastReadPeer(), peerOfA, "the peer at the read, not the pipe's current one");
    assert.equal(b.read() !== undefined, true);
    assert.equal(lastReadPeer(), b.peer);
    b.read();
    assert.equal(lastReadPeer(), b.peer, "an empty read changes nothing");
    setLastRead(null);
    assert.equal(lastReadPeer(), null);
    setLastRead(a);
    assert.equal(lastReadPeer(), a.peer);
  });

  it("knows its endpoint, direction, and whether the peer is in this process", () => {
    const o = new Owner();
    const p = new Pipe(o, new MsgQueue(0), new MsgQueue(0), "inproc://x", true);
    assert.equal(p.inproc, true);
    assert.equal(p.outgoing, true);
    assert.equal(p.endpoint, "inproc://x");
    const q = pipe(o, "q");
    assert.equal(q.inproc, false);
    assert.notEqual(p.id, q.id);
    assert.deepEqual([p.lbIndex, p.fqIndex], [-1, -1], "in no load-balancer or fair-queue yet");
  });

  it("framesFrom copies the frames from an index on", () => {
    const msg = [Buffer.from("id"), Buffer.from(""), Buffer.from("body")];
    const rest = framesFrom(msg, 1);
    assert.deepEqual(rest, [Buffer.from(""), Buffer.from("body")]);
    assert.equal(rest[1], msg[2], "the same frames, not copies");
    assert.deepEqual(framesFrom(msg, 3), []);
  });
});
