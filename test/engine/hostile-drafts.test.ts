/**
 * Hostile input to the draft sockets: each costs at most its own connection or its own datagram — no
 * crash, no unhandled error — and the socket keeps serving its other peers (docs/drafts-notes.md §13,
 * §15, §21). Where libzmq 4.3.5 survives the same input (DISH), the case runs on zeromq too.
 *
 * - a JOIN with a 300-byte group (it aborts a libzmq RADIO): dropped, the connection stays usable;
 * - a DISH fed a group frame without MORE, a 256-byte group, or a body with MORE: that connection drops;
 * - udp datagrams whose first byte is ≥ 0x80, of 64 KiB, truncated, or empty: read unsigned, taken whole,
 *   or dropped.
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { describe, it, test } from "node:test";
import * as draft from "../../src/draft.ts";
import {
  closeAfter,
  guardProcess,
  RawPeer,
  waitUntil,
  withTimeout,
  zframe,
  zgreeting,
  zready,
} from "../helpers/sockets.ts";
import { closer, DRAFT_LIBS, uniqAddress } from "../zeromqjs/draft-helpers.ts";

function portOf(endpoint: string): number {
  return Number(/:(\d+)$/.exec(endpoint)![1]);
}

/** A raw peer of `type` connected to `port`, its handshake done. */
async function rawPeer(port: number, type: string): Promise<RawPeer> {
  const raw = await RawPeer.connect(null, port);
  raw.write(zgreeting());
  await raw.read(64);
  raw.write(zready(type));
  await raw.readFrame();
  return raw;
}

test("zocket RADIO: a JOIN with a 300-byte group is dropped; that DISH and the others are still served", async (t) => {
  const guard = guardProcess(t);
  const radio = new draft.Radio();
  const dish = new draft.Dish();
  closeAfter(t, radio, dish);
  const address = await uniqAddress("tcp");
  await radio.bind(address);
  dish.join("news");
  dish.connect(address);
  const raw = await rawPeer(portOf(address), "DISH");
  t.after(() => raw.destroy());
  raw.write(zframe(Buffer.concat([Buffer.from("\x04JOIN"), Buffer.alloc(300, 0x41)]), { command: true }));
  raw.write(zframe(Buffer.concat([Buffer.from("\x05LEAVE"), Buffer.alloc(300, 0x41)]), { command: true }));
  raw.write(zframe("\x04JOINok", { command: true }));
  let got: Buffer[] | null = null;
  await waitUntil(
    async () => {
      await radio.send("for the raw dish", { group: "ok" });
      await radio.send("x", { group: "A".repeat(255) });
      got = await raw.readMessage(50).catch(() => null);
      return got !== null;
    },
    3000,
    "a message for the raw DISH's valid join",
  );
  assert.deepEqual(
    got!.map((f) => f.toString()),
    ["ok", "for the raw dish"],
  );
  await radio.send("still served", { group: "news" });
  const [msg] = await withTimeout(dish.receive(), 2000, "the other DISH's message");
  assert.equal(msg.toString(), "still served");
  assert.equal(raw.ended, false);
  guard.check();
});

for (const { name, draft: d } of DRAFT_LIBS) {
  const c = closer();
  describe(`${name} DISH: a malformed RADIO message drops that connection only`, { timeout: 20_000 }, () => {
    const cases: Array<[string, Buffer]> = [
      ["a group frame without MORE", zframe("news")],
      ["a 256-byte group", Buffer.concat([zframe(Buffer.alloc(256, 0x6e), { more: true }), zframe("body")])],
      ["a body with MORE", Buffer.concat([zframe("news", { more: true }), zframe("b1", { more: true }), zframe("b2")])],
    ];
    for (const [what, bytes] of cases) {
      it(what, async (t) => {
        const guard = guardProcess(t);
        try {
          const dish = c.track(new d.Dish({ receiveTimeout: 3000 }));
          const good = c.track(new draft.Radio());
          dish.join("news");
          const address = await uniqAddress("tcp");
          await dish.bind(address);
          const raw = await rawPeer(portOf(address), "RADIO");
          t.after(() => raw.destroy());
          good.connect(address);
          // The DISH reads what arrives; zocket checks a message when it reads it.
          const received: string[] = [];
          const reader = (async () => {
            for (;;) {
              const [m] = await dish.receive();
              received.push(m.toString());
              if (m.toString() === "last") return;
            }
          })();
          raw.write(bytes);
          await waitUntil(
            async () => {
              await good.send("good", { group: "news" });
              return received.length > 0;
            },
            3000,
            "the good RADIO's message",
          );
          await raw.waitClosed(3000);
          await good.send("last", { group: "news" });
          await withTimeout(reader, 3000, "the last message");
          assert.ok(received.every((m) => m === "good" || m === "last"));
          guard.check();
        } finally {
          c.closeAll();
        }
      });
    }
  });
}

describe("zocket DISH and DGRAM over udp: hostile datagrams", () => {
  it("first byte ≥ 0x80 read unsigned, 64 KiB taken whole, truncated and empty ones dropped, others served", async (t) => {
    const guard = guardProcess(t);
    const dish = new draft.Dish({ receiveTimeout: 2000 });
    closeAfter(t, dish);
    const g128 = "g".repeat(128);
    dish.join("g", g128);
    const address = await uniqAddress("udp");
    await dish.bind(address);
    const sender = createSocket("udp4");
    t.after(() => sender.close());
    const send = (b: Buffer): Promise<void> =>
      new Promise((resolve) => sender.send(b, portOf(address), "127.0.0.1", () => resolve()));
    const big = Buffer.alloc(65507 - 2, 0x5a);
    await send(Buffer.concat([Buffer.from([0x80]), Buffer.from(g128), Buffer.from("long group")]));
    await send(Buffer.from([0x80, 0x61, 0x62])); // length 128, 2 bytes: truncated
    await send(Buffer.from([0x05, 0x67])); // length 5, 1 byte: truncated
    await send(Buffer.alloc(0));
    await send(Buffer.concat([Buffer.from([1]), Buffer.from("g"), big])); // 65507 bytes, the IPv4 maximum
    await send(Buffer.from("\x01gvalid"));
    const got: Array<[string, number]> = [];
    for (let i = 0; i < 3; i++) {
      const [msg, { group }] = await dish.receive();
      got.push([group.length > 1 ? `g*${group.length}` : group.toString(), msg.length]);
    }
    assert.deepEqual(got, [
      ["g*128", 10],
      ["g", big.length],
      ["g", 5],
    ]);
    guard.check();
  });

  it("a DGRAM takes a 64 KiB datagram whole and an empty one as an empty body", async (t) => {
    const dgram = new draft.Datagram({ receiveTimeout: 2000 });
    closeAfter(t, dgram);
    const address = await uniqAddress("udp");
    await dgram.bind(address);
    const sender = createSocket("udp4");
    t.after(() => sender.close());
    for (const b of [Buffer.alloc(65507, 1), Buffer.alloc(0)]) {
      await new Promise<void>((resolve) => sender.send(b, portOf(address), "127.0.0.1", () => resolve()));
    }
    const [, big] = await dgram.receive();
    const [, empty] = await dgram.receive();
    assert.deepEqual([big.length, empty.length], [65507, 0]);
  });
});
