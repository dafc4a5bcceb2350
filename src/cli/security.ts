/**
 * Security options shared by every socket command: CURVE (server, client, keys from the command line
 * or czmq certificate files), PLAIN, and a ZAP handler for address filters and client allow lists.
 *
 * Everything is checked before a socket exists, so a malformed key is a one-line usage error (exit 2)
 * rather than a failed handshake later.
 */
import { existsSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { Authenticator, type Socket } from "../index.ts";
import { loadCertificate, type Certificate } from "../security/certificate.ts";
import { flag, RuntimeFailure, str, strs, UsageError, type OptionTable, type ParsedValues } from "./args.ts";
import { curveKeyPair, z85Decode } from "./lib.ts";
import { hintOf, type Runtime } from "./runtime.ts";

export const SECURITY_OPTIONS: OptionTable = {
  "curve-server": {
    type: "boolean",
    help: "be a CURVE server; keys from --curve-cert/--curve-secret-key, else a fresh pair (its public key is printed on stderr)",
  },
  "curve-server-key": {
    type: "string",
    value: "KEY|FILE",
    help: "be a CURVE client of the server with this public key (40-char Z85, or a certificate file)",
  },
  "curve-cert": {
    type: "string",
    value: "FILE",
    help: "this socket's key pair from a czmq certificate (reads FILE_secret when it exists)",
  },
  "curve-public-key": { type: "string", value: "KEY", help: "this socket's public key (Z85)" },
  "curve-secret-key": { type: "string", value: "KEY", help: "this socket's secret key (Z85)" },
  "curve-allow": {
    type: "string",
    multiple: true,
    value: "KEY|FILE|DIR",
    help: "CURVE server: accept only these client keys (Z85, certificate files or a directory of them)",
  },
  plain: {
    type: "string",
    multiple: true,
    value: "USER:PASS",
    help: "PLAIN client credentials; with --plain-server, a user to accept",
  },
  "plain-server": { type: "boolean", help: "be a PLAIN server that accepts the --plain users" },
  "zap-allow": {
    type: "string",
    multiple: true,
    value: "ADDR",
    help: "accept peers only from this IP address or CIDR range (runs a ZAP handler)",
  },
  "zap-deny": {
    type: "string",
    multiple: true,
    value: "ADDR",
    help: "refuse peers from this IP address or CIDR range",
  },
  "zap-domain": { type: "string", value: "DOMAIN", help: "the socket's ZAP domain" },
};

/** Is `s` a CURVE key in Z85 (40 characters that decode to 32 bytes)? */
function isZ85Key(s: string): boolean {
  return s.length === 40 && z85Decode(s) !== undefined;
}

function badKey(option: string, value: string, alsoFile: boolean): UsageError {
  const shown = value.length > 48 ? value.slice(0, 45) + "..." : value;
  return new UsageError(
    `${option}: expected a 40-character Z85 key${alsoFile ? " or a certificate file" : ""}, got "${shown}" (${value.length} characters${value.length === 40 ? ", not valid Z85" : ""})`,
  );
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Read a certificate for an option, as czmq's zcert_load: FILE_secret first, then FILE. */
function readCert(option: string, file: string, needSecret: boolean): Certificate {
  let cert: Certificate | undefined;
  let lastError = "";
  for (const f of needSecret ? [file + "_secret", file] : [file, file + "_secret"]) {
    if (!isFile(f)) continue;
    try {
      cert = loadCertificate(f);
    } catch (err) {
      lastError = hintOf(err) ?? (err as Error).message;
      continue;
    }
    if (!needSecret || cert.secretKey !== undefined) return cert;
  }
  if (cert !== undefined)
    throw new UsageError(
      `${option}: ${file} has no secret key (use the NAME_secret file that zocket keygen NAME wrote)`,
    );
  if (lastError !== "") throw new UsageError(`${option}: ${lastError}`);
  throw new UsageError(`${option}: no certificate file "${file}"`);
}

/** A public key given as Z85 or as a certificate file. */
function publicKeyArg(option: string, value: string): string {
  if (isZ85Key(value)) return value;
  if (isFile(value) || isFile(value + "_secret")) return readCert(option, value, false).publicKey;
  throw badKey(option, value, true);
}

function secretKeyArg(option: string, value: string): string {
  if (isZ85Key(value)) return value;
  throw badKey(option, value, false);
}

function addressArg(option: string, value: string): string {
  const slash = value.indexOf("/");
  const addr = slash === -1 ? value : value.slice(0, slash);
  const fam = isIP(addr);
  const prefix = slash === -1 ? 0 : Number(value.slice(slash + 1));
  if (
    fam === 0 ||
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > (fam === 6 ? 128 : 32) ||
    (slash !== -1 && value.slice(slash + 1) === "")
  ) {
    throw new UsageError(`${option}: "${value}" is not an IP address or CIDR range (e.g. 127.0.0.1, 10.0.0.0/8, ::1)`);
  }
  return value;
}

function credentials(option: string, value: string): [string, string] {
  const i = value.indexOf(":");
  if (i <= 0) throw new UsageError(`${option}: expected USER:PASSWORD, got "${value}"`);
  return [value.slice(0, i), value.slice(i + 1)];
}

/** What the security options asked for, validated. */
export interface SecurityPlan {
  mechanism: "NULL" | "PLAIN" | "CURVE";
  /** Set the options on a socket. */
  apply(sock: Socket): void;
  /** Start the ZAP handler when one is needed (before binding). */
  start(rt: Runtime, verbose: boolean): Promise<void>;
  /** Lines worth printing (e.g. a generated server key). */
  notes: string[];
}

/** Validate the security options of a command. Throws {@link UsageError} on bad input. */
export function planSecurity(v: ParsedValues): SecurityPlan {
  const curveServer = flag(v, "curve-server");
  const serverKeyArg = str(v, "curve-server-key");
  const certArg = str(v, "curve-cert");
  const pubArg = str(v, "curve-public-key");
  const secArg = str(v, "curve-secret-key");
  const allowArgs = strs(v, "curve-allow");
  const plainArgs = strs(v, "plain");
  const plainServer = flag(v, "plain-server");
  const zapAllow = strs(v, "zap-allow").map((a) => addressArg("--zap-allow", a));
  const zapDeny = strs(v, "zap-deny").map((a) => addressArg("--zap-deny", a));
  const zapDomain = str(v, "zap-domain");

  const curve = curveServer || serverKeyArg !== undefined;
  const plain = plainServer || plainArgs.length > 0;
  if (curveServer && serverKeyArg !== undefined)
    throw new UsageError("--curve-server and --curve-server-key exclude each other (server or client?)");
  if (curve && plain) throw new UsageError("choose one mechanism: CURVE (--curve-*) or PLAIN (--plain*)");
  if (!curve && (certArg !== undefined || pubArg !== undefined || secArg !== undefined)) {
    throw new UsageError("CURVE keys given without --curve-server or --curve-server-key");
  }
  if (allowArgs.length > 0 && !curveServer) throw new UsageError("--curve-allow needs --curve-server");
  if (certArg !== undefined && (pubArg !== undefined || secArg !== undefined))
    throw new UsageError("--curve-cert and --curve-public-key/--curve-secret-key exclude each other");
  if (plainServer && plainArgs.length === 0)
    throw new UsageError("--plain-server needs at least one --plain USER:PASSWORD to accept");
  if (!plainServer && plainArgs.length > 1) throw new UsageError("a PLAIN client takes one --plain USER:PASSWORD");

  const notes: string[] = [];
  let publicKey: string | undefined;
  let secretKey: string | undefined;
  let serverKey: string | undefined;
  if (curve) {
    if (certArg !== undefined) {
      const c = readCert("--curve-cert", certArg, true);
      publicKey = c.publicKey;
      secretKey = c.secretKey;
    } else {
      if (pubArg !== undefined) publicKey = secretKeyArg("--curve-public-key", pubArg);
      if (secArg !== undefined) secretKey = secretKeyArg("--curve-secret-key", secArg);
    }
    if (serverKeyArg !== undefined) serverKey = publicKeyArg("--curve-server-key", serverKeyArg);
    if (secretKey === undefined) {
      if (publicKey !== undefined) throw new UsageError("--curve-public-key needs --curve-secret-key too");
      const kp = curveKeyPair();
      publicKey = kp.publicKey;
      secretKey = kp.secretKey;
      if (curveServer) notes.push(`CURVE server public key: ${publicKey} (clients: --curve-server-key ${publicKey})`);
    } else if (curveServer && publicKey === undefined) {
      // A server needs only its secret key (libzmq); the public key is not derivable here without
      // the crypto module, and not needed.
    } else if (!curveServer && publicKey === undefined) {
      throw new UsageError(
        "a CURVE client with --curve-secret-key also needs --curve-public-key (or use --curve-cert)",
      );
    }
  }
  const allowKeys: string[] = [];
  const allowDirs: string[] = [];
  for (const a of allowArgs) {
    if (isZ85Key(a)) allowKeys.push(a);
    else if (existsSync(a) && statSync(a).isDirectory()) allowDirs.push(a);
    else if (isFile(a) || isFile(a + "_secret")) allowKeys.push(readCert("--curve-allow", a, false).publicKey);
    else throw badKey("--curve-allow", a, true);
  }
  if (allowDirs.length > 1 || (allowDirs.length === 1 && allowKeys.length > 0)) {
    throw new UsageError("--curve-allow takes either keys/files or one directory");
  }
  const users: Record<string, string> = {};
  let client: [string, string] | undefined;
  for (const p of plainArgs) {
    const [u, pw] = credentials("--plain", p);
    users[u] = pw;
    client = [u, pw];
  }

  const needsZap = zapAllow.length > 0 || zapDeny.length > 0 || allowArgs.length > 0 || plainServer;
  const mechanism = curve ? "CURVE" : plain ? "PLAIN" : "NULL";
  // libzmq asks ZAP about NULL peers only when the socket has a ZAP domain.
  const domain = zapDomain ?? (needsZap && mechanism === "NULL" ? "global" : undefined);

  return {
    mechanism,
    notes,
    apply(sock: Socket): void {
      if (curve) {
        if (curveServer) {
          sock.curveServer = true;
          sock.curveSecretKey = secretKey!;
          if (publicKey !== undefined) sock.curvePublicKey = publicKey;
        } else {
          sock.curveServerKey = serverKey!;
          sock.curvePublicKey = publicKey!;
          sock.curveSecretKey = secretKey!;
        }
      } else if (plainServer) {
        sock.plainServer = true;
      } else if (client !== undefined) {
        sock.plainUsername = client[0];
        sock.plainPassword = client[1];
      }
      if (domain !== undefined) sock.zapDomain = domain;
    },
    async start(rt: Runtime, verbose: boolean): Promise<void> {
      if (!needsZap) return;
      const auth = new Authenticator({
        onDecision: (d) => {
          if (!d.allowed) rt.note(`refused ${d.mechanism} peer ${d.address}: ${d.reason}`);
          else if (verbose)
            rt.note(`accepted ${d.mechanism} peer ${d.address}${d.userId !== "" ? ` as ${d.userId}` : ""}`);
        },
      });
      if (zapAllow.length > 0) auth.allow(...zapAllow);
      if (zapDeny.length > 0) auth.deny(...zapDeny);
      if (plainServer) auth.configurePlain("*", users);
      if (curveServer) {
        const dir = allowDirs[0];
        auth.configureCurve("*", dir !== undefined ? { directory: dir } : allowKeys.length > 0 ? allowKeys : "*");
      }
      try {
        await auth.start();
      } catch (err) {
        throw new RuntimeFailure(`cannot start the ZAP handler: ${(err as Error).message}`);
      }
      rt.onStop(() => void auth.stop());
    },
  };
}
