/**
 * `zocket/v5-compat`: the callback API of the `zeromq` 5.x package (`zmq.socket("rep")`, `bindSync`,
 * `on("message")`), as zeromq.js v6 keeps it in `zeromq/v5-compat`, built on zocket's socket classes.
 * Old programs run with only their `require` changed; docs/compatibility.md lists where this entry differs
 * from zeromq.js's and what both dropped from 5.x.
 */
import { context, curveKeyPair, version as libzmqVersion } from "../index.ts";
import type { MessageLike } from "../index.ts";
import { Socket } from "./socket.ts";
import type { SocketType } from "./constants.ts";

export * from "./constants.ts";
export { Socket, type SocketConstructor, type Callback } from "./socket.ts";

/** The libzmq version zocket speaks (5.x: `zmq_version()` of its native libzmq). */
export const version: string = libzmqVersion;

/** The context options by id, on the context every socket of this entry uses (zocket's default context). */
interface ContextIds {
  getInt32Option(id: number): number;
  setInt32Option(id: number, value: number): void;
}

/**
 * 5.x's `zmq.Context`: static accessors for the options of the one context all sockets share. As in
 * zeromq.js's compat it cannot be instantiated.
 */
export class Context {
  constructor() {
    throw new Error("Context cannot be instantiated in compatibility mode");
  }

  static setMaxThreads(value: number): void {
    context.ioThreads = value;
  }

  static getMaxThreads(): number {
    return context.ioThreads;
  }

  static setMaxSockets(value: number): void {
    context.maxSockets = value;
  }

  static getMaxSockets(): number {
    return context.maxSockets;
  }

  /** zmq_ctx_set by id: ZMQ_IO_THREADS (1), ZMQ_MAX_SOCKETS (2), and libzmq's other context options. */
  static setCtxOption(option: number, value: number): void {
    (context as unknown as ContextIds).setInt32Option(option, value);
  }

  /** zmq_ctx_get by id. */
  static getCtxOption(option: number): number {
    return (context as unknown as ContextIds).getInt32Option(option);
  }
}

/**
 * A new socket of `type` (a 5.x name or a ZMQ_* number); each key of `options` is then set as a property,
 * so `{ identity: "a", linger: 0 }` sets those options.
 */
export function createSocket(type: SocketType | number, options: Record<string, unknown> = {}): Socket {
  const sock = new Socket(type);
  for (const key of Object.keys(options)) sock[key] = options[key];
  return sock;
}

export { createSocket as socket };

/** A new CURVE key pair, Z85-encoded: `{ public, secret }` (5.x's names; the v6 API's are publicKey/secretKey). */
export function curveKeypair(): { public: string; secret: string } {
  const { publicKey, secretKey } = curveKeyPair();
  return { public: publicKey, secret: secretKey };
}

/** Sends each message to `to` as it was received, as one multipart message. */
function forward(from: Socket, to: Socket, capture: Socket | undefined, captureFrom: number): void {
  from.on("message", (...frames: MessageLike[]) => {
    to.send(frames);
    if (capture !== undefined) capture.send(captureFrom === 0 ? frames : frames.slice(captureFrom));
  });
}

/**
 * 5.x's `zmq.proxy()`, in JavaScript as 5.x's was: what `frontend` receives goes to `backend` and back. The
 * orders 5.x supported: push/pull (either way round), xpub/xsub and router/dealer (xrep/xreq). `capture`
 * gets a copy of what the backend sends back (for router/dealer, without the two envelope frames).
 */
export function proxy(frontend: Socket, backend: Socket, capture?: Socket): void {
  switch (`${frontend.type}/${backend.type}`) {
    case "push/pull":
    case "pull/push":
    case "xpub/xsub":
      forward(frontend, backend, undefined, 0);
      forward(backend, frontend, capture, 0);
      break;
    case "router/dealer":
    case "xrep/xreq":
      forward(frontend, backend, undefined, 0);
      forward(backend, frontend, capture, 2);
      break;
    default:
      throw new Error("This socket type order is not supported in compatibility mode");
  }
}
