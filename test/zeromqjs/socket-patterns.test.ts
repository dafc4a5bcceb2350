/**
 * zeromq.js's pattern tests (socket-pair, socket-push-pull, socket-pub-sub, socket-req-rep and
 * socket-router-dealer -test.ts), run on zocket and on zeromq.js over tcp, ipc and inproc.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { eachLibProto, isFullError, joined, PROBE, uniqAddress, type Zmq } from "./helpers.ts";

const MESSAGES = ["foo", "bar", "baz", "qux"];

/** Sockets made in a case, closed after it whatever happened. */
function closer(): { track<T extends { close(): void }>(s: T): T; closeAll(): void } {
  const open: { close(): void }[] = [];
  return {
    track: (s) => (open.push(s), s),
    closeAll: () => {
      for (const s of open.splice(0)) s.close();
    },
  };
}

eachLibProto((zmq: Zmq, proto, label) => {
  const c = closer();
  describe(`${label} pair/pair`, () => {
    afterEach(() => c.closeAll());

    it("should deliver messages", async () => {
      const sockA = c.track(new zmq.Pair());
      const sockB = c.track(new zmq.Pair());
      const address = await uniqAddress(proto);
      const received: string[] = [];
      await sockA.bind(address);
      sockB.connect(address);
      const echo = async (): Promise<void> => {
        for await (const msg of sockB) await sockB.send(msg);
      };
      const send = async (): Promise<void> => {
        for (const msg of MESSAGES) await sockA.send(msg);
        for await (const msg of sockA) {
          received.push(msg.toString());
          if (received.length === MESSAGES.length) break;
        }
        // Closing the echo's socket ends its `for await` loop.
        sockB.close();
      };
      await Promise.all([echo(), send()]);
      assert.deepEqual(received, MESSAGES);
    });
  });

  describe(`${label} push/pull`, () => {
    afterEach(() => c.closeAll());

    it("should deliver messages", async () => {
      const push = c.track(new zmq.Push());
      const pull = c.track(new zmq.Pull());
      const address = await uniqAddress(proto);
      const received: string[] = [];
      await pull.bind(address);
      push.connect(address);
      for (const msg of MESSAGES) await push.send(msg);
      for await (const [msg] of pull) {
        assert.ok(Buffer.isBuffer(msg));
        received.push(msg!.toString());
        if (received.length === MESSAGES.length) break;
      }
      assert.deepEqual(received, MESSAGES);
    });

    if (proto !== "inproc") {
      it("should deliver messages with immediate", async () => {
        const push = c.track(new zmq.Push());
        const pull = c.track(new zmq.Pull());
        const address = await uniqAddress(proto);
        const received: string[] = [];
        await pull.bind(address);
        push.immediate = true;
        push.connect(address);
        // Never connected: without immediate, messages would be queued for it and lost.
        push.connect(await uniqAddress(proto));
        for (const msg of MESSAGES) await push.send(msg);
        for await (const [msg] of pull) {
          received.push(msg!.toString());
          if (received.length === MESSAGES.length) break;
        }
        assert.deepEqual(received, MESSAGES);
      });
    }
  });

  describe(`${label} pub/sub`, () => {
    afterEach(() => c.closeAll());

    async function run(sub: InstanceType<Zmq["Subscriber"]>, expected: string[]): Promise<void> {
      const pub = c.track(new zmq.Publisher());
      const address = await uniqAddress(proto);
      const received: string[] = [];
      await sub.bind(address);
      pub.connect(address);
      // The original sleeps 25 ms first (slow joiner); probes wait for the subscription itself.
      await joined(
        () => pub.send(PROBE),
        async () => (await sub.receive())[0]!,
      );
      const send = async (): Promise<void> => {
        for (const msg of MESSAGES) await pub.send(msg);
      };
      const receive = async (): Promise<void> => {
        for await (const [msg] of sub) {
          assert.ok(Buffer.isBuffer(msg));
          if (msg!.toString() === PROBE) continue;
          received.push(msg!.toString());
          if (received.length === expected.length) break;
        }
      };
      await Promise.all([send(), receive()]);
      assert.deepEqual(received, expected);
    }

    it("should deliver messages", async () => {
      const sub = c.track(new zmq.Subscriber());
      sub.subscribe();
      await run(sub, MESSAGES);
    });

    it("should filter messages", async () => {
      const sub = c.track(new zmq.Subscriber());
      sub.subscribe("fo", "ba", "qu");
      sub.unsubscribe("fo", "qu");
      await run(sub, ["bar", "baz"]);
    });
  });

  describe(`${label} req/rep`, () => {
    afterEach(() => c.closeAll());

    it("should deliver messages", async () => {
      const req = c.track(new zmq.Request());
      const rep = c.track(new zmq.Reply());
      const address = await uniqAddress(proto);
      const received: string[] = [];
      await rep.bind(address);
      req.connect(address);
      const echo = async (): Promise<void> => {
        for await (const msg of rep) await rep.send(msg);
      };
      const send = async (): Promise<void> => {
        for (const msg of MESSAGES) {
          await req.send(Buffer.from(msg));
          const [res] = await req.receive();
          received.push(res!.toString());
        }
        rep.close();
      };
      await Promise.all([echo(), send()]);
      assert.deepEqual(received, MESSAGES);
    });

    it("should throw when waiting for a response", async () => {
      const req = c.track(new zmq.Request());
      const rep = c.track(new zmq.Reply());
      const address = await uniqAddress(proto);
      req.sendTimeout = 2;
      await rep.bind(address);
      req.connect(address);
      const echo = async (): Promise<void> => {
        const msg = await rep.receive();
        await rep.send(msg);
      };
      const send = async (): Promise<void> => {
        await req.send(Buffer.from("foo"));
        assert.equal(req.writable, false);
        await assert.rejects(req.send(Buffer.from("bar")), (err: unknown) => {
          assert.ok(isFullError(err));
          assert.equal(err.message, "Operation cannot be accomplished in current state");
          assert.equal(err.code, "EFSM");
          assert.equal(typeof err.errno, "number");
          return true;
        });
        const [msg] = await req.receive();
        assert.deepEqual(msg, Buffer.from("foo"));
        rep.close();
      };
      await Promise.all([echo(), send()]);
    });
  });

  describe(`${label} router/dealer`, () => {
    afterEach(() => c.closeAll());

    it("should deliver messages", async () => {
      const router = c.track(new zmq.Router());
      const dealerA = c.track(new zmq.Dealer());
      const dealerB = c.track(new zmq.Dealer());
      const address = await uniqAddress(proto);
      const receivedA: string[] = [];
      const receivedB: string[] = [];
      await router.bind(address);
      dealerA.connect(address);
      dealerB.connect(address);
      const echo = async (): Promise<void> => {
        for await (const [sender, msg] of router) await router.send([sender!, msg!]);
      };
      const send = async (): Promise<void> => {
        for (const msg of MESSAGES) {
          await dealerA.send(msg);
          await dealerB.send(msg);
        }
        for await (const msg of dealerA) {
          receivedA.push(msg.toString());
          if (receivedA.length === MESSAGES.length) break;
        }
        for await (const msg of dealerB) {
          receivedB.push(msg.toString());
          if (receivedB.length === MESSAGES.length) break;
        }
        router.close();
      };
      await Promise.all([echo(), send()]);
      assert.deepEqual(receivedA, MESSAGES);
      assert.deepEqual(receivedB, MESSAGES);
    });

    it("should fail with unroutable message if mandatory", async () => {
      const router = c.track(new zmq.Router());
      router.mandatory = true;
      router.sendTimeout = 0;
      await assert.rejects(router.send(["fooId", "foo"]), (err: unknown) => {
        assert.ok(isFullError(err));
        assert.equal(err.message, "Host unreachable");
        assert.equal(err.code, "EHOSTUNREACH");
        assert.equal(typeof err.errno, "number");
        return true;
      });
    });
  });
});
