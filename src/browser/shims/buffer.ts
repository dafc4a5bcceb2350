/**
 * `node:buffer` in the browser build: the `buffer` package's Buffer (a Uint8Array subclass with Node's
 * methods), and the constants the codecs read.
 */
import { Buffer } from "buffer";

export { Buffer };

/** Node's limits: a Buffer (a typed array) holds at most 2^32 - 1 bytes in today's engines; be modest. */
export const constants = { MAX_LENGTH: 0x7fffffff, MAX_STRING_LENGTH: 0x1fffffe8 } as const;
export const kMaxLength = constants.MAX_LENGTH;
