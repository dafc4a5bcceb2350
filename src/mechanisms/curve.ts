/**
 * CURVE security mechanism (RFC 25 ZMTP-CURVE, RFC 26 CurveZMQ), client and server, byte-compatible with
 * libzmq 4.3 (digest §2.3, G15, G18, G19). Pure state machines: no sockets, no timers.
 *
 * ```
 * C→S HELLO     200 bytes: [5]HELLO 01 00 [72 x 00] C′ short_nonce Box[64 x 00](C′→S)
 * S→C WELCOME   168 bytes: [7]WELCOME nonce16 Box[S′ ‖ cookie](S→C′)
 * C→S INITIATE  257+md:    [8]INITIATE cookie short_nonce Box[C ‖ vouch_nonce ‖ vouch ‖ metadata](C′→S′)
 * S→C READY     30+md:     [5]READY short_nonce Box[metadata](S′→C′)
 * S→C ERROR     clear:     [5]ERROR [u8 len] reason        (ZAP 400/500)
 * both MESSAGE  33+n:      [7]MESSAGE short_nonce Box[inner_flags ‖ payload](sender′→receiver′)
 * ```
 * Short nonces count from 1 on each side (client: HELLO 1, INITIATE 2, MESSAGE 3…; server: READY 1,
 * MESSAGE 2…), and a received MESSAGE nonce must be strictly greater than the last one seen
 * (curve_mechanism_base.cpp). The session key C′/S′ is precomputed once (`beforenm`), so each MESSAGE
 * costs one XSalsa20-Poly1305.
 */
import { Buffer } from "node:buffer";
import { AuthError, ProtocolError, ZmqError, type ProtoErrorCode } from "../errors.ts";
import { encodeProperties, isCommand, parseErrorReason, parseProperties, type Properties } from "../protocol/command.ts";
import { FLAG_COMMAND, FLAG_MORE } from "../protocol/constants.ts";
import { beforenm, equalBytes, loadFastBox, open, openMessage, randomBytes, seal, sealMessage, transientKeyPair, type SecretKey } from "./curve-crypto.ts";
import type { Mechanism, MechanismHost, ZapReply } from "./mechanism.ts";
import { authStatusOf, settleZapReply } from "./plain.ts";

/** 24-byte nonce prefixes (digest §2.3; the MESSAGE ones are libzmq's, not the RFC grammar's, G19). */
const PREFIX = {
  HELLO: Buffer.from("CurveZMQHELLO---", "latin1"),
  WELCOME: Buffer.from("WELCOME-", "latin1"),
  COOKIE: Buffer.from("COOKIE--", "latin1"),
  INITIATE: Buffer.from("CurveZMQINITIATE", "latin1"),
  VOUCH: Buffer.from("VOUCH---", "latin1"),
  READY: Buffer.from("CurveZMQREADY---", "latin1"),
  MESSAGE_C: Buffer.from("CurveZMQMESSAGEC", "latin1"),
  MESSAGE_S: Buffer.from("CurveZMQMESSAGES", "latin1"),
} as const;

const HELLO_SIZE = 200;
const WELCOME_SIZE = 168;
const INITIATE_MIN_SIZE = 257;
const READY_MIN_SIZE = 30;
/** [7]MESSAGE + short nonce + MAC + inner flags. */
const MESSAGE_MIN_SIZE = 33;
const MESSAGE_NAME = Buffer.from("\x07MESSAGE", "latin1");

/** Inner flags of a MESSAGE (libzmq extension: RFC 26 has only MORE). */
const INNER_MORE = 0x01;
const INNER_COMMAND = 0x02;

/** A 24-byte nonce made of an 8- or 16-byte prefix and the given suffix. */
function nonceOf(prefix: Buffer, suffix: Uint8Array): Buffer {
  const n = Buffer.allocUnsafe(24);
  prefix.copy(n, 0);
  n.set(suffix, prefix.length);
  return n;
}

/** Write a short nonce (u64be) without BigInt: counters stay far below 2^53. */
function writeShortNonce(buf: Uint8Array, offset: number, value: number): void {
  const hi = Math.floor(value / 0x100000000);
  const lo = value >>> 0;
  buf[offset] = hi >>> 24;
  buf[offset + 1] = (hi >>> 16) & 0xff;
  buf[offset + 2] = (hi >>> 8) & 0xff;
  buf[offset + 3] = hi & 0xff;
  buf[offset + 4] = lo >>> 24;
  buf[offset + 5] = (lo >>> 16) & 0xff;
  buf[offset + 6] = (lo >>> 8) & 0xff;
  buf[offset + 7] = lo & 0xff;
}

function shortNonce(value: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  writeShortNonce(b, 0, value);
  return b;
}

function protocolError(code: ProtoErrorCode, message: string): ProtocolError {
  return new ProtocolError(code, message);
}

/**
 * The MESSAGE codec both roles share once the handshake is done: our short-nonce counter, the last
 * nonce seen from the peer (as two u32 halves, compared without BigInt) and the session key.
 */
class MessageCodec {
  /** Next short nonce we send. */
  nonce = 1;
  #peerHi = 0;
  #peerLo = 1;
  #key: Uint8Array | undefined;
  /** Reused 24-byte nonces: prefix fixed, suffix rewritten per message. */
  readonly #encodeNonce: Buffer;
  readonly #decodeNonce: Buffer;

  constructor(encodePrefix: Buffer, decodePrefix: Buffer) {
    this.#encodeNonce = nonceOf(encodePrefix, new Uint8Array(8));
    this.#decodeNonce = nonceOf(decodePrefix, new Uint8Array(8));
  }

  set key(key: Uint8Array) {
    this.#key = key;
  }

  get key(): Uint8Array {
    if (this.#key === undefined) throw new ZmqError("EFSM", "CURVE session key used before the key exchange");
    return this.#key;
  }

  /** Remember a short nonce the peer used during the handshake (libzmq `set_peer_nonce`). */
  setPeerNonce(buf: Uint8Array, offset: number): void {
    const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#peerHi = view.readUInt32BE(offset);
    this.#peerLo = view.readUInt32BE(offset + 4);
  }

  /** Wrap one frame: flags in ZMTP bits (MORE 0x01, COMMAND 0x04) go into the encrypted inner flags. */
  encode(flags: number, payload: Uint8Array): Buffer {
    const key = this.key;
    // [16 header][16 MAC][box(inner flags ‖ payload)]: one allocation, the payload copied once.
    const inner = (flags & FLAG_MORE ? INNER_MORE : 0) | (flags & FLAG_COMMAND ? INNER_COMMAND : 0);
    writeShortNonce(this.#encodeNonce, 16, this.nonce);
    const out = sealMessage(key, this.#encodeNonce, inner, payload);
    MESSAGE_NAME.copy(out, 0);
    writeShortNonce(out, 8, this.nonce);
    this.nonce++;
    return out;
  }

  /** Unwrap one MESSAGE body. Throws a ProtocolError on a bad command, a replayed nonce or a forgery. */
  decode(body: Buffer): { flags: number; body: Buffer } {
    // Byte loops rather than subarray()/equals()/copy(): each of those allocates or crosses into C++,
    // which shows in profiles at ~150k MESSAGEs/s.
    if (body.length < 8 || !startsWithMessage(body)) {
      throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "CURVE peer sent something other than MESSAGE");
    }
    if (body.length < MESSAGE_MIN_SIZE) throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_MESSAGE", "CURVE MESSAGE too short");
    const hi = body.readUInt32BE(8);
    const lo = body.readUInt32BE(12);
    // libzmq closes on a nonce that does not strictly increase (reuse, replay or reordering; G19).
    if (hi < this.#peerHi || (hi === this.#peerHi && lo <= this.#peerLo)) {
      throw protocolError("ERR_ZMTP_INVALID_SEQUENCE", "CURVE MESSAGE short nonce did not increase (replay?)");
    }
    const nonce = this.#decodeNonce;
    for (let i = 8; i < 16; i++) nonce[i + 8] = body[i]!;
    const plain = openMessage(this.key, nonce, body);
    if (plain === undefined) throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE MESSAGE did not authenticate");
    this.#peerHi = hi;
    this.#peerLo = lo;
    const inner = plain[0]!;
    return { flags: (inner & INNER_MORE ? FLAG_MORE : 0) | (inner & INNER_COMMAND ? FLAG_COMMAND : 0), body: plain.subarray(1) };
  }
}

/** body[0..8] === "\x07MESSAGE" */
function startsWithMessage(body: Buffer): boolean {
  for (let i = 0; i < 8; i++) if (body[i] !== MESSAGE_NAME[i]) return false;
  return true;
}

function keyOption(value: Buffer | null, name: string): Buffer {
  if (value === null || value.length !== 32) throw new ZmqError("EINVAL", `CURVE ${name} must be set to a 32-byte key`);
  return value;
}

type CurveClientState = "initial" | "waitWelcome" | "waitReady" | "ready" | "failed";

/** CURVE client: the side configured with `curveServerKey` (and its own long-term key pair). */
export class CurveClient implements Mechanism {
  readonly name = "CURVE" as const;
  readonly encrypts = true;
  readonly #host: MechanismHost;
  readonly #codec = new MessageCodec(PREFIX.MESSAGE_C, PREFIX.MESSAGE_S);
  #state: CurveClientState = "initial";
  #serverKey: Buffer | undefined;
  #publicKey: Buffer | undefined;
  #secretKey: Buffer | undefined;
  #transientPublic: Uint8Array | undefined;
  #transientSecret: SecretKey | undefined;
  /** beforenm(S, c′): HELLO and WELCOME boxes. */
  #helloKey: Uint8Array | undefined;

  constructor(host: MechanismHost) {
    this.#host = host;
  }

  start(): void {
    // Switch MESSAGE boxes to libsodium (WASM) as soon as it is loaded; noble serves until then.
    void loadFastBox();
    const sec = this.#host.security;
    try {
      this.#serverKey = keyOption(sec.curveServerKey, "curveServerKey");
      this.#publicKey = keyOption(sec.curvePublicKey, "curvePublicKey");
      this.#secretKey = keyOption(sec.curveSecretKey, "curveSecretKey");
      // libzmq makes C′ fresh for every connection (curve_client.cpp constructor).
      const t = transientKeyPair();
      this.#transientPublic = t.publicKey;
      this.#transientSecret = t.secret;
      this.#helloKey = beforenm(this.#serverKey, t.secret);
    } catch (err) {
      this.#state = "failed";
      const e = err instanceof ZmqError ? err : new ZmqError("EINVAL", "curveServerKey is not a usable X25519 public key", { cause: err });
      this.#host.fail(e, "other");
      return;
    }
    const n = this.#codec.nonce++;
    const hello = Buffer.alloc(HELLO_SIZE); // zero-filled: the 72-byte padding (G18)
    hello.write("\x05HELLO\x01\x00", 0, "latin1");
    hello.set(this.#transientPublic, 80);
    writeShortNonce(hello, 112, n);
    hello.set(seal(this.#helloKey, nonceOf(PREFIX.HELLO, shortNonce(n)), new Uint8Array(64)), 120);
    this.#state = "waitWelcome";
    this.#host.sendCommand(hello);
  }

  onCommand(body: Buffer): void {
    if (this.#state === "ready" || this.#state === "failed") return;
    try {
      if (this.#state === "waitWelcome" && isCommand(body, "WELCOME")) this.#onWelcome(body);
      else if (this.#state === "waitReady" && isCommand(body, "READY")) this.#onReady(body);
      else if (isCommand(body, "ERROR") && (this.#state === "waitWelcome" || this.#state === "waitReady")) {
        const reason = parseErrorReason(body.subarray(6));
        this.#state = "failed";
        this.#host.fail(new AuthError(authStatusOf(reason), `CURVE server sent ERROR "${reason}"`), "auth");
      } else throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "unexpected command during the CURVE handshake");
    } catch (err) {
      this.#state = "failed";
      throw err;
    }
  }

  #onWelcome(body: Buffer): void {
    if (body.length !== WELCOME_SIZE) throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_WELCOME", "CURVE WELCOME must be 168 bytes");
    const plain = open(this.#helloKey!, nonceOf(PREFIX.WELCOME, body.subarray(8, 24)), body.subarray(24));
    if (plain === undefined) throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "cannot open CURVE WELCOME (wrong server key?)");
    const serverTransient = plain.subarray(0, 32);
    const cookie = plain.subarray(32, 128);
    let vouchKey: Uint8Array;
    try {
      this.#codec.key = beforenm(serverTransient, this.#transientSecret!);
      vouchKey = beforenm(serverTransient, this.#secretKey!);
    } catch {
      throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE server short-term key is not usable");
    }
    // vouch = Box[C′ ‖ S](C→S′), nonce "VOUCH---" ‖ 16 random bytes.
    const vouchSuffix = randomBytes(16);
    const vouchPlain = new Uint8Array(64);
    vouchPlain.set(this.#transientPublic!, 0);
    vouchPlain.set(this.#serverKey!, 32);
    const vouch = seal(vouchKey, nonceOf(PREFIX.VOUCH, vouchSuffix), vouchPlain);
    vouchKey.fill(0);
    const metadata = encodeProperties(this.#host.localProperties);
    const boxPlain = Buffer.allocUnsafe(128 + metadata.length);
    boxPlain.set(this.#publicKey!, 0);
    boxPlain.set(vouchSuffix, 32);
    boxPlain.set(vouch, 48);
    metadata.copy(boxPlain, 128);
    const n = this.#codec.nonce++;
    const box = seal(this.#codec.key, nonceOf(PREFIX.INITIATE, shortNonce(n)), boxPlain);
    const initiate = Buffer.allocUnsafe(113 + box.length);
    initiate.write("\x08INITIATE", 0, "latin1");
    initiate.set(cookie, 9);
    writeShortNonce(initiate, 105, n);
    initiate.set(box, 113);
    this.#state = "waitReady";
    this.#host.sendCommand(initiate);
  }

  #onReady(body: Buffer): void {
    if (body.length < READY_MIN_SIZE) throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_READY", "CURVE READY too short");
    const plain = open(this.#codec.key, nonceOf(PREFIX.READY, body.subarray(6, 14)), body.subarray(14));
    if (plain === undefined) throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "cannot open CURVE READY");
    this.#codec.setPeerNonce(body, 6);
    const err = this.#host.acceptPeerProperties(parseProperties(Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength)));
    if (err !== undefined) throw err;
    this.#state = "ready";
    this.#helloKey?.fill(0);
    this.#host.ready();
  }

  encode(flags: number, body: Uint8Array): Buffer {
    return this.#codec.encode(flags, body);
  }

  decode(body: Buffer): { flags: number; body: Buffer } {
    return this.#codec.decode(body);
  }
}

type CurveServerState = "initial" | "waitHello" | "waitInitiate" | "waitZap" | "ready" | "failed";

/** CURVE server: the side with `curveServer` set and its long-term secret key. */
export class CurveServer implements Mechanism {
  readonly name = "CURVE" as const;
  readonly encrypts = true;
  readonly #host: MechanismHost;
  readonly #codec = new MessageCodec(PREFIX.MESSAGE_S, PREFIX.MESSAGE_C);
  #state: CurveServerState = "initial";
  #secretKey: Buffer | undefined;
  #transientPublic: Uint8Array | undefined;
  #transientSecret: SecretKey | undefined;
  /** C′ from HELLO. */
  #clientTransient: Buffer | undefined;
  /** Fresh per connection, known only to us (libzmq makes a new one for every WELCOME). */
  #cookieKey: Uint8Array | undefined;
  /** User id from the ZAP reply (becomes the `User-Id` message property); set once authenticated by ZAP. */
  userId?: string;
  /** Metadata from the ZAP reply; set once authenticated by ZAP. */
  zapMetadata?: Properties;

  constructor(host: MechanismHost) {
    this.#host = host;
  }

  start(): void {
    // Switch MESSAGE boxes to libsodium (WASM) as soon as it is loaded; noble serves until then.
    void loadFastBox();
    try {
      this.#secretKey = keyOption(this.#host.security.curveSecretKey, "curveSecretKey");
    } catch (err) {
      this.#state = "failed";
      this.#host.fail(err as ZmqError, "other");
      return;
    }
    // libzmq makes S′ fresh for every connection (curve_server.cpp constructor).
    const t = transientKeyPair();
    this.#transientPublic = t.publicKey;
    this.#transientSecret = t.secret;
    this.#state = "waitHello";
  }

  onCommand(body: Buffer): void {
    try {
      switch (this.#state) {
        case "waitHello":
          this.#onHello(body);
          return;
        case "waitInitiate":
          this.#onInitiate(body);
          return;
        case "initial":
        case "waitZap":
          throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "unexpected command during the CURVE handshake");
        case "ready":
        case "failed":
          return;
      }
    } catch (err) {
      this.#state = "failed";
      throw err;
    }
  }

  #onHello(body: Buffer): void {
    if (!isCommand(body, "HELLO")) throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "CURVE client did not send HELLO");
    if (body.length !== HELLO_SIZE) throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "CURVE HELLO must be 200 bytes");
    if (body[6] !== 1 || body[7] !== 0) throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "unknown CurveZMQ version in HELLO");
    const clientTransient = Buffer.from(body.subarray(80, 112));
    let helloKey: Uint8Array;
    try {
      helloKey = beforenm(clientTransient, this.#secretKey!);
    } catch {
      throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE client short-term key is not usable");
    }
    // Open Box[64 x 00](C′→S); failing means the client has the wrong server key.
    if (open(helloKey, nonceOf(PREFIX.HELLO, body.subarray(112, 120)), body.subarray(120, 200)) === undefined) {
      throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "cannot open CURVE HELLO (client uses a wrong server key?)");
    }
    this.#codec.setPeerNonce(body, 112);
    this.#clientTransient = clientTransient;

    // cookie = nonce16 ‖ secretbox[C′ ‖ S′](K). libzmq seals C′ ‖ s′; any 96-byte design works because only
    // we open it (digest §2.3): we keep s′ inside OpenSSL and bind the cookie to C′ and our S′ instead.
    this.#cookieKey = randomBytes(32);
    const cookieSuffix = randomBytes(16);
    const cookiePlain = new Uint8Array(64);
    cookiePlain.set(clientTransient, 0);
    cookiePlain.set(this.#transientPublic!, 32);
    const cookieBox = seal(this.#cookieKey, nonceOf(PREFIX.COOKIE, cookieSuffix), cookiePlain);
    const welcomePlain = new Uint8Array(128);
    welcomePlain.set(this.#transientPublic!, 0);
    welcomePlain.set(cookieSuffix, 32);
    welcomePlain.set(cookieBox, 48);
    const welcomeSuffix = randomBytes(16);
    const welcome = Buffer.allocUnsafe(WELCOME_SIZE);
    welcome.write("\x07WELCOME", 0, "latin1");
    welcome.set(welcomeSuffix, 8);
    welcome.set(seal(helloKey, nonceOf(PREFIX.WELCOME, welcomeSuffix), welcomePlain), 24);
    helloKey.fill(0);
    this.#state = "waitInitiate";
    this.#host.sendCommand(welcome);
  }

  #onInitiate(body: Buffer): void {
    if (!isCommand(body, "INITIATE")) throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "CURVE client did not send INITIATE");
    if (body.length < INITIATE_MIN_SIZE) throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_INITIATE", "CURVE INITIATE too short");
    const clientTransient = this.#clientTransient!;
    // Check 1: the cookie opens with our cookie key. Check 2: it holds the C′ of HELLO (and our S′).
    const cookie = open(this.#cookieKey!, nonceOf(PREFIX.COOKIE, body.subarray(9, 25)), body.subarray(25, 105));
    if (cookie === undefined) throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "cannot open CURVE INITIATE cookie");
    if (!equalBytes(cookie.subarray(0, 32), clientTransient) || !equalBytes(cookie.subarray(32, 64), this.#transientPublic!)) {
      throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE INITIATE cookie does not match this connection");
    }
    this.#cookieKey!.fill(0);
    let sessionKey: Uint8Array;
    try {
      sessionKey = beforenm(clientTransient, this.#transientSecret!);
    } catch {
      throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE client short-term key is not usable");
    }
    const plain = open(sessionKey, nonceOf(PREFIX.INITIATE, body.subarray(105, 113)), body.subarray(113));
    if (plain === undefined) throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "cannot open CURVE INITIATE");
    this.#codec.setPeerNonce(body, 105);
    const clientKey = Buffer.from(plain.subarray(0, 32));
    // Check 3: the vouch opens with the client's long-term key C.
    let vouchKey: Uint8Array;
    try {
      vouchKey = beforenm(clientKey, this.#transientSecret!);
    } catch {
      throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE client long-term key is not usable");
    }
    const vouch = open(vouchKey, nonceOf(PREFIX.VOUCH, plain.subarray(32, 48)), plain.subarray(48, 128));
    vouchKey.fill(0);
    if (vouch === undefined) throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "cannot open CURVE INITIATE vouch");
    // Check 4: the vouch holds C′. libzmq does not compare the S inside it, nor do we.
    if (!equalBytes(vouch.subarray(0, 32), clientTransient)) throw protocolError("ERR_ZMTP_KEY_EXCHANGE", "CURVE vouch is not for this connection");
    this.#codec.key = sessionKey;

    const props = parseProperties(Buffer.from(plain.buffer, plain.byteOffset + 128, plain.byteLength - 128));
    const err = this.#host.acceptPeerProperties(props);
    if (err !== undefined) throw err;
    this.#authenticate(clientKey);
  }

  /**
   * ZAP as curve_server.cpp does it: ask when a domain is set or enforcement is off; with no handler
   * bound, accept everyone (Stonehouse) unless enforcement is on with a non-empty domain.
   */
  #authenticate(clientKey: Buffer): void {
    const sec = this.#host.security;
    const domain = sec.zapDomain ?? "";
    if (domain === "" && sec.zapEnforceDomain) {
      this.#sendReady();
      return;
    }
    this.#state = "waitZap";
    this.#host
      .zap({ domain, address: this.#host.peerAddress, identity: this.#host.localRoutingId, mechanism: "CURVE", credentials: [clientKey] })
      .then(
        (reply) => this.#onZapReply(reply),
        (err: unknown) => this.#failOther(new ZmqError("EFAULT", "ZAP request failed", { cause: err })),
      );
  }

  #onZapReply(reply: ZapReply | null): void {
    if (this.#state !== "waitZap") return;
    if (reply === null) {
      if (this.#host.security.zapEnforceDomain) {
        this.#failOther(new ZmqError("EFAULT", "CURVE server with zapEnforceDomain needs a ZAP handler at inproc://zeromq.zap.01"));
      } else {
        this.#sendReady();
      }
      return;
    }
    if (!settleZapReply(this.#host, reply, "CURVE")) {
      this.#state = "failed";
      return;
    }
    this.userId = reply.userId;
    this.zapMetadata = reply.metadata;
    this.#sendReady();
  }

  #sendReady(): void {
    const n = this.#codec.nonce++;
    const box = seal(this.#codec.key, nonceOf(PREFIX.READY, shortNonce(n)), encodeProperties(this.#host.localProperties));
    const ready = Buffer.allocUnsafe(14 + box.length);
    ready.write("\x05READY", 0, "latin1");
    writeShortNonce(ready, 6, n);
    ready.set(box, 14);
    this.#state = "ready";
    this.#host.sendCommand(ready);
    this.#host.ready();
  }

  #failOther(err: ZmqError): void {
    if (this.#state === "failed" || this.#state === "ready") return;
    this.#state = "failed";
    this.#host.fail(err, "other");
  }

  encode(flags: number, body: Uint8Array): Buffer {
    return this.#codec.encode(flags, body);
  }

  decode(body: Buffer): { flags: number; body: Buffer } {
    return this.#codec.decode(body);
  }
}

/** Factory: CURVE server when `curveServer` is set, else client (roles from local options only, G1). */
export function createCurveMechanism(host: MechanismHost): Mechanism {
  return host.security.curveServer ? new CurveServer(host) : new CurveClient(host);
}

