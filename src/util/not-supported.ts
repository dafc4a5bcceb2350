/** The error for an operation a socket type does not have (PULL send(), PUSH receive(), ...). */
import { ZmqError } from "../errors.ts";

/** ENOTSUP naming the operation and the socket type. */
export function notSupported(op: string, type: string): ZmqError {
  return new ZmqError("ENOTSUP", `Operation ${op}() is not supported by ${type} sockets`);
}
