/**
 * zeromq.js's socket-draft-radio-dish-test.ts, run on zocket/draft and zeromq/draft over tcp, ipc, inproc
 * and udp: DISH binds, RADIO connects; a 15-byte binary group; join/leave filtering where everything after
 * a NUL byte of a group is ignored.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { joined, PROBE } from "./helpers.ts";
import { closer, eachDraftLibProto, uniqAddress } from "./draft-helpers.ts";

const MESSAGES = ["foo", "bar", "baz", "qux"];

eachDraftLibProto(["tcp", "ipc", "inproc", "udp"], (draft, proto, label) => {
  const c = closer();
  describe(`${label} radio/dish`, () => {
    afterEach(() => c.closeAll());

    it("should deliver messages", async () => {
      const radio = c.track(new draft.Radio());
      const dish = c.track(new draft.Dish());
      const address = await uniqAddress(proto);
      // At most 15 non-null bytes.
      const uuid = Buffer.from([
        0xf6, 0x46, 0x1f, 0x03, 0xd2, 0x0d, 0xc8, 0x66, 0xe5, 0x5f, 0xf5, 0xa1, 0x65, 0x62, 0xb2,
      ]);
      const received: string[] = [];
      dish.join(uuid);
      await dish.bind(address);
      radio.connect(address);
      // The original sleeps 25 ms first (slow joiner); probes wait for the JOIN itself.
      await joined(
        () => radio.send(PROBE, { group: uuid }),
        async () => (await dish.receive())[0],
      );
      const send = async (): Promise<void> => {
        for (const msg of MESSAGES) await radio.send(msg, { group: uuid });
      };
      const receive = async (): Promise<void> => {
        for await (const [msg, { group }] of dish) {
          assert.ok(Buffer.isBuffer(msg));
          assert.ok(Buffer.isBuffer(group));
          assert.deepEqual(group, uuid);
          if (msg.toString() === PROBE) continue;
          received.push(msg.toString());
          if (received.length === MESSAGES.length) break;
        }
      };
      await Promise.all([send(), receive()]);
      assert.deepEqual(received, MESSAGES);
    });

    it("should filter messages", async () => {
      const radio = c.track(new draft.Radio());
      const dish = c.track(new draft.Dish());
      const address = await uniqAddress(proto);
      const received: string[] = [];
      // Everything after a NUL byte is ignored: this joins "fo" and "ba", then leaves "fo".
      dish.join(Buffer.from("fo\x00ba"), Buffer.from("ba\x00fo"));
      dish.leave(Buffer.from("fo"));
      await dish.bind(address);
      radio.connect(address);
      await joined(
        () => radio.send(PROBE, { group: "ba" }),
        async () => (await dish.receive())[0],
      );
      const send = async (): Promise<void> => {
        for (const msg of MESSAGES) await radio.send(msg, { group: msg.slice(0, 2) });
      };
      const receive = async (): Promise<void> => {
        for await (const [msg, { group }] of dish) {
          assert.ok(Buffer.isBuffer(msg));
          if (msg.toString() === PROBE) continue;
          assert.deepEqual(group, Buffer.from(msg.toString().slice(0, 2)));
          received.push(msg.toString());
          if (received.length === 2) break;
        }
      };
      await Promise.all([send(), receive()]);
      assert.deepEqual(received, ["bar", "baz"]);
    });
  });
});
