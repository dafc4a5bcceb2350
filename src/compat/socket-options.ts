/**
 * setsockopt()/getsockopt() of the 5.x API over a zocket socket's option properties: one row per option id
 * that zeromq.js's compat accepts, saying which v6 property it is and how 5.x's values map onto it
 * (booleans read back as 0/1, ZMQ_IPV4ONLY as the inverse of `ipv6`, ZMQ_XPUB_VERBOSE as `verbosity`).
 * Any other id is "Unknown option", as in zeromq.js's compat (5.x passed every id to libzmq).
 */
import { Buffer } from "node:buffer";
import type { Socket as V6Socket } from "../index.ts";
import { kOptions } from "../sockets/hooks.ts";
import * as C from "./constants.ts";

/** A v6 socket seen as its option properties (which ones exist depends on its type). */
type Props = Record<string, unknown>;

/** What one option id does on set and on get; a missing side is "Unknown option". */
interface Row {
  readonly set?: (socket: V6Socket, value: unknown) => void;
  readonly get?: (socket: V6Socket) => unknown;
}

/** zeromq.js's compat error for an option it does not list. */
function unknownOption(): Error {
  return new Error("Unknown option");
}

/** An option zeromq.js's compat refuses with its own text, on both sides. */
function refused(message: string): Row {
  const fail = (): never => {
    throw new Error(message);
  };
  return { set: fail, get: fail };
}

/** The value as given, both ways. */
function plain(name: string): Row {
  return {
    set: (s, v) => void ((s as unknown as Props)[name] = v),
    get: (s) => (s as unknown as Props)[name],
  };
}

/** A boolean property: set with any truthy value, read back as 1 or 0 (libzmq's C int). */
function flag(name: string, readable = true): Row {
  const set = (s: V6Socket, v: unknown): void => void ((s as unknown as Props)[name] = Boolean(v));
  if (!readable) return { set };
  return { set, get: (s) => ((s as unknown as Props)[name] ? 1 : 0) };
}

/**
 * The routing id as the peers see it: a string when its bytes are UTF-8 text (zeromq.js's compat gives
 * the string), else the bytes themselves, so a binary identity reads back unchanged.
 */
function routingId(socket: V6Socket): string | Buffer | null {
  const text = (socket as unknown as Props)["routingId"] as string | null;
  const raw = (socket[kOptions] as unknown as Props)["routingId"];
  if (text === null || !Buffer.isBuffer(raw) || Buffer.from(text, "utf8").equals(raw)) return text;
  return Buffer.from(raw);
}

/** Socket methods that only some types have (SUB's subscribe/unsubscribe). */
function call(method: "subscribe" | "unsubscribe"): Row {
  return {
    set: (s, v) => {
      const fn = (s as unknown as Props)[method];
      if (typeof fn !== "function") throw new Error("Subscriber socket required");
      (fn as (value: unknown) => void).call(s, v);
    },
  };
}

const MECHANISMS: Readonly<Record<string, number>> = { plain: 1, curve: 2, gssapi: 3 };

const ROWS: ReadonlyMap<number, Row> = new Map<number, Row>([
  [C.ZMQ_AFFINITY, plain("affinity")],
  [C.ZMQ_IDENTITY, { set: (s, v) => void ((s as unknown as Props)["routingId"] = v), get: routingId }],
  [C.ZMQ_SUBSCRIBE, call("subscribe")],
  [C.ZMQ_UNSUBSCRIBE, call("unsubscribe")],
  [C.ZMQ_RATE, plain("rate")],
  [C.ZMQ_RECOVERY_IVL, plain("recoveryInterval")],
  [C.ZMQ_SNDBUF, plain("sendBufferSize")],
  [C.ZMQ_RCVBUF, plain("receiveBufferSize")],
  [C.ZMQ_RCVMORE, { get: refused("ZMQ_RCVMORE is not supported in compatibility mode").get! }],
  [C.ZMQ_FD, { get: refused("ZMQ_FD is not supported in compatibility mode").get! }],
  [C.ZMQ_EVENTS, { get: (s) => (s.readable ? C.ZMQ_POLLIN : 0) | (s.writable ? C.ZMQ_POLLOUT : 0) }],
  [C.ZMQ_TYPE, { get: (s) => (s as unknown as Props)["type"] }],
  [C.ZMQ_LINGER, plain("linger")],
  [C.ZMQ_RECONNECT_IVL, plain("reconnectInterval")],
  [C.ZMQ_BACKLOG, plain("backlog")],
  [C.ZMQ_RECONNECT_IVL_MAX, plain("reconnectMaxInterval")],
  [C.ZMQ_MAXMSGSIZE, plain("maxMessageSize")],
  [C.ZMQ_SNDHWM, plain("sendHighWaterMark")],
  [C.ZMQ_RCVHWM, plain("receiveHighWaterMark")],
  [C.ZMQ_MULTICAST_HOPS, plain("multicastHops")],
  [C.ZMQ_SNDTIMEO, plain("sendTimeout")],
  [
    C.ZMQ_IPV4ONLY,
    {
      set: (s, v) => void ((s as unknown as Props)["ipv6"] = !v),
      get: (s) => !(s as unknown as Props)["ipv6"],
    },
  ],
  [C.ZMQ_LAST_ENDPOINT, { get: (s) => s.lastEndpoint }],
  [C.ZMQ_ROUTER_MANDATORY, flag("mandatory")],
  [C.ZMQ_TCP_KEEPALIVE, plain("tcpKeepalive")],
  [C.ZMQ_TCP_KEEPALIVE_CNT, plain("tcpKeepaliveCount")],
  [C.ZMQ_TCP_KEEPALIVE_IDLE, plain("tcpKeepaliveIdle")],
  [C.ZMQ_TCP_KEEPALIVE_INTVL, plain("tcpKeepaliveInterval")],
  [C.ZMQ_TCP_ACCEPT_FILTER, { set: plain("tcpAcceptFilter").set! }],
  [C.ZMQ_DELAY_ATTACH_ON_CONNECT, flag("immediate")],
  [
    C.ZMQ_XPUB_VERBOSE,
    {
      set: (s, v) => void ((s as unknown as Props)["verbosity"] = v ? "allSubs" : null),
      get: refused("Reading ZMQ_XPUB_VERBOSE is not supported").get!,
    },
  ],
  [C.ZMQ_ROUTER_RAW, refused("ZMQ_ROUTER_RAW is not supported in compatibility mode")],
  [C.ZMQ_IPV6, flag("ipv6")],
  [C.ZMQ_MECHANISM, { get: (s) => MECHANISMS[String(s.securityMechanism)] ?? 0 }],
  [C.ZMQ_PLAIN_SERVER, flag("plainServer")],
  [C.ZMQ_PLAIN_USERNAME, plain("plainUsername")],
  [C.ZMQ_PLAIN_PASSWORD, plain("plainPassword")],
  [C.ZMQ_CURVE_SERVER, flag("curveServer")],
  [C.ZMQ_CURVE_PUBLICKEY, plain("curvePublicKey")],
  [C.ZMQ_CURVE_SECRETKEY, plain("curveSecretKey")],
  [C.ZMQ_CURVE_SERVERKEY, plain("curveServerKey")],
  [C.ZMQ_ZAP_DOMAIN, plain("zapDomain")],
  [C.ZMQ_ROUTER_HANDOVER, flag("handover", false)],
  [C.ZMQ_HEARTBEAT_IVL, plain("heartbeatInterval")],
  [C.ZMQ_HEARTBEAT_TTL, plain("heartbeatTimeToLive")],
  [C.ZMQ_HEARTBEAT_TIMEOUT, plain("heartbeatTimeout")],
  [C.ZMQ_CONNECT_TIMEOUT, plain("connectTimeout")],
]);

/** An option id, from a number or a short name (`"linger"`); undefined for an unknown name. */
export function optionId(option: unknown): number | undefined {
  if (typeof option === "number") return option;
  return Object.hasOwn(C.options, option as string) ? C.options[option as C.ShortOption] : undefined;
}

/** setsockopt(): the v6 property the id stands for, set from a 5.x value. */
export function setOption(socket: V6Socket, id: number | undefined, value: unknown): void {
  const set = id === undefined ? undefined : ROWS.get(id)?.set;
  if (set === undefined) throw unknownOption();
  set(socket, value);
}

/** getsockopt(): the v6 property the id stands for, as 5.x gave it. */
export function getOption(socket: V6Socket, id: number | undefined): unknown {
  const get = id === undefined ? undefined : ROWS.get(id)?.get;
  if (get === undefined) throw unknownOption();
  return get(socket);
}
