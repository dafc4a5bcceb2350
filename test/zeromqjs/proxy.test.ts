/** zeromq.js's proxy-construction, proxy-run and proxy-terminate -test.ts, on zocket and on zeromq.js. */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { LIBS, eachLibProto, failsWith, isFullError, sleep, uniqAddress, type Zmq } from "./helpers.ts";

type AnyCtor = new (...args: unknown[]) => unknown;

for (const { name, zmq } of LIBS) {
  describe(`${name}: proxy construction`, () => {
    const P = zmq.Proxy as unknown as AnyCtor & ((...a: unknown[]) => unknown);

    it("should throw if called as function", () => {
      assert.throws(() => P(), {
        name: "TypeError",
        message: /^Class constructors? (\w+ )?cannot be invoked without 'new'$/,
      });
    });

    it("should throw with too few arguments", () => {
      assert.throws(() => new P(), { name: "TypeError", message: /Front-end must be a socket object/ });
    });

    it("should throw with too many arguments", () => {
      const socks = [new zmq.Dealer(), new zmq.Dealer(), new zmq.Dealer()];
      try {
        assert.throws(() => new P(...socks), { name: "TypeError", message: /Expected 2 arguments/ });
      } finally {
        for (const s of socks) s.close();
      }
    });

    it("should throw with invalid socket", () => {
      assert.throws(
        () => new P({}, {}),
        (err: unknown) => isFullError(err) || (err instanceof Error && err.message === "Invalid argument"),
      );
    });
  });
}

eachLibProto((zmq: Zmq, proto, label) => {
  describe(`${label} proxy`, () => {
    let proxy: InstanceType<Zmq["Proxy"]>;
    beforeEach(() => {
      proxy = new zmq.Proxy(new zmq.Router(), new zmq.Dealer());
    });
    afterEach(() => {
      proxy.frontEnd.close();
      proxy.backEnd.close();
    });

    describe(`${label} proxy run`, () => {
      const FRONT = "Front-end socket must be bound or connected";
      const BACK = "Back-end socket must be bound or connected";

      it("should fail if front end is not bound or connected", async () => {
        await proxy.backEnd.bind(await uniqAddress(proto));
        await failsWith(() => proxy.run(), { message: FRONT, code: "EINVAL" });
      });

      it("should fail if front end is not open", async () => {
        await proxy.frontEnd.bind(await uniqAddress(proto));
        await proxy.backEnd.bind(await uniqAddress(proto));
        proxy.frontEnd.close();
        await failsWith(() => proxy.run(), { message: FRONT, code: "EINVAL" });
      });

      it("should fail if back end is not bound or connected", async () => {
        await proxy.frontEnd.bind(await uniqAddress(proto));
        await failsWith(() => proxy.run(), { message: BACK, code: "EINVAL" });
      });

      it("should fail if back end is not open", async () => {
        await proxy.frontEnd.bind(await uniqAddress(proto));
        await proxy.backEnd.bind(await uniqAddress(proto));
        proxy.backEnd.close();
        await failsWith(() => proxy.run(), { message: BACK, code: "EINVAL" });
      });
    });

    describe(`${label} proxy terminate`, () => {
      const closed = { message: "Socket is closed", code: "EBADF" };

      it("should throw if not started yet", async () => {
        await proxy.frontEnd.bind(await uniqAddress(proto));
        await proxy.backEnd.bind(await uniqAddress(proto));
        await failsWith(() => proxy.terminate(), closed);
      });

      it("should throw if called after termination", async () => {
        await proxy.frontEnd.bind(await uniqAddress(proto));
        await proxy.backEnd.bind(await uniqAddress(proto));
        const stop = sleep(50).then(() => proxy.terminate());
        await proxy.run();
        await stop;
        await failsWith(() => proxy.terminate(), closed);
      });
    });
  });
});
