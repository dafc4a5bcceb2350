/**
 * What a datagram transport (udp) offers the sockets' datagram sessions: a socket bound to receive (DISH,
 * DGRAM), or one that sends to the endpoint's host (RADIO). No connections, no handshake: one message is
 * one datagram, encoded by the engine (engine/datagram-engine.ts). Sessions find a transport by scheme in
 * transports/registry.ts and never import one directly.
 */
import type { Buffer } from "node:buffer";
import type { Endpoint } from "./endpoint.ts";

/** Endpoints served by a datagram transport. */
export type DatagramEndpoint = Extract<Endpoint, { transport: "udp" }>;

/** Socket options a datagram transport reads (ZMQ_IPV6, ZMQ_MULTICAST_HOPS, ZMQ_MULTICAST_LOOP). */
export interface DatagramOptions {
  ipv6: boolean;
  multicastHops: number;
  multicastLoop: boolean;
  /** ZMQ_SNDBUF / ZMQ_RCVBUF (bytes, <= 0: the system's), applied with dgram's set*BufferSize. */
  sendBufferSize?: number;
  receiveBufferSize?: number;
  /** ZMQ_MULTICAST_MAXTPDU: for pgm/norm in libzmq; accepted, not applied to udp (warned once). */
  multicastMaxTransportDataUnit?: number;
}

/** Where a datagram came from (node:dgram's RemoteInfo has this shape). */
export interface DatagramSource {
  address: string;
  port: number;
  /** "IPv4" or "IPv6". */
  family: string;
}

/** Receives what a bound channel reads. */
export interface DatagramSink {
  datagram(data: Buffer, from: DatagramSource): void;
}

/** One open datagram socket. */
export interface DatagramChannel {
  /** The resolved endpoint (real port): what `lastEndpoint` reports. */
  readonly endpoint: string;
  /** True when the endpoint was resolved as IPv6. */
  readonly ipv6: boolean;
  /**
   * Send one datagram made of `parts`, to `host:port` or (omitted) to the endpoint's target. `done` is
   * called once the datagram has left or failed (a bound callback, not a closure per message).
   */
  send(parts: Buffer[], done: () => void, port?: number, host?: string): void;
  close(): void;
}

export interface DatagramTransport {
  /** Bind to receive (and send from the bound port): rejects with a ZmqError. */
  bind(ep: DatagramEndpoint, opts: DatagramOptions, sink: DatagramSink): Promise<DatagramChannel>;
  /** Open a socket that sends to the endpoint's host (resolved first): rejects with a ZmqError. */
  connect(ep: DatagramEndpoint, opts: DatagramOptions): Promise<DatagramChannel>;
}
