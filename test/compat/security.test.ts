/**
 * zeromq.js's compat socket-zap-test (a ZAP handler written as a 5.x ROUTER on inproc://zeromq.zap.01,
 * then CURVE, NULL and PLAIN through the short option properties) and socket-stream-test (an HTTP server
 * on a STREAM socket), on zocket and on zeromq.js over tcp, ipc and inproc (the stream case over tcp).
 */
import assert from "node:assert/strict";
import { get } from "node:http";
import { after, before, describe, it } from "node:test";
import { eachLib, eachLibProto, runCase, sleep, uniqAddress, type Compat, type Sock } from "./helpers.ts";

/** The mechanisms of the ZAP requests the handler answered. */
const asked: string[] = [];

/** A ZAP handler as 5.x code wrote one: every request is answered 200 OK. */
function startZap(zmq: Compat): Promise<Sock> {
  const zap = zmq.socket("router");
  zap.on("message", (...data: Buffer[]) => {
    const returnPath: Buffer[] = [];
    let frame = data.shift();
    while (frame !== undefined && frame.length !== 0) {
      returnPath.push(frame);
      frame = data.shift();
    }
    returnPath.push(frame!);
    if (data.length < 6) throw new Error("Invalid ZAP request");
    const [version, requestId, , , , mechanism] = data;
    asked.push(String(mechanism));
    zap.send([...returnPath, version!, requestId!, "200", "OK", Buffer.alloc(0), Buffer.alloc(0)]);
  });
  return new Promise((resolve, reject) => {
    zap.bind("inproc://zeromq.zap.01", (err?: Error) => (err ? reject(err) : resolve(zap)));
  });
}

const SERVER_PUBLIC = Buffer.from("7f188e5244b02bf497b86de417515cf4d4053ce4eb977aee91a55354655ec33a", "hex");
const SERVER_SECRET = Buffer.from("1f5d3873472f95e11f4723d858aaf0919ab1fb402cb3097742c606e61dd0d7d8", "hex");
const CLIENT_PUBLIC = Buffer.from("ea1cc8bd7c8af65497d43fc21dbec6560c5e7b61bcfdcbd2b0dfacf0b4c38d45", "hex");
const CLIENT_SECRET = Buffer.from("83f99afacfab052406e5f421612568034e85f4c8182a1c92671e83dca669d31d", "hex");

eachLibProto((zmq: Compat, proto, label) => {
  describe(`${label} zap`, () => {
    let zap: Sock;
    before(async () => {
      zap = await startZap(zmq);
    });
    after(async () => {
      zap.close();
      // As zeromq.js's case: libzmq releases the inproc name of a closed socket a little later, and the next
      // suite binds it again.
      await sleep(50);
    });

    /** A REP answering "hello" with "world", configured by `setup`; then a REQ configured by `client`. */
    async function roundTrip(
      mechanism: string,
      setupServer: (rep: Sock) => void,
      setupClient: (req: Sock) => void,
    ): Promise<void> {
      asked.length = 0;
      await runCase(async (c) => {
        const address = await uniqAddress(proto);
        const rep = c.track(zmq.socket("rep"));
        const req = c.track(zmq.socket("req"));
        rep.on(
          "message",
          c.guard((msg: Buffer) => {
            assert.equal(msg.toString(), "hello");
            rep.send("world");
          }),
        );
        setupServer(rep);
        rep.bind(
          address,
          c.guard((err?: Error) => {
            assert.equal(err, undefined);
            setupClient(req);
            req.connect(address);
            req.send("hello");
            req.on(
              "message",
              c.guard((msg: Buffer) => {
                assert.equal(msg.toString(), "world");
                c.done();
              }),
            );
          }),
        );
      });
      // The handler was asked (libzmq asks no ZAP handler for inproc peers).
      assert.deepEqual(asked, proto === "inproc" ? [] : [mechanism]);
    }

    it("should support curve", () =>
      roundTrip(
        "CURVE",
        (rep) => {
          rep.zap_domain = "test";
          rep.curve_server = 1;
          rep.curve_secretkey = SERVER_SECRET;
          assert.equal(rep.mechanism, 2);
        },
        (req) => {
          req.curve_serverkey = SERVER_PUBLIC;
          req.curve_publickey = CLIENT_PUBLIC;
          req.curve_secretkey = CLIENT_SECRET;
          assert.equal(req.mechanism, 2);
        },
      ));

    it("should support null", () =>
      roundTrip(
        "NULL",
        (rep) => {
          rep.zap_domain = "test";
          assert.equal(rep.mechanism, 0);
        },
        (req) => assert.equal(req.mechanism, 0),
      ));

    it("should support plain", () =>
      roundTrip(
        "PLAIN",
        (rep) => {
          rep.zap_domain = "test";
          rep.plain_server = 1;
          assert.equal(rep.mechanism, 1);
        },
        (req) => {
          req.plain_username = "user";
          req.plain_password = "pass";
          assert.equal(req.mechanism, 1);
        },
      ));
  });
});

const BODY = "<!DOCTYPE html><head><meta charset='UTF-8'></head><body><p>derpin over protocols</p></body></html>";

eachLib((zmq: Compat, label) => {
  describe(`${label} stream`, () => {
    it("should support a stream socket type", () =>
      runCase(async (c) => {
        const address = await uniqAddress("tcp");
        const stream = c.track(zmq.socket("stream"));
        stream.on(
          "message",
          c.guard((id: Buffer, msg: Buffer) => {
            assert.ok(Buffer.isBuffer(msg));
            // An empty frame: a peer connected or went away (ZMQ_STREAM_NOTIFY).
            if (msg.length === 0) return;
            const method = String(msg).split("\r\n")[0]!.split(" ")[0];
            assert.equal(method, "GET");
            stream.send([id, `HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n${BODY}`]);
          }),
        );
        stream.bind(
          address,
          c.guard((err?: Error) => {
            assert.equal(err, undefined);
            get(`${address.replace("tcp:", "http:")}/aRandomRequestPath`, (res) => {
              let body = "";
              res.on("data", (chunk: Buffer) => {
                body += chunk.toString();
                if (body.length < BODY.length) return;
                c.guard(() => assert.equal(body, BODY))();
                res.destroy();
                c.done();
              });
            }).on("error", (e) => c.fail(e));
          }),
        );
      }));
  });
});
