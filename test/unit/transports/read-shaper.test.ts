/**
 * The read shaper (transports/read-shaper.ts) with a real frame decoder: after a large message the next
 * read is offered a buffer of its shape; a read of that shape is kept (bodies are views of it, a short read
 * is completed in place); any other read is copied out. The reads are made as DirectInput makes them: into
 * the decoder's target first, else into the shaper's offer, else into a buffer of the transport's own.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FrameDecoder } from "../../../src/protocol/frame-decoder.ts";
import { ReadShaper } from "../../../src/transports/read-shaper.ts";
import { zframe } from "../../helpers/sockets.ts";

const KIB40 = 40 * 1024;

/** A decoder with a shaper, and a transport that reads into whatever they offer. */
function reading(): {
  d: FrameDecoder;
  shaper: ReadShaper;
  bodies: Buffer[];
  /** One read of `bytes`; returns the buffer the shaper offered for it, or null. */
  read(bytes: Buffer): Uint8Array | null;
} {
  const bodies: Buffer[] = [];
  const shaper = new ReadShaper();
  const d = new FrameDecoder({ onFrame: (_f, body) => (bodies.push(body), true) }, { tap: shaper });
  const push = (chunk: Buffer): void => {
    shaper.delivered(chunk.length);
    d.push(chunk);
  };
  return {
    d,
    shaper,
    bodies,
    read(bytes) {
      const target = d.readTarget();
      const offered = target === null ? shaper.offer() : null;
      const buf = target ?? offered;
      if (buf === null) {
        push(Buffer.from(bytes));
        return null;
      }
      // A read takes at most the buffer's length; the rest comes in the next read.
      const n = Math.min(buf.length, bytes.length);
      buf.set(bytes.subarray(0, n), 0);
      const chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
      push(offered === null ? chunk : shaper.landed(chunk));
      if (n < bytes.length) this.read(bytes.subarray(n));
      return buf;
    },
  };
}

const big = (n: number, fill: number): Buffer => Buffer.alloc(KIB40, fill + n);

describe("after a large message the next read is offered a buffer of its shape", () => {
  test("a run of same-sized messages: from the third on, the read buffer is the message's size and the body a view of it, 8-byte aligned", () => {
    const r = reading();
    const offered: Array<Uint8Array | null> = [];
    for (let i = 0; i < 5; i++) offered.push(r.read(zframe(big(i, 1), { long: true })));
    assert.deepEqual(
      r.bodies.map((b) => b[0]),
      [1, 2, 3, 4, 5],
    );
    // The first message starts tracking, the second gives its shape (a 9-byte header and the body).
    assert.equal(offered[0], null);
    assert.equal(offered[1], null);
    for (let i = 2; i < 5; i++) {
      assert.equal(offered[i]!.length, 9 + KIB40);
      assert.equal(r.bodies[i]!.buffer, offered[i]!.buffer, `message ${i} is not copied`);
      assert.equal(r.bodies[i]!.byteOffset % 8, 0);
    }
    assert.notEqual(offered[2]!.buffer, offered[3]!.buffer, "every read gets a fresh buffer");
  });

  test("a REQ-shaped message (empty delimiter, then the body) and a short read: the body is completed in place", () => {
    const r = reading();
    const msg = (i: number): Buffer => Buffer.concat([zframe("", { more: true }), zframe(big(i, 10), { long: true })]);
    r.read(msg(0));
    r.read(msg(1));
    const whole = msg(2);
    const first = r.read(whole.subarray(0, 2 + 9 + 1000));
    assert.equal(first!.length, 2 + 9 + KIB40);
    const rest = r.read(whole.subarray(2 + 9 + 1000));
    assert.equal(rest!.buffer, first!.buffer, "the rest of the body is read into the same buffer");
    const body = r.bodies[5]!;
    assert.equal(body.buffer, first!.buffer);
    assert.equal(body.byteOffset % 8, 0);
    assert.ok(body.equals(big(2, 10)));
  });

  test("a read that does not match the shape is copied out to its own size; small messages then read as usual", () => {
    const r = reading();
    r.read(zframe(big(0, 1), { long: true }));
    r.read(zframe(big(1, 1), { long: true }));
    const offered = r.read(Buffer.concat([zframe("small"), zframe("x")]));
    assert.equal(offered!.length, 9 + KIB40, "a buffer was offered");
    assert.deepEqual(r.bodies.slice(2).map(String), ["small", "x"]);
    assert.notEqual(r.bodies[2]!.buffer, offered!.buffer, "small frames do not hold the large buffer");
    assert.equal(r.d.readTarget(), null, "after a small message, no body target...");
    assert.equal(r.shaper.offer(), null, "...and no buffer is offered");
  });

  test("no offer in the middle of a message, nor with bytes still undecoded", () => {
    const mid = reading();
    mid.read(zframe(big(0, 1), { long: true }));
    mid.read(zframe(big(1, 1), { long: true }));
    assert.notEqual(mid.shaper.offer(), null, "at a message boundary, after a large message: offered");
    mid.read(Buffer.concat([zframe("part", { more: true }), zframe(big(2, 1), { long: true })]));
    mid.read(zframe(big(3, 1), { long: true, more: true }));
    assert.equal(mid.shaper.offer(), null, "mid-message");
    const half = reading();
    half.read(zframe(big(0, 1), { long: true }));
    half.read(zframe(big(1, 1), { long: true }));
    half.d.push(Buffer.from([0x02]));
    half.shaper.delivered(1);
    assert.equal(half.shaper.offer(), null, "a header's first byte buffered");
  });
});
