/**
 * The routing table of ROUTER and STREAM (libzmq `routing_socket_base_t`): which pipe answers to which
 * routing id, the ids chosen at connect time (ZMQ_CONNECT_ROUTING_ID, zeromq.js
 * `connect(address, { routingId })`), and the auto ids given to peers that bring none.
 *
 * What a peer's id is, is the socket's call (ROUTER takes the peer's `Identity`, STREAM never does):
 * the socket asks {@link RoutingTable.connectId} and {@link RoutingTable.autoId}, then {@link RoutingTable.add}s
 * the pipe under the id it chose.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import type { Pipe } from "../pipe.ts";

/** Map key of a routing id (ids are arbitrary bytes). */
function idKey(id: Buffer): string {
  return id.toString("latin1");
}

/** libzmq's auto routing id: `00 ‖ u32be counter`. */
function autoIdFrame(counter: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = 0;
  b.writeUInt32BE(counter >>> 0, 1);
  return b;
}

export class RoutingTable {
  /** Identified peers by routing id. */
  readonly #byId = new Map<string, Pipe>();
  /** Routing ids given at connect(), by endpoint. */
  readonly #connectIds = new Map<string, Buffer>();
  /** The id given to the connect() now running, for {@link claim}. */
  #pending: Buffer | null = null;
  #nextAutoId: number;

  /** @param firstAutoId where the auto-id counter starts (libzmq starts it at a random value). */
  constructor(firstAutoId: number) {
    this.#nextAutoId = firstAutoId >>> 0;
  }

  // ------------------------------------------------------------------ ids chosen at connect()

  /**
   * Run `connect` with `id` pending, so that {@link claim} (called from the socket's connectEndpoint)
   * ties it to the endpoint. EINVAL if a peer or another endpoint already has the id.
   */
  connect(id: Buffer | null, connect: () => void): void {
    if (id !== null) {
      const k = idKey(id);
      if (this.#byId.has(k) || [...this.#connectIds.values()].some((b) => idKey(b) === k)) {
        // libzmq asserts on a duplicate; here it is the caller's error.
        const shown = JSON.stringify(id.toString());
        throw new ZmqError("EINVAL", `Routing id ${shown} is already used by another peer of this socket`);
      }
    }
    this.#pending = id;
    try {
      connect();
    } finally {
      this.#pending = null;
    }
  }

  /** From connectEndpoint: the endpoint gets the pending id (or none). */
  claim(address: string): void {
    if (this.#pending !== null) this.#connectIds.set(address, this.#pending);
    else this.#connectIds.delete(address);
  }

  /** The endpoint was disconnected: its connect id is free again. */
  forget(address: string): void {
    this.#connectIds.delete(address);
  }

  /** The id given at connect() for an outgoing pipe's endpoint, if any and not taken by another peer. */
  connectId(pipe: Pipe): Buffer | null {
    if (!pipe.outgoing) return null;
    const id = this.#connectIds.get(pipe.endpoint);
    return id !== undefined && !this.#byId.has(idKey(id)) ? id : null;
  }

  // ------------------------------------------------------------------ the table

  /** A fresh auto id, `00 ‖ u32be counter` (libzmq `routing_socket_base_t`'s `_next_integral_routing_id`). */
  autoId(): Buffer {
    const id = autoIdFrame(this.#nextAutoId);
    this.#nextAutoId = (this.#nextAutoId + 1) >>> 0;
    return id;
  }

  /** Route `id` to `pipe` (which takes it as its `routingId`), replacing what the id routed to. */
  add(pipe: Pipe, id: Buffer): void {
    pipe.routingId = id;
    this.#byId.set(idKey(id), pipe);
  }

  /** The pipe takes a new id, and its old one routes nowhere (handover renames the connection it ends). */
  rename(pipe: Pipe, id: Buffer): void {
    this.delete(pipe);
    this.add(pipe, id);
  }

  /** The pipe routed by `id`, if any. */
  get(id: Buffer): Pipe | undefined {
    return this.#byId.get(idKey(id));
  }

  /** True if `pipe` is the one its routing id routes to. */
  routes(pipe: Pipe): boolean {
    return pipe.routingId !== null && this.#byId.get(idKey(pipe.routingId)) === pipe;
  }

  /** The pipe leaves the table (if its id still routes to it). */
  delete(pipe: Pipe): void {
    if (pipe.routingId === null) return;
    const k = idKey(pipe.routingId);
    if (this.#byId.get(k) === pipe) this.#byId.delete(k);
  }

  /** Every routed pipe. */
  pipes(): IterableIterator<Pipe> {
    return this.#byId.values();
  }

  /** The socket closed: no pipe routes any more. */
  clear(): void {
    this.#byId.clear();
  }
}
