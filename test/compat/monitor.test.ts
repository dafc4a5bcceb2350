/**
 * monitor()/unmonitor(): zeromq.js's compat socket-monitor-test (listen, accept, disconnect and bind_error
 * with their 5.x arguments) on zocket over tcp and ipc (libzmq has no inproc events) and on zeromq.js over tcp, then
 * the other events 5.x emitted: connect, connect_delay/connect_retry with the interval, close, and
 * unmonitor() stopping them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as compat from "../../src/compat/index.ts";
import { eachLibProto, isFullError, runCase, uniqAddress, type Compat } from "./helpers.ts";

eachLibProto(
  (zmq: Compat, proto, label, lib) => {
    // zeromq.js runs its monitor case on tcp only ("only seems to work reliably with TCP"): over ipc its
    // monitor sometimes misses events, and a case left waiting keeps libzmq's context from terminating.
    if (proto === "ipc" && lib === "zeromq") return;
    describe(`${label} monitor`, () => {
      it("connect, connect_delay/connect_retry with the interval, close", () =>
        runCase(async (c) => {
          const address = await uniqAddress(proto);
          const dealer = c.track(zmq.socket("dealer"));
          dealer.setsockopt(zmq.ZMQ_RECONNECT_IVL, 20);
          const seen: string[] = [];
          dealer.monitor();
          dealer.on(
            "connect_retry",
            c.guard((interval: number, endpoint: string) => {
              assert.equal(typeof interval, "number");
              assert.equal(endpoint, address);
              if (seen.includes("connect_retry")) return;
              seen.push("connect_retry");
              // Now a listener appears: the next attempt connects.
              const server = c.track(zmq.socket("router"));
              server.monitor();
              server.on(
                "close",
                c.guard((value: unknown, endpoint2: string) => {
                  assert.equal(endpoint2, address);
                  c.done();
                }),
              );
              server.bind(address, (err?: Error) => err && c.fail(err));
              dealer.on(
                "connect",
                c.guard((value: unknown, endpoint2: string) => {
                  assert.equal(endpoint2, address);
                  // Unbinding closes the listener: its "close" event.
                  server.unbind(address);
                }),
              );
            }),
          );
          dealer.connect(address);
        }));

      it("should be able to monitor the socket", () =>
        runCase(async (c) => {
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
          const tested = ["listen", "accept", "disconnect"];
          const left = new Set(tested);
          let bindErrorSeen = false;
          for (const name of tested) {
            rep.on(
              name,
              c.guard((value: unknown, endpoint: string) => {
                assert.equal(String(endpoint), address, name);
                left.delete(name);
                if (left.size === 0 && bindErrorSeen) {
                  rep.unmonitor();
                  c.done();
                }
              }),
            );
          }
          rep.monitor();
          rep.bind(address, (err?: Error) => err && c.fail(err));
          rep.on(
            "bind",
            c.guard(() => {
              req.connect(address);
              req.send("hello");
              req.on(
                "message",
                c.guard((msg: Buffer) => {
                  assert.equal(msg.toString(), "world");
                  // The REP sees this connection end: its "disconnect" event.
                  req.close();
                }),
              );
              // A bind error reaches both the callback and the monitor event, with an Error.
              const doubleRep = c.track(zmq.socket("rep"));
              doubleRep.monitor();
              doubleRep.on(
                "bind_error",
                c.guard((errno: number, bindAddr: string, ex: unknown) => {
                  assert.ok(ex instanceof Error);
                  assert.equal(errno, (ex as unknown as { errno: number }).errno);
                  // libzmq reports the failed endpoint without its transport.
                  assert.equal(bindAddr, address.replace(/^\w+:\/\//, ""));
                  bindErrorSeen = true;
                  doubleRep.close();
                  if (left.size === 0) c.done();
                }),
              );
              doubleRep.bind(
                address,
                c.guard((err?: Error) => assert.ok(isFullError(err), String(err))),
              );
            }),
          );
        }));

      // zeromq.js's compat unmonitor() throws ENOTSOCK (and emits it) when its observer has read no event yet.
      if (lib === "zocket") {
        it("unmonitor() stops the events", () =>
          runCase(async (c) => {
            const address = await uniqAddress(proto);
            const sock = c.track(zmq.socket("pull"));
            sock.monitor();
            sock.on("listen", () => c.fail(new Error("an event after unmonitor()")));
            assert.equal(sock.unmonitor(), sock);
            sock.bind(
              address,
              c.guard((err?: Error) => {
                assert.equal(err, undefined);
                setTimeout(c.done, 30);
              }),
            );
          }));
      }
    });
  },
  ["tcp", "ipc"],
);

describe("zocket: monitor() again after unmonitor()", () => {
  it("forwards the events again (zeromq.js's compat closes the observer for good)", () =>
    runCase(async (c) => {
      const sock = c.track(compat.socket("pull"));
      sock.monitor();
      sock.unmonitor();
      sock.monitor();
      const address = await uniqAddress("tcp");
      sock.on(
        "listen",
        c.guard((value: unknown, endpoint: string) => {
          assert.equal(endpoint, address);
          c.done();
        }),
      );
      sock.bind(address);
    }));

  it("inproc has no monitor events, as in libzmq", () =>
    runCase(async (c) => {
      const sock = c.track(compat.socket("pull"));
      sock.monitor();
      sock.on("listen", () => c.fail(new Error("an inproc listen event")));
      sock.bind(await uniqAddress("inproc"), (err?: Error) => (err ? c.fail(err) : setTimeout(c.done, 30)));
    }));
});
