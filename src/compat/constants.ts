/**
 * The constants of the zeromq 5.x module, with the values zeromq.js's `zeromq/v5-compat` exports (its
 * `src/compat/*.ts`): socket types, option ids, poll and send flags, states and capabilities, plus the
 * maps 5.x had (`types`, `events`) and its `ZMQ_NOBLOCK`. One table per group; the module exports each
 * name as a constant and the short option names (`options`) come from the option ids here.
 */

/** Socket type numbers (libzmq `zmq.h`); XREQ and XREP are the old names of DEALER and ROUTER. */
export const ZMQ_PAIR = 0;
export const ZMQ_PUB = 1;
export const ZMQ_SUB = 2;
export const ZMQ_REQ = 3;
export const ZMQ_REP = 4;
export const ZMQ_DEALER = 5;
export const ZMQ_XREQ = 5;
export const ZMQ_ROUTER = 6;
export const ZMQ_XREP = 6;
export const ZMQ_PULL = 7;
export const ZMQ_PUSH = 8;
export const ZMQ_XPUB = 9;
export const ZMQ_XSUB = 10;
export const ZMQ_STREAM = 11;

/** Socket option ids. ZMQ_RECOVERY_IVL_MSEC is 9 as in zeromq.js's compat (5.x had 20, which libzmq 4 lacks). */
export const ZMQ_AFFINITY = 4;
export const ZMQ_IDENTITY = 5;
export const ZMQ_SUBSCRIBE = 6;
export const ZMQ_UNSUBSCRIBE = 7;
export const ZMQ_RATE = 8;
export const ZMQ_RECOVERY_IVL = 9;
export const ZMQ_RECOVERY_IVL_MSEC = 9;
export const ZMQ_SNDBUF = 11;
export const ZMQ_RCVBUF = 12;
export const ZMQ_RCVMORE = 13;
export const ZMQ_FD = 14;
export const ZMQ_EVENTS = 15;
export const ZMQ_TYPE = 16;
export const ZMQ_LINGER = 17;
export const ZMQ_RECONNECT_IVL = 18;
export const ZMQ_BACKLOG = 19;
export const ZMQ_RECONNECT_IVL_MAX = 21;
export const ZMQ_MAXMSGSIZE = 22;
export const ZMQ_SNDHWM = 23;
export const ZMQ_RCVHWM = 24;
export const ZMQ_MULTICAST_HOPS = 25;
export const ZMQ_RCVTIMEO = 27;
export const ZMQ_SNDTIMEO = 28;
export const ZMQ_IPV4ONLY = 31;
export const ZMQ_LAST_ENDPOINT = 32;
export const ZMQ_ROUTER_MANDATORY = 33;
export const ZMQ_TCP_KEEPALIVE = 34;
export const ZMQ_TCP_KEEPALIVE_CNT = 35;
export const ZMQ_TCP_KEEPALIVE_IDLE = 36;
export const ZMQ_TCP_KEEPALIVE_INTVL = 37;
export const ZMQ_TCP_ACCEPT_FILTER = 38;
export const ZMQ_DELAY_ATTACH_ON_CONNECT = 39;
export const ZMQ_XPUB_VERBOSE = 40;
export const ZMQ_ROUTER_RAW = 41;
export const ZMQ_IPV6 = 42;
export const ZMQ_MECHANISM = 43;
export const ZMQ_PLAIN_SERVER = 44;
export const ZMQ_PLAIN_USERNAME = 45;
export const ZMQ_PLAIN_PASSWORD = 46;
export const ZMQ_CURVE_SERVER = 47;
export const ZMQ_CURVE_PUBLICKEY = 48;
export const ZMQ_CURVE_SECRETKEY = 49;
export const ZMQ_CURVE_SERVERKEY = 50;
export const ZMQ_ZAP_DOMAIN = 55;
export const ZMQ_ROUTER_HANDOVER = 56;
export const ZMQ_HEARTBEAT_IVL = 75;
export const ZMQ_HEARTBEAT_TTL = 76;
export const ZMQ_HEARTBEAT_TIMEOUT = 77;
export const ZMQ_CONNECT_TIMEOUT = 79;

/**
 * 5.x's ids of ZeroMQ 2.x options (ZMQ_HWM, ZMQ_SWAP, ZMQ_MCAST_LOOP). libzmq 4 has none of them, so 5.x on
 * libzmq 4 refused them and so does setsockopt() here; they are exported so old code still loads.
 */
export const ZMQ_HWM = 1;
export const ZMQ_SWAP = 3;
export const ZMQ_MCAST_LOOP = 10;

/** Context option ids (`Context.setCtxOption`). */
export const ZMQ_IO_THREADS = 1;
export const ZMQ_MAX_SOCKETS = 2;

/** Poll events (`getsockopt(ZMQ_EVENTS)`). */
export const ZMQ_POLLIN = 1;
export const ZMQ_POLLOUT = 2;
export const ZMQ_POLLERR = 4;

/**
 * Send flags. ZMQ_SNDMORE holds the parts until a send without it. ZMQ_DONTWAIT (5.x: ZMQ_NOBLOCK) is
 * accepted and changes nothing: as in 5.x, send() never blocks, it queues.
 */
export const ZMQ_SNDMORE = 2;
export const ZMQ_DONTWAIT = 1;
export const ZMQ_NOBLOCK = 1;

/** 5.x's socket states (its binding's `state`). */
export const STATE_READY = 0;
export const STATE_BUSY = 1;
export const STATE_CLOSED = 2;

/** What 5.x's native build could do; all of it here. */
export const ZMQ_CAN_MONITOR = 1;
export const ZMQ_CAN_DISCONNECT = 1;
export const ZMQ_CAN_UNBIND = 1;
export const ZMQ_CAN_SET_CTX = 1;

/** 5.x's socket type names, with their numbers (5.x `exports.types`). */
export const types = Object.freeze({
  pub: ZMQ_PUB,
  xpub: ZMQ_XPUB,
  sub: ZMQ_SUB,
  xsub: ZMQ_XSUB,
  req: ZMQ_REQ,
  xreq: ZMQ_XREQ,
  rep: ZMQ_REP,
  xrep: ZMQ_XREP,
  push: ZMQ_PUSH,
  pull: ZMQ_PULL,
  dealer: ZMQ_DEALER,
  router: ZMQ_ROUTER,
  pair: ZMQ_PAIR,
  stream: ZMQ_STREAM,
});

/** A socket type name 5.x accepted. */
export type SocketType = keyof typeof types;

/** The monitor event names by libzmq event number (5.x `exports.events`); each is emitted on the socket. */
export const events = Object.freeze({
  1: "connect",
  2: "connect_delay",
  4: "connect_retry",
  8: "listen",
  16: "bind_error",
  32: "accept",
  64: "accept_error",
  128: "close",
  256: "close_error",
  512: "disconnect",
});

/** A monitor event name (5.x `events` values). */
export type MonitorEventName = (typeof events)[keyof typeof events];

/**
 * The short option names (5.x and zeromq.js's compat `options`): each is also a property of every socket,
 * `sock.linger = 0` being `sock.setsockopt("linger", 0)`.
 */
export const options = {
  _fd: ZMQ_FD,
  _ioevents: ZMQ_EVENTS,
  _receiveMore: ZMQ_RCVMORE,
  _subscribe: ZMQ_SUBSCRIBE,
  _unsubscribe: ZMQ_UNSUBSCRIBE,
  affinity: ZMQ_AFFINITY,
  backlog: ZMQ_BACKLOG,
  identity: ZMQ_IDENTITY,
  linger: ZMQ_LINGER,
  rate: ZMQ_RATE,
  rcvbuf: ZMQ_RCVBUF,
  last_endpoint: ZMQ_LAST_ENDPOINT,
  reconnect_ivl: ZMQ_RECONNECT_IVL,
  recovery_ivl: ZMQ_RECOVERY_IVL,
  sndbuf: ZMQ_SNDBUF,
  mechanism: ZMQ_MECHANISM,
  plain_server: ZMQ_PLAIN_SERVER,
  plain_username: ZMQ_PLAIN_USERNAME,
  plain_password: ZMQ_PLAIN_PASSWORD,
  curve_server: ZMQ_CURVE_SERVER,
  curve_publickey: ZMQ_CURVE_PUBLICKEY,
  curve_secretkey: ZMQ_CURVE_SECRETKEY,
  curve_serverkey: ZMQ_CURVE_SERVERKEY,
  zap_domain: ZMQ_ZAP_DOMAIN,
  heartbeat_ivl: ZMQ_HEARTBEAT_IVL,
  heartbeat_ttl: ZMQ_HEARTBEAT_TTL,
  heartbeat_timeout: ZMQ_HEARTBEAT_TIMEOUT,
  connect_timeout: ZMQ_CONNECT_TIMEOUT,
};

/** A short option name. */
export type ShortOption = keyof typeof options;
