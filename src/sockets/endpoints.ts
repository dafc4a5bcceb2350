/**
 * A socket's endpoints (libzmq `socket_base_t`'s bind/connect bookkeeping): what it listens on and what it
 * connects to — tcp/ipc through sessions, datagram transports (udp) through datagram sessions, inproc
 * through the context's registry — for unbind(), disconnect(), close() and `lastEndpoint`.
 */
import { ZmqError } from "../errors.ts";
import { kInproc, type InprocConnect } from "../context.ts";
import type { Pipe } from "../pipe.ts";
import { DATAGRAM_USE, datagramOnly } from "../protocol/constants.ts";
import { checkAddressArgument, parseEndpoint, type Endpoint } from "../transports/endpoint.ts";
import { carriesMessages, isDatagramEndpoint } from "../transports/registry.ts";
import { DatagramSession } from "./datagram-session.ts";
import { pendInproc } from "./inproc.ts";
import { ConnectSession, ListenSession } from "./session.ts";
import type { SocketCore } from "./socket-core.ts";

export function closedError(): ZmqError {
  return new ZmqError("EBADF", "The socket is closed: it can no longer bind, connect, send or receive");
}

function noEndpoint(address: string, what: "bound" | "connected"): ZmqError {
  return new ZmqError("ENOENT", `${address} is not ${what} by this socket`, { address });
}

/**
 * Which socket types may use a datagram transport, and from which side (docs/drafts-notes.md §17), and
 * that STREAM stays on byte-stream transports:
 * ENOCOMPATPROTO otherwise (libzmq's code for a transport the type cannot use).
 */
function checkTransportUse(core: SocketCore, ep: Endpoint, mode: "bind" | "connect"): void {
  if (core.type === "STREAM" && carriesMessages(ep)) {
    const why = `STREAM sockets carry raw bytes; ${ep.transport}:// carries ZeroMQ messages (use tcp:// or ipc://)`;
    throw new ZmqError("ENOCOMPATPROTO", why, { address: ep.address });
  }
  const use = DATAGRAM_USE[core.type];
  const datagram = isDatagramEndpoint(ep);
  if (datagram ? use?.mode === mode : !datagramOnly(core.type)) return;
  const list = (types: string[]): string => types.join(", ").replace(/, ([^,]*)$/, " and $1");
  const uses = Object.entries(DATAGRAM_USE);
  const binders = list(uses.filter(([, u]) => u.mode === "bind").map(([t]) => t));
  const connecters = list(uses.filter(([, u]) => u.mode === "connect").map(([t]) => t));
  const why = datagram
    ? `${core.type} sockets cannot ${mode} a ${ep.transport} endpoint: ${ep.transport} is for ` +
      `${list(uses.map(([t]) => t))} sockets (connect: ${connecters}; bind: ${binders})`
    : `${core.type} sockets need a datagram transport such as udp://, not ${ep.transport}://`;
  throw new ZmqError("ENOCOMPATPROTO", why, { address: ep.address });
}

/**
 * The address of a bind:error event: libzmq reports the endpoint without its transport (zeromq.js's
 * test reads `tcp://${event.address}`), as it does the failed bind itself.
 */
function bindErrorAddress(address: string): string {
  const sep = address.indexOf("://");
  return sep === -1 ? address : address.slice(sep + 3);
}

export class Endpoints {
  readonly #core: SocketCore;
  /** Bound tcp/ipc endpoints, under the resolved endpoint and the one the user wrote. */
  readonly #listeners = new Map<string, ListenSession>();
  readonly #connects = new Map<string, ConnectSession[]>();
  readonly #inprocBound = new Set<string>();
  readonly #inprocConnects = new Map<string, InprocConnect[]>();
  /** Datagram (udp) endpoints: bound ones under the resolved endpoint and the one written; connected ones. */
  readonly #datagramBound = new Map<string, DatagramSession>();
  readonly #datagramConnects = new Map<string, DatagramSession[]>();
  /** inproc connect-before-bind: the connector's side of the pipe, made at connect(), handed over at bind. */
  readonly inprocPending = new Map<InprocConnect, Pipe>();

  constructor(core: SocketCore) {
    this.#core = core;
  }

  /** How many endpoints are bound or connected now (zeromq.js's Proxy needs one on each side). */
  get count(): number {
    const listening =
      new Set(this.#listeners.values()).size + this.#inprocBound.size + new Set(this.#datagramBound.values()).size;
    return listening + this.#connects.size + this.#inprocConnects.size + this.#datagramConnects.size;
  }

  /**
   * Bind. As zeromq.js, a wrong argument (TypeError) and a closed socket (EBADF) are thrown at the call;
   * what the endpoint itself gets wrong rejects.
   */
  bind(address: string): Promise<void> {
    checkAddressArgument(address);
    if (this.#core.socket.closed) throw closedError();
    return this.#bind(address);
  }

  async #bind(address: string): Promise<void> {
    const core = this.#core;
    const ep = parseEndpoint(address, "bind");
    checkTransportUse(core, ep, "bind");
    if (isDatagramEndpoint(ep)) return this.#bindDatagram(ep, address);
    if (ep.transport === "inproc") {
      core.context[kInproc].bind(ep.name, core);
      this.#inprocBound.add(ep.name);
      core.options.lastEndpoint = ep.address;
      // libzmq emits no monitor events for inproc (nor does zeromq.js): no "bind", no "bind:error".
      return;
    }
    try {
      const ls = await ListenSession.open(ep, core);
      if (core.socket.closed) {
        ls.close();
        throw closedError();
      }
      this.#listeners.set(ls.endpoint, ls);
      if (ls.endpoint !== address) this.#listeners.set(address, ls);
      core.options.lastEndpoint = ls.endpoint;
      core.emit({ type: "bind", address: ls.endpoint });
    } catch (err) {
      if (err instanceof ZmqError) core.emit({ type: "bind:error", address: bindErrorAddress(address), error: err });
      throw err;
    }
  }

  async #bindDatagram(ep: Extract<Endpoint, { transport: "udp" }>, address: string): Promise<void> {
    const core = this.#core;
    try {
      const ds = await DatagramSession.bind(ep, core);
      if (core.socket.closed) {
        ds.stop();
        core.closePipesOf(ds.endpoint, false);
        throw closedError();
      }
      this.#datagramBound.set(ds.endpoint, ds);
      if (ds.endpoint !== address) this.#datagramBound.set(address, ds);
      core.options.lastEndpoint = ds.endpoint;
      core.emit({ type: "bind", address: ds.endpoint });
    } catch (err) {
      if (err instanceof ZmqError) core.emit({ type: "bind:error", address: bindErrorAddress(address), error: err });
      throw err;
    }
  }

  /** Unbind: thrown at the call and rejected as {@link Endpoints.bind}. */
  unbind(address: string): Promise<void> {
    checkAddressArgument(address);
    if (this.#core.socket.closed) throw closedError();
    return this.#unbind(address);
  }

  async #unbind(address: string): Promise<void> {
    const core = this.#core;
    const ep = parseEndpoint(address, "bind");
    if (ep.transport === "inproc") {
      if (!this.#inprocBound.delete(ep.name) || !core.context[kInproc].unbind(ep.name, core)) {
        throw noEndpoint(address, "bound");
      }
      // libzmq keeps the inproc pipes already connected: only new connects stop reaching the name.
      return;
    }
    const ds = this.#datagramBound.get(address);
    if (ds !== undefined) {
      for (const [k, v] of [...this.#datagramBound]) if (v === ds) this.#datagramBound.delete(k);
      ds.stop();
      core.closePipesOf(ds.endpoint, false);
      return;
    }
    const ls = this.#listeners.get(address);
    if (!ls) throw noEndpoint(address, "bound");
    for (const [k, v] of [...this.#listeners]) if (v === ls) this.#listeners.delete(k);
    ls.close();
    core.closePipesOf(ls.endpoint, false);
  }

  connect(ep: Endpoint): void {
    const core = this.#core;
    checkTransportUse(core, ep, "connect");
    if (isDatagramEndpoint(ep)) {
      const ds = DatagramSession.connect(ep, core);
      let list = this.#datagramConnects.get(ep.address);
      if (!list) this.#datagramConnects.set(ep.address, (list = []));
      list.push(ds);
      return;
    }
    if (ep.transport === "inproc") {
      const c: InprocConnect = { name: ep.name, connector: core, done: false };
      let list = this.#inprocConnects.get(ep.address);
      if (!list) this.#inprocConnects.set(ep.address, (list = []));
      list.push(c);
      core.context[kInproc].connect(c);
      if (!c.done) pendInproc(core, c);
      return;
    }
    const s = new ConnectSession(ep, core);
    let list = this.#connects.get(ep.address);
    if (!list) this.#connects.set(ep.address, (list = []));
    list.push(s);
  }

  disconnect(address: string): void {
    const core = this.#core;
    checkAddressArgument(address);
    if (core.socket.closed) throw closedError();
    const ep = parseEndpoint(address, "connect");
    core.disconnected = true;
    if (ep.transport === "inproc") {
      const list = this.#inprocConnects.get(ep.address);
      if (!list) throw noEndpoint(address, "connected");
      this.#inprocConnects.delete(ep.address);
      for (const c of list) {
        core.context[kInproc].cancel(c);
        this.inprocPending.delete(c);
      }
      core.closePipesOf(ep.address, true);
      return;
    }
    const datagram = this.#datagramConnects.get(address);
    if (datagram !== undefined) {
      this.#datagramConnects.delete(address);
      for (const s of datagram) s.stop();
      core.closePipesOf(address, true);
      return;
    }
    const list = this.#connects.get(address);
    if (!list) throw noEndpoint(address, "connected");
    this.#connects.delete(address);
    for (const s of list) s.stop();
    core.closePipesOf(address, true);
  }

  /** Close time, before the pipes close: stop listening and leave the inproc registry. */
  stopListening(): void {
    const core = this.#core;
    for (const name of this.#inprocBound) core.context[kInproc].unbind(name, core);
    this.#inprocBound.clear();
    for (const list of this.#inprocConnects.values()) {
      for (const c of list) {
        // A pending inproc connection that holds messages stays registered: the binder still gets them
        // when it binds (libzmq keeps the pending pipe; zeromq.js delivers them whatever the linger).
        const pending = this.inprocPending.get(c);
        if (pending !== undefined && pending.outbound.length > 0) continue;
        this.inprocPending.delete(c);
        core.context[kInproc].cancel(c);
      }
    }
    this.#inprocConnects.clear();
    for (const ls of new Set(this.#listeners.values())) ls.close();
    this.#listeners.clear();
    // The pipes' close, next, sends what is queued and closes the channels.
    for (const ds of this.#datagramBound.values()) ds.stop();
    this.#datagramBound.clear();
  }

  /** Close time, after the pipes closed (and took charge of lingering): stop connecting. */
  stopConnecting(): void {
    for (const list of this.#connects.values()) for (const s of list) s.shutdown();
    this.#connects.clear();
    for (const list of this.#datagramConnects.values()) for (const s of list) s.stop();
    this.#datagramConnects.clear();
  }
}
