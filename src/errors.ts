/**
 * Errors. Every error zocket throws or rejects with (beyond the TypeErrors of a wrong argument type or
 * count, as zeromq.js) is a {@link ZmqError} with a stable string `code`, its `errno` and the very
 * `message` zeromq.js gives for that code; zocket's own explanation of what went wrong and what to do is
 * in `hint`. The table below is the one source of those texts; docs/errors.md lists it.
 */
/**
 * Per code: the errno libzmq/Linux reports and the message zeromq.js shows — its own text for a few
 * codes (`src/util/error.h` ErrnoMessage), else libzmq's zmq_strerror (Linux strerror; libzmq's own
 * texts for EFSM, ENOCOMPATPROTO, ETERM, EMTHREAD and EHOSTUNREACH).
 */
const TABLE = {
  EPERM: [1, "Operation not permitted"],
  ENOENT: [2, "No such endpoint"],
  EINTR: [4, "Interrupted system call"],
  EBADF: [9, "Socket is closed"],
  EAGAIN: [11, "Operation was not possible or timed out"],
  ENOMEM: [12, "Cannot allocate memory"],
  EACCES: [13, "Permission denied"],
  EFAULT: [14, "Context is closed"],
  EBUSY: [16, "Socket is busy"],
  ENODEV: [19, "No such device"],
  ENOTDIR: [20, "Not a directory"],
  EINVAL: [22, "Invalid argument"],
  EMFILE: [24, "Too many open file descriptors"],
  EPIPE: [32, "Broken pipe"],
  ENAMETOOLONG: [36, "File name too long"],
  EPROTO: [71, "Protocol error"],
  ENOTSOCK: [88, "Socket operation on non-socket"],
  EMSGSIZE: [90, "Message too long"],
  EPROTONOSUPPORT: [93, "Protocol not supported"],
  ENOTSUP: [95, "Operation not supported"],
  EAFNOSUPPORT: [97, "Address family not supported by protocol"],
  EADDRINUSE: [98, "Address already in use"],
  EADDRNOTAVAIL: [99, "Cannot assign requested address"],
  ENETDOWN: [100, "Network is down"],
  ENETUNREACH: [101, "Network is unreachable"],
  ECONNABORTED: [103, "Software caused connection abort"],
  ECONNRESET: [104, "Connection reset by peer"],
  ENOBUFS: [105, "No buffer space available"],
  ENOTCONN: [107, "Transport endpoint is not connected"],
  ETIMEDOUT: [110, "Connection timed out"],
  ECONNREFUSED: [111, "Connection refused"],
  EHOSTUNREACH: [113, "Host unreachable"],
  EFSM: [156384763, "Operation cannot be accomplished in current state"],
  ENOCOMPATPROTO: [156384764, "The protocol is not compatible with the socket type"],
  ETERM: [156384765, "Context was terminated"],
  EMTHREAD: [156384766, "No thread available"],
} as const satisfies Record<string, readonly [number, string]>;

/** A code of {@link ERRNO}: an errno name as libzmq and zeromq.js use it. */
export type ErrnoCode = keyof typeof TABLE;

function column<I extends 0 | 1>(i: I): { readonly [K in ErrnoCode]: (typeof TABLE)[K][I] } {
  const out: Record<string, unknown> = {};
  for (const [code, row] of Object.entries(TABLE)) out[code] = row[i];
  return Object.freeze(out) as { readonly [K in ErrnoCode]: (typeof TABLE)[K][I] };
}

/** errno values as libzmq/Linux report them; zeromq.js exposes them as `err.errno`. */
export const ERRNO = column(0);

/** The `message` of a {@link ZmqError} for each code: zeromq.js's text. */
export const MESSAGES = column(1);

/**
 * zeromq.js's messages that say more than the code's text (thrown by it with that code). Passed as the
 * explanation, one of these becomes the message itself.
 */
export const SPECIFIC_MESSAGES: readonly string[] = [
  "Socket is busy writing; only one send operation may be in progress at any time",
  "Socket is busy reading; only one receive operation may be in progress at any time",
  "Socket is blocked by a bind or unbind operation",
  "Observer is busy reading; only one receive operation may be in progress at any time",
  "Front-end socket must be bound or connected",
  "Back-end socket must be bound or connected",
];

/** zeromq.js's messages of an {@link AuthError}, by ZAP status code (`observer.cc` AuthError). */
export const AUTH_MESSAGES = { 300: "Temporary error", 400: "Authentication failure", 500: "Internal error" } as const;

/** The message of a code: zeromq.js's text, or `fallback` for a code outside the table. */
export function messageOf(code: string, fallback: string): string {
  return Object.hasOwn(MESSAGES, code) ? MESSAGES[code as ErrnoCode] : fallback;
}

/** zeromq.js's check of an argument count: a TypeError when a call gets more than `max` arguments. */
export function checkArgumentCount(count: number, max: number): void {
  if (count > max) throw new TypeError(`Expected ${max} argument${max === 1 ? "" : "s"} but received ${count}`);
}

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

export interface ZmqErrorOptions {
  cause?: unknown;
  /** The endpoint concerned (zeromq.js sets it on bind/connect/unbind/disconnect errors). */
  address?: string;
  /** The message, when zeromq.js has a text of its own for this case (else the code's). */
  message?: string;
}

/**
 * The error class of zocket: an `Error` with zeromq.js's `code`, `errno` and `message`, plus `hint`,
 * zocket's explanation (an own enumerable property, so Node prints it with the error; the CLI shows it).
 */
export class ZmqError extends Error {
  readonly code: string;
  readonly errno: number;
  /** What went wrong in this case, and what to do: zocket's explanation beside zeromq.js's message. */
  readonly hint: string;
  /** The endpoint concerned, when there is one (not an own property otherwise, as in zeromq.js). */
  declare address?: string;

  /**
   * @param code An errno name (`EINVAL`, ...) or a zeromq.js `ERR_*` code.
   * @param hint zocket's explanation. One of zeromq.js's {@link SPECIFIC_MESSAGES} is the message instead.
   */
  constructor(code: string, hint: string, options?: ZmqErrorOptions) {
    const message = options?.message ?? (SPECIFIC_MESSAGES.includes(hint) ? hint : messageOf(code, hint));
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errno = Object.hasOwn(ERRNO, code) ? ERRNO[code as ErrnoCode] : 0;
    this.hint = hint;
    if (options?.address !== undefined) this.address = options.address;
  }
}

/** A handshake failure caused by the peer's bytes (zeromq.js `ProtoError`: "ZMTP/ZAP protocol error"). */
export class ProtocolError extends ZmqError {
  constructor(code: ProtoErrorCode, hint: string) {
    super(code, hint, { message: code.startsWith("ERR_ZAP_") ? "ZAP protocol error" : "ZMTP protocol error" });
  }
}

/** A ZAP refusal (zeromq.js `AuthError`): `status` is the ZAP status code, the message zeromq.js's text. */
export class AuthError extends ZmqError {
  readonly status: 300 | 400 | 500;
  constructor(status: 300 | 400 | 500, hint: string) {
    super("EACCES", hint, { message: AUTH_MESSAGES[status] });
    this.status = status;
  }
}

// The names live on the prototypes, as Error's own does: an error's own keys are its data only.
for (const [cls, name] of [
  [ZmqError, "ZmqError"],
  [ProtocolError, "ProtocolError"],
  [AuthError, "AuthError"],
] as const) {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
}
