/**
 * A socket's endpoint on a datagram transport (udp) — libzmq's session with a `udp_engine_t`: one pipe for
 * the endpoint, made at once (there is no peer to wait for), with a DatagramEngine at its far end. The
 * transport is found in the registry by the endpoint's scheme; nothing here knows one.
 *
 * Bind (DISH, DGRAM): the channel is opened first, so a failure rejects bind(). Connect (RADIO): the pipe
 * exists at once and queues until the channel is open (its host resolved); a failed resolution is tried
 * again after `reconnectInterval`.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import { DATAGRAM_PEERS, DatagramEngine, type DatagramCodec } from "../engine/datagram-engine.ts";
import type { PeerInfo, Pipe } from "../pipe.ts";
import type {
  DatagramChannel,
  DatagramEndpoint,
  DatagramOptions,
  DatagramSink,
  DatagramSource,
} from "../transports/datagram.ts";
import { datagramTransport } from "../transports/registry.ts";
import type { Event } from "./observer.ts";

const EMPTY = Buffer.alloc(0);

/** What a datagram endpoint takes from its socket's options. */
export interface DatagramSessionOptions extends DatagramOptions {
  codec: DatagramCodec;
  maxMessageSize: number;
}

/** What datagram sessions need from their socket. */
export interface DatagramOwner {
  datagramOptions(): DatagramSessionOptions;
  newPipe(endpoint: string, outgoing: boolean, peer: PeerInfo | null): Pipe | null;
  emit(event: Event): void;
  reconnectIvl(): number;
}

/** The peer of a datagram pipe: nothing learned by a handshake; a RADIO sends it every group. */
function datagramPeer(endpoint: string, codec: DatagramCodec): PeerInfo {
  return {
    socketType: "",
    identity: EMPTY,
    properties: [],
    major: 0,
    minor: 0,
    remoteAddress: endpoint,
    datagram: DATAGRAM_PEERS[codec],
  };
}

export class DatagramSession implements DatagramSink {
  /** The resolved endpoint (bind), or the one connected to. */
  endpoint: string;
  #engine: DatagramEngine | null = null;
  #stopped = false;
  #retry: NodeJS.Timeout | null = null;

  private constructor(endpoint: string) {
    this.endpoint = endpoint;
  }

  /** Bind `ep`: rejects with the transport's error, or EINVAL when the socket takes no more endpoints. */
  static async bind(ep: DatagramEndpoint, owner: DatagramOwner): Promise<DatagramSession> {
    const o = owner.datagramOptions();
    const s = new DatagramSession(ep.address);
    const channel = await datagramTransport(ep).bind(ep, o, s);
    s.endpoint = channel.endpoint;
    const pipe = owner.newPipe(channel.endpoint, false, datagramPeer(channel.endpoint, o.codec));
    if (pipe === null) {
      channel.close();
      throw new ZmqError("EINVAL", `${ep.address}: this socket has its one udp endpoint already`, {
        address: ep.address,
      });
    }
    s.#engine = new DatagramEngine(pipe, o.codec, o.maxMessageSize);
    s.#engine.start(channel);
    return s;
  }

  /** Connect to `ep`: the pipe is there at once; datagrams leave once the channel is open. */
  static connect(ep: DatagramEndpoint, owner: DatagramOwner): DatagramSession {
    const o = owner.datagramOptions();
    const s = new DatagramSession(ep.address);
    const pipe = owner.newPipe(ep.address, true, datagramPeer(ep.address, o.codec));
    if (pipe === null) return s;
    s.#engine = new DatagramEngine(pipe, o.codec, o.maxMessageSize);
    s.#open(ep, owner, o);
    return s;
  }

  #open(ep: DatagramEndpoint, owner: DatagramOwner, o: DatagramSessionOptions): void {
    this.#retry = null;
    datagramTransport(ep)
      .connect(ep, o)
      .then(
        (channel: DatagramChannel) => {
          if (this.#stopped || this.#engine === null) {
            channel.close();
            return;
          }
          this.#engine.start(channel);
          owner.emit({ type: "connect", address: ep.address });
        },
        () => {
          // The host did not resolve (yet): try again later, as a tcp connect would.
          const ivl = owner.reconnectIvl();
          if (this.#stopped || ivl < 0) return;
          owner.emit({ type: "connect:retry", address: ep.address, interval: ivl });
          this.#retry = setTimeout(() => this.#open(ep, owner, o), ivl);
          this.#retry.unref();
        },
      );
  }

  /** DatagramSink: a datagram for the engine (a bound channel reads before its pipe exists). */
  datagram(data: Buffer, from: DatagramSource): void {
    this.#engine?.datagram(data, from);
  }

  /**
   * The endpoint goes (unbind, disconnect, socket close): no more retries. The pipe's close, which the
   * socket does next, flushes and closes the channel within the linger.
   */
  stop(): void {
    this.#stopped = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
  }
}
