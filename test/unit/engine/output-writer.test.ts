/**
 * The output writer (src/engine/output-writer.ts) over a fake stream that records every write: the first
 * message of a burst goes out at once and the rest in one batched write; large bodies are written as
 * they are, after their header, under cork; the output budget stops the flush until 'drain'; linger; end.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { OutputWriter, type WriterOwner } from "../../../src/engine/output-writer.ts";
import { MsgQueue, type Msg } from "../../../src/pipe.ts";
import { FLAG_MORE } from "../../../src/protocol/constants.ts";
import { encodeFrame } from "../../../src/protocol/frame-encoder.ts";
import type { ByteStream } from "../../../src/transports/byte-stream.ts";

/** A ByteStream that keeps a copy of each write (as it was when written) and lets the test set writableLength. */
class FakeStream extends EventEmitter implements ByteStream {
  readonly writes: Buffer[] = [];
  /** The very objects handed to write() (to check that large bodies are not copied). */
  readonly handed: Uint8Array[] = [];
  /** Writes made while corked, and the cork calls. */
  corks = 0;
  corkedWrites = 0;
  #corked = 0;
  writableLength = 0;
  writableNeedDrain = false;
  destroyed = false;
  ended = false;
  paused = false;

  write(chunk: Uint8Array): boolean {
    this.writes.push(Buffer.from(chunk));
    this.handed.push(chunk);
    if (this.#corked > 0) this.corkedWrites++;
    return true;
  }
  cork(): void {
    this.corks++;
    this.#corked++;
  }
  uncork(): void {
    this.#corked--;
  }
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  end(): this {
    this.ended = true;
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  /** Every byte written so far. */
  bytes(): Buffer {
    return Buffer.concat(this.writes);
  }
}

/** The ZMTP engine's encoding, reduced: every frame of a message, MORE on all but the last. */
class Owner implements WriterOwner {
  lingerResult: boolean | null = null;
  writer!: OutputWriter;
  writeMessage(msg: Msg): void {
    msg.forEach((frame, i) => this.writer.frame(i < msg.length - 1 ? FLAG_MORE : 0, frame));
  }
  lingerDone(flushed: boolean): void {
    this.lingerResult = flushed;
  }
}

function setup(): { stream: FakeStream; owner: Owner; writer: OutputWriter; queue: MsgQueue } {
  const stream = new FakeStream();
  const owner = new Owner();
  const writer = new OutputWriter(stream, owner);
  owner.writer = writer;
  const queue = new MsgQueue(0);
  queue.onReadable = writer.scheduleFlushBound;
  writer.open();
  writer.setSource(queue);
  return { stream, owner, writer, queue };
}

const frames = (...msgs: string[][]): Buffer =>
  Buffer.concat(msgs.flatMap((m) => m.map((f, i) => encodeFrame(i < m.length - 1 ? FLAG_MORE : 0, Buffer.from(f)))));

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("output writer", () => {
  test("the first message of a burst is written at once; the rest of the burst in one write on the next turn", async () => {
    const { stream, queue } = setup();
    queue.write([Buffer.from("first")]);
    assert.equal(stream.writes.length, 1, "written from inside the send");
    assert.deepEqual(stream.bytes(), frames(["first"]));
    for (let i = 0; i < 10; i++) queue.write([Buffer.from(`m${i}`), Buffer.from("x")]);
    assert.equal(stream.writes.length, 1, "the burst waits for the flush");
    await turn();
    assert.equal(stream.writes.length, 2, "one write for the whole burst");
    const rest = Array.from({ length: 10 }, (_, i) => [`m${i}`, "x"]);
    assert.deepEqual(stream.writes[1], frames(...rest));
    // The burst is over once the microtask queue drained: the next message goes out at once again.
    queue.write([Buffer.from("later")]);
    assert.equal(stream.writes.length, 3);
  });

  test("nothing flows before open(), and nothing after end()", async () => {
    const stream = new FakeStream();
    const owner = new Owner();
    const writer = new OutputWriter(stream, owner);
    owner.writer = writer;
    const queue = new MsgQueue(0);
    queue.onReadable = writer.scheduleFlushBound;
    writer.setSource(queue);
    queue.write([Buffer.from("early")]);
    await turn();
    assert.equal(stream.writes.length, 0, "not open yet");
    writer.open();
    writer.scheduleFlush();
    assert.deepEqual(stream.bytes(), frames(["early"]));
    writer.end(false);
    assert.equal(stream.destroyed, true);
    queue.write([Buffer.from("late")]);
    await turn();
    assert.equal(stream.writes.length, 1);
  });

  test("a body of 8 KiB or more is handed to the stream as it is, right after its header, under cork", async () => {
    const { stream, queue } = setup();
    queue.write([Buffer.from("warm-up")]); // starts a burst: the next messages are batched
    const big = Buffer.alloc(8 * 1024, 7);
    queue.write([Buffer.from("small"), big]);
    queue.write([Buffer.from("after")]);
    await turn();
    assert.ok(stream.handed.includes(big), "the large body itself was written, not a copy");
    const expected = [
      frames(["warm-up"]),
      encodeFrame(FLAG_MORE, Buffer.from("small")),
      encodeFrame(0, big),
      frames(["after"]),
    ];
    assert.deepEqual(stream.bytes(), Buffer.concat(expected));
    assert.ok(stream.corks >= 1 && stream.corkedWrites >= 2, "the flush's writes left as one writev");
  });

  test("a flush that writes once does not cork", () => {
    const { stream, queue } = setup();
    queue.write([Buffer.from("one")]);
    assert.equal(stream.corks, 0);
  });

  test("the output budget: past 256 KiB held by the stream the flush stops and waits for 'drain'", async () => {
    const { stream, queue } = setup();
    queue.write([Buffer.from("start")]);
    stream.writableLength = 300 * 1024; // the peer stopped reading
    const big = Buffer.alloc(10 * 1024, 1);
    for (let i = 0; i < 5; i++) queue.write([big]);
    await turn();
    const before = stream.writes.length;
    assert.ok(queue.length >= 3, `the flush stopped after the first write over budget (${queue.length} left)`);
    await turn();
    assert.equal(stream.writes.length, before, "nothing more until 'drain'");
    stream.writableLength = 0;
    stream.emit("drain");
    assert.equal(queue.length, 0, "'drain' resumes the flush");
  });

  test("linger: nothing queued means no linger; queued messages are written, then lingerDone(true)", async () => {
    const { stream, owner, writer, queue } = setup();
    assert.equal(writer.linger(1000), false, "nothing queued");
    assert.equal(writer.linger(0), false);
    stream.writableLength = 300 * 1024;
    queue.write([Buffer.from("a")]);
    queue.write([Buffer.alloc(10 * 1024)]);
    queue.write([Buffer.from("c")]);
    await turn();
    assert.ok(queue.length > 0, "held back by the budget");
    assert.equal(writer.linger(-1), true);
    assert.equal(stream.paused, true, "input pauses while lingering");
    assert.equal(owner.lingerResult, null);
    stream.writableLength = 0;
    stream.emit("drain");
    assert.equal(owner.lingerResult, true, "everything written");
  });

  test("linger: a stream that never drains ends the linger when its time is up", async () => {
    const { stream, owner, writer, queue } = setup();
    stream.writableLength = 300 * 1024;
    queue.write([Buffer.alloc(10 * 1024)]);
    queue.write([Buffer.alloc(10 * 1024)]);
    await turn();
    assert.equal(writer.linger(20), true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(owner.lingerResult, false, "timed out");
  });

  test("end(graceful) writes what the slab holds, then ends the stream", () => {
    const { stream, writer } = setup();
    writer.frame(0, Buffer.from("bye"));
    assert.equal(stream.writes.length, 0, "still in the slab");
    writer.end(true);
    assert.deepEqual(stream.bytes(), frames(["bye"]));
    assert.equal(stream.ended, true);
    assert.equal(stream.destroyed, false, "destroyed only later, if the peer never reads");
  });

  test("a slab whose write was still held by the stream returns to the pool at the next flushNow", () => {
    // The engine writes the handshake under cork: the stream holds the bytes, so the writer keeps its slab;
    // once the stream has let go (uncork), flushNow gives it back and the next connection reuses it.
    const a = setup();
    a.stream.writableLength = 64;
    a.writer.frame(0, Buffer.from("hi"));
    a.writer.flushNow();
    const slab = a.stream.handed[0]!.buffer;
    const held = setup();
    held.writer.frame(0, Buffer.from("hi"));
    held.writer.flushNow();
    assert.notEqual(held.stream.handed[0]!.buffer, slab, "the first slab was still in use");
    a.stream.writableLength = 0;
    a.writer.flushNow();
    const b = setup();
    b.writer.frame(0, Buffer.from("hi"));
    b.writer.flushNow();
    assert.equal(b.stream.handed[0]!.buffer, slab, "the pooled slab");
  });

  test("together(): writes leave corked, and the slab returns to the pool once the stream lets go", () => {
    const a = setup();
    const result = a.writer.together(() => {
      a.stream.writableLength = 64; // the corked stream holds what was written
      a.writer.frame(0, Buffer.from("hi"));
      a.writer.flushNow();
      a.stream.writableLength = 0; // as uncork writes it out
      return "greeted";
    });
    assert.equal(result, "greeted");
    assert.equal(a.stream.corkedWrites, 1, "written under cork");
    const b = setup();
    b.writer.frame(0, Buffer.from("hi"));
    b.writer.flushNow();
    assert.equal(b.stream.handed[0]!.buffer, a.stream.handed[0]!.buffer, "the pooled slab");
  });

  test("raw bytes: small ones copied together, empty ones skipped, large ones as they are", async () => {
    const stream = new FakeStream();
    const owner: WriterOwner = {
      writeMessage(msg) {
        for (const f of msg) writer.bytes(f);
      },
      lingerDone() {},
    };
    const writer = new OutputWriter(stream, owner);
    const queue = new MsgQueue(0);
    queue.onReadable = writer.scheduleFlushBound;
    writer.open();
    writer.setSource(queue);
    queue.write([Buffer.from("GET / HTTP/1.0\r\n")]);
    const big = Buffer.alloc(9000, 0x41);
    queue.write([Buffer.from("a"), Buffer.alloc(0), Buffer.from("b")]);
    queue.write([big]);
    await turn();
    assert.equal(stream.bytes().toString("latin1"), `GET / HTTP/1.0\r\nab${big.toString("latin1")}`);
    assert.ok(stream.handed.includes(big));
  });
});
