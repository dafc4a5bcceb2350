/**
 * Sessions tie engines to pipes (libzmq `session_base_t`, `tcp_connecter_t`, `tcp_listener_t`).
 *
 * - {@link ConnectSession}: one per `connect()` endpoint. Connects, reconnects with exponential backoff
 *   (`reconnectInterval` doubling up to `reconnectMaxInterval`), and unless `immediate` keeps one pipe
 *   for the endpoint across reconnects, so messages sent before the peer exists wait in it.
 * - {@link ListenSession}: one per `bind()` endpoint; each accepted connection gets its own pipe once
 *   its handshake completes, and loses it when the connection ends.
 * Both reach tcp and ipc through the transport registry (transports/registry.ts), never directly.
 */
import { ZmqError } from "../errors.ts";
import type { Engine, EngineClose, EngineFactory, EngineHost, EngineOptions } from "../engine/engine.ts";
import { ZmtpEngine } from "../engine/zmtp-engine.ts";
import type { ZapReply, ZapRequest } from "../mechanisms/mechanism.ts";
import type { CommandMsg, PeerInfo, Pipe } from "../pipe.ts";
import type { ByteStream } from "../transports/byte-stream.ts";
import { streamTransport } from "../transports/registry.ts";
import type { ConnInfo, Listener, NetOptions, StreamEndpoint } from "../transports/transport.ts";
import type { Event } from "./observer.ts";
import { lingerEnded, lingerStarted, type Lingering } from "./exit.ts";

/** What sessions need from their socket. */
export interface SessionOwner {
  engineOptions(): EngineOptions;
  netOptions(): NetOptions;
  reconnectIvl(): number;
  reconnectMaxIvl(): number;
  /** ZMQ_RECONNECT_STOP bits: 1 connection refused, 2 handshake failed, 4 refused after a disconnect(). */
  reconnectStop?(): number;
  /** disconnect() was called on the socket (ZMQ_RECONNECT_STOP_AFTER_DISCONNECT). */
  readonly disconnected?: boolean;
  isImmediate(): boolean;
  /** True if pipes may only be created once the peer is known (ROUTER-like, or immediate). */
  attachOnHandshake(): boolean;
  emit(event: Event): void;
  /** Create a pipe for this endpoint and attach it to the socket. */
  newPipe(endpoint: string, outgoing: boolean, peer: PeerInfo | null): Pipe | null;
  /** A known pipe got a (new) connection: e.g. SUB re-sends its subscriptions (libzmq hiccup). */
  pipeReconnected(pipe: Pipe): void;
  /** A peer was identified on a pipe created before the handshake. */
  pipePeerKnown(pipe: Pipe): boolean;
  zap(request: ZapRequest): Promise<ZapReply | null>;
  /** The socket is closing: sessions must not keep the process alive for retries. */
  readonly closing: boolean;
  /** Engine for a new connection when it is not ZMTP (STREAM's raw engine); default {@link ZmtpEngine}. */
  createEngine?: EngineFactory;
}

function newEngine(owner: SessionOwner, stream: ByteStream, host: EngineHost, info: ConnInfo): Engine {
  if (owner.createEngine) return owner.createEngine(stream, host, info.remote, info.peerAddress);
  return new ZmtpEngine(stream, host, owner.engineOptions(), info.remote, info.peerAddress);
}

/**
 * Monitor events for a closed connection. libzmq (`stream_engine_base_t::error`) reports a failed
 * handshake as HANDSHAKE_FAILED_* and then, like every engine close, DISCONNECTED: zeromq.js shows
 * `handshake:error:*` followed by `disconnect`.
 */
function closeEvents(info: EngineClose, address: string): Event[] {
  const disconnect: Event = { type: "disconnect", address };
  if (!info.duringHandshake || info.quiet === true) return [disconnect];
  const error = info.error ?? new ZmqError("ECONNRESET", "connection closed during the handshake");
  if (info.kind === "auth") return [{ type: "handshake:error:auth", address, error }, disconnect];
  if (info.kind === "protocol") return [{ type: "handshake:error:protocol", address, error }, disconnect];
  return [{ type: "handshake:error:other", address, error }, disconnect];
}

/** The states of a {@link ConnectSession}. */
export const ConnectState = {
  /** A connection attempt is in flight. */
  CONNECTING: "connecting",
  /** The reconnect timer runs: the last attempt failed, or the connection ended. */
  WAITING: "waiting",
  /** Not connected and not trying again (`reconnectInterval` -1). */
  IDLE: "idle",
  /** An engine runs the connection: its handshake, then messages. */
  CONNECTED: "connected",
  /** The socket closed the pipe: the engine writes what is queued (up to the linger), then closes. */
  LINGERING: "lingering",
  /** Done: no engine, no timer, and the pipe, if any, terminated. */
  STOPPED: "stopped",
} as const;
export type ConnectState = (typeof ConnectState)[keyof typeof ConnectState];

const { CONNECTING, WAITING, IDLE, CONNECTED, LINGERING, STOPPED } = ConnectState;

/**
 * Every transition a ConnectSession makes, and nothing else:
 * - connecting → connected (the transport connected), waiting (it failed; retry later), idle (failed, no
 *   reconnect), stopped (failed past the linger deadline);
 * - waiting → connecting (the timer fired);
 * - connected → waiting / idle / stopped (the engine closed: retry, no reconnect, or refused during the
 *   handshake as libzmq stops), lingering (the socket closed the pipe, or the connection came up while a
 *   linger deadline was running);
 * - lingering → stopped (the engine closed);
 * - any state → stopped ({@link ConnectSession.stop}: disconnect, socket shutdown, linger 0).
 * The socket closing the pipe while not connected (connecting, waiting, idle) with messages queued sets a
 * linger deadline but changes no state: the session keeps trying until the next connection lingers or the
 * deadline passes.
 */
const TRANSITIONS: Readonly<Record<ConnectState, readonly ConnectState[]>> = {
  [CONNECTING]: [CONNECTED, WAITING, IDLE, STOPPED],
  [WAITING]: [CONNECTING, STOPPED],
  [IDLE]: [STOPPED],
  [CONNECTED]: [WAITING, IDLE, LINGERING, STOPPED],
  [LINGERING]: [STOPPED],
  [STOPPED]: [],
};

export class ConnectSession implements EngineHost {
  readonly endpoint: StreamEndpoint;
  readonly #owner: SessionOwner;
  #state: ConnectState = CONNECTING;
  #engine: Engine | null = null;
  #pipe: Pipe | null = null;
  /** Cancels the connection attempt in flight (connecting). */
  #cancelConnect: (() => void) | null = null;
  /** The reconnect timer (waiting). */
  #timer: NodeJS.Timeout | null = null;
  /** The next reconnect delay (backoff). */
  #interval: number;
  /** The socket closed the pipe while disconnected, with messages queued: keep trying until then (ms). */
  #lingerUntil = 0;
  #lingerToken: Lingering | null = null;
  /** The socket closed the pipe: the linger is in charge, shutdown() leaves the session alone. */
  #closeCalled = false;
  /** Has any connection been attached to the pipe (later ones are reconnections: hiccup)? */
  #hadEngine = false;
  /** The current engine has the pipe (its handshake is done); before that it has nothing to linger on. */
  #engineAttached = false;

  constructor(endpoint: StreamEndpoint, owner: SessionOwner) {
    this.endpoint = endpoint;
    this.#owner = owner;
    this.#interval = owner.reconnectIvl();
    // What every attempt would refuse (an unknown source interface...) is thrown at connect().
    streamTransport(endpoint).checkConnect?.(endpoint, owner.netOptions());
    if (!owner.attachOnHandshake()) {
      this.#pipe = owner.newPipe(endpoint.address, true, null);
      if (this.#pipe) this.#pipe.end = this;
    }
    this.#connect();
  }

  /** The session's state (see {@link ConnectState}). */
  get state(): ConnectState {
    return this.#state;
  }

  /** The only place the state changes. */
  #to(next: ConnectState): void {
    if (!TRANSITIONS[this.#state].includes(next)) {
      throw new ZmqError(
        "EFSM",
        `connect session for ${this.endpoint.address}: no transition ${this.#state} → ${next}`,
      );
    }
    this.#state = next;
  }

  #connect(): void {
    this.#timer = null;
    if (this.#state === WAITING) this.#to(CONNECTING);
    else if (this.#state !== CONNECTING) return;
    const transport = streamTransport(this.endpoint);
    this.#cancelConnect = transport.connect(this.endpoint, this.#owner.netOptions(), (err, stream, info) => {
      this.#cancelConnect = null;
      if (this.#state !== CONNECTING) {
        stream?.destroy();
        return;
      }
      if (err || !stream || !info) {
        if (this.#stopsAfter(err)) this.stop();
        else this.#retryLater();
        return;
      }
      this.#owner.emit({ type: "connect", address: this.endpoint.address });
      this.#to(CONNECTED);
      this.#engine = newEngine(this.#owner, stream, this, info);
    });
    // libzmq: a non-blocking TCP connect is "in progress" (ZMQ_EVENT_CONNECT_DELAYED) until it completes.
    if (this.endpoint.transport === "tcp") this.#owner.emit({ type: "connect:delay", address: this.endpoint.address });
  }

  /**
   * libzmq's ZMQ_RECONNECT_STOP: a refused connection ends the endpoint (CONN_REFUSED), and so does one
   * refused on ipc once the socket has disconnected something (AFTER_DISCONNECT, as ipc_connecter.cpp).
   */
  #stopsAfter(err: Error | null | undefined): boolean {
    const bits = this.#owner.reconnectStop?.() ?? 0;
    if (bits === 0 || (err as NodeJS.ErrnoException | null)?.code !== "ECONNREFUSED") return false;
    if ((bits & 1) !== 0) return true;
    return (bits & 4) !== 0 && this.endpoint.transport === "ipc" && this.#owner.disconnected === true;
  }

  /** Not connected any more (connecting failed, or the engine closed): wait and connect again. */
  #retryLater(): void {
    const ivl = this.#interval;
    if (ivl < 0) {
      this.#to(IDLE); // reconnectInterval -1: never reconnect
      return;
    }
    const max = this.#owner.reconnectMaxIvl();
    // libzmq: the interval doubles per failure up to reconnectMaxInterval (when set above reconnectInterval).
    if (max > 0 && max > this.#owner.reconnectIvl()) this.#interval = Math.min(max, ivl * 2);
    if (this.#lingerUntil > 0 && Date.now() + ivl > this.#lingerUntil) {
      this.stop();
      return;
    }
    this.#to(WAITING);
    this.#owner.emit({ type: "connect:retry", address: this.endpoint.address, interval: ivl });
    // Retrying never keeps the process alive (as libzmq's I/O thread); a waiting send or receive does.
    this.#timer = setTimeout(() => this.#connect(), ivl);
    this.#timer.unref();
  }

  engineReady(engine: Engine, peer: PeerInfo): void {
    this.#interval = this.#owner.reconnectIvl();
    this.#owner.emit({ type: "handshake", address: this.endpoint.address });
    if (this.#pipe === null) {
      this.#pipe = this.#owner.newPipe(this.endpoint.address, true, peer);
      if (this.#pipe === null) return; // refused (e.g. PAIR already has a peer): engine stays unattached
      engine.attach(this.#pipe);
      this.#engineAttached = true;
      this.#pipe.end = this;
      this.#hadEngine = true;
      return;
    }
    this.#pipe.peer = peer;
    if (!this.#owner.pipePeerKnown(this.#pipe)) return;
    engine.attach(this.#pipe);
    this.#engineAttached = true;
    this.#pipe.end = this;
    if (this.#hadEngine) this.#owner.pipeReconnected(this.#pipe);
    this.#hadEngine = true;
    if (this.#lingerUntil > 0 && this.#state === CONNECTED) {
      // The socket was closed while we were still connecting: deliver what is queued, then go.
      this.#to(LINGERING);
      const left = this.#lingerUntil === Number.MAX_SAFE_INTEGER ? -1 : Math.max(1, this.#lingerUntil - Date.now());
      engine.close(left);
    }
  }

  /** PipeEnd: subscriptions and other commands that bypass the HWM. */
  sendPriority(msg: CommandMsg): void {
    // Before the first connection the command waits in the pipe (it goes out, in order, when the first
    // connection attaches: no hiccup follows that one). After it, a command sent while disconnected is
    // dropped: the reconnect hiccup re-sends the socket's whole state (libzmq session_base::reconnect).
    if (this.#hadEngine) this.#engine?.sendPriority(msg);
    else this.#pipe?.outbound.push(msg);
  }

  /** PipeEnd: the socket refused what the peer sent: this connection goes, the next one is tried as usual. */
  dropConnection(): void {
    this.#engine?.dropConnection?.();
  }

  engineClosed(engine: Engine, info: EngineClose): void {
    if (this.#engine !== engine) return;
    this.#engine = null;
    this.#engineAttached = false;
    engine.detach();
    if (this.#pipe) this.#pipe.end = this;
    for (const ev of closeEvents(info, this.endpoint.address)) this.#owner.emit(ev);
    if (this.#state === LINGERING || this.#state === STOPPED) {
      this.stop();
      return;
    }
    if (this.#pipe && this.#owner.attachOnHandshake()) {
      // immediate/ROUTER: the pipe lives only as long as the connection.
      const p = this.#pipe;
      this.#pipe = null;
      p.peerTerminated();
    }
    // ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED: any failure during the handshake ends the endpoint (libzmq
    // stream_engine_base_t::error counts a dropped or timed-out handshake as a protocol error).
    const handshakeStop = info.duringHandshake && ((this.#owner.reconnectStop?.() ?? 0) & 2) !== 0;
    if ((!info.retry || handshakeStop) && info.duringHandshake) {
      // libzmq stops reconnecting after a protocol or auth failure during the handshake, and its session
      // terminates the pipe (session_base_t::engine_error): the socket must stop routing messages into a
      // pipe no connection will ever drain.
      this.stop();
    } else {
      this.#retryLater();
    }
  }

  zap(request: ZapRequest): Promise<ZapReply | null> {
    return this.#owner.zap(request);
  }

  /** The socket is closing: stop unless the pipe's close already took charge of lingering. */
  shutdown(): void {
    if (!this.#closeCalled) this.stop();
  }

  /** PipeEnd: the socket closed our pipe (close or disconnect). */
  close(linger: number): void {
    this.#closeCalled = true;
    if (this.#state === STOPPED) return;
    const engine = this.#engine;
    // An engine still in its handshake holds none of the queue: it lingers like a session still connecting
    // (engineReady hands it the queue, then closes it), or the queue would be lost.
    if (engine !== null && (this.#engineAttached || linger === 0 || (this.#pipe?.outbound.length ?? 0) === 0)) {
      if (this.#state === CONNECTED) this.#to(LINGERING);
      engine.close(linger);
      return;
    }
    const pipe = this.#pipe;
    if (linger === 0 || pipe === null || pipe.outbound.length === 0) {
      this.stop();
      return;
    }
    // Linger: keep trying to deliver what is queued, without keeping the process alive (timers unref'd).
    this.#lingerUntil = linger > 0 ? Date.now() + linger : Number.MAX_SAFE_INTEGER;
    if (this.#timer) this.#timer.unref();
    // At process exit, the wait for this delivery keeps the process alive (sockets/exit.ts).
    this.#lingerToken = { until: this.#lingerUntil };
    lingerStarted(this.#lingerToken);
  }

  /** Stop everything now. */
  stop(): void {
    if (this.#state !== STOPPED) this.#to(STOPPED);
    if (this.#lingerToken !== null) lingerEnded(this.#lingerToken);
    this.#lingerToken = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#cancelConnect?.();
    this.#cancelConnect = null;
    this.#engine?.destroy();
    this.#engine = null;
    const p = this.#pipe;
    this.#pipe = null;
    if (p && !p.terminated) p.peerTerminated();
  }
}

/** One accepted connection on a bound endpoint. */
class AcceptedConnection implements EngineHost {
  readonly #listener: ListenSession;
  readonly engine: Engine;
  pipe: Pipe | null = null;

  constructor(listener: ListenSession, stream: ByteStream, info: ConnInfo) {
    this.#listener = listener;
    this.engine = newEngine(listener.owner, stream, this, info);
  }

  engineReady(engine: Engine, peer: PeerInfo): void {
    this.#listener.owner.emit({ type: "handshake", address: this.#listener.endpoint });
    const pipe = this.#listener.owner.newPipe(this.#listener.endpoint, false, peer);
    if (pipe === null) return;
    this.pipe = pipe;
    engine.attach(pipe);
  }

  engineClosed(_engine: Engine, info: EngineClose): void {
    this.#listener.connections.delete(this);
    for (const ev of closeEvents(info, this.#listener.endpoint)) this.#listener.owner.emit(ev);
    const p = this.pipe;
    this.pipe = null;
    if (p) p.peerTerminated();
  }

  zap(request: ZapRequest): Promise<ZapReply | null> {
    return this.#listener.owner.zap(request);
  }
}

export class ListenSession {
  readonly owner: SessionOwner;
  /** The resolved endpoint (what lastEndpoint reports). */
  endpoint = "";
  readonly connections = new Set<AcceptedConnection>();
  #listener: Listener | null = null;

  private constructor(owner: SessionOwner) {
    this.owner = owner;
  }

  static async open(ep: StreamEndpoint, owner: SessionOwner): Promise<ListenSession> {
    const s = new ListenSession(owner);
    s.#listener = await streamTransport(ep).listen(ep, owner.netOptions(), (stream, info) => {
      owner.emit({ type: "accept", address: s.endpoint });
      s.connections.add(new AcceptedConnection(s, stream, info));
    });
    s.endpoint = s.#listener.endpoint;
    return s;
  }

  /** Stop accepting; existing connections are closed through their pipes by the socket. */
  close(): void {
    this.#listener?.close();
    this.#listener = null;
    this.owner.emit({ type: "close", address: this.endpoint });
    for (const c of [...this.connections]) if (c.pipe === null) c.engine.destroy();
  }
}
