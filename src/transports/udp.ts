/**
 * udp:// over node:dgram, set up as libzmq's `udp_engine_t::plug` sets up its sockets
 * (docs/drafts-notes.md §18, §19):
 * - bound sockets (DISH, DGRAM) reuse the address, so several DISH processes on one host share a port;
 *   a multicast endpoint binds ANY:port and joins the group on its interface (or the kernel's default);
 * - sending sockets (RADIO) bind an ephemeral port and, towards a multicast group, set the loopback, the
 *   hops and the outgoing interface.
 * Names are resolved once, when the endpoint opens (NIC names from os.networkInterfaces(), hosts with
 * dns.lookup). Sockets are unref'd: like tcp listeners, they do not keep the process alive.
 */
import type { Buffer } from "node:buffer";
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { networkInterfaces } from "node:os";
import { ZmqError } from "../errors.ts";
import type {
  DatagramChannel,
  DatagramEndpoint,
  DatagramOptions,
  DatagramSink,
  DatagramTransport,
} from "./datagram.ts";
import { warnNotApplied } from "./not-applied.ts";
import { ipFamily } from "./udp-address.ts";

/** ZMQ_SNDBUF / ZMQ_RCVBUF on a bound udp socket (the kernel doubles them, as for libzmq's setsockopt). */
function applyOptions(sock: UdpSocket, opts: DatagramOptions): void {
  if ((opts.sendBufferSize ?? -1) > 0) sock.setSendBufferSize(opts.sendBufferSize!);
  if ((opts.receiveBufferSize ?? -1) > 0) sock.setRecvBufferSize(opts.receiveBufferSize!);
  if ((opts.multicastMaxTransportDataUnit ?? 1500) !== 1500) {
    warnNotApplied(
      "multicastMaxTransportDataUnit",
      "it sizes pgm/norm packets; zocket has neither, and udp sends whole datagrams",
    );
  }
}

function failed(ep: DatagramEndpoint, err: unknown): ZmqError {
  if (err instanceof ZmqError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? "EINVAL";
  return new ZmqError(code === "ENOTFOUND" || code === "EAI_AGAIN" ? "EINVAL" : code, `${ep.address}: ${e.message}`, {
    address: ep.address,
    cause: err,
  });
}

/** The address of a network interface by name, in the family wanted; undefined when it has none. */
function nicAddress(name: string, ipv6: boolean): string | undefined {
  const nic = networkInterfaces()[name];
  const entry = nic?.find((a) => (a.family === "IPv6") === ipv6);
  if (entry === undefined) return undefined;
  return ipv6 && entry.scopeid ? `${entry.address}%${name}` : entry.address;
}

/** A host to an IP literal: `*`, literals, NIC names (bind only), then DNS. */
async function resolveHost(ep: DatagramEndpoint, host: string, ipv6: boolean, bind: boolean): Promise<string> {
  if (host === "*") return ipv6 ? "::" : "0.0.0.0";
  if (ipFamily(host) !== 0) return host;
  if (bind) {
    const nic = nicAddress(host, ipv6);
    if (nic !== undefined) return nic;
  }
  try {
    return (await lookup(host, { family: ipv6 ? 6 : 4 })).address;
  } catch (err) {
    throw failed(ep, err);
  }
}

/** The multicast interface of `iface;group`: undefined for none or `*` (the kernel picks by route). */
function multicastInterface(ep: DatagramEndpoint, ipv6: boolean): string | undefined {
  const iface = ep.iface;
  if (iface === null || iface === "*") return undefined;
  if (ipFamily(iface) !== 0) return ipv6 ? `::%${iface}` : iface;
  // IPv6 memberships name the interface by its scope (libzmq: if_nametoindex).
  const addr = ipv6 ? (networkInterfaces()[iface] !== undefined ? `::%${iface}` : undefined) : nicAddress(iface, false);
  if (addr === undefined) {
    throw new ZmqError("ENODEV", `${ep.address}: no network interface "${iface}" with an IPv${ipv6 ? 6 : 4} address`, {
      address: ep.address,
    });
  }
  return addr;
}

function open(ipv6: boolean, reuse: boolean): UdpSocket {
  const sock = createSocket({ type: ipv6 ? "udp6" : "udp4", reuseAddr: reuse });
  // Errors of a send or of the socket are the datagram's loss, never the process's.
  sock.on("error", () => {});
  return sock;
}

function bindSocket(sock: UdpSocket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    sock.once("error", onError);
    sock.bind({ port, address, exclusive: true }, () => {
      sock.off("error", onError);
      resolve();
    });
  });
}

function hostText(host: string, ipv6: boolean): string {
  return ipv6 ? `[${host}]` : host;
}

class UdpChannel implements DatagramChannel {
  readonly endpoint: string;
  readonly ipv6: boolean;
  readonly #sock: UdpSocket;
  readonly #port: number;
  readonly #host: string;

  constructor(sock: UdpSocket, endpoint: string, ipv6: boolean, port: number, host: string) {
    this.#sock = sock;
    this.endpoint = endpoint;
    this.ipv6 = ipv6;
    this.#port = port;
    this.#host = host;
  }

  send(parts: Buffer[], done: () => void, port = this.#port, host = this.#host): void {
    try {
      this.#sock.send(parts, port, host, done);
    } catch {
      done(); // closed meanwhile, or a destination Node refuses: the datagram is lost
    }
  }

  close(): void {
    try {
      this.#sock.close();
    } catch {
      // already closed
    }
  }
}

/** The sink for every datagram of a bound socket (one listener per socket, no closure per datagram). */
function listen(sock: UdpSocket, sink: DatagramSink): void {
  sock.on("message", (data: Buffer, from: RemoteInfo) => sink.datagram(data, from));
}

export const udpTransport: DatagramTransport = {
  async bind(ep: DatagramEndpoint, opts: DatagramOptions, sink: DatagramSink): Promise<DatagramChannel> {
    const ipv6 = ep.ipv6;
    const sock = open(ipv6 || (opts.ipv6 && ep.host === "*"), true);
    try {
      const family6 = ipv6 || (opts.ipv6 && ep.host === "*");
      const iface = ep.multicast ? multicastInterface(ep, family6) : undefined;
      const address = ep.multicast ? (family6 ? "::" : "0.0.0.0") : await resolveHost(ep, ep.host, family6, true);
      await bindSocket(sock, ep.port, address);
      applyOptions(sock, opts);
      if (ep.multicast) sock.addMembership(ep.host, iface);
      sock.unref();
      listen(sock, sink);
      const port = sock.address().port;
      const where = ep.multicast
        ? `${ep.iface === null ? "" : `${ep.iface};`}${hostText(ep.host, family6)}`
        : hostText(address, family6);
      return new UdpChannel(sock, `udp://${where}:${port}`, family6, port, address);
    } catch (err) {
      try {
        sock.close();
      } catch {
        // never bound
      }
      throw failed(ep, err);
    }
  },

  async connect(ep: DatagramEndpoint, opts: DatagramOptions): Promise<DatagramChannel> {
    const ipv6 = ep.ipv6;
    const host = ep.multicast ? ep.host : await resolveHost(ep, ep.host, ipv6, false);
    const sock = open(ipv6, false);
    try {
      // Bound to an ephemeral port, as libzmq's never-bound send socket ends up (§19).
      await bindSocket(sock, 0, ipv6 ? "::" : "0.0.0.0");
      applyOptions(sock, opts);
      if (ep.multicast) {
        sock.setMulticastLoopback(opts.multicastLoop);
        if (opts.multicastHops > 0) sock.setMulticastTTL(opts.multicastHops);
        const iface = multicastInterface(ep, ipv6);
        if (iface !== undefined) sock.setMulticastInterface(iface);
      }
      sock.unref();
      const where = `${ep.iface === null ? "" : `${ep.iface};`}${hostText(host, ipv6)}`;
      return new UdpChannel(sock, `udp://${where}:${ep.port}`, ipv6, ep.port, host);
    } catch (err) {
      try {
        sock.close();
      } catch {
        // never bound
      }
      throw failed(ep, err);
    }
  },
};
