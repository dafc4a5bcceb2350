/**
 * One ZMTP connection: byte stream <-> greeting <-> mechanism <-> frame codec <-> pipe.
 *
 * - Greeting staged as libzmq stages it (protocol/greeting.ts); ZMTP 2.0 peers get legacy framing.
 * - The handshake must finish within `handshakeInterval` ms (libzmq ZMQ_HANDSHAKE_IVL).
 * - Heartbeats as libzmq: PING every `heartbeatInterval`; the first PING sent while no timeout is armed
 *   arms one; any received byte disarms it; PINGs are always answered with PONG (digest §1.7).
 * - Output: the first message of a burst is written at once; the rest are pulled from the pipe in a
 *   `setImmediate` flush, encoded into a reused slab and written in large chunks (one write per
 *   event-loop turn for small messages); big bodies go out as their own buffers under cork(), never
 *   copied. Reading pauses while the pipe's inbound queue is at its HWM, so back-pressure reaches the
 *   peer as TCP flow control (G29).
 * - A misbehaving peer only closes this connection: every error ends in {@link ZmtpEngine.close}.
 */
// The module binding: the global `Buffer` is a getter on Node 20, measurable on per-message paths.
import { Buffer } from "node:buffer";
import { nextTick } from "node:process";
import { ProtocolError, ZmqError } from "../errors.ts";
import {
  encodeCommand,
  encodeLegacySubscription,
  encodePing,
  encodePong,
  getProperty,
  isCommand,
  parseCommand,
  type Properties,
} from "../protocol/command.ts";
import { COMPATIBLE, FLAG_COMMAND, FLAG_LONG, FLAG_MORE, isCompatible, sendsIdentity, socketTypeName, type MechanismName, type SocketTypeName } from "../protocol/constants.ts";
import { FrameDecoder, FrameTooLargeError, type FrameSink } from "../protocol/frame-decoder.ts";
import { Greeting } from "../protocol/greeting.ts";
import type { Mechanism, MechanismFactory, MechanismHost, SecurityOptions, ZapReply, ZapRequest } from "../mechanisms/mechanism.ts";
import { MSG_COMMAND, type CommandMsg, type Msg, type PeerInfo, type Pipe, type PipeEnd } from "../pipe.ts";
import { readFrom, type ByteStream } from "./byte-stream.ts";

export interface EngineOptions {
  socketType: SocketTypeName;
  socketTypeNumber: number;
  routingId: Buffer;
  mechanism: MechanismName;
  mechanismFactory: MechanismFactory;
  security: SecurityOptions;
  asServer: boolean;
  handshakeInterval: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  heartbeatTimeToLive: number;
  maxMessageSize: number;
  /** Extra metadata (application `X-` properties). */
  metadata: Properties;
  /** STREAM-like sockets that should skip the socket-type check. */
  skipTypeCheck?: boolean;
}

export type CloseKind = "protocol" | "auth" | "other" | "io";

export interface EngineClose {
  /** True if the connection ended before the handshake completed. */
  duringHandshake: boolean;
  error?: ZmqError;
  kind: CloseKind;
  /** Whether a connecting side should try again (libzmq stops after protocol/auth failures, G7). */
  retry: boolean;
}

export interface EngineHost {
  /** The handshake completed. The host attaches a pipe synchronously with {@link ZmtpEngine.attach}. */
  engineReady(engine: ZmtpEngine, peer: PeerInfo): void;
  /** The connection is gone (called exactly once). */
  engineClosed(engine: ZmtpEngine, info: EngineClose): void;
  zap(request: ZapRequest): Promise<ZapReply | null>;
}

const P_GREETING = 0;
const P_HANDSHAKE = 1;
const P_ACTIVE = 2;
const P_CLOSED = 3;

const SLAB_SIZE = 64 * 1024;
/**
 * Bytes the engine lets the stream hold (written, not yet taken by the OS) before it waits for 'drain'.
 * Bounded, so a peer that stops reading blocks the pipe (and the sender) after at most this much.
 */
const OUTPUT_BUDGET = 256 * 1024;
/** Bodies at least this large are written as their own buffer rather than copied into the slab. */
const DIRECT_WRITE = 8 * 1024;
const EMPTY = Buffer.alloc(0);

export class ZmtpEngine implements FrameSink, MechanismHost, PipeEnd {
  readonly #stream: ByteStream;
  readonly #host: EngineHost;
  readonly #opts: EngineOptions;
  readonly remoteAddress: string;
  /** IP without port, for ZAP. */
  readonly peerAddress: string;
  #phase: number = P_GREETING;
  #greeting: Greeting | null;
  #decoder: FrameDecoder | null = null;
  #mechanism: Mechanism | null = null;
  #pipe: Pipe | null = null;
  #major = 3;
  #minor = 1;
  #peerProps: Properties = [];
  #peerType = "";
  #parts: Buffer[] = [];
  /** ZMTP 2.0: the first message each way is the identity frame. */
  #legacyIdentityPending = false;
  /** Active with a mechanism that boxes every frame (CURVE): one flag test per frame on the hot path. */
  #encrypting = false;

  // Output
  /** NO_SLAB while idle: an idle connection holds no output buffer (10k idle peers cost no slabs). */
  #slabRef: Slab = NO_SLAB;
  /** Full slabs whose bytes the stream may still reference. */
  readonly #retired: Slab[] = [];
  #slab: Buffer = this.#slabRef.buf;
  #slabStart = 0;
  #slabPos = 0;
  #flushScheduled = false;
  /** Inside #flush's loop (more writes may follow). */
  #batching = false;
  #corked = false;
  /** Writes handed to the stream since #flush last compared its buffered bytes with the budget. */
  #handed = 0;
  /** Set from the first flush of a burst until the microtask queue drains (a process.nextTick). */
  #burst = false;
  readonly #endBurstBound = (): void => {
    this.#burst = false;
  };
  #waitingDrain = false;
  /** Set while the socket is gone and we only flush what is queued before closing. */
  #lingering = false;
  #lingerTimer: NodeJS.Timeout | null = null;

  // Input back-pressure
  #inputBlocked = false;
  /** EOF seen while undecoded input waits for room in the pipe (see #onPeerGone). */
  #peerGone = false;

  // Timers
  #handshakeTimer: NodeJS.Timeout | null = null;
  #hbTimer: NodeJS.Timeout | null = null;
  #hbTimeoutTimer: NodeJS.Timeout | null = null;
  #ttlTimer: NodeJS.Timeout | null = null;
  /** Count of data events, so each liveness timer can tell whether anything arrived since it was armed. */
  #rx = 0;

  readonly #flushBound = (): void => this.#flush();
  readonly #scheduleFlushBound = (): void => this.#scheduleFlush();
  readonly #onWritableBound = (): void => this.#resumeInput();

  constructor(stream: ByteStream, host: EngineHost, opts: EngineOptions, remoteAddress: string, peerAddress: string) {
    this.#stream = stream;
    this.#host = host;
    this.#opts = opts;
    this.remoteAddress = remoteAddress;
    this.peerAddress = peerAddress;
    this.#greeting = new Greeting({
      mechanism: opts.mechanism,
      asServer: opts.asServer,
      identityLength: opts.routingId.length,
      socketType: opts.socketTypeNumber,
      refuseLegacy: opts.mechanism !== "NULL" || (opts.security.zapDomain ?? "") !== "",
    });
    readFrom(stream, {
      onBytes: (chunk) => this.#onData(chunk),
      readTarget: (bodyReadMax) => (this.#decoder === null ? null : this.#decoder.readTarget(bodyReadMax)),
    });
    stream.on("drain", () => {
      this.#waitingDrain = false;
      this.#releaseRetired();
      this.#flush();
    });
    stream.on("error", (err) => {
      // Once the peer has gone, only undecoded input remains to deliver; a write error changes nothing.
      if (!this.#peerGone) this.#closeWith({ kind: "io", retry: true, error: ioError(err) });
    });
    stream.on("close", () => this.#onPeerGone());
    stream.on("end", () => this.#onPeerGone());
    if (opts.handshakeInterval > 0) {
      this.#handshakeTimer = setTimeout(() => {
        this.#closeWith({ kind: "other", retry: true, error: new ZmqError("ETIMEDOUT", `handshake not completed within ${opts.handshakeInterval} ms`) });
      }, opts.handshakeInterval);
      this.#handshakeTimer.unref();
    }
    this.#rawWrite(this.#greeting.signature());
  }

  get closed(): boolean {
    return this.#phase === P_CLOSED;
  }

  get peerSocketType(): string {
    return this.#peerType;
  }

  // ---------------------------------------------------------------- input

  #onData(chunk: Buffer): void {
    if (this.#phase === P_CLOSED) return;
    this.#rx++;
    try {
      if (this.#phase === P_GREETING) {
        const step = this.#greeting!.push(chunk);
        for (const b of step.send) this.#rawWrite(b);
        if (!step.done) return;
        this.#startHandshake(step.done.major, step.done.minor, step.done.mechanism, step.done.peerSocketType);
        if (this.closed) return;
        chunk = step.done.rest;
        if (chunk.length === 0) return;
      }
      this.#decoder!.push(chunk);
    } catch (err) {
      this.#protocolFailure(err);
    }
  }

  #protocolFailure(err: unknown): void {
    if (err instanceof FrameTooLargeError) {
      this.#closeWith({ kind: "protocol", retry: false, error: new ProtocolError("ERR_ZMTP_UNSPECIFIED", err.message) });
    } else if (err instanceof ZmqError) {
      this.#closeWith({ kind: "protocol", retry: false, error: err });
    } else {
      const msg = err instanceof Error ? err.message : String(err);
      this.#closeWith({ kind: "protocol", retry: false, error: new ProtocolError("ERR_ZMTP_UNSPECIFIED", msg) });
    }
  }

  #startHandshake(major: number, minor: number, mechanism: string, peerSocketType: number): void {
    this.#greeting = null;
    this.#major = major;
    this.#minor = minor;
    this.#decoder = new FrameDecoder(this, { maxSize: this.#opts.maxMessageSize, legacyV2: major < 3 });
    this.#phase = P_HANDSHAKE;
    if (major < 3) {
      // ZMTP 2.0: no mechanism, no READY; the socket type came in the greeting, identities come first.
      const name = socketTypeName(peerSocketType) ?? `#${peerSocketType}`;
      const err = this.acceptPeerProperties([["Socket-Type", Buffer.from(name)]]);
      if (err) throw err;
      this.#legacyIdentityPending = true;
      this.#writeFrame(0, this.#opts.routingId);
      this.#flushNow();
      return;
    }
    if (mechanism !== this.#opts.mechanism) {
      // libzmq closes silently on a mechanism mismatch (G4).
      throw new ProtocolError("ERR_ZMTP_MECHANISM_MISMATCH", `peer uses mechanism ${mechanism}, this socket ${this.#opts.mechanism}`);
    }
    this.#mechanism = this.#opts.mechanismFactory(this);
    this.#mechanism.start();
  }

  /** FrameSink: one decoded frame. Returns false to stop decoding (pipe full). */
  onFrame(flags: number, body: Buffer): boolean {
    if (this.#phase === P_ACTIVE) {
      if (this.#encrypting) {
        const inner = this.#mechanism!.decode!(body);
        flags = inner.flags;
        body = inner.body;
      }
      if ((flags & FLAG_COMMAND) !== 0) {
        this.#onActiveCommand(body);
        return !this.closed;
      }
      if ((flags & FLAG_MORE) !== 0) {
        this.#parts.push(body);
        return true;
      }
      if (this.#parts.length === 0) return this.#deliver([body]);
      const msg = this.#parts;
      msg.push(body);
      this.#parts = [];
      return this.#deliver(msg);
    }
    if (this.#phase === P_HANDSHAKE) {
      if (this.#major < 3) return this.#onLegacyIdentity(flags, body);
      if ((flags & FLAG_COMMAND) === 0) {
        throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "peer sent a message before the handshake completed");
      }
      this.#mechanism!.onCommand(body);
      return !this.closed;
    }
    return false;
  }

  #onLegacyIdentity(flags: number, body: Buffer): boolean {
    if ((flags & FLAG_MORE) !== 0) throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "ZMTP 2.0 identity must be a single frame");
    this.#legacyIdentityPending = false;
    this.#peerProps.push(["Identity", Buffer.from(body)]);
    this.ready();
    return this.#phase === P_ACTIVE;
  }

  #deliver(msg: Msg): boolean {
    const pipe = this.#pipe;
    if (pipe === null) return true;
    if (pipe.inbound.push(msg)) return true;
    this.#inputBlocked = true;
    this.#stream.pause();
    return false;
  }

  #resumeInput(): void {
    if (!this.#inputBlocked || this.#phase === P_CLOSED) return;
    this.#inputBlocked = false;
    try {
      this.#decoder!.resume();
    } catch (err) {
      this.#protocolFailure(err);
      return;
    }
    if (this.#inputBlocked || this.#phase === P_CLOSED) return;
    if (this.#peerGone) this.#closeWith({ kind: "io", retry: true });
    else this.#stream.resume();
  }

  /**
   * The peer closed (EOF) or the stream ended. Messages it sent before are not lost: if reading is
   * paused on a full pipe with bytes still undecoded, the close waits until they have been delivered
   * (the stream may emit 'end' while paused once its own buffer is empty).
   */
  #onPeerGone(): void {
    if (this.#phase === P_CLOSED) return;
    if (this.#inputBlocked && this.#phase === P_ACTIVE && this.#decoder !== null && this.#decoder.buffered > 0) {
      this.#peerGone = true;
      return;
    }
    this.#closeWith({ kind: "io", retry: true });
  }

  #onActiveCommand(body: Buffer): void {
    if (isCommand(body, "PING")) {
      // PING: [u16 ttl][context]. Always answer (libzmq does, even with heartbeats off).
      const ttl = body.length >= 7 ? body.readUInt16BE(5) : 0;
      const context = body.length > 7 ? body.subarray(7) : EMPTY;
      this.#writeCommand(encodePong(context));
      if (ttl > 0 && this.#ttlTimer === null) {
        const armedAt = this.#rx;
        this.#ttlTimer = setTimeout(() => {
          this.#ttlTimer = null;
          if (this.#rx === armedAt) this.#closeWith({ kind: "other", retry: true, error: new ZmqError("ETIMEDOUT", "peer heartbeat TTL expired") });
        }, ttl * 100);
        this.#ttlTimer.unref();
      }
      return;
    }
    if (isCommand(body, "SUBSCRIBE") || isCommand(body, "CANCEL")) {
      // Delivered to the socket in the legacy form, which XPUB/PUB accept from everyone (§1.5).
      const sub = body[0] === 9;
      this.#deliver([encodeLegacySubscription(sub, body.subarray(sub ? 10 : 7))]);
      return;
    }
    if (isCommand(body, "JOIN") || isCommand(body, "LEAVE")) {
      const cmd = parseCommand(body)!;
      const m: CommandMsg = [Buffer.from(cmd.data)];
      m[MSG_COMMAND] = cmd.name;
      this.#deliver(m);
      return;
    }
    // PONG, ERROR and unknown commands are ignored after the handshake (G14); any frame is proof of life.
  }

  // ---------------------------------------------------------------- MechanismHost

  get localProperties(): Properties {
    const props: Properties = [["Socket-Type", Buffer.from(this.#opts.socketType, "latin1")]];
    if (sendsIdentity(this.#opts.socketType)) {
      props.push(["Identity", this.#opts.routingId]);
    }
    for (const p of this.#opts.metadata) props.push(p);
    return props;
  }

  get security(): SecurityOptions {
    return this.#opts.security;
  }

  get localRoutingId(): Buffer {
    return this.#opts.routingId;
  }

  sendCommand(body: Buffer): void {
    this.#writeFrame(FLAG_COMMAND, body);
    this.#flushNow();
  }

  acceptPeerProperties(props: Properties): ZmqError | undefined {
    const type = getProperty(props, "Socket-Type");
    if (type !== undefined && !this.#opts.skipTypeCheck) {
      const name = type.toString("latin1");
      if (!isCompatible(this.#opts.socketType, name)) {
        return new ProtocolError(
          "ERR_ZMTP_UNSPECIFIED",
          `peer socket type ${name} cannot talk to ${this.#opts.socketType} (accepted: ${COMPATIBLE[this.#opts.socketType].join(", ") || "none"})`,
        );
      }
      this.#peerType = name;
    }
    for (const p of props) this.#peerProps.push(p);
    return undefined;
  }

  zap(request: ZapRequest): Promise<ZapReply | null> {
    // libzmq (zap_client.cpp receive_and_process_zap_reply): a malformed ZAP reply is a protocol error of
    // this connection (ZMQ_PROTOCOL_ERROR_ZAP_*), closed without ERROR. The mechanism never hears back.
    return this.#host.zap(request).catch((err: unknown) => {
      if (!(err instanceof ProtocolError)) throw err;
      this.#closeWith({ kind: "protocol", retry: false, error: err });
      return new Promise<never>(() => {});
    });
  }

  ready(): void {
    if (this.#phase !== P_HANDSHAKE) return;
    this.#phase = P_ACTIVE;
    this.#encrypting = this.#mechanism?.encrypts === true;
    if (this.#handshakeTimer) clearTimeout(this.#handshakeTimer);
    this.#handshakeTimer = null;
    // The routing identity is what the peer announced, never ZAP metadata (libzmq parse_metadata).
    const identity = getProperty(this.#peerProps, "Identity") ?? EMPTY;
    // Message properties as libzmq compiles them (stream_engine_base.cpp mechanism_ready): Peer-Address,
    // then ZAP's User-Id and metadata, then the peer's own; the first of a name wins (std::map insert),
    // so a peer cannot forge a User-Id in its READY/INITIATE metadata.
    const mech = this.#mechanism;
    const first: Properties = [];
    if (this.peerAddress !== "") first.push(["Peer-Address", Buffer.from(this.peerAddress)]);
    if (mech?.userId !== undefined) first.push(["User-Id", Buffer.from(mech.userId)]);
    if (mech?.zapMetadata) for (const p of mech.zapMetadata) first.push(p);
    if (first.length > 0) this.#peerProps = [...first, ...this.#peerProps];
    const peer: PeerInfo = {
      socketType: this.#peerType,
      identity,
      properties: this.#peerProps,
      major: this.#major,
      minor: this.#minor,
      remoteAddress: this.remoteAddress,
    };
    this.#host.engineReady(this, peer);
    if (this.#phase !== P_ACTIVE) return;
    // ZMTP 2.0 has no commands: a PING would reach the peer's application as data. libzmq starts its
    // heartbeat timer only from mechanism_ready(), which the 1.0/2.0 identity path never calls.
    if (this.#major >= 3) this.#startHeartbeats();
  }

  fail(err: ZmqError, kind: "protocol" | "auth" | "other"): void {
    this.#flushNow();
    this.#closeWith({ kind, retry: kind === "other", error: err }, true);
  }

  // ---------------------------------------------------------------- pipe

  /** Attach the socket-side pipe; from now on messages flow both ways. */
  attach(pipe: Pipe): void {
    this.#pipe = pipe;
    pipe.bindEnd(this, this.#onWritableBound, this.#scheduleFlushBound);
    if (pipe.outbound.length > 0) this.#scheduleFlush();
  }

  /** Detach without closing the pipe (the session keeps it for the next connection). */
  detach(): Pipe | null {
    const p = this.#pipe;
    this.#pipe = null;
    p?.unbindEnd(this);
    return p;
  }

  /** PipeEnd: the socket closed the pipe. Flush what is queued for up to `linger` ms, then close. */
  close(linger: number): void {
    if (this.#phase === P_CLOSED) return;
    if (this.#phase !== P_ACTIVE || linger === 0 || this.#pipe === null || this.#pipe.outbound.length === 0) {
      this.#flushNow();
      this.#closeWith({ kind: "other", retry: false }, true);
      return;
    }
    this.#lingering = true;
    this.#stream.pause();
    if (linger > 0) {
      this.#lingerTimer = setTimeout(() => this.#closeWith({ kind: "other", retry: false }), linger);
    }
    this.#flush();
  }

  /** PipeEnd: a command that bypasses the HWM (subscriptions). */
  sendPriority(msg: CommandMsg): void {
    if (this.#phase !== P_ACTIVE) return;
    this.#writeMsg(msg);
    this.#scheduleFlush();
  }

  // ---------------------------------------------------------------- output

  /**
   * Latency and batching together: the first message of a burst is written at once, from inside the
   * send (a reply leaves before anything else queued runs; libzmq's I/O thread also writes as soon as
   * the first message is there); every later one, while the sender keeps going without draining the
   * microtask queue (`for (...) await send()`), waits for the `setImmediate` flush, which writes them
   * all at once. The burst ends when the microtask queue drains (process.nextTick, cheaper than a
   * setImmediate per message).
   */
  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#phase !== P_ACTIVE) return;
    if (this.#burst) {
      this.#flushScheduled = true;
      setImmediate(this.#flushBound);
      return;
    }
    // Set first: whatever the flush itself wakes (a blocked send retried) joins the burst.
    this.#burst = true;
    this.#flush();
    nextTick(this.#endBurstBound);
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#phase !== P_ACTIVE) return;
    this.#releaseRetired();
    const pipe = this.#pipe;
    this.#batching = true;
    if (pipe !== null && !this.#waitingDrain) {
      const out = pipe.outbound;
      for (;;) {
        const msg = out.read();
        if (msg === undefined) break;
        this.#writeMsg(msg);
        // Checked whenever bytes went to the stream (a full slab, or a big body written directly), not
        // only at the end: without it a peer that does not read would let the whole pipe move into the
        // stream's unbounded buffer (no TCP back-pressure). The budget is ours, not the stream's 16 KiB
        // highWaterMark: with large messages that mark would allow one message in flight per 'drain'
        // round trip. Small messages just fill the slab: under cork nothing leaves before the end of
        // the flush anyway, so a flush of up to 64 KiB is one write.
        if (this.#handed !== 0) {
          this.#handed = 0;
          if (this.#stream.writableLength >= OUTPUT_BUDGET) {
            this.#waitingDrain = true;
            break;
          }
        }
      }
    }
    this.#batching = false;
    this.#commit();
    if (this.#corked) {
      this.#corked = false;
      this.#stream.uncork();
    }
    this.#parkSlab();
    if (this.#lingering && !this.#waitingDrain && (pipe === null || pipe.outbound.length === 0)) {
      this.#closeWith({ kind: "other", retry: false }, true);
    }
  }

  /** Write whatever is in the slab now. */
  #flushNow(): void {
    this.#commit();
    this.#parkSlab();
  }

  #writeMsg(msg: Msg): void {
    const cmd = (msg as CommandMsg)[MSG_COMMAND];
    if (cmd !== undefined) {
      this.#writeSubscription(cmd, msg[0] ?? EMPTY);
      return;
    }
    const last = msg.length - 1;
    for (let i = 0; i <= last; i++) this.#writeFrame(i < last ? FLAG_MORE : 0, msg[i]!);
  }

  #writeSubscription(cmd: string, topic: Buffer): void {
    if (cmd === "SUBSCRIBE" || cmd === "CANCEL") {
      // 3.1 peers get commands, 3.0 and 2.0 peers the legacy 01/00 message (G10).
      if (this.#major >= 3 && this.#minor >= 1) {
        this.#writeFrame(FLAG_COMMAND, encodeCommand(cmd, topic));
      } else {
        this.#writeFrame(0, encodeLegacySubscription(cmd === "SUBSCRIBE", topic));
      }
      return;
    }
    this.#writeFrame(FLAG_COMMAND, encodeCommand(cmd, topic));
  }

  #writeCommand(body: Buffer): void {
    this.#writeFrame(FLAG_COMMAND, body);
    this.#scheduleFlush();
    if (!this.#flushScheduled) this.#flushNow();
  }

  /** Encode one frame into the output (through the mechanism when it encrypts). */
  #writeFrame(flags: number, body: Uint8Array): void {
    if (this.#encrypting) {
      // CURVE: MORE/COMMAND travel inside the box; outer flags are 00/02 only (G15).
      body = this.#mechanism!.encode!(flags, body);
      flags = 0;
    }
    const size = body.length;
    const long = size > 255;
    const headerLen = long ? 9 : 2;
    const direct = size >= DIRECT_WRITE;
    const need = headerLen + (direct ? 0 : size);
    if (this.#slabPos + need > this.#slab.length) {
      this.#commit();
      this.#newSlab();
    }
    const s = this.#slab;
    let p = this.#slabPos;
    if (long) {
      s[p] = flags | FLAG_LONG;
      s.writeUInt32BE(Math.floor(size / 0x1_0000_0000), p + 1);
      s.writeUInt32BE(size >>> 0, p + 5);
      p += 9;
    } else {
      s[p] = flags;
      s[p + 1] = size;
      p += 2;
    }
    if (direct) {
      // Header (and anything before it) and body leave together under cork.
      this.#slabPos = p;
      const wasBatching = this.#batching;
      this.#batching = true;
      this.#commit();
      this.#rawWrite(body);
      this.#batching = wasBatching;
      if (!wasBatching && this.#corked) {
        this.#corked = false;
        this.#stream.uncork();
      }
      return;
    }
    if (size > 0) {
      if (size < 64) for (let i = 0; i < size; i++) s[p + i] = body[i]!;
      else s.set(body, p);
    }
    this.#slabPos = p + size;
  }

  /** Hand the filled part of the slab to the stream; later frames continue after it (no reuse of sent bytes). */
  #commit(): void {
    if (this.#slabPos === this.#slabStart) return;
    const chunk = this.#slab.subarray(this.#slabStart, this.#slabPos);
    this.#slabStart = this.#slabPos;
    if (!this.#stream.destroyed) {
      // More writes follow in this flush: cork so they leave as one writev. A flush that writes once
      // (the common small-message case) skips cork/uncork and its writev machinery.
      if (this.#batching && !this.#corked) {
        this.#corked = true;
        this.#stream.cork();
      }
      this.#stream.write(chunk);
      this.#handed++;
    }
    if (this.#slab.length - this.#slabPos < 512) this.#newSlab();
  }

  /** Give the slab back to the pool when everything in it has been written (the connection is idle). */
  #parkSlab(): void {
    if (this.#slabRef === NO_SLAB || this.#slabPos !== this.#slabStart || this.#stream.writableLength !== 0) return;
    releaseSlab(this.#slabRef);
    this.#slabRef = NO_SLAB;
    this.#slab = NO_SLAB.buf;
    this.#slabStart = 0;
    this.#slabPos = 0;
  }

  /** Slabs retired while writes into them were pending go back to the pool once the stream is empty. */
  #releaseRetired(): void {
    if (this.#retired.length === 0 || this.#stream.writableLength !== 0) return;
    for (const s of this.#retired) releaseSlab(s);
    this.#retired.length = 0;
  }

  /** Retire the current slab (it returns to the pool once its last write completes) and take a fresh one. */
  #newSlab(): void {
    const old = this.#slabRef;
    // Writes complete in order: when the stream holds nothing, no write points into the slab any more.
    if (old !== NO_SLAB) {
      if (this.#stream.writableLength === 0) releaseSlab(old);
      else this.#retired.push(old);
    }
    this.#slabRef = acquireSlab();
    this.#slab = this.#slabRef.buf;
    this.#slabStart = 0;
    this.#slabPos = 0;
  }

  #rawWrite(chunk: Uint8Array): void {
    if (this.#stream.destroyed) return;
    this.#stream.write(chunk);
    this.#handed++;
  }

  // ---------------------------------------------------------------- heartbeats

  #startHeartbeats(): void {
    const ivl = this.#opts.heartbeatInterval;
    if (ivl <= 0) return;
    const timeout = this.#opts.heartbeatTimeout > 0 ? this.#opts.heartbeatTimeout : ivl;
    // TTL in deciseconds, capped to u16 (libzmq stores ms/100).
    const ttl = Math.min(0xffff, Math.floor(Math.max(0, this.#opts.heartbeatTimeToLive) / 100));
    this.#hbTimer = setInterval(() => {
      this.#writeCommand(encodePing(ttl));
      if (this.#hbTimeoutTimer === null) {
        const armedAt = this.#rx;
        this.#hbTimeoutTimer = setTimeout(() => {
          this.#hbTimeoutTimer = null;
          if (this.#rx === armedAt) {
            this.#closeWith({ kind: "other", retry: true, error: new ZmqError("ETIMEDOUT", `no heartbeat from peer within ${timeout} ms`) });
          }
        }, timeout);
        this.#hbTimeoutTimer.unref();
      }
    }, ivl);
    this.#hbTimer.unref();
  }

  // ---------------------------------------------------------------- close

  #closeWith(info: Omit<EngineClose, "duringHandshake">, graceful = false): void {
    if (this.#phase === P_CLOSED) return;
    const duringHandshake = this.#phase !== P_ACTIVE;
    this.#phase = P_CLOSED;
    for (const t of [this.#handshakeTimer, this.#hbTimeoutTimer, this.#ttlTimer, this.#lingerTimer]) if (t) clearTimeout(t);
    if (this.#hbTimer) clearInterval(this.#hbTimer);
    this.#handshakeTimer = this.#hbTimeoutTimer = this.#ttlTimer = this.#lingerTimer = this.#hbTimer = null;
    this.#decoder?.stop();
    if (graceful && !this.#stream.destroyed) {
      // Let what was written reach the peer, then FIN; a peer that never reads cannot hold us (destroy soon).
      this.#stream.end();
      const t = setTimeout(() => this.#stream.destroy(), 2000);
      t.unref();
    } else {
      this.#stream.destroy();
    }
    const result: EngineClose = { duringHandshake, kind: info.kind, retry: info.retry };
    if (info.error) result.error = info.error;
    if (duringHandshake && info.kind === "io" && !info.error) {
      // G8: an EOF during the handshake is how libzmq refuses (type/mechanism mismatch): retryable.
      result.error = new ZmqError("ECONNRESET", "peer closed the connection during the handshake");
    }
    this.#host.engineClosed(this, result);
  }

  /** Close from outside (socket closed with linger 0, disconnect, shutdown). */
  destroy(): void {
    this.#closeWith({ kind: "other", retry: false });
  }
}

/**
 * Output slabs are pooled: a slab goes back to the pool once every write that points into it has
 * completed (the stream's writableLength is 0), so steady traffic allocates nothing, and writes carry
 * no per-write callback.
 */
interface Slab {
  readonly buf: Buffer;
}

const slabPool: Slab[] = [];
const SLAB_POOL_MAX = 16;

const NO_SLAB: Slab = { buf: Buffer.alloc(0) };

function acquireSlab(): Slab {
  return slabPool.pop() ?? { buf: Buffer.allocUnsafeSlow(SLAB_SIZE) };
}

function releaseSlab(s: Slab): void {
  if (slabPool.length < SLAB_POOL_MAX) slabPool.push(s);
}

function ioError(err: Error): ZmqError {
  const code = (err as NodeJS.ErrnoException).code ?? "ECONNRESET";
  return new ZmqError(code, err.message, { cause: err });
}
