/**
 * The internal side of a socket (`socket[kCore]`): the object its pipes, sessions, the inproc registry and
 * Proxy talk to — libzmq's `socket_base_t` as the owner of pipes and sessions. It keeps the socket's pipes
 * and endpoints, builds what a new connection needs from the socket's options, and hands pipe events to
 * the socket and its type's x-hooks. None of it is public API.
 */
import { Buffer } from "node:buffer";
import type { Context, InprocConnect, InprocPeer } from "../context.ts";
import type { EngineFactory } from "../engine/engine.ts";
import type { EngineOptions } from "../engine/engine.ts";
import type { MechanismFactory, SecurityOptions, ZapReply, ZapRequest } from "../mechanisms/mechanism.ts";
import { NullMechanism } from "../mechanisms/null.ts";
import { DATAGRAM_USE, SOCKET_TYPE, type MechanismName, type SocketTypeName } from "../protocol/constants.ts";
import { MsgQueue, Pipe, type PeerInfo, type PipeOwner } from "../pipe.ts";
import type { NetOptions } from "../transports/transport.ts";
import { Endpoints } from "./endpoints.ts";
import {
  kEnginePipe,
  kPipeReadable,
  kPipeWritable,
  kRetryPending,
  xacceptsPipe,
  xattach,
  xclosed,
  xcreateEngine,
  xhiccup,
  xneedsPeer,
  xpeerKnown,
  xpeerTerminated,
  xterminated,
} from "./hooks.ts";
import { acceptInproc } from "./inproc.ts";
import { listenQueue } from "./option-api.ts";
import { kEmit, type Event, type Observer } from "./observer.ts";
import type { OptionStore, SocketOptionStore } from "./options.ts";
import { securityHooks } from "./security-hooks.ts";
import type { DatagramOwner, DatagramSessionOptions } from "./datagram-session.ts";
import type { SessionOwner } from "./session.ts";
import type { Socket } from "./socket-base.ts";

/** The options every socket has, and the ones only some types have (absent on the others). */
type AnyOptionStore = SocketOptionStore & Partial<OptionStore<SocketTypeName>>;

const EMPTY = Buffer.alloc(0);

export class SocketCore implements PipeOwner, SessionOwner, DatagramOwner, InprocPeer {
  readonly socket: Socket;
  readonly type: SocketTypeName;
  readonly context: Context;
  readonly options: AnyOptionStore;
  readonly pipes = new Set<Pipe>();
  readonly endpoints: Endpoints;
  /** The socket's monitor, made by the first read of `socket.events`. */
  events: Observer | null = null;
  /** SessionOwner: the engine for a new connection when it is not ZMTP (STREAM's raw engine). */
  declare createEngine?: EngineFactory;

  constructor(socket: Socket, type: SocketTypeName, context: Context, options: AnyOptionStore) {
    this.socket = socket;
    this.type = type;
    this.context = context;
    this.options = options;
    this.endpoints = new Endpoints(this);
    const create = socket[xcreateEngine];
    if (create !== undefined) this.createEngine = create.bind(socket);
  }

  // ------------------------------------------------------------------ PipeOwner

  pipeReadable(pipe: Pipe): void {
    this.socket[kPipeReadable](pipe);
  }

  pipeWritable(pipe: Pipe): void {
    this.socket[kPipeWritable](pipe);
  }

  /** The peer ended the pipe (its connection closed, or the inproc peer went). */
  pipeTerminated(pipe: Pipe): void {
    const s = this.socket;
    this.pipes.delete(pipe);
    s[xpeerTerminated](pipe);
    s[xterminated](pipe);
    s[kRetryPending]();
  }

  // ------------------------------------------------------------------ pipes

  /** A new pipe joins the socket: its type attaches it, and a blocked send or receive tries again. */
  attach(pipe: Pipe): void {
    this.adopt(pipe);
    this.socket[kRetryPending]();
  }

  /** A new pipe joins the socket and its type attaches it (the caller retries what is blocked). */
  adopt(pipe: Pipe): void {
    this.pipes.add(pipe);
    if (!pipe.inproc) this.socket[kEnginePipe]();
    this.socket[xattach](pipe);
  }

  /**
   * The socket ends one of its pipes: what is queued for the peer is still written for up to `linger`
   * ms (-1: all of it), then the connection closes; the type's `xterminated` runs now.
   */
  closePipe(pipe: Pipe, linger: number = this.options.linger): void {
    if (!this.pipes.delete(pipe)) return;
    pipe.close(linger);
    this.socket[xterminated](pipe);
  }

  /** Close the pipes that came from `endpoint` by bind (`outgoing` false) or by connect (true). */
  closePipesOf(endpoint: string, outgoing: boolean): void {
    for (const p of [...this.pipes]) if (p.outgoing === outgoing && p.endpoint === endpoint) this.closePipe(p);
  }

  /** The socket closed: endpoints go, pipes close with the socket's linger, then the type's `xclosed`. */
  close(): void {
    const linger = this.options.linger;
    this.endpoints.stopListening();
    for (const p of [...this.pipes]) {
      this.pipes.delete(p);
      p.close(linger);
    }
    this.endpoints.stopConnecting();
    this.socket[xclosed]();
    const events = this.events;
    // Events still in flight (disconnects from closing pipes) come first.
    if (events !== null) setImmediate(() => events.close());
  }

  /** The socket's own routing id (ZMQ_ROUTING_ID), empty when unset. */
  routingId(): Buffer {
    return this.options.routingId ?? EMPTY;
  }

  // ------------------------------------------------------------------ SessionOwner

  get closing(): boolean {
    return this.socket.closed;
  }

  emit(event: Event): void {
    this.events?.[kEmit](event);
  }

  engineOptions(): EngineOptions {
    const o = this.options;
    const chosen = o.securityMechanism;
    const mech: MechanismName = chosen === null ? "NULL" : chosen === "plain" ? "PLAIN" : "CURVE";
    const security: SecurityOptions = {
      plainServer: o.plainServer,
      plainUsername: o.plainUsername,
      plainPassword: o.plainPassword,
      curveServer: o.curveServer,
      curvePublicKey: o.curvePublicKey,
      curveSecretKey: o.curveSecretKey,
      curveServerKey: o.curveServerKey,
      zapDomain: o.zapDomain,
      zapEnforceDomain: o.zapEnforceDomain,
    };
    const factory: MechanismFactory =
      mech === "NULL" ? (h) => new NullMechanism(h) : securityHooks.mechanism(mech, security);
    return {
      socketType: this.type,
      socketTypeNumber: SOCKET_TYPE[this.type],
      routingId: this.routingId(),
      mechanism: mech,
      mechanismFactory: factory,
      security,
      asServer: mech === "PLAIN" ? security.plainServer : mech === "CURVE" ? security.curveServer : false,
      handshakeInterval: o.handshakeInterval,
      heartbeatInterval: o.heartbeatInterval,
      heartbeatTimeout: o.heartbeatTimeout,
      heartbeatTimeToLive: o.heartbeatTimeToLive,
      maxMessageSize: o.maxMessageSize,
      metadata: [],
    };
  }

  netOptions(): NetOptions {
    const o = this.options;
    return {
      ipv6: o.ipv6 || this.context.ipv6,
      backlog: listenQueue(o),
      tcpKeepalive: o.tcpKeepalive,
      tcpKeepaliveIdle: o.tcpKeepaliveIdle,
      connectTimeout: o.connectTimeout,
      tuning: {
        sendBufferSize: o.sendBufferSize,
        receiveBufferSize: o.receiveBufferSize,
        typeOfService: o.typeOfService,
        bindToDevice: o.interface,
        tcpMaxRetransmitTimeout: o.tcpMaxRetransmitTimeout,
        tcpKeepaliveCount: o.tcpKeepaliveCount,
        tcpKeepaliveInterval: o.tcpKeepaliveInterval,
        useFd: o.useFd,
        socksProxy: o.socksProxy,
        socksUsername: o.socksUsername,
        socksPassword: o.socksPassword,
      },
      tls: {
        keyPem: o.wssKeyPem,
        certPem: o.wssCertPem,
        trustPem: o.wssTrustPem,
        hostname: o.wssHostname,
        trustSystem: o.wssTrustSystem,
      },
    };
  }

  /** What a datagram (udp) endpoint of this socket needs: see DatagramOwner. */
  datagramOptions(): DatagramSessionOptions {
    const o = this.options;
    return {
      ipv6: o.ipv6 || this.context.ipv6,
      multicastHops: o.multicastHops,
      multicastLoop: o.multicastLoop ?? true,
      sendBufferSize: o.sendBufferSize,
      receiveBufferSize: o.receiveBufferSize,
      multicastMaxTransportDataUnit: o.multicastMaxTransportDataUnit,
      codec: DATAGRAM_USE[this.type]?.codec ?? "group",
      maxMessageSize: o.maxMessageSize,
    };
  }

  reconnectIvl(): number {
    return this.options.reconnectInterval;
  }

  reconnectMaxIvl(): number {
    return this.options.reconnectMaxInterval;
  }

  reconnectStop(): number {
    return this.options.reconnectStop;
  }

  /** disconnect() was called on this socket (ZMQ_RECONNECT_STOP_AFTER_DISCONNECT). */
  disconnected = false;

  isImmediate(): boolean {
    return this.options.immediate;
  }

  attachOnHandshake(): boolean {
    return this.options.immediate || this.socket[xneedsPeer]();
  }

  newPipe(endpoint: string, outgoing: boolean, peer: PeerInfo | null): Pipe | null {
    if (this.socket.closed || !this.socket[xacceptsPipe]()) return null;
    const o = this.options;
    const inbound = new MsgQueue(o.receiveHighWaterMark);
    const pipe = new Pipe(this, inbound, new MsgQueue(o.sendHighWaterMark), endpoint, outgoing);
    pipe.peer = peer;
    this.attach(pipe);
    return pipe;
  }

  pipeReconnected(pipe: Pipe): void {
    this.socket[xhiccup](pipe);
  }

  pipePeerKnown(pipe: Pipe): boolean {
    return this.socket[xpeerKnown](pipe);
  }

  zap(request: ZapRequest): Promise<ZapReply | null> {
    return securityHooks.zap(this.context, request);
  }

  // ------------------------------------------------------------------ InprocPeer

  acceptInproc(c: InprocConnect): void {
    if (c.connector instanceof SocketCore) acceptInproc(this, c.connector, c);
  }
}
