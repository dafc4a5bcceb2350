/**
 * What a session needs from the engine that runs one connection. {@link ZmtpEngine} speaks ZMTP;
 * {@link RawEngine} (STREAM sockets) passes raw bytes. A socket type picks its engine through the
 * optional `SessionOwner.createEngine` factory (default: ZMTP).
 */
import type { ByteStream } from "./byte-stream.ts";
import type { EngineClose } from "./zmtp-engine.ts";
import type { CommandMsg, PeerInfo, Pipe, PipeEnd } from "../pipe.ts";

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

/** The session side of an engine (the part every engine calls). */
export interface EngineSessionHost {
  /** The connection is ready for messages; the host attaches a pipe synchronously. */
  engineReady(engine: Engine, peer: PeerInfo): void;
  /** The connection is gone (called exactly once). */
  engineClosed(engine: Engine, info: EngineClose): void;
}

/** Builds the engine for a new connection (see `SessionOwner.createEngine`). */
export type EngineFactory = (stream: ByteStream, host: EngineSessionHost, remoteAddress: string, peerAddress: string) => Engine;
