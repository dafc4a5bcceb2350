/**
 * The SOCKS5 client of tcp connects (RFC 1928, with RFC 1929 username/password), as libzmq's
 * `socks_connecter_t`: with `socksProxy` set, a tcp connect goes to the proxy, asks it to CONNECT to the
 * endpoint's host and port, and ZMTP starts once the proxy has answered. A host name is passed to the
 * proxy unresolved (ATYP 3), an IP literal as an address. With `socksUsername` set the client offers
 * username/password only, else no authentication only (libzmq 4.3.5's greetings, byte for byte).
 *
 * {@link Socks5Handshake} is pure (bytes in, bytes out): whatever the proxy sends either completes the
 * handshake, waits for more, or fails it with a ZmqError — never throws otherwise.
 */
import { Buffer } from "node:buffer";
import * as net from "node:net";
import { ZmqError } from "../errors.ts";

/** `host:port` or `[v6]:port` of the proxy (libzmq's ZMQ_SOCKS_PROXY has no scheme). */
export function parseProxy(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port < 1 || port > 65535) {
    throw new ZmqError("EINVAL", `socksProxy "${text}" is not host:port (e.g. 127.0.0.1:1080)`);
  }
  return { host: m[1] ?? m[2]!, port };
}

const REPLY_TEXT: Readonly<Record<number, string>> = {
  1: "general SOCKS server failure",
  2: "connection not allowed by ruleset",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused",
  6: "TTL expired",
  7: "command not supported",
  8: "address type not supported",
};

/** The error code a proxy's refusal maps to (libzmq reports every refusal as a failed connect). */
const REPLY_CODE: Readonly<Record<number, "ENETUNREACH" | "EHOSTUNREACH" | "ECONNREFUSED">> = {
  3: "ENETUNREACH",
  4: "EHOSTUNREACH",
  5: "ECONNREFUSED",
};

function failed(why: string, code: "EPROTO" | "EACCES" | "ENETUNREACH" | "EHOSTUNREACH" | "ECONNREFUSED"): ZmqError {
  return new ZmqError(code, `SOCKS5 proxy: ${why}`);
}

/** What the handshake wants after some bytes from the proxy. */
export type SocksStep =
  | { readonly kind: "more" }
  | { readonly kind: "send"; readonly bytes: Buffer }
  | { readonly kind: "done"; readonly rest: Buffer }
  | { readonly kind: "error"; readonly error: ZmqError };

const MORE: SocksStep = { kind: "more" };

const enum State {
  METHOD,
  AUTH,
  REPLY,
  DONE,
}

export class Socks5Handshake {
  readonly #host: string;
  readonly #port: number;
  readonly #username: string | null;
  readonly #password: string;
  #state = State.METHOD;
  #buf: Buffer = Buffer.alloc(0);

  constructor(host: string, port: number, username: string | null, password: string | null) {
    this.#host = host;
    this.#port = port;
    this.#username = username === "" ? null : username;
    this.#password = password ?? "";
  }

  /** The greeting: "no authentication", or with a username only "username/password" (as libzmq 4.3.5). */
  start(): Buffer {
    return this.#username === null ? Buffer.from([5, 1, 0]) : Buffer.from([5, 1, 2]);
  }

  /** Bytes from the proxy. */
  onBytes(chunk: Buffer): SocksStep {
    if (this.#state === State.DONE) return { kind: "error", error: failed("bytes after the handshake", "EPROTO") };
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const b = this.#buf;
    if (this.#state === State.METHOD) {
      if (b.length < 2) return MORE;
      if (b[0] !== 5) return this.#fail(`not a SOCKS5 proxy (version ${b[0]})`, "EPROTO");
      this.#buf = b.subarray(2);
      if (b[1] === 0) return this.#request();
      if (b[1] === 2 && this.#username !== null) {
        this.#state = State.AUTH;
        return { kind: "send", bytes: this.#authRequest() };
      }
      if (b[1] === 0xff) return this.#fail("no acceptable authentication method (set socksUsername?)", "EACCES");
      return this.#fail(`the proxy chose method ${b[1]}, which was not offered`, "EPROTO");
    }
    if (this.#state === State.AUTH) {
      if (b.length < 2) return MORE;
      if (b[0] !== 1) return this.#fail(`bad authentication reply version ${b[0]}`, "EPROTO");
      if (b[1] !== 0) return this.#fail("the proxy refused socksUsername/socksPassword", "EACCES");
      this.#buf = b.subarray(2);
      return this.#request();
    }
    // REPLY: VER REP RSV ATYP BND.ADDR BND.PORT
    if (b.length < 5) return MORE;
    if (b[0] !== 5) return this.#fail(`bad reply version ${b[0]}`, "EPROTO");
    if (b[1] !== 0) {
      const rep = b[1]!;
      return this.#fail(`CONNECT refused: ${REPLY_TEXT[rep] ?? `reply ${rep}`}`, REPLY_CODE[rep] ?? "ECONNREFUSED");
    }
    const atyp = b[3];
    const addrLen = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + b[4]! : -1;
    if (addrLen < 0) return this.#fail(`bad address type ${atyp} in the reply`, "EPROTO");
    const total = 4 + addrLen + 2;
    if (b.length < total) return MORE;
    this.#state = State.DONE;
    const rest = b.subarray(total);
    this.#buf = Buffer.alloc(0);
    return { kind: "done", rest };
  }

  #fail(why: string, code: Parameters<typeof failed>[1]): SocksStep {
    this.#state = State.DONE;
    return { kind: "error", error: failed(why, code) };
  }

  #authRequest(): Buffer {
    const user = Buffer.from(this.#username ?? "", "utf8").subarray(0, 255);
    const pass = Buffer.from(this.#password, "utf8").subarray(0, 255);
    return Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]);
  }

  /** CONNECT to the destination: an IP literal as an address, a name unresolved (ATYP 3). */
  #request(): SocksStep {
    if (this.#buf.length > 0) return this.#fail("bytes before the CONNECT reply was asked for", "EPROTO");
    this.#state = State.REPLY;
    const port = Buffer.from([this.#port >> 8, this.#port & 0xff]);
    const family = net.isIP(this.#host);
    let addr: Buffer;
    if (family === 4) addr = Buffer.from([1, ...this.#host.split(".").map(Number)]);
    else if (family === 6) addr = Buffer.concat([Buffer.from([4]), ipv6Bytes(this.#host)]);
    else {
      const name = Buffer.from(this.#host, "utf8").subarray(0, 255);
      addr = Buffer.concat([Buffer.from([3, name.length]), name]);
    }
    return { kind: "send", bytes: Buffer.concat([Buffer.from([5, 1, 0]), addr, port]) };
  }
}

/** The 16 bytes of an IPv6 literal (net.isIP has accepted it). */
function ipv6Bytes(text: string): Buffer {
  // A trailing dotted quad (::ffff:10.0.0.1) becomes its two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4 !== null) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parts = text.split("::");
  const head = parts[0] === "" ? [] : parts[0]!.split(":");
  const tail = parts.length > 1 && parts[1] !== "" ? parts[1]!.split(":") : [];
  const groups = [...head, ...Array<string>(8 - head.length - tail.length).fill("0"), ...tail];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
