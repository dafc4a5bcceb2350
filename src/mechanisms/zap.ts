/**
 * ZAP (RFC 27) as the mechanisms apply it: a server settles a ZAP reply the way libzmq's `zap_client_t`
 * does, and a client maps an ERROR reason to an authentication status.
 */
import type { Buffer } from "node:buffer";
import { AuthError } from "../errors.ts";
import { encodeError } from "../protocol/command.ts";
import type { MechanismName } from "../protocol/constants.ts";
import type { MechanismHost, ZapReply } from "./mechanism.ts";

/** Map an ERROR reason ("300"/"400"/"500" from libzmq) to an AuthError status; anything else counts as 400. */
export function authStatusOf(reason: string): 300 | 400 | 500 {
  return reason === "300" ? 300 : reason === "500" ? 500 : 400;
}

/**
 * Apply a ZAP reply on the server side as libzmq's `zap_client_t` does (docs/zmtp-notes.md §3): 200 ->
 * true (the caller continues); 300 -> silent failure; 400/500 -> ERROR with the status, then failure.
 * `encodeErrorCommand` builds the ERROR body (PLAIN sends libzmq's own malformed form).
 */
export function settleZapReply(
  host: MechanismHost,
  reply: ZapReply,
  mechanism: MechanismName,
  encodeErrorCommand: (reason: string) => Buffer = encodeError,
): boolean {
  if (reply.statusCode === "200") return true;
  const status = reply.statusCode === "300" ? 300 : reply.statusCode === "400" ? 400 : 500;
  const text = reply.statusText === "" ? "" : ` (${reply.statusText})`;
  // libzmq: a 300 (temporary failure) closes without ERROR, as the CurveZMQ RFC asks (zap_client.cpp).
  if (status !== 300) host.sendCommand(encodeErrorCommand(reply.statusCode));
  const why = `${mechanism} authentication refused by the ZAP handler: ${reply.statusCode}${text}`;
  host.fail(new AuthError(status, why), "auth");
  return false;
}
