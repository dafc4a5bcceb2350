/** zeromq.js's socket-zap-test.ts: PLAIN with a ZAP handler on inproc://zeromq.zap.01, on zocket and zeromq.js. */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { captureEvent, eachLibProto, uniqAddress, type Zmq } from "./helpers.ts";

type Frame = Buffer | string | null;

/** A ZAP handler (RFC 27) bound in the socket's context, answering each request with `handle`. */
function zapHandler(zmq: Zmq, handle: (req: Buffer[]) => Frame[]): { stop(): void } {
  const socket = new zmq.Router();
  void (async () => {
    // zeromq.js releases an inproc name asynchronously after close(): the previous case's handler may
    // still hold it for a moment.
    for (let i = 0; ; i++) {
      try {
        await socket.bind("inproc://zeromq.zap.01");
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== "EADDRINUSE" || i >= 50) throw err;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    for await (const msg of socket) await socket.send(handle(msg) as never);
  })();
  return { stop: () => socket.close() };
}

/** zeromq.js's ValidatingZapHandler: checks domain and credentials per mechanism. */
function validating(zmq: Zmq, details: { domain: string; credentials: string[] }): { stop(): void } {
  return zapHandler(zmq, (req) => {
    const [path, delimiter, version, id, domain, , , mechanism, ...credentials] = req;
    let status = ["200", "OK"];
    const mech = mechanism!.toString();
    if (mech === "NULL" && credentials.length !== 0) status = ["300", "Expected no credentials"];
    else if (mech === "PLAIN" && credentials.length !== 2) status = ["300", "Expected 2 credentials"];
    else if (mech === "CURVE" && credentials.length !== 1) status = ["300", "Expected 1 credential"];
    else if (domain!.toString() !== details.domain) status = ["400", "Unknown domain"];
    else if (credentials.some((c, i) => details.credentials[i] !== c.toString())) status = ["400", "Bad credentials"];
    return [path!, delimiter!, version!, id!, ...status, null, null];
  });
}

eachLibProto(
  (zmq: Zmq, proto, label) => {
    describe(`${label} zap with plain mechanism`, () => {
      let sockA: InstanceType<Zmq["Pair"]>;
      let sockB: InstanceType<Zmq["Pair"]>;
      let handler: { stop(): void } | null = null;
      beforeEach(() => {
        sockA = new zmq.Pair();
        sockB = new zmq.Pair();
      });
      afterEach(() => {
        handler?.stop();
        handler = null;
        sockA.close();
        sockB.close();
      });

      it("should deliver message", async () => {
        handler = validating(zmq, { domain: "test", credentials: ["user", "pass"] });
        sockA.plainServer = true;
        sockA.zapDomain = "test";
        sockB.plainUsername = "user";
        sockB.plainPassword = "pass";
        assert.equal(sockA.securityMechanism, "plain");
        assert.equal(sockB.securityMechanism, "plain");
        const address = await uniqAddress(proto);
        await sockA.bind(address);
        sockB.connect(address);
        await sockA.send("foo");
        const recv = await sockB.receive();
        assert.deepEqual(
          recv.map((b) => b.toString()),
          ["foo"],
        );
      });

      it("should report authentication error", async () => {
        handler = validating(zmq, { domain: "test", credentials: ["user", "pass"] });
        sockA.plainServer = true;
        sockA.zapDomain = "test";
        sockB.plainUsername = "user";
        sockB.plainPassword = "BAD PASS";
        const address = await uniqAddress(proto);
        const [eventA, eventB] = await Promise.all([
          captureEvent(sockA, "handshake:error:auth"),
          captureEvent(sockB, "handshake:error:auth"),
          sockA.bind(address),
          sockB.connect(address),
        ]);
        for (const e of [eventA, eventB]) {
          assert.equal(e["type"], "handshake:error:auth");
          assert.equal(e["address"], address);
          const error = e["error"] as Error & { status: number };
          assert.ok(error instanceof Error);
          assert.equal(error.message, "Authentication failure");
          assert.equal(error.status, 400);
        }
      });

      const protocolError = async (reply: (req: Buffer[]) => Frame[], code: string): Promise<void> => {
        handler = zapHandler(zmq, reply);
        sockA.plainServer = true;
        sockA.zapDomain = "test";
        sockB.plainUsername = "user";
        const address = await uniqAddress(proto);
        const [eventA] = await Promise.all([
          captureEvent(sockA, "handshake:error:protocol"),
          sockA.bind(address),
          sockB.connect(address),
        ]);
        assert.equal(eventA["type"], "handshake:error:protocol");
        assert.equal(eventA["address"], address);
        const error = eventA["error"] as Error & { code: string };
        assert.ok(error instanceof Error);
        assert.equal(error.message, "ZAP protocol error");
        assert.equal(error.code, code);
      };

      it("should report protocol version error", async () => {
        await protocolError(
          ([path, delim, , id]) => [path!, delim!, "9.9", id!, "200", "OK", null, null],
          "ERR_ZAP_BAD_VERSION",
        );
      });

      it("should report protocol format error", async () => {
        await protocolError(([path, delim]) => [path!, delim!, null, null], "ERR_ZAP_MALFORMED_REPLY");
      });

      it("should report mechanism mismatch error", async () => {
        sockA.plainServer = true;
        sockB.curveServer = true;
        const address = await uniqAddress(proto);
        const [eventA, eventB] = await Promise.all([
          captureEvent(sockA, "handshake:error:protocol"),
          captureEvent(sockB, "handshake:error:protocol"),
          sockA.bind(address),
          sockB.connect(address),
        ]);
        for (const e of [eventA, eventB]) {
          assert.equal(e["type"], "handshake:error:protocol");
          assert.equal(e["address"], address);
          const error = e["error"] as Error & { code: string };
          assert.equal(error.message, "ZMTP protocol error");
          assert.equal(error.code, "ERR_ZMTP_MECHANISM_MISMATCH");
        }
      });
    });
  },
  ["tcp", "ipc"],
);
