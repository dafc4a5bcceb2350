/** Wire constants of ZMTP (RFC 23, RFC 37) and the socket-type table libzmq uses. */

/** Frame flag bits (RFC 23 §3.3). */
export const FLAG_MORE = 0x01;
export const FLAG_LONG = 0x02;
export const FLAG_COMMAND = 0x04;

/** Socket types by their libzmq numeric value (also the ZMTP 2.0 greeting's socket-type byte). */
export const SOCKET_TYPE = {
  PAIR: 0,
  PUB: 1,
  SUB: 2,
  REQ: 3,
  REP: 4,
  DEALER: 5,
  ROUTER: 6,
  PULL: 7,
  PUSH: 8,
  XPUB: 9,
  XSUB: 10,
  STREAM: 11,
  // DRAFT types (libzmq builds with ZMQ_BUILD_DRAFT_API): docs/drafts-notes.md §1.
  SERVER: 12,
  CLIENT: 13,
  RADIO: 14,
  DISH: 15,
  GATHER: 16,
  SCATTER: 17,
  DGRAM: 18,
  PEER: 19,
  CHANNEL: 20,
} as const;

export type SocketTypeName = keyof typeof SOCKET_TYPE;

const NAMES_BY_NUMBER: readonly SocketTypeName[] = Object.keys(SOCKET_TYPE) as SocketTypeName[];

export function socketTypeName(n: number): SocketTypeName | undefined {
  return NAMES_BY_NUMBER[n];
}

/**
 * Which peer types each type accepts — RFC 37 as libzmq enforces it (`mechanism_t::check_socket_type`).
 * A mismatch closes the connection silently (docs/zmtp-notes.md §1.8).
 */
export const COMPATIBLE: Readonly<Record<SocketTypeName, readonly SocketTypeName[]>> = {
  PAIR: ["PAIR"],
  PUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  PULL: ["PUSH"],
  PUSH: ["PULL"],
  XPUB: ["SUB", "XSUB"],
  XSUB: ["PUB", "XPUB"],
  STREAM: [],
  // Each draft type accepts exactly its partner (docs/drafts-notes.md §2).
  SERVER: ["CLIENT"],
  CLIENT: ["SERVER"],
  RADIO: ["DISH"],
  DISH: ["RADIO"],
  GATHER: ["SCATTER"],
  SCATTER: ["GATHER"],
  DGRAM: ["DGRAM"],
  PEER: ["PEER"],
  CHANNEL: ["CHANNEL"],
};

/**
 * Which types use datagram transports (udp), from which side, and how a message maps to a datagram: the
 * RADIO sends (connect), the DISH and DGRAM bind; groups for RADIO/DISH, raw `[address, body]` for DGRAM
 * (docs/drafts-notes.md §17, §20, §23). Any other type refuses udp, and DGRAM refuses everything else
 * (ENOCOMPATPROTO).
 */
export const DATAGRAM_USE: Readonly<
  Partial<Record<SocketTypeName, { readonly mode: "bind" | "connect"; readonly codec: "group" | "raw" }>>
> = {
  RADIO: { mode: "connect", codec: "group" },
  DISH: { mode: "bind", codec: "group" },
  DGRAM: { mode: "bind", codec: "raw" },
};

/** Types that run over datagram transports only. */
export function datagramOnly(type: SocketTypeName): boolean {
  return type === "DGRAM";
}

/** The draft types (SERVER and after): ZMTP 3 only (docs/drafts-notes.md §3). */
export function isDraftType(type: SocketTypeName): boolean {
  return SOCKET_TYPE[type] > SOCKET_TYPE.STREAM;
}

export function isCompatible(local: SocketTypeName, peer: string): boolean {
  return (COMPATIBLE[local] as readonly string[]).includes(peer);
}

/**
 * libzmq sends an `Identity` property only from these types, and always (even empty): docs/zmtp-notes.md
 * G6.
 */
export function sendsIdentity(type: SocketTypeName): boolean {
  return type === "REQ" || type === "DEALER" || type === "ROUTER";
}

export type MechanismName = "NULL" | "PLAIN" | "CURVE";
