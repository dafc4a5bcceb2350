/**
 * Sessions (src/sockets/session.ts) with a fake socket (a SessionOwner that records what it is told) over
 * real loopback tcp and ipc, a zocket PULL or a plain TCP server as the peer: the ConnectSession's states
 * and transitions, reconnect backoff, the pipe kept across reconnects unless `immediate`, stop / shutdown /
 * linger, the monitor events; and a ListenSession's accepted connections.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import type { EngineOptions } from "../../../src/engine/engine.ts";
import { NullMechanism } from "../../../src/mechanisms/null.ts";
import { MsgQueue, Pipe, type PeerInfo, type PipeOwner } from "../../../src/pipe.ts";
import type { Event } from "../../../src/sockets/observer.ts";
import { ConnectSession, ConnectState, ListenSession, type SessionOwner } from "../../../src/sockets/session.ts";
import { parseEndpoint } from "../../../src/transports/endpoint.ts";
import type { NetOptions, StreamEndpoint } from "../../../src/transports/transport.ts";
import * as z from "../../../src/index.ts";
import {
  closeAfter,
  delay,
  freePort,
  securityOptions,
  uniqueIpc,
  waitUntil,
  withTimeout,
} from "../../helpers/sockets.ts";

interface OwnerOptions {
  reconnectIvl?: number;
  reconnectMaxIvl?: number;
  immediate?: boolean;
  /** Refuse every pipe (as PAIR does with a second peer). */
  refusePipes?: boolean;
}

/** A socket as far as sessions see it: a PUSH whose pipes and events are recorded. */
class FakeOwner implements SessionOwner, PipeOwner {
  readonly events: Event[] = [];
  readonly pipes: Pipe[] = [];
  readonly reconnected: Pipe[] = [];
  readonly terminated: Pipe[] = [];
  closing = false;
  readonly #o: OwnerOptions;

  constructor(o: OwnerOptions = {}) {
    this.#o = o;
  }

  engineOptions(): EngineOptions {
    return {
      socketType: "PUSH",
      socketTypeNumber: 8,
      routingId: Buffer.alloc(0),
      mechanism: "NULL",
      mechanismFactory: (h) => new NullMechanism(h),
      security: securityOptions({}),
      asServer: false,
      handshakeInterval: 5000,
      heartbeatInterval: 0,
      heartbeatTimeout: 0,
      heartbeatTimeToLive: 0,
      maxMessageSize: -1,
      metadata: [],
    };
  }

  netOptions(): NetOptions {
    return { ipv6: false, backlog: 100, tcpKeepalive: -1, tcpKeepaliveIdle: -1, connectTimeout: 0 };
  }

  reconnectIvl(): number {
    return this.#o.reconnectIvl ?? 10;
  }

  reconnectMaxIvl(): number {
    return this.#o.reconnectMaxIvl ?? 0;
  }

  isImmediate(): boolean {
    return this.#o.immediate === true;
  }

  attachOnHandshake(): boolean {
    return this.isImmediate();
  }

  emit(event: Event): void {
    this.events.push(event);
  }

  newPipe(endpoint: string, outgoing: boolean, peer: PeerInfo | null): Pipe | null {
    if (this.#o.refusePipes) return null;
    const pipe = new Pipe(this, new MsgQueue(1000), new MsgQueue(1000), endpoint, outgoing);
    pipe.peer = peer;
    this.pipes.push(pipe);
    return pipe;
  }

  pipeReconnected(pipe: Pipe): void {
    this.reconnected.push(pipe);
  }

  pipePeerKnown(_pipe: Pipe): boolean {
    return true;
  }

  zap(): Promise<null> {
    return Promise.resolve(null);
  }

  pipeReadable(): void {}
  pipeWritable(): void {}
  pipeTerminated(pipe: Pipe): void {
    this.terminated.push(pipe);
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }

  count(type: Event["type"]): number {
    return this.events.filter((e) => e.type === type).length;
  }
}

/** A tcp or ipc endpoint nobody listens on yet. */
async function freeEndpoint(transport: "tcp" | "ipc"): Promise<StreamEndpoint> {
  const address = transport === "tcp" ? `tcp://127.0.0.1:${await freePort()}` : uniqueIpc("session");
  return parseEndpoint(address, "connect") as StreamEndpoint;
}

/** A zocket PULL bound at `ep`, closed at test end. */
async function pullAt(t: TestContext, ep: StreamEndpoint): Promise<z.Pull> {
  const pull = new z.Pull({ linger: 0 });
  closeAfter(t, pull);
  await pull.bind(ep.address);
  return pull;
}

function session(t: TestContext, ep: StreamEndpoint, owner: FakeOwner): ConnectSession {
  const s = new ConnectSession(ep, owner);
  t.after(() => s.stop());
  return s;
}

const text = (m: Buffer[]): string[] => m.map(String);

for (const transport of ["tcp", "ipc"] as const) {
  describe(`ConnectSession over ${transport}`, () => {
    test("connects, hands the peer to the pipe it made up front, and the messages flow", async (t) => {
      const ep = await freeEndpoint(transport);
      const pull = await pullAt(t, ep);
      const owner = new FakeOwner();
      const s = session(t, ep, owner);
      assert.equal(owner.pipes.length, 1, "not immediate: the pipe exists before any connection");
      const pipe = owner.pipes[0]!;
      assert.ok(pipe.write([Buffer.from("queued before the connection")]));
      await waitUntil(() => s.state === ConnectState.CONNECTED && pipe.peer !== null, 5000, "handshake");
      assert.equal(pipe.peer!.socketType, "PULL");
      assert.deepEqual(text(await withTimeout(pull.receive(), 5000, "first message")), [
        "queued before the connection",
      ]);
      pipe.write([Buffer.from("a"), Buffer.from("b")]);
      assert.deepEqual(text(await withTimeout(pull.receive(), 5000, "second message")), ["a", "b"]);
      const expected = transport === "tcp" ? ["connect:delay", "connect", "handshake"] : ["connect", "handshake"];
      assert.deepEqual(owner.types(), expected);
    });

    test("reconnect backoff: the interval doubles per failure up to reconnectMaxInterval, then resets", async (t) => {
      const ep = await freeEndpoint(transport);
      const owner = new FakeOwner({ reconnectIvl: 10, reconnectMaxIvl: 40 });
      const s = session(t, ep, owner);
      await waitUntil(() => owner.count("connect:retry") >= 5, 5000, "five retries");
      assert.ok(s.state === ConnectState.WAITING || s.state === ConnectState.CONNECTING, s.state);
      const intervals = owner.events.flatMap((e) => (e.type === "connect:retry" ? [e.interval] : []));
      assert.deepEqual(intervals.slice(0, 5), [10, 20, 40, 40, 40]);
      // A connection that completes its handshake resets the interval.
      const pull = await pullAt(t, ep);
      await waitUntil(() => owner.count("handshake") === 1, 5000, "handshake");
      owner.events.length = 0;
      pull.close();
      await waitUntil(() => owner.count("connect:retry") >= 2, 5000, "retries after the disconnect");
      const after = owner.events.flatMap((e) => (e.type === "connect:retry" ? [e.interval] : []));
      assert.deepEqual(after.slice(0, 2), [10, 20], "back to reconnectInterval, doubling again");
    });

    test("the pipe is kept across reconnects (hiccup on the second connection); immediate makes one per connection", async (t) => {
      for (const immediate of [false, true]) {
        const ep = await freeEndpoint(transport);
        let pull = await pullAt(t, ep);
        const owner = new FakeOwner({ immediate });
        const s = session(t, ep, owner);
        assert.equal(owner.pipes.length, immediate ? 0 : 1, "immediate: no pipe before the handshake");
        await waitUntil(() => owner.count("handshake") === 1, 5000, "first handshake");
        const first = owner.pipes[0]!;
        pull.close();
        await waitUntil(() => owner.count("disconnect") === 1, 5000, "disconnect");
        await waitUntil(
          () => s.state === ConnectState.WAITING || s.state === ConnectState.CONNECTING,
          5000,
          "retrying",
        );
        if (immediate) assert.deepEqual(owner.terminated, [first], "immediate: the pipe ends with its connection");
        else assert.deepEqual(owner.terminated, [], "the pipe outlives the connection");
        // Sent while disconnected: waits in the kept pipe (not immediate).
        if (!immediate) first.write([Buffer.from("while away")]);
        pull = await pullAt(t, ep);
        await waitUntil(() => owner.count("handshake") === 2, 5000, "second handshake");
        if (immediate) {
          assert.equal(owner.pipes.length, 2, "a new pipe for the new connection");
          assert.deepEqual(owner.reconnected, []);
        } else {
          assert.equal(owner.pipes.length, 1, "the same pipe");
          assert.deepEqual(owner.reconnected, [first], "the socket hears of the reconnection (hiccup)");
          assert.deepEqual(text(await withTimeout(pull.receive(), 5000, "queued message")), ["while away"]);
        }
        s.stop();
      }
    });

    test("stop(): the connection closes, the pipe terminates, no retry follows", async (t) => {
      const ep = await freeEndpoint(transport);
      await pullAt(t, ep);
      const owner = new FakeOwner();
      const s = session(t, ep, owner);
      await waitUntil(() => owner.count("handshake") === 1, 5000, "handshake");
      s.stop();
      assert.equal(s.state, ConnectState.STOPPED);
      assert.deepEqual(owner.terminated, owner.pipes, "the pipe terminated");
      assert.equal(owner.count("disconnect"), 1);
      await delay(50);
      assert.equal(owner.count("connect:retry"), 0, "stopped: no retry");
      s.stop();
      assert.equal(s.state, ConnectState.STOPPED, "stop() twice is harmless");
    });

    test("shutdown() stops a session, unless the pipe's close already took charge of lingering", async (t) => {
      const ep = await freeEndpoint(transport);
      const owner = new FakeOwner({ reconnectIvl: 20 });
      const a = session(t, ep, owner);
      a.shutdown();
      assert.equal(a.state, ConnectState.STOPPED);
      const b = session(t, ep, owner);
      owner.pipes[1]!.write([Buffer.from("pending")]);
      owner.pipes[1]!.close(5000); // the socket closed the pipe: linger
      b.shutdown();
      assert.notEqual(b.state, ConnectState.STOPPED, "lingering: shutdown leaves it alone");
    });

    test("closed while disconnected with messages queued: delivered when the peer comes within the linger, then stopped", async (t) => {
      const ep = await freeEndpoint(transport);
      const owner = new FakeOwner({ reconnectIvl: 20 });
      owner.closing = true;
      const s = session(t, ep, owner);
      const pipe = owner.pipes[0]!;
      pipe.write([Buffer.from("last words")]);
      pipe.close(5000);
      await delay(60);
      assert.ok(s.state === ConnectState.WAITING || s.state === ConnectState.CONNECTING, s.state);
      const pull = await pullAt(t, ep);
      assert.deepEqual(text(await withTimeout(pull.receive(), 5000, "lingering message")), ["last words"]);
      await waitUntil(() => s.state === ConnectState.STOPPED, 5000, "stopped after the linger");
      assert.ok(owner.types().includes("disconnect"));
    });

    test("closed while disconnected: linger 0, or nothing queued, stops at once; a deadline that passes stops too", async (t) => {
      const ep = await freeEndpoint(transport);
      const owner = new FakeOwner({ reconnectIvl: 20 });
      owner.closing = true;
      const a = session(t, ep, owner);
      owner.pipes[0]!.write([Buffer.from("dropped")]);
      owner.pipes[0]!.close(0);
      assert.equal(a.state, ConnectState.STOPPED, "linger 0");
      const b = session(t, ep, owner);
      owner.pipes[1]!.close(1000);
      assert.equal(b.state, ConnectState.STOPPED, "nothing queued");
      const c = session(t, ep, owner);
      owner.pipes[2]!.write([Buffer.from("never delivered")]);
      owner.pipes[2]!.close(100);
      await waitUntil(() => c.state === ConnectState.STOPPED, 5000, "the linger deadline passes");
    });

    test("closed while connected: the engine writes what is queued, then the session stops (lingering)", async (t) => {
      const ep = await freeEndpoint(transport);
      const pull = await pullAt(t, ep);
      const owner = new FakeOwner();
      const s = session(t, ep, owner);
      await waitUntil(() => owner.count("handshake") === 1, 5000, "handshake");
      const pipe = owner.pipes[0]!;
      for (let i = 0; i < 100; i++) pipe.write([Buffer.alloc(10_000, i)]);
      pipe.close(-1);
      assert.ok(s.state === ConnectState.LINGERING || s.state === ConnectState.STOPPED, s.state);
      for (let i = 0; i < 100; i++) {
        const [m] = await withTimeout(pull.receive(), 5000, `message ${i}`);
        assert.equal(m![0], i);
      }
      await waitUntil(() => s.state === ConnectState.STOPPED, 5000, "stopped");
    });

    test("a peer that refuses the handshake (incompatible type): handshake:error:protocol, disconnect, no retry", async (t) => {
      const ep = await freeEndpoint(transport);
      const push = new z.Push({ linger: 0 }); // PUSH cannot talk to PUSH
      closeAfter(t, push);
      await push.bind(ep.address);
      const owner = new FakeOwner({ reconnectIvl: 10 });
      const s = session(t, ep, owner);
      await waitUntil(() => s.state === ConnectState.STOPPED, 5000, "stopped");
      assert.ok(owner.types().includes("handshake:error:protocol"), owner.types().join(" "));
      assert.equal(owner.types().at(-1), "disconnect");
      await delay(50);
      assert.equal(owner.count("connect:retry"), 0);
      assert.deepEqual(owner.terminated, owner.pipes, "the pipe no connection will drain is terminated");
    });

    test("reconnectInterval -1: after a failure the session stays idle", async (t) => {
      const ep = await freeEndpoint(transport);
      const owner = new FakeOwner({ reconnectIvl: -1 });
      const s = session(t, ep, owner);
      await waitUntil(() => s.state === ConnectState.IDLE, 5000, "idle");
      assert.equal(owner.count("connect:retry"), 0);
    });
  });
}

describe("ConnectSession: pipes the socket refuses", () => {
  test("a refused pipe leaves the engine unattached; the connection stays up", async (t) => {
    const ep = await freeEndpoint("tcp");
    await pullAt(t, ep);
    const owner = new FakeOwner({ immediate: true, refusePipes: true });
    const s = session(t, ep, owner);
    await waitUntil(() => owner.count("handshake") === 1, 5000, "handshake");
    assert.equal(s.state, ConnectState.CONNECTED);
    assert.equal(owner.pipes.length, 0);
  });
});

describe("ListenSession", () => {
  test("each accepted connection gets its own pipe after its handshake, and loses it when it ends", async (t) => {
    const owner = new FakeOwner();
    const ls = await ListenSession.open(parseEndpoint("tcp://127.0.0.1:*", "bind") as StreamEndpoint, owner);
    t.after(() => ls.close());
    assert.match(ls.endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    const pushes = [new z.Pull({ linger: 0 }), new z.Pull({ linger: 0 })];
    closeAfter(t, ...pushes);
    for (const p of pushes) p.connect(ls.endpoint);
    await waitUntil(() => owner.pipes.length === 2, 5000, "two pipes");
    assert.equal(owner.count("accept"), 2);
    assert.ok(owner.pipes.every((p) => !p.outgoing && p.peer?.socketType === "PULL"));
    owner.pipes[0]!.write([Buffer.from("to one")]);
    const got = await withTimeout(Promise.race(pushes.map((p) => p.receive())), 5000, "message");
    assert.deepEqual(text(got), ["to one"]);
    pushes[1]!.close();
    await waitUntil(() => owner.terminated.length === 1, 5000, "one pipe terminated");
    assert.equal(owner.count("disconnect"), 1);
  });

  test("close(): stops accepting, reports close, ends connections that never got a pipe", async (t) => {
    const owner = new FakeOwner({ refusePipes: true });
    const ls = await ListenSession.open(parseEndpoint("tcp://127.0.0.1:*", "bind") as StreamEndpoint, owner);
    const raw = net.connect(Number(ls.endpoint.split(":").pop()), "127.0.0.1");
    t.after(() => raw.destroy());
    raw.resume(); // read (the greeting's first bytes arrive), so that the peer's FIN ends the socket
    await waitUntil(() => owner.count("accept") === 1, 5000, "accept");
    const closed = new Promise<void>((resolve) => raw.once("close", () => resolve()));
    ls.close();
    assert.ok(owner.types().includes("close"));
    await withTimeout(closed, 5000, "the accepted connection closes");
    await new Promise<void>((resolve) => {
      const probe = net.connect(Number(ls.endpoint.split(":").pop()), "127.0.0.1");
      probe.once("error", () => resolve());
      probe.once("connect", () => {
        probe.destroy();
        assert.fail("still accepting");
      });
    });
  });
});
