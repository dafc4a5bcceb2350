/**
 * zeromq.js's socket-draft-server-client-test.ts, run on zocket/draft and zeromq/draft over tcp, ipc and
 * inproc: two clients, the server echoes with the routing id it received; an unknown id is EHOSTUNREACH.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { isFullError } from "./helpers.ts";
import { closer, eachDraftLibProto, uniqAddress } from "./draft-helpers.ts";

const MESSAGES = ["foo", "bar", "baz", "qux"];

eachDraftLibProto(["tcp", "ipc", "inproc"], (draft, proto, label) => {
  const c = closer();
  describe(`${label} server/client`, () => {
    afterEach(() => c.closeAll());

    it("should deliver messages", async () => {
      const server = c.track(new draft.Server());
      const clientA = c.track(new draft.Client());
      const clientB = c.track(new draft.Client());
      const address = await uniqAddress(proto);
      const receivedA: string[] = [];
      const receivedB: string[] = [];
      await server.bind(address);
      clientA.connect(address);
      clientB.connect(address);
      const echo = async (): Promise<void> => {
        for await (const [msg, { routingId }] of server) {
          assert.equal(typeof routingId, "number");
          await server.send(msg, { routingId });
        }
      };
      const send = async (): Promise<void> => {
        for (const msg of MESSAGES) {
          await clientA.send(msg);
          await clientB.send(msg);
        }
        for await (const [msg] of clientA) {
          receivedA.push(msg.toString());
          if (receivedA.length === MESSAGES.length) break;
        }
        for await (const [msg] of clientB) {
          receivedB.push(msg.toString());
          if (receivedB.length === MESSAGES.length) break;
        }
        server.close();
      };
      await Promise.all([echo(), send()]);
      assert.deepEqual(receivedA, MESSAGES);
      assert.deepEqual(receivedB, MESSAGES);
    });

    it("should fail with unroutable message", async () => {
      const server = c.track(new draft.Server());
      try {
        await server.send("foo", { routingId: 12345 });
        assert.fail("send succeeded");
      } catch (err) {
        if (!isFullError(err)) throw err;
        assert.equal(err.message, "Host unreachable");
        assert.equal(err.code, "EHOSTUNREACH");
        assert.equal(typeof err.errno, "number");
      }
    });
  });
});
