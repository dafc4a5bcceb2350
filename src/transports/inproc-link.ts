/**
 * One inproc connection between two threads (see inproc-threads.ts): this thread's pipe and a
 * BroadcastChannel of its own to the other thread's. It posts what the socket queues, in batches and as far
 * as the receiver's credit goes, delivers what arrives into the pipe, and gives credit back as the
 * application reads, so the queue between the threads stays bounded as ZeroMQ's is.
 *
 * BroadcastChannel has no transfer list: a message's bytes are copied once by the structured clone. Small
 * frames of one batch are packed into one buffer first, so a Buffer from Node's shared pool does not drag
 * its whole slab along; larger frames go as they are (a view is cut out of its buffer first).
 */
import { Buffer } from "node:buffer";
import { BroadcastChannel } from "node:worker_threads";
import type { InprocConnect } from "../context.ts";
import { MSG_COMMAND, type CommandMsg, type Msg, type MsgQueue, type Pipe, type PipeEnd } from "../pipe.ts";
import { kWaiting } from "../sockets/hooks.ts";
import type { SocketCore } from "../sockets/socket-core.ts";

/** The process-wide channel's name; a link's channel is named after it and the link's id. */
export const HUB = "zocket.inproc.v1";

/** One batch of messages: each frame is its own buffer, or the next `n` bytes of the packed buffer. */
interface DataMsg {
  op: "data";
  m: (Uint8Array | number)[][];
  /** Per message: the ZMTP command it carries ("" for data); absent when none is a command. */
  k?: string[];
  p?: Uint8Array;
  /** Sent outside the credit (a subscription-style command). */
  pr?: true;
}

/** On a link: the binder's answer, data, credit from the receiver, and the end of the connection. */
export type LinkMsg =
  | { op: "welcome"; type: string; identity: Uint8Array; hwm: number }
  | { op: "refuse" }
  | DataMsg
  | { op: "credit"; n: number }
  | { op: "bye" };

/** Frames at most this large are packed into a batch's shared buffer; larger ones are cloned as they are. */
const PACK_MAX = 16384;
const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** What a link needs from this thread's hub. */
export interface LinkHost {
  /** A message came from another thread: whatever held the thread alive for it may let go. */
  relax(): void;
  /** The binder answered a connector's link. */
  answered(link: Link, msg: Extract<LinkMsg, { op: "welcome" | "refuse" }>): void;
  /** A connector's link posted its "bye" (disconnect or close): a later seek for the name says so. */
  ended(link: Link): void;
  /** The link ended. */
  forget(link: Link): void;
}

/** The socket is open and a send or receive waits on it. */
export function waiting(core: SocketCore): boolean {
  return !core.socket.closed && core.socket[kWaiting]();
}

/** One cross-thread connection: this thread's pipe and the channel to the other thread's. */
export class Link implements PipeEnd {
  readonly id: string;
  readonly core: SocketCore;
  /** The inproc name it connects, and whether this side is the connector. */
  readonly name: string;
  readonly connector: boolean;
  readonly #hub: LinkHost;
  readonly #channel: BroadcastChannel;
  /** Connector side, until the binder answers: the connect() this link completes. */
  connect: InprocConnect | null = null;
  pipe: Pipe | null = null;
  #out: MsgQueue | null = null;
  /** Messages this side may still post (the peer's RCVHWM, given back as the peer reads). */
  #credit = 0;
  /** Receiver side: this side's RCVHWM (0 = unbounded) and how much credit the peer holds now. */
  #hwm = 0;
  #peerCredit = 0;
  #scheduled = false;
  #closing = false;
  #done = false;
  #lingerTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(hub: LinkHost, id: string, core: SocketCore, name: string, connector: boolean) {
    this.#hub = hub;
    this.id = id;
    this.core = core;
    this.name = name;
    this.connector = connector;
    this.#channel = new BroadcastChannel(`${HUB}.${id}`);
    this.#channel.onmessage = (e) => this.#onMessage((e as { data: LinkMsg }).data);
    this.#channel.unref();
  }

  post(msg: LinkMsg): void {
    this.#channel.postMessage(msg);
  }

  /** Something waits on this link: a send or receive on its socket, or messages still to post. */
  get wanted(): boolean {
    if (this.#done) return false;
    if (this.#out !== null && this.#out.length > 0) return true;
    return waiting(this.core);
  }

  /** The pipe is ready: `peerHwm` is the other side's RCVHWM (its credit for us), `hwm` ours. */
  start(pipe: Pipe, peerHwm: number): void {
    this.pipe = pipe;
    this.#out = pipe.outbound;
    this.#credit = peerHwm === 0 ? UNLIMITED : peerHwm;
    this.#hwm = pipe.inbound.hwm;
    this.#peerCredit = this.#hwm;
    const terminated = pipe.terminated;
    pipe.bindEnd(this, this.#onInboundRoom, this.#schedule);
    // A connector closed before the bind: what it queued still goes, then the link ends.
    if (terminated) {
      pipe.end = null;
      this.close(-1);
    } else if (pipe.outbound.length > 0) this.#schedule();
  }

  // ---------------------------------------------------------------- sending

  readonly #schedule = (): void => {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#pump);
  };

  /** Post what is queued, as far as the credit goes, in one batch. */
  readonly #pump = (): void => {
    this.#scheduled = false;
    const q = this.#out;
    if (q === null || this.#done) return;
    const n = Math.min(q.length, this.#credit);
    if (n > 0) {
      const msgs: Msg[] = new Array<Msg>(n);
      for (let i = 0; i < n; i++) msgs[i] = q.read()!;
      this.#credit -= n;
      this.#postData(msgs, false);
    }
    if (this.#closing && q.length === 0) this.#finish();
  };

  #postData(msgs: Msg[], priority: boolean): void {
    let packed = 0;
    let commands: string[] | undefined;
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      for (const f of m) if (f.byteLength <= PACK_MAX) packed += f.byteLength;
      const cmd = (m as CommandMsg)[MSG_COMMAND];
      if (cmd !== undefined) (commands ??= new Array<string>(msgs.length).fill(""))[i] = cmd;
    }
    const p = packed > 0 ? new Uint8Array(packed) : undefined;
    let at = 0;
    const out: (Uint8Array | number)[][] = new Array(msgs.length);
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      const frames: (Uint8Array | number)[] = new Array(m.length);
      for (let j = 0; j < m.length; j++) {
        const f = m[j]!;
        if (f.byteLength <= PACK_MAX) {
          p!.set(f, at);
          at += f.byteLength;
          frames[j] = f.byteLength;
        } else {
          // A frame that is a view into a larger buffer would clone that whole buffer: cut it out first.
          frames[j] = f.byteOffset === 0 && f.byteLength === f.buffer.byteLength ? f : new Uint8Array(f);
        }
      }
      out[i] = frames;
    }
    const msg: DataMsg = { op: "data", m: out };
    if (commands !== undefined) msg.k = commands;
    if (p !== undefined) msg.p = p;
    if (priority) msg.pr = true;
    this.#channel.postMessage(msg);
  }

  /** A subscription-style command goes at once, ahead of queued data and outside the credit. */
  sendPriority(msg: CommandMsg): void {
    if (!this.#done) this.#postData([msg], true);
  }

  // ---------------------------------------------------------------- receiving

  #onData(d: DataMsg): void {
    const pipe = this.pipe;
    if (pipe === null) return;
    const p = d.p;
    const pb = p === undefined ? null : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    let at = 0;
    let room = true;
    const counted = d.pr !== true && this.#hwm > 0;
    for (let i = 0; i < d.m.length; i++) {
      const src = d.m[i]!;
      const m: Msg = new Array<Buffer>(src.length);
      for (let j = 0; j < src.length; j++) {
        const f = src[j]!;
        if (typeof f === "number") {
          m[j] = pb!.subarray(at, at + f);
          at += f;
        } else m[j] = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
      }
      const cmd = d.k?.[i];
      if (cmd !== undefined && cmd !== "") (m as CommandMsg)[MSG_COMMAND] = cmd;
      if (counted) this.#peerCredit--;
      room = pipe.inbound.push(m);
    }
    if (room) this.#grant();
  }

  /**
   * Give the sender back credit for what the application has read: up to RCVHWM in flight plus queued.
   * Granted when the sender is down to half its credit; if the queue is full, when it drains to the
   * low-water mark (#onInboundRoom), so a sender never waits on a reader that has caught up.
   */
  #grant(): void {
    const hwm = this.#hwm;
    if (hwm === 0 || this.#done || this.pipe === null) return;
    const g = hwm - this.pipe.inbound.length - this.#peerCredit;
    if (g > 0 && this.#peerCredit <= hwm >> 1) {
      this.#peerCredit += g;
      this.#channel.postMessage({ op: "credit", n: g } satisfies LinkMsg);
    }
  }

  readonly #onInboundRoom = (): void => {
    this.#grant();
  };

  #onMessage(msg: LinkMsg): void {
    this.#hub.relax();
    switch (msg.op) {
      case "data":
        this.#onData(msg);
        return;
      case "credit":
        this.#credit += msg.n;
        if (this.#out !== null && this.#out.length > 0) this.#pump();
        return;
      case "bye":
        this.#done = true;
        this.#release();
        if (this.pipe !== null && !this.pipe.terminated) this.pipe.peerTerminated();
        return;
      case "welcome":
      case "refuse":
        this.#hub.answered(this, msg);
        return;
    }
  }

  // ---------------------------------------------------------------- ending

  /** PipeEnd: the socket is done with the pipe. Posted messages stay readable by the peer. */
  close(linger: number): void {
    if (this.#done || this.#closing) return;
    this.#closing = true;
    this.#pump();
    if (this.#done) return;
    if (linger === 0) this.#finish();
    else {
      // Still holding messages the peer has no room for yet: wait for its credit, at most `linger` ms.
      this.#channel.ref();
      if (linger > 0) this.#lingerTimer = setTimeout(() => this.#finish(), linger);
    }
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#channel.postMessage({ op: "bye" } satisfies LinkMsg);
    this.#hub.ended(this);
    this.#release();
  }

  /** Abandon a link that never carried a connection (refused, cancelled, or a second answer). */
  drop(sayBye: boolean): void {
    if (this.#done) return;
    this.#done = true;
    if (sayBye) {
      this.#channel.postMessage({ op: "bye" } satisfies LinkMsg);
      this.#hub.ended(this);
    }
    this.#release();
  }

  #release(): void {
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    this.#out = null;
    this.#channel.close();
    this.#hub.forget(this);
  }
}
