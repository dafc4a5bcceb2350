/**
 * What a tcp connection does with the socket options beyond node:net's defaults (libzmq `tcp.cpp`
 * tune_tcp_socket and friends): the source address of `tcp://src;dst`, and one warning per process for
 * each option Node.js offers no way to apply (docs/compatibility.md, "Options Node.js cannot apply").
 */
import * as net from "node:net";
import * as os from "node:os";
import { ZmqError } from "../errors.ts";
import type { TcpSource } from "./endpoint.ts";
import { warnNotApplied } from "./not-applied.ts";
import type { NetTuning } from "./transport.ts";

/**
 * The options of a tcp connection Node.js cannot apply (node:net has no setsockopt): each set one warns.
 * typeOfService is applied where the runtime's net.Socket has `setTypeOfService` (Node.js 20 has not).
 */
export function tuneTcp(sock: net.Socket, opts: NetTuning): void {
  tuneIpc(opts);
  if (opts.typeOfService > 0) {
    const set = (sock as net.Socket & { setTypeOfService?: (tos: number) => void }).setTypeOfService;
    if (typeof set === "function") set.call(sock, opts.typeOfService);
    else warnNotApplied("typeOfService", `this Node.js (${process.version}) cannot set IP_TOS on a tcp socket`);
  }
  if (opts.bindToDevice !== null && opts.bindToDevice !== "") {
    warnNotApplied("interface", "node:net cannot set SO_BINDTODEVICE; bind or connect from the interface's address");
  }
  if (opts.tcpMaxRetransmitTimeout > 0) {
    warnNotApplied("tcpMaxRetransmitTimeout", "node:net cannot set TCP_USER_TIMEOUT (TCP_MAXRT)");
  }
  if (opts.tcpKeepaliveCount !== -1) warnNotApplied("tcpKeepaliveCount", "node:net cannot set TCP_KEEPCNT");
  if (opts.tcpKeepaliveInterval !== -1) warnNotApplied("tcpKeepaliveInterval", "node:net cannot set TCP_KEEPINTVL");
}

/** The options of an ipc connection node:net cannot apply: the buffer sizes. */
export function tuneIpc(opts: NetTuning): void {
  if (opts.sendBufferSize > 0) warnNotApplied("sendBufferSize", "node:net cannot set SO_SNDBUF on tcp/ipc sockets");
  if (opts.receiveBufferSize > 0) {
    warnNotApplied("receiveBufferSize", "node:net cannot set SO_RCVBUF on tcp/ipc sockets");
  }
}

/**
 * The local address to connect from: an IP literal as written, `*` as any address, else the name of one
 * of this machine's network interfaces (its first IPv4 address; IPv6 with the `ipv6` option when it has no
 * IPv4). No DNS, as libzmq. ENODEV for a name that is no interface, EINVAL for a family mismatch.
 */
export function resolveSource(src: TcpSource, address: string, ipv6: boolean, destIsV6: boolean): string {
  const opts = { address };
  if (src.host === "*") return destIsV6 ? "::" : "0.0.0.0";
  const family = net.isIP(src.host);
  if (family !== 0) {
    if (!isLocalAddress(src.host)) {
      throw new ZmqError("EADDRNOTAVAIL", `Source ${src.host} of ${address} is not an address of this machine`, opts);
    }
    return src.host;
  }
  const nic = os.networkInterfaces()[src.host];
  if (nic === undefined || nic.length === 0) {
    const known = Object.keys(os.networkInterfaces()).join(", ");
    throw new ZmqError("ENODEV", `Source "${src.host}" of ${address} is not a network interface here (${known})`, opts);
  }
  const v4 = nic.find((a) => a.family === "IPv4");
  const v6 = nic.find((a) => a.family === "IPv6" && !a.address.startsWith("fe80"));
  const pick = destIsV6 ? (v6 ?? v4) : (v4 ?? (ipv6 ? v6 : undefined));
  if (pick === undefined) {
    throw new ZmqError("EADDRNOTAVAIL", `Interface ${src.host} has no address to connect ${address} from`, opts);
  }
  return pick.address;
}

/** An address a socket here can bind: one of the interfaces', a loopback (127/8, ::1) or the wildcard. */
function isLocalAddress(ip: string): boolean {
  if (ip === "0.0.0.0" || ip === "::" || ip === "::1" || ip.startsWith("127.")) return true;
  const plain = ip.toLowerCase();
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.address.toLowerCase() === plain) return true;
  }
  return false;
}

/** A connect error about the source address as the session reports it (EADDRNOTAVAIL, EADDRINUSE). */
export function sourceError(err: NodeJS.ErrnoException, src: TcpSource, address: string): ZmqError | Error {
  const where = `${src.host}:${src.port}`;
  if (err.code === "EADDRNOTAVAIL") {
    return new ZmqError("EADDRNOTAVAIL", `Cannot connect ${address} from ${where}: not an address of this machine`, {
      cause: err,
      address,
    });
  }
  if (err.code === "EADDRINUSE") {
    return new ZmqError("EADDRINUSE", `Cannot connect ${address} from ${where}: the source port is in use`, {
      cause: err,
      address,
    });
  }
  return err;
}
