/**
 * The seam between the socket core and the security code (Z85 keys, PLAIN/CURVE mechanisms, the ZAP
 * client). The core needs only these functions; `src/security/install.ts` fills them in when the
 * package entry point loads, which keeps the core free of crypto imports and import cycles.
 */
import { ZmqError } from "../errors.ts";
import type { Context } from "../context.ts";
import type { MechanismFactory, SecurityOptions, ZapReply, ZapRequest } from "../mechanisms/mechanism.ts";
import type { MechanismName } from "../protocol/constants.ts";

export interface SecurityHooks {
  /** 40-char Z85 or 32 raw bytes -> 32 bytes; throws EINVAL. */
  decodeKey(value: string | Uint8Array, optionName: string): Buffer;
  /** 32 bytes -> Z85. */
  encodeKey(key: Buffer): string;
  mechanism(name: Exclude<MechanismName, "NULL">, security: SecurityOptions): MechanismFactory;
  /**
   * Ask the ZAP handler bound at inproc://zeromq.zap.01 in this context; null when none is bound.
   * Rejects only with a ProtocolError (ERR_ZAP_*) for a malformed reply.
   */
  zap(context: Context, request: ZapRequest): Promise<ZapReply | null>;
}

export const securityHooks: SecurityHooks = {
  decodeKey(): Buffer {
    throw new ZmqError("ENOTSUP", "CURVE keys need the security module (import from the package entry point)");
  },
  encodeKey(key: Buffer): string {
    return key.toString("hex");
  },
  mechanism(name): MechanismFactory {
    throw new ZmqError("ENOTSUP", `Mechanism ${name} needs the security module (import from the package entry point)`);
  },
  zap(): Promise<ZapReply | null> {
    return Promise.resolve(null);
  },
};
