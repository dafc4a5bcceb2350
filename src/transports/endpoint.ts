/**
 * Endpoint parsing: `tcp://host:port`, `ipc://path`, `inproc://name`, `udp://[iface;]host:port`,
 * `ws://host:port/path`, `wss://...`. Pure. Every malformed endpoint
 * fails here, at the call, with zeromq.js's code and message (EINVAL, EPROTONOSUPPORT, ENOCOMPATPROTO;
 * the endpoint as `address`) and a hint that says what to fix. A non-string is a TypeError, as there.
 */
import { ZmqError } from "../errors.ts";
import { parseUdp, type UdpEndpoint } from "./udp-address.ts";

export type Endpoint =
  | {
      transport: "tcp";
      address: string;
      host: string;
      port: number;
      /** port was `*` or 0 */ anyPort: boolean;
      ipv6Literal: boolean;
      /** connect only: libzmq's `tcp://source;destination`, the local end of the connection. */
      source?: TcpSource;
    }
  | { transport: "ipc"; address: string; path: string; abstract: boolean }
  | {
      transport: "ws" | "wss";
      address: string;
      host: string;
      port: number;
      /** port was `*` or 0 */ anyPort: boolean;
      ipv6Literal: boolean;
      /** The request path, "/" when none was given (docs/ws-notes.md §1). */
      path: string;
    }
  | { transport: "inproc"; address: string; name: string }
  | UdpEndpoint;

/**
 * The source of a tcp connect (`tcp://192.168.1.5:6000;server:5555`, `tcp://eth0;server:5555`): an IP
 * literal or a network interface's name (no DNS, as libzmq), and a port (0: any).
 */
export interface TcpSource {
  /** An IP literal, `*` (any address) or an interface name, resolved at connect time. */
  host: string;
  port: number;
  ipv6Literal: boolean;
}

function invalid(address: string, why: string): ZmqError {
  return new ZmqError("EINVAL", `Invalid endpoint "${address}": ${why}`, { address });
}

/** zeromq.js's check of the address argument of bind/unbind/connect/disconnect (a TypeError). */
export function checkAddressArgument(address: unknown): asserts address is string {
  if (typeof address !== "string") throw new TypeError("Address must be a string");
}

/** Parse an endpoint for `bind` (wildcards allowed) or `connect`. */
export function parseEndpoint(address: unknown, mode: "bind" | "connect"): Endpoint {
  checkAddressArgument(address);
  const sep = address.indexOf("://");
  if (sep <= 0) throw invalid(address, `expected "transport://address", e.g. "tcp://127.0.0.1:5555"`);
  const transport = address.slice(0, sep);
  const rest = address.slice(sep + 3);
  switch (transport) {
    case "tcp":
      return parseTcp(address, rest, mode);
    case "ipc":
      if (rest === "") throw invalid(address, "an ipc endpoint needs a path, e.g. ipc:///tmp/feed.sock or ipc://@name");
      if (rest.startsWith("@")) {
        if (rest.length === 1) throw invalid(address, "an abstract ipc name needs at least one character after @");
        return { transport: "ipc", address, path: rest, abstract: true };
      }
      return { transport: "ipc", address, path: rest, abstract: false };
    case "inproc":
      if (rest === "") throw invalid(address, "an inproc endpoint needs a name, e.g. inproc://workers");
      return { transport: "inproc", address, name: rest };
    case "udp":
      // Which socket types may use it is checked by the socket (docs/drafts-notes.md §17).
      return parseUdp(address, rest, mode);
    case "ws":
    case "wss":
      return parseWs(address, transport, rest, mode);
    case "pgm":
    case "epgm":
    case "tipc":
    case "vmci":
    case "norm":
      throw new ZmqError("EPROTONOSUPPORT", `Transport "${transport}" is not supported; use tcp, ipc, inproc or ws`, {
        address,
      });
    default:
      throw new ZmqError(
        "EPROTONOSUPPORT",
        `Unknown transport "${transport}" in "${address}"; use tcp, ipc, inproc or ws`,
        { address },
      );
  }
}

/** `ws://host:port[/path]`: the authority as for tcp, then the path (docs/ws-notes.md §1). */
function parseWs(address: string, transport: "ws" | "wss", rest: string, mode: "bind" | "connect"): Endpoint {
  const close = rest.startsWith("[") ? rest.indexOf("]") : -1;
  const slash = rest.indexOf("/", close + 1);
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "/" : rest.slice(slash);
  if (/\s/.test(path)) throw invalid(address, "the path must not contain spaces");
  const tcp = parseTcp(address, authority, mode, transport) as Extract<Endpoint, { transport: "tcp" }>;
  return { ...tcp, transport, path };
}

function parseTcp(address: string, rest: string, mode: "bind" | "connect", scheme = "tcp"): Endpoint {
  const semi = rest.lastIndexOf(";");
  if (semi !== -1) {
    // libzmq's "tcp://source;destination": connect only, tcp only.
    if (mode === "bind" || scheme !== "tcp") {
      throw invalid(address, `a source address (src;dst) is only for connecting over tcp://`);
    }
    const source = parseSource(address, rest.slice(0, semi));
    const dest = parseTcp(address, rest.slice(semi + 1), mode, scheme);
    return { ...dest, source } as Endpoint;
  }
  let host: string;
  let portText: string;
  let ipv6Literal = false;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close === -1) throw invalid(address, "missing ']' after the IPv6 address");
    host = rest.slice(1, close);
    ipv6Literal = true;
    if (rest[close + 1] !== ":") throw invalid(address, `missing port: write ${scheme}://[::1]:5555`);
    portText = rest.slice(close + 2);
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon === -1) {
      throw invalid(address, `missing port: write ${scheme}://${rest || "host"}:5555 (or :* for any free port)`);
    }
    host = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
    if (host.includes(":")) throw invalid(address, `IPv6 addresses must be in brackets: ${scheme}://[::1]:5555`);
  }
  if (host === "") throw invalid(address, `missing host: write ${scheme}://127.0.0.1:5555 or ${scheme}://*:5555`);
  if (host === "*" && mode === "connect") throw invalid(address, "cannot connect to '*': name a host");
  let port: number;
  let anyPort = false;
  if (portText === "*" || portText === "0") {
    if (mode === "connect") throw invalid(address, "cannot connect to port * or 0: name the port");
    port = 0;
    anyPort = true;
  } else {
    if (!/^\d{1,5}$/.test(portText)) throw invalid(address, `port "${portText}" is not a number`);
    port = Number(portText);
    if (port < 1 || port > 65535) throw invalid(address, `port ${port} is out of range 1-65535`);
  }
  return { transport: "tcp", address, host, port, anyPort, ipv6Literal };
}

/** The source part of `tcp://source;destination`: `host`, `host:port`, `[v6]:port`, `*:port`, `iface`. */
function parseSource(address: string, text: string): TcpSource {
  if (text === "") throw invalid(address, "empty source address before ';': write tcp://192.168.1.5:0;host:5555");
  let host = text;
  let portText = "0";
  let ipv6Literal = false;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) throw invalid(address, "missing ']' after the IPv6 source address");
    host = text.slice(1, close);
    ipv6Literal = true;
    const after = text.slice(close + 1);
    if (after !== "") {
      if (!after.startsWith(":")) throw invalid(address, `unexpected "${after}" after the IPv6 source address`);
      portText = after.slice(1);
    }
  } else {
    const colon = text.lastIndexOf(":");
    if (colon !== -1) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
      if (host.includes(":")) throw invalid(address, "IPv6 source addresses must be in brackets: [::1]:0;...");
    }
  }
  if (host === "") throw invalid(address, "missing source host: write 0.0.0.0:6000;... or *:6000;...");
  if (/[\s;]/.test(host)) throw invalid(address, `source "${host}" is not an address or interface name`);
  let port = 0;
  if (portText !== "*" && portText !== "0") {
    if (!/^\d{1,5}$/.test(portText)) throw invalid(address, `source port "${portText}" is not a number`);
    port = Number(portText);
    if (port > 65535) throw invalid(address, `source port ${port} is out of range 0-65535`);
  }
  return { host, port, ipv6Literal };
}
