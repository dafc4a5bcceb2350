/**
 * What a parked send() or receive() keeps until a pipe event, a timeout or close() settles it.
 */
import { ZmqError } from "../errors.ts";
import type { Msg } from "../pipe.ts";

/** A promise waiting in the socket: how to settle it, and its timeout. */
export interface Pending<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
}

/** A parked send: the message it retries with. */
export interface PendingSend extends Pending<void> {
  msg: Msg;
}

/**
 * A parked receive: the promise's own resolve/reject plus what shapes its value (`result`), and what
 * it resolves with instead of rejecting once the socket is closed (`whenClosed`: async iteration ends).
 * Kept as data, not as wrapper closures, so a wait allocates no functions.
 */
export interface PendingRecv<T> extends Pending<T> {
  result: (m: Msg) => T;
  whenClosed: (() => T) | null;
}

/** A send or receive that timed out, or was pending at close(). */
export function eagain(): ZmqError {
  return new ZmqError("EAGAIN", "Operation was not possible or timed out");
}

/** A second send() while one is pending (zeromq.js's text). */
export function sendBusy(): ZmqError {
  return new ZmqError("EBUSY", "Socket is busy writing; only one send operation may be in progress at any time");
}

/** A second receive() while one is pending. */
export function receiveBusy(): ZmqError {
  return new ZmqError("EBUSY", "Socket is busy reading; only one receive operation may be in progress at any time");
}

/** Any operation while a bind() or unbind() is in flight. */
export function bindBusy(): ZmqError {
  return new ZmqError("EBUSY", "Socket is blocked by a bind or unbind operation");
}
