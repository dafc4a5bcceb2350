/**
 * What a stream transport (tcp, ipc; later ws, wss) offers the sessions: listen on an endpoint and dial
 * one, handing over connected {@link ByteStream}s. Sessions find a transport by its endpoint's scheme in
 * transports/registry.ts and never import one directly.
 */
import type { ByteStream } from "./byte-stream.ts";
import type { Endpoint } from "./endpoint.ts";

/**
 * Endpoints served by a stream transport: every scheme but inproc (in-memory pipes the Context pairs) and
 * the datagram ones (transports/datagram.ts).
 */
export type StreamEndpoint = Exclude<Endpoint, { transport: "inproc" | "udp" }>;

/** Socket options the transports read (ZMQ_IPV6, ZMQ_BACKLOG, ZMQ_TCP_KEEPALIVE*, ZMQ_CONNECT_TIMEOUT). */
export interface NetOptions {
  ipv6: boolean;
  backlog: number;
  tcpKeepalive: number;
  tcpKeepaliveIdle: number;
  connectTimeout: number;
}

/** Where a connection comes from. */
export interface ConnInfo {
  /** "tcp://1.2.3.4:5678", "ipc://path". */
  remote: string;
  /** IP text without port (for ZAP), "" for ipc. */
  peerAddress: string;
}

export interface Listener {
  /** The resolved endpoint (real port, path). */
  readonly endpoint: string;
  close(): void;
}

export interface StreamTransport {
  /** Bind and accept: every accepted connection goes to `onConnection`. Rejects with a ZmqError (EADDRINUSE...). */
  listen(
    ep: StreamEndpoint,
    opts: NetOptions,
    onConnection: (stream: ByteStream, info: ConnInfo) => void,
  ): Promise<Listener>;
  /**
   * Start one connection attempt. Calls `done` exactly once, unless cancelled first. Returns a cancel
   * function.
   */
  connect(
    ep: StreamEndpoint,
    opts: NetOptions,
    done: (err: Error | null, stream?: ByteStream, info?: ConnInfo) => void,
  ): () => void;
}
