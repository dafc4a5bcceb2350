/**
 * fast-check properties of the codec and the engine:
 * - the frame decoder yields the same frames for every chunking of a byte stream (and the same
 *   bodies whether a frame is sent short or long);
 * - maxSize: decoding fails exactly when some frame is larger, and never before the frames before it;
 * - the greeting gives the same result and the same bytes to send for every chunking;
 * - random bytes over a real TCP connection never throw out of the engine: the socket keeps working
 *   for another peer, and there is no unhandledRejection / uncaughtException.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FrameDecoder, FrameTooLargeError } from "../../src/protocol/frame-decoder.ts";
import { Greeting } from "../../src/protocol/greeting.ts";
import { ReadShaper } from "../../src/transports/read-shaper.ts";
import * as z from "../../src/index.ts";
import {
  closeAfter,
  guardProcess,
  portOf,
  RawPeer,
  withTimeout,
  zframe,
  zgreeting,
  zready,
} from "../helpers/sockets.ts";

interface Frame {
  flags: number;
  body: Uint8Array;
  long: boolean;
}

const frameArb: fc.Arbitrary<Frame> = fc.record({
  // MORE / COMMAND plus reserved bits 3..7, which the decoder ignores.
  flags: fc.integer({ min: 0, max: 255 }).map((f) => f & ~0x02),
  body: fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 256, maxLength: 3000 }) },
  ),
  long: fc.boolean(),
});

function encode(frames: Frame[]): Buffer {
  return Buffer.concat(
    frames.map((f) => {
      const b = Buffer.from(f.body);
      const head = zframe(b, { long: f.long });
      head[0] = (head[0]! & 0x02) | f.flags;
      return head;
    }),
  );
}

/** Cut `b` at the given (sorted, deduplicated) positions. */
function cut(b: Buffer, positions: number[]): Buffer[] {
  const ps = [...new Set(positions.map((p) => p % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of ps) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  out.push(b.subarray(prev));
  return out;
}

function decode(chunks: Buffer[], maxSize?: number): Array<{ flags: number; body: Buffer }> {
  const got: Array<{ flags: number; body: Buffer }> = [];
  const d = new FrameDecoder(
    { onFrame: (flags, body) => (got.push({ flags, body: Buffer.from(body) }), true) },
    maxSize === undefined ? {} : { maxSize },
  );
  for (const c of chunks) d.push(c);
  return got;
}

describe("frame decoder properties", () => {
  test("every chunking of a stream yields the same frames", () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (frames, positions) => {
        const stream = encode(frames);
        const expected = frames.map((f) => ({ flags: f.flags & 0x05, body: Buffer.from(f.body) }));
        assert.deepEqual(decode(cut(stream, positions)), expected);
        assert.deepEqual(decode([stream]), expected);
      }),
      { numRuns: 400 },
    );
  });

  test("bodies assembled in place, with the sink pausing at random, yield the same frames", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.integer({ min: 0, max: 600 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
        (frames, positions, assembleAt, pauses) => {
          const stream = encode(frames);
          const got: Array<{ flags: number; body: Buffer }> = [];
          let i = 0;
          const d = new FrameDecoder(
            { onFrame: (flags, body) => (got.push({ flags, body: Buffer.from(body) }), !pauses[i++ % pauses.length]) },
            { assembleAt },
          );
          for (const c of cut(stream, positions)) {
            d.push(c);
            if (d.stopped && pauses[i % pauses.length]) d.resume();
          }
          while (d.stopped) d.resume();
          assert.deepEqual(got, decode([stream]));
          assert.equal(d.buffered, 0);
        },
      ),
      { numRuns: 400 },
    );
  });

  test("reads into the buffers the decoder and the read shaper offer (shaped and in place), in runs of same-shaped messages, yield the same frames, none overwritten later", () => {
    // Messages of a few shapes, each repeated a few times (so the next read is often speculated), with
    // MORE set on all but the last frame; large bodies relative to a small speculateAt.
    const shapeArb = fc.array(fc.record({ size: fc.integer({ min: 0, max: 700 }), long: fc.boolean() }), {
      minLength: 1,
      maxLength: 3,
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(shapeArb, fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 9 }),
        (runs, reads, ignoreTarget, speculateAt, assembleAt, pauses) => {
          const frames: Frame[] = [];
          let fill = 0;
          for (const [shape, times] of runs) {
            for (let t = 0; t < times; t++) {
              shape.forEach((f, i) => {
                const body = new Uint8Array(f.size).map(() => (fill = (fill * 31 + 7) & 0xff));
                frames.push({ flags: i < shape.length - 1 ? 0x01 : 0, body, long: f.long });
              });
            }
          }
          const stream = encode(frames);
          // The sink keeps the bodies themselves, not copies: a later read must not overwrite any of them.
          const got: Array<{ flags: number; body: Buffer }> = [];
          let p = 0;
          const shaper = new ReadShaper(speculateAt);
          const sink = {
            onFrame: (flags: number, body: Buffer) => (got.push({ flags, body }), !pauses[p++ % pauses.length]),
          };
          const d = new FrameDecoder(sink, { assembleAt, tap: shaper });
          const push = (chunk: Buffer): void => {
            shaper.delivered(chunk.length);
            d.push(chunk);
          };
          let pos = 0;
          for (let i = 0; pos < stream.length; i++) {
            const want = reads[i % reads.length]!;
            const bodyTarget = d.readTarget();
            const offered = bodyTarget === null ? shaper.offer() : null;
            const target = bodyTarget ?? offered;
            if (target !== null && !ignoreTarget[i % ignoreTarget.length]) {
              // What DirectInput does: the read lands in the target, and a view of it is pushed (a read into
              // the shaper's offer through the shaper, which keeps it or copies it out).
              const n = Math.min(want, target.length, stream.length - pos);
              target.set(stream.subarray(pos, pos + n), 0);
              const chunk = Buffer.from(target.buffer, target.byteOffset, n);
              push(offered === null ? chunk : shaper.landed(chunk));
              pos += n;
            } else {
              const n = Math.min(want, stream.length - pos);
              push(Buffer.from(stream.subarray(pos, pos + n)));
              pos += n;
            }
            if (d.stopped && pauses[i % pauses.length]) d.resume();
          }
          while (d.stopped) d.resume();
          assert.deepEqual(
            got.map((g) => ({ flags: g.flags, body: Buffer.from(g.body) })),
            decode([stream]),
          );
          assert.equal(d.buffered, 0);
        },
      ),
      { numRuns: 600 },
    );
  });

  test("one byte at a time yields the same frames", () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 5 }), (frames) => {
        const stream = encode(frames);
        assert.deepEqual(decode([...stream].map((x) => Buffer.from([x]))), decode([stream]));
      }),
      { numRuns: 100 },
    );
  });

  test("maxSize: fails exactly when a frame is larger, after delivering the frames before it", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 400 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (frames, max, positions) => {
          const firstBad = frames.findIndex((f) => f.body.length > max);
          const got: number[] = [];
          const d = new FrameDecoder({ onFrame: (_f, body) => (got.push(body.length), true) }, { maxSize: max });
          let threw = false;
          try {
            for (const c of cut(encode(frames), positions)) d.push(c);
          } catch (err) {
            assert.ok(err instanceof FrameTooLargeError);
            threw = true;
          }
          assert.equal(threw, firstBad !== -1);
          assert.deepEqual(
            got,
            frames.slice(0, firstBad === -1 ? frames.length : firstBad).map((f) => f.body.length),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test("random bytes never make the decoder throw anything but FrameTooLargeError", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.option(fc.integer({ min: 0, max: 1000 })),
        (bytes, positions, max) => {
          try {
            decode(cut(Buffer.from(bytes), positions), max ?? undefined);
          } catch (err) {
            assert.ok(err instanceof FrameTooLargeError, String(err));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("greeting properties", () => {
  test("every chunking gives the same result, rest and bytes to send", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (minor, tail, positions) => {
          const stream = Buffer.concat([zgreeting({ minor }), Buffer.from(tail)]);
          const run = (chunks: Buffer[]): { sent: Buffer; minor: number | undefined; rest: Buffer } => {
            const g = new Greeting({
              mechanism: "NULL",
              asServer: false,
              identityLength: 0,
              socketType: 7,
              refuseLegacy: false,
            });
            const sent: Buffer[] = [];
            const rest: Buffer[] = [];
            let doneMinor: number | undefined;
            for (const c of chunks) {
              if (doneMinor !== undefined) {
                rest.push(c);
                continue;
              }
              const s = g.push(c);
              sent.push(...s.send);
              if (s.done) {
                doneMinor = s.done.minor;
                rest.push(s.done.rest);
              }
            }
            return { sent: Buffer.concat(sent), minor: doneMinor, rest: Buffer.concat(rest) };
          };
          const whole = run([stream]);
          assert.equal(whole.minor, minor);
          assert.deepEqual(whole.rest, Buffer.from(tail));
          assert.deepEqual(run(cut(stream, positions)), whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("random bytes: the greeting either completes, waits, or throws a ProtocolError — nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const g = new Greeting({
          mechanism: "NULL",
          asServer: false,
          identityLength: 0,
          socketType: 7,
          refuseLegacy: false,
        });
        try {
          g.push(Buffer.from(bytes));
        } catch (err) {
          assert.equal((err as Error).name, "ProtocolError");
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("engine property: random bytes over a real TCP connection", () => {
  for (const kind of ["Pull", "Dealer"] as const) {
    test(`zocket ${kind}: random input never throws out of the engine and another peer keeps working`, async (t) => {
      const guard = guardProcess(t);
      const victim =
        kind === "Pull" ? new z.Pull({ handshakeInterval: 2000 }) : new z.Dealer({ handshakeInterval: 2000 });
      const good = kind === "Pull" ? new z.Push() : new z.Dealer();
      closeAfter(t, victim, good);
      await victim.bind("tcp://127.0.0.1:*");
      good.connect(victim.lastEndpoint!);
      const port = portOf(victim.lastEndpoint!);
      const peerType = kind === "Pull" ? "PUSH" : "DEALER";
      let n = 0;
      const probe = async (): Promise<void> => {
        const tag = `probe-${++n}`;
        await withTimeout((good as z.Push).send(tag), 3000, "probe send");
        // Hostile peers may have completed a valid handshake and sent real messages: skip those.
        for (;;) {
          const m = await withTimeout((victim as z.Pull).receive(), 3000, "probe receive");
          if (m.length === 1 && m[0]!.toString() === tag) return;
        }
      };
      await probe();
      // Inputs: pure noise; or a valid greeting (+ READY) followed by noise, so the framing and command
      // handling after the handshake are fuzzed too.
      const input = fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.concat([zgreeting(), Buffer.from(b)])),
        fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.concat([zgreeting(), zready(peerType), Buffer.from(b)])),
        fc
          .array(fc.record({ body: fc.uint8Array({ maxLength: 300 }), flags: fc.integer({ min: 0, max: 7 }) }), {
            maxLength: 6,
          })
          .map((fs) =>
            Buffer.concat([
              zgreeting(),
              zready(peerType),
              ...fs.map((f) => {
                const b = zframe(Buffer.from(f.body));
                b[0] = (b[0]! & 2) | (f.flags & ~2);
                return b;
              }),
            ]),
          ),
      );
      await fc.assert(
        fc.asyncProperty(input, fc.array(fc.nat({ max: 700 }), { maxLength: 4 }), async (bytes, positions) => {
          const raw = await RawPeer.connect(null, port);
          try {
            for (const c of cut(Buffer.from(bytes), positions)) {
              raw.write(c);
              await new Promise((r) => setImmediate(r));
            }
            await new Promise((r) => setTimeout(r, 2));
          } finally {
            raw.destroy();
          }
          await probe();
          guard.check();
        }),
        { numRuns: 150 },
      );
      guard.check();
    });
  }
});
