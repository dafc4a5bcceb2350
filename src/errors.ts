/**
 * Errors. Every error zocket throws or rejects with is a {@link ZmqError} carrying a stable string
 * `code`. Codes follow zeromq.js (which follows libzmq's errno names) wherever one exists; the
 * list with their meanings is in docs/errors.md.
 */

/** errno values as libzmq/Linux report them; zeromq.js exposes them as `err.errno`. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EBADF: 9,
  ENODEV: 19,
  EAGAIN: 11,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EINVAL: 22,
  EMFILE: 24,
  EPROTO: 71,
  EMSGSIZE: 90,
  EPROTONOSUPPORT: 93,
  ENOTSOCK: 88,
  ENOTSUP: 95,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EFSM: 156384763,
  ENOCOMPATPROTO: 156384764,
  ETERM: 156384765,
  EMTHREAD: 156384766,
} as const;

/** Codes of protocol failures during a handshake, as zeromq.js reports them (`ProtoError`). */
export type ProtoErrorCode =
  | "ERR_ZMTP_UNSPECIFIED"
  | "ERR_ZMTP_UNEXPECTED_COMMAND"
  | "ERR_ZMTP_INVALID_SEQUENCE"
  | "ERR_ZMTP_KEY_EXCHANGE"
  | "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED"
  | "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE"
  | "ERR_ZMTP_MALFORMED_COMMAND_HELLO"
  | "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"
  | "ERR_ZMTP_MALFORMED_COMMAND_ERROR"
  | "ERR_ZMTP_MALFORMED_COMMAND_READY"
  | "ERR_ZMTP_MALFORMED_COMMAND_WELCOME"
  | "ERR_ZMTP_INVALID_METADATA"
  | "ERR_ZMTP_CRYPTOGRAPHIC"
  | "ERR_ZMTP_MECHANISM_MISMATCH"
  | "ERR_ZAP_UNSPECIFIED"
  | "ERR_ZAP_MALFORMED_REPLY"
  | "ERR_ZAP_BAD_REQUEST_ID"
  | "ERR_ZAP_BAD_VERSION"
  | "ERR_ZAP_INVALID_STATUS_CODE"
  | "ERR_ZAP_INVALID_METADATA";

/** The one error class of zocket. `code` is stable; `message` says what to fix. */
export class ZmqError extends Error {
  readonly code: string;
  readonly errno: number;
  /** The endpoint concerned, when there is one. */
  address?: string;

  constructor(code: string, message: string, options?: { cause?: unknown; address?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ZmqError";
    this.code = code;
    this.errno = (ERRNO as Record<string, number>)[code] ?? 0;
    if (options?.address !== undefined) this.address = options.address;
  }
}

/** A handshake failure caused by the peer's bytes (zeromq.js `ProtoError`). */
export class ProtocolError extends ZmqError {
  constructor(code: ProtoErrorCode, message: string) {
    super(code, message);
    this.name = "ProtocolError";
  }
}

/** A ZAP refusal (zeromq.js `AuthError`): `status` is the ZAP status code. */
export class AuthError extends ZmqError {
  readonly status: 300 | 400 | 500;
  constructor(status: 300 | 400 | 500, message: string) {
    super("EACCES", message);
    this.name = "AuthError";
    this.status = status;
  }
}
