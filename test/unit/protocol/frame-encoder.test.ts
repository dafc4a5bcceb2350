/**
 * The frame encoder (src/protocol/frame-encoder.ts): header bytes as RFC 23 §3.3 spells them, the
 * short/long boundary, flags, 64-bit sizes, and round trips through the decoder split at every position.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from "../../../src/protocol/constants.ts";
import { FrameDecoder } from "../../../src/protocol/frame-decoder.ts";
import {
  encodeFrame,
  frameHeaderSize,
  LONG_HEADER_SIZE,
  SHORT_HEADER_SIZE,
  takesSubscriptionCommands,
  writeFrameHeader,
} from "../../../src/protocol/frame-encoder.ts";
import { zframe } from "../../helpers/sockets.ts";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("frame encoder", () => {
  test("a body of up to 255 bytes gets a short header, from 256 on a long one", () => {
    assert.equal(SHORT_HEADER_SIZE, 2);
    assert.equal(LONG_HEADER_SIZE, 9);
    for (const [size, header] of [
      [0, 2],
      [1, 2],
      [255, 2],
      [256, 9],
      [65536, 9],
      [2 ** 33, 9],
    ] as const) {
      assert.equal(frameHeaderSize(size), header, `size ${size}`);
    }
  });

  test("header bytes: flags then u8 size; or flags|LONG then u64be size", () => {
    const buf = Buffer.alloc(16, 0xee);
    assert.equal(writeFrameHeader(buf, 3, FLAG_MORE, 5), 5);
    assert.deepEqual(buf.subarray(3, 5), hex("01 05"));
    assert.equal(writeFrameHeader(buf, 0, FLAG_COMMAND, 256), 9);
    assert.deepEqual(buf.subarray(0, 9), hex("06 00 00 00 00 00 00 01 00"));
    assert.equal(writeFrameHeader(buf, 0, 0, 2 ** 32 + 5), 9, "above 32 bits");
    assert.deepEqual(buf.subarray(0, 9), hex("02 00 00 00 01 00 00 00 05"));
    assert.equal(writeFrameHeader(buf, 0, FLAG_MORE | FLAG_COMMAND, 0), 2);
    assert.deepEqual(buf.subarray(0, 2), hex("05 00"));
    assert.equal(buf[9], 0xee, "nothing written past the header");
  });

  test("encodeFrame matches the test helper's frames (libzmq's bytes) for every flag and both header forms", () => {
    for (const size of [0, 1, 100, 255, 256, 1000]) {
      const body = Buffer.alloc(size, size & 0xff);
      for (const [more, command] of [
        [false, false],
        [true, false],
        [false, true],
      ] as const) {
        const flags = (more ? FLAG_MORE : 0) | (command ? FLAG_COMMAND : 0);
        assert.deepEqual(encodeFrame(flags, body), zframe(body, { more, command }), `size ${size} flags ${flags}`);
      }
    }
    assert.equal(encodeFrame(0, Buffer.alloc(300))[0]! & FLAG_LONG, FLAG_LONG);
  });

  test("round trip: what the encoder writes the decoder reads back, split at every position", () => {
    const frames: Array<[number, Buffer]> = [
      [FLAG_MORE, Buffer.from("")],
      [FLAG_MORE, Buffer.alloc(255, 1)],
      [0, Buffer.alloc(256, 2)],
      [FLAG_COMMAND, Buffer.from("\x04PING\x00\x00")],
      [0, Buffer.from("end")],
    ];
    const wire = Buffer.concat(frames.map(([f, b]) => encodeFrame(f, b)));
    for (let cut = 0; cut <= wire.length; cut++) {
      const got: Array<[number, Buffer]> = [];
      const d = new FrameDecoder({ onFrame: (f, b) => (got.push([f, Buffer.from(b)]), true) });
      d.push(wire.subarray(0, cut));
      d.push(wire.subarray(cut));
      assert.deepEqual(got, frames, `cut at ${cut}`);
    }
  });

  test("subscriptions: commands for ZMTP 3.1 peers, legacy messages for 3.0 and 2.0", () => {
    assert.equal(takesSubscriptionCommands(3, 1), true);
    assert.equal(takesSubscriptionCommands(3, 2), true);
    assert.equal(takesSubscriptionCommands(3, 0), false);
    assert.equal(takesSubscriptionCommands(2, 0), false);
  });
});
