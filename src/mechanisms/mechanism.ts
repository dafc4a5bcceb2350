/**
 * The contract between the engine and a security mechanism (NULL, PLAIN, CURVE).
 *
 * The engine does the greeting, then creates the mechanism chosen by local options (never by the peer's
 * as-server bit: docs/zmtp-notes.md G1) and feeds it every command frame until the mechanism calls
 * `host.ready()`. Mechanisms that encrypt (CURVE) then wrap and unwrap every frame.
 */
import type { Properties } from "../protocol/command.ts";
import type { ZmqError } from "../errors.ts";
import type { MechanismName } from "../protocol/constants.ts";

/** A ZAP request (RFC 27) — the frames libzmq sends after the delimiter, as values. */
export interface ZapRequest {
  domain: string;
  address: string;
  /** The *server socket's own* routing id (docs/zmtp-notes.md G21), not the client's Identity. */
  identity: Buffer;
  mechanism: MechanismName;
  /** PLAIN: [username, password]; CURVE: [32-byte client public key]; NULL: []. */
  credentials: Buffer[];
  /** Aborted when the handshake ends first (timeout, peer gone): the request is dropped, not left waiting. */
  signal?: AbortSignal;
}

export interface ZapReply {
  statusCode: "200" | "300" | "400" | "500";
  statusText: string;
  userId: string;
  /** Metadata the handler attached; becomes message properties. */
  metadata: Properties;
}

/** Security-relevant socket options, as set on the socket. */
export interface SecurityOptions {
  plainServer: boolean;
  plainUsername: string | null;
  plainPassword: string | null;
  curveServer: boolean;
  /** 32 raw bytes each (already decoded from Z85 by the option setter). */
  curvePublicKey: Buffer | null;
  curveSecretKey: Buffer | null;
  curveServerKey: Buffer | null;
  zapDomain: string | null;
  zapEnforceDomain: boolean;
}

/** What a mechanism may ask of the engine. */
export interface MechanismHost {
  /** Send one handshake command frame whose body is `[u8 len][name][data]`. */
  sendCommand(body: Buffer): void;
  /** The handshake is complete: the peer's properties have been checked, data may flow. */
  ready(): void;
  /** The handshake failed. The engine closes the connection (sending nothing more unless `sendError`). */
  fail(err: ZmqError, kind: "protocol" | "auth" | "other"): void;
  /**
   * Check the peer's properties (Socket-Type compatibility, Identity) and remember them.
   * Returns an error to fail with, or undefined when acceptable.
   */
  acceptPeerProperties(props: Properties): ZmqError | undefined;
  /** Our own properties to announce in READY/INITIATE: Socket-Type, Identity where libzmq sends one. */
  readonly localProperties: Properties;
  /** The READY command body announcing {@link localProperties} (the host may keep it made). */
  readyCommand(): Buffer;
  /**
   * Ask the ZAP handler bound at inproc://zeromq.zap.01. Resolves `null` when no handler is bound.
   * Never rejects: a failed request resolves as `{statusCode: "500"}`; a malformed reply makes the engine
   * drop the connection as a protocol error (libzmq ZMQ_PROTOCOL_ERROR_ZAP_*) and this never settles.
   */
  zap(request: ZapRequest): Promise<ZapReply | null>;
  readonly security: SecurityOptions;
  /** The peer's address as ZAP wants it: IP text without port, or "" for ipc/inproc. */
  readonly peerAddress: string;
  /** The local socket's routing id (for the ZAP request's identity frame). */
  readonly localRoutingId: Buffer;
}

export interface Mechanism {
  readonly name: MechanismName;
  /** Called once the greetings are exchanged. May send the first command(s). */
  start(): void;
  /** Every command frame received before `ready()`. Throwing a ZmqError fails the handshake. */
  onCommand(body: Buffer): void;
  /** True if frames are encrypted after the handshake (CURVE). */
  readonly encrypts: boolean;
  /** CURVE: wrap one outgoing frame (flags MORE/COMMAND as ZMTP flag bits) into a MESSAGE command body. */
  encode?(flags: number, body: Uint8Array): Buffer;
  /** CURVE: unwrap one incoming MESSAGE body to its inner frame. Throws on forgery or nonce replay. */
  decode?(body: Buffer): { flags: number; body: Buffer };
  /**
   * CURVE: the engine tells how to know that every buffer {@link encode} returned so far has been written
   * (none is referenced any more), so that large MESSAGE bodies can be reused instead of allocated.
   */
  setOutputIdle?(idle: () => boolean): void;
  /** User id established by ZAP (for the `User-Id` message property). */
  readonly userId?: string;
  /** Metadata returned by ZAP. */
  readonly zapMetadata?: Properties;
}

export type MechanismFactory = (host: MechanismHost) => Mechanism;
