/**
 * CURVE certificates in czmq's file format (ZPL, RFC 4), readable by czmq's zcert, pyzmq's
 * `zmq.auth.load_certificate` and JeroMQ's ZCert:
 *
 * ```
 * #   ****  Generated on 2026-01-01 00:00:00 by zocket  ****
 * #   ZeroMQ CURVE Public Certificate
 * metadata
 *     name = "server"
 * curve
 *     public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
 * ```
 * The secret file (`NAME_secret`) has the same layout plus `secret-key`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ZmqError } from "../errors.ts";
import { curveKeyPair } from "../mechanisms/curve-keys.ts";
import { z85Decode } from "../protocol/z85.ts";

export interface Certificate {
  /** Z85, 40 characters. */
  publicKey: string;
  /** Z85, 40 characters; absent in a public certificate. */
  secretKey?: string;
  metadata: Record<string, string>;
}

/** Parse a ZPL document into nested sections: `{ metadata: {...}, curve: {"public-key": ...} }`. */
export function parseZpl(text: string): Record<string, Record<string, string>> {
  // Null-prototype objects: a file naming a section or key "__proto__" must not reach Object.prototype.
  const out: Record<string, Record<string, string>> = Object.create(null) as Record<string, Record<string, string>>;
  let section: Record<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, "");
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    const eq = body.indexOf("=");
    if (indent === 0) {
      const name = (eq === -1 ? body : body.slice(0, eq)).trim();
      section = out[name] ?? (out[name] = Object.create(null) as Record<string, string>);
      continue;
    }
    if (section === null || eq === -1) continue;
    const key = body.slice(0, eq).trim();
    let value = body.slice(eq + 1).trim();
    // Values may be quoted with " or '; a trailing comment follows unquoted values.
    const q = value[0];
    if ((q === '"' || q === "'") && value.lastIndexOf(q) > 0) value = value.slice(1, value.lastIndexOf(q));
    else value = value.replace(/\s+#.*$/, "");
    section[key] = value;
  }
  return out;
}

function checkKey(key: string | undefined, what: string, file: string): string {
  if (key === undefined || key.length !== 40 || z85Decode(key) === undefined) {
    throw new ZmqError("EINVAL", `${file}: ${what} must be a 40-character Z85 key`);
  }
  return key;
}

/** Read a certificate file (public or secret). */
export function loadCertificate(file: string): Certificate {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new ZmqError("ENOENT", `Cannot read certificate ${file}: ${(err as Error).message}`, { cause: err });
  }
  const zpl = parseZpl(text);
  const curve = zpl["curve"];
  if (!curve) throw new ZmqError("EINVAL", `${file}: not a CURVE certificate (no "curve" section)`);
  const cert: Certificate = {
    publicKey: checkKey(curve["public-key"], "public-key", file),
    metadata: { ...(zpl["metadata"] ?? {}) },
  };
  if (curve["secret-key"] !== undefined) cert.secretKey = checkKey(curve["secret-key"], "secret-key", file);
  return cert;
}

/** ZPL names (RFC 4): letters, digits and `$ - _ @ . & + /`. */
const ZPL_NAME = /^[A-Za-z0-9$\-_@.&+/]+$/;

function checkMetadata(metadata: Record<string, string>): void {
  for (const [k, v] of Object.entries(metadata)) {
    if (!ZPL_NAME.test(k))
      throw new ZmqError("EINVAL", `Certificate metadata name "${k}" must use only letters, digits and $-_@.&+/`);
    if (/[\r\n]/.test(v)) throw new ZmqError("EINVAL", `Certificate metadata "${k}" must be a single line`);
  }
}

function render(cert: Certificate, secret: boolean): string {
  const now = new Date().toISOString().replace("T", " ").slice(0, 19);
  const lines = [`#   ****  Generated on ${now} by zocket  ****`];
  if (secret) {
    lines.push(
      "#   ZeroMQ CURVE **Secret** Certificate",
      "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.",
    );
  } else {
    lines.push(
      "#   ZeroMQ CURVE Public Certificate",
      "#   Exchange securely, or use a secure mechanism to verify the contents",
      "#   of this file after exchange. Store public certificates in your home",
      "#   directory, in the .curve subdirectory.",
    );
  }
  lines.push("", "metadata");
  for (const [k, v] of Object.entries(cert.metadata)) lines.push(`    ${k} = "${v.replace(/"/g, "'")}"`);
  lines.push("curve", `    public-key = "${cert.publicKey}"`);
  if (secret && cert.secretKey) lines.push(`    secret-key = "${cert.secretKey}"`);
  return lines.join("\n") + "\n";
}

/**
 * Write `file` (public) and `file_secret` (secret, mode 0600) as czmq does (`zcert_save`).
 * Returns the two paths. Name the file `NAME.key` to match pyzmq, whose `create_certificates` writes
 * `NAME.key` / `NAME.key_secret` and whose `load_certificates(dir)` reads only `*.key` files.
 */
export function saveCertificate(cert: Certificate, file: string): { publicFile: string; secretFile: string } {
  checkKey(cert.publicKey, "publicKey", file);
  if (cert.secretKey !== undefined) checkKey(cert.secretKey, "secretKey", file);
  checkMetadata(cert.metadata);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, render(cert, false));
  const secretFile = `${file}_secret`;
  if (cert.secretKey) {
    fs.writeFileSync(secretFile, render(cert, true), { mode: 0o600 });
    // `mode` applies only when the file is created: an existing secret file is narrowed too.
    fs.chmodSync(secretFile, 0o600);
  }
  return { publicFile: file, secretFile };
}

/** A fresh key pair as a certificate. */
export function newCertificate(metadata: Record<string, string> = {}): Certificate & { secretKey: string } {
  const kp = curveKeyPair();
  return { publicKey: kp.publicKey, secretKey: kp.secretKey, metadata };
}

/**
 * Public keys of every readable certificate in a directory, without duplicates (a `NAME_secret` file
 * repeats its public key). Like czmq's zcertstore, every file counts and unreadable ones are skipped;
 * pyzmq's `load_certificates` reads only `*.key` files, so name files that way for both.
 */
export function loadPublicKeysFromDirectory(dir: string): string[] {
  const keys = new Set<string>();
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    try {
      if (!fs.statSync(full).isFile()) continue;
      keys.add(loadCertificate(full).publicKey);
    } catch {
      // not a certificate: ignored, as czmq's zcertstore does
    }
  }
  return [...keys];
}
