/**
 * The draft sockets against real libzmq 4.3.5 (zeromq/draft), both ways: each pair runs with zocket on
 * one side and zeromq on the other, and with either side binding. SERVER/CLIENT (routing ids, replies to
 * the right client), RADIO/DISH over tcp and udp (join, leave, filtering), SCATTER/GATHER, DGRAM/DGRAM.
 * PEER and CHANNEL, which zeromq.js has no class for, run against its native socket made with the libzmq
 * type number (19, 20).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as zocketDraft from "../../src/draft.ts";
import { Channel, Peer } from "../../src/draft-extra.ts";
import { delay, waitUntil, withTimeout } from "../helpers/sockets.ts";
import { closer, DRAFT_LIBS, uniqAddress, type Draft } from "../zeromqjs/draft-helpers.ts";

const zeromqDraft = DRAFT_LIBS[1]!.draft;

/** Each direction: which library plays the first role of a pair, which the second. */
const SIDES: ReadonlyArray<[string, Draft, Draft]> = [
  ["zocket → zeromq", zocketDraft, zeromqDraft],
  ["zeromq → zocket", zeromqDraft, zocketDraft],
];

const c = closer();

for (const [label, first, second] of SIDES) {
  describe(`drafts interop, ${label}`, { timeout: 30_000 }, () => {
    for (const serverBinds of [true, false]) {
      it(`SERVER (${first === zocketDraft ? "zocket" : "zeromq"}) ${serverBinds ? "binds" : "connects"}: routing ids, replies, EHOSTUNREACH`, async () => {
        try {
          const server = c.track(new first.Server());
          const a = c.track(new second.Client());
          const b = c.track(new second.Client());
          const address = await uniqAddress("tcp");
          if (serverBinds) {
            await server.bind(address);
            a.connect(address);
            b.connect(address);
          } else {
            await a.bind(address);
            const other = await uniqAddress("tcp");
            await b.bind(other);
            server.connect(address);
            server.connect(other);
          }
          await a.send("a");
          await b.send("b");
          const ids = new Map<string, number>();
          for (let i = 0; i < 2; i++) {
            const [msg, { routingId }] = await withTimeout(server.receive(), 3000, "a request");
            ids.set(msg.toString(), routingId);
          }
          assert.equal(ids.size, 2);
          assert.notEqual(ids.get("a"), ids.get("b"));
          for (const id of ids.values()) assert.ok(id > 0 && id < 2 ** 32);
          await server.send("to b", { routingId: ids.get("b")! });
          await server.send("to a", { routingId: ids.get("a")! });
          const [[ra], [rb]] = await Promise.all([a.receive(), b.receive()]);
          assert.deepEqual([ra.toString(), rb.toString()], ["to a", "to b"]);
          const unknown = ((ids.get("a")! ^ ids.get("b")!) | 1) >>> 0;
          await assert.rejects(server.send("x", { routingId: unknown }), { code: "EHOSTUNREACH" });
        } finally {
          c.closeAll();
        }
      });
    }

    for (const proto of ["tcp", "ipc"] as const) {
      it(`SCATTER → GATHER over ${proto}, in order, both binding sides`, async () => {
        try {
          for (const gatherBinds of [true, false]) {
            const scatter = c.track(new first.Scatter());
            const gather = c.track(new second.Gather());
            const address = await uniqAddress(proto);
            if (gatherBinds) {
              await gather.bind(address);
              scatter.connect(address);
            } else {
              await scatter.bind(address);
              gather.connect(address);
            }
            const sent = Array.from({ length: 20 }, (_, i) => `m${i}`);
            for (const m of sent) await scatter.send(m);
            const got: string[] = [];
            for (let i = 0; i < sent.length; i++)
              got.push((await withTimeout(gather.receive(), 3000, "m"))[0].toString());
            assert.deepEqual(got, sent);
          }
        } finally {
          c.closeAll();
        }
      });
    }

    for (const proto of ["tcp", "udp"] as const) {
      for (const dishBinds of proto === "udp" ? [true] : [true, false]) {
        it(`RADIO → DISH over ${proto}${dishBinds ? "" : " (RADIO binds)"}: join, leave, filtering`, async () => {
          try {
            const radio = c.track(new first.Radio());
            const dish = c.track(new second.Dish());
            const address = await uniqAddress(proto);
            dish.join("weather", "news");
            if (dishBinds) {
              await dish.bind(address);
              radio.connect(address);
            } else {
              await radio.bind(address);
              dish.connect(address);
            }
            const got: string[] = [];
            let done!: () => void;
            const finished = new Promise<void>((resolve) => (done = resolve));
            const reader = (async () => {
              for await (const [msg, { group }] of dish) {
                got.push(`${group.toString()}:${msg.toString()}`);
                if (msg.toString() === "end") done();
              }
            })();
            // The DISH's joins reach the RADIO as it runs (libzmq: when the socket processes commands).
            await delay(150);
            await radio.send("sunny", { group: "weather" });
            await radio.send("nope", { group: "sports" });
            await radio.send("headline", { group: "news" });
            // Read before leaving: the DISH filters what it receives after a leave too.
            await waitUntil(() => got.length === 2, 3000, "the headline");
            dish.leave("news");
            dish.join("sports");
            await delay(150);
            await radio.send("late news", { group: "news" });
            await radio.send("goal", { group: "sports" });
            await radio.send("end", { group: "weather" });
            await withTimeout(finished, 3000, "the last message");
            dish.close();
            await reader;
            assert.deepEqual(got, ["weather:sunny", "news:headline", "sports:goal", "weather:end"]);
          } finally {
            c.closeAll();
          }
        });
      }
    }

    it("DGRAM ↔ DGRAM over udp: the address frame is the sender's ip:port and NUL; the reply comes back", async () => {
      try {
        const a = c.track(new first.Datagram());
        const b = c.track(new second.Datagram());
        const [ea, eb] = [await uniqAddress("udp"), await uniqAddress("udp")];
        await a.bind(ea);
        await b.bind(eb);
        const bAddr = eb.slice("udp://".length);
        await a.send([bAddr, "question"]);
        const [from, q] = await withTimeout(b.receive(), 3000, "the question");
        assert.equal(q.toString(), "question");
        assert.equal(from.toString("latin1"), `${ea.slice("udp://".length)}\0`);
        await b.send([from, "answer"]);
        const [back, answer] = await withTimeout(a.receive(), 3000, "the answer");
        assert.equal(answer.toString(), "answer");
        assert.equal(back.toString("latin1"), `${bAddr}\0`);
      } finally {
        c.closeAll();
      }
    });
  });
}

/**
 * libzmq's PEER (19) and CHANNEL (20) through zeromq.js's native Socket class, which takes any type
 * number: its receive() gives no routing id for PEER, so a libzmq PEER can only be the receiving side.
 */
type NativeSock = { bind(a: string): Promise<void>; connect(a: string): void; close(): void } & Record<string, unknown>;
function nativeSocket(type: 19 | 20): NativeSock & { send(m: string): Promise<void>; receive(): Promise<Buffer[]> } {
  const Native = Object.getPrototypeOf(zeromqDraft.Server) as new (type: number, o: object) => NativeSock;
  const s = new Native(type, { linger: 0 });
  // The native send/receive, as zeromq.js's draft classes expose them (allowMethods).
  for (const k of ["send", "receive"]) {
    const d = Object.getOwnPropertyDescriptor(zeromqDraft.Server.prototype, k);
    if (d !== undefined) Object.defineProperty(s, k, d);
  }
  return s as never;
}

describe("PEER and CHANNEL against libzmq 4.3.5 (zeromq's native socket)", { timeout: 30_000 }, () => {
  it("zocket PEER connectPeer()s a libzmq PEER: the handshake passes, messages arrive in order", async () => {
    try {
      const theirs = c.track(nativeSocket(19));
      const address = await uniqAddress("tcp");
      await theirs.bind(address);
      const ours = c.track(new Peer({ linger: 0 }));
      const id = ours.connectPeer(address);
      for (let i = 0; i < 5; i++) await ours.send(`p${i}`, { routingId: id });
      for (let i = 0; i < 5; i++) {
        const [m] = await withTimeout(theirs.receive(), 3000, `p${i}`);
        assert.equal(m!.toString(), `p${i}`);
      }
    } finally {
      c.closeAll();
    }
  });

  for (const zocketBinds of [true, false]) {
    it(`CHANNEL, ${zocketBinds ? "zocket" : "libzmq"} binds: both directions`, async () => {
      try {
        const theirs = c.track(nativeSocket(20));
        const ours = c.track(new Channel({ linger: 0 }));
        const address = await uniqAddress("tcp");
        if (zocketBinds) {
          await ours.bind(address);
          theirs.connect(address);
        } else {
          await theirs.bind(address);
          ours.connect(address);
        }
        await ours.send("to libzmq");
        assert.equal((await withTimeout(theirs.receive(), 3000, "to libzmq"))[0]!.toString(), "to libzmq");
        await theirs.send("to zocket");
        assert.equal((await withTimeout(ours.receive(), 3000, "to zocket"))[0]!.toString(), "to zocket");
      } finally {
        c.closeAll();
      }
    });
  }
});
