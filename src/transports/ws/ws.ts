/**
 * ws:// and wss:// on Node (and Bun, Deno): TCP or TLS connections carrying ZWS 2.0 (docs/ws-notes.md).
 *
 * The transport only listens and dials; each connection becomes a {@link ZwsStream} at once and the HTTP
 * upgrade runs when the engine asks for it (its mechanism names the subprotocol), inside the engine's
 * handshake timeout, as libzmq's ws_engine does. A listener answers any request path (§1); a client
 * sends the endpoint's path. wss takes libzmq's ZMQ_WSS_* options (§16): a server needs a certificate and
 * key; a client verifies the server against `trustPem`, the system CAs, or both.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { ZmqError } from "../../errors.ts";
import type { ByteStream } from "../byte-stream.ts";
import type { Endpoint } from "../endpoint.ts";
import { bindError, resolveBindHost } from "../net.ts";
import type { ConnInfo, Listener, NetOptions, StreamTransport, TlsOptions } from "../transport.ts";
import { ZwsStream } from "./zws-stream.ts";
import { ConnectAttempt } from "../connect-attempt.ts";

type WsEndpoint = Extract<Endpoint, { transport: "ws" | "wss" }>;

function configure(sock: net.Socket, opts: NetOptions): void {
  sock.setNoDelay(true);
  if (opts.tcpKeepalive === 1) sock.setKeepAlive(true, Math.max(0, opts.tcpKeepaliveIdle) * 1000);
  else if (opts.tcpKeepalive === 0) sock.setKeepAlive(false);
}

function bracket(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

function info(sock: net.Socket, scheme: string): ConnInfo {
  const addr = sock.remoteAddress ?? "";
  const peerAddress = addr.startsWith("::ffff:") ? addr.slice(7) : addr;
  return { remote: `${scheme}://${bracket(addr)}:${sock.remotePort ?? 0}`, peerAddress };
}

const NO_TLS: TlsOptions = { keyPem: null, certPem: null, trustPem: null, hostname: null, trustSystem: false };

function serverContext(ep: WsEndpoint, t: TlsOptions): tls.TlsOptions {
  if (t.certPem === null || t.keyPem === null) {
    throw new ZmqError("EINVAL", `Cannot bind ${ep.address}: wss needs the options wssCertPem and wssKeyPem`, {
      address: ep.address,
    });
  }
  return { cert: t.certPem, key: t.keyPem };
}

/** A client's TLS options: SNI and the name checked, and which CAs are trusted (docs/ws-notes.md §16). */
function clientContext(ep: WsEndpoint, t: TlsOptions): tls.ConnectionOptions {
  const name = t.hostname ?? ep.host;
  const o: tls.ConnectionOptions = { host: ep.host, port: ep.port, rejectUnauthorized: true };
  if (net.isIP(name) === 0) o.servername = name;
  else if (t.hostname !== null) o.checkServerIdentity = (_host, cert) => tls.checkServerIdentity(name, cert);
  // Without a trust PEM the system's CAs are used (Node's default); with one, the system's only on request.
  if (t.trustPem !== null) o.ca = t.trustSystem ? [...tls.rootCertificates, t.trustPem] : t.trustPem;
  return o;
}

async function listen(
  ep: WsEndpoint,
  opts: NetOptions,
  onConnection: (stream: ByteStream, info: ConnInfo) => void,
): Promise<Listener> {
  const secure = ep.transport === "wss";
  const server = secure
    ? tls.createServer({ ...serverContext(ep, opts.tls ?? NO_TLS), noDelay: true })
    : net.createServer({ noDelay: true });
  let endpoint: string;
  try {
    const host = await resolveBindHost(ep, opts.ipv6);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port: ep.port, backlog: opts.backlog, ipv6Only: false }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const a = server.address() as net.AddressInfo;
    endpoint = `${ep.transport}://${bracket(a.address)}:${a.port}${ep.path}`;
  } catch (err) {
    server.close();
    if (err instanceof ZmqError) throw err;
    throw bindError(err as NodeJS.ErrnoException, ep.address);
  }
  server.unref();
  const accepted = (sock: net.Socket): void => {
    configure(sock, opts);
    sock.unref();
    onConnection(new ZwsStream(sock, false, null), info(sock, ep.transport));
  };
  if (secure) {
    server.on("secureConnection", accepted);
    // A failed TLS handshake costs only that connection.
    server.on("tlsClientError", () => {});
  } else {
    server.on("connection", accepted);
  }
  server.on("error", () => {
    /* accept errors (EMFILE...) must not crash the process */
  });
  return { endpoint, close: () => server.close() };
}

function connect(
  ep: WsEndpoint,
  opts: NetOptions,
  done: (err: Error | null, stream?: ByteStream, info?: ConnInfo) => void,
): () => void {
  const family = opts.ipv6 || ep.ipv6Literal ? 0 : 4;
  const secure = ep.transport === "wss";
  const sock: net.Socket = secure
    ? tls.connect({ ...clientContext(ep, opts.tls ?? NO_TLS), family } as tls.ConnectionOptions)
    : net.connect({ host: ep.host, port: ep.port, family, noDelay: true });
  // As for tcp: neither a connection nor an attempt keeps the process alive (sockets/exit.ts).
  sock.unref();
  const finish = (err: Error | null): void => {
    if (!attempt.end()) return;
    sock.off("error", finish);
    sock.off(secure ? "secureConnect" : "connect", onConnect);
    if (err) {
      sock.destroy();
      done(err);
      return;
    }
    configure(sock, opts);
    const host = ep.port === (secure ? 443 : 80) ? bracket(ep.host) : `${bracket(ep.host)}:${ep.port}`;
    done(null, new ZwsStream(sock, true, { host, path: ep.path }), info(sock, ep.transport));
  };
  const onConnect = (): void => finish(null);
  sock.once("error", finish);
  sock.once(secure ? "secureConnect" : "connect", onConnect);
  const attempt = new ConnectAttempt(sock, ep.address, opts.connectTimeout, finish);
  return attempt.cancel;
}

/** ws:// and wss://, registered for both schemes in transports/registry.ts. */
export const wsTransport: StreamTransport = {
  carriesMessages: true,
  listen: (ep, opts, onConnection) => listen(ep as WsEndpoint, opts, onConnection),
  connect: (ep, opts, done) => connect(ep as WsEndpoint, opts, done),
};
