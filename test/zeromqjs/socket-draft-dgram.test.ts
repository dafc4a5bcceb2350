/**
 * zeromq.js's socket-draft-dgram-test.ts, run on zocket/draft and zeromq/draft: a Datagram bound to
 * udp://127.0.0.1 echoes `[address, body]`; plain node:dgram clients send to "localhost" and get it back.
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { afterEach, describe, it } from "node:test";
import { closer, eachDraftLibProto, uniqAddress } from "./draft-helpers.ts";

const MESSAGES = ["foo", "bar", "baz", "qux"];

eachDraftLibProto(["udp"], (draft, proto, label) => {
  const c = closer();
  describe(`${label} dgram`, () => {
    afterEach(() => c.closeAll());

    it("should deliver messages", async () => {
      const dgram = c.track(new draft.Datagram());
      const address = await uniqAddress(proto);
      const port = Number(address.split(":").pop());
      await dgram.bind(address);
      const echo = async (): Promise<void> => {
        for await (const [id, msg] of dgram) await dgram.send([id, msg]);
      };
      const received: string[] = [];
      const send = async (): Promise<void> => {
        for (const msg of MESSAGES) {
          const client = createSocket("udp4");
          await new Promise<void>((resolve) => {
            client.on("message", (res) => {
              received.push(res.toString());
              client.close();
              resolve();
            });
            client.send(msg, port, "localhost");
          });
        }
        dgram.close();
      };
      await Promise.all([echo(), send()]);
      assert.deepEqual(received, MESSAGES);
    });
  });
});
