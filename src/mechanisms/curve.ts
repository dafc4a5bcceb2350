/**
 * CURVE security mechanism (RFC 25 ZMTP-CURVE, RFC 26 CurveZMQ), client and server, byte-compatible with
 * libzmq 4.3 (docs/zmtp-notes.md §2.3, G15, G18, G19). Pure state machines: no sockets, no timers.
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
 * costs one XSalsa20-Poly1305. The MESSAGE codec is mechanisms/curve-codec.ts.
 */
import { Buffer } from "node:buffer";
import { AuthError, ZmqError } from "../errors.ts";
import {
  encodeProperties,
  isCommand,
  parseErrorReason,
  parseProperties,
  type Properties,
} from "../protocol/command.ts";
import { MessageCodec, nonceOf, PREFIX, protocolError, shortNonce, writeShortNonce } from "./curve-codec.ts";
import { beforenm, equalBytes, loadFastBox, open, randomBytes, seal, transientKeyPair } from "./curve-crypto.ts";
import type { Mechanism, MechanismHost, ZapReply } from "./mechanism.ts";
import type { SecretKey } from "./x25519.ts";
import { authStatusOf, settleZapReply } from "./zap.ts";

const HELLO_SIZE = 200;
const WELCOME_SIZE = 168;
const INITIATE_MIN_SIZE = 257;
const READY_MIN_SIZE = 30;

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
      const e =
        err instanceof ZmqError
          ? err
          : new ZmqError("EINVAL", "curveServerKey is not a usable X25519 public key", { cause: err });
      this.#host.fail(e, "other");
      return;
    }
    const n = this.#codec.nonce++;
    const hello = Buffer.alloc(HELLO_SIZE); // zero-filled: the 72-byte padding (docs/zmtp-notes.md G18)
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
    if (body.length !== WELCOME_SIZE) {
      throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_WELCOME", "CURVE WELCOME must be 168 bytes");
    }
    const plain = open(this.#helloKey!, nonceOf(PREFIX.WELCOME, body.subarray(8, 24)), body.subarray(24));
    if (plain === undefined) {
      throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "cannot open CURVE WELCOME (wrong server key?)");
    }
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
    const err = this.#host.acceptPeerProperties(
      parseProperties(Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength)),
    );
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

  setOutputIdle(idle: () => boolean): void {
    this.#codec.outputIdle = idle;
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
    if (!isCommand(body, "HELLO")) {
      throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "CURVE client did not send HELLO");
    }
    if (body.length !== HELLO_SIZE) {
      throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "CURVE HELLO must be 200 bytes");
    }
    if (body[6] !== 1 || body[7] !== 0) {
      throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "unknown CurveZMQ version in HELLO");
    }
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
    // we open it (docs/zmtp-notes.md §2.3): we keep s′ inside OpenSSL and bind the cookie to C′ and our
    // S′ instead.
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
    if (!isCommand(body, "INITIATE")) {
      throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "CURVE client did not send INITIATE");
    }
    if (body.length < INITIATE_MIN_SIZE) {
      throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_INITIATE", "CURVE INITIATE too short");
    }
    const clientTransient = this.#clientTransient!;
    // Check 1: the cookie opens with our cookie key. Check 2: it holds the C′ of HELLO (and our S′).
    const cookie = open(this.#cookieKey!, nonceOf(PREFIX.COOKIE, body.subarray(9, 25)), body.subarray(25, 105));
    if (cookie === undefined) throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "cannot open CURVE INITIATE cookie");
    if (
      !equalBytes(cookie.subarray(0, 32), clientTransient) ||
      !equalBytes(cookie.subarray(32, 64), this.#transientPublic!)
    ) {
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
    if (!equalBytes(vouch.subarray(0, 32), clientTransient)) {
      throw protocolError("ERR_ZMTP_KEY_EXCHANGE", "CURVE vouch is not for this connection");
    }
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
      .zap({
        domain,
        address: this.#host.peerAddress,
        identity: this.#host.localRoutingId,
        mechanism: "CURVE",
        credentials: [clientKey],
      })
      .then(
        (reply) => this.#onZapReply(reply),
        (err: unknown) => this.#failOther(new ZmqError("EFAULT", "ZAP request failed", { cause: err })),
      );
  }

  #onZapReply(reply: ZapReply | null): void {
    if (this.#state !== "waitZap") return;
    if (reply === null) {
      if (this.#host.security.zapEnforceDomain) {
        this.#failOther(
          new ZmqError("EFAULT", "CURVE server with zapEnforceDomain needs a ZAP handler at inproc://zeromq.zap.01"),
        );
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
    const box = seal(
      this.#codec.key,
      nonceOf(PREFIX.READY, shortNonce(n)),
      encodeProperties(this.#host.localProperties),
    );
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

  setOutputIdle(idle: () => boolean): void {
    this.#codec.outputIdle = idle;
  }
}

/**
 * Factory: CURVE server when `curveServer` is set, else client (roles from local options only,
 * docs/zmtp-notes.md G1).
 */
export function createCurveMechanism(host: MechanismHost): Mechanism {
  return host.security.curveServer ? new CurveServer(host) : new CurveClient(host);
}
