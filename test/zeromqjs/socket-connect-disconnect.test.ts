/** zeromq.js's socket-connect-disconnect-test.ts, run on zocket and on zeromq.js over tcp, ipc and inproc. */
import { afterEach, describe, it } from "node:test";
import { eachLibProto, failsWith, uniqAddress, type Zmq } from "./helpers.ts";

eachLibProto((zmq: Zmq, proto, label) => {
  describe(`${label} connect/disconnect`, () => {
    const open: { close(): void }[] = [];
    const dealer = (): InstanceType<Zmq["Dealer"]> => {
      const s = new zmq.Dealer();
      open.push(s);
      return s;
    };
    afterEach(() => {
      for (const s of open.splice(0)) s.close();
    });

    it("connect: should throw error for invalid uri", async () => {
      const sock = dealer();
      await failsWith(() => sock.connect("foo-bar"), {
        message: "Invalid argument",
        code: "EINVAL",
        address: "foo-bar",
      });
    });

    it("connect: should throw error for invalid protocol", async () => {
      const sock = dealer();
      await failsWith(() => sock.connect("foo://bar"), {
        message: "Protocol not supported",
        code: "EPROTONOSUPPORT",
        address: "foo://bar",
      });
    });

    it("connect: should allow setting routing id on router", async () => {
      const sock = new zmq.Router({ mandatory: true, linger: 0 });
      open.push(sock);
      sock.connect(await uniqAddress(proto), { routingId: "remoteId" });
      await sock.send(["remoteId", "hi"]);
    });

    it("disconnect: should throw error if not connected to endpoint", async () => {
      const sock = dealer();
      const address = await uniqAddress(proto);
      await failsWith(() => sock.disconnect(address), { message: "No such endpoint", code: "ENOENT", address });
    });

    it("disconnect: should throw error for invalid uri", async () => {
      const sock = dealer();
      await failsWith(() => sock.disconnect("foo-bar"), {
        message: "Invalid argument",
        code: "EINVAL",
        address: "foo-bar",
      });
    });

    it("disconnect: should throw error for invalid protocol", async () => {
      const sock = dealer();
      await failsWith(() => sock.disconnect("foo://bar"), {
        message: "Protocol not supported",
        code: "EPROTONOSUPPORT",
        address: "foo://bar",
      });
    });
  });
});
