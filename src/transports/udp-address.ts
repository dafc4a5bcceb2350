/**
 * `udp://[iface;]host:port` endpoints, checked at the call as libzmq's `udp_address_t::resolve` checks them
 * (docs/drafts-notes.md §18). Pure: names (DNS, NIC names) are resolved when the endpoint is opened.
 */
import { ZmqError } from "../errors.ts";

export interface UdpEndpoint {
  transport: "udp";
  address: string;
  /** The interface for multicast (an IP literal, a NIC name or `*`), or null. */
  iface: string | null;
  /** `*` (bind: every interface), an IP literal, a NIC name (bind) or a DNS name. */
  host: string;
  /** 0 when `*` (bind: an ephemeral port). */
  port: number;
  /** The host is a multicast group (IPv4 224.0.0.0/4, IPv6 ff00::/8). */
  multicast: boolean;
  /** The host was written in brackets, or is an IPv6 literal. */
  ipv6: boolean;
}

function invalid(address: string, why: string): ZmqError {
  return new ZmqError("EINVAL", `Invalid endpoint "${address}": ${why}`, { address });
}

/** 4 for a dotted IPv4 literal, 6 for an IPv6 literal (a zone `%eth0` allowed), else 0 (node:net isIP, kept pure). */
export function ipFamily(host: string): 0 | 4 | 6 {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4 !== null) return v4.slice(1).every((n) => Number(n) <= 255) ? 4 : 0;
  return /^[0-9a-fA-F]*:[0-9a-fA-F:.]*(%[\w.-]+)?$/.test(host) && host.split("::").length <= 2 ? 6 : 0;
}

/** True for an IPv4 or IPv6 multicast literal. */
export function isMulticast(host: string): boolean {
  const family = ipFamily(host);
  if (family === 4) {
    const first = Number(host.slice(0, host.indexOf(".")));
    return first >= 224 && first <= 239;
  }
  return family === 6 && /^ff/i.test(host);
}

/** Parse the part after `udp://` for `bind` or `connect`. */
export function parseUdp(address: string, rest: string, mode: "bind" | "connect"): UdpEndpoint {
  let iface: string | null = null;
  const semi = rest.lastIndexOf(";");
  if (semi !== -1) {
    iface = rest.slice(0, semi);
    rest = rest.slice(semi + 1);
    if (iface === "") throw invalid(address, "empty interface before ';' (write udp://eth0;239.0.0.1:5555)");
    if (isMulticast(iface)) throw invalid(address, "the interface before ';' cannot be a multicast address");
  }
  let host: string;
  let portText: string;
  let ipv6 = false;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close === -1 || rest[close + 1] !== ":") throw invalid(address, "write IPv6 hosts as udp://[ff02::1]:5555");
    host = rest.slice(1, close);
    portText = rest.slice(close + 2);
    ipv6 = true;
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon === -1) throw invalid(address, `missing port: write udp://${rest || "host"}:5555`);
    host = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
    if (host.includes(":")) throw invalid(address, "IPv6 addresses must be in brackets: udp://[::1]:5555");
  }
  if (host === "") throw invalid(address, "missing host: write udp://127.0.0.1:5555 or udp://*:5555");
  if (host === "*" && mode === "connect") throw invalid(address, "cannot connect to '*': name a host or group");
  if (ipv6 && ipFamily(host) !== 6) throw invalid(address, `"${host}" is not an IPv6 address`);
  let port: number;
  if (portText === "*" || portText === "0") {
    if (mode === "connect") throw invalid(address, "cannot send to port * or 0: name the port");
    port = 0;
  } else {
    if (!/^\d{1,5}$/.test(portText)) throw invalid(address, `port "${portText}" is not a number`);
    port = Number(portText);
    if (port < 1 || port > 65535) throw invalid(address, `port ${port} is out of range 1-65535`);
  }
  const multicast = isMulticast(host);
  if (iface !== null && !multicast) {
    throw invalid(address, "an interface (iface;host) is only for multicast groups, e.g. udp://eth0;239.0.0.1:5555");
  }
  return { transport: "udp", address, iface, host, port, multicast, ipv6: ipv6 || ipFamily(host) === 6 };
}
