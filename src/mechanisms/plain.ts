/**
 * PLAIN security mechanism (RFC 24, ZMTP 3.0 §PLAIN), client and server, as libzmq 4.3 runs it.
 *
 * ```
 * C→S HELLO     [5]HELLO [u8 ulen][username][u8 plen][password]
 * S→C WELCOME   [7]WELCOME                 (exactly 8 body bytes)
 * C→S INITIATE  [8]INITIATE [metadata]
 * S→C READY     [5]READY [metadata]
 * S→C ERROR     [5]ERROR [u8 len][reason]  (ZAP 400/500 only)
 * ```
 * Pure state machines: no sockets, no timers. The engine feeds command bodies and handles the timeout.
 */
import { Buffer } from "node:buffer";
import { AuthError, ProtocolError, ZmqError } from "../errors.ts";
import {
  encodeCommand,
  encodeProperties,
  isCommand,
  parseErrorReason,
  parseProperties,
  type Properties,
} from "../protocol/command.ts";
import type { Mechanism, MechanismHost, ZapReply } from "./mechanism.ts";
import { authStatusOf, settleZapReply } from "./zap.ts";

/**
 * libzmq's PLAIN server sends `5e 52 52 4f 52 [u8 len][reason]` for ERROR: its C literal `"\x05ERROR"`
 * parses `\x05E` as the single byte 0x5E, so the name-length byte is lost (plain_common.hpp,
 * docs/zmtp-notes.md G16).
 */
const MALFORMED_ERROR_PREFIX = Buffer.from("^RROR", "latin1");

/** The reason of an ERROR command, also of libzmq's malformed PLAIN ERROR; undefined for anything else. */
function errorReasonOf(body: Buffer): string | undefined {
  if (isCommand(body, "ERROR")) return parseErrorReason(body.subarray(6));
  if (body.length >= 5 && body.subarray(0, 5).equals(MALFORMED_ERROR_PREFIX)) return parseErrorReason(body.subarray(5));
  return undefined;
}

/**
 * ERROR as libzmq's PLAIN server sends it (docs/zmtp-notes.md G16): `^RROR [u8 len][reason]`. The
 * libzmq 4.3 PLAIN client recognises only this form; a well-formed `\x05ERROR` makes it report a protocol
 * error (ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND) instead of HANDSHAKE_FAILED_AUTH. zocket's client
 * takes both.
 */
function encodePlainError(reason: string): Buffer {
  const r = Buffer.from(reason, "latin1");
  return Buffer.concat([MALFORMED_ERROR_PREFIX, Buffer.from([r.length]), r]);
}

type PlainClientState = "initial" | "waitWelcome" | "waitReady" | "ready" | "failed";

/** PLAIN client: the side configured with a username and password. */
export class PlainClient implements Mechanism {
  readonly name = "PLAIN" as const;
  readonly encrypts = false;
  readonly #host: MechanismHost;
  #state: PlainClientState = "initial";

  constructor(host: MechanismHost) {
    this.#host = host;
  }

  start(): void {
    const user = Buffer.from(this.#host.security.plainUsername ?? "", "utf8");
    const pass = Buffer.from(this.#host.security.plainPassword ?? "", "utf8");
    if (user.length > 255 || pass.length > 255) {
      this.#state = "failed";
      this.#host.fail(new ZmqError("EINVAL", "PLAIN username and password must be at most 255 bytes each"), "other");
      return;
    }
    const data = Buffer.allocUnsafe(2 + user.length + pass.length);
    data[0] = user.length;
    user.copy(data, 1);
    data[1 + user.length] = pass.length;
    pass.copy(data, 2 + user.length);
    this.#state = "waitWelcome";
    this.#host.sendCommand(encodeCommand("HELLO", data));
  }

  onCommand(body: Buffer): void {
    if (this.#state === "failed" || this.#state === "ready") return;
    if (this.#state === "waitWelcome" && isCommand(body, "WELCOME")) {
      // libzmq's client rejects any other size (plain_client.cpp process_welcome).
      if (body.length !== 8) {
        throw this.#protocol("ERR_ZMTP_MALFORMED_COMMAND_WELCOME", "PLAIN WELCOME must be exactly 8 bytes");
      }
      this.#state = "waitReady";
      this.#host.sendCommand(encodeCommand("INITIATE", encodeProperties(this.#host.localProperties)));
      return;
    }
    if (this.#state === "waitReady" && isCommand(body, "READY")) {
      const props = this.#parse(body.subarray(6));
      const err = this.#host.acceptPeerProperties(props);
      if (err !== undefined) {
        this.#state = "failed";
        throw err;
      }
      this.#state = "ready";
      this.#host.ready();
      return;
    }
    // ERROR, libzmq's malformed "^RROR" (docs/zmtp-notes.md G16), or anything else out of place:
    // authentication failed.
    const reason = errorReasonOf(body);
    this.#state = "failed";
    const what = reason !== undefined ? `ERROR "${reason}"` : "an unexpected command";
    this.#host.fail(
      new AuthError(authStatusOf(reason ?? ""), `PLAIN server sent ${what} during the handshake`),
      "auth",
    );
  }

  #parse(data: Buffer): Properties {
    try {
      return parseProperties(data);
    } catch (err) {
      this.#state = "failed";
      throw err;
    }
  }

  #protocol(code: "ERR_ZMTP_MALFORMED_COMMAND_WELCOME", message: string): ProtocolError {
    this.#state = "failed";
    return new ProtocolError(code, message);
  }
}

type PlainServerState = "waitHello" | "waitZap" | "waitInitiate" | "ready" | "failed";

/** PLAIN server: the side with `plainServer` set. Every client is checked through ZAP (RFC 27). */
export class PlainServer implements Mechanism {
  readonly name = "PLAIN" as const;
  readonly encrypts = false;
  readonly #host: MechanismHost;
  #state: PlainServerState = "waitHello";
  /** User id from the ZAP reply (becomes the `User-Id` message property); set once authenticated by ZAP. */
  userId?: string;
  /** Metadata from the ZAP reply; set once authenticated by ZAP. */
  zapMetadata?: Properties;

  constructor(host: MechanismHost) {
    this.#host = host;
  }

  start(): void {
    // The client speaks first.
  }

  onCommand(body: Buffer): void {
    switch (this.#state) {
      case "waitHello":
        this.#onHello(body);
        return;
      case "waitInitiate":
        this.#onInitiate(body);
        return;
      case "waitZap":
        // libzmq: "invalid handshake command" while the ZAP reply is pending.
        this.#state = "failed";
        throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "PLAIN client sent a command before WELCOME");
      case "ready":
      case "failed":
        return;
    }
  }

  #onHello(body: Buffer): void {
    if (!isCommand(body, "HELLO")) {
      throw this.#protocol("ERR_ZMTP_UNEXPECTED_COMMAND", "PLAIN client did not send HELLO");
    }
    // Strict like plain_server.cpp: both lengths must fit and nothing may follow the password.
    let i = 6;
    const ulen = body[i];
    if (ulen === undefined || i + 1 + ulen >= body.length) {
      throw this.#protocol("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "malformed PLAIN HELLO username");
    }
    const username = body.subarray(i + 1, i + 1 + ulen);
    i += 1 + ulen;
    const plen = body[i]!;
    if (i + 1 + plen !== body.length) {
      throw this.#protocol("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "malformed PLAIN HELLO password");
    }
    const password = body.subarray(i + 1, i + 1 + plen);
    this.#state = "waitZap";
    const sec = this.#host.security;
    this.#host
      .zap({
        domain: sec.zapDomain ?? "",
        address: this.#host.peerAddress,
        identity: this.#host.localRoutingId,
        mechanism: "PLAIN",
        credentials: [Buffer.from(username), Buffer.from(password)],
      })
      .then(
        (reply) => this.#onZapReply(reply),
        (err: unknown) => this.#failOther(new ZmqError("EFAULT", "ZAP request failed", { cause: err })),
      );
  }

  #onZapReply(reply: ZapReply | null): void {
    if (this.#state !== "waitZap") return;
    if (reply === null) {
      // libzmq 4.3: a PLAIN server without a ZAP handler refuses every client (EFAULT, no ERROR;
      // docs/zmtp-notes.md G20).
      this.#failOther(new ZmqError("EFAULT", "PLAIN server needs a ZAP handler at inproc://zeromq.zap.01"));
      return;
    }
    if (!settleZapReply(this.#host, reply, "PLAIN", encodePlainError)) {
      this.#state = "failed";
      return;
    }
    this.userId = reply.userId;
    this.zapMetadata = reply.metadata;
    this.#state = "waitInitiate";
    // RFC 24 / libzmq: WELCOME is exactly "\x07WELCOME", no data.
    this.#host.sendCommand(encodeCommand("WELCOME"));
  }

  #onInitiate(body: Buffer): void {
    if (!isCommand(body, "INITIATE")) {
      throw this.#protocol("ERR_ZMTP_UNEXPECTED_COMMAND", "PLAIN client did not send INITIATE");
    }
    let props: Properties;
    try {
      props = parseProperties(body.subarray(9));
    } catch (err) {
      this.#state = "failed";
      throw err;
    }
    const err = this.#host.acceptPeerProperties(props);
    if (err !== undefined) {
      this.#state = "failed";
      throw err;
    }
    this.#state = "ready";
    this.#host.sendCommand(this.#host.readyCommand());
    this.#host.ready();
  }

  #failOther(err: ZmqError): void {
    if (this.#state === "failed" || this.#state === "ready") return;
    this.#state = "failed";
    this.#host.fail(err, "other");
  }

  #protocol(code: "ERR_ZMTP_UNEXPECTED_COMMAND" | "ERR_ZMTP_MALFORMED_COMMAND_HELLO", message: string): ProtocolError {
    this.#state = "failed";
    return new ProtocolError(code, message);
  }
}

/**
 * Factory: PLAIN server when `plainServer` is set, else client (roles come from local options only,
 * docs/zmtp-notes.md G1).
 */
export function createPlainMechanism(host: MechanismHost): Mechanism {
  return host.security.plainServer ? new PlainServer(host) : new PlainClient(host);
}
