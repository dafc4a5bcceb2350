/**
 * fast-check properties of the SOCKS5 client handshake (src/transports/socks.ts) and the tcp source and
 * proxy address parsers: a proxy's valid answers complete it however they are split, with the bytes
 * after the reply handed on untouched; any bytes at all only ever give more/send/done/error (never a
 * throw), and a failed handshake stays failed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { parseProxy, Socks5Handshake, type SocksStep } from "../../src/transports/socks.ts";
import { parseEndpoint } from "../../src/transports/endpoint.ts";
import { ZmqError } from "../../src/errors.ts";

/** Split `bytes` at the given cut points (sorted, deduplicated, inside the buffer). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  out.push(bytes.subarray(prev));
  return out;
}

const replyArb = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from([1, ...a])),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from([4, ...a])),
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => {
    const name = Buffer.from(s).subarray(0, 255);
    return Buffer.concat([Buffer.from([3, name.length]), name]);
  }),
);

test("valid proxy answers complete the handshake under any split; trailing bytes are handed on", () => {
  fc.assert(
    fc.property(
      fc.boolean(),
      replyArb,
      fc.uint8Array({ maxLength: 64 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (auth, addr, trailing, cuts) => {
        const hs = new Socks5Handshake("example.org", 5555, auth ? "u" : null, auth ? "p" : null);
        const greeting = hs.start();
        assert.deepEqual(greeting, auth ? Buffer.from([5, 1, 2]) : Buffer.from([5, 1, 0]));
        // The proxy's side, step by step: method choice, (auth ok), CONNECT reply + the peer's first bytes.
        const method = Buffer.from([5, auth ? 2 : 0]);
        const steps: Buffer[] = [method];
        if (auth) steps.push(Buffer.from([1, 0]));
        steps.push(Buffer.concat([Buffer.from([5, 0, 0]), addr, Buffer.from([0x15, 0xb3]), trailing]));
        let last: SocksStep = { kind: "more" };
        const sent: Buffer[] = [];
        // Once done, what follows is the peer's (ZMTP), read by the engine: the handshake sees no more.
        const after: Buffer[] = [];
        for (const answer of steps) {
          for (const piece of split(answer, cuts)) {
            if (last.kind === "done") {
              after.push(piece);
              continue;
            }
            last = hs.onBytes(piece);
            if (last.kind === "send") sent.push(last.bytes);
            assert.notEqual(last.kind, "error", JSON.stringify(last));
          }
        }
        assert.equal(last.kind, "done");
        assert.deepEqual(Buffer.concat([(last as { rest: Buffer }).rest, ...after]), Buffer.from(trailing));
        const request = sent[sent.length - 1]!;
        assert.deepEqual(request.subarray(0, 5), Buffer.from([5, 1, 0, 3, 11]));
        assert.equal(request.subarray(5, 16).toString(), "example.org");
        assert.equal(request.readUInt16BE(16), 5555);
      },
    ),
  );
});

test("any bytes from a proxy give more, send, done or error, never a throw; an error is final", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
      fc.boolean(),
      fc.constantFrom("10.0.0.1", "::1", "::ffff:10.1.2.3", "host.example"),
      (chunks, auth, host) => {
        const hs = new Socks5Handshake(host, 80, auth ? "user" : null, "pw");
        hs.start();
        let failed = false;
        let done = false;
        for (const c of chunks) {
          const step = hs.onBytes(Buffer.from(c));
          assert.ok(["more", "send", "done", "error"].includes(step.kind));
          if (failed || done) assert.equal(step.kind, "error");
          if (step.kind === "error") {
            assert.ok(step.error instanceof ZmqError);
            failed = true;
          }
          if (step.kind === "done") done = true;
        }
      },
    ),
  );
});

test("parseProxy and tcp source endpoints: any text is parsed or refused with EINVAL, never a throw of another kind", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 30 }), (a, b) => {
      for (const attempt of [() => parseProxy(a), () => parseEndpoint(`tcp://${a};${b}`, "connect")]) {
        try {
          attempt();
        } catch (err) {
          assert.ok(err instanceof ZmqError, String(err));
          assert.ok(["EINVAL"].includes(err.code), err.code);
        }
      }
    }),
  );
  const ep = parseEndpoint("tcp://[::1]:7000;[::1]:5555", "connect") as { source?: unknown };
  assert.deepEqual(ep.source, { host: "::1", port: 7000, ipv6Literal: true });
});
