/** zeromq.js's socket-xpub-xsub-test.ts, run on zocket and on zeromq.js over tcp, ipc and inproc. */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { eachLibProto, joined, PROBE, uniqAddress, type Zmq } from "./helpers.ts";

const MESSAGES = ["foo", "bar", "baz", "qux"];

eachLibProto((zmq: Zmq, proto, label) => {
  describe(`${label} xpub/xsub`, () => {
    const open: { close(): void }[] = [];
    const track = <T extends { close(): void }>(s: T): T => (open.push(s), s);
    afterEach(() => {
      for (const s of open.splice(0)) s.close();
    });

    /** PUB -> XSUB -> XPUB -> SUB, the XPUB's first subscription forwarded upstream by hand. */
    async function relay(sub: InstanceType<Zmq["Subscriber"]>, expected: string[]): Promise<void> {
      const pub = track(new zmq.Publisher());
      const xpub = track(new zmq.XPublisher());
      const xsub = track(new zmq.XSubscriber());
      const address1 = await uniqAddress(proto);
      const address2 = await uniqAddress(proto);
      const received: string[] = [];
      await pub.bind(address1);
      await xpub.bind(address2);
      xsub.connect(address1);
      sub.connect(address2);
      const send = async (): Promise<void> => {
        for (const msg of MESSAGES) await pub.send(msg);
      };
      const forward = async (): Promise<void> => {
        for await (const [msg] of xpub) {
          assert.ok(Buffer.isBuffer(msg));
          await xsub.send(msg!);
          break;
        }
      };
      let pubbed = 0;
      const publish = async (): Promise<void> => {
        for await (const [msg] of xsub) {
          assert.ok(Buffer.isBuffer(msg));
          await xpub.send(msg!);
          if (msg!.toString() !== PROBE && ++pubbed === expected.length) break;
        }
      };
      const receive = async (): Promise<void> => {
        for await (const [msg] of sub) {
          if (msg!.toString() === PROBE) continue;
          received.push(msg!.toString());
          if (received.length === expected.length) break;
        }
      };
      const relaying = [forward(), publish()];
      // The original sleeps 25 ms first (slow joiner); probes wait for the subscription to reach the PUB.
      await joined(
        () => pub.send(PROBE),
        async () => (await sub.receive())[0]!,
      );
      await Promise.all([send(), ...relaying, receive()]);
      assert.deepEqual(received, expected);
    }

    it("should deliver messages", async () => {
      const sub = track(new zmq.Subscriber());
      sub.subscribe();
      await relay(sub, MESSAGES);
    });

    it("should filter messages", async () => {
      const sub = track(new zmq.Subscriber());
      sub.subscribe("fo", "ba", "qu");
      sub.unsubscribe("fo", "qu");
      await relay(sub, ["bar", "baz"]);
    });

    /** Two subscribers subscribe to "fo", the second unsubscribes; what the XPUB reads with `verbosity`. */
    async function verbosity(v: "allSubs" | "allSubsUnsubs" | null, count: number): Promise<string[]> {
      const xpub = track(new zmq.XPublisher());
      const xsub = track(new zmq.XSubscriber());
      const sub1 = track(new zmq.Subscriber());
      const sub2 = track(new zmq.Subscriber());
      xpub.verbosity = v;
      const address = await uniqAddress(proto);
      await xpub.bind(address);
      sub1.connect(address);
      sub2.connect(address);
      const subs: string[] = [];
      // The original subscribes after a 25 ms sleep; an unsubscribe made before sub2's connection is up would
      // never travel. Subscriptions do (a SUB sends its set when it connects): sub2 unsubscribes once the
      // XPUB has seen what it reports of the two subscriptions.
      let seen: () => void = () => {};
      const subscribed = new Promise<void>((resolve) => (seen = resolve));
      const subscribe = async (): Promise<void> => {
        sub1.subscribe("fo");
        sub2.subscribe("fo");
        await subscribed;
        sub2.unsubscribe("fo");
      };
      const forward = async (): Promise<void> => {
        for await (const [msg] of xpub) {
          await xsub.send(msg!);
          subs.push(msg!.toString("latin1"));
          if (subs.length === (v === null ? 1 : 2)) seen();
          if (subs.length === count) break;
        }
      };
      await Promise.all([subscribe(), forward()]);
      return subs.sort();
    }

    it("should deduplicate subscriptions/unsubscriptions", async () => {
      assert.deepEqual(await verbosity(null, 1), ["\x01fo"]);
    });

    it("should forward all subscriptions", async () => {
      assert.deepEqual(await verbosity("allSubs", 2), ["\x01fo", "\x01fo"]);
    });

    it("should forward all subscriptions/unsubscriptions", async () => {
      assert.deepEqual(await verbosity("allSubsUnsubs", 3), ["\x00fo", "\x01fo", "\x01fo"]);
    });
  });
});
