/**
 * tcp:// and ipc:// over node:net.
 *
 * - tcp: IPv4, IPv6 (`[::1]`, with the `ipv6` option), hostnames, `*` for all interfaces, port `*`/0 for
 *   an ephemeral port; TCP_NODELAY always; keepalive from the socket options.
 * - ipc: real Unix-domain sockets; relative and absolute paths; `@name` is the Linux abstract namespace;
 *   `ipc://*` makes a unique path. A leftover socket file nobody listens on is removed before binding
 *   (libzmq unlinks any existing file; zocket first checks that no live listener owns it and answers
 *   EADDRINUSE if one does). The file is removed on unbind/close.
 * - Both read through direct input (transports/direct-input.ts).
 */
import * as dns from "node:dns/promises";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ZmqError } from "../errors.ts";
import type { ByteStream } from "./byte-stream.ts";
import { adopt, dial } from "./direct-input.ts";
import type { Endpoint } from "./endpoint.ts";
import { adoptedEndpoint, descriptorFor, unclaim } from "./inherited.ts";
import { socksConnect } from "./socks-connect.ts";
import { parseProxy } from "./socks.ts";
import { resolveSource, sourceError, tuneIpc, tuneTcp } from "./tcp-options.ts";
import type { ConnInfo, Listener, NetOptions, StreamTransport } from "./transport.ts";
import { ConnectAttempt } from "./connect-attempt.ts";

type TcpEndpoint = Extract<Endpoint, { transport: "tcp" }>;
type IpcEndpoint = Extract<Endpoint, { transport: "ipc" }>;

/**
 * Over tcp a read into a large body takes at most 64 KiB at a time; over ipc the whole rest of the body
 * (docs/performance.md, design decision 25).
 */
const TCP_BODY_READ_MAX = 64 * 1024;

type NetEndpoint = TcpEndpoint | IpcEndpoint;

function bodyReadMaxOf(ep: NetEndpoint): number {
  return ep.transport === "tcp" ? TCP_BODY_READ_MAX : Number.POSITIVE_INFINITY;
}

function configure(sock: net.Socket, ep: NetEndpoint, opts: NetOptions): void {
  if (ep.transport === "tcp") {
    sock.setNoDelay(true);
    if (opts.tcpKeepalive === 1) sock.setKeepAlive(true, Math.max(0, opts.tcpKeepaliveIdle) * 1000);
    else if (opts.tcpKeepalive === 0) sock.setKeepAlive(false);
    if (opts.tuning !== undefined) tuneTcp(sock, opts.tuning);
  } else if (opts.tuning !== undefined) tuneIpc(opts.tuning);
}

/** A dotted quad as the kernel writes it (no leading zeros): what getpeername would give back for it. */
const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** A connection we dialed: to an IPv4 address the endpoint names the peer already, no getpeername needed. */
function dialedInfo(sock: net.Socket, ep: NetEndpoint): ConnInfo {
  // getpeername costs ~30 µs a connection while V8 is cold (a burst of 1,000 connects, issue 27).
  if (ep.transport === "tcp" && CANONICAL_IPV4.test(ep.host)) {
    return { remote: `tcp://${ep.host}:${ep.port}`, peerAddress: ep.host };
  }
  return info(sock, ep);
}

function info(sock: net.Socket, ep: NetEndpoint): ConnInfo {
  if (ep.transport === "ipc") return { remote: ep.address, peerAddress: "" };
  const addr = sock.remoteAddress ?? "";
  const host = addr.includes(":") ? `[${addr}]` : addr;
  const peerAddress = addr.startsWith("::ffff:") ? addr.slice(7) : addr;
  return { remote: `tcp://${host}:${sock.remotePort ?? 0}`, peerAddress };
}

function ipcPath(ep: IpcEndpoint): string {
  return ep.abstract ? `\0${ep.path.slice(1)}` : ep.path;
}

/** The address to listen on for a tcp-like endpoint (`*`: every interface). Also used by ws. */
export async function resolveBindHost(ep: Pick<TcpEndpoint, "host" | "address">, ipv6: boolean): Promise<string> {
  if (ep.host === "*") return ipv6 ? "::" : "0.0.0.0";
  const family = net.isIP(ep.host);
  const address = ep.address;
  if (family === 6 && !ipv6) {
    throw new ZmqError("ENODEV", `Cannot bind ${address}: IPv6 addresses need the socket option ipv6 = true`, {
      address,
    });
  }
  if (family !== 0) return ep.host;
  try {
    const r = await dns.lookup(ep.host, { family: ipv6 ? 0 : 4 });
    return r.address;
  } catch (err) {
    const why = `"${ep.host}" is not a local interface or resolvable host name`;
    throw new ZmqError("ENODEV", `Cannot bind ${address}: ${why}`, { cause: err, address });
  }
}

/** A listen error as zeromq.js reports it (EADDRINUSE...). */
export function bindError(err: NodeJS.ErrnoException, address: string): ZmqError {
  const opts = { cause: err, address };
  switch (err.code) {
    case "EADDRINUSE":
      return new ZmqError("EADDRINUSE", `Address already in use: ${address}`, opts);
    case "EADDRNOTAVAIL":
      return new ZmqError("EADDRNOTAVAIL", `Cannot bind ${address}: the address is not on this machine`, opts);
    case "EACCES":
      return new ZmqError("EACCES", `Permission denied binding ${address}`, opts);
    case "ENOENT":
      return new ZmqError("ENOENT", `Cannot bind ${address}: the directory does not exist`, opts);
    default:
      return new ZmqError(err.code ?? "EINVAL", `Cannot bind ${address}: ${err.message}`, opts);
  }
}

/** Is someone listening on this Unix socket path? */
function ipcLive(p: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ path: p });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function listen(
  ep: NetEndpoint,
  opts: NetOptions,
  onConnection: (stream: ByteStream, info: ConnInfo) => void,
): Promise<Listener> {
  const server = net.createServer({ noDelay: true, pauseOnConnect: true });
  let endpoint: string;
  let unlinkPath: string | null = null;
  const listenOn = (o: net.ListenOptions & { fd?: number }): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(o, () => {
        server.off("error", reject);
        resolve();
      });
    });
  let adopted: ReturnType<typeof descriptorFor> = null;
  try {
    // ZMQ_USE_FD, or a descriptor systemd passed for this endpoint (transports/inherited.ts).
    adopted = descriptorFor(ep, opts.tuning?.useFd ?? -1);
    if (adopted !== null) {
      await listenOn({ fd: adopted.fd, backlog: opts.backlog });
      endpoint = adoptedEndpoint(ep, adopted.local, server.address());
    } else if (ep.transport === "tcp") {
      const host = await resolveBindHost(ep, opts.ipv6);
      await listenOn({ host, port: ep.port, backlog: opts.backlog, ipv6Only: false });
      const a = server.address() as net.AddressInfo;
      const h = a.address.includes(":") ? `[${a.address}]` : a.address;
      endpoint = `tcp://${h}:${a.port}`;
    } else {
      let p = ipcPath(ep);
      let shown = ep.address;
      if (!ep.abstract && ep.path === "*") {
        p = path.join(os.tmpdir(), `zocket-${process.pid}-${Math.random().toString(36).slice(2, 10)}.sock`);
        shown = `ipc://${p}`;
      }
      if (!ep.abstract && fs.existsSync(p)) {
        if (await ipcLive(p)) throw Object.assign(new Error("address in use"), { code: "EADDRINUSE" });
        fs.rmSync(p, { force: true }); // a stale file left by a process that died
      }
      await listenOn({ path: p, backlog: opts.backlog });
      if (!ep.abstract) unlinkPath = p;
      endpoint = shown;
    }
  } catch (err) {
    server.close();
    if (adopted !== null) unclaim(adopted.fd);
    if (err instanceof ZmqError) throw err;
    // Node reports a missing directory for a Unix socket as EACCES; libzmq (and zeromq.js) say ENOENT.
    if (ep.transport === "ipc" && !ep.abstract && !fs.existsSync(path.dirname(ipcPath(ep)))) {
      const why = `the directory ${path.dirname(ipcPath(ep))} does not exist`;
      throw new ZmqError("ENOENT", `Cannot bind ${ep.address}: ${why}`, { cause: err, address: ep.address });
    }
    throw bindError(err as NodeJS.ErrnoException, ep.address);
  }
  // Neither a listener nor its connections keep the process alive (see connect below).
  server.unref();
  server.on("connection", (accepted) => {
    const sock = adopt(accepted, bodyReadMaxOf(ep)) as net.Socket & ByteStream;
    configure(sock, ep, opts);
    sock.unref();
    onConnection(sock, info(sock, ep));
  });
  server.on("error", () => {
    /* accept errors (EMFILE...) must not crash the process */
  });
  return {
    endpoint,
    close(): void {
      server.close();
      if (unlinkPath !== null) fs.rmSync(unlinkPath, { force: true });
    },
  };
}

/** The local end of a tcp connect (`tcp://source;destination`), or nothing. */
function localEnd(ep: NetEndpoint, opts: NetOptions): { localAddress?: string; localPort?: number; family?: number } {
  if (ep.transport !== "tcp" || ep.source === undefined) return {};
  const destV6 = ep.ipv6Literal || net.isIP(ep.host) === 6;
  const localAddress = resolveSource(ep.source, ep.address, opts.ipv6, destV6);
  const family = net.isIP(localAddress);
  return ep.source.port > 0 ? { localAddress, localPort: ep.source.port, family } : { localAddress, family };
}

/** What every attempt would refuse, thrown at connect(): an unknown source interface, a bad socksProxy. */
function checkConnect(ep: NetEndpoint, opts: NetOptions): void {
  localEnd(ep, opts);
  const proxy = opts.tuning?.socksProxy;
  if (ep.transport === "tcp" && proxy !== undefined && proxy !== null && proxy !== "") parseProxy(proxy);
}

function connect(
  ep: NetEndpoint,
  opts: NetOptions,
  done: (err: Error | null, stream?: ByteStream, info?: ConnInfo) => void,
): () => void {
  let local: ReturnType<typeof localEnd>;
  try {
    local = localEnd(ep, opts);
  } catch (err) {
    queueMicrotask(() => done(err as Error));
    return () => {};
  }
  const proxy = opts.tuning?.socksProxy;
  if (ep.transport === "tcp" && proxy !== undefined && proxy !== null && proxy !== "") {
    return socksConnect(ep, opts, local, bodyReadMaxOf(ep), (err, stream, conn) => {
      if (stream !== undefined) configure(stream as net.Socket & ByteStream, ep, opts);
      done(err, stream, conn);
    });
  }
  const target: net.NetConnectOpts =
    ep.transport === "tcp"
      ? { host: ep.host, port: ep.port, family: opts.ipv6 || ep.ipv6Literal ? 0 : 4, noDelay: true, ...local }
      : { path: ipcPath(ep) };
  const sock = dial(target, bodyReadMaxOf(ep));
  // As with libzmq's I/O threads, a connection (or an attempt) does not keep the process alive; a waiting
  // send or receive does (sockets/exit.ts).
  sock.unref();
  const finish = (err: Error | null): void => {
    if (!attempt.end()) return;
    sock.off("error", onError);
    sock.off("connect", onConnect);
    if (err) {
      sock.destroy();
      done(err);
    } else {
      configure(sock, ep, opts);
      done(null, sock, dialedInfo(sock, ep));
    }
  };
  const onError = (err: Error): void =>
    finish(ep.transport === "tcp" && ep.source !== undefined ? sourceError(err, ep.source, ep.address) : err);
  const onConnect = (): void => finish(null);
  sock.once("error", onError);
  sock.once("connect", onConnect);
  const attempt = new ConnectAttempt(sock, ep.address, opts.connectTimeout, finish);
  return attempt.cancel;
}

/** tcp:// and ipc://, registered for both schemes in transports/registry.ts. */
export const netTransport: StreamTransport = { listen, connect, checkConnect };
