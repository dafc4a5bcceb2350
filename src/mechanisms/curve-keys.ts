/** CURVE key pairs as applications handle them: Z85 text, as zeromq.js `curveKeyPair()` returns. */
import { z85Encode } from "../protocol/z85.ts";
import { generateKeyPair } from "./curve-crypto.ts";

/** A CURVE key pair as 40-character Z85 strings (zeromq.js `curveKeyPair()`). */
export interface CurveKeyPair {
  publicKey: string;
  secretKey: string;
}

/** Generate a fresh CURVE (X25519) key pair, Z85-encoded like `zmq_curve_keypair`. */
export function curveKeyPair(): CurveKeyPair {
  const { publicKey, secretKey } = generateKeyPair();
  return { publicKey: z85Encode(publicKey), secretKey: z85Encode(secretKey) };
}
