/**
 * The public surface of every socket class is zeromq.js v6's API plus zocket's documented extras
 * (`typeName`, `lastMessageProperties()`, XPUB manual `subscribe()`/`unsubscribe()`, ROUTER `notify`),
 * and nothing else: internals go behind symbols (src/sockets/hooks.ts) or `#private` fields. A new
 * public name fails here until it is added on purpose. Context and Observer are checked too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as z from "../../../src/index.ts";
import * as draft from "../../../src/draft.ts";
import * as extra from "../../../src/draft-extra.ts";

/** Public property names: own instance names plus the prototype chain's, up to Object.prototype. */
function publicNames(obj: object): string[] {
  const names = new Set<string>(Object.getOwnPropertyNames(obj));
  let proto = Object.getPrototypeOf(obj) as object | null;
  while (proto !== null && proto !== Object.prototype) {
    for (const n of Object.getOwnPropertyNames(proto)) names.add(n);
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  names.delete("constructor");
  return [...names].sort();
}

const SOCKET = [
  // zeromq.js Socket
  "context",
  "events",
  "closed",
  "readable",
  "writable",
  "bind",
  "bindSync",
  "unbind",
  "unbindSync",
  "connect",
  "disconnect",
  "close",
  "send",
  "receive",
  // zeromq.js Socket options
  "affinity",
  "rate",
  "recoveryInterval",
  "linger",
  "reconnectInterval",
  "backlog",
  "reconnectMaxInterval",
  "maxMessageSize",
  "tcpKeepalive",
  "tcpKeepaliveCount",
  "tcpKeepaliveIdle",
  "tcpKeepaliveInterval",
  "tcpAcceptFilter",
  "immediate",
  "ipv6",
  "plainServer",
  "plainUsername",
  "plainPassword",
  "curveServer",
  "curvePublicKey",
  "curveSecretKey",
  "curveServerKey",
  "zapDomain",
  "typeOfService",
  "handshakeInterval",
  "socksProxy",
  "heartbeatInterval",
  "heartbeatTimeToLive",
  "heartbeatTimeout",
  "connectTimeout",
  "tcpMaxRetransmitTimeout",
  "multicastMaxTransportDataUnit",
  "interface",
  "zapEnforceDomain",
  "loopbackFastPath",
  "vmciBufferSize",
  "vmciBufferMinSize",
  "vmciBufferMaxSize",
  "vmciConnectTimeout",
  "type",
  "lastEndpoint",
  "securityMechanism",
  "threadSafe",
  // zeromq.js Writable and Readable options (every socket accepts them, as libzmq's setsockopt does)
  "multicastHops",
  "sendBufferSize",
  "sendHighWaterMark",
  "sendTimeout",
  "receiveBufferSize",
  "receiveHighWaterMark",
  "receiveTimeout",
  // zeromq.js's id accessors (protected in its types; its README tells subclasses to use them)
  "getBoolOption",
  "setBoolOption",
  "getInt32Option",
  "setInt32Option",
  "getUint32Option",
  "setUint32Option",
  "getInt64Option",
  "setInt64Option",
  "getUint64Option",
  "setUint64Option",
  "getStringOption",
  "setStringOption",
  // zocket extras
  "typeName",
  "lastMessageProperties",
  // wss:// options (libzmq ZMQ_WSS_*; zeromq.js has no wss)
  "wssKeyPem",
  "wssCertPem",
  "wssTrustPem",
  "wssHostname",
  "wssTrustSystem",
  // libzmq options zeromq.js has no property for: ZMQ_USE_FD, ZMQ_SOCKS_USERNAME/PASSWORD, ZMQ_RECONNECT_STOP
  "useFd",
  "socksUsername",
  "socksPassword",
  "reconnectStop",
];

const OWN: Record<string, { make: () => { close(): void }; names: string[] }> = {
  Pair: { make: () => new z.Pair(), names: [] },
  Push: { make: () => new z.Push(), names: ["conflate"] },
  Pull: { make: () => new z.Pull(), names: ["conflate"] },
  Dealer: { make: () => new z.Dealer(), names: ["routingId", "probeRouter", "conflate"] },
  Request: { make: () => new z.Request(), names: ["routingId", "probeRouter", "correlate", "relaxed"] },
  Reply: { make: () => new z.Reply(), names: ["routingId"] },
  // `notify`: DRAFT ZMQ_ROUTER_NOTIFY, a zocket extra.
  Router: { make: () => new z.Router(), names: ["routingId", "mandatory", "probeRouter", "handover", "notify"] },
  Stream: { make: () => new z.Stream(), names: ["notify"] },
  Publisher: { make: () => new z.Publisher(), names: ["noDrop", "conflate", "invertMatching"] },
  Subscriber: { make: () => new z.Subscriber(), names: ["conflate", "invertMatching", "subscribe", "unsubscribe"] },
  // subscribe()/unsubscribe(): XPUB manual mode, a zocket extra.
  XPublisher: {
    make: () => new z.XPublisher(),
    names: ["noDrop", "manual", "welcomeMessage", "invertMatching", "verbosity", "subscribe", "unsubscribe"],
  },
  XSubscriber: { make: () => new z.XSubscriber(), names: [] },
};

test("every exported socket class is covered", () => {
  const exported = Object.entries(z)
    .filter(([, v]) => typeof v === "function" && v.prototype instanceof z.Socket)
    .map(([k]) => k)
    .sort();
  assert.deepEqual(exported, Object.keys(OWN).sort());
});

for (const [name, { make, names }] of Object.entries(OWN)) {
  test(`${name}: public names are zeromq.js's API plus zocket's documented extras`, (t) => {
    const s = make();
    t.after(() => s.close());
    assert.deepEqual(publicNames(s), [...new Set([...SOCKET, ...names])].sort());
  });
}

/** zocket/draft (zeromq.js's zeromq/draft) and zocket/draft-extra. */
const DRAFT_OWN: Record<string, { make: () => { close(): void }; names: string[] }> = {
  Server: { make: () => new draft.Server(), names: [] },
  Client: { make: () => new draft.Client(), names: [] },
  // `multicastLoop`: DRAFT ZMQ_MULTICAST_LOOP, a zocket extra (zeromq.js leaves it out).
  Radio: { make: () => new draft.Radio(), names: ["multicastLoop"] },
  Dish: { make: () => new draft.Dish(), names: ["join", "leave"] },
  Gather: { make: () => new draft.Gather(), names: ["conflate"] },
  Scatter: { make: () => new draft.Scatter(), names: ["conflate"] },
  Datagram: { make: () => new draft.Datagram(), names: [] },
  // Not in zeromq.js at all (zocket/draft-extra).
  Peer: { make: () => new extra.Peer(), names: ["connectPeer"] },
  Channel: { make: () => new extra.Channel(), names: [] },
};

test("every draft socket class is covered", () => {
  const exported = [...Object.entries(draft), ...Object.entries(extra)]
    .filter(([, v]) => typeof v === "function" && v.prototype instanceof z.Socket)
    .map(([k]) => k)
    .sort();
  assert.deepEqual(exported, Object.keys(DRAFT_OWN).sort());
});

for (const [name, { make, names }] of Object.entries(DRAFT_OWN)) {
  test(`${name} (draft): public names are zeromq.js's API plus zocket's documented extras`, (t) => {
    const s = make();
    t.after(() => s.close());
    assert.deepEqual(publicNames(s), [...new Set([...SOCKET, ...names])].sort());
  });
}

test("Context: public names are zeromq.js's", () => {
  const names = ["blocky", "ioThreads", "ipv6", "maxMessageSize", "maxSockets", "maxSocketsLimit"];
  const accessors = ["getBoolOption", "getInt32Option", "setBoolOption", "setInt32Option"];
  const expected = [...names, ...accessors, "threadPriority", "threadSchedulingPolicy"].sort();
  assert.deepEqual(publicNames(new z.Context()), expected);
});

test("Observer: public names are zeromq.js's", () => {
  const s = new z.Pull();
  try {
    assert.deepEqual(publicNames(new z.Observer(s)), ["close", "closed", "off", "on", "receive"]);
  } finally {
    s.close();
  }
});

test("new Observer(x) checks x as zeromq.js does; on a socket it takes over socket.events", async () => {
  const { Observer } = z as unknown as { Observer: new (...a: unknown[]) => unknown };
  for (const args of [[], [1], ["x"], [null]]) {
    assert.throws(() => new Observer(...args), { name: "TypeError", message: "Socket must be a socket object" });
  }
  assert.throws(() => new Observer({}), { message: "Invalid argument" });
  const s = new z.Pull({ linger: 0 });
  try {
    const o = new z.Observer(s);
    assert.equal(s.events, o);
    const first = o.receive();
    await s.bind("tcp://127.0.0.1:*");
    assert.equal((await first).type, "bind");
  } finally {
    s.close();
  }
  assert.throws(() => new z.Observer(s), { code: "ENOTSOCK" });
});
