/**
 * inproc:// across worker_threads, for the default context (zeromq.js's is process-wide). A connect to a
 * name not bound in this thread is still queued for a bind here (the in-thread path is unchanged), and is
 * also asked for on a process-wide BroadcastChannel: the thread that has the name bound answers on a
 * channel of its own for that one connection (a "link"), and the two sockets' pipes then talk over it.
 *
 * Node gives two arbitrary threads no way to share a MessagePort (a port moves only over an existing port,
 * and a worker's only one is the application's parentPort), so each link is a BroadcastChannel
 * (inproc-link.ts), which copies a message's bytes once.
 */
import { Buffer } from "node:buffer";
import { BroadcastChannel, threadId } from "node:worker_threads";
import { InprocRegistry, kInproc, type Context, type InprocConnect, type InprocPeer } from "../context.ts";
import { MsgQueue, Pipe, type PeerInfo } from "../pipe.ts";
import { kRetryPending, xacceptsPipe } from "../sockets/hooks.ts";
import type { SocketCore } from "../sockets/socket-core.ts";
import { HUB, Link, waiting, type LinkHost, type LinkMsg } from "./inproc-link.ts";

/** On the hub: a connector asks for a name (`seek`), a binder says a name is now bound (`bound`). */
type HubMsg = SeekMsg | { op: "bound"; name: string };
/** `ended`: links to the name this thread ended just before (their "bye" may still be on its way). */
type SeekMsg = {
  op: "seek";
  name: string;
  link: string;
  type: string;
  identity: Uint8Array;
  hwm: number;
  ended: string[];
};

/** How many recently ended links a seek lists, and how long a binder waits for their "bye" at most. */
const ENDED_KEPT = 16;
const ENDED_WAIT_MS = 1000;

let nextLink = 1;

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

/** This thread's end of the process-wide name service, made when first needed. */
class Hub implements LinkHost {
  readonly #registry: InprocRegistry;
  #channel: BroadcastChannel | null = null;
  /** Names bound in this thread (in the default context). */
  readonly #bound = new Map<string, SocketCore>();
  /** Connector links waiting for an answer, by link id; and every live link, for the keep-alive check. */
  readonly #seeking = new Map<string, Link>();
  readonly #links = new Set<Link>();
  /** Link ids this thread accepted as the binder (a seek may arrive twice: at connect and after "bound"). */
  readonly #accepted = new Set<string>();
  /** Connector links this thread ended recently, by name (see SeekMsg). */
  readonly #ended = new Map<string, string[]>();
  /**
   * Seeks held until the links their thread ended before them have ended here too. A disconnect's "bye"
   * travels on its link's channel and the next connect's seek on the hub's, which Node does not order:
   * without this a PAIR could see the new peer before the old one left, and refuse it (libzmq orders
   * both through the binder's mailbox).
   */
  readonly #deferred = new Map<string, { msg: SeekMsg; deadline: number; timer: ReturnType<typeof setTimeout> }>();
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
    const link = new Link(this, `${threadId}.${nextLink++}`, core, c.name, true);
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
      ended: this.#ended.get(c.name) ?? [],
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

  ended(link: Link): void {
    if (!link.connector) return;
    const ids = this.#ended.get(link.name) ?? [];
    ids.push(link.id);
    if (ids.length > ENDED_KEPT) ids.shift();
    this.#ended.set(link.name, ids);
  }

  forget(link: Link): void {
    this.#seeking.delete(link.id);
    this.#links.delete(link);
    this.#accepted.delete(link.id);
    for (const d of this.#deferred.values()) if (!this.#waits(d.msg)) this.#release(d.msg);
    this.#maybeClose();
  }

  /** True while a link the seek's thread ended before it is still alive here. */
  #waits(msg: SeekMsg): boolean {
    for (const l of this.#links) if (msg.ended.includes(l.id)) return true;
    return false;
  }

  /**
   * Accept a held seek: its older links have ended, or their "bye" took too long. The socket drops the old
   * pipe a little after its link ended: while it still refuses a peer (PAIR, CHANNEL), look again shortly.
   */
  #release(msg: SeekMsg): void {
    const d = this.#deferred.get(msg.link);
    if (d === undefined) return;
    clearTimeout(d.timer);
    const binder = this.#bound.get(msg.name);
    const busy = binder !== undefined && !binder.socket.closed && !binder.socket[xacceptsPipe]();
    if (busy && performance.now() < d.deadline) {
      d.timer = setTimeout(() => this.#release(msg), 1);
      d.timer.unref();
      return;
    }
    this.#deferred.delete(msg.link);
    if (binder === undefined) this.#accepted.delete(msg.link);
    else this.#accept(binder, msg);
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
    if (msg.ended.length > 0) {
      // After a disconnect from that thread: accepted once the old links and pipes are gone (#release).
      const timer = setTimeout(() => this.#release(msg), ENDED_WAIT_MS);
      timer.unref();
      this.#deferred.set(msg.link, { msg, deadline: performance.now() + ENDED_WAIT_MS, timer });
      if (!this.#waits(msg)) this.#release(msg);
      return;
    }
    this.#accept(binder, msg);
  }

  /** The binder's side: a connector in another thread asks for a name bound here. */
  #accept(binder: SocketCore, s: SeekMsg): void {
    const link = new Link(this, s.link, binder, s.name, false);
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
