/**
 * zocket — ZeroMQ in pure TypeScript. The API follows zeromq.js v6: switching is a one-line change.
 */
import "./security/install.ts";

export { ZmqError, ProtocolError, AuthError } from "./errors.ts";
export { Context, context } from "./context.ts";
export { Socket, type MessageLike, type Message, type Readable, type Writable } from "./sockets/socket-base.ts";
export { Observer, type Event, type EventType, type EventOfType } from "./sockets/observer.ts";
export { Pair } from "./sockets/pair.ts";
export { Push } from "./sockets/push.ts";
export { Pull } from "./sockets/pull.ts";
export { Dealer } from "./sockets/dealer.ts";

/** The libzmq version zocket is wire-compatible with. */
export const version = "4.3.5";

/** What this build supports (zeromq.js `capability`). */
export const capability: Partial<Record<"ipc" | "pgm" | "tipc" | "norm" | "curve" | "gssapi" | "draft", boolean>> = {
  ipc: true,
  pgm: false,
  tipc: false,
  norm: false,
  curve: true,
  gssapi: false,
  draft: false,
};
