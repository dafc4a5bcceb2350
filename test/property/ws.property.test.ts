/**
 * fast-check properties of the ZWS codec (src/protocol/ws-frame.ts, src/protocol/zws.ts), as hard as the
 * ZMTP decoder's:
 * - every chunking of a stream of frames (binary with any flags and sizes across the 7/16/64-bit length
 *   forms, pings, pongs, closes; masked or not as the direction wants) yields the same events;
 * - one bad frame (fragmented, continuation, text, unknown opcode, reserved bits, wrong mask bit, long or
 *   fragmented control frame, empty binary, 64-bit length with the top bit or beyond 2^53) is an error
 *   with the RFC 6455 status, after exactly the events of the frames before it;
 * - random bytes only ever raise WsProtocolError;
 * - ZMTP frames -> ZmtpSplitter -> WebSocket frames -> WsDecoder -> ZMTP header + body -> FrameDecoder
 *   gives back the same frames, for every chunking, masked or not;
 * - random bytes sent to a live ws listener, as the upgrade request or after it, cost only that
 *   connection: another client is served, nothing unhandled is raised.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FrameDecoder } from "../../src/protocol/frame-decoder.ts";
import { encodeFrame } from "../../src/protocol/frame-encoder.ts";
import {
  maskInto,
  WS_OPCODE,
  WsDecoder,
  wsHeaderSize,
  WsProtocolError,
  writeWsHeader,
} from "../../src/protocol/ws-frame.ts";
import { ZmtpSplitter, zmtpHeader } from "../../src/protocol/zws.ts";
import * as z from "../../src/index.ts";
import { closeAfter, guardProcess, portOf, withTimeout } from "../helpers/sockets.ts";
import { RawWsClient, upgradeRequest, wsFrame, zwsFrame, type WsFrameSpec } from "../helpers/raw-ws.ts";

type Event = ["start", number, number] | ["body", string] | ["control", number, string];

/** Decode chunks; body events are merged per message (chunking may split them anywhere). */
function run(chunks: Buffer[], masked: boolean): { events: Event[]; error: WsProtocolError | null } {
  const events: Event[] = [];
  const d = new WsDecoder(
    {
      messageStart: (flags, size) => events.push(["start", flags, size]),
      messageBody: (b) => {
        const last = events[events.length - 1];
        if (last !== undefined && last[0] === "body") last[1] += b.toString("hex");
        else events.push(["body", b.toString("hex")]);
      },
      control: (op, p) => events.push(["control", op, p.toString("hex")]),
    },
    { masked },
  );
  try {
    for (const c of chunks) d.push(c);
  } catch (err) {
    if (!(err instanceof WsProtocolError)) throw err;
    return { events, error: err };
  }
  return { events, error: null };
}

function cut(b: Buffer, positions: number[]): Buffer[] {
  const ps = [...new Set(positions.map((p) => p % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of ps) {
    out.push(Buffer.from(b.subarray(prev, p)));
    prev = p;
  }
  out.push(Buffer.from(b.subarray(prev)));
  return out;
}

const maskArb = fc.uint8Array({ minLength: 4, maxLength: 4 });
const bodyArb = fc.oneof(
  { weight: 5, arbitrary: fc.uint8Array({ maxLength: 140 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 65530, maxLength: 65540 }) },
);
interface Good {
  spec: WsFrameSpec;
  events: Event[];
}
const goodArb = (masked: boolean): fc.Arbitrary<Good> =>
  fc.oneof(
    fc.record({ flags: fc.nat(255), body: bodyArb, mask: maskArb, form: fc.constantFrom(7, 16, 64) }).map((r) => {
      const payload = Buffer.concat([Buffer.from([r.flags]), r.body]);
      const len = payload.length;
      const form = (len < 126 ? r.form : len < 65536 ? Math.max(16, r.form) : 64) as 7 | 16 | 64;
      const events: Event[] = [["start", r.flags, r.body.length]];
      if (r.body.length > 0) events.push(["body", Buffer.from(r.body).toString("hex")]);
      return { spec: { opcode: 2, payload, mask: masked ? r.mask : null, lengthForm: form }, events };
    }),
    fc
      .record({
        op: fc.constantFrom(WS_OPCODE.PING, WS_OPCODE.PONG, WS_OPCODE.CLOSE),
        p: fc.uint8Array({ maxLength: 125 }),
        mask: maskArb,
      })
      .map((r) => ({
        spec: { opcode: r.op, payload: r.p, mask: masked ? r.mask : null },
        events: [["control", r.op, Buffer.from(r.p).toString("hex")]] as Event[],
      })),
  );

function merged(list: Good[]): Event[] {
  const out: Event[] = [];
  for (const g of list) for (const e of g.events) out.push([...e] as Event);
  return out;
}

describe("WebSocket decoder properties", () => {
  for (const masked of [true, false]) {
    test(`every chunking yields the same events (${masked ? "client frames, masked" : "server frames"})`, () => {
      fc.assert(
        fc.property(fc.array(goodArb(masked), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 25 }), (list, ps) => {
          const stream = Buffer.concat(list.map((g) => wsFrame(g.spec)));
          const whole = run([Buffer.from(stream)], masked); // decoding unmasks in place
          assert.equal(whole.error, null);
          assert.deepEqual(whole.events, merged(list));
          assert.deepEqual(run(cut(stream, ps), masked), whole);
        }),
        { numRuns: 300 },
      );
    });
  }

  const BAD: Array<[string, number, (mask: Uint8Array | null) => Buffer]> = [
    ["fragment (FIN=0)", 1002, (m) => wsFrame({ opcode: 2, payload: Buffer.from([0, 1]), fin: false, mask: m })],
    ["continuation", 1002, (m) => wsFrame({ opcode: 0, payload: Buffer.from([0, 1]), mask: m })],
    ["text", 1003, (m) => wsFrame({ opcode: 1, payload: Buffer.from("hi"), mask: m })],
    ["unknown opcode 3", 1002, (m) => wsFrame({ opcode: 3, payload: Buffer.from([0]), mask: m })],
    ["unknown opcode 0xb", 1002, (m) => wsFrame({ opcode: 0xb, payload: Buffer.from([0]), mask: m })],
    ["reserved bit", 1002, (m) => wsFrame({ opcode: 2, payload: Buffer.from([0]), rsv: 4, mask: m })],
    ["empty binary", 1002, (m) => wsFrame({ opcode: 2, payload: Buffer.alloc(0), mask: m })],
    ["long ping", 1002, (m) => wsFrame({ opcode: 9, payload: Buffer.alloc(126), mask: m })],
    ["fragmented ping", 1002, (m) => wsFrame({ opcode: 9, payload: Buffer.alloc(1), fin: false, mask: m })],
    ["2^62 bytes", 1009, (m) => Buffer.from([0x82, (m ? 0x80 : 0) | 127, 0x40, 0, 0, 0, 0, 0, 0, 0, ...(m ?? [])])],
    ["2^53 bytes", 1009, (m) => Buffer.from([0x82, (m ? 0x80 : 0) | 127, 0, 0x20, 0, 0, 0, 0, 0, 0, ...(m ?? [])])],
    ["top bit set", 1002, (m) => Buffer.from([0x82, (m ? 0x80 : 0) | 127, 0x80, 0, 0, 0, 0, 0, 0, 1, ...(m ?? [])])],
  ];

  for (const masked of [true, false]) {
    test(`one bad frame fails with its status after exactly the frames before it (${masked ? "server" : "client"} side)`, () => {
      fc.assert(
        fc.property(
          fc.array(goodArb(masked), { maxLength: 5 }),
          fc.constantFrom(...BAD),
          fc.array(goodArb(masked), { maxLength: 3 }),
          maskArb,
          fc.array(fc.nat(), { maxLength: 20 }),
          (before, [, status, bad], after, mask, ps) => {
            const stream = Buffer.concat([
              ...before.map((g) => wsFrame(g.spec)),
              bad(masked ? mask : null),
              ...after.map((g) => wsFrame(g.spec)),
            ]);
            const r = run(cut(stream, ps), masked);
            assert.ok(r.error, "no error");
            assert.equal(r.error.status, status);
            assert.deepEqual(r.events, merged(before));
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  test("a frame masked the wrong way for the direction is a protocol error", () => {
    const masked = wsFrame({ opcode: 2, payload: Buffer.from([0, 65]), mask: Uint8Array.of(1, 2, 3, 4) });
    const plain = wsFrame({ opcode: 2, payload: Buffer.from([0, 65]) });
    assert.equal(run([plain], true).error?.status, 1002); // a client's frame must be masked
    assert.equal(run([masked], false).error?.status, 1002); // a server's must not
  });

  test("maskInto (four bytes a step) equals RFC 6455's byte-by-byte XOR, for every phase, length and offset", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 70 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.nat(7),
        fc.nat(5),
        (src, mask, phase, at) => {
          const want = new Uint8Array(at + src.length);
          for (let i = 0; i < src.length; i++) want[at + i] = src[i]! ^ mask[(phase + i) & 3]!;
          const got = new Uint8Array(at + src.length);
          maskInto(got, at, src, mask, phase);
          assert.deepEqual(got, want);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("random bytes only ever raise WsProtocolError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, masked) => {
        run([Buffer.from(bytes)], masked); // throws anything else
      }),
      { numRuns: 2000 },
    );
  });
});

describe("ZMTP over ZWS round trip", () => {
  interface ZFrame {
    flags: number;
    body: Uint8Array;
  }
  const zframeArb: fc.Arbitrary<ZFrame> = fc.record({
    flags: fc.constantFrom(0, 1, 4, 5),
    body: fc.oneof(
      { weight: 5, arbitrary: fc.uint8Array({ maxLength: 300 }) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 65530, maxLength: 70000 }) },
    ),
  });

  test("splitter -> WebSocket frames -> decoder -> FrameDecoder gives back every frame, for every chunking", () => {
    fc.assert(
      fc.property(
        fc.array(zframeArb, { maxLength: 8 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        maskArb,
        (frames, masked, outCuts, inCuts, mask) => {
          // Out: the engine's bytes, written in arbitrary pieces, become WebSocket frames.
          const wire: Buffer[] = [];
          let cur: { buf: Buffer; at: number; phase: number } | null = null;
          const splitter = new ZmtpSplitter({
            frameStart(flags, size) {
              const len = size + 1;
              const buf = Buffer.alloc(wsHeaderSize(len, masked) + len);
              const p = writeWsHeader(buf, 0, WS_OPCODE.BINARY, len, masked ? mask : null);
              buf[p] = masked ? flags ^ mask[0]! : flags;
              cur = { buf, at: p + 1, phase: 1 };
              if (size === 0) wire.push(buf);
            },
            frameBody(bytes) {
              const c = cur!;
              if (masked) maskInto(c.buf, c.at, bytes, mask, c.phase);
              else c.buf.set(bytes, c.at);
              c.at += bytes.length;
              c.phase += bytes.length;
              if (c.at === c.buf.length) wire.push(c.buf);
            },
          });
          const zmtp = Buffer.concat(frames.map((f) => encodeFrame(f.flags, f.body)));
          for (const piece of cut(zmtp, outCuts)) splitter.push(piece);
          // In: the WebSocket bytes, cut anywhere, reach a ZMTP frame decoder.
          const got: ZFrame[] = [];
          const fd = new FrameDecoder({
            onFrame: (flags, body) => (got.push({ flags, body: Buffer.from(body) }), true),
          });
          const wd = new WsDecoder(
            {
              messageStart: (flags, size) => fd.push(zmtpHeader(flags, size)),
              messageBody: (b) => fd.push(b),
              control: () => assert.fail("no control frames were sent"),
            },
            { masked },
          );
          for (const piece of cut(Buffer.concat(wire), inCuts)) wd.push(piece);
          assert.deepEqual(
            got,
            frames.map((f) => ({ flags: f.flags, body: Buffer.from(f.body) })),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("random bytes against a live ws listener", () => {
  test("as the request, or as frames after a valid upgrade: only that connection is lost", async (t) => {
    const guard = guardProcess(t);
    const rep = new z.Reply({ linger: 0, handshakeInterval: 2000 });
    closeAfter(t, rep);
    await rep.bind("ws://127.0.0.1:*/fuzz");
    const port = portOf(rep.lastEndpoint!.replace(/\/fuzz$/, ""));
    const samples = fc.sample(fc.tuple(fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 300 })), {
      numRuns: 40,
      seed: 24,
    });
    for (const [afterUpgrade, bytes] of samples) {
      const c = await RawWsClient.connect(port);
      if (afterUpgrade) {
        c.write(upgradeRequest("ZWS2.0"));
        await c.head();
      }
      c.write(Buffer.from(bytes));
      c.destroy();
    }
    // A good client still gets served (bare ZWS2.0: identity frame first, then a REQ-style envelope).
    const ok = await RawWsClient.connect(port);
    closeAfter(t, { close: () => ok.destroy() });
    ok.write(upgradeRequest("ZWS2.0"));
    assert.match(await ok.head(), /^HTTP\/1\.1 101 /);
    ok.write(zwsFrame(0, ""));
    ok.write(zwsFrame(1, ""));
    ok.write(zwsFrame(0, "still here"));
    const [msg] = await withTimeout(rep.receive(), 5000, "request");
    assert.equal(msg!.toString(), "still here");
    guard.check();
  });
});
