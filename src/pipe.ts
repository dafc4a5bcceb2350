/**
 * Pipes: the bounded message queues between a socket and one peer (libzmq `pipe_t`).
 *
 * A {@link Pipe} is the socket's view of one peer: an inbound queue it reads and an outbound queue it
 * writes. Each {@link MsgQueue} counts whole messages against a high-water mark and tells its writer when
 * it may write again (once the reader has taken it down to the low-water mark) and its reader when it
 * became non-empty. For tcp/ipc the engine sits on the far side of both queues; for inproc the far side
 * is the other socket's pipe, sharing the very same queues (so nothing is copied or serialised).
 */
import type { ZmqError } from "./errors.ts";
import type { Properties } from "./protocol/command.ts";
import { Fifo } from "./util/fifo.ts";

/** A message: its frames, in order. */
export type Msg = Buffer[];

/** The frames of `m` from index `start` on, in a new array (copied by hand: Array#slice is a generic builtin). */
export function framesFrom(m: Msg, start: number): Msg {
  const out = new Array<Buffer>(m.length - start);
  for (let i = 0; i < out.length; i++) out[i] = m[start + i]!;
  return out;
}

/** Marks a message that is a ZMTP command rather than data (e.g. SUBSCRIBE, CANCEL, JOIN, LEAVE). */
export const MSG_COMMAND: unique symbol = Symbol("zocket.command");
export interface CommandMsg extends Array<Buffer> {
  [MSG_COMMAND]?: string;
}

export function commandMsg(name: string, body: Buffer): CommandMsg {
  const m: CommandMsg = [body];
  m[MSG_COMMAND] = name;
  return m;
}

const NOOP = (): void => {};

/**
 * The message a socket's send() offers to an engine at write() (design decision 32), and whether one
 * took it: module variables, exact within one synchronous send. Only an offered message may be taken, so types
 * that write one message to many pipes (PUB) keep queueing, and each engine encodes its batch at its flush.
 */
let offered: Msg | null = null;
let taken = false;

/** The next write() of `msg` may be taken by an engine (its queue empty) instead of being queued. */
export function offerToEngine(msg: Msg): void {
  offered = msg;
  taken = false;
}

/**
 * Ends the offer: null if an engine took the message (encoded it, keeping nothing of the caller's bytes),
 * else the offered array, queued or waiting, whose small frames the socket must still copy.
 */
export function endOffer(): Msg | null {
  const left = taken ? null : offered;
  offered = null;
  taken = false;
  return left;
}

/**
 * write() calls onBacklog each time BACKLOG_MASK + 1 more messages are queued (a power of two); an engine
 * that takes messages at write() counts them the same way (output-writer.ts).
 */
export const BACKLOG_MASK = 31;

/** MsgQueue's write limit for no HWM: above any real queue length, and still a small integer. */
const UNBOUNDED = 0x3fffffff;

function writeLimit(hwm: number, conflate: boolean): number {
  return conflate ? 0 : hwm > 0 ? hwm : UNBOUNDED;
}

/** libzmq's low-water mark: the writer resumes when the queue is down to this (`pipe.cpp` compute_lwm). */
function lowWaterMark(hwm: number): number {
  return hwm > 0 ? Math.max(0, Math.floor(hwm / 2)) : 0;
}

/** A FIFO of whole messages with a high-water mark (0 = unbounded). */
export class MsgQueue {
  readonly #fifo = new Fifo<Msg>();
  #hwm: number;
  #lwm: number;
  #writerBlocked = false;
  #conflate = false;
  /**
   * The queue length at which write() leaves its common path: the HWM, UNBOUNDED for none, 0 under
   * conflate (every write replaces). One comparison keeps write() small enough to inline into the
   * application's send loop (see docs/performance.md, design decision 23).
   */
  #limit: number;
  /** Reader hook: the queue went from empty to non-empty. */
  onReadable: () => void = NOOP;
  /** Writer hook: a blocked writer may write again. */
  onWritable: () => void = NOOP;
  /** Reader hook: BACKLOG_MASK + 1 more messages have queued since the last call (an engine may write early). */
  onBacklog: () => void = NOOP;
  /**
   * Reader hook (an engine): take an offered message ({@link offerToEngine}) at write() when none is queued
   * before it, encoding it at once; false leaves it to be queued. Null: always queue (inproc, no engine yet).
   */
  takeNow: ((msg: Msg) => boolean) | null = null;

  constructor(hwm: number) {
    this.#hwm = hwm;
    this.#lwm = lowWaterMark(hwm);
    this.#limit = writeLimit(hwm, false);
  }

  /**
   * ZMQ_CONFLATE (libzmq `ypipe_conflate_t`): keep only the newest message. Writes always succeed and
   * replace whatever is queued; the HWM is ignored. Set by the socket type when it attaches the pipe.
   */
  get conflate(): boolean {
    return this.#conflate;
  }

  set conflate(on: boolean) {
    this.#conflate = on;
    this.#limit = writeLimit(this.#hwm, on);
  }

  get length(): number {
    return this.#fifo.length;
  }

  get hwm(): number {
    return this.#hwm;
  }

  set hwm(n: number) {
    this.#hwm = n;
    this.#lwm = lowWaterMark(n);
    this.#limit = writeLimit(n, this.#conflate);
  }

  /** True if a write would be accepted now. A false answer arms onWritable. */
  checkWrite(): boolean {
    if (this.#fifo.length >= this.#limit && !this.#conflate) {
      this.#writerBlocked = true;
      return false;
    }
    return true;
  }

  /** Write if below the HWM. */
  write(msg: Msg): boolean {
    const fifo = this.#fifo;
    if (fifo.length >= this.#limit) return this.#writeAtLimit(msg);
    if (offered === msg && fifo.length === 0 && this.takeNow !== null && this.takeNow(msg)) {
      taken = true;
      return true;
    }
    fifo.push(msg);
    const n = fifo.length;
    if (n === 1) this.onReadable();
    else if ((n & BACKLOG_MASK) === 0) this.onBacklog();
    return true;
  }

  /** write() at the limit: conflate replaces, else the HWM refuses (and arms onWritable). */
  #writeAtLimit(msg: Msg): boolean {
    if (this.#conflate) return this.#replace(msg);
    this.#writerBlocked = true;
    return false;
  }

  /**
   * Push regardless of the HWM (a message already taken off the network must not be lost). Returns
   * false when the queue is now at or above its HWM: the writer should stop until onWritable.
   */
  push(msg: Msg): boolean {
    if (this.#conflate) return this.#replace(msg);
    this.#fifo.push(msg);
    if (this.#fifo.length === 1) this.onReadable();
    return this.checkWrite();
  }

  /** Conflate: the newest message replaces what is queued. */
  #replace(msg: Msg): boolean {
    const wasEmpty = this.#fifo.length === 0;
    while (this.#fifo.length > 0) this.#fifo.shift();
    this.#fifo.push(msg);
    if (wasEmpty) this.onReadable();
    return true;
  }

  read(): Msg | undefined {
    const m = this.#fifo.shift();
    if (this.#writerBlocked && this.#fifo.length <= this.#lwm) {
      this.#writerBlocked = false;
      this.onWritable();
    }
    return m;
  }

  peek(): Msg | undefined {
    return this.#fifo.peek();
  }

  /** Drop every queued message (linger 0, or a pipe torn down). */
  clear(): number {
    const n = this.#fifo.clear().length;
    if (this.#writerBlocked) {
      this.#writerBlocked = false;
      this.onWritable();
    }
    return n;
  }
}

/** What a socket implements to hear about its pipes (libzmq's xread_activated etc.). */
export interface PipeOwner {
  pipeReadable(pipe: Pipe): void;
  pipeWritable(pipe: Pipe): void;
  pipeTerminated(pipe: Pipe): void;
}

/** The far side of a pipe: an engine's session, or for inproc the peer socket's pipe. */
export interface PipeEnd {
  /** The socket is done with the pipe: flush for up to `linger` ms (-1 forever, 0 not at all), then go. */
  close(linger: number): void;
  /** A subscription-style message to the peer that must not wait behind the HWM. */
  sendPriority?(msg: CommandMsg): void;
  /**
   * The socket found the peer's messages malformed (DISH: docs/drafts-notes.md §13): drop the connection
   * as a protocol error would; a connecting side reconnects.
   */
  dropConnection?(): void;
}

/** A peer reached by datagrams (udp): no handshake, no subscriptions, one message per datagram. */
export interface DatagramPeer {
  /** Why `msg` cannot go out as one datagram (too large, a group a libzmq peer cannot take), or null. */
  refuse(msg: Msg): ZmqError | null;
}

/** The peer's facts, learned at handshake. */
export interface PeerInfo {
  /** Peer's Socket-Type property (or from the ZMTP 2.0 greeting). */
  socketType: string;
  /** Peer's Identity property (may be empty). */
  identity: Buffer;
  /** Every property the peer sent (READY/INITIATE metadata plus ZAP's User-Id and metadata). */
  properties: Properties;
  /** ZMTP version: 2 (legacy) or 3, and the minor (3.0 peers get legacy subscriptions). */
  major: number;
  minor: number;
  /** tcp address "ip:port", ipc path, or inproc name. */
  remoteAddress: string;
  /** Set for a datagram (udp) peer: a RADIO sends it every group (libzmq `subscribe_to_all`). */
  datagram?: DatagramPeer;
}

let nextPipeId = 1;

/**
 * The peer of the pipe the most recent message was read from (one event loop, so one global is exact),
 * taken at the read: the socket base reports it as the received message's properties (libzmq attaches
 * them to each msg_t). The peer rather than the pipe, as a connect-side pipe outlives its connection; a
 * module variable rather than a static field of Pipe, for speed (see docs/performance.md, design
 * decisions 18 and 21).
 */
let lastPeer: PeerInfo | null = null;

/** The peer of the pipe {@link Pipe.read} last took a message from, or null. */
export function lastReadPeer(): PeerInfo | null {
  return lastPeer;
}

/** Sets what {@link lastReadPeer} answers (null before a read; a socket type that reads on its own sets it). */
export function setLastRead(pipe: Pipe | null): void {
  lastPeer = pipe === null ? null : pipe.peer;
}

export class Pipe {
  /** Unique per process, for maps and debugging. */
  readonly id = nextPipeId++;
  readonly owner: PipeOwner;
  inbound: MsgQueue;
  outbound: MsgQueue;
  end: PipeEnd | null = null;
  /** The endpoint string this pipe came from (for disconnect/unbind). */
  readonly endpoint: string;
  /** True for pipes the socket created by connect() (libzmq "locally initiated"). */
  readonly outgoing: boolean;
  /** Both ends are sockets in this process (the peer's sends land in this pipe directly, no engine). */
  readonly inproc: boolean;
  peer: PeerInfo | null = null;
  /** Routing id assigned by a ROUTER-like socket. */
  routingId: Buffer | null = null;
  /** The far side has gone: no more writes; reads continue until the inbound queue is empty. */
  terminated = false;
  /** Index in the socket's load-balancer and fair-queue sets (-1 = not a member), kept by ActiveSet. */
  lbIndex = -1;
  fqIndex = -1;

  constructor(owner: PipeOwner, inbound: MsgQueue, outbound: MsgQueue, endpoint: string, outgoing: boolean) {
    this.owner = owner;
    this.inbound = inbound;
    this.outbound = outbound;
    this.endpoint = endpoint;
    this.outgoing = outgoing;
    this.inproc = endpoint.startsWith("inproc://");
    inbound.onReadable = () => owner.pipeReadable(this);
    outbound.onWritable = () => owner.pipeWritable(this);
  }

  /**
   * An engine takes the far side: it is woken when the socket queued output (`onOutbound`) and when
   * the inbound queue has room again (`onInboundRoom`).
   */
  bindEnd(
    end: PipeEnd,
    onInboundRoom: () => void,
    onOutbound: () => void,
    onBacklog: () => void = NOOP,
    takeNow: ((msg: Msg) => boolean) | null = null,
  ): void {
    this.end = end;
    this.inbound.onWritable = onInboundRoom;
    this.outbound.onReadable = onOutbound;
    this.outbound.onBacklog = onBacklog;
    this.outbound.takeNow = takeNow;
  }

  /** The engine lets go (its connection ended); the pipe itself lives on. */
  unbindEnd(end: PipeEnd): void {
    if (this.end === end) this.end = null;
    this.inbound.onWritable = NOOP;
    this.outbound.onReadable = NOOP;
    this.outbound.onBacklog = NOOP;
    this.outbound.takeNow = null;
  }

  read(): Msg | undefined {
    const m = this.inbound.read();
    if (m !== undefined) lastPeer = this.peer;
    return m;
  }

  checkWrite(): boolean {
    return !this.terminated && this.outbound.checkWrite();
  }

  write(msg: Msg): boolean {
    return !this.terminated && this.outbound.write(msg);
  }

  /**
   * Send a subscription-style command, bypassing the HWM. Without an engine-side priority path (inproc,
   * or before the pipe has an end) it is queued regardless of the HWM, so a socket with more
   * subscriptions than its HWM still sends them all.
   */
  sendCommand(msg: CommandMsg): void {
    if (this.terminated) return;
    if (this.end?.sendPriority) this.end.sendPriority(msg);
    else this.outbound.push(msg);
  }

  /** The socket closes this pipe. */
  close(linger: number): void {
    const end = this.end;
    this.end = null;
    this.terminated = true;
    if (end) end.close(linger);
  }

  /** The far side went away. The owner is told once. */
  peerTerminated(): void {
    if (this.terminated && this.end === null) return;
    this.terminated = true;
    this.end = null;
    this.owner.pipeTerminated(this);
  }
}
