/**
 * What `npm run fuzz` fuzzes: every parser of bytes or text that comes from outside the process. Each
 * target feeds one input to the parser as the engine would, catches what the parser may legitimately
 * throw (ZmqError and its ProtocolError/AuthError, FrameTooLargeError, WsProtocolError, UsageError) and
 * checks what must hold whatever the input (same result for every chunking, a crypto box accepted only
 * when it is the one that was sealed, a decoded property list re-encodes to its input...).
 *
 * CURVE: the handshake runs with fixed transient keys and fixed "random" bytes (see `deterministicCurve`),
 * so the valid HELLO, WELCOME, INITIATE and READY recorded once are valid for every fresh mechanism, and a
 * mutation of any of them reaches the code behind the box checks when it keeps the box intact.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../../src/errors.ts";
import { UsageError, int, parse, toSize, type CommandSpec } from "../../src/cli/args.ts";
import type { Mechanism, MechanismHost, SecurityOptions, ZapReply } from "../../src/mechanisms/mechanism.ts";
import { CurveClient, CurveServer } from "../../src/mechanisms/curve.ts";
import { MessageCodec, PREFIX } from "../../src/mechanisms/curve-codec.ts";
import { x25519 } from "../../src/mechanisms/x25519.ts";
import { PlainClient, PlainServer } from "../../src/mechanisms/plain.ts";
import {
  encodeCommand,
  encodeProperties,
  encodeReady,
  parseCommand,
  parseErrorReason,
  parseGroupCommand,
  parseProperties,
  type Properties,
} from "../../src/protocol/command.ts";
import { FLAG_COMMAND, FLAG_MORE } from "../../src/protocol/constants.ts";
import { decodeGroupDatagram, parseRawAddress } from "../../src/protocol/datagram.ts";
import { FrameDecoder, FrameTooLargeError } from "../../src/protocol/frame-decoder.ts";
import { encodeFrame } from "../../src/protocol/frame-encoder.ts";
import { Greeting } from "../../src/protocol/greeting.ts";
import { WsDecoder, WsProtocolError } from "../../src/protocol/ws-frame.ts";
import { acceptedProtocol, selectProtocol, zmtpHeader } from "../../src/protocol/zws.ts";
import { parseZapReply } from "../../src/security/zap-client.ts";
import { parseEndpoint } from "../../src/transports/endpoint.ts";
import { expectOnly, type Rng, type Target } from "./engine.ts";

const isZmq = (e: unknown): boolean => e instanceof ZmqError;

/** A finding with a readable message. */
class Broken extends Error {}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Broken(what);
}

/** Cut `b` at up to 4 random places. */
function chunks(rng: Rng, b: Buffer): Buffer[] {
  const cuts = new Set<number>();
  const k = rng.int(5);
  for (let i = 0; i < k; i++) cuts.add(rng.int(b.length + 1));
  const ps = [...cuts].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of ps) {
    out.push(b.subarray(at, p));
    at = p;
  }
  out.push(b.subarray(at));
  return out;
}

function props(rng: Rng): Properties {
  const names = ["Socket-Type", "Identity", "Resource", "X-Custom", "User-Id", "", "a".repeat(255)];
  const out: Properties = [];
  const n = rng.int(5);
  for (let i = 0; i < n; i++) {
    const name = rng.pick(names) || "N";
    const v = rng.chance(0.2) ? rng.bytes(rng.int(300)) : Buffer.from(rng.pick(["DEALER", "ROUTER", "PUB", "", "x"]));
    out.push([name, v]);
  }
  return out;
}

// --------------------------------------------------------------------------------- ZMTP framing

function decodeAll(parts: Buffer[], maxSize: number, legacyV2: boolean): { frames: string[]; err: string | null } {
  const frames: string[] = [];
  const d = new FrameDecoder(
    {
      onFrame: (flags, body) => {
        frames.push(`${flags}:${body.toString("hex")}`);
        return true;
      },
    },
    { maxSize, legacyV2, assembleAt: 64 },
  );
  try {
    for (const p of parts) d.push(p);
  } catch (e) {
    if (e instanceof FrameTooLargeError || isZmq(e)) return { frames, err: e instanceof Error ? e.message : "?" };
    throw e;
  }
  return { frames, err: null };
}

const frameDecoder: Target = {
  name: "zmtp-frames",
  about: "ZMTP 3.x/2.0 frame decoder: every chunking gives the same frames and error",
  seeds: () => [
    Buffer.concat([encodeFrame(FLAG_MORE, Buffer.from("a")), encodeFrame(0, Buffer.alloc(300, 7))]),
    encodeFrame(FLAG_COMMAND, encodeCommand("PING", Buffer.from([0, 10]))),
    Buffer.from("0200ffffffffffffffff", "hex"), // 2^64 - 1 body
    Buffer.from("0200000000010000000000", "hex"),
    encodeFrame(0, Buffer.alloc(0)),
  ],
  structured: (rng) => {
    const parts: Buffer[] = [];
    const n = 1 + rng.int(4);
    for (let i = 0; i < n; i++) {
      const flags = rng.pick([0, FLAG_MORE, FLAG_COMMAND, FLAG_MORE | FLAG_COMMAND, 0xf8, 0x02]);
      parts.push(encodeFrame(flags & 0x05, rng.bytes(rng.chance(0.1) ? 256 + rng.int(300) : rng.int(40))));
      if (flags === 0xf8 || flags === 0x02) parts[parts.length - 1]![0] = flags;
    }
    return Buffer.concat(parts);
  },
  run(input, rng) {
    const legacy = rng.chance(0.2);
    const maxSize = rng.pick([-1, -1, 0, 16, 1000]);
    const whole = decodeAll([input], maxSize, legacy);
    const split = decodeAll(chunks(rng, input), maxSize, legacy);
    check(whole.frames.join() === split.frames.join(), "chunking changed the frames");
    check((whole.err === null) === (split.err === null), "chunking changed whether it fails");
  },
};

const GREETING_OPTS = { mechanism: "NULL" as const, asServer: false, identityLength: 0, socketType: 5 };

function validGreeting(mech: string, major = 3, minor = 1): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = major;
  g[11] = minor;
  g.write(mech, 12, "latin1");
  return g;
}

const greeting: Target = {
  name: "greeting",
  about: "ZMTP greeting and version negotiation (1.0 refused, 2.0 legacy, 3.x)",
  seeds: () => [
    validGreeting("NULL"),
    validGreeting("CURVE", 3, 0),
    validGreeting("PLAIN"),
    Buffer.from("ff00000000000000017f0105", "hex"), // ZMTP 2.0: revision 1, socket type 5
    Buffer.concat([
      validGreeting("NULL"),
      encodeFrame(FLAG_COMMAND, encodeReady([["Socket-Type", Buffer.from("DEALER")]])),
    ]),
    Buffer.from("0100", "hex"), // ZMTP 1.0
  ],
  run(input, rng) {
    const refuseLegacy = rng.chance(0.3);
    const outcome = (parts: Buffer[]): string => {
      const g = new Greeting({ ...GREETING_OPTS, refuseLegacy });
      g.opening();
      let sent = 0;
      try {
        for (const p of parts) {
          const step = g.push(p);
          for (const b of step.send) sent += b.length;
          if (step.done) {
            const d = step.done;
            return `done ${d.major}.${d.minor} ${d.mechanism} ${d.peerSocketType} rest ${d.rest.toString("hex")} sent ${sent}`;
          }
        }
      } catch (e) {
        if (!isZmq(e)) throw e;
        return `error ${(e as ZmqError).code}`;
      }
      return `waiting sent ${sent}`;
    };
    // The bytes after the greeting depend on where the input was cut: compare without them.
    const a = outcome([input]).replace(/ rest \S*/, "");
    const b = outcome(chunks(rng, input)).replace(/ rest \S*/, "");
    check(a === b, `chunking changed the greeting: ${a} / ${b}`);
  },
};

const commands: Target = {
  name: "commands",
  about: "command names, metadata property lists, ERROR reasons, JOIN/LEAVE",
  seeds: () => [
    encodeReady([
      ["Socket-Type", Buffer.from("ROUTER")],
      ["Identity", Buffer.from("id")],
    ]),
    encodeCommand("ERROR", Buffer.from("\x03400", "latin1")),
    encodeCommand("SUBSCRIBE", Buffer.from("topic")),
    encodeCommand("JOIN", Buffer.from("group")),
    Buffer.from([4, 0x4c, 0x45, 0x41, 0x56, 0x45]),
  ],
  structured: (rng) => encodeReady(props(rng)),
  run(input) {
    const c = parseCommand(input);
    if (c !== undefined) {
      check(encodeCommand(c.name, c.data).equals(input), "command does not re-encode to its input");
    }
    expectOnly(() => {
      const p = parseProperties(input);
      check(encodeProperties(p).equals(input), "property list does not re-encode to its input");
    }, isZmq);
    expectOnly(() => void parseErrorReason(input), isZmq);
    expectOnly(() => void parseGroupCommand(input), isZmq);
  },
};

// ------------------------------------------------------------------------------ mechanisms

const KEYS = (() => {
  const s = x25519.generate();
  const c = x25519.generate();
  return {
    serverPublic: Buffer.from(s.publicKey),
    serverSecret: Buffer.from(x25519.exportSecret(s.secret)),
    clientPublic: Buffer.from(c.publicKey),
    clientSecret: Buffer.from(x25519.exportSecret(c.secret)),
  };
})();

/**
 * Fixed transient keys and "random" bytes for the CURVE targets (module comment), and a memo of X25519
 * results so a million handshake steps stay fast. Installed when a CURVE target first runs.
 */
let curveFixed = false;
function deterministicCurve(): void {
  if (curveFixed) return;
  curveFixed = true;
  const t = x25519.generate();
  (x25519 as { generate: typeof x25519.generate }).generate = () => t;
  const shared = x25519.shared.bind(x25519);
  const memo = new Map<unknown, Map<string, Uint8Array>>();
  (x25519 as { shared: typeof x25519.shared }).shared = (secret, pub) => {
    let m = memo.get(secret);
    if (m === undefined) memo.set(secret, (m = new Map()));
    const k = Buffer.from(pub).toString("latin1");
    let r = m.get(k);
    if (r === undefined) {
      r = shared(secret, pub);
      if (m.size > 4096) m.clear();
      m.set(k, r);
    }
    return r.slice();
  };
  const fill = <T extends ArrayBufferView | null>(a: T): T => {
    if (a !== null) {
      const u = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      for (let i = 0; i < u.length; i++) u[i] = (i * 31 + 7) & 0xff;
    }
    return a;
  };
  Object.defineProperty(globalThis.crypto, "getRandomValues", { value: fill, configurable: true, writable: true });
}

function security(over: Partial<SecurityOptions>): SecurityOptions {
  return {
    plainServer: false,
    plainUsername: null,
    plainPassword: null,
    curveServer: false,
    curvePublicKey: null,
    curveSecretKey: null,
    curveServerKey: null,
    zapDomain: null,
    zapEnforceDomain: false,
    ...over,
  };
}

const CURVE_SERVER = security({
  curveServer: true,
  curveSecretKey: KEYS.serverSecret,
  curvePublicKey: KEYS.serverPublic,
});
const CURVE_CLIENT = security({
  curveServerKey: KEYS.serverPublic,
  curvePublicKey: KEYS.clientPublic,
  curveSecretKey: KEYS.clientSecret,
});
const PLAIN_SERVER = security({ plainServer: true });
const PLAIN_CLIENT = security({ plainUsername: "user", plainPassword: "pass" });

/** A MechanismHost that records what the mechanism does. ZAP answers 200 at once (or as told). */
class Host implements MechanismHost {
  sent: Buffer[] = [];
  isReady = false;
  failed: ZmqError | null = null;
  readonly localProperties: Properties = [["Socket-Type", Buffer.from("DEALER")]];
  readyCommand(): Buffer {
    return encodeReady(this.localProperties);
  }
  readonly peerAddress = "127.0.0.1";
  readonly localRoutingId = Buffer.alloc(0);
  mech!: Mechanism;
  constructor(
    readonly security: SecurityOptions,
    readonly zapReply: ZapReply | null = null,
  ) {}
  sendCommand(body: Buffer): void {
    this.sent.push(Buffer.from(body));
  }
  ready(): void {
    this.isReady = true;
  }
  fail(err: ZmqError): void {
    check(err instanceof ZmqError, "a mechanism failed with something other than a ZmqError");
    this.failed ??= err;
  }
  acceptPeerProperties(): ZmqError | undefined {
    return undefined;
  }
  zap(): Promise<ZapReply | null> {
    return Promise.resolve(this.zapReply);
  }
  /** Feed a command as the engine does: a throw is a failure of the connection. */
  feed(body: Buffer): void {
    try {
      this.mech.onCommand(body);
    } catch (e) {
      if (!isZmq(e)) throw e;
      this.failed ??= e as ZmqError;
    }
  }
}

function curveServer(): Host {
  const h = new Host(CURVE_SERVER);
  h.mech = new CurveServer(h);
  h.mech.start();
  return h;
}

function curveClient(): Host {
  const h = new Host(CURVE_CLIENT);
  h.mech = new CurveClient(h);
  h.mech.start();
  return h;
}

/** The one valid transcript (deterministic: see deterministicCurve). */
const transcript = (() => {
  let t: { hello: Buffer; welcome: Buffer; initiate: Buffer; ready: Buffer } | null = null;
  return () => {
    if (t !== null) return t;
    deterministicCurve();
    const c = curveClient();
    const s = curveServer();
    const hello = c.sent[0]!;
    s.feed(hello);
    const welcome = s.sent[0]!;
    c.feed(welcome);
    const initiate = c.sent[1]!;
    s.feed(initiate);
    // The server answers READY once ZAP has answered (a resolved promise: the next microtask).
    t = { hello, welcome, initiate, ready: Buffer.alloc(0) };
    return t;
  };
})();

/** The server's READY needs a turn of the microtask queue; made once before the targets run. */
export async function prepareCurve(): Promise<void> {
  const t = transcript();
  if (t.ready.length > 0) return;
  const c = curveClient();
  const s = curveServer();
  s.feed(c.sent[0]!);
  c.feed(s.sent[0]!);
  s.feed(c.sent[1]!);
  await new Promise((r) => setImmediate(r));
  check(s.isReady && s.sent.length === 2, "CURVE transcript: the server did not answer READY");
  t.ready = s.sent[1]!;
  c.feed(t.ready);
  check(c.isReady, "CURVE transcript: the client did not accept READY");
}

function onlyPaddingDiffers(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && (i < 8 || i >= 80)) return false;
  return true;
}

/** A CURVE command target: the mechanism is brought to the step, then fed the input. */
function curveTarget(name: string, step: "hello" | "welcome" | "initiate" | "ready"): Target {
  return {
    name,
    about: `CURVE ${step.toUpperCase()} (structure-aware: the recorded valid one, mutated)`,
    seeds: () => [transcript()[step]],
    run(input) {
      const t = transcript();
      let h: Host;
      if (step === "hello" || step === "initiate") {
        h = curveServer();
        if (step === "initiate") h.feed(t.hello);
      } else {
        h = curveClient();
        if (step === "ready") h.feed(t.welcome);
      }
      check(h.failed === null, `CURVE ${step}: the valid prefix failed`);
      h.feed(input);
      const valid = input.equals(t[step]);
      if (step === "ready") check(h.isReady === valid, `CURVE READY accepted=${h.isReady} valid=${valid}`);
      else if (!valid && h.failed === null) {
        // Only the HELLO padding (bytes 8 to 79, zeros that no box covers) may change unnoticed, as in libzmq.
        check(step === "hello" && onlyPaddingDiffers(input, t.hello), `CURVE ${step}: a changed command was accepted`);
      }
      if (valid) check(h.failed === null, `CURVE ${step}: the valid command failed: ${h.failed?.message}`);
    },
  };
}

/** Sealed with the target's key, nonces 1 and 2: the only boxes besides each run's own that may open. */
const MESSAGE_SEEDS = (() => {
  const enc = new MessageCodec(PREFIX.MESSAGE_C, PREFIX.MESSAGE_S);
  enc.key = new Uint8Array(32).fill(9);
  return [enc.encode(0, Buffer.from("hello")), enc.encode(FLAG_MORE, Buffer.alloc(100, 1))];
})();

const curveMessage: Target = {
  name: "curve-message",
  about: "CURVE MESSAGE boxes: only the box that was sealed opens; replays and reordering refused",
  seeds: () => MESSAGE_SEEDS,
  run(input, rng) {
    const key = new Uint8Array(32).fill(9);
    const enc = new MessageCodec(PREFIX.MESSAGE_C, PREFIX.MESSAGE_S);
    const dec = new MessageCodec(PREFIX.MESSAGE_S, PREFIX.MESSAGE_C);
    enc.key = key;
    dec.key = key;
    enc.nonce = 2 + rng.int(3);
    const payload = rng.bytes(rng.int(64));
    const sealed = enc.encode(rng.chance(0.5) ? FLAG_MORE : 0, payload);
    const use = rng.chance(0.1) ? sealed : input;
    let out: { flags: number; body: Buffer } | null = null;
    expectOnly(() => void (out = dec.decode(use)), isZmq);
    if (use === sealed) {
      check(out !== null, "a sealed MESSAGE did not open");
      check((out as unknown as { body: Buffer }).body.equals(payload), "a MESSAGE opened to other bytes");
      // The same box again is a replay.
      let again = true;
      expectOnly(
        () => void dec.decode(sealed),
        (e) => isZmq(e) && !(again = false),
      );
      check(!again, "a replayed MESSAGE was accepted");
    } else {
      const known = input.equals(sealed) || MESSAGE_SEEDS.some((m) => m.equals(input));
      check(out === null || known, "a MESSAGE nobody sealed was accepted");
    }
  },
};

function plainHello(user: string, pass: string): Buffer {
  const u = Buffer.from(user);
  const p = Buffer.from(pass);
  return encodeCommand("HELLO", Buffer.concat([Buffer.from([u.length]), u, Buffer.from([p.length]), p]));
}

const plain: Target = {
  name: "plain",
  about: "PLAIN HELLO/INITIATE at the server, WELCOME/READY/ERROR at the client",
  seeds: () => [
    plainHello("user", "pass"),
    encodeCommand("INITIATE", encodeProperties([["Socket-Type", Buffer.from("DEALER")]])),
    encodeCommand("WELCOME"),
    encodeReady([["Socket-Type", Buffer.from("ROUTER")]]),
    Buffer.from("^RROR\x03400", "latin1"),
    encodeCommand("ERROR", Buffer.from("\x03500", "latin1")),
  ],
  structured: (rng) =>
    rng.chance(0.5)
      ? plainHello(rng.bytes(rng.int(8)).toString("latin1"), "p")
      : encodeCommand("INITIATE", encodeProperties(props(rng))),
  run(input, rng) {
    const zap: ZapReply = { statusCode: rng.pick(["200", "400"] as const), statusText: "", userId: "u", metadata: [] };
    const s = new Host(PLAIN_SERVER, zap);
    s.mech = new PlainServer(s);
    s.mech.start();
    if (rng.chance(0.5)) s.feed(plainHello("user", "pass"));
    s.feed(input);
    const c = new Host(PLAIN_CLIENT);
    c.mech = new PlainClient(c);
    c.mech.start();
    if (rng.chance(0.5)) c.feed(encodeCommand("WELCOME"));
    c.feed(input);
  },
};

const zapReply: Target = {
  name: "zap-reply",
  about: "ZAP replies (RFC 27) as the ZAP client parses them, one frame per 0x00-separated field",
  seeds: () => [
    Buffer.from("\x001.0\x001\x00200\x00OK\x00user\x00", "latin1"),
    Buffer.concat([
      Buffer.from("\x001.0\x001\x00400\x00no\x00\x00", "latin1"),
      encodeProperties([["X", Buffer.from("y")]]),
    ]),
  ],
  run(input) {
    // Frames separated by 0x00 (a byte the text frames never need): the frame count and contents vary.
    const frames = input
      .toString("latin1")
      .split("\0")
      .map((s) => Buffer.from(s, "latin1"));
    expectOnly(() => {
      const r = parseZapReply(frames);
      check(["200", "300", "400", "500"].includes(r.statusCode), "ZAP reply with an unknown status accepted");
    }, isZmq);
  },
};

// ------------------------------------------------------------------------------ text inputs

const endpoints: Target = {
  name: "endpoints",
  about: "endpoint strings (tcp, ipc, inproc, udp, ws, wss) for bind and connect",
  seeds: () =>
    [
      "tcp://127.0.0.1:5555",
      "tcp://*:*",
      "tcp://[::1]:80",
      "tcp://eth0;192.168.1.1:5555",
      "ipc:///tmp/x.sock",
      "ipc://@abstract",
      "inproc://name",
      "udp://239.0.0.1:5555",
      "udp://*:5556",
      "ws://127.0.0.1:80/path",
      "wss://host:443",
      "epgm://eth0;239.1.1.1:5555",
    ].map((s) => Buffer.from(s)),
  run(input, rng) {
    const s = input.toString(rng.chance(0.5) ? "latin1" : "utf8");
    for (const mode of ["bind", "connect"] as const) {
      expectOnly(() => {
        const ep = parseEndpoint(s, mode);
        check(ep.address === s, "an endpoint's address is not its input");
      }, isZmq);
    }
  },
};

const CLI_SPEC: CommandSpec = {
  name: "fuzz",
  summary: "",
  usage: [],
  options: {
    bind: { type: "string", short: "b", multiple: true, help: "" },
    connect: { type: "string", short: "c", multiple: true, help: "" },
    count: { type: "string", short: "n", help: "" },
    size: { type: "string", help: "" },
    verbose: { type: "boolean", short: "v", help: "" },
    "curve-server-key": { type: "string", help: "" },
  },
  examples: [],
};

const cliArgs: Target = {
  name: "cli-args",
  about: "command-line arguments (parseArgs with getopt-style values, counts and sizes)",
  seeds: () =>
    [
      ["--bind", "tcp://*:5555", "-n", "10", "--size", "1KiB"],
      ["-c", "tcp://h:1", "--curve-server-key", "-Nq<>", "-v", "--", "-x"],
      ["--count=-1", "--size", "1e3", "pos"],
    ].map((a) => Buffer.from(a.join("\0"))),
  run(input) {
    const argv = input.toString("utf8").split("\0");
    expectOnly(
      () => {
        const p = parse(CLI_SPEC, argv);
        void int(p.values, "count", 1, 0);
        const size = p.values["size"];
        if (typeof size === "string") void toSize(size, "--size");
      },
      (e) => e instanceof UsageError,
    );
  },
};

// --------------------------------------------------------------------------------- datagrams

const udpDatagrams: Target = {
  name: "udp-datagrams",
  about: "udp datagrams as DISH and DGRAM decode them: [len, group, body] and DGRAM address frames",
  seeds: () => [
    Buffer.concat([Buffer.from([5]), Buffer.from("groupbody")]),
    Buffer.from("127.0.0.1:5555\0"),
    Buffer.from("[::1]:80\0"),
    Buffer.from("0x7f.1:65535"),
  ],
  run(input) {
    const g = decodeGroupDatagram(input);
    if (g !== null) check(1 + g[0].length + g[1].length === input.length, "group datagram: bytes lost or invented");
    const a = parseRawAddress(input);
    if (a !== null) check(a.port > 0 && a.port < 65536, "DGRAM address with a port out of range");
  },
};

// --------------------------------------------------------------------------------- WebSocket

function wsFrame(opcode: number, payload: Buffer, mask: Buffer | null): Buffer {
  const len = payload.length;
  const head = [0x80 | opcode];
  const m = mask ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else head.push(m | 126, len >> 8, len & 0xff);
  const body = Buffer.from(payload);
  if (mask) for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([Buffer.from(head), mask ?? Buffer.alloc(0), body]);
}

const MASK = Buffer.from([1, 2, 3, 4]);

function wsEvents(parts: Buffer[], masked: boolean): string {
  const ev: string[] = [];
  const d = new WsDecoder(
    {
      messageStart: (flags, size) => ev.push(`s${flags}:${size}`),
      messageBody: (b) => ev.push(`b${b.toString("hex")}`),
      control: (op, p) => ev.push(`c${op}:${p.toString("hex")}`),
    },
    { masked },
  );
  try {
    for (const p of parts) d.push(p);
  } catch (e) {
    if (!(e instanceof WsProtocolError)) throw e;
    ev.push(`error ${e.status}`);
  }
  // Body bytes may arrive in other pieces when the input is split: compare them joined.
  return ev.join(",").replace(/,b/g, "");
}

const wsFraming: Target = {
  name: "ws-frames",
  about: "WebSocket frames (RFC 6455) and ZWS flags: every chunking gives the same events",
  seeds: () => [
    wsFrame(2, Buffer.from("\x00hello", "latin1"), MASK),
    wsFrame(2, Buffer.concat([Buffer.from([1]), Buffer.alloc(200, 3)]), MASK),
    wsFrame(9, Buffer.from("ping"), MASK),
    wsFrame(8, Buffer.from([0x03, 0xe8]), MASK),
    wsFrame(2, Buffer.from("\x02\x05READY", "latin1"), null),
  ],
  structured: (rng) => {
    const masked = rng.chance(0.8);
    const parts: Buffer[] = [];
    for (let i = 1 + rng.int(3); i > 0; i--) {
      const op = rng.pick([2, 2, 2, 9, 10, 8, 0, 1, 3]);
      parts.push(wsFrame(op, rng.bytes(rng.int(rng.chance(0.1) ? 300 : 20)), masked ? MASK : null));
    }
    return Buffer.concat(parts);
  },
  run(input, rng) {
    const masked = rng.chance(0.8);
    // The decoder unmasks in place: each run gets its own copy.
    const a = wsEvents([Buffer.from(input)], masked);
    const b = wsEvents(chunks(rng, Buffer.from(input)), masked);
    check(a === b, `chunking changed the ws events:\n${a}\n${b}`);
    // The ZWS side: the Sec-WebSocket-Protocol header and a received frame's ZMTP header.
    const header = input.toString("latin1");
    for (const mech of ["NULL", "PLAIN", "CURVE"] as const) void selectProtocol(header, mech);
    void acceptedProtocol(header, ["ZWS2.0/NULL", "ZWS2.0"]);
    if (input.length >= 1) {
      const h = zmtpHeader(input[0]!, input.length);
      check(h.length === (input.length <= 255 ? 2 : 9), "ZWS -> ZMTP header of the wrong form");
    }
  },
};

export const TARGETS: readonly Target[] = [
  frameDecoder,
  greeting,
  commands,
  curveTarget("curve-hello", "hello"),
  curveTarget("curve-welcome", "welcome"),
  curveTarget("curve-initiate", "initiate"),
  curveTarget("curve-ready", "ready"),
  curveMessage,
  plain,
  zapReply,
  endpoints,
  cliArgs,
  udpDatagrams,
  wsFraming,
];
