/**
 * What a stream transport (tcp, ipc, ws, wss) offers the sessions: listen on an endpoint and dial
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
  /** TLS for transports that have it (wss://); absent: defaults (docs/ws-notes.md §16). */
  tls?: TlsOptions;
  /** tcp/ipc beyond node:net's defaults (transports/tcp-options.ts); absent: libzmq's defaults. */
  tuning?: NetTuning;
}

/**
 * libzmq's other transport options: ZMQ_SNDBUF/RCVBUF, TOS, BINDTODEVICE, TCP_MAXRT, TCP_KEEPALIVE_CNT/INTVL
 * (applied where node:net can, else warned about once), ZMQ_USE_FD (bind adopts a listening descriptor)
 * and the SOCKS5 proxy of tcp connects (ZMQ_SOCKS_PROXY/USERNAME/PASSWORD).
 */
export interface NetTuning {
  sendBufferSize: number;
  receiveBufferSize: number;
  typeOfService: number;
  bindToDevice: string | null;
  tcpMaxRetransmitTimeout: number;
  tcpKeepaliveCount: number;
  tcpKeepaliveInterval: number;
  /** A listening tcp/ipc descriptor bind() adopts; -1: none (systemd's are found by address). */
  useFd: number;
  socksProxy: string | null;
  socksUsername: string | null;
  socksPassword: string | null;
}

/** TLS settings (libzmq ZMQ_WSS_KEY_PEM, _CERT_PEM, _TRUST_PEM, _HOSTNAME, _TRUST_SYSTEM). */
export interface TlsOptions {
  /** A server's private key and certificate chain, PEM. */
  keyPem: string | null;
  certPem: string | null;
  /** CA certificates a client trusts, PEM. */
  trustPem: string | null;
  /** The name a client checks the server's certificate against (and sends as SNI); null: the host. */
  hostname: string | null;
  /** A client also trusts the system's CAs. */
  trustSystem: boolean;
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
  /**
   * True when a connection carries whole messages (ZWS over WebSocket) rather than a byte stream: STREAM
   * sockets, which read and write raw bytes, cannot use it.
   */
  readonly carriesMessages?: boolean;
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
  /** What connect() would refuse every time (an unknown source interface): thrown at the connect() call. */
  checkConnect?(ep: StreamEndpoint, opts: NetOptions): void;
}
