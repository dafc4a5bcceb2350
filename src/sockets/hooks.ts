/**
 * The contract between the socket base and the socket types, and the socket's internal side, as symbols:
 * none of it is a public property of a socket, and the package does not export these (ws keeps its
 * internals behind `kWebSocket` the same way).
 *
 * The x-hooks are libzmq's `socket_base_t` virtuals (`xattach_pipe`, `xsend`, `xrecv`, ...): a socket type
 * implements them with the routing strategies in routing/ ({@link SocketHooks} declares each, with its
 * default). The k-members are what the base offers them.
 * @internal
 */
import type { Engine, EngineSessionHost } from "../engine/engine.ts";
import type { Msg, Pipe } from "../pipe.ts";
import type { ByteStream } from "../transports/byte-stream.ts";

// Hooks a socket type implements (SocketHooks, below, says what each means).
export const xattach = Symbol("xattach");
export const xsend = Symbol("xsend");
export const xrecv = Symbol("xrecv");
export const xhasIn = Symbol("xhasIn");
export const xhasOut = Symbol("xhasOut");
export const xreadable = Symbol("xreadable");
export const xwritable = Symbol("xwritable");
export const xterminated = Symbol("xterminated");
export const xpeerTerminated = Symbol("xpeerTerminated");
export const xhiccup = Symbol("xhiccup");
export const xneedsPeer = Symbol("xneedsPeer");
export const xpeerKnown = Symbol("xpeerKnown");
export const xacceptsPipe = Symbol("xacceptsPipe");
export const xclosed = Symbol("xclosed");
export const xcreateEngine = Symbol("xcreateEngine");

// What the base offers socket types.
export const kOptions = Symbol("zocket.options");
export const kRetryPending = Symbol("zocket.retryPending");
export const kEnginePipe = Symbol("zocket.enginePipe");
export const kReceivesNow = Symbol("zocket.receivesNow");
export const kWaiting = Symbol("zocket.waiting");
export const kTerminatePipe = Symbol("zocket.terminatePipe");
export const kConnectEndpoint = Symbol("zocket.connectEndpoint");

// The socket's internal side: its SocketCore (pipes, sessions, inproc) and the pipe events it forwards.
export const kCore = Symbol("zocket.core");
export const kPipeReadable = Symbol("zocket.pipeReadable");
export const kPipeWritable = Symbol("zocket.pipeWritable");

// Readiness for pollers (src/poller.ts): who is told of readiness transitions, and a guarded readiness check.
export const kWatch = Symbol("zocket.watch");
export const kReadiness = Symbol("zocket.readiness");

// Between the socket's two halves: its public API (socket-base.ts) and its sending and receiving (socket-ops.ts).
export const kCheckOpen = Symbol("zocket.checkOpen");
export const kBlockDuring = Symbol("zocket.blockDuring");
export const kClose = Symbol("zocket.close");

/**
 * The x-hooks as a socket type sees them: the three every type implements, and the rest with what they do
 * by default. The bottom of every socket's class chain (SocketHooks, SocketOps, Socket, then the type).
 */
export abstract class SocketHooks {
  /** @internal A new pipe. */
  abstract [xattach](pipe: Pipe): void;
  /** @internal Try to queue a message; false = would block (EAGAIN). May throw EFSM/EHOSTUNREACH... */
  abstract [xsend](msg: Msg): boolean;
  /** @internal Next message or undefined. */
  abstract [xrecv](): Msg | undefined;
  /** @internal A message could be received now. */
  [xhasIn](): boolean {
    return false;
  }
  /** @internal A message could be sent now. */
  [xhasOut](): boolean {
    return false;
  }
  /** @internal A pipe has messages to read. */
  [xreadable](_pipe: Pipe): void {}
  /** @internal A pipe has room to write. */
  [xwritable](_pipe: Pipe): void {}
  /** @internal A pipe is gone: its peer ended it, or the socket did (messages already queued stay readable). */
  [xterminated](_pipe: Pipe): void {}
  /** @internal The peer ended a pipe (not the socket); runs before xterminated. */
  [xpeerTerminated](_pipe: Pipe): void {}
  /** @internal A connecting pipe got a new connection (libzmq xhiccuped). */
  [xhiccup](_pipe: Pipe): void {}
  /** @internal True for types that need the peer's identity before a pipe exists (ROUTER). */
  [xneedsPeer](): boolean {
    return false;
  }
  /** @internal A pipe made before the handshake learned its peer; false leaves the connection unattached. */
  [xpeerKnown](_pipe: Pipe): boolean {
    return true;
  }
  /** @internal False refuses a new pipe (PAIR with a peer already). */
  [xacceptsPipe](): boolean {
    return true;
  }
  /** @internal The socket closed. */
  [xclosed](): void {}
  /** @internal The engine of a new tcp/ipc connection, when it is not ZMTP (STREAM's raw engine). */
  [xcreateEngine]?(stream: ByteStream, host: EngineSessionHost, remoteAddress: string, peerAddress: string): Engine;
}
