/**
 * Fills the core's security hooks (src/sockets/security-hooks.ts) with the real Z85 codec, the PLAIN and
 * CURVE mechanisms and the ZAP client. Imported once by the package entry point.
 */
import { createCurveMechanism } from "../mechanisms/curve.ts";
import { createPlainMechanism } from "../mechanisms/plain.ts";
import { decodeKey, z85Encode } from "../protocol/z85.ts";
import { securityHooks } from "../sockets/security-hooks.ts";
import { zapRequest } from "./zap-client.ts";

securityHooks.decodeKey = decodeKey;
securityHooks.encodeKey = (key) => z85Encode(key);
securityHooks.mechanism = (name) => (name === "PLAIN" ? createPlainMechanism : createCurveMechanism);
securityHooks.zap = zapRequest;
