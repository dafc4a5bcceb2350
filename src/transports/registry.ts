/**
 * The transports this build knows, by endpoint scheme. Sessions reach tcp, ipc, ws and wss only through
 * here, so a new stream transport plugs in with one {@link registerTransport} call and no change to
 * sockets/; a datagram transport (udp) likewise with {@link registerDatagramTransport}. inproc is listed
 * too, but its pipes are paired by the Context and the socket's inproc code, not by a stream transport.
 */
import { ZmqError } from "../errors.ts";
import type { DatagramEndpoint, DatagramTransport } from "./datagram.ts";
import type { Endpoint } from "./endpoint.ts";
import { netTransport } from "./net.ts";
import type { StreamEndpoint, StreamTransport } from "./transport.ts";
import { udpTransport } from "./udp.ts";
import { wsTransport } from "./ws/ws.ts";

/** A scheme served by a stream transport, or inproc (in-memory, no transport object). */
export type TransportEntry =
  | { readonly kind: "stream"; readonly transport: StreamTransport }
  | { readonly kind: "datagram"; readonly transport: DatagramTransport }
  | { readonly kind: "inproc" };

const registry = new Map<string, TransportEntry>([
  ["tcp", { kind: "stream", transport: netTransport }],
  ["ipc", { kind: "stream", transport: netTransport }],
  ["inproc", { kind: "inproc" }],
  ["udp", { kind: "datagram", transport: udpTransport }],
  ["ws", { kind: "stream", transport: wsTransport }],
  ["wss", { kind: "stream", transport: wsTransport }],
]);

/** Serve `scheme` (e.g. "ws") with a stream transport, replacing any earlier registration. */
export function registerTransport(scheme: string, transport: StreamTransport): void {
  registry.set(scheme, { kind: "stream", transport });
}

/** Serve `scheme` with a datagram transport, replacing any earlier registration. */
export function registerDatagramTransport(scheme: string, transport: DatagramTransport): void {
  registry.set(scheme, { kind: "datagram", transport });
}

/** True when the endpoint's scheme is served by a datagram transport. */
export function isDatagramEndpoint(ep: Endpoint): ep is DatagramEndpoint {
  return registry.get(ep.transport)?.kind === "datagram";
}

/** True when the endpoint's transport carries whole messages, not bytes (ws, wss): no STREAM socket there. */
export function carriesMessages(ep: Endpoint): boolean {
  const entry = registry.get(ep.transport);
  return entry?.kind === "stream" && entry.transport.carriesMessages === true;
}

/** The datagram transport for an endpoint; EPROTONOSUPPORT when its scheme has none. */
export function datagramTransport(ep: DatagramEndpoint): DatagramTransport {
  const entry = registry.get(ep.transport);
  if (entry === undefined || entry.kind !== "datagram") {
    throw new ZmqError("EPROTONOSUPPORT", `Transport "${ep.transport}" is not supported`, { address: ep.address });
  }
  return entry.transport;
}

/** The registration of `scheme`, or undefined when this build does not know it. */
export function lookupTransport(scheme: string): TransportEntry | undefined {
  return registry.get(scheme);
}

/** The stream transport for an endpoint; EPROTONOSUPPORT when its scheme has none. */
export function streamTransport(ep: StreamEndpoint): StreamTransport {
  const entry = registry.get(ep.transport);
  if (entry === undefined || entry.kind !== "stream") {
    throw new ZmqError("EPROTONOSUPPORT", `Transport "${ep.transport}" is not supported`, { address: ep.address });
  }
  return entry.transport;
}
