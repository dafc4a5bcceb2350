/**
 * src/security/authenticator.ts in the browser build. A ZAP handler authenticates connections a socket
 * accepts, and a page accepts none (it cannot bind), so the class is here only so that the API matches
 * the main entry: constructing one is ENOTSUP.
 */
import { ZmqError } from "../errors.ts";
import type { AuthenticatorOptions } from "../security/authenticator.ts";

export type { AuthDecision, AuthenticatorOptions, CurvePolicy } from "../security/authenticator.ts";

export const CURVE_ALLOW_ANY = "*";

export class Authenticator {
  constructor(_options: AuthenticatorOptions = {}) {
    throw new ZmqError(
      "ENOTSUP",
      "Authenticator: a browser accepts no connections, so there is nothing to authenticate",
    );
  }
}
