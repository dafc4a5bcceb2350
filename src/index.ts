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
export { Request } from "./sockets/request.ts";
export { Reply } from "./sockets/reply.ts";
export { Router, type RouterConnectOptions } from "./sockets/router.ts";
export { Stream, type StreamConnectOptions } from "./sockets/stream.ts";
export { Publisher } from "./sockets/publisher.ts";
export { Subscriber } from "./sockets/subscriber.ts";
export { XPublisher, type XPublisherVerbosity } from "./sockets/xpublisher.ts";
export { XSubscriber } from "./sockets/xsubscriber.ts";
export { Proxy } from "./proxy.ts";
export { Poller, type PollEvents, type PollItem, type PollOptions } from "./poller.ts";
export type { SocketOptions, EventSubscriber } from "./public-types.ts";
export { z85Encode, z85Decode } from "./protocol/z85.ts";
export { curveKeyPair, type CurveKeyPair } from "./mechanisms/curve-keys.ts";
export { curveReady } from "./mechanisms/curve-crypto.ts";
export {
  Authenticator,
  CURVE_ALLOW_ANY,
  type AuthDecision,
  type AuthenticatorOptions,
  type CurvePolicy,
} from "./security/authenticator.ts";
export {
  loadCertificate,
  saveCertificate,
  newCertificate,
  loadPublicKeysFromDirectory,
  type Certificate,
} from "./security/certificate.ts";

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
  draft: true,
};
