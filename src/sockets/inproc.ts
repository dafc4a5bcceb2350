/**
 * inproc: two sockets of one context share a pair of message queues, with no engine between them
 * (libzmq `socket_base_t::connect` for inproc and `connect_inproc_sockets`). libzmq 4.x's
 * connect-before-bind works: the connector's pipe exists at connect(), and the binder's side joins it at
 * bind. Every step goes through the two sockets' cores.
 */
import { Buffer } from "node:buffer";
import type { InprocConnect } from "../context.ts";
import { MsgQueue, Pipe, type PeerInfo, type PipeEnd } from "../pipe.ts";
import { kRetryPending, xacceptsPipe, xneedsPeer } from "./hooks.ts";
import type { SocketCore } from "./socket-core.ts";

/** libzmq: an inproc pipe's HWM is the sender's SNDHWM plus the receiver's RCVHWM (0 = unbounded). */
function sumHwm(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : a + b;
}

/** The bound socket takes a connection: now, or at bind for a connect-before-bind. */
export function acceptInproc(binder: SocketCore, connector: SocketCore, c: InprocConnect): void {
  const pending = connector.endpoints.inprocPending.get(c);
  // A connector closed before the bind still hands over what it queued (see Endpoints.stopListening).
  if (binder.socket.closed || (connector.socket.closed && pending === undefined) || c.done) return;
  c.done = true;
  const address = `inproc://${c.name}`;
  const toBinderHwm = sumHwm(connector.options.sendHighWaterMark, binder.options.receiveHighWaterMark);
  const toConnectorHwm = sumHwm(binder.options.sendHighWaterMark, connector.options.receiveHighWaterMark);
  if (!binder.socket[xacceptsPipe]() || (pending === undefined && !connector.socket[xacceptsPipe]())) {
    // Refused (PAIR with a peer already): like libzmq's pair_t terminating the extra pipe, the
    // connector's early pipe ends, so it stops queueing into it.
    if (pending !== undefined) {
      connector.endpoints.inprocPending.delete(c);
      pending.peerTerminated();
    }
    return;
  }
  let theirs: Pipe;
  if (pending !== undefined) {
    // connect-before-bind: the connector's pipe (and what it queued) already exists; libzmq then sets
    // the summed HWMs (`connect_inproc_sockets`).
    connector.endpoints.inprocPending.delete(c);
    theirs = pending;
    theirs.outbound.hwm = toBinderHwm;
    theirs.inbound.hwm = toConnectorHwm;
  } else {
    theirs = new Pipe(connector, new MsgQueue(toConnectorHwm), new MsgQueue(toBinderHwm), address, true);
  }
  const mine = new Pipe(binder, theirs.outbound, theirs.inbound, address, false);
  mine.peer = peerInfo(connector, address);
  theirs.peer = peerInfo(binder, address);
  mine.end = new InprocEnd(theirs);
  binder.adopt(mine);
  if (pending === undefined) connector.adopt(theirs);
  if (theirs.terminated) {
    mine.peerTerminated(); // the connector is gone: its messages stay readable, then the pipe ends
  } else {
    theirs.end = new InprocEnd(mine);
  }
  binder.socket[kRetryPending]();
  connector.socket[kRetryPending]();
}

/**
 * libzmq 4.x connect-before-bind: the connector's pipe exists at once, with its own HWMs, so sends
 * queue as they do for a tcp connect; the binder's side is attached at bind. Types that need the
 * peer's identity first (ROUTER) wait for the bind.
 */
export function pendInproc(core: SocketCore, c: InprocConnect): void {
  if (core.socket[xneedsPeer]() || !core.socket[xacceptsPipe]()) return;
  const o = core.options;
  const address = `inproc://${c.name}`;
  const pipe = new Pipe(core, new MsgQueue(o.receiveHighWaterMark), new MsgQueue(o.sendHighWaterMark), address, true);
  core.endpoints.inprocPending.set(c, pipe);
  core.attach(pipe);
}

/** What an inproc peer is told about a socket: what a handshake would have said. */
function peerInfo(core: SocketCore, address: string): PeerInfo {
  return {
    socketType: core.type,
    identity: core.routingId(),
    properties: [["Socket-Type", Buffer.from(core.type)]],
    major: 3,
    minor: 1,
    remoteAddress: address,
  };
}

/** The far end of an inproc pipe: closing it tells the other socket's pipe. */
class InprocEnd implements PipeEnd {
  readonly #peer: Pipe;
  constructor(peer: Pipe) {
    this.#peer = peer;
  }
  close(_linger: number): void {
    // Messages already queued stay readable by the peer (the queues are shared), whatever the linger:
    // libzmq's pipe_t::terminate only rolls back an unfinished multipart and writes the delimiter
    // behind what was written, and zeromq.js delivers them after close() with linger 0.
    this.#peer.peerTerminated();
  }
}
