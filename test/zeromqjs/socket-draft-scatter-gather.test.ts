/**
 * zeromq.js's socket-draft-scatter-gather-test.ts, run on zocket/draft and zeromq/draft over tcp, ipc and
 * inproc: messages arrive in order; with `immediate`, a never-connected endpoint loses nothing.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { closer, eachDraftLibProto, uniqAddress } from "./draft-helpers.ts";

const MESSAGES = ["foo", "bar", "baz", "qux"];

eachDraftLibProto(["tcp", "ipc", "inproc"], (draft, proto, label) => {
  const c = closer();
  describe(`${label} scatter/gather`, () => {
    afterEach(() => c.closeAll());

    it("should deliver messages", async () => {
      const scatter = c.track(new draft.Scatter());
      const gather = c.track(new draft.Gather());
      const address = await uniqAddress(proto);
      const received: string[] = [];
      await gather.bind(address);
      scatter.connect(address);
      for (const msg of MESSAGES) await scatter.send(msg);
      for await (const [msg] of gather) {
        assert.ok(Buffer.isBuffer(msg));
        received.push(msg.toString());
        if (received.length === MESSAGES.length) break;
      }
      assert.deepEqual(received, MESSAGES);
    });

    if (proto !== "inproc") {
      it("should deliver messages with immediate", async () => {
        const scatter = c.track(new draft.Scatter());
        const gather = c.track(new draft.Gather());
        const address = await uniqAddress(proto);
        const received: string[] = [];
        await gather.bind(address);
        scatter.immediate = true;
        scatter.connect(address);
        // Never connected: without immediate it would take (and lose) every other message.
        scatter.connect(await uniqAddress(proto));
        for (const msg of MESSAGES) await scatter.send(msg);
        for await (const [msg] of gather) {
          assert.ok(Buffer.isBuffer(msg));
          received.push(msg.toString());
          if (received.length === MESSAGES.length) break;
        }
        assert.deepEqual(received, MESSAGES);
      });
    }
  });
});
