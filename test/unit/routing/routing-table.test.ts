// RoutingTable (src/routing/routing-table.ts): ROUTER's and STREAM's map from routing id to pipe, the ids
// chosen at connect() (ZMQ_CONNECT_ROUTING_ID) and libzmq's auto ids.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RoutingTable } from "../../../src/routing/routing-table.ts";
import { Owner, pipe } from "./pipes.ts";

const id = (s: string): Buffer => Buffer.from(s);

describe("RoutingTable", () => {
  it("auto ids are 00 + a u32 big-endian counter from the given start, wrapping at 2^32", () => {
    const t = new RoutingTable(0xffff_fffe);
    assert.deepEqual(
      [t.autoId(), t.autoId(), t.autoId()].map((b) => b.toString("hex")),
      ["00fffffffe", "00ffffffff", "0000000000"],
    );
  });

  it("routes ids to pipes: add, get, routes, delete, clear", () => {
    const o = new Owner();
    const [a, b] = [pipe(o, "a"), pipe(o, "b")];
    const t = new RoutingTable(1);
    t.add(a, id("A"));
    t.add(b, Buffer.from([0, 0xff, 0x80]));
    assert.deepEqual(a.routingId, id("A"), "the pipe takes its id");
    assert.equal(t.get(id("A")), a, "looked up by value, not by Buffer identity");
    assert.equal(t.get(Buffer.from([0, 0xff, 0x80])), b, "ids are arbitrary bytes");
    assert.equal(t.get(id("nobody")), undefined);
    assert.equal(t.routes(a), true);
    assert.deepEqual([...t.pipes()], [a, b]);
    t.delete(a);
    assert.equal(t.get(id("A")), undefined);
    assert.equal(t.routes(a), false);
    t.clear();
    assert.deepEqual([...t.pipes()], []);
  });

  it("delete leaves an id alone that routes to another pipe now; rename (handover) frees the old id", () => {
    const o = new Owner();
    const [old, newcomer] = [pipe(o, "old"), pipe(o, "new")];
    const t = new RoutingTable(7);
    t.add(old, id("peer"));
    t.rename(old, t.autoId());
    assert.deepEqual(old.routingId, Buffer.from([0, 0, 0, 0, 7]));
    assert.equal(t.get(id("peer")), undefined);
    assert.equal(t.get(old.routingId!), old);
    t.add(newcomer, id("peer"));
    t.delete(old);
    assert.equal(t.get(id("peer")), newcomer);
    const dup = pipe(o, "dup");
    dup.routingId = id("peer");
    t.delete(dup);
    assert.equal(t.get(id("peer")), newcomer, "a pipe whose id routes elsewhere deletes nothing");
  });

  it("an id given at connect() is claimed by that endpoint and used by its outgoing pipe", () => {
    const o = new Owner();
    const t = new RoutingTable(1);
    const ep = "tcp://127.0.0.1:5555";
    t.connect(id("server"), () => t.claim(ep));
    const out = pipe(o, "out", { endpoint: ep, outgoing: true });
    const incoming = pipe(o, "in", { endpoint: ep, outgoing: false });
    assert.deepEqual(t.connectId(out), id("server"));
    assert.equal(t.connectId(incoming), null, "only the connecting side uses it");
    t.add(out, t.connectId(out)!);
    assert.equal(t.connectId(pipe(o, "again", { endpoint: ep, outgoing: true })), null, "not while a peer has it");
    t.forget(ep);
    t.delete(out);
    assert.equal(t.connectId(out), null, "forgotten with the endpoint");
    t.connect(null, () => t.claim(ep));
    assert.equal(t.connectId(out), null, "a connect without an id claims none");
  });

  it("connect() refuses an id a peer or another endpoint already has (EINVAL), and claims nothing", () => {
    const o = new Owner();
    const t = new RoutingTable(1);
    t.add(pipe(o, "a"), id("taken"));
    let ran = false;
    assert.throws(() => t.connect(id("taken"), () => (ran = true)), { code: "EINVAL" });
    t.connect(id("x"), () => t.claim("tcp://h:1"));
    assert.throws(() => t.connect(id("x"), () => (ran = true)), { code: "EINVAL" });
    assert.equal(ran, false);
    // A failing connect leaves no id pending for the next endpoint.
    assert.throws(() =>
      t.connect(id("y"), () => {
        throw new Error("bad endpoint");
      }),
    );
    t.claim("tcp://h:2");
    assert.equal(t.connectId(pipe(o, "p", { endpoint: "tcp://h:2", outgoing: true })), null);
  });
});
