/**
 * Heartbeats (src/engine/heartbeat.ts) with a fake engine and mocked time: PINGs every interval, the
 * timeout armed by a PING and disarmed by any input, PONG for every PING, the peer's TTL, stop().
 * test/heartbeat.test.ts runs the same rules over real connections, against libzmq too.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { Heartbeats, type HeartbeatHost, type HeartbeatOptions } from "../../../src/engine/heartbeat.ts";
import type { ZmqError } from "../../../src/errors.ts";
import { encodePing, isCommand } from "../../../src/protocol/command.ts";

class FakeEngine implements HeartbeatHost {
  reads = 0;
  readonly sent: Buffer[] = [];
  expiredWith: ZmqError | null = null;
  received(): number {
    return this.reads;
  }
  send(body: Buffer): void {
    this.sent.push(body);
  }
  expired(error: ZmqError): void {
    this.expiredWith = error;
  }
  /** Read through a call: TypeScript keeps a field narrowed by an earlier assertion. */
  error(): ZmqError | null {
    return this.expiredWith;
  }
  pings(): Buffer[] {
    return this.sent.filter((b) => isCommand(b, "PING"));
  }
}

function start(t: TestContext, opts: Partial<HeartbeatOptions>): { hb: Heartbeats; engine: FakeEngine } {
  t.mock.timers.enable({ apis: ["setInterval", "setTimeout"] });
  const engine = new FakeEngine();
  const hb = new Heartbeats(engine, { interval: 0, timeout: 0, timeToLive: 0, ...opts });
  t.after(() => hb.stop());
  hb.start();
  return { hb, engine };
}

describe("heartbeats", () => {
  test("a PING every interval, carrying our TTL in deciseconds", (t) => {
    const { engine } = start(t, { interval: 100, timeToLive: 2500 });
    t.mock.timers.tick(99);
    assert.equal(engine.pings().length, 0);
    engine.reads++; // keep the connection alive
    t.mock.timers.tick(1);
    assert.equal(engine.pings().length, 1);
    assert.deepEqual(engine.pings()[0], encodePing(25));
    engine.reads++;
    t.mock.timers.tick(100);
    assert.equal(engine.pings().length, 2);
  });

  test("no interval: no PINGs", (t) => {
    const { engine } = start(t, { interval: 0 });
    t.mock.timers.tick(10_000);
    assert.equal(engine.sent.length, 0);
  });

  test("silence after a PING: the connection expires after the timeout (default: the interval)", (t) => {
    const { engine } = start(t, { interval: 100 });
    t.mock.timers.tick(100); // PING, timeout armed
    t.mock.timers.tick(99);
    assert.equal(engine.expiredWith, null);
    t.mock.timers.tick(1);
    assert.equal(engine.error()?.code, "ETIMEDOUT");
  });

  test("any input after the PING keeps the connection (not only a PONG)", (t) => {
    const { engine } = start(t, { interval: 100, timeout: 50 });
    t.mock.timers.tick(100);
    engine.reads++;
    t.mock.timers.tick(50);
    assert.equal(engine.expiredWith, null);
  });

  test("every PING from the peer is answered with a PONG echoing its context, even with heartbeats off", (t) => {
    const { hb, engine } = start(t, {});
    hb.onPing(encodePing(0, Buffer.from("ctx")));
    assert.deepEqual(engine.sent, [Buffer.from("\x04PONGctx", "latin1")]);
  });

  test("the peer's TTL: silence for that long expires the connection; input meanwhile does not", (t) => {
    const { hb, engine } = start(t, {});
    hb.onPing(encodePing(3)); // 300 ms
    engine.reads++;
    t.mock.timers.tick(300);
    assert.equal(engine.expiredWith, null, "input arrived before the TTL ran out");
    hb.onPing(encodePing(3));
    t.mock.timers.tick(300);
    assert.match(engine.error()?.hint ?? "", /TTL/);
  });

  test("stop() clears every timer", (t) => {
    const { hb, engine } = start(t, { interval: 100 });
    t.mock.timers.tick(100);
    hb.onPing(encodePing(1));
    hb.stop();
    t.mock.timers.tick(10_000);
    assert.equal(engine.pings().length, 1);
    assert.equal(engine.expiredWith, null);
  });
});
