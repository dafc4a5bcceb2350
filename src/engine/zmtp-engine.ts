/**
 * One ZMTP connection: byte stream <-> handshake <-> frame codec <-> pipe.
 *
 * - The handshake (greeting, then the mechanism's commands) is engine/handshake.ts; ZMTP 2.0 peers get
 *   legacy framing. The connection moves through the {@link Phase}s GREETING, HANDSHAKE, ACTIVE, CLOSED.
 * - Input: the frame decoder (protocol/frame-decoder.ts) yields frames; data frames are gathered into
 *   messages for the pipe, commands after the handshake are PING (engine/heartbeat.ts), subscriptions and
 *   JOIN/LEAVE. Reading pauses while the pipe's inbound queue is at its HWM, so back-pressure reaches the
 *   peer as TCP flow control (docs/zmtp-notes.md G29).
 * - Output: engine/output-writer.ts, with the frame encoding of protocol/frame-encoder.ts; a mechanism that
 *   encrypts (CURVE) boxes every frame on the way.
 * - A misbehaving peer only closes this connection: every error ends in one close path, which reports to
 *   the session exactly once.
 */
// The module binding: the global `Buffer` is a getter on Node 20 (docs/performance.md, design decision 11).
import { Buffer } from "node:buffer";
import { ProtocolError, ZmqError } from "../errors.ts";
import type { Mechanism, ZapReply, ZapRequest } from "../mechanisms/mechanism.ts";
import { MSG_COMMAND, type CommandMsg, type Msg, type PeerInfo, type Pipe } from "../pipe.ts";
import { encodeCommand, encodeLegacySubscription, isCommand, parseGroupCommand } from "../protocol/command.ts";
import { FLAG_COMMAND, FLAG_MORE } from "../protocol/constants.ts";
import { FrameDecoder, FrameTooLargeError, type FrameSink, type FrameTap } from "../protocol/frame-decoder.ts";
import { takesSubscriptionCommands } from "../protocol/frame-encoder.ts";
import { readFrom, type ByteStream } from "../transports/byte-stream.ts";
import type { CloseKind, Engine, EngineClose, EngineHost, EngineOptions } from "./engine.ts";
import { Handshake, Phase, type HandshakeHost } from "./handshake.ts";
import { Heartbeats } from "./heartbeat.ts";
import { OutputWriter, type WriterOwner, countInputRead } from "./output-writer.ts";

const EMPTY = Buffer.alloc(0);

export class ZmtpEngine implements Engine, FrameSink, HandshakeHost, WriterOwner {
  readonly #stream: ByteStream;
  readonly #host: EngineHost;
  readonly #opts: EngineOptions;
  readonly #out: OutputWriter;
  #phase: Phase = Phase.GREETING;
  /** Until the handshake is done. */
  #handshake: Handshake | null;
  /** The stream's read shaper, handed to the decoder (null when the stream does not shape reads). */
  readonly #tap: FrameTap | null;
  #decoder: FrameDecoder | null = null;
  #heartbeats: Heartbeats | null = null;
  #pipe: Pipe | null = null;
  /** The frames of the message being received, before its last one. */
  #parts: Buffer[] = [];
  /** ACTIVE with a mechanism that boxes every frame (CURVE): one flag test per frame (design decision 13). */
  #encrypting = false;
  #mechanism: Mechanism | null = null;
  /** The peer takes SUBSCRIBE/CANCEL as commands (ZMTP 3.1), else as legacy messages. */
  #subscriptionCommands = true;
  /** Reading paused because the pipe's inbound queue is full. */
  #inputBlocked = false;
  /** EOF seen while undecoded input waits for room in the pipe (see #onPeerGone). */
  #peerGone = false;
  /** Count of data events, so each liveness timer can tell whether anything arrived since it was armed. */
  #rx = 0;

  readonly #onWritableBound = (): void => this.#resumeInput();

  constructor(stream: ByteStream, host: EngineHost, opts: EngineOptions, remoteAddress: string, peerAddress: string) {
    this.#stream = stream;
    this.#host = host;
    this.#opts = opts;
    this.#handshake = new Handshake(this, opts, remoteAddress, peerAddress);
    this.#out = new OutputWriter(stream, this);
    // A stream that negotiates the mechanism itself (ZWS) has no greeting: see below.
    if (stream.negotiate === undefined) this.#out.writeDirect(this.#handshake.signature());
    this.#tap = readFrom(stream, {
      onBytes: (chunk) => this.#onData(chunk),
      readTarget: (bodyReadMax) => (this.#decoder === null ? null : this.#decoder.readTarget(bodyReadMax)),
    });
    stream.on("error", (err) => {
      // Once the peer has gone, only undecoded input remains to deliver; a write error changes nothing.
      if (!this.#peerGone) this.#closeWith("io", true, ioError(err));
    });
    stream.on("close", () => this.#onPeerGone());
    stream.on("end", () => this.#onPeerGone());
    stream.negotiate?.(opts.mechanism, (bare) => {
      if (!this.#isClosed()) this.#handshake!.negotiated(bare);
    });
  }

  // ---------------------------------------------------------------- input

  #onData(chunk: Buffer): void {
    if (this.#phase === Phase.CLOSED) return;
    this.#rx++;
    countInputRead();
    try {
      if (this.#phase === Phase.GREETING) {
        // The rest of our greeting and the mechanism's first command (READY, HELLO) often follow from one
        // chunk: they leave in one write (issue 27, connection bursts).
        const rest = this.#out.together(() => this.#handshake!.greet(chunk));
        if (rest === null || this.#isClosed() || rest.length === 0) return;
        chunk = rest;
      }
      this.#decoder!.push(chunk);
    } catch (err) {
      this.#protocolFailure(err);
    }
  }

  #protocolFailure(err: unknown): void {
    let error: ZmqError;
    if (err instanceof FrameTooLargeError) error = new ProtocolError("ERR_ZMTP_UNSPECIFIED", err.message);
    else if (err instanceof ZmqError) error = err;
    else error = new ProtocolError("ERR_ZMTP_UNSPECIFIED", err instanceof Error ? err.message : String(err));
    this.#closeWith("protocol", false, error);
  }

  /** FrameSink: one decoded frame. Returns false to stop decoding (pipe full, or closed). */
  onFrame(flags: number, body: Buffer): boolean {
    if (this.#phase === Phase.ACTIVE) {
      if (this.#encrypting) {
        const inner = this.#mechanism!.decode!(body);
        flags = inner.flags;
        body = inner.body;
      }
      if ((flags & FLAG_COMMAND) !== 0) {
        this.#onCommand(body);
        return !this.#isClosed();
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
    if (this.#phase === Phase.HANDSHAKE) {
      this.#handshake!.onFrame(flags, body);
      return !this.#isClosed();
    }
    return false;
  }

  /**
   * The connection's heartbeats, made on first use: most connections never send or receive a PING, and
   * an idle connection should hold as little as possible.
   */
  #beats(): Heartbeats {
    return (this.#heartbeats ??= new Heartbeats(
      {
        received: () => this.#rx,
        send: this.#heartbeatSender(),
        expired: (error) => this.#closeWith("other", true, error),
      },
      {
        interval: this.#opts.heartbeatInterval,
        timeout: this.#opts.heartbeatTimeout,
        timeToLive: this.#opts.heartbeatTimeToLive,
      },
    ));
  }

  /** How PINGs leave: as commands, or as the transport's own probe (a WebSocket ping, docs/ws-notes.md §12). */
  #heartbeatSender(): (body: Buffer) => void {
    const probe = this.#stream.probe;
    if (probe === undefined || probe === null) return (body) => this.#writeCommand(body);
    return (body) => {
      if (isCommand(body, "PING")) probe();
      else this.#writeCommand(body);
    };
  }

  /** A command after the handshake. */
  #onCommand(body: Buffer): void {
    if (isCommand(body, "PING")) {
      this.#beats().onPing(body);
      return;
    }
    if (isCommand(body, "SUBSCRIBE") || isCommand(body, "CANCEL")) {
      // Delivered to the socket in the legacy form, which XPUB/PUB accept from everyone
      // (docs/zmtp-notes.md §1.5).
      const sub = body[0] === 9;
      this.#deliver([encodeLegacySubscription(sub, body.subarray(sub ? 10 : 7))]);
      return;
    }
    const group = parseGroupCommand(body);
    if (group !== null) {
      // RADIO's joins (RFC 48), also from ZMTP 3.0 peers; one above 255 bytes is dropped (drafts-notes.md §15).
      const m: CommandMsg = [Buffer.from(group.group)];
      m[MSG_COMMAND] = group.join ? "JOIN" : "LEAVE";
      this.#deliver(m);
      return;
    }
    // PONG, ERROR and unknown commands are ignored after the handshake (docs/zmtp-notes.md G14); any
    // frame is proof of life.
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
    if (!this.#inputBlocked || this.#phase === Phase.CLOSED) return;
    this.#inputBlocked = false;
    try {
      this.#decoder!.resume();
    } catch (err) {
      this.#protocolFailure(err);
      return;
    }
    if (this.#inputBlocked || this.#isClosed()) return;
    if (this.#peerGone) this.#closeWith("io", true);
    else this.#stream.resume();
  }

  /**
   * The peer closed (EOF) or the stream ended. Messages it sent before are not lost: if reading is
   * paused on a full pipe with bytes still undecoded, the close waits until they have been delivered
   * (the stream may emit 'end' while paused once its own buffer is empty).
   */
  #onPeerGone(): void {
    if (this.#phase === Phase.CLOSED) return;
    const undelivered = this.#decoder !== null && this.#decoder.buffered > 0;
    if (this.#inputBlocked && this.#phase === Phase.ACTIVE && undelivered) {
      this.#peerGone = true;
      return;
    }
    this.#closeWith("io", true);
  }

  // ---------------------------------------------------------------- HandshakeHost

  writeRaw(bytes: Buffer): void {
    this.#out.writeDirect(bytes);
  }

  writeFrameNow(flags: number, body: Buffer): void {
    this.#frame(flags, body);
    this.#out.flushNow();
  }

  startFraming(major: number): void {
    const maxSize = this.#opts.maxMessageSize;
    this.#decoder = new FrameDecoder(this, { maxSize, legacyV2: major < 3, tap: this.#tap });
    this.#phase = Phase.HANDSHAKE;
  }

  handshakeDone(peer: PeerInfo, mechanism: Mechanism | null): void {
    if (this.#phase !== Phase.HANDSHAKE) return;
    this.#phase = Phase.ACTIVE;
    this.#handshake = null;
    this.#encrypting = mechanism?.encrypts === true;
    // Kept only to box and unbox frames: a NULL or PLAIN mechanism (and the handshake it points to) can go.
    this.#mechanism = this.#encrypting ? mechanism : null;
    this.#mechanism?.setOutputIdle?.(() => this.#out.idle());
    this.#subscriptionCommands = takesSubscriptionCommands(peer.major, peer.minor);
    this.#out.open();
    this.#host.engineReady(this, peer);
    if (this.#isClosed()) return;
    // ZMTP 2.0 has no commands: a PING would reach the peer's application as data. libzmq starts its
    // heartbeat timer only from mechanism_ready(), which the 1.0/2.0 identity path never calls.
    // A transport that negotiated the mechanism but cannot probe (a browser's WebSocket) sends none.
    if (peer.major >= 3 && this.#opts.heartbeatInterval > 0 && this.#stream.probe !== null) this.#beats().start();
  }

  handshakeFailed(kind: CloseKind, retry: boolean, error: ZmqError, graceful: boolean): void {
    this.#closeWith(kind, retry, error, graceful);
  }

  zap(request: ZapRequest): Promise<ZapReply | null> {
    return this.#host.zap(request);
  }

  // ---------------------------------------------------------------- pipe

  /** Attach the socket-side pipe; from now on messages flow both ways. */
  attach(pipe: Pipe): void {
    this.#pipe = pipe;
    pipe.bindEnd(
      this,
      this.#onWritableBound,
      this.#out.scheduleFlushBound,
      this.#out.backlogBound,
      this.#out.takeNowBound,
    );
    this.#out.setSource(pipe.outbound);
  }

  /** Detach without closing the pipe (the session keeps it for the next connection). */
  detach(): Pipe | null {
    const p = this.#pipe;
    this.#pipe = null;
    this.#out.setSource(null);
    p?.unbindEnd(this);
    return p;
  }

  /** PipeEnd: the socket closed the pipe. Flush what is queued for up to `linger` ms, then close. */
  close(linger: number): void {
    if (this.#phase === Phase.CLOSED) return;
    if (this.#out.linger(linger)) return;
    this.#closeWith("other", false, undefined, true);
  }

  /** PipeEnd: a command that bypasses the HWM (subscriptions). */
  sendPriority(msg: CommandMsg): void {
    if (this.#phase !== Phase.ACTIVE) return;
    this.writeMessage(msg);
    this.#out.scheduleFlush();
  }

  /** PipeEnd: the socket refused what this peer sent (DISH): closed as a protocol error; a connecting side retries. */
  dropConnection(): void {
    this.#closeWith(
      "protocol",
      true,
      new ProtocolError("ERR_ZMTP_UNSPECIFIED", "the socket refused a malformed message"),
    );
  }

  /** Close from outside (socket closed with linger 0, disconnect, shutdown). */
  destroy(): void {
    this.#closeWith("other", false);
  }

  // ---------------------------------------------------------------- output

  /** WriterOwner: one message from the pipe, frame by frame. */
  writeMessage(msg: Msg): void {
    const cmd = (msg as CommandMsg)[MSG_COMMAND];
    if (cmd !== undefined) {
      this.#writeCommandMsg(cmd, msg[0] ?? EMPTY);
      return;
    }
    const last = msg.length - 1;
    for (let i = 0; i <= last; i++) this.#frame(i < last ? FLAG_MORE : 0, msg[i]!);
  }

  /** WriterOwner: lingering ended. */
  lingerDone(flushed: boolean): void {
    this.#closeWith("other", false, undefined, flushed);
  }

  #writeCommandMsg(cmd: string, data: Buffer): void {
    if ((cmd === "SUBSCRIBE" || cmd === "CANCEL") && !this.#subscriptionCommands) {
      // 3.0 and 2.0 peers get the legacy 01/00 message (docs/zmtp-notes.md G10).
      this.#frame(0, encodeLegacySubscription(cmd === "SUBSCRIBE", data));
      return;
    }
    this.#frame(FLAG_COMMAND, encodeCommand(cmd, data));
  }

  /** A command of our own (PING, PONG): out with the flush that is due, or now. */
  #writeCommand(body: Buffer): void {
    this.#frame(FLAG_COMMAND, body);
    this.#out.flushSoon();
  }

  /** One frame, through the mechanism when it encrypts. */
  #frame(flags: number, body: Uint8Array): void {
    if (this.#encrypting) {
      // CURVE: MORE/COMMAND travel inside the box; outer flags are 00/02 only (docs/zmtp-notes.md G15).
      body = this.#mechanism!.encode!(flags, body);
      flags = 0;
    }
    this.#out.frame(flags, body);
  }

  // ---------------------------------------------------------------- close

  /** Read through a call: the phase may have changed in one (TypeScript keeps a narrowed field narrowed). */
  #isClosed(): boolean {
    return this.#phase === Phase.CLOSED;
  }

  /** The one way out: stop everything, close the stream and tell the session (once). */
  #closeWith(kind: CloseKind, retry: boolean, error?: ZmqError, graceful = false): void {
    if (this.#phase === Phase.CLOSED) return;
    const duringHandshake = this.#phase !== Phase.ACTIVE;
    this.#phase = Phase.CLOSED;
    this.#handshake?.cancel();
    this.#heartbeats?.stop();
    this.#decoder?.stop();
    this.#out.end(graceful);
    const result: EngineClose = { duringHandshake, kind, retry };
    if (error) result.error = error;
    if ((error as { quiet?: unknown } | undefined)?.quiet === true) result.quiet = true;
    if (duringHandshake && kind === "io" && !error) {
      // An EOF during the handshake is how libzmq refuses (type or mechanism mismatch): retryable
      // (docs/zmtp-notes.md G8).
      result.error = new ZmqError("ECONNRESET", "peer closed the connection during the handshake");
    }
    this.#host.engineClosed(this, result);
  }
}

function ioError(err: Error): ZmqError {
  const code = (err as NodeJS.ErrnoException).code ?? "ECONNRESET";
  return new ZmqError(code, err.message, { cause: err });
}
