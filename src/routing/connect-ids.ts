/**
 * Routing ids chosen at connect time (libzmq ZMQ_CONNECT_ROUTING_ID, zeromq.js
 * `connect(address, { routingId })`), shared by ROUTER and STREAM: the id is validated at the call,
 * remembered per endpoint, and used when that endpoint's pipe is identified.
 */
import { ZmqError } from "../errors.ts";

/** Map key of a routing id (ids are arbitrary bytes). */
export function idKey(id: Buffer): string {
  return id.toString("latin1");
}

export class ConnectRoutingIds {
  readonly #byEndpoint = new Map<string, Buffer>();
  #pending: Buffer | null = null;

  /**
   * Run `connect` with `id` pending, so that {@link claim} (called from the socket's connectEndpoint)
   * ties it to the endpoint. EINVAL if the id is already used by a peer (`inUse`) or another endpoint.
   */
  connect(id: Buffer | null, inUse: (key: string) => boolean, connect: () => void): void {
    if (id !== null) {
      const k = idKey(id);
      if (inUse(k) || [...this.#byEndpoint.values()].some((b) => idKey(b) === k)) {
        // libzmq asserts on a duplicate; here it is the caller's error.
        throw new ZmqError("EINVAL", `Routing id ${JSON.stringify(id.toString())} is already used by another peer of this socket`);
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
    if (this.#pending !== null) this.#byEndpoint.set(address, this.#pending);
    else this.#byEndpoint.delete(address);
  }

  forget(address: string): void {
    this.#byEndpoint.delete(address);
  }

  get(address: string): Buffer | undefined {
    return this.#byEndpoint.get(address);
  }
}
