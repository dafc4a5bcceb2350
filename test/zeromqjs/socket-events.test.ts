/** zeromq.js's socket-events-test.ts, run on zocket and on zeromq.js over tcp, ipc and inproc. */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { captureEvent, captureEventsUntil, eachLibProto, failsWith, uniqAddress, type Zmq } from "./helpers.ts";

eachLibProto((zmq: Zmq, proto, label) => {
  describe(`${label} events`, () => {
    let sockA: InstanceType<Zmq["Dealer"]>;
    let sockB: InstanceType<Zmq["Dealer"]>;
    beforeEach(() => {
      sockA = new zmq.Dealer();
      sockB = new zmq.Dealer();
    });
    afterEach(() => {
      sockA.close();
      sockB.close();
    });

    it("when not connected: should receive events", async () => {
      const done = captureEventsUntil(sockA, "end");
      sockA.close();
      assert.deepEqual(await done, [{ type: "end" }]);
    });

    it("should return same object", () => {
      assert.equal(sockA.events, sockA.events);
    });

    if (proto !== "inproc") {
      it("should receive bind events", async () => {
        const address = await uniqAddress(proto);
        const [event] = await Promise.all([captureEvent(sockA, "bind"), sockA.bind(address), sockB.connect(address)]);
        assert.deepEqual(event, { type: "bind", address });
      });

      it("should receive connect events", async () => {
        const address = await uniqAddress(proto);
        const [event] = await Promise.all([
          captureEvent(sockB, "connect"),
          sockA.bind(address),
          sockB.connect(address),
        ]);
        assert.deepEqual(event, { type: "connect", address });
      });
    }

    if (proto === "tcp") {
      it("should receive error events", async () => {
        const address = await uniqAddress(proto);
        await sockA.bind(address);
        const [event] = await Promise.all([captureEvent(sockB, "bind:error"), sockB.bind(address).catch(() => {})]);
        // zeromq.js reports the address without its scheme here.
        assert.equal(`tcp://${event["address"] as string}`, address);
        const error = event["error"] as Error & { code: string; errno: number };
        assert.ok(error instanceof Error);
        assert.equal(error.message, "Address already in use");
        assert.equal(error.code, "EADDRINUSE");
        assert.equal(typeof error.errno, "number");
      });
    }

    it("should receive events with emitter", async () => {
      const address = await uniqAddress(proto);
      const events: unknown[] = [];
      for (const type of ["bind", "accept", "close", "end"] as const) sockA.events.on(type, (e) => events.push(e));
      assert.throws(() => sockA.events.receive(), {
        message:
          "Observer is in event emitter mode. After a call to events.on() it " +
          "is not possible to read events with events.receive().",
      });
      const connected = captureEvent(sockB, "connect");
      const done = Promise.all([captureEvent(sockA, "end"), sockA.bind(address), sockB.connect(address)]);
      if (proto !== "inproc") await connected;
      sockA.close();
      sockB.close();
      await done;
      if (proto === "inproc") {
        assert.deepEqual(events, [{ type: "end" }]);
      } else {
        for (const e of [
          { type: "bind", address },
          { type: "accept", address },
          { type: "close", address },
          { type: "end" },
        ]) {
          assert.ok(
            events.some((x) => JSON.stringify(x) === JSON.stringify(e)),
            `${JSON.stringify(e)} in ${JSON.stringify(events)}`,
          );
        }
      }
    });

    it("when closed automatically: should not be able to receive", async () => {
      const events = sockA.events;
      sockA.close();
      const { type } = await events.receive();
      assert.equal(type, "end");
      await failsWith(() => events.receive(), { message: "Socket is closed", code: "EBADF" });
    });

    it("when closed automatically: should be closed", async () => {
      const events = sockA.events;
      sockA.close();
      await events.receive();
      assert.equal(events.closed, true);
    });
  });
});
