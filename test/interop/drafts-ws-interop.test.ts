/**
 * The draft sockets over ws:// (ZWS 2.0) against real libzmq 4.3.5 (zeromq/draft, built with drafts and
 * ws), both directions, and zocket against zocket: SERVER/CLIENT (routing ids, replies to the right
 * client), RADIO/DISH (JOIN/LEAVE as ZWS command frames, filtering), SCATTER/GATHER; PEER and CHANNEL
 * zocket against zocket (zeromq.js has neither). Over CURVE too, since a ZWS command frame then travels
 * inside a box.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as zocketDraft from "../../src/draft.ts";
import { Channel, Peer } from "../../src/draft-extra.ts";
import { delay, RFC26_KEYS, waitUntil, withTimeout } from "../helpers/sockets.ts";
import { closer, DRAFT_LIBS, type Draft } from "../zeromqjs/draft-helpers.ts";

const zeromqDraft = DRAFT_LIBS[1]!.draft;
const T = 5000;

/** Who binds, who connects. */
const PAIRS: ReadonlyArray<[string, Draft, Draft]> = [
  ["zocket binds, zocket connects", zocketDraft, zocketDraft],
  ["zocket binds, zeromq connects", zocketDraft, zeromqDraft],
  ["zeromq binds, zocket connects", zeromqDraft, zocketDraft],
];

const CURVE_SERVER = {
  curveServer: true,
  curveSecretKey: RFC26_KEYS.serverSecret,
  curvePublicKey: RFC26_KEYS.serverPublic,
};
const CURVE_CLIENT = {
  curveServerKey: RFC26_KEYS.serverPublic,
  curvePublicKey: RFC26_KEYS.clientPublic,
  curveSecretKey: RFC26_KEYS.clientSecret,
};

const c = closer();

for (const [label, binder, connector] of PAIRS) {
  describe(`draft sockets over ws://, ${label}`, { timeout: 30_000 }, () => {
    it("SERVER binds, two CLIENTs: routing ids, each reply reaches its client", async () => {
      try {
        const server = c.track(new binder.Server({ linger: 0 }));
        await server.bind("ws://127.0.0.1:*/drafts");
        const a = c.track(new connector.Client({ linger: 0 }));
        const b = c.track(new connector.Client({ linger: 0 }));
        a.connect(server.lastEndpoint!);
        b.connect(server.lastEndpoint!);
        await a.send("a");
        await b.send("b");
        const ids = new Map<string, number>();
        for (let i = 0; i < 2; i++) {
          const [msg, { routingId }] = await withTimeout(server.receive(), T, "a request");
          ids.set(msg.toString(), routingId);
        }
        assert.notEqual(ids.get("a"), ids.get("b"));
        await server.send("to a", { routingId: ids.get("a")! });
        await server.send("to b", { routingId: ids.get("b")! });
        assert.equal((await withTimeout(a.receive(), T, "a's reply"))[0]!.toString(), "to a");
        assert.equal((await withTimeout(b.receive(), T, "b's reply"))[0]!.toString(), "to b");
      } finally {
        c.closeAll();
      }
    });

    for (const curve of [false, true]) {
      it(`RADIO binds, DISH connects${curve ? " (CURVE)" : ""}: only joined groups arrive, leave stops one`, async () => {
        try {
          const radio = c.track(new binder.Radio({ linger: 0, ...(curve ? CURVE_SERVER : {}) }));
          await radio.bind("ws://127.0.0.1:*");
          const dish = c.track(new connector.Dish({ linger: 0, ...(curve ? CURVE_CLIENT : {}) }));
          dish.join("weather", "news");
          dish.connect(radio.lastEndpoint!);
          // The JOINs travel after the handshake: publish until the first one arrives.
          const first = dish.receive();
          await waitUntil(async () => {
            await radio.send("probe", { group: "weather" });
            return (await Promise.race([first.then(() => true), delay(20).then(() => false)])) as boolean;
          }, T);
          dish.leave("news");
          await delay(100); // the LEAVE reaches the RADIO
          await radio.send("n1", { group: "news" });
          await radio.send("s1", { group: "sports" });
          await radio.send("w1", { group: "weather" });
          for (;;) {
            const [body, { group }] = await withTimeout(dish.receive(), T, "w1");
            if (body.toString() === "probe") continue;
            assert.deepEqual([body.toString(), group.toString()], ["w1", "weather"]);
            break;
          }
        } finally {
          c.closeAll();
        }
      });
    }

    it("GATHER binds, SCATTER connects: messages in order", async () => {
      try {
        const gather = c.track(new binder.Gather({ linger: 0 }));
        await gather.bind("ws://127.0.0.1:*");
        const scatter = c.track(new connector.Scatter({ linger: 0 }));
        scatter.connect(gather.lastEndpoint!);
        for (let i = 0; i < 20; i++) await scatter.send(`m${i}`);
        for (let i = 0; i < 20; i++) {
          const [m] = await withTimeout(gather.receive(), T, `m${i}`);
          assert.equal(m!.toString(), `m${i}`);
        }
      } finally {
        c.closeAll();
      }
    });
  });
}

describe("PEER and CHANNEL over ws://, zocket with zocket", { timeout: 30_000 }, () => {
  it("PEER: connectPeer gives the routing id at once; both sides reply by id", async () => {
    try {
      const a = c.track(new Peer({ linger: 0 }));
      const b = c.track(new Peer({ linger: 0 }));
      await a.bind("ws://127.0.0.1:*/peer");
      const id = b.connectPeer(a.lastEndpoint!);
      assert.ok(id > 0);
      await b.send("hello", { routingId: id });
      const [msg, { routingId }] = await withTimeout(a.receive(), T, "hello");
      assert.equal(msg.toString(), "hello");
      await a.send("back", { routingId });
      const [back] = await withTimeout(b.receive(), T, "back");
      assert.equal(back.toString(), "back");
    } finally {
      c.closeAll();
    }
  });

  it("CHANNEL: a two-way exclusive pair", async () => {
    try {
      const a = c.track(new Channel({ linger: 0 }));
      const b = c.track(new Channel({ linger: 0 }));
      await a.bind("ws://127.0.0.1:*");
      b.connect(a.lastEndpoint!);
      await b.send("ping");
      assert.equal((await withTimeout(a.receive(), T, "ping"))[0]!.toString(), "ping");
      await a.send("pong");
      assert.equal((await withTimeout(b.receive(), T, "pong"))[0]!.toString(), "pong");
    } finally {
      c.closeAll();
    }
  });
});
