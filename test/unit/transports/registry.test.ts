/**
 * The transport registry (src/transports/registry.ts): tcp and ipc are stream transports, inproc is known
 * but has none, and a new scheme plugs in with one registration, reached through the same lookup the
 * sessions use.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ZmqError } from "../../../src/errors.ts";
import { lookupTransport, registerTransport, streamTransport } from "../../../src/transports/registry.ts";
import type { StreamEndpoint, StreamTransport } from "../../../src/transports/transport.ts";

test("tcp, ipc, ws and wss are served by a stream transport; inproc is known without one; others are unknown", () => {
  for (const scheme of ["tcp", "ipc", "ws", "wss"]) assert.equal(lookupTransport(scheme)?.kind, "stream");
  assert.equal(lookupTransport("inproc")?.kind, "inproc");
  assert.equal(lookupTransport("vmci"), undefined);
  const tcp: StreamEndpoint = {
    transport: "tcp",
    address: "tcp://127.0.0.1:1",
    host: "127.0.0.1",
    port: 1,
    anyPort: false,
    ipv6Literal: false,
  };
  assert.equal(typeof streamTransport(tcp).connect, "function");
});

test("a scheme without a stream transport is EPROTONOSUPPORT; a registered one is used", () => {
  // A future endpoint type, as the parser would produce it.
  const ws = { transport: "vmci", address: "vmci://1:1" } as unknown as StreamEndpoint;
  assert.throws(
    () => streamTransport(ws),
    (e: unknown) => e instanceof ZmqError && e.code === "EPROTONOSUPPORT",
  );
  const fake: StreamTransport = {
    listen: (ep) => Promise.resolve({ endpoint: ep.address, close() {} }),
    connect: () => () => {},
  };
  registerTransport("vmci", fake);
  assert.equal(streamTransport(ws), fake);
  assert.equal(lookupTransport("vmci")?.kind, "stream");
});
