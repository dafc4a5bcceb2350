/**
 * PEER (RFC 51; libzmq `peer.cpp`): SERVER's routing between equals — each PEER talks only to PEERs —
 * plus `connectPeer(endpoint)`, which connects and returns the new peer's routing id at once: the pipe
 * exists before the connection does, so messages sent to that id wait for it (docs/drafts-notes.md §10).
 * zeromq.js has no PEER; zocket exports it from `zocket/draft-extra`.
 */
import { ZmqError } from "../errors.ts";
import { checkAddressArgument } from "../transports/endpoint.ts";
import { kLastAttachedId, ServerBase, type RoutedMessage, type ServerRoutingOptions } from "./server.ts";
import { finishSocket, type MessageLike, type Readable, type Writable } from "./socket-base.ts";

/** The implementation of {@link Peer}: exported under that name, typed with its routed messages. */
export class PeerSocket extends ServerBase {
  constructor(options?: PeerOptions) {
    super("PEER", "Peer", options);
    finishSocket(this, options);
  }

  /**
   * Connect to `address` and return the routing id of that peer (libzmq `zmq_connect_peer`). Messages
   * to it are queued until the connection is up. Needs `immediate` off (libzmq: EFAULT otherwise), since
   * with it the pipe, and so the id, would only exist once connected.
   */
  connectPeer(address: string): number {
    checkAddressArgument(address);
    if (this.immediate) {
      throw new ZmqError("EFAULT", "connectPeer() needs immediate = false: the id is given before the connection", {
        message: "Bad address",
      });
    }
    const before = this[kLastAttachedId];
    this.connect(address);
    const id = this[kLastAttachedId];
    if (id === before) throw new ZmqError("EINVAL", `connectPeer(${JSON.stringify(address)}) made no pipe`);
    return id;
  }
}
Object.defineProperty(PeerSocket, "name", { value: "Peer" });

/** The options `new Peer(options)` takes. */
export type PeerOptions = Partial<Omit<Peer, "send" | "receive" | "connectPeer" | typeof Symbol.asyncIterator>> & {
  context?: unknown;
};

/**
 * A PEER socket (DRAFT; not in zeromq.js, exported by `zocket/draft-extra`): SERVER-style routing ids
 * between PEERs, and `connectPeer()` to learn a peer's id as you connect to it.
 *
 * ```ts
 * const id = peer.connectPeer("tcp://127.0.0.1:5555");
 * await peer.send("hello", { routingId: id });
 * ```
 */
export interface Peer extends Omit<PeerSocket, "send" | "receive" | typeof Symbol.asyncIterator> {
  send(message: MessageLike, options: ServerRoutingOptions): Promise<void>;
  receive(): Promise<RoutedMessage>;
  [Symbol.asyncIterator](): AsyncIterator<RoutedMessage, undefined>;
}

export const Peer: {
  new (options?: PeerOptions): Peer;
  readonly prototype: Peer;
} = PeerSocket as never;

export interface PeerSocket extends Readable, Writable {}
