/**
 * The pure codecs: greeting negotiation (docs/zmtp-notes.md §1.1–1.2), frame decoder (§1.3), commands and
 * metadata (§1.4, §1.7). Byte fixtures come from the notes' libzmq wire captures, and every
 * fixture is also fed split at every position, because TCP may cut a stream anywhere.
 *
 * The last section runs the same rules through a real engine over TCP with a raw peer: the staged
 * greeting exactly as libzmq stages it, READY sent before the peer's, the socket-type check.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { ProtocolError } from "../../../src/errors.ts";
import {
  encodeCommand,
  encodeError,
  encodePing,
  encodePong,
  encodeProperties,
  encodeReady,
  getProperty,
  isCommand,
  parseCommand,
  parseErrorReason,
  parseProperties,
} from "../../../src/protocol/command.ts";
import { FrameDecoder, FrameTooLargeError } from "../../../src/protocol/frame-decoder.ts";
import { Greeting, type GreetingOptions, type GreetingResult } from "../../../src/protocol/greeting.ts";
import * as z from "../../../src/index.ts";
import { closeAfter, portOf, RawPeer, withTimeout, zframe, zgreeting, zready } from "../../helpers/sockets.ts";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

/** All ways to cut `b` into two chunks, plus one byte at a time and all at once. */
function chunkings(b: Buffer): Buffer[][] {
  const out: Buffer[][] = [[b]];
  for (let i = 1; i < b.length; i++) out.push([b.subarray(0, i), b.subarray(i)]);
  out.push([...b].map((x) => Buffer.from([x])));
  return out;
}

// ------------------------------------------------------------------------------------ greeting

const GREET: GreetingOptions = {
  mechanism: "NULL",
  asServer: false,
  identityLength: 0,
  socketType: 5,
  refuseLegacy: false,
};

/** Feed chunks; return everything the greeting asked to send, and its result. */
function runGreeting(
  chunks: Buffer[],
  opts: GreetingOptions = GREET,
): { sent: Buffer; done: GreetingResult | undefined; rest: Buffer } {
  const g = new Greeting(opts);
  const sent: Buffer[] = [];
  let done: GreetingResult | undefined;
  const rest: Buffer[] = [];
  for (const c of chunks) {
    if (done) {
      rest.push(c);
      continue;
    }
    const step = g.push(c);
    sent.push(...step.send);
    if (step.done) {
      done = step.done;
      rest.push(step.done.rest);
    }
  }
  return { sent: Buffer.concat(sent), done, rest: Buffer.concat(rest) };
}

/** The 53 bytes we send once the peer's byte 10 says 3.x: minor 1, mechanism, as-server, filler. */
function remainder(mechanism = "NULL", asServer = false): Buffer {
  const r = Buffer.alloc(53);
  r[0] = 1;
  r.write(mechanism, 1, "latin1");
  r[21] = asServer ? 1 : 0;
  return r;
}

describe("greeting", () => {
  test("signature: ff, u64be(idlen+1), 7f (libzmq writes the identity length into the padding)", () => {
    assert.deepEqual(new Greeting(GREET).signature(), hex("ff 00 00 00 00 00 00 00 01 7f"));
    assert.deepEqual(new Greeting({ ...GREET, identityLength: 2 }).signature(), hex("ff 00 00 00 00 00 00 00 03 7f"));
  });

  test("staged exactly as libzmq: 03 after the peer's 10 bytes, the other 53 after its byte 10", () => {
    const g = new Greeting(GREET);
    const peer = zgreeting();
    assert.deepEqual(g.push(peer.subarray(0, 9)).send, []);
    assert.deepEqual(g.push(peer.subarray(9, 10)).send, [hex("03")]);
    const s = g.push(peer.subarray(10, 11));
    assert.deepEqual(s.send, [remainder()]);
    assert.equal(s.done, undefined);
    const last = g.push(peer.subarray(11, 64));
    assert.deepEqual(last.send, []);
    assert.equal(last.done?.major, 3);
    assert.equal(last.done?.minor, 1);
    assert.equal(last.done?.mechanism, "NULL");
  });

  test("never waits for the peer's full 64 bytes before sending bytes 11..63 (no deadlock with libzmq)", () => {
    // libzmq sends only 10 bytes, then 1, then withholds the rest until it sees our byte 10.
    const g = new Greeting(GREET);
    const out = [...g.push(hex("ff 00 00 00 00 00 00 00 01 7f")).send, ...g.push(hex("03")).send];
    assert.equal(Buffer.concat(out).length, 54);
  });

  test("a whole greeting plus frame bytes, split at every position, gives the same result", () => {
    const frames = Buffer.concat([zready("PUSH"), zframe("hello")]);
    const stream = Buffer.concat([zgreeting({ minor: 1 }), frames]);
    for (const chunks of chunkings(stream)) {
      const r = runGreeting(chunks);
      assert.deepEqual(r.sent, Buffer.concat([hex("03"), remainder()]));
      assert.equal(r.done?.major, 3);
      assert.equal(r.done?.minor, 1);
      assert.deepEqual(r.rest, frames, "bytes after the greeting belong to the framing");
    }
  });

  test("ZMTP 3.0 peer (minor 0) is recognised", () => {
    assert.equal(runGreeting([zgreeting({ minor: 0 })]).done?.minor, 0);
  });

  test("junk padding, filler and as-server are accepted (libzmq ignores them, e9)", () => {
    const g = Buffer.concat([
      hex("ff"),
      Buffer.alloc(8, 0x12),
      hex("7f 03 00"),
      Buffer.from("NULL".padEnd(20, "\0")),
      hex("01"),
      Buffer.alloc(31, 0xee),
    ]);
    const r = runGreeting([g]);
    assert.equal(r.done?.mechanism, "NULL");
    assert.equal(r.done?.asServer, true);
  });

  test("mechanism names: PLAIN, CURVE; junk after the NUL padding matches no mechanism", () => {
    assert.equal(
      runGreeting([zgreeting({ mechanism: "PLAIN" })], { ...GREET, mechanism: "PLAIN" }).done?.mechanism,
      "PLAIN",
    );
    assert.deepEqual(runGreeting([zgreeting({ mechanism: "CURVE" })]).sent.subarray(2, 6), Buffer.from("NULL"));
    const junk = zgreeting({ mechanism: "NULL" });
    junk[20] = 0x41;
    assert.notEqual(runGreeting([junk]).done?.mechanism, "NULL");
  });

  test("major above 3 counts as 3.x", () => {
    const g = zgreeting();
    g[10] = 4;
    assert.equal(runGreeting([g]).done?.major, 4);
  });

  test("ZMTP 2.0 peer (revision 01): we answer with our socket-type byte, legacy result, split anywhere", () => {
    // A libzmq 3.x peer: ff 00*7 01 7f, revision 01, socket type (ROUTER = 6), then an identity frame.
    const stream = hex("ff 00 00 00 00 00 00 00 01 7f 01 06 00 00");
    for (const chunks of chunkings(stream)) {
      const r = runGreeting(chunks, { ...GREET, socketType: 8 });
      assert.deepEqual(r.sent, hex("03 08"));
      assert.equal(r.done?.major, 2);
      assert.equal(r.done?.peerSocketType, 6);
      assert.deepEqual(r.rest, hex("00 00"));
    }
  });

  test("ZMTP 2.0 peer refused when security is configured (downgrade guard)", () => {
    assert.throws(
      () => runGreeting([hex("ff 00 00 00 00 00 00 00 01 7f 01 06")], { ...GREET, refuseLegacy: true }),
      ProtocolError,
    );
  });

  test("ZMTP 1.0 peers and revision 00 are refused with a ProtocolError", () => {
    assert.throws(() => runGreeting([hex("03 00 41 42")]), ProtocolError, "short identity frame");
    assert.throws(
      () => runGreeting([hex("ff 00 00 00 00 00 00 00 03 00")]),
      ProtocolError,
      "long v1 frame: byte 9 bit 0 clear",
    );
    assert.throws(() => runGreeting([hex("ff 00 00 00 00 00 00 00 01 7f 00 00")]), ProtocolError, "revision 00");
  });
});

// ------------------------------------------------------------------------------------ frames

interface Got {
  flags: number;
  body: Buffer;
}

function decodeAll(chunks: Buffer[], opts: { maxSize?: number; legacyV2?: boolean } = {}): Got[] {
  const got: Got[] = [];
  const d = new FrameDecoder(
    {
      onFrame(flags, body) {
        got.push({ flags, body: Buffer.from(body) });
        return true;
      },
    },
    opts,
  );
  for (const c of chunks) d.push(c);
  return got;
}

const body300 = Buffer.alloc(300, 0x61);
/** Fixture: short, MORE, LONG (300 bytes, as libzmq sends it), LONG used for a small size, command, empty, reserved bits. */
const FRAME_FIXTURE = Buffer.concat([
  hex("00 05"),
  Buffer.from("hello"),
  hex("01 01 41"),
  hex("02 00 00 00 00 00 00 01 2c"),
  body300,
  hex("02 00 00 00 00 00 00 00 02 68 69"),
  hex("04 06 04 50 49 4e 47 00"),
  hex("00 00"),
  hex("f9 01 7a"),
]);
const FRAME_EXPECTED: Got[] = [
  { flags: 0, body: Buffer.from("hello") },
  { flags: 1, body: Buffer.from("A") },
  { flags: 0, body: body300 },
  { flags: 0, body: Buffer.from("hi") },
  { flags: 4, body: hex("04 50 49 4e 47 00") },
  { flags: 0, body: Buffer.alloc(0) },
  { flags: 1, body: Buffer.from("z") },
];

describe("frame decoder", () => {
  test("fixture decodes identically for every split position and one byte at a time", () => {
    for (const chunks of chunkings(FRAME_FIXTURE)) assert.deepEqual(decodeAll(chunks), FRAME_EXPECTED);
  });

  test("three-way splits around the long header", () => {
    for (let i = 1; i < 40; i++) {
      for (let j = i + 1; j < 40; j++) {
        const c = [FRAME_FIXTURE.subarray(0, i), FRAME_FIXTURE.subarray(i, j), FRAME_FIXTURE.subarray(j)];
        assert.deepEqual(decodeAll(c), FRAME_EXPECTED);
      }
    }
  });

  test("ZMTP 2.0 framing: the COMMAND bit does not exist and is cleared", () => {
    assert.deepEqual(decodeAll([hex("05 01 41")], { legacyV2: true }), [{ flags: 1, body: Buffer.from("A") }]);
  });

  test("zero-copy: a body inside one chunk is a view of that chunk; a split body is one copy", () => {
    const chunk = Buffer.concat([hex("00 03"), Buffer.from("abc")]);
    let seen: Buffer | undefined;
    const d = new FrameDecoder({
      onFrame(_f, body) {
        seen = body;
        return true;
      },
    });
    d.push(chunk);
    assert.ok(seen);
    assert.equal(seen.buffer, chunk.buffer);
    assert.equal(seen.byteOffset, chunk.byteOffset + 2);
    d.push(hex("00 03 78"));
    d.push(Buffer.from("yz"));
    assert.deepEqual(seen, Buffer.from("xyz"));
  });

  test("maxSize: a frame of exactly maxSize passes, one byte more is refused from the header alone", () => {
    assert.equal(decodeAll([hex("00 04 61 62 63 64")], { maxSize: 4 }).length, 1);
    assert.throws(() => decodeAll([hex("00 05")], { maxSize: 4 }), FrameTooLargeError);
    assert.throws(() => decodeAll([hex("02 00 00 00 00 00 00 01 00")], { maxSize: 255 }), FrameTooLargeError);
    // Short header split across chunks takes the slow path; same answer.
    assert.throws(() => decodeAll([hex("00"), hex("05")], { maxSize: 4 }), FrameTooLargeError);
    assert.throws(() => decodeAll([hex("02 00 00 00"), hex("00 00 00 01 00")], { maxSize: 255 }), FrameTooLargeError);
  });

  test("a 64-bit length of 2^62 is refused before anything is allocated", () => {
    const before = process.memoryUsage().arrayBuffers;
    assert.throws(() => decodeAll([hex("02 40 00 00 00 00 00 00 00")]), FrameTooLargeError);
    assert.throws(() => decodeAll([hex("02 ff ff ff ff ff ff ff ff")]), FrameTooLargeError);
    assert.throws(() => decodeAll([hex("02 40 00 00 00"), hex("00 00 00 00")]), FrameTooLargeError);
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  });

  test("an error is an instance with code EMSGSIZE", () => {
    try {
      decodeAll([hex("00 09")], { maxSize: 1 });
      assert.fail("expected a throw");
    } catch (err) {
      assert.ok(err instanceof FrameTooLargeError);
      assert.equal(err.code, "EMSGSIZE");
    }
  });

  test("back-pressure: the sink returns false, decoding stops; resume() continues in order", () => {
    const got: string[] = [];
    let allow = 1;
    const d = new FrameDecoder({
      onFrame(_f, body) {
        got.push(body.toString());
        return --allow > 0;
      },
    });
    d.push(Buffer.concat([zframe("a"), zframe("b"), zframe("c")]));
    assert.deepEqual(got, ["a"]);
    assert.equal(d.stopped, true);
    d.push(zframe("d"));
    assert.deepEqual(got, ["a"], "no frame is delivered while stopped");
    allow = 1;
    d.resume();
    assert.deepEqual(got, ["a", "b"]);
    allow = 10;
    d.resume();
    assert.deepEqual(got, ["a", "b", "c", "d"]);
  });

  test("a large split body is read in place, at most bodyReadMax bytes a read (tcp: 64 KiB)", () => {
    const bodies: Buffer[] = [];
    const d = new FrameDecoder({ onFrame: (_f, b) => (bodies.push(b), true) });
    const body = Buffer.alloc(200_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    const wire = zframe(body);
    assert.equal(d.readTarget(64 * 1024), null, "no body under way: the transport reads into a buffer of its own");
    d.push(Buffer.from(wire.subarray(0, 1000)));
    let pos = 1000;
    const sizes: number[] = [];
    while (pos < wire.length) {
      const target = d.readTarget(64 * 1024)!;
      sizes.push(target.length);
      const n = Math.min(target.length, wire.length - pos);
      target.set(wire.subarray(pos, pos + n), 0);
      d.push(Buffer.from(target.buffer, target.byteOffset, n));
      pos += n;
    }
    assert.deepEqual(sizes, [64 * 1024, 64 * 1024, 64 * 1024, 200_000 - 991 - 3 * 64 * 1024]);
    assert.equal(bodies.length, 1);
    assert.ok(bodies[0]!.equals(body));
    assert.equal(d.readTarget(64 * 1024), null, "the body is complete: no target");
  });
});

// ------------------------------------------------------------------------------------ commands

describe("commands and metadata", () => {
  const READY_DEALER = hex(
    "05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 06 44 45 41 4c 45 52 08 49 64 65 6e 74 69 74 79 00 00 00 00",
  );

  test("READY of a DEALER with empty identity is byte-exact with libzmq (size 41)", () => {
    const body = encodeReady([
      ["Socket-Type", Buffer.from("DEALER")],
      ["Identity", Buffer.alloc(0)],
    ]);
    assert.deepEqual(body, READY_DEALER);
    assert.equal(body.length, 41);
    const cmd = parseCommand(body);
    assert.equal(cmd?.name, "READY");
    const props = parseProperties(cmd!.data);
    assert.deepEqual(getProperty(props, "Socket-Type"), Buffer.from("DEALER"));
    assert.deepEqual(getProperty(props, "Identity"), Buffer.alloc(0));
    assert.equal(getProperty(props, "socket-type"), undefined, "names are case-sensitive");
  });

  test("property lists round-trip, including empty and 300-byte values", () => {
    const props: Array<[string, Buffer]> = [
      ["Socket-Type", Buffer.from("ROUTER")],
      ["X-Empty", Buffer.alloc(0)],
      ["X-Big", Buffer.alloc(300, 7)],
      ["N".repeat(255), Buffer.from("v")],
    ];
    assert.deepEqual(parseProperties(encodeProperties(props)), props);
  });

  test("parseProperties is strict: stray byte, overrun value, zero-length name", () => {
    const good = encodeProperties([["A", Buffer.from("b")]]);
    assert.throws(() => parseProperties(Buffer.concat([good, hex("00")])), ProtocolError);
    assert.throws(() => parseProperties(Buffer.concat([good, hex("01")])), ProtocolError);
    assert.throws(() => parseProperties(hex("01 41 00 00 00 05 62")), ProtocolError);
    assert.throws(() => parseProperties(hex("01 41 80 00 00 00")), ProtocolError);
    assert.throws(() => parseProperties(hex("00 00 00 00 00")), ProtocolError);
  });

  test("parseCommand: views, empty data, zero or overrunning name length", () => {
    const body = hex("04 50 49 4e 47 00 32");
    const c = parseCommand(body);
    assert.equal(c?.name, "PING");
    assert.deepEqual(c?.data, hex("00 32"));
    assert.equal(c?.data.buffer, body.buffer);
    assert.deepEqual(parseCommand(hex("04 50 4f 4e 47"))?.data, Buffer.alloc(0));
    assert.equal(parseCommand(Buffer.alloc(0)), undefined);
    assert.equal(parseCommand(hex("00 41")), undefined);
    assert.equal(parseCommand(hex("05 41 42")), undefined);
  });

  test("isCommand compares bytes exactly (case-sensitive, length byte included)", () => {
    assert.equal(isCommand(hex("04 50 49 4e 47 00 00"), "PING"), true);
    assert.equal(isCommand(hex("04 70 69 6e 67 00 00"), "PING"), false);
    assert.equal(isCommand(hex("05 50 49 4e 47 00"), "PING"), false);
    assert.equal(isCommand(hex("04 50 49 4e"), "PING"), false);
  });

  test("SUBSCRIBE / CANCEL bodies (ZMTP 3.1)", () => {
    assert.deepEqual(
      zframe(encodeCommand("SUBSCRIBE", Buffer.from("abc")), { command: true }),
      hex("04 0d 09 53 55 42 53 43 52 49 42 45 61 62 63"),
    );
    assert.deepEqual(
      zframe(encodeCommand("CANCEL", Buffer.from("abc")), { command: true }),
      hex("04 0a 06 43 41 4e 43 45 4c 61 62 63"),
    );
  });

  test("ERROR: libzmq's ZAP failure bytes; long reasons are cut to 255; lenient parse", () => {
    assert.deepEqual(zframe(encodeError("400"), { command: true }), hex("04 0a 05 45 52 52 4f 52 03 34 30 30"));
    const long = encodeError("x".repeat(300));
    assert.equal(long[6], 255);
    assert.equal(long.length, 1 + 5 + 1 + 255);
    assert.equal(parseErrorReason(hex("03 34 30 30")), "400");
    assert.equal(parseErrorReason(hex("09 34 30")), "40", "a length past the end is cut, not fatal");
    assert.equal(parseErrorReason(Buffer.alloc(0)), "");
  });

  test("PING: TTL u16be in deciseconds always present (libzmq capture 04 07 04 PING 00 32); PONG echoes ≤16 bytes", () => {
    assert.deepEqual(zframe(encodePing(50), { command: true }), hex("04 07 04 50 49 4e 47 00 32"));
    assert.deepEqual(encodePing(0), hex("04 50 49 4e 47 00 00"));
    assert.deepEqual(encodePing(70000).subarray(5, 7), hex("ff ff"), "clamped to u16");
    assert.deepEqual(encodePing(1, Buffer.alloc(20, 1)).length, 5 + 2 + 16);
    assert.deepEqual(
      encodePong(Buffer.from("ctx-123")),
      Buffer.concat([hex("04 50 4f 4e 47"), Buffer.from("ctx-123")]),
    );
    assert.equal(encodePong(Buffer.alloc(40)).length, 5 + 16);
  });
});

// ------------------------------------------------------------------------------------ on the wire

describe("engine on the wire (raw TCP peer)", () => {
  test("greeting staged like libzmq but for the major: 11 bytes unprompted, 53 after our byte 10; READY before the peer's", async (t) => {
    const d = new z.Dealer({ routingId: "AB" });
    closeAfter(t, d);
    await d.bind("tcp://127.0.0.1:*");
    const raw = await RawPeer.connect(t, portOf(d.lastEndpoint!));
    // Stages 1 and 2 together, without any input from us (zocket refuses ZMTP 1.0 peers, so the major
    // need not wait for our signature).
    assert.deepEqual(await raw.read(11), hex("ff 00 00 00 00 00 00 00 03 7f 03"));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(raw.pending, 0, "nothing more until we send our signature and major");
    raw.write(hex("ff 00 00 00 00 00 00 00 01 7f"));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(raw.pending, 0, "the rest waits for our major");
    raw.write(hex("03"));
    assert.deepEqual(await raw.read(53), remainder());
    raw.write(zgreeting().subarray(11));
    // READY arrives without waiting for ours (libzmq does the same, e1).
    const ready = await raw.readFrame();
    assert.equal(ready.flags, 0x04);
    assert.deepEqual(parseProperties(parseCommand(ready.body)!.data), [
      ["Socket-Type", Buffer.from("DEALER")],
      ["Identity", Buffer.from("AB")],
    ]);
    raw.write(zready("ROUTER", ""));
    raw.write(zframe("hello"));
    assert.deepEqual(await withTimeout(d.receive(), 5000, "receive"), [Buffer.from("hello")]);
    await d.send([Buffer.alloc(0), Buffer.alloc(300, 0x78)]);
    const f1 = await raw.readFrame();
    assert.deepEqual(f1, { flags: 1, body: Buffer.alloc(0) });
    const head = await raw.read(9);
    assert.deepEqual(head, hex("02 00 00 00 00 00 00 01 2c"), "LONG only above 255 bytes");
    assert.deepEqual(await raw.read(300), Buffer.alloc(300, 0x78));
  });

  test("PUSH READY carries only Socket-Type", async (t) => {
    const p = new z.Push();
    closeAfter(t, p);
    await p.bind("tcp://127.0.0.1:*");
    const raw = await RawPeer.connect(t, portOf(p.lastEndpoint!));
    const body = await raw.handshake("PULL");
    assert.deepEqual(parseProperties(parseCommand(body)!.data), [["Socket-Type", Buffer.from("PUSH")]]);
  });

  test("3.0 peer with the whole greeting in one write, READY and data in the same segment", async (t) => {
    const pull = new z.Pull();
    closeAfter(t, pull);
    await pull.bind("tcp://127.0.0.1:*");
    const raw = await RawPeer.connect(t, portOf(pull.lastEndpoint!));
    raw.write(
      Buffer.concat([
        zgreeting({ minor: 0 }),
        zready("PUSH"),
        zframe("a", { more: true }),
        zframe("", { more: true }),
        zframe("b"),
      ]),
    );
    assert.deepEqual(await withTimeout(pull.receive(), 5000, "receive"), [
      Buffer.from("a"),
      Buffer.alloc(0),
      Buffer.from("b"),
    ]);
  });

  test("incompatible socket type: connection closed silently, no ERROR, no message delivered", async (t) => {
    const pull = new z.Pull();
    closeAfter(t, pull);
    await pull.bind("tcp://127.0.0.1:*");
    const raw = await RawPeer.connect(t, portOf(pull.lastEndpoint!));
    raw.write(Buffer.concat([zgreeting(), zready("PUB"), zframe("nope")]));
    await raw.read(64);
    await raw.readFrame(); // its READY
    await raw.waitClosed();
    assert.equal(raw.pending, 0, "no ERROR command (libzmq closes silently)");
    pull.receiveTimeout = 100;
    await assert.rejects(pull.receive(), { code: "EAGAIN" });
  });

  test("NULL: READY follows the end of our greeting, before the peer's greeting is complete", async (t) => {
    const pull = new z.Pull();
    closeAfter(t, pull);
    await pull.bind("tcp://127.0.0.1:*");
    const raw = await RawPeer.connect(t, portOf(pull.lastEndpoint!));
    const greeting = zgreeting();
    raw.write(greeting.subarray(0, 11)); // signature and major version only
    await raw.read(64);
    const ready = await raw.readFrame();
    assert.ok(isCommand(ready.body, "READY"), "READY without waiting for the rest of the peer's greeting");
    raw.write(Buffer.concat([greeting.subarray(11), zready("PUSH"), zframe("hi")]));
    const [m] = await pull.receive();
    assert.equal(m!.toString(), "hi");
  });

  test("mechanism mismatch: closed silently", async (t) => {
    const pull = new z.Pull();
    closeAfter(t, pull);
    await pull.bind("tcp://127.0.0.1:*");
    const raw = await RawPeer.connect(t, portOf(pull.lastEndpoint!));
    raw.write(zgreeting({ mechanism: "PLAIN" }));
    await raw.read(64);
    // NULL's READY leaves with the end of the greeting, before the peer's mechanism is known (it says
    // nothing a peer claiming NULL would not get); then the close, with no ERROR command.
    const ready = await raw.readFrame();
    assert.ok(isCommand(ready.body, "READY"), "our READY");
    await raw.waitClosed();
    assert.equal(raw.pending, 0, "no ERROR command");
  });

  test("a data frame before READY is a protocol error (connection closed)", async (t) => {
    const pull = new z.Pull();
    closeAfter(t, pull);
    const events: string[] = [];
    pull.events.on("handshake:error:protocol", (e) => events.push(e.error.code));
    await pull.bind("tcp://127.0.0.1:*");
    const raw = await RawPeer.connect(t, portOf(pull.lastEndpoint!));
    raw.write(Buffer.concat([zgreeting(), zframe("early")]));
    await raw.waitClosed();
    assert.equal(events.length, 1);
  });

  test("maxMessageSize: an oversized frame drops that connection only", async (t) => {
    const pull = new z.Pull({ maxMessageSize: 100 });
    closeAfter(t, pull);
    await pull.bind("tcp://127.0.0.1:*");
    const port = portOf(pull.lastEndpoint!);
    const bad = await RawPeer.connect(t, port);
    await bad.handshake("PUSH");
    bad.write(zframe(Buffer.alloc(101)));
    await bad.waitClosed();
    const good = await RawPeer.connect(t, port);
    await good.handshake("PUSH");
    good.write(zframe(Buffer.alloc(100, 1)));
    assert.deepEqual(await withTimeout(pull.receive(), 5000, "receive"), [Buffer.alloc(100, 1)]);
  });

  test("unknown commands and ERROR after the handshake are ignored", async (t) => {
    const pull = new z.Pull();
    closeAfter(t, pull);
    await pull.bind("tcp://127.0.0.1:*");
    const raw = await RawPeer.connect(t, portOf(pull.lastEndpoint!));
    await raw.handshake("PUSH");
    raw.write(
      Buffer.concat([
        zframe(encodeCommand("WHATEVER", Buffer.from("x")), { command: true }),
        zframe(encodeError("boom"), { command: true }),
        zframe("still"),
      ]),
    );
    assert.deepEqual(await withTimeout(pull.receive(), 5000, "receive"), [Buffer.from("still")]);
  });

  test("socket-type compatibility (RFC 37 as libzmq enforces it) for PAIR, PUSH, PULL, DEALER", async (t) => {
    const TYPES = [
      "PAIR",
      "PUB",
      "SUB",
      "REQ",
      "REP",
      "DEALER",
      "ROUTER",
      "PULL",
      "PUSH",
      "XPUB",
      "XSUB",
      "STREAM",
      "pull",
    ];
    const ACCEPTS: Record<string, string[]> = {
      PAIR: ["PAIR"],
      PUSH: ["PULL"],
      PULL: ["PUSH"],
      DEALER: ["REP", "DEALER", "ROUTER"],
    };
    const ctors = { PAIR: z.Pair, PUSH: z.Push, PULL: z.Pull, DEALER: z.Dealer } as const;
    for (const [local, Ctor] of Object.entries(ctors)) {
      for (const peerType of TYPES) {
        const s = new Ctor();
        closeAfter(t, s);
        await s.bind("tcp://127.0.0.1:*");
        const raw = await RawPeer.connect(t, portOf(s.lastEndpoint!));
        raw.write(
          Buffer.concat([
            zgreeting(),
            zready(peerType, peerType === "DEALER" || peerType === "ROUTER" || peerType === "REQ" ? "" : undefined),
          ]),
        );
        await raw.read(64);
        await raw.readFrame(); // its READY comes regardless
        // An accepted peer gets a PONG for its PING; a refused one sees the connection closed.
        raw.write(zframe(encodePing(0), { command: true }));
        let accepted: boolean;
        try {
          const f = await raw.readFrame(5000);
          accepted = isCommand(f.body, "PONG");
        } catch (err) {
          // Refused means the connection was closed; neither a PONG nor a close is a timeout, not a refusal.
          if (!raw.ended) throw err;
          accepted = false;
        }
        assert.equal(accepted, ACCEPTS[local]!.includes(peerType), `${local} with a ${peerType} peer`);
        raw.destroy();
        s.close();
      }
    }
  });

  test("a connecting socket refused for its type does not reconnect (libzmq stops after a handshake protocol error)", async (t) => {
    let accepted = 0;
    const { createServer } = await import("node:net");
    const server = createServer((sock) => {
      accepted++;
      sock.on("error", () => undefined);
      const raw = RawPeer.wrap(t, sock);
      void raw.handshake("PUB").catch(() => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => server.close());
    const push = new z.Push({ reconnectInterval: 30 });
    closeAfter(t, push);
    const errors: string[] = [];
    push.events.on("handshake:error:protocol", (e) => errors.push(e.error.code));
    push.connect(`tcp://127.0.0.1:${(server.address() as { port: number }).port}`);
    const deadline = Date.now() + 3000;
    while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(errors.length, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(accepted, 1, "no reconnect after the type mismatch");
  });
});
