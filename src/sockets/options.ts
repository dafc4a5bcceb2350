/**
 * Socket options: one table, one row per libzmq option — zeromq.js's property name, libzmq's numeric id
 * (`include/zmq.h`), the kind of value, libzmq's default, whether it is read-only, and which sockets have
 * it. The properties (option-store.ts), the id accessors and their checks (option-api.ts, option-values.ts)
 * and the TypeScript option types (below) derive from it. The context's options are a second, small table
 * of the same shape (libzmq numbers them apart: zmq_ctx_set).
 */
import type { Buffer } from "node:buffer";
import type { SocketTypeName } from "../protocol/constants.ts";

/** How a value is checked and kept. "key": CURVE key, Z85 or 32 bytes; "routingId": 1 to 255 bytes. */
export type OptionKind = "int" | "bool" | "string" | "key" | "routingId" | "enum";

/**
 * Which sockets have an option: every socket ("Socket", the default), the ones that send ("Writable") or
 * receive ("Readable") — zeromq.js's interfaces; at run time every socket accepts these three, as
 * libzmq's setsockopt does — or the socket types listed.
 */
export type OptionScope = "Socket" | "Writable" | "Readable" | readonly SocketTypeName[];

/** One row of {@link OPTIONS}. */
export interface OptionEntry {
  /** zeromq.js's property name. */
  readonly name: string;
  /** libzmq's option number (ZMQ_LINGER = 17, ...). */
  readonly id: number;
  readonly kind: OptionKind;
  readonly default: number | boolean | string | null;
  /** Defaults that differ for some socket types (libzmq gives SUB and XSUB a linger of 0). */
  readonly defaults?: Readonly<Partial<Record<SocketTypeName, number | boolean>>>;
  /** Which sockets have it; absent: every socket ("Socket"). */
  readonly scope?: OptionScope;
  /** Set by the socket itself; no setter. */
  readonly readOnly?: boolean;
  /** Smallest and largest accepted integer ("int" only). */
  readonly min?: number;
  readonly max?: number;
  /** The accepted values ("enum" only). */
  readonly values?: readonly (string | null)[];
  /** What the value means, for error messages. */
  readonly hint?: string;
  /** libzmq's C type of an "int" option, as zeromq.js reads and writes it; absent: a C int (int32). */
  readonly width?: "uint32" | "int64" | "uint64";
  /** zeromq.js defines only a setter: reading the property gives undefined (the id accessors still read). */
  readonly writeOnly?: boolean;
  /** Takes effect on a bound/connected socket too, so setting it late gives no warning (zeromq.js socket.cc). */
  readonly immediate?: boolean;
  /** zocket lacks what the option configures: reading or writing it is EINVAL, as in a libzmq without it. */
  readonly unsupported?: string;
  /** A bool that takes any C int through the id accessors (nonzero is true); else only 0 and 1. */
  readonly relaxed?: boolean;
  /** A string whose empty value is accepted (as none); libzmq refuses "" for the others. */
  readonly empty?: boolean;
  /** A string that cannot be cleared: null is refused. */
  readonly noNull?: boolean;
}

const MS = "milliseconds, -1 = default/forever";
const HWM = "messages, 0 = no limit";
const VMCI = "VMCI transport";

/** Every socket option zocket has, keyed by libzmq's name without `ZMQ_`. */
export const OPTIONS = {
  // zeromq.js `Socket`: every socket (no `scope`)
  AFFINITY: { id: 4, name: "affinity", kind: "int", width: "uint64", default: 0, min: 0 },
  RATE: { id: 8, name: "rate", kind: "int", default: 100, min: 1 },
  RECOVERY_IVL: { id: 9, name: "recoveryInterval", kind: "int", default: 10000, min: 0 },
  /** How long close() keeps delivering queued messages (ms; -1 until delivered, 0 drop them). */
  LINGER: {
    id: 17,
    name: "linger",
    kind: "int",
    default: -1,
    defaults: { SUB: 0, XSUB: 0, DISH: 0 },
    min: -1,
    hint: MS,
    immediate: true,
  },
  RECONNECT_IVL: { id: 18, name: "reconnectInterval", kind: "int", default: 100, min: -1, hint: MS },
  BACKLOG: { id: 19, name: "backlog", kind: "int", default: 100, min: 0 },
  RECONNECT_IVL_MAX: { id: 21, name: "reconnectMaxInterval", kind: "int", default: 0, min: 0 },
  // Any negative value means no limit (libzmq does not check it).
  MAXMSGSIZE: {
    id: 22,
    name: "maxMessageSize",
    kind: "int",
    width: "int64",
    default: -1,
    hint: "bytes, -1 = no limit",
  },
  TCP_KEEPALIVE: {
    id: 34,
    name: "tcpKeepalive",
    kind: "int",
    default: -1,
    min: -1,
    max: 1,
    hint: "-1 = OS default, 0 = off, 1 = on",
  },
  TCP_KEEPALIVE_CNT: { id: 35, name: "tcpKeepaliveCount", kind: "int", default: -1, min: -1 },
  TCP_KEEPALIVE_IDLE: {
    id: 36,
    name: "tcpKeepaliveIdle",
    kind: "int",
    default: -1,
    min: -1,
    hint: "seconds, -1 = OS default",
  },
  TCP_KEEPALIVE_INTVL: { id: 37, name: "tcpKeepaliveInterval", kind: "int", default: -1, min: -1 },
  TCP_ACCEPT_FILTER: { id: 38, name: "tcpAcceptFilter", kind: "string", default: null },
  IMMEDIATE: { id: 39, name: "immediate", kind: "bool", default: false },
  IPV6: { id: 42, name: "ipv6", kind: "bool", default: false },
  PLAIN_SERVER: { id: 44, name: "plainServer", kind: "bool", default: false },
  PLAIN_USERNAME: { id: 45, name: "plainUsername", kind: "string", default: null },
  PLAIN_PASSWORD: { id: 46, name: "plainPassword", kind: "string", default: null },
  CURVE_SERVER: { id: 47, name: "curveServer", kind: "bool", default: false },
  CURVE_PUBLICKEY: { id: 48, name: "curvePublicKey", kind: "key", default: null },
  CURVE_SECRETKEY: { id: 49, name: "curveSecretKey", kind: "key", default: null },
  CURVE_SERVERKEY: { id: 50, name: "curveServerKey", kind: "key", default: null },
  /** libzmq 4.2.4 and later refuse to clear it (null or ""). */
  ZAP_DOMAIN: { id: 55, name: "zapDomain", kind: "string", default: null, noNull: true },
  TOS: { id: 57, name: "typeOfService", kind: "int", width: "uint32", default: 0, min: 0 },
  HANDSHAKE_IVL: {
    id: 66,
    name: "handshakeInterval",
    kind: "int",
    default: 30000,
    min: 0,
    hint: "milliseconds, 0 = no limit",
  },
  SOCKS_PROXY: { id: 68, name: "socksProxy", kind: "string", default: null },
  HEARTBEAT_IVL: { id: 75, name: "heartbeatInterval", kind: "int", default: 0, min: 0, hint: "milliseconds, 0 = off" },
  HEARTBEAT_TTL: {
    id: 76,
    name: "heartbeatTimeToLive",
    kind: "int",
    default: 0,
    min: 0,
    max: 6553500,
    hint: "milliseconds, 0..6553500",
  },
  HEARTBEAT_TIMEOUT: { id: 77, name: "heartbeatTimeout", kind: "int", default: -1, min: -1, hint: MS },
  CONNECT_TIMEOUT: {
    id: 79,
    name: "connectTimeout",
    kind: "int",
    default: 0,
    min: 0,
    hint: "milliseconds, 0 = OS default",
  },
  TCP_MAXRT: { id: 80, name: "tcpMaxRetransmitTimeout", kind: "int", default: 0, min: 0 },
  MULTICAST_MAXTPDU: { id: 84, name: "multicastMaxTransportDataUnit", kind: "int", default: 1500, min: 0 },
  BINDTODEVICE: { id: 92, name: "interface", kind: "string", default: null },
  ZAP_ENFORCE_DOMAIN: { id: 93, name: "zapEnforceDomain", kind: "bool", default: false, relaxed: true },
  LOOPBACK_FASTPATH: { id: 94, name: "loopbackFastPath", kind: "bool", default: false, relaxed: true },
  // libzmq options zeromq.js has no property for (zocket extras, also through the id accessors).
  /** ZMQ_USE_FD: bind() adopts this already listening tcp/ipc descriptor instead of making a socket. */
  USE_FD: { id: 89, name: "useFd", kind: "int", default: -1, min: -1, hint: "a listening descriptor, -1 = none" },
  /** ZMQ_SOCKS_USERNAME / PASSWORD: RFC 1929 authentication with the SOCKS5 proxy (socksProxy). */
  SOCKS_USERNAME: { id: 99, name: "socksUsername", kind: "string", default: null },
  SOCKS_PASSWORD: { id: 100, name: "socksPassword", kind: "string", default: null },
  /** DRAFT ZMQ_RECONNECT_STOP: stop reconnecting on 1 = refused, 2 = failed handshake, 4 = after disconnect. */
  RECONNECT_STOP: {
    id: 109,
    name: "reconnectStop",
    kind: "int",
    default: 0,
    min: 0,
    max: 7,
    hint: "bits: 1 = connection refused, 2 = handshake failed, 4 = after disconnect()",
  },
  // zeromq.js defines these on every socket; its libzmq builds, like zocket, have no VMCI transport.
  VMCI_BUFFER_SIZE: { id: 85, name: "vmciBufferSize", kind: "int", width: "uint64", default: 0, unsupported: VMCI },
  VMCI_BUFFER_MIN_SIZE: {
    id: 86,
    name: "vmciBufferMinSize",
    kind: "int",
    width: "uint64",
    default: 0,
    unsupported: VMCI,
  },
  VMCI_BUFFER_MAX_SIZE: {
    id: 87,
    name: "vmciBufferMaxSize",
    kind: "int",
    width: "uint64",
    default: 0,
    unsupported: VMCI,
  },
  VMCI_CONNECT_TIMEOUT: { id: 88, name: "vmciConnectTimeout", kind: "int", default: -1, unsupported: VMCI },
  // wss:// (libzmq ZMQ_WSS_*, docs/ws-notes.md §16); zeromq.js has no wss and no properties for them.
  /** A wss server's private key, PEM. */
  WSS_KEY_PEM: { id: 103, name: "wssKeyPem", kind: "string", default: null },
  /** A wss server's certificate (chain), PEM. */
  WSS_CERT_PEM: { id: 104, name: "wssCertPem", kind: "string", default: null },
  /** The CA certificates a wss client trusts, PEM. */
  WSS_TRUST_PEM: { id: 105, name: "wssTrustPem", kind: "string", default: null },
  /** The name a wss client checks the server's certificate against (default: the endpoint's host). */
  WSS_HOSTNAME: { id: 106, name: "wssHostname", kind: "string", default: null },
  /** A wss client also trusts the system's CAs (always, when no wssTrustPem is set). */
  WSS_TRUST_SYSTEM: { id: 107, name: "wssTrustSystem", kind: "bool", default: false, relaxed: true },
  // Read-only (libzmq keeps them in options_t too).
  TYPE: { id: 16, name: "type", kind: "int", default: -1, readOnly: true },
  LAST_ENDPOINT: { id: 32, name: "lastEndpoint", kind: "string", default: null, readOnly: true },
  MECHANISM: {
    id: 43,
    name: "securityMechanism",
    kind: "enum",
    default: null,
    values: [null, "plain", "curve"],
    readOnly: true,
  },
  /** The draft types but DGRAM are thread-safe in libzmq (docs/drafts-notes.md §6). */
  THREAD_SAFE: {
    id: 81,
    name: "threadSafe",
    kind: "bool",
    default: false,
    readOnly: true,
    defaults: {
      SERVER: true,
      CLIENT: true,
      RADIO: true,
      DISH: true,
      GATHER: true,
      SCATTER: true,
      PEER: true,
      CHANNEL: true,
    },
  },

  // zeromq.js `Writable`
  SNDBUF: { id: 11, name: "sendBufferSize", kind: "int", default: -1, min: -1, scope: "Writable" },
  SNDHWM: {
    id: 23,
    name: "sendHighWaterMark",
    kind: "int",
    default: 1000,
    min: 0,
    hint: HWM,
    scope: "Writable",
    immediate: true,
  },
  MULTICAST_HOPS: { id: 25, name: "multicastHops", kind: "int", default: 1, min: 1, scope: "Writable" },
  SNDTIMEO: {
    id: 28,
    name: "sendTimeout",
    kind: "int",
    default: -1,
    min: -1,
    hint: MS,
    scope: "Writable",
    immediate: true,
  },

  // zeromq.js `Readable`
  RCVBUF: { id: 12, name: "receiveBufferSize", kind: "int", default: -1, min: -1, scope: "Readable" },
  RCVHWM: {
    id: 24,
    name: "receiveHighWaterMark",
    kind: "int",
    default: 1000,
    min: 0,
    hint: HWM,
    scope: "Readable",
    immediate: true,
  },
  RCVTIMEO: {
    id: 27,
    name: "receiveTimeout",
    kind: "int",
    default: -1,
    min: -1,
    hint: MS,
    scope: "Readable",
    immediate: true,
  },

  // Socket types' own
  /** This socket's identity, sent to its peers in the handshake (1 to 255 bytes). */
  ROUTING_ID: { id: 5, name: "routingId", kind: "routingId", default: null, scope: ["DEALER", "REQ", "REP", "ROUTER"] },
  /** ZMQ_ROUTER_MANDATORY: an unroutable message is EHOSTUNREACH, a full peer makes send() wait. */
  ROUTER_MANDATORY: {
    id: 33,
    name: "mandatory",
    kind: "bool",
    default: false,
    scope: ["ROUTER"],
    immediate: true,
    relaxed: true,
  },
  /**
   * ZMQ_XPUB_VERBOSE / ZMQ_XPUB_VERBOSER (78): which duplicate subscription events reach the
   * application: null (none), "allSubs", "allSubsUnsubs".
   */
  XPUB_VERBOSE: {
    id: 40,
    name: "verbosity",
    kind: "enum",
    default: null,
    values: [null, "allSubs", "allSubsUnsubs"],
    scope: ["XPUB"],
    writeOnly: true,
    immediate: true,
  },
  /** ZMQ_PROBE_ROUTER: an empty message to each new peer. */
  PROBE_ROUTER: {
    id: 51,
    name: "probeRouter",
    kind: "bool",
    default: false,
    scope: ["DEALER", "REQ", "ROUTER"],
    writeOnly: true,
    immediate: true,
    relaxed: true,
  },
  /** ZMQ_REQ_CORRELATE: a request id goes before the delimiter and the reply must echo it. */
  REQ_CORRELATE: {
    id: 52,
    name: "correlate",
    kind: "bool",
    default: false,
    scope: ["REQ"],
    writeOnly: true,
    immediate: true,
    relaxed: true,
  },
  /** ZMQ_REQ_RELAXED: a new request may be sent before the reply; the old one is abandoned. */
  REQ_RELAXED: {
    id: 53,
    name: "relaxed",
    kind: "bool",
    default: false,
    scope: ["REQ"],
    writeOnly: true,
    immediate: true,
    relaxed: true,
  },
  /** ZMQ_CONFLATE: each peer's queue keeps only its newest message. */
  CONFLATE: {
    id: 54,
    name: "conflate",
    kind: "bool",
    default: false,
    scope: ["DEALER", "PULL", "PUSH", "PUB", "SUB", "GATHER", "SCATTER"],
    writeOnly: true,
  },
  /** ZMQ_ROUTER_HANDOVER: a peer whose identity is taken takes it over; the old connection is closed. */
  ROUTER_HANDOVER: {
    id: 56,
    name: "handover",
    kind: "bool",
    default: false,
    scope: ["ROUTER"],
    writeOnly: true,
    immediate: true,
    relaxed: true,
  },
  /** ZMQ_XPUB_NODROP: a full subscriber makes send() wait (EAGAIN) instead of losing the message. */
  XPUB_NODROP: {
    id: 69,
    name: "noDrop",
    kind: "bool",
    default: false,
    scope: ["PUB", "XPUB"],
    writeOnly: true,
    relaxed: true,
  },
  /** ZMQ_XPUB_MANUAL: the application decides subscriptions with subscribe()/unsubscribe(). */
  XPUB_MANUAL: {
    id: 71,
    name: "manual",
    kind: "bool",
    default: false,
    scope: ["XPUB"],
    writeOnly: true,
    relaxed: true,
  },
  /** ZMQ_XPUB_WELCOME_MSG: sent to every new subscriber. */
  XPUB_WELCOME_MSG: {
    id: 72,
    name: "welcomeMessage",
    kind: "string",
    default: null,
    scope: ["XPUB"],
    writeOnly: true,
    empty: true,
  },
  /** ZMQ_STREAM_NOTIFY: `[id, ""]` when a peer connects or disconnects (default true). */
  STREAM_NOTIFY: { id: 73, name: "notify", kind: "bool", default: true, scope: ["STREAM"], writeOnly: true },
  /** ZMQ_INVERT_MATCHING: deliver what does NOT match the subscriptions (both ends must invert). */
  INVERT_MATCHING: {
    id: 74,
    name: "invertMatching",
    kind: "bool",
    default: false,
    scope: ["PUB", "SUB", "XPUB"],
    relaxed: true,
  },
  /** DRAFT ZMQ_ROUTER_NOTIFY: 1 = `[id, ""]` on connect, 2 = on disconnect, 3 = both. */
  ROUTER_NOTIFY: {
    id: 97,
    name: "notify",
    kind: "int",
    default: 0,
    min: 0,
    max: 3,
    hint: "1 = connect, 2 = disconnect, 3 = both (ZMQ_ROUTER_NOTIFY)",
    scope: ["ROUTER"],
  },
  /**
   * DRAFT ZMQ_MULTICAST_LOOP: a RADIO's multicast datagrams also reach this host's own DISHes (default
   * on, docs/drafts-notes.md §19). A zocket extra: zeromq.js does not expose it.
   */
  MULTICAST_LOOP: { id: 96, name: "multicastLoop", kind: "bool", default: true, scope: ["RADIO"], relaxed: true },
} as const satisfies Record<string, OptionEntry>;

type Table = typeof OPTIONS;
/** libzmq's name of an option, without `ZMQ_` (a key of {@link OPTIONS}). */
export type OptionKey = keyof Table;

/** The value an option's property gives and takes. */
type PropValue<E> = E extends { kind: "int" }
  ? number
  : E extends { kind: "bool" }
    ? boolean
    : E extends { kind: "enum"; values: readonly (infer V)[] }
      ? V
      : string | null;

/** The value a socket keeps: routing ids and CURVE keys as bytes. */
type StoredValue<E> = E extends { kind: "routingId" | "key" } ? Buffer | null : PropValue<E>;

/** An option's scope ("Socket" when the row has none). */
type ScopeOf<E> = E extends { scope: infer S } ? S : "Socket";

/** K if option K is in scope S: "Socket", "Writable", "Readable", or a socket type that lists it. */
type InScope<K extends OptionKey, S> =
  ScopeOf<Table[K]> extends string
    ? ScopeOf<Table[K]> extends S
      ? K
      : never
    : S extends Extract<ScopeOf<Table[K]>, readonly unknown[]>[number]
      ? K
      : never;

/** The property name of option K if it is in scope S and (not) read-only. */
type NameIn<K extends OptionKey, S, ReadOnly extends boolean> = [InScope<K, S>] extends [never]
  ? never
  : (Table[K] extends { readOnly: true } ? true : false) extends ReadOnly
    ? Table[K]["name"]
    : never;

/** The option properties of a scope, as the socket classes' interfaces declare them. */
export type OptionProps<S extends string> = {
  -readonly [K in OptionKey as NameIn<K, S, false>]: PropValue<Table[K]>;
} & {
  readonly [K in OptionKey as NameIn<K, S, true>]: PropValue<Table[K]>;
};

/** The values kept for the options of a scope, by property name. */
type StoreOf<S> = {
  -readonly [K in OptionKey as [InScope<K, S>] extends [never] ? never : Table[K]["name"]]: StoredValue<Table[K]>;
};

/** What every socket keeps: the options of the three shared scopes. */
export type SocketOptionStore = StoreOf<"Socket" | "Writable" | "Readable">;

/**
 * What a socket of type T keeps, by property name: the options every socket has, plus T's own. Socket
 * types read it through `this[kOptions]`, typed with their own T, so a misspelt name does not compile.
 */
export type OptionStore<T extends SocketTypeName> = SocketOptionStore & StoreOf<T>;

/** Any option's value, as checked and kept. */
export type OptionValue = number | boolean | string | Buffer | null;

/** The rows in table order. */
export const OPTION_ENTRIES: readonly OptionEntry[] = Object.values(OPTIONS);

/** The row of a libzmq option number (for getsockopt/setsockopt by id); ZMQ_XPUB_VERBOSER shares a row. */
export const OPTION_BY_ID: ReadonlyMap<number, OptionEntry> = new Map([
  ...OPTION_ENTRIES.map((e): [number, OptionEntry] => [e.id, e]),
  [78, OPTIONS.XPUB_VERBOSE],
]);

/** True for the options every socket has (the three shared scopes). */
export function isCommon(entry: OptionEntry): boolean {
  return entry.scope === undefined || typeof entry.scope === "string";
}

/** True if sockets of `type` have the option. */
export function hasOption(entry: OptionEntry, type: SocketTypeName): boolean {
  const scope = entry.scope;
  return scope === undefined || typeof scope === "string" || scope.includes(type);
}

/**
 * Context options (zmq_ctx_set/zmq_ctx_get): zeromq.js's `Context` properties with libzmq's ids and
 * ranges. One event loop does zocket's I/O, so most are kept and reported, not acted on; `blocky`
 * decides the exit wait, `ipv6` is every socket's default.
 */
export const CONTEXT_OPTIONS = {
  IO_THREADS: { id: 1, name: "ioThreads", kind: "int", default: 1, min: 0 },
  MAX_SOCKETS: { id: 2, name: "maxSockets", kind: "int", default: 1023, min: 1 },
  SOCKET_LIMIT: { id: 3, name: "maxSocketsLimit", kind: "int", default: 65535, readOnly: true },
  /** Set-only: libzmq's id 3 reads the socket limit and writes the I/O threads' priority. */
  THREAD_PRIORITY: { id: 3, name: "threadPriority", kind: "int", default: -1, min: 0, writeOnly: true },
  THREAD_SCHED_POLICY: { id: 4, name: "threadSchedulingPolicy", kind: "int", default: -1, min: 0, writeOnly: true },
  MAX_MSGSZ: { id: 5, name: "maxMessageSize", kind: "int", default: 2147483647, min: 0 },
  IPV6: { id: 42, name: "ipv6", kind: "bool", default: false, relaxed: true },
  BLOCKY: { id: 70, name: "blocky", kind: "bool", default: true, relaxed: true },
} as const satisfies Record<string, OptionEntry>;

type ContextTable = typeof CONTEXT_OPTIONS;
type ContextKey = keyof ContextTable;

/** The option properties of `Context`, from {@link CONTEXT_OPTIONS}. */
export type ContextOptionProps = {
  -readonly [
    K in ContextKey as ContextTable[K] extends { readOnly: true } ? never : ContextTable[K]["name"]
  ]: PropValue<ContextTable[K]>;
} & {
  readonly [K in ContextKey as ContextTable[K] extends { readOnly: true } ? ContextTable[K]["name"] : never]: PropValue<
    ContextTable[K]
  >;
};

/** The context rows in table order. */
export const CONTEXT_OPTION_ENTRIES: readonly OptionEntry[] = Object.values(CONTEXT_OPTIONS);
