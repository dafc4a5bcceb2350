/**
 * zeromq.js's context-thread-test and socket-thread-test (test/unit/*-thread-test.ts), ported: the default
 * context is shared with workers, and PAIR sockets exchange a multipart message within a worker, between
 * the main thread and a worker, and between two workers, on tcp, ipc and inproc; and proxy-router-dealer-test,
 * whose Proxy runs inside a worker (zeromq.js starts that worker and ends it at once, checking nothing; here
 * the worker's REQ -> ROUTER/DEALER proxy -> REP round trips are returned and checked). Run on zocket and
 * on zeromq.js itself.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LIBS, PROTOS, uniqAddress } from "../zeromqjs/helpers.ts";
import { createWorker, type Lib } from "./helpers.ts";

// The worker functions below run in the worker, where `zmq` is the library loaded there.
declare const zmq: (typeof LIBS)[number]["zmq"];

const strings = (msg: ArrayBufferView[]): string[] =>
  msg.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString());

for (const { name, zmq: lib } of LIBS) {
  const which = name as Lib;

  describe(`${name}: context in thread`, () => {
    it("with default context should be shared", async () => {
      try {
        lib.context.ioThreads = 3;
        const val = await createWorker(which, {}, async () => zmq.context.ioThreads);
        assert.equal(val, 3);
      } finally {
        lib.context.ioThreads = 1;
      }
    });
  });

  for (const proto of PROTOS) {
    describe(`${name}: socket with ${proto} in thread`, () => {
      it("when connected within thread should deliver messages", async () => {
        const data = { address: await uniqAddress(proto) };
        const recv = await createWorker(which, data, async ({ address }) => {
          const sockA = new zmq.Pair({ linger: 0 });
          const sockB = new zmq.Pair({ linger: 0 });
          await sockB.bind(address);
          await sockA.connect(address);
          await sockA.send(["foo", "bar"]);
          return sockB.receive();
        });
        assert.deepEqual(strings(recv), ["foo", "bar"]);
      });

      it("when connected to thread should deliver messages", async () => {
        const address = await uniqAddress(proto);
        const sockA = new lib.Pair({ linger: 0 });
        await sockA.bind(address);
        void sockA.send(["foo", "bar"]);
        await createWorker(which, { address }, async ({ address }) => {
          const sockB = new zmq.Pair({ linger: 0 });
          await sockB.connect(address);
          for await (const msg of sockB) {
            await sockB.send(msg);
            return;
          }
        });
        const recv = await sockA.receive();
        sockA.close();
        assert.deepEqual(strings(recv), ["foo", "bar"]);
      });

      it("proxy with router/dealer in a worker should proxy messages", async () => {
        // zeromq.js 6.8 (libzmq 4.3.5) stops forwarding after pause() then resume() back to back, in any
        // thread (its own test never waits for the worker, so it does not see it): zocket is checked with them.
        const steer = name === "zocket";
        const data = { front: await uniqAddress(proto), back: await uniqAddress(proto), steer };
        const received = await createWorker(which, data, async ({ front, back, steer }) => {
          const proxy = new zmq.Proxy(new zmq.Router(), new zmq.Dealer());
          const req = new zmq.Request();
          const rep = new zmq.Reply();
          await proxy.frontEnd.bind(front);
          await proxy.backEnd.bind(back);
          const done = proxy.run();
          await req.connect(front);
          await rep.connect(back);
          void (async () => {
            for await (const msg of rep) await rep.send(msg);
          })();
          const got: string[] = [];
          for (const msg of ["foo", "bar", "baz", "qux"]) {
            if (steer && got.length === 2) {
              proxy.pause();
              proxy.resume();
            }
            await req.send(msg);
            const [res] = await req.receive();
            got.push(String(res));
          }
          proxy.terminate();
          await done;
          req.close();
          rep.close();
          return got;
        });
        assert.deepEqual(received, ["foo", "bar", "baz", "qux"]);
      });

      it("when connected between threads should deliver messages", async () => {
        const address = await uniqAddress(proto);
        const worker1 = createWorker(which, { address }, async ({ address }) => {
          const sockA = new zmq.Pair({ linger: 0 });
          await sockA.bind(address);
          await sockA.send(["foo", "bar"]);
          return sockA.receive();
        });
        const worker2 = createWorker(which, { address }, async ({ address }) => {
          const sockB = new zmq.Pair({ linger: 0 });
          await sockB.connect(address);
          for await (const msg of sockB) {
            await sockB.send(msg);
            return;
          }
        });
        const [recv] = await Promise.all([worker1, worker2]);
        assert.deepEqual(strings(recv), ["foo", "bar"]);
      });
    });
  }
}
