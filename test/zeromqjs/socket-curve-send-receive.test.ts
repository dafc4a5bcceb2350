/** zeromq.js's socket-curve-send-receive-test.ts, on zocket and on zeromq.js over tcp, ipc and inproc. */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { eachLibProto, uniqAddress, type Zmq } from "./helpers.ts";

eachLibProto((zmq: Zmq, proto, label) => {
  describe(`${label} curve send/receive`, () => {
    let sockA: InstanceType<Zmq["Pair"]>;
    let sockB: InstanceType<Zmq["Pair"]>;
    beforeEach(async () => {
      const server = zmq.curveKeyPair();
      const client = zmq.curveKeyPair();
      sockA = new zmq.Pair({
        linger: 0,
        curveServer: true,
        curvePublicKey: server.publicKey,
        curveSecretKey: server.secretKey,
      });
      sockB = new zmq.Pair({
        linger: 0,
        curveServerKey: server.publicKey,
        curvePublicKey: client.publicKey,
        curveSecretKey: client.secretKey,
      });
      const address = await uniqAddress(proto);
      await sockB.bind(address);
      sockA.connect(address);
    });
    afterEach(() => {
      sockA.close();
      sockB.close();
    });

    it("when connected: should deliver single string message", async () => {
      await sockA.send("foo");
      const recv = await sockB.receive();
      assert.deepEqual(
        recv.map((b) => b.toString()),
        ["foo"],
      );
    });
  });
});
