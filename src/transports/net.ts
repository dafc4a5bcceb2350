/**
 * tcp:// and ipc:// over node:net — the only module that imports Node networking.
 *
 * - tcp: IPv4, IPv6 (`[::1]`, with the `ipv6` option), hostnames, `*` for all interfaces, port `*`/0 for
 *   an ephemeral port; TCP_NODELAY always; keepalive from the socket options.
 * - ipc: real Unix-domain sockets; relative and absolute paths; `@name` is the Linux abstract namespace;
 *   `ipc://*` makes a unique path. A leftover socket file nobody listens on is removed before binding
 *   (libzmq unlinks any existing file; zocket first checks that no live listener owns it and answers
 *   EADDRINUSE if one does). The file is removed on unbind/close.
 */
import * as dns from "node:dns/promises";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ZmqError } from "../errors.ts";
import { Buffer } from "node:buffer";
import type { ByteStream, StreamReader } from "../engine/byte-stream.ts";
import type { Endpoint } from "./endpoint.ts";

export interface ConnInfo {
  /** "tcp://1.2.3.4:5678", "ipc://path". */
  remote: string;
  /** IP text without port (for ZAP), "" for ipc. */
  peerAddress: string;
}

export interface NetOptions {
  ipv6: boolean;
  backlog: number;
  tcpKeepalive: number;
  tcpKeepaliveIdle: number;
  connectTimeout: number;
}

export interface NetListener {
  /** The resolved endpoint (real port, path). */
  readonly endpoint: string;
  close(): void;
}

type StreamEp = Extract<Endpoint, { transport: "tcp" | "ipc" }>;

// ---------------------------------------------------------------------------------------------------
// Direct input (node:net `onread`).
//
// A 'data' event costs Node's Readable machinery on every read, and a reply written from a promise
// continuation waits behind it (a round trip measured 7-10 µs slower per side on the benchmark VM than
// with `onread`). With `onread` the socket calls us straight from the read, and we choose the buffer
// each read lands in:
// - a quiet connection reads into one process-wide scratch buffer and the bytes are copied out (small:
//   a read this size is a message or two), so 10,000 idle connections hold no read buffer at all;
// - a streaming connection (a read of BURST bytes or more) reads into a private slab and the decoder
//   gets views into it, no copy; it drops the slab when reads get small again;
// - while a large frame body is being assembled, the read lands in the body itself (zero copy).
// Accepted sockets get the same by wrapping the accepted handle in a Socket created with `onread`
// (net.Server has no such option); where that is not possible the stream falls back to 'data' events.

/** Shared by every quiet connection: filled by one read, copied out before the next read can happen. */
const SCRATCH = Buffer.allocUnsafeSlow(64 * 1024);
const SLAB_SIZE = 128 * 1024;
/** A slab with less room than this is replaced (so reads stay large). */
const SLAB_MIN_FREE = 32 * 1024;
/** A read this large means the peer is streaming: switch to a private slab (no copy). */
const BURST = 16 * 1024;
/** A read smaller than this in slab mode: traffic is light again, back to the scratch buffer. */
const QUIET = 4 * 1024;

/**
 * Reads up to this size are copied out of the scratch buffer a byte at a time: `Buffer#copy` costs ~600
 * instructions whatever the size (its checks, a typed array for the source range, the `.buffer` getter,
 * which is a call into C++), a loop ~5 a byte. A REQ/REP round trip at 8 B reads 12 bytes on each side:
 * callgrind counted 21870 → 21354 instructions per round trip in a REQ client.
 */
const BYTEWISE_COPY = 64;

const M_SCRATCH = 0;
const M_SLAB = 1;
const M_TARGET = 2;

/**
 * Over tcp, a read into a large body takes at most 64 KiB at a time (ipc: the whole rest of the body).
 * Loopback tcp at 1 MiB, builds alternating on the benchmark VM: 64 KiB reads gave 9.1-11.5 k messages in
 * 3 s against 6.4-7.8 k for the body's whole remainder, with less CPU a message on both ends (sender
 * 252-296 against 333-391 µs, receiver 211-265 against 293-362 µs); 32 KiB measured like 64 KiB, 128 KiB
 * and 256 KiB like no limit. Over ipc the same limit cost 15-35 % at 1 MiB (PUSH, DEALER↔ROUTER,
 * multipart), so it is not used there. See docs/performance.md, item 25.
 */
const TCP_BODY_READ_MAX = 64 * 1024;

/** @internal exported for tests. */
export class DirectInput {
  reader: StreamReader | null = null;
  /** Reads that arrived before the reader was set (normally none). */
  #early: Buffer[] = [];
  #slab: Buffer | null = null;
  #pos = 0;
  #mode = M_SCRATCH;

  /** `bodyReadMax`: the most one read into a large body takes (tcp: TCP_BODY_READ_MAX). */
  constructor(private readonly bodyReadMax: number = Number.POSITIVE_INFINITY) {}

  readonly options = {
    buffer: (): Uint8Array => this.#next(),
    callback: (n: number, buf: Uint8Array): boolean => {
      this.#onRead(n, buf);
      return true;
    },
  };

  setReader(reader: StreamReader): void {
    this.reader = reader;
    const early = this.#early;
    this.#early = [];
    for (const c of early) reader.onBytes(c);
  }

  #next(): Uint8Array {
    const target = this.reader === null ? null : this.reader.readTarget(this.bodyReadMax);
    if (target !== null) {
      this.#mode = M_TARGET;
      return target;
    }
    const slab = this.#slab;
    if (slab === null) {
      this.#mode = M_SCRATCH;
      return SCRATCH;
    }
    this.#mode = M_SLAB;
    if (slab.length - this.#pos < SLAB_MIN_FREE) return this.#freshSlab();
    return slab.subarray(this.#pos);
  }

  /** A new private slab; views handed out from the old one keep it alive as long as they need it. */
  #freshSlab(): Buffer {
    this.#slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    this.#pos = 0;
    return this.#slab;
  }

  #onRead(n: number, buf: Uint8Array): void {
    let chunk: Buffer;
    if (this.#mode === M_SCRATCH) {
      chunk = Buffer.allocUnsafe(n);
      if (n <= BYTEWISE_COPY) {
        for (let i = 0; i < n; i++) chunk[i] = SCRATCH[i]!;
      } else {
        SCRATCH.copy(chunk, 0, 0, n);
        if (n >= BURST) this.#freshSlab();
      }
    } else {
      chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
      if (this.#mode === M_SLAB) {
        this.#pos += n;
        if (n < QUIET) this.#slab = null;
      }
    }
    this.deliver(chunk);
  }

  /** Bytes for the reader (kept until it is set). */
  deliver(chunk: Buffer): void {
    if (this.reader !== null) this.reader.onBytes(chunk);
    else this.#early.push(chunk);
  }
}

type DirectSocket = net.Socket & ByteStream;

function withReader(sock: net.Socket, input: DirectInput): DirectSocket {
  const s = sock as DirectSocket;
  s.setReader = (reader: StreamReader): void => input.setReader(reader);
  // Node never emits 'data' on an `onread` socket; a runtime whose node:net ignores the option does,
  // and its bytes must still reach the reader.
  s.on("data", (chunk: Buffer) => input.deliver(chunk));
  return s;
}

/** A socket for an outgoing connection, with direct input. */
function dial(options: net.NetConnectOpts, bodyReadMax: number): DirectSocket {
  const input = new DirectInput(bodyReadMax);
  return withReader(net.connect({ ...options, onread: input.options }), input);
}

/**
 * An accepted connection (the server runs with pauseOnConnect, so nothing has been read yet): its handle
 * moves into a Socket created with `onread`. Relies on net.Socket's `handle` option and `_handle`
 * (what child_process uses to pass sockets); falls back to 'data' events where they are missing.
 * @internal exported for tests.
 */
export function adopt(accepted: net.Socket, bodyReadMax: number = Number.POSITIVE_INFINITY): ByteStream {
  const handle = (accepted as unknown as { _handle?: { readStart?: unknown; useUserBuffer?: unknown } | null })._handle;
  if (handle == null || typeof handle.readStart !== "function" || typeof handle.useUserBuffer !== "function") {
    accepted.resume();
    return accepted;
  }
  (accepted as unknown as { _handle: unknown })._handle = null;
  // The shell closes without touching the handle (it has none now) and the server counts it as gone.
  accepted.destroy();
  const input = new DirectInput(bodyReadMax);
  const opts = { handle, readable: true, writable: true, onread: input.options } as unknown as net.SocketConstructorOpts;
  return withReader(new net.Socket(opts), input);
}

function bodyReadMaxOf(ep: StreamEp): number {
  return ep.transport === "tcp" ? TCP_BODY_READ_MAX : Number.POSITIVE_INFINITY;
}

function configure(sock: net.Socket, ep: StreamEp, opts: NetOptions): void {
  if (ep.transport === "tcp") {
    sock.setNoDelay(true);
    if (opts.tcpKeepalive === 1) sock.setKeepAlive(true, Math.max(0, opts.tcpKeepaliveIdle) * 1000);
    else if (opts.tcpKeepalive === 0) sock.setKeepAlive(false);
  }
}

function info(sock: net.Socket, ep: StreamEp): ConnInfo {
  if (ep.transport === "ipc") return { remote: ep.address, peerAddress: "" };
  const addr = sock.remoteAddress ?? "";
  const host = addr.includes(":") ? `[${addr}]` : addr;
  return { remote: `tcp://${host}:${sock.remotePort ?? 0}`, peerAddress: addr.startsWith("::ffff:") ? addr.slice(7) : addr };
}

function ipcPath(ep: Extract<Endpoint, { transport: "ipc" }>): string {
  return ep.abstract ? `\0${ep.path.slice(1)}` : ep.path;
}

async function resolveBindHost(ep: Extract<Endpoint, { transport: "tcp" }>, ipv6: boolean): Promise<string> {
  if (ep.host === "*") return ipv6 ? "::" : "0.0.0.0";
  const family = net.isIP(ep.host);
  if (family === 6 && !ipv6) {
    throw new ZmqError("ENODEV", `Cannot bind ${ep.address}: IPv6 addresses need the socket option ipv6 = true`, { address: ep.address });
  }
  if (family !== 0) return ep.host;
  try {
    const r = await dns.lookup(ep.host, { family: ipv6 ? 0 : 4 });
    return r.address;
  } catch (err) {
    throw new ZmqError("ENODEV", `Cannot bind ${ep.address}: "${ep.host}" is not a local interface or resolvable host name`, { cause: err, address: ep.address });
  }
}

function bindError(err: NodeJS.ErrnoException, address: string): ZmqError {
  switch (err.code) {
    case "EADDRINUSE":
      return new ZmqError("EADDRINUSE", `Address already in use: ${address}`, { cause: err, address });
    case "EADDRNOTAVAIL":
      return new ZmqError("EADDRNOTAVAIL", `Cannot bind ${address}: the address is not on this machine`, { cause: err, address });
    case "EACCES":
      return new ZmqError("EACCES", `Permission denied binding ${address}`, { cause: err, address });
    case "ENOENT":
      return new ZmqError("ENOENT", `Cannot bind ${address}: the directory does not exist`, { cause: err, address });
    default:
      return new ZmqError(err.code ?? "EINVAL", `Cannot bind ${address}: ${err.message}`, { cause: err, address });
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

export async function listen(
  ep: StreamEp,
  opts: NetOptions,
  onConnection: (stream: ByteStream, info: ConnInfo) => void,
): Promise<NetListener> {
  const server = net.createServer({ noDelay: true, pauseOnConnect: true });
  let endpoint: string;
  let unlinkPath: string | null = null;
  const listenOn = (o: net.ListenOptions): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(o, () => {
        server.off("error", reject);
        resolve();
      });
    });
  try {
    if (ep.transport === "tcp") {
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
    if (err instanceof ZmqError) throw err;
    // Node reports a missing directory for a Unix socket as EACCES; libzmq (and zeromq.js) say ENOENT.
    if (ep.transport === "ipc" && !ep.abstract && !fs.existsSync(path.dirname(ipcPath(ep)))) {
      throw new ZmqError("ENOENT", `Cannot bind ${ep.address}: the directory ${path.dirname(ipcPath(ep))} does not exist`, { cause: err, address: ep.address });
    }
    throw bindError(err as NodeJS.ErrnoException, ep.address);
  }
  server.on("connection", (accepted) => {
    const sock = adopt(accepted, bodyReadMaxOf(ep)) as net.Socket & ByteStream;
    configure(sock, ep, opts);
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

/**
 * Start one connection attempt. Calls `done` exactly once, unless cancelled first.
 * Returns a cancel function.
 */
export function connect(
  ep: StreamEp,
  opts: NetOptions,
  done: (err: Error | null, stream?: ByteStream, info?: ConnInfo) => void,
): () => void {
  let finished = false;
  let timer: NodeJS.Timeout | null = null;
  const sock = dial(
    ep.transport === "tcp" ? { host: ep.host, port: ep.port, family: opts.ipv6 || ep.ipv6Literal ? 0 : 4, noDelay: true } : { path: ipcPath(ep) },
    bodyReadMaxOf(ep),
  );
  const finish = (err: Error | null): void => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    sock.off("error", onError);
    sock.off("connect", onConnect);
    if (err) {
      sock.destroy();
      done(err);
    } else {
      configure(sock, ep, opts);
      done(null, sock, info(sock, ep));
    }
  };
  const onError = (err: Error): void => finish(err);
  const onConnect = (): void => finish(null);
  sock.once("error", onError);
  sock.once("connect", onConnect);
  if (opts.connectTimeout > 0) {
    timer = setTimeout(() => finish(new ZmqError("ETIMEDOUT", `connect to ${ep.address} timed out`)), opts.connectTimeout);
    timer.unref();
  }
  return () => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    sock.destroy();
  };
}
