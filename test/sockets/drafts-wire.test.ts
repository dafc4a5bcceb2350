/**
 * The draft types on the wire, checked byte by byte with a raw ZMTP peer against zocket/draft and against
 * zeromq/draft (libzmq 4.3.5) alike: the handshake's type pairs (docs/drafts-notes.md §2), READY without
 * an Identity, JOIN/LEAVE commands also towards a ZMTP 3.0 peer (§14), RADIO's two-frame messages (§16).
 */
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Server as NetServer } from "node:net";
import { describe, it, test } from "node:test";
import * as extra from "../../src/draft-extra.ts";
import { parseProperties } from "../../src/protocol/command.ts";
import { closeAfter, RawPeer, withTimeout, zframe, zgreeting, zready } from "../helpers/sockets.ts";
import { closer, DRAFT_LIBS, uniqAddress, type Draft } from "../zeromqjs/draft-helpers.ts";

function portOf(endpoint: string): number {
  return Number(/:(\d+)$/.exec(endpoint)![1]);
}

/** The READY body's properties. */
function readyProps(body: Buffer): Map<string, string> {
  assert.equal(body.toString("latin1", 0, 6), "\x05READY");
  return new Map(parseProperties(body.subarray(6)).map(([k, v]) => [k, v.toString("latin1")]));
}

type Ctor = new () => { bind(a: string): Promise<void>; close(): void };

/** Each type with its partner, and one type it must refuse. */
function pairs(d: Draft): Array<[string, Ctor, string, string]> {
  return [
    ["SERVER", d.Server as unknown as Ctor, "CLIENT", "DEALER"],
    ["CLIENT", d.Client as unknown as Ctor, "SERVER", "ROUTER"],
    ["RADIO", d.Radio as unknown as Ctor, "DISH", "SUB"],
    ["DISH", d.Dish as unknown as Ctor, "RADIO", "PUB"],
    ["GATHER", d.Gather as unknown as Ctor, "SCATTER", "PUSH"],
    ["SCATTER", d.Scatter as unknown as Ctor, "GATHER", "PULL"],
  ];
}

/** A raw listener on an ephemeral tcp port: the first connection it accepts, as a RawPeer. */
async function acceptOne(): Promise<{ port: number; accepted: Promise<RawPeer>; close(): void }> {
  let peer: RawPeer | null = null;
  let server!: NetServer;
  const accepted = new Promise<RawPeer>((resolve) => {
    server = createServer((s) => resolve((peer = RawPeer.wrap(null, s))));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    accepted,
    close: () => {
      peer?.destroy();
      server.close();
    },
  };
}

for (const { name, draft } of DRAFT_LIBS) {
  const c = closer();
  describe(`${name}: handshake type pairs`, { timeout: 20_000 }, () => {
    for (const [type, Cls, partner, wrong] of pairs(draft)) {
      it(`${type} takes ${partner} (READY has Socket-Type only) and closes on ${wrong} without ERROR`, async () => {
        const sock = c.track(new Cls());
        const address = await uniqAddress("tcp");
        await sock.bind(address);
        const ok = await RawPeer.connect(null, portOf(address));
        const bad = await RawPeer.connect(null, portOf(address));
        try {
          const props = readyProps(await ok.handshake(partner));
          assert.deepEqual([...props.keys()], ["Socket-Type"]);
          assert.equal(props.get("Socket-Type"), type);
          bad.write(zgreeting());
          await bad.read(64);
          bad.write(zready(wrong));
          await bad.readFrame(); // its own READY
          await bad.waitClosed(2000);
          assert.equal(bad.pending, 0, "no ERROR command");
          assert.equal(ok.ended, false);
        } finally {
          ok.destroy();
          bad.destroy();
          c.closeAll();
        }
      });
    }
  });

  describe(`${name}: JOIN/LEAVE and RADIO frames on the wire`, { timeout: 20_000 }, () => {
    for (const minor of [1, 0]) {
      it(`DISH sends JOIN/LEAVE as commands to a ZMTP 3.${minor} RADIO; RADIO frames are group+MORE, body`, async () => {
        const dish = c.track(new draft.Dish());
        const { port, accepted, close } = await acceptOne();
        dish.join("weather", "g2");
        dish.connect(`tcp://127.0.0.1:${port}`);
        try {
          const raw = await withTimeout(accepted, 3000, "the DISH's connection");
          raw.write(zgreeting({ minor }));
          await raw.read(64);
          raw.write(zready("RADIO"));
          const ready = await raw.readFrame();
          assert.equal(readyProps(ready.body).get("Socket-Type"), "DISH");
          const joins = [await raw.readFrame(), await raw.readFrame()];
          const wire = joins.map((f) => Buffer.concat([Buffer.from([f.flags, f.body.length]), f.body]).toString("hex"));
          assert.deepEqual(wire.sort(), ["0407044a4f494e6732", "040c044a4f494e77656174686572"].sort());
          dish.leave("weather");
          const leave = await raw.readFrame();
          assert.equal(leave.flags, 4);
          assert.equal(leave.body.toString("latin1"), "\x05LEAVEweather");
          raw.write(Buffer.concat([zframe("g2", { more: true }), zframe("body")]));
          const [msg, { group }] = await withTimeout(dish.receive(), 2000, "the message");
          assert.deepEqual([msg.toString(), group.toString()], ["body", "g2"]);
        } finally {
          close();
          c.closeAll();
        }
      });

      it(`RADIO takes COMMAND JOIN from a ZMTP 3.${minor} DISH and sends it group (MORE) then body`, async () => {
        const radio = c.track(new draft.Radio());
        const address = await uniqAddress("tcp");
        await radio.bind(address);
        const raw = await RawPeer.connect(null, portOf(address));
        try {
          raw.write(zgreeting({ minor }));
          await raw.read(64);
          raw.write(zready("DISH"));
          await raw.readFrame();
          raw.write(zframe("\x04JOINnews", { command: true }));
          // libzmq reads the JOIN only when the socket runs its commands: keep sending until it matched.
          const big = "a".repeat(300);
          let first: { flags: number; body: Buffer } | null = null;
          for (let i = 0; i < 50 && first === null; i++) {
            await radio.send("other", { group: "other" });
            await radio.send(big, { group: "news" });
            first = await raw.readFrame(100).catch(() => null);
          }
          assert.ok(first !== null, "no message for the joined group");
          assert.deepEqual([first.flags, first.body.toString()], [1, "news"]);
          const body = await raw.readFrame();
          assert.deepEqual([body.flags, body.body.toString()], [2, big]);
        } finally {
          raw.destroy();
          c.closeAll();
        }
      });
    }
  });
}

// ------------------------------------------------------------------ zocket only

test("zocket: PEER takes PEER and CHANNEL takes CHANNEL, each refuses the other", async (t) => {
  for (const [Cls, type, wrong] of [
    [extra.Peer, "PEER", "CHANNEL"],
    [extra.Channel, "CHANNEL", "PEER"],
  ] as const) {
    const sock = new (Cls as unknown as Ctor)();
    closeAfter(t, sock);
    const address = await uniqAddress("tcp");
    await sock.bind(address);
    const ok = await RawPeer.connect(t, portOf(address));
    const props = readyProps(await ok.handshake(type));
    assert.deepEqual([...props.entries()], [["Socket-Type", type]]);
    const bad = await RawPeer.connect(t, portOf(address));
    bad.write(zgreeting());
    await bad.read(64);
    bad.write(zready(wrong));
    await bad.readFrame();
    await bad.waitClosed(2000);
  }
});

test("zocket: a draft socket refuses a ZMTP 2.0 peer (no legacy peer has a draft type)", async (t) => {
  const { draft } = DRAFT_LIBS[0]!;
  const server = new draft.Server();
  closeAfter(t, server);
  const address = await uniqAddress("tcp");
  await server.bind(address);
  const raw = await RawPeer.connect(t, portOf(address));
  // A ZMTP 2.0 greeting: signature, version 1 (RFC 15), socket type CLIENT (13), then an identity frame.
  raw.write(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1, 13]));
  await raw.waitClosed(2000);
});
