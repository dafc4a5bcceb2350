/**
 * The contract between the socket base and the socket types, and the socket's internal side, as symbols:
 * none of it is a public property of a socket, and the package does not export these (ws keeps its
 * internals behind `kWebSocket` the same way).
 *
 * The x-hooks are libzmq's `socket_base_t` virtuals (`xattach_pipe`, `xsend`, `xrecv`, ...): a socket type
 * implements them with the routing strategies in routing/. The k-members are what the base offers them.
 * @internal
 */

// Hooks a socket type implements (see Socket in socket-base.ts for what each means).
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
