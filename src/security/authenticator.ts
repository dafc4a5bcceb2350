/**
 * A ready ZAP handler (RFC 27), in the spirit of pyzmq's `zmq.auth` and czmq's zauth.
 *
 * It binds a ROUTER at `inproc://zeromq.zap.01` in a context, so every server socket of that context with
 * PLAIN, CURVE, or NULL plus a `zapDomain` asks it before accepting a peer. Policy, evaluated per request
 * (so changes take effect for new connections at once, without a restart):
 *
 * 1. IP filter: if an allow list is set, only listed addresses/CIDRs pass; otherwise a deny list blocks.
 * 2. NULL: a peer that passed (or was not filtered) is accepted.
 * 3. PLAIN: username and password must match the domain's table (or the "*" table).
 * 4. CURVE: the client's public key must be in the domain's allowed set: a list of keys, a directory of
 *    czmq certificate files (re-read on each request), or any key (`"*"`).
 *
 * Accepted: status 200 with the user id (PLAIN: the username; CURVE: the client key in Z85) and the
 * metadata of the `metadata` option; the server application reads both as message properties with
 * `socket.lastMessageProperties()` (`User-Id`, custom names).
 * Refused: status 400, so the server sends ERROR and the client sees `handshake:error:auth`.
 *
 * ```ts
 * const auth = await new Authenticator().start();
 * auth.allow("127.0.0.1", "10.0.0.0/8");
 * auth.configurePlain("*", { admin: "secret" });
 * auth.configureCurve("*", { directory: "/etc/app/clients" });   // czmq/pyzmq certificate files
 * // ... sockets with plainServer / curveServer in the same context are now checked
 * await auth.stop();
 * ```
 */
import { Buffer } from "node:buffer";
import { timingSafeEqual } from "node:crypto";
import { BlockList, isIP } from "node:net";
import { context as defaultContext, type Context } from "../context.ts";
import { ZmqError } from "../errors.ts";
import { encodeProperties, type Properties } from "../protocol/command.ts";
import { z85Decode, z85Encode } from "../protocol/z85.ts";
import { Router } from "../sockets/router.ts";
import { loadPublicKeysFromDirectory } from "./certificate.ts";
import { ZAP_ENDPOINT } from "./zap-client.ts";

/** Allow any CURVE client key (encryption without client authentication). */
export const CURVE_ALLOW_ANY = "*";

/**
 * Which CURVE client keys a ZAP domain accepts: any ({@link CURVE_ALLOW_ANY}), a list of Z85 public keys,
 * or every certificate in a directory (czmq/pyzmq format; re-read for each new connection, so adding or
 * removing a file takes effect at once).
 */
export type CurvePolicy = typeof CURVE_ALLOW_ANY | string[] | { directory: string };

/** One ZAP decision, as passed to `onDecision` and `metadata`. */
export interface AuthDecision {
  /** The server socket's `zapDomain` ("" when unset). */
  domain: string;
  /** Client IP address as text, "" for ipc. */
  address: string;
  mechanism: string;
  allowed: boolean;
  /** Why (the ZAP status text). */
  reason: string;
  /** The user id sent back on success (PLAIN username, CURVE key in Z85). */
  userId: string;
}

export interface AuthenticatorOptions {
  /** The context whose sockets this handler serves (default: the global one). */
  context?: Context;
  /** Called for every decision (logging, tests). */
  onDecision?: (d: AuthDecision) => void;
  /**
   * Metadata for an accepted connection (the ZAP reply's metadata frame, RFC 27): each entry becomes a
   * message property the server application reads with `lastMessageProperties()`. Names are 1..255 bytes.
   */
  metadata?: (d: AuthDecision) => Record<string, string | Uint8Array> | undefined;
}

/** Parse an address or CIDR entry; throws EINVAL before anything is added. */
function parseEntry(entry: string): (list: BlockList) => void {
  const slash = entry.indexOf("/");
  const addr = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(addr);
  if (family === 0) throw new ZmqError("EINVAL", `"${entry}" is not an IP address or CIDR (e.g. 192.168.1.0/24, ::1)`);
  const type = family === 6 ? "ipv6" : "ipv4";
  if (slash === -1) return (list) => list.addAddress(addr, type);
  const prefixText = entry.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix > (family === 6 ? 128 : 32)) {
    throw new ZmqError("EINVAL", `"${entry}" has an invalid prefix length`);
  }
  return (list) => list.addSubnet(addr, prefix, type);
}

/** Add every entry, or none if one is invalid. */
function addAll(list: BlockList, entries: string[]): void {
  const adders = entries.map(parseEntry);
  for (const add of adders) add(list);
}

function inList(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 6 ? "ipv6" : "ipv4");
}

/** Constant-time string comparison (no early exit that would leak how much of a password matched). */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A ZAP handler (RFC 27) with IP allow/deny lists, PLAIN passwords and CURVE key lists per ZAP domain.
 * Every change applies to the next connection; nothing needs a restart.
 */
export class Authenticator {
  readonly context: Context;
  #router: Router | null = null;
  #allow = new BlockList();
  #deny = new BlockList();
  #allowCount = 0;
  #denyCount = 0;
  readonly #passwords = new Map<string, Map<string, string>>();
  readonly #curve = new Map<string, CurvePolicy>();
  readonly #onDecision: ((d: AuthDecision) => void) | undefined;
  readonly #metadata: AuthenticatorOptions["metadata"];
  #loop: Promise<void> | null = null;

  constructor(options: AuthenticatorOptions = {}) {
    this.context = options.context ?? defaultContext;
    this.#onDecision = options.onDecision;
    this.#metadata = options.metadata;
  }

  /** True between start() and stop(). */
  get running(): boolean {
    return this.#router !== null;
  }

  /** Bind the handler at inproc://zeromq.zap.01. EADDRINUSE if another handler owns it. */
  async start(): Promise<this> {
    if (this.#router) return this;
    const router = new Router({ context: this.context, linger: 0 });
    try {
      await router.bind(ZAP_ENDPOINT);
    } catch (err) {
      router.close();
      throw err;
    }
    this.#router = router;
    this.#loop = this.#serve(router);
    return this;
  }

  /** Unbind and stop answering. */
  async stop(): Promise<void> {
    const r = this.#router;
    this.#router = null;
    if (r) r.close();
    await this.#loop;
    this.#loop = null;
  }

  /** Only these addresses or CIDR ranges may connect (any mechanism). */
  allow(...addresses: string[]): this {
    addAll(this.#allow, addresses);
    this.#allowCount += addresses.length;
    return this;
  }

  /** These addresses or CIDR ranges are refused (ignored when an allow list exists, as in pyzmq). */
  deny(...addresses: string[]): this {
    addAll(this.#deny, addresses);
    this.#denyCount += addresses.length;
    return this;
  }

  /** Forget all allow/deny entries. */
  clearAddressFilters(): this {
    this.#allow = new BlockList();
    this.#deny = new BlockList();
    this.#allowCount = this.#denyCount = 0;
    return this;
  }

  /** PLAIN users for a ZAP domain ("*" = every domain without its own table). Replaces the domain's table. */
  configurePlain(domain: string, passwords: Record<string, string>): this {
    this.#passwords.set(domain, new Map(Object.entries(passwords)));
    return this;
  }

  /** CURVE client keys allowed for a ZAP domain: Z85 keys, `{ directory }` of certificates, or "*". */
  configureCurve(domain: string, policy: CurvePolicy): this {
    if (Array.isArray(policy)) {
      for (const k of policy) {
        if (k.length !== 40 || z85Decode(k) === undefined)
          throw new ZmqError("EINVAL", `"${k}" is not a 40-character Z85 public key`);
      }
      policy = [...policy];
    }
    this.#curve.set(domain, policy);
    return this;
  }

  async #serve(router: Router): Promise<void> {
    for (;;) {
      let msg: Buffer[];
      try {
        msg = await router.receive();
      } catch {
        return; // closed
      }
      // [routing id, "", "1.0", request id, domain, address, identity, mechanism, ...credentials]
      if (msg.length < 8 || msg[1]!.length !== 0) continue;
      const [id, , version, requestId, domainB, addressB, , mechB] = msg as [
        Buffer,
        Buffer,
        Buffer,
        Buffer,
        Buffer,
        Buffer,
        Buffer,
        Buffer,
      ];
      const creds = msg.slice(8);
      const reply = (status: string, text: string, userId: string, metadata: Buffer = Buffer.alloc(0)): Promise<void> =>
        router.send([id, "", "1.0", requestId, status, text, userId, metadata]).catch(() => {});
      if (version.toString() !== "1.0") {
        await reply("500", "Version number not valid", "");
        continue;
      }
      const d = this.#decide(domainB.toString(), addressB.toString(), mechB.toString(), creds);
      let metadata: Buffer | undefined;
      if (d.allowed) {
        try {
          metadata = this.#encodeMetadata(d);
        } catch (err) {
          // A broken metadata hook must not let the client in unchecked, nor stop the handler.
          d.allowed = false;
          d.reason = `metadata hook failed: ${err instanceof Error ? err.message : String(err)}`;
          this.#notify(d);
          await reply("500", d.reason, "");
          continue;
        }
      }
      this.#notify(d);
      await reply(d.allowed ? "200" : "400", d.allowed ? "OK" : d.reason, d.allowed ? d.userId : "", metadata);
    }
  }

  /** Tell `onDecision`; a throwing callback must not stop the handler (every later handshake would hang). */
  #notify(d: AuthDecision): void {
    if (this.#onDecision === undefined) return;
    try {
      this.#onDecision({ ...d });
    } catch (err) {
      process.emitWarning(
        `Authenticator onDecision callback threw: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  #encodeMetadata(d: AuthDecision): Buffer | undefined {
    const md = this.#metadata?.({ ...d });
    if (md === undefined) return undefined;
    const props: Properties = Object.entries(md).map(([k, v]) => [
      k,
      typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v),
    ]);
    return encodeProperties(props);
  }

  #decide(domain: string, address: string, mechanism: string, creds: Buffer[]): AuthDecision {
    const d: AuthDecision = { domain, address, mechanism, allowed: false, reason: "", userId: "" };
    let whitelisted = false;
    if (this.#allowCount > 0) {
      if (!inList(this.#allow, address)) return { ...d, reason: "Address not in allow list" };
      whitelisted = true;
    } else if (this.#denyCount > 0 && inList(this.#deny, address)) {
      return { ...d, reason: "Address denied" };
    }
    switch (mechanism) {
      case "NULL":
        return { ...d, allowed: true, reason: whitelisted ? "Address allowed" : "NULL mechanism" };
      case "PLAIN": {
        const table = this.#passwords.get(domain) ?? this.#passwords.get("*");
        const user = creds[0]?.toString() ?? "";
        const pass = creds[1]?.toString() ?? "";
        if (!table) return { ...d, reason: "No passwords configured for this domain" };
        const expected = table.get(user);
        if (expected === undefined || !sameSecret(expected, pass))
          return { ...d, reason: "Invalid username or password" };
        return { ...d, allowed: true, reason: "OK", userId: user };
      }
      case "CURVE": {
        const key = creds[0];
        if (!key || key.length !== 32) return { ...d, reason: "Malformed CURVE credentials" };
        const z = z85Encode(key);
        const policy = this.#curve.get(domain) ?? this.#curve.get("*");
        if (policy === undefined) return { ...d, reason: "No CURVE keys configured for this domain" };
        if (policy === CURVE_ALLOW_ANY) return { ...d, allowed: true, reason: "OK", userId: z };
        const keys = Array.isArray(policy) ? policy : this.#directoryKeys(policy.directory);
        if (!keys.includes(z)) return { ...d, reason: "Unknown public key" };
        return { ...d, allowed: true, reason: "OK", userId: z };
      }
      default:
        return { ...d, reason: `Mechanism ${mechanism} not supported` };
    }
  }

  #directoryKeys(dir: string): string[] {
    try {
      return loadPublicKeysFromDirectory(dir);
    } catch {
      return [];
    }
  }
}
