/**
 * The option table (src/sockets/options.ts) is the one source of every option: ids are libzmq's and
 * unique, every row becomes a property on exactly the sockets of its scope, starting at the row's
 * default, and the accessors validate with the row's rules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as z from "../../../src/index.ts";
import * as draft from "../../../src/draft.ts";
import * as extra from "../../../src/draft-extra.ts";
import { SOCKET_TYPE, type SocketTypeName } from "../../../src/protocol/constants.ts";
import { kOptions } from "../../../src/sockets/hooks.ts";
import { OPTION_BY_ID, OPTION_ENTRIES, OPTIONS, hasOption } from "../../../src/sockets/options.ts";

const CLASSES: Record<SocketTypeName, new () => z.Socket> = {
  PAIR: z.Pair,
  PUB: z.Publisher,
  SUB: z.Subscriber,
  REQ: z.Request,
  REP: z.Reply,
  DEALER: z.Dealer,
  ROUTER: z.Router,
  PULL: z.Pull,
  PUSH: z.Push,
  XPUB: z.XPublisher,
  XSUB: z.XSubscriber,
  STREAM: z.Stream,
  // The draft types' public typing differs from Socket's (routed receives): the same classes underneath.
  SERVER: draft.Server as unknown as new () => z.Socket,
  CLIENT: draft.Client,
  RADIO: draft.Radio,
  DISH: draft.Dish as unknown as new () => z.Socket,
  GATHER: draft.Gather,
  SCATTER: draft.Scatter,
  DGRAM: draft.Datagram,
  PEER: extra.Peer as unknown as new () => z.Socket,
  CHANNEL: extra.Channel,
};

test("ids are libzmq's (zmq.h) and unique; the id lookup finds every row", () => {
  assert.equal(OPTIONS.AFFINITY.id, 4);
  assert.equal(OPTIONS.ROUTING_ID.id, 5);
  assert.equal(OPTIONS.LINGER.id, 17);
  assert.equal(OPTIONS.SNDHWM.id, 23);
  assert.equal(OPTIONS.ROUTER_NOTIFY.id, 97);
  const ids = OPTION_ENTRIES.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const e of OPTION_ENTRIES) assert.equal(OPTION_BY_ID.get(e.id), e);
  assert.equal(OPTION_BY_ID.get(78), OPTIONS.XPUB_VERBOSE, "ZMQ_XPUB_VERBOSER shares verbosity");
});

test("every row is a property of exactly the sockets of its scope, starting at its default", (t) => {
  for (const [type, Cls] of Object.entries(CLASSES) as Array<[SocketTypeName, new () => z.Socket]>) {
    const s = new Cls();
    t.after(() => s.close());
    const values = s as unknown as Record<string, unknown>;
    const mine = OPTION_ENTRIES.filter((e) => hasOption(e, type));
    const store = s[kOptions] as unknown as Record<string, unknown>;
    for (const e of mine) {
      assert.ok(e.name in s, `${type}.${e.name}`);
      const expected = e === OPTIONS.TYPE ? SOCKET_TYPE[type] : (e.defaults?.[type] ?? e.default);
      assert.equal(store[e.name], expected, `${type}.${e.name} default`);
      // Write-only options have no getter, as in zeromq.js; unsupported ones (VMCI) are EINVAL.
      if (e.unsupported !== undefined) assert.throws(() => values[e.name], { code: "EINVAL" });
      else assert.equal(values[e.name], e.writeOnly === true ? undefined : store[e.name], `${type}.${e.name} read`);
    }
    const names = new Set(mine.map((e) => e.name));
    for (const e of OPTION_ENTRIES) if (!names.has(e.name)) assert.ok(!(e.name in s), `${type} has no ${e.name}`);
  }
});

test("SUB, XSUB and DISH linger 0 by default, as in libzmq; the others -1", (t) => {
  const [sub, xsub, push, dish] = [new z.Subscriber(), new z.XSubscriber(), new z.Push(), new draft.Dish()];
  t.after(() => [sub, xsub, push, dish].forEach((s) => s.close()));
  assert.deepEqual([sub.linger, xsub.linger, push.linger, dish.linger], [0, 0, -1, 0]);
});

test("read-only options have no setter; a closed socket's options are ENOTSOCK, as in zeromq.js", (t) => {
  const s = new z.Dealer();
  t.after(() => s.close());
  const readOnly = { name: "TypeError", message: "Cannot set property type of #<Socket> which has only a getter" };
  assert.throws(() => new z.Dealer({ type: 1 } as never), readOnly);
  assert.throws(() => ((s as unknown as { type: number }).type = 1), readOnly);
  assert.equal(s.type, 5);
  s.close();
  const closed = { code: "ENOTSOCK", message: "Socket operation on non-socket" };
  assert.throws(() => s.type, closed);
  assert.throws(() => s.lastEndpoint, closed);
  assert.throws(() => (s.linger = 0), closed);
});

test("the accessors check with the row's rules", (t) => {
  const r = new z.Router();
  const st = new z.Stream();
  const x = new z.XPublisher();
  t.after(() => [r, st, x].forEach((s) => s.close()));
  assert.throws(() => (r.notify = 4), {
    code: "EINVAL",
    message: "Invalid argument",
    hint: /notify .*<= 3 \(1 = conn/,
  });
  assert.throws(() => ((st as unknown as { notify: number }).notify = 1), {
    name: "TypeError",
    message: "Option value must be a boolean",
  });
  assert.throws(() => ((x as unknown as { verbosity: string }).verbosity = "all"), {
    code: "EINVAL",
    hint: 'Option verbosity of XPublisher is one of null, "allSubs", "allSubsUnsubs"',
  });
  x.verbosity = "allSubsUnsubs";
  assert.equal(x[kOptions].verbosity, "allSubsUnsubs");
  r.routingId = "peer";
  assert.equal(r.routingId, "peer");
});

test("the security mechanism is whatever security option was set last", (t) => {
  const s = new z.Dealer();
  t.after(() => s.close());
  assert.equal(s.securityMechanism, null);
  s.plainUsername = "u";
  assert.equal(s.securityMechanism, "plain");
  s.curveServer = true;
  assert.equal(s.securityMechanism, "curve");
  s.curveServer = false;
  assert.equal(s.securityMechanism, null);
  s.plainServer = true;
  assert.equal(s.securityMechanism, "plain");
  s.plainServer = false;
  assert.equal(s.securityMechanism, "plain", "plainUsername is still set");
  const keys = z.curveKeyPair();
  s.curveServerKey = keys.publicKey;
  assert.equal(s.securityMechanism, "curve");
  assert.equal(s.curveServerKey, keys.publicKey, "kept as bytes, read back as Z85");
});
