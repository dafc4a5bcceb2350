/**
 * What a session needs from the engine that runs one connection, and what an engine needs from its
 * session. ZmtpEngine speaks ZMTP; RawEngine (STREAM sockets) passes raw bytes. A socket type picks its
 * engine through the optional `SessionOwner.createEngine` factory (default: ZMTP).
 */
import type { Buffer } from "node:buffer";
import type { ZmqError } from "../errors.ts";
import type { MechanismFactory, SecurityOptions, ZapReply, ZapRequest } from "../mechanisms/mechanism.ts";
import type { CommandMsg, PeerInfo, Pipe, PipeEnd } from "../pipe.ts";
import type { Properties } from "../protocol/command.ts";
import type { MechanismName, SocketTypeName } from "../protocol/constants.ts";
import type { ByteStream } from "../transports/byte-stream.ts";

/** One connection's engine, as sessions drive it. */
export interface Engine extends PipeEnd {
  /** Attach the socket-side pipe; from now on messages flow both ways. */
  attach(pipe: Pipe): void;
  /** Detach without closing the pipe (a connecting session keeps it for the next connection). */
  detach(): Pipe | null;
  /** The socket closed the pipe: flush for up to `linger` ms, then close. */
  close(linger: number): void;
  /** Close now. */
  destroy(): void;
  /** A command that bypasses the HWM (subscriptions); engines without commands ignore it. */
  sendPriority(msg: CommandMsg): void;
}

/** Why a connection ended. */
export type CloseKind = "protocol" | "auth" | "other" | "io";

export interface EngineClose {
  /** True if the connection ended before the handshake completed. */
  duringHandshake: boolean;
  error?: ZmqError;
  kind: CloseKind;
  /**
   * Whether a connecting side should try again (libzmq stops after a protocol or auth failure during the
   * handshake: stream_engine_base.cpp error(), session_base.cpp engine_error()).
   */
  retry: boolean;
  /** Closed without a handshake event (a refused ZMTP 2.0 peer, as libzmq does): only "disconnect". */
  quiet?: boolean;
}

/** The session side of an engine (the part every engine calls). */
export interface EngineSessionHost {
  /** The connection is ready for messages; the host attaches a pipe synchronously. */
  engineReady(engine: Engine, peer: PeerInfo): void;
  /** The connection is gone (called exactly once). */
  engineClosed(engine: Engine, info: EngineClose): void;
}

/** The session side of a ZMTP engine: also the socket's ZAP client. */
export interface EngineHost extends EngineSessionHost {
  zap(request: ZapRequest): Promise<ZapReply | null>;
}

/** Builds the engine for a new connection (see `SessionOwner.createEngine`). */
export type EngineFactory = (
  stream: ByteStream,
  host: EngineSessionHost,
  remoteAddress: string,
  peerAddress: string,
) => Engine;

/** A ZMTP engine's settings, from the socket's options. */
export interface EngineOptions {
  socketType: SocketTypeName;
  socketTypeNumber: number;
  routingId: Buffer;
  mechanism: MechanismName;
  mechanismFactory: MechanismFactory;
  security: SecurityOptions;
  asServer: boolean;
  handshakeInterval: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatTimeToLive: number;
  maxMessageSize: number;
  /** Extra metadata (application `X-` properties). */
  metadata: Properties;
  /** STREAM-like sockets that should skip the socket-type check. */
  skipTypeCheck?: boolean;
}
