/**
 * inproc:// across worker_threads, for the default context (zeromq.js's is process-wide). A connect to a
 * name not bound in this thread is still queued for a bind here (the in-thread path is unchanged), and is
 * also asked for on a process-wide BroadcastChannel: the thread that has the name bound answers on a
 * channel of its own for that one connection (a "link"), and the two sockets' pipes then talk over it.
 *
 * Node gives two arbitrary threads no way to share a MessagePort (a port moves only over an existing port,
 * and a worker's only one is the application's parentPort), so the link is a BroadcastChannel, which has
 * no transfer list: a message's bytes are copied once by the structured clone. Small frames of one batch are
 * packed into one buffer first, so a Buffer from Node's shared pool does not drag its whole slab along.
 *
 * Flow control keeps ZeroMQ's bounded queues: the sender holds credit for as many messages as the
 * receiver's RCVHWM, and gets it back as the receiver's application reads (see Link.#grant).
 */
import { Buffer } from "node:buffer";
import { BroadcastChannel, threadId } from "node:worker_threads";
import { InprocRegistry, kInproc, type Context, type InprocConnect, type InprocPeer } from "../context.ts";
import { MSG_COMMAND, MsgQueue, Pipe, type CommandMsg, type Msg, type PeerInfo, type PipeEnd } from "../pipe.ts";
import { kRetryPending, kWaiting, xacceptsPipe } from "../sockets/hooks.ts";
import type { SocketCore } from "../sockets/socket-core.ts";

const HUB = "zocket.inproc.v1";

/** On the hub: a connector asks for a name (`seek`), a binder says a name is now bound (`bound`). */
type HubMsg =
  | { op: "seek"; name: string; link: string; type: string; identity: Uint8Array; hwm: number }
  | { op: "bound"; name: string };

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
type LinkMsg =
  | { op: "welcome"; type: string; identity: Uint8Array; hwm: number }
  | { op: "refuse" }
  | DataMsg
  | { op: "credit"; n: number }
  | { op: "bye" };

/** Frames at most this large are packed into a batch's shared buffer; larger ones are cloned as they are. */
const PACK_MAX = 16384;
const UNLIMITED = Number.MAX_SAFE_INTEGER;

let nextLink = 1;

/** The socket is open and a send or receive waits on it. */
function waiting(core: SocketCore): boolean {
  return !core.socket.closed && core.socket[kWaiting]();
}

function peerInfo(type: string, identity: Uint8Array, address: string): PeerInfo {
  return {
    socketType: type,
    identity: Buffer.from(identity),
    properties: [["Socket-Type", Buffer.from(type)]],
    major: 3,
    minor: 1,
    remoteAddress: address,
  };
}

/** One cross-thread connection: this thread's pipe and the channel to the other thread's. */
class Link implements PipeEnd {
  readonly id: string;
  readonly core: SocketCore;
  readonly #hub: Hub;
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

  constructor(hub: Hub, id: string, core: SocketCore) {
    this.#hub = hub;
    this.id = id;
    this.core = core;
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
    this.#release();
  }

  /** Abandon a link that never carried a connection (refused, cancelled, or a second answer). */
  drop(sayBye: boolean): void {
    if (this.#done) return;
    this.#done = true;
    if (sayBye) this.#channel.postMessage({ op: "bye" } satisfies LinkMsg);
    this.#release();
  }

  #release(): void {
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    this.#out = null;
    this.#channel.close();
    this.#hub.forget(this);
  }
}

/** This thread's end of the process-wide name service, made when first needed. */
class Hub {
  readonly #registry: InprocRegistry;
  #channel: BroadcastChannel | null = null;
  /** Names bound in this thread (in the default context). */
  readonly #bound = new Map<string, SocketCore>();
  /** Connector links waiting for an answer, by link id; and every live link, for the keep-alive check. */
  readonly #seeking = new Map<string, Link>();
  readonly #links = new Set<Link>();
  /** Link ids this thread accepted as the binder (a seek may arrive twice: at connect and after "bound"). */
  readonly #accepted = new Set<string>();
  #held = false;

  constructor(registry: InprocRegistry) {
    this.#registry = registry;
  }

  #open(): BroadcastChannel {
    if (this.#channel === null) {
      const ch = new BroadcastChannel(HUB);
      ch.onmessage = (e) => this.#onMessage((e as { data: HubMsg }).data);
      ch.unref();
      this.#channel = ch;
      process.on("beforeExit", this.#onIdle);
    }
    return this.#channel;
  }

  #maybeClose(): void {
    if (this.#channel === null || this.#bound.size > 0 || this.#links.size > 0) return;
    this.#channel.close();
    this.#channel = null;
    this.#held = false;
    process.off("beforeExit", this.#onIdle);
  }

  /**
   * The event loop is about to run dry: if a socket still waits on another thread (a pending receive, or
   * messages not yet posted), hold the hub's channel so the thread lives on until a message comes, as a
   * pending receive keeps zeromq.js's process alive. Any message from another thread lets go again.
   */
  readonly #onIdle = (): void => {
    if (this.#held || this.#channel === null) return;
    let wanted = false;
    for (const l of this.#links) wanted ||= l.wanted;
    // A socket bound here may be waiting for a connection from another thread.
    for (const core of this.#bound.values()) wanted ||= waiting(core);
    if (wanted) {
      this.#held = true;
      this.#channel.ref();
    }
  };

  relax(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#channel?.unref();
  }

  bound(name: string, core: SocketCore): void {
    this.#bound.set(name, core);
    // Connects of this thread that the bind just completed need no answer from elsewhere.
    for (const link of this.#seeking.values()) {
      if (link.connect!.done) {
        this.#seeking.delete(link.id);
        link.drop(false);
      }
    }
    this.#open().postMessage({ op: "bound", name } satisfies HubMsg);
  }

  unbound(name: string, core: SocketCore): void {
    if (this.#bound.get(name) === core) this.#bound.delete(name);
    this.#maybeClose();
  }

  seek(c: InprocConnect): void {
    const core = c.connector as SocketCore;
    const link = new Link(this, `${threadId}.${nextLink++}`, core);
    link.connect = c;
    this.#seeking.set(link.id, link);
    this.#links.add(link);
    this.#ask(link);
  }

  #ask(link: Link): void {
    const c = link.connect!;
    const o = link.core.options;
    const msg: HubMsg = {
      op: "seek",
      name: c.name,
      link: link.id,
      type: link.core.type,
      identity: new Uint8Array(link.core.routingId()),
      hwm: o.receiveHighWaterMark,
    };
    this.#open().postMessage(msg);
  }

  cancel(c: InprocConnect): void {
    for (const link of this.#seeking.values()) {
      if (link.connect === c) {
        this.#seeking.delete(link.id);
        link.drop(false);
      }
    }
  }

  forget(link: Link): void {
    this.#seeking.delete(link.id);
    this.#links.delete(link);
    this.#accepted.delete(link.id);
    this.#maybeClose();
  }

  #onMessage(msg: HubMsg): void {
    this.relax();
    if (msg.op === "bound") {
      for (const link of this.#seeking.values()) if (link.connect!.name === msg.name) this.#ask(link);
      return;
    }
    const binder = this.#bound.get(msg.name);
    if (binder === undefined || this.#accepted.has(msg.link)) return;
    this.#accepted.add(msg.link);
    this.#accept(binder, msg);
  }

  /** The binder's side: a connector in another thread asks for a name bound here. */
  #accept(binder: SocketCore, s: Extract<HubMsg, { op: "seek" }>): void {
    const link = new Link(this, s.link, binder);
    this.#links.add(link);
    if (binder.socket.closed || !binder.socket[xacceptsPipe]()) {
      link.post({ op: "refuse" });
      link.drop(false);
      return;
    }
    const o = binder.options;
    const address = `inproc://${s.name}`;
    const pipe = new Pipe(
      binder,
      new MsgQueue(o.receiveHighWaterMark),
      new MsgQueue(o.sendHighWaterMark),
      address,
      false,
    );
    pipe.peer = peerInfo(s.type, s.identity, address);
    link.post({
      op: "welcome",
      type: binder.type,
      identity: new Uint8Array(binder.routingId()),
      hwm: o.receiveHighWaterMark,
    });
    link.start(pipe, s.hwm);
    binder.adopt(pipe);
    binder.socket[kRetryPending]();
  }

  /** The connector's side: the binder answered. */
  answered(link: Link, msg: Extract<LinkMsg, { op: "welcome" | "refuse" }>): void {
    const c = link.connect;
    if (c === null || !this.#seeking.delete(link.id)) return;
    link.connect = null;
    const core = link.core;
    const pending = core.endpoints.inprocPending.get(c);
    // Completed meanwhile (bound in this thread, or another thread answered first), or given up.
    if (c.done || (core.socket.closed && pending === undefined)) {
      link.drop(msg.op === "welcome");
      return;
    }
    c.done = true;
    this.#registry.cancel(c);
    if (pending !== undefined) core.endpoints.inprocPending.delete(c);
    if (msg.op === "refuse" || (pending === undefined && !core.socket[xacceptsPipe]())) {
      // Refused, like libzmq's pair_t ending the extra pipe: the connector's early pipe ends.
      link.drop(msg.op === "welcome");
      if (pending !== undefined) pending.peerTerminated();
      return;
    }
    const address = `inproc://${c.name}`;
    const o = core.options;
    const pipe =
      pending ?? new Pipe(core, new MsgQueue(o.receiveHighWaterMark), new MsgQueue(o.sendHighWaterMark), address, true);
    pipe.peer = peerInfo(msg.type, msg.identity, address);
    link.start(pipe, msg.hwm);
    if (pending === undefined) core.adopt(pipe);
    core.socket[kRetryPending]();
  }
}

/** Give `ctx` (the default context) a registry that also reaches names bound in other threads. */
export function threadRegistry(ctx: Context): void {
  // Built here, not at module level: context.ts imports this module before it defines InprocRegistry.
  class ThreadRegistry extends InprocRegistry {
    readonly hub = new Hub(this);

    override bind(name: string, peer: InprocPeer): void {
      super.bind(name, peer);
      this.hub.bound(name, peer as SocketCore);
    }

    override unbind(name: string, peer: InprocPeer): boolean {
      if (!super.unbind(name, peer)) return false;
      this.hub.unbound(name, peer as SocketCore);
      return true;
    }

    override connect(c: InprocConnect): void {
      super.connect(c);
      if (!c.done) this.hub.seek(c);
    }

    override cancel(c: InprocConnect): void {
      super.cancel(c);
      this.hub.cancel(c);
    }
  }
  // Only the value changes, so this also works on a sealed context.
  Object.defineProperty(ctx, kInproc, { value: new ThreadRegistry() });
}
