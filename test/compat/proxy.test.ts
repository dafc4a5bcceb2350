/**
 * zmq.proxy(): zeromq.js's compat zmq-proxy-push-pull, zmq-proxy-router-dealer and zmq-proxy-xpub-xsub
 * -test.ts (with and without a capture socket, and the wrong order), plus 5.x's xrep/xreq case, on zocket
 * and on zeromq.js over tcp, ipc and inproc (zeromq.js's own suite runs them on tcp).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eachLibProto, runCase, uniqAddress, type Compat, type Sock } from "./helpers.ts";

/** zeromq.js's cases send 15 ms after connecting; PUB/SUB drop what no peer takes yet. */
const SETTLE_MS = 50;

/** Binds each socket to its address in turn, then calls `then` (a failure fails the case). */
function bindAll(c: { fail(err: unknown): void }, pairs: Array<[Sock, string]>, then: () => void): void {
  const next = (i: number): void => {
    if (i === pairs.length) return then();
    const [sock, address] = pairs[i]!;
    sock.bind(address, (err?: Error) => (err ? c.fail(err) : next(i + 1)));
  };
  next(0);
}

eachLibProto((zmq: Compat, proto, label, lib) => {
  // zeromq.js's suite runs these on tcp only: over inproc its compat proxies deliver nothing (the cases
  // time out), so zeromq.js runs them on tcp and ipc here, zocket on all three.
  if (proto === "inproc" && lib === "zeromq") return;
  const addresses = async (): Promise<[string, string, string]> => [
    await uniqAddress(proto),
    await uniqAddress(proto),
    await uniqAddress(proto),
  ];

  describe(`${label} proxy push-pull`, () => {
    it("should proxy push-pull connected to pull-push", () =>
      runCase(async (c) => {
        const [frontendAddr, backendAddr] = await addresses();
        const frontend = c.track(zmq.socket("pull"));
        const backend = c.track(zmq.socket("push"));
        const pull = c.track(zmq.socket("pull"));
        const push = c.track(zmq.socket("push"));
        bindAll(
          c,
          [
            [frontend, frontendAddr],
            [backend, backendAddr],
          ],
          () => {
            push.connect(frontendAddr);
            pull.connect(backendAddr);
            pull.on(
              "message",
              c.guard((msg: Buffer) => {
                assert.ok(Buffer.isBuffer(msg));
                assert.equal(msg.toString(), "foo");
                c.done();
              }),
            );
            setTimeout(() => push.send("foo"), 15);
            zmq.proxy(frontend, backend);
          },
        );
      }));

    it("should proxy pull-push connected to push-pull with capture", () =>
      runCase(async (c) => {
        const [frontendAddr, backendAddr, captureAddr] = await addresses();
        const frontend = c.track(zmq.socket("push"));
        const backend = c.track(zmq.socket("pull"));
        const capture = c.track(zmq.socket("pub"));
        const capSub = c.track(zmq.socket("sub"));
        const pull = c.track(zmq.socket("pull"));
        const push = c.track(zmq.socket("push"));
        let counter = 2;
        const got = c.guard((msg: Buffer) => {
          assert.equal(msg.toString(), "foo");
          if (--counter === 0) c.done();
        });
        bindAll(
          c,
          [
            [frontend, frontendAddr],
            [backend, backendAddr],
            [capture, captureAddr],
          ],
          () => {
            pull.connect(frontendAddr);
            push.connect(backendAddr);
            capSub.connect(captureAddr);
            pull.on("message", got);
            capSub.subscribe("");
            capSub.on("message", got);
            setTimeout(() => push.send("foo"), SETTLE_MS);
            zmq.proxy(frontend, backend, capture);
          },
        );
      }));
  });

  describe(`${label} proxy router-dealer`, () => {
    for (const [front, back] of [
      ["router", "dealer"],
      ["xrep", "xreq"],
    ] as const) {
      it(`should proxy req-rep connected over ${front}-${back}`, () =>
        runCase(async (c) => {
          const [frontendAddr, backendAddr] = await addresses();
          const frontend = c.track(zmq.socket(front));
          const backend = c.track(zmq.socket(back));
          const rep = c.track(zmq.socket("rep"));
          const req = c.track(zmq.socket("req"));
          bindAll(
            c,
            [
              [frontend, frontendAddr],
              [backend, backendAddr],
            ],
            () => {
              req.connect(frontendAddr);
              rep.connect(backendAddr);
              req.on(
                "message",
                c.guard((msg: Buffer) => {
                  assert.equal(msg.toString(), "foo bar");
                  c.done();
                }),
              );
              rep.on("message", (msg: Buffer) => rep.send(`${msg.toString()} bar`));
              setTimeout(() => req.send("foo"), 15);
              zmq.proxy(frontend, backend);
            },
          );
        }));
    }

    it("should proxy rep-req connections with capture", () =>
      runCase(async (c) => {
        const [frontendAddr, backendAddr, captureAddr] = await addresses();
        const frontend = c.track(zmq.socket("router"));
        const backend = c.track(zmq.socket("dealer"));
        const rep = c.track(zmq.socket("rep"));
        const req = c.track(zmq.socket("req"));
        const capture = c.track(zmq.socket("pub"));
        const capSub = c.track(zmq.socket("sub"));
        let counter = 2;
        bindAll(
          c,
          [
            [frontend, frontendAddr],
            [backend, backendAddr],
            [capture, captureAddr],
          ],
          () => {
            req.connect(frontendAddr);
            rep.connect(backendAddr);
            capSub.connect(captureAddr);
            capSub.subscribe("");
            req.on(
              "message",
              c.guard((msg: Buffer) => {
                assert.equal(msg.toString(), "foo bar");
                if (--counter === 0) c.done();
              }),
            );
            rep.on("message", (msg: Buffer) => rep.send(`${msg.toString()} bar`));
            // The capture gets the reply without the routing id and delimiter frames.
            capSub.on(
              "message",
              c.guard((...frames: Buffer[]) => {
                assert.deepEqual(frames.map(String), ["foo bar"]);
                if (--counter === 0) c.done();
              }),
            );
            setTimeout(() => req.send("foo"), SETTLE_MS);
            zmq.proxy(frontend, backend, capture);
          },
        );
      }));
  });

  describe(`${label} proxy xpub-xsub`, () => {
    it("should proxy pub-sub connected to xpub-xsub", () =>
      runCase(async (c) => {
        const [frontendAddr, backendAddr] = await addresses();
        const frontend = c.track(zmq.socket("xpub"));
        const backend = c.track(zmq.socket("xsub"));
        const sub = c.track(zmq.socket("sub"));
        const pub = c.track(zmq.socket("pub"));
        sub.subscribe("");
        sub.on(
          "message",
          c.guard((msg: Buffer) => {
            assert.equal(msg.toString(), "foo");
            c.done();
          }),
        );
        bindAll(
          c,
          [
            [frontend, frontendAddr],
            [backend, backendAddr],
          ],
          () => {
            sub.connect(frontendAddr);
            pub.connect(backendAddr);
            setTimeout(() => pub.send("foo"), SETTLE_MS);
            zmq.proxy(frontend, backend);
          },
        );
      }));

    it("should proxy connections with capture", () =>
      runCase(async (c) => {
        const [frontendAddr, backendAddr, captureAddr] = await addresses();
        const frontend = c.track(zmq.socket("xpub"));
        const backend = c.track(zmq.socket("xsub"));
        const capture = c.track(zmq.socket("pub"));
        const capSub = c.track(zmq.socket("sub"));
        const sub = c.track(zmq.socket("sub"));
        const pub = c.track(zmq.socket("pub"));
        let counter = 2;
        const got = c.guard((msg: Buffer) => {
          assert.equal(msg.toString(), "foo");
          if (--counter === 0) c.done();
        });
        sub.subscribe("");
        sub.on("message", got);
        capSub.subscribe("");
        capSub.on("message", got);
        bindAll(
          c,
          [
            [capture, captureAddr],
            [frontend, frontendAddr],
            [backend, backendAddr],
          ],
          () => {
            pub.connect(backendAddr);
            sub.connect(frontendAddr);
            capSub.connect(captureAddr);
            setTimeout(() => pub.send("foo"), SETTLE_MS);
            zmq.proxy(frontend, backend, capture);
          },
        );
      }));

    it("should throw an error if the order is wrong", () => {
      const frontend = zmq.socket("xpub");
      const backend = zmq.socket("xsub");
      try {
        assert.throws(() => zmq.proxy(backend, frontend), {
          message: "This socket type order is not supported in compatibility mode",
        });
      } finally {
        frontend.close();
        backend.close();
      }
    });
  });
});
