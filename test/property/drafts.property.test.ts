/**
 * fast-check properties of the draft sockets' parsers: the RADIO/DISH datagram (decode, and encode then
 * decode), DGRAM's address frames (libzmq's resolve_raw_address rules), JOIN/LEAVE command bodies, udp
 * endpoints, and the datagram engine fed arbitrary datagrams: nothing throws, malformed input is dropped,
 * well-formed input comes out unchanged.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ZmqError } from "../../src/errors.ts";
import { DatagramEngine } from "../../src/engine/datagram-engine.ts";
import { MsgQueue, Pipe, type PipeOwner } from "../../src/pipe.ts";
import { encodeCommand, parseGroupCommand } from "../../src/protocol/command.ts";
import {
  decodeGroupDatagram,
  encodeGroupDatagram,
  formatRawAddress,
  parseRawAddress,
} from "../../src/protocol/datagram.ts";
import { parseUdp } from "../../src/transports/udp-address.ts";

const bytes = (max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

test("group datagram decode: null exactly when empty or the length byte runs past the end, else a split", () => {
  fc.assert(
    fc.property(bytes(600), (data) => {
      const out = decodeGroupDatagram(data);
      if (data.length === 0 || 1 + data[0]! > data.length) {
        assert.equal(out, null);
        return;
      }
      assert.ok(out !== null);
      const [group, body] = out;
      assert.equal(group.length, data[0]);
      assert.deepEqual(Buffer.concat([Buffer.from([group.length]), group, body]), data);
    }),
    { numRuns: 2000 },
  );
});

test("group datagram: encode then decode gives the group and body back (groups of 0 to 255 bytes)", () => {
  fc.assert(
    fc.property(bytes(255), bytes(2000), (group, body) => {
      const wire = Buffer.concat(encodeGroupDatagram(group, body));
      assert.equal(wire[0], group.length);
      const out = decodeGroupDatagram(wire);
      assert.ok(out !== null);
      assert.deepEqual(out[0], group);
      assert.deepEqual(out[1], body);
    }),
  );
});

test("DGRAM address: any bytes parse or are refused without throwing; what parses names a real target", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        bytes(40),
        fc.string({ maxLength: 30 }).map((s) => Buffer.from(s, "latin1")),
      ),
      (frame) => {
        const out = parseRawAddress(frame);
        if (out === null) return;
        assert.ok(out.port >= 1 && out.port <= 65535);
        if (!out.ipv6) assert.match(out.host, /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/);
      },
    ),
    { numRuns: 3000 },
  );
});

test("DGRAM address: the frame a DGRAM receives parses back to its sender (with or without the NUL)", () => {
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(254)).map((p) => p.join("."));
  fc.assert(
    fc.property(ipv4, fc.integer({ min: 1, max: 65535 }), fc.boolean(), (host, port, nul) => {
      const frame = formatRawAddress(host, port, false);
      assert.equal(frame.toString("latin1"), `${host}:${port}\0`);
      const out = parseRawAddress(nul ? frame : frame.subarray(0, -1));
      assert.deepEqual(out, { host, port, ipv6: false });
    }),
  );
});

test("DGRAM address: inet_addr's short forms and atoi's ports, as libzmq reads them", () => {
  assert.deepEqual(parseRawAddress(Buffer.from("127.1:5555")), { host: "127.0.0.1", port: 5555, ipv6: false });
  assert.deepEqual(parseRawAddress(Buffer.from("0x7f.0.0.01:80x")), { host: "127.0.0.1", port: 80, ipv6: false });
  assert.deepEqual(parseRawAddress(Buffer.from("10.0.0.1:70000")), { host: "10.0.0.1", port: 4464, ipv6: false });
  for (const bad of ["localhost:80", "1.2.3.4", "1.2.3.4:0", "255.255.255.255:80", "1.2.3.256:80", "1..2:80"]) {
    assert.equal(parseRawAddress(Buffer.from(bad)), null, bad);
  }
});

test("JOIN/LEAVE command decode: any body is a join, a leave or nothing; never throws", () => {
  const body = fc.oneof(
    bytes(300),
    fc
      .tuple(fc.constantFrom("\x04JOIN", "\x05LEAVE", "\x04JOI", "\x05LEAV"), bytes(300))
      .map(([h, g]) => Buffer.concat([Buffer.from(h, "latin1"), g])),
  );
  fc.assert(
    fc.property(body, (b) => {
      const out = parseGroupCommand(b);
      const head = b.toString("latin1", 0, 6);
      const join = head.startsWith("\x04JOIN");
      const leave = head === "\x05LEAVE";
      if (out === null) {
        assert.ok((!join && !leave) || b.length - (join ? 5 : 6) > 255);
        return;
      }
      assert.equal(out.join, join);
      assert.deepEqual(out.group, b.subarray(join ? 5 : 6));
      assert.ok(out.group.length <= 255);
    }),
    { numRuns: 3000 },
  );
});

test("JOIN/LEAVE command: encode then decode gives the group back; above 255 bytes it is dropped", () => {
  fc.assert(
    fc.property(bytes(400), fc.boolean(), (group, join) => {
      const out = parseGroupCommand(encodeCommand(join ? "JOIN" : "LEAVE", group));
      if (group.length > 255) assert.equal(out, null);
      else assert.deepEqual(out, { join, group });
    }),
  );
});

test("udp endpoints: any text parses or fails with EINVAL", () => {
  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc
      .tuple(
        fc.constantFrom("", "lo;", "*;", "eth0;", "239.0.0.1;", "127.0.0.1;"),
        fc.constantFrom("*", "127.0.0.1", "239.1.2.3", "[::1]", "[ff02::1]", "host", "::1", ""),
        fc.constantFrom(":5555", ":*", ":0", ":70000", "", ":x"),
      )
      .map((p) => p.join("")),
  );
  fc.assert(
    fc.property(text, fc.constantFrom("bind" as const, "connect" as const), (rest, mode) => {
      try {
        const ep = parseUdp(`udp://${rest}`, rest, mode);
        assert.ok(ep.port >= 0 && ep.port <= 65535);
        if (ep.iface !== null) assert.ok(ep.multicast);
      } catch (err) {
        assert.ok(err instanceof ZmqError && err.code === "EINVAL", String(err));
      }
    }),
    { numRuns: 3000 },
  );
});

test("the datagram engine: arbitrary datagrams never throw; what it delivers is exactly the well-formed ones", () => {
  const owner: PipeOwner = { pipeReadable() {}, pipeWritable() {}, pipeTerminated() {} };
  fc.assert(
    fc.property(fc.array(bytes(300), { maxLength: 30 }), fc.boolean(), (datagrams, raw) => {
      const pipe = new Pipe(owner, new MsgQueue(0), new MsgQueue(0), "udp://127.0.0.1:1", false);
      const engine = new DatagramEngine(pipe, raw ? "raw" : "group", -1);
      const from = { address: "127.0.0.1", port: 4242, family: "IPv4" };
      for (const d of datagrams) engine.datagram(d, from);
      const expected = datagrams.flatMap((d) => {
        if (raw) return [[Buffer.from("127.0.0.1:4242\0"), d]];
        const parts = decodeGroupDatagram(d);
        return parts === null ? [] : [parts];
      });
      const got = [];
      for (let m = pipe.read(); m !== undefined; m = pipe.read()) got.push(m);
      assert.deepEqual(got, expected);
      engine.destroy();
    }),
  );
});
