/**
 * One ZMTP connection's handshake, as libzmq runs it (stream_engine_base.cpp, zmtp_engine.cpp):
 * 1. the greeting, staged as libzmq stages it (protocol/greeting.ts);
 * 2. ZMTP 3.x: the security mechanism (NULL, PLAIN, CURVE) exchanges commands until it calls ready();
 *    ZMTP 2.0 (RFC 15): no mechanism; the socket type came in the greeting, then each side sends one
 *    identity frame;
 * 3. ready: the peer's socket type was checked against ours, its properties are compiled into the
 *    {@link PeerInfo} the socket sees.
 * The whole handshake must finish within `handshakeInterval` ms (libzmq ZMQ_HANDSHAKE_IVL). This module is
 * the mechanism's host ({@link MechanismHost}); the engine writes and closes for it ({@link HandshakeHost}).
 */
import { Buffer } from "node:buffer";
import { ProtocolError, ZmqError } from "../errors.ts";
import type { Mechanism, MechanismHost, SecurityOptions, ZapReply, ZapRequest } from "../mechanisms/mechanism.ts";
import type { PeerInfo } from "../pipe.ts";
import { encodeReady, getProperty, type Properties } from "../protocol/command.ts";
import {
  COMPATIBLE,
  FLAG_COMMAND,
  FLAG_MORE,
  isCompatible,
  isDraftType,
  sendsIdentity,
  socketTypeName,
} from "../protocol/constants.ts";
import { Greeting } from "../protocol/greeting.ts";
import { deadline, type Deadline } from "../util/deadlines.ts";
import type { CloseKind, EngineOptions } from "./engine.ts";

/** The phases of a ZMTP connection: the engine is in exactly one. */
export const Phase = {
  /** Exchanging greetings; no frames yet. */
  GREETING: 0,
  /** Frames flow, but only the handshake's: mechanism commands, or ZMTP 2.0 identities. */
  HANDSHAKE: 1,
  /** Messages flow both ways. */
  ACTIVE: 2,
  CLOSED: 3,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

/** What the handshake needs from its engine. */
export interface HandshakeHost {
  /** Greeting bytes, written as they are. */
  writeRaw(bytes: Buffer): void;
  /** A handshake frame (a mechanism command, or the ZMTP 2.0 identity), written now. */
  writeFrameNow(flags: number, body: Buffer): void;
  /** The greeting is done: frames of ZMTP `major` follow. */
  startFraming(major: number): void;
  /** The handshake succeeded; `mechanism` wraps every frame from now on if it encrypts. */
  handshakeDone(peer: PeerInfo, mechanism: Mechanism | null): void;
  /** Close the connection: the handshake failed or timed out (graceful: what was written goes out first). */
  handshakeFailed(kind: CloseKind, retry: boolean, error: ZmqError, graceful: boolean): void;
  /** The socket's ZAP client. */
  zap(request: ZapRequest): Promise<ZapReply | null>;
}

const EMPTY = Buffer.alloc(0);
/**
 * READY bodies of sockets without a routing id or metadata, by type: the same bytes on every connection,
 * encoded once (a burst of 1,000 connects spent ~30 ms encoding them, issue 27). Never modified: frames
 * are copied into the output slab.
 */
const SHARED_READY = new Map<string, Buffer>();

export class Handshake implements MechanismHost {
  readonly #host: HandshakeHost;
  readonly #opts: EngineOptions;
  readonly #remoteAddress: string;
  /** IP without port, for ZAP. */
  readonly peerAddress: string;
  #greeting: Greeting | null;
  #mechanism: Mechanism | null = null;
  #major = 3;
  #minor = 1;
  #peerProps: Properties = [];
  #peerType = "";
  /** ZWS without a mechanism: identities only, as in ZMTP 2.0 but with no socket type. */
  #bare = false;
  /** Ended: ready, or the connection closed. */
  #over = false;
  #timer: Deadline | null = null;
  /** Cancels a pending ZAP request when the handshake ends. */
  #zapAbort: AbortController | null = null;

  constructor(host: HandshakeHost, opts: EngineOptions, remoteAddress: string, peerAddress: string) {
    this.#host = host;
    this.#opts = opts;
    this.#remoteAddress = remoteAddress;
    this.peerAddress = peerAddress;
    this.#greeting = new Greeting({
      mechanism: opts.mechanism,
      asServer: opts.asServer,
      identityLength: opts.routingId.length,
      socketType: opts.socketTypeNumber,
      refuseLegacy: opts.mechanism !== "NULL" || (opts.security.zapDomain ?? "") !== "",
    });
    if (opts.handshakeInterval > 0) {
      this.#timer = deadline(opts.handshakeInterval, () => {
        const error = new ZmqError("ETIMEDOUT", `handshake not completed within ${opts.handshakeInterval} ms`);
        host.handshakeFailed("other", true, error, false);
      });
    }
  }

  /** The greeting's first 11 bytes (signature and major version), sent on connect or accept without waiting. */
  signature(): Buffer {
    return this.#greeting!.opening();
  }

  /**
   * Greeting bytes from the peer. Returns null while the greeting goes on; once it is done, starts the
   * handshake and returns the bytes that followed it (frames). Throws a ProtocolError for a peer we
   * cannot talk to.
   */
  greet(chunk: Buffer): Buffer | null {
    const step = this.#greeting!.push(chunk);
    for (const b of step.send) this.#host.writeRaw(b);
    // NULL without ZAP sends READY whatever the peer's greeting says: it leaves with the end of ours, in
    // one write, and the peer's READY can come back a round trip sooner (issue 27, connection bursts).
    // A peer with another mechanism closes on the greeting without reading it (libzmq does, G4).
    if (step.ends === true && this.#mechanism === null && this.#readyAtOnce()) this.#startMechanism();
    const done = step.done;
    if (done === undefined) return null;
    this.#greeting = null;
    this.#major = done.major;
    this.#minor = done.minor;
    this.#host.startFraming(done.major);
    if (done.major < 3) {
      // No legacy peer has a draft type: a draft socket refuses it (docs/drafts-notes.md §3).
      if (isDraftType(this.#opts.socketType)) {
        const mine = this.#opts.socketType;
        throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `${mine} sockets speak ZMTP 3 only; the peer greeted with 2.0`);
      }
      // ZMTP 2.0: no mechanism, no READY; the socket type came in the greeting, identities come first.
      const name = socketTypeName(done.peerSocketType) ?? `#${done.peerSocketType}`;
      const err = this.acceptPeerProperties([["Socket-Type", Buffer.from(name)]]);
      if (err) throw err;
      this.#host.writeFrameNow(0, this.#opts.routingId);
      return done.rest;
    }
    if (done.mechanism !== this.#opts.mechanism) {
      // libzmq closes silently on a mechanism mismatch (docs/zmtp-notes.md G4).
      const mine = this.#opts.mechanism;
      throw new ProtocolError(
        "ERR_ZMTP_MECHANISM_MISMATCH",
        `peer uses mechanism ${done.mechanism}, this socket ${mine}`,
      );
    }
    if (this.#mechanism === null) this.#startMechanism();
    return done.rest;
  }

  #startMechanism(): void {
    this.#mechanism = this.#opts.mechanismFactory(this);
    this.#mechanism.start();
  }

  /** Our first command does not wait for anything: NULL, with no ZAP request to make first. */
  #readyAtOnce(): boolean {
    return this.#opts.mechanism === "NULL" && (this.#opts.security.zapDomain ?? "") === "";
  }

  /**
   * The transport negotiated the mechanism instead of a greeting (ZWS, docs/ws-notes.md §2): frames flow
   * now. `bare` (ZWS2.0 without a mechanism, §5): each side sends its routing id in one frame, and the
   * first frame received is the peer's; no READY, no socket-type check.
   */
  negotiated(bare: boolean): void {
    this.#greeting = null;
    // Subscriptions travel as ZMTP 3.0 sent them, `01|topic` data (docs/ws-notes.md §11).
    this.#minor = 0;
    this.#host.startFraming(3);
    if (bare) {
      this.#bare = true;
      this.#host.writeFrameNow(0, this.#opts.routingId);
      return;
    }
    this.#startMechanism();
  }

  /** A frame received before the handshake completed. */
  onFrame(flags: number, body: Buffer): void {
    if (this.#major < 3 || this.#bare) {
      if ((flags & FLAG_MORE) !== 0) {
        throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "the peer's identity must be a single frame");
      }
      this.#peerProps.push(["Identity", Buffer.from(body)]);
      this.ready();
      return;
    }
    if ((flags & FLAG_COMMAND) === 0) {
      throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "peer sent a message before the handshake completed");
    }
    this.#mechanism!.onCommand(body);
  }

  /** The connection closed: the handshake is over, whatever state it was in. */
  cancel(): void {
    this.#end();
  }

  #end(): void {
    this.#over = true;
    this.#zapAbort?.abort();
    this.#timer?.cancel();
    this.#timer = null;
  }

  // ---------------------------------------------------------------- MechanismHost

  get localProperties(): Properties {
    const props: Properties = [["Socket-Type", Buffer.from(this.#opts.socketType, "latin1")]];
    if (sendsIdentity(this.#opts.socketType)) props.push(["Identity", this.#opts.routingId]);
    for (const p of this.#opts.metadata) props.push(p);
    return props;
  }

  readyCommand(): Buffer {
    const o = this.#opts;
    if (o.routingId.length !== 0 || o.metadata.length !== 0) return encodeReady(this.localProperties);
    let body = SHARED_READY.get(o.socketType);
    if (body === undefined) {
      body = encodeReady(this.localProperties);
      SHARED_READY.set(o.socketType, body);
    }
    return body;
  }

  get security(): SecurityOptions {
    return this.#opts.security;
  }

  get localRoutingId(): Buffer {
    return this.#opts.routingId;
  }

  sendCommand(body: Buffer): void {
    this.#host.writeFrameNow(FLAG_COMMAND, body);
  }

  acceptPeerProperties(props: Properties): ZmqError | undefined {
    const type = getProperty(props, "Socket-Type");
    if (type !== undefined && !this.#opts.skipTypeCheck) {
      const name = type.toString("latin1");
      const mine = this.#opts.socketType;
      if (!isCompatible(mine, name)) {
        const accepted = COMPATIBLE[mine].join(", ") || "none";
        return new ProtocolError(
          "ERR_ZMTP_UNSPECIFIED",
          `peer socket type ${name} cannot talk to ${mine} (accepted: ${accepted})`,
        );
      }
      this.#peerType = name;
    }
    for (const p of props) this.#peerProps.push(p);
    return undefined;
  }

  zap(request: ZapRequest): Promise<ZapReply | null> {
    // A handler that never answers must not keep the request open after the handshake is over (#end).
    this.#zapAbort ??= new AbortController();
    request = { ...request, signal: this.#zapAbort.signal };
    // libzmq (zap_client.cpp receive_and_process_zap_reply): a malformed ZAP reply is a protocol error of
    // this connection (ZMQ_PROTOCOL_ERROR_ZAP_*), closed without ERROR. The mechanism never hears back.
    return this.#host.zap(request).catch((err: unknown) => {
      if (!(err instanceof ProtocolError)) throw err;
      this.#host.handshakeFailed("protocol", false, err, false);
      return new Promise<never>(() => {});
    });
  }

  fail(err: ZmqError, kind: "protocol" | "auth" | "other"): void {
    this.#host.handshakeFailed(kind, kind === "other", err, true);
  }

  ready(): void {
    if (this.#over) return;
    this.#end();
    const mech = this.#mechanism;
    // The routing identity is what the peer announced, never ZAP metadata (libzmq parse_metadata).
    const identity = getProperty(this.#peerProps, "Identity") ?? EMPTY;
    // Message properties as libzmq compiles them (stream_engine_base.cpp mechanism_ready): Peer-Address,
    // then ZAP's User-Id and metadata, then the peer's own; the first of a name wins (std::map insert),
    // so a peer cannot forge a User-Id in its READY/INITIATE metadata.
    const first: Properties = [];
    if (this.peerAddress !== "") first.push(["Peer-Address", Buffer.from(this.peerAddress)]);
    if (mech?.userId !== undefined) first.push(["User-Id", Buffer.from(mech.userId)]);
    if (mech?.zapMetadata) for (const p of mech.zapMetadata) first.push(p);
    const properties = first.length > 0 ? [...first, ...this.#peerProps] : this.#peerProps;
    const peer: PeerInfo = {
      socketType: this.#peerType,
      identity,
      properties,
      major: this.#major,
      minor: this.#minor,
      remoteAddress: this.#remoteAddress,
    };
    this.#host.handshakeDone(peer, mech);
  }
}
