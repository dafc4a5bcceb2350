/**
 * lastMessageProperties(): the properties of the connection the last received message came from.
 * (Moved from test/sockets/sockets.test.ts.)
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as z from "../../src/index.ts";
import { closeAfter, uniqueIpc, waitUntil, withTimeout } from "../helpers/sockets.ts";

describe("lastMessageProperties()", () => {
  test("describes the connection each message came from, also once the pipe has reconnected to another peer", async (t) => {
    const ep = uniqueIpc("props");
    const a = new z.Dealer({ routingId: "peer-a", linger: 0 });
    const client = new z.Dealer({ reconnectInterval: 20, linger: 0 });
    closeAfter(t, a, client);
    await a.bind(ep);
    client.connect(ep);
    await withTimeout(a.send("m1"), 3000, "send to the client");
    assert.deepEqual((await withTimeout(client.receive(), 3000, "m1")).map(String), ["m1"]);
    assert.equal(client.lastMessageProperties()?.["Identity"], "peer-a");

    // Peer a goes; b binds the same endpoint and the client's connect-side pipe reconnects to it.
    a.close();
    const b = new z.Dealer({ routingId: "peer-b", linger: 0 });
    closeAfter(t, b);
    await b.bind(ep);
    await withTimeout(b.send("m2"), 3000, "send after the reconnect");
    await waitUntil(() => client.readable, 3000, "m2 queued at the client");
    // m2 is queued, not yet received: the last message is still m1, from peer a.
    assert.equal(client.lastMessageProperties()?.["Identity"], "peer-a");
    assert.deepEqual((await withTimeout(client.receive(), 3000, "m2")).map(String), ["m2"]);
    assert.equal(client.lastMessageProperties()?.["Identity"], "peer-b");
  });

  test("Peer-Address on the side that connected: by IPv4 address and by host name", async (t) => {
    const server = new z.Dealer({ linger: 0 });
    closeAfter(t, server);
    await server.bind("tcp://127.0.0.1:*");
    const port = server.lastEndpoint!.split(":").pop()!;
    for (const host of ["127.0.0.1", "localhost"]) {
      const client = new z.Dealer({ linger: 0 });
      closeAfter(t, client);
      client.connect(`tcp://${host}:${port}`);
      await withTimeout(client.send("ping"), 3000, "send");
      await withTimeout(server.receive(), 3000, "ping");
      await withTimeout(server.send("pong"), 3000, "reply");
      await withTimeout(client.receive(), 3000, "pong");
      assert.equal(client.lastMessageProperties()?.["Peer-Address"], "127.0.0.1", host);
      client.close();
    }
  });
});
