/**
 * The CLI's view of the library: socket classes looked up by name in the package's exports at run
 * time (the main entry and `zocket/draft`), so a socket type shows up in `zocket <type>` as soon as an
 * entry exports it.
 */
import * as draft from "../draft.ts";
import * as zocket from "../index.ts";
import type { Socket } from "../index.ts";

/** Everything the package's main and draft entries export, by name. */
export const exportsByName: Readonly<Record<string, unknown>> = { ...draft, ...zocket } as Record<string, unknown>;

/** A socket constructor as zeromq.js has them: `new Push({ linger: 0 })`. */
export type SocketClass = new (options?: object) => Socket;

/** What the generic command does with a socket type's two directions. */
export type Direction = "send" | "recv" | "both" | "req" | "rep";

export interface SocketTypeInfo {
  /** CLI name, lower case: "push". */
  name: string;
  /** The export that implements it (zeromq.js class name). */
  className: string;
  /** libzmq's name: "PUSH". */
  zmqName: string;
  /** czmq's default for an endpoint without @ or >: true = bind. */
  bindsByDefault: boolean;
  direction: Direction;
  aliases: readonly string[];
  summary: string;
}

/**
 * Every ZeroMQ socket type, in zeromq.js naming. The bind/connect defaults are czmq's
 * (`zsock_new_pub("tcp://...")` binds, `zsock_new_sub` connects, ...), see czmq zsock.c.
 */
export const SOCKET_TYPES: readonly SocketTypeInfo[] = [
  {
    name: "pair",
    className: "Pair",
    zmqName: "PAIR",
    bindsByDefault: false,
    direction: "both",
    aliases: [],
    summary: "exclusive pair: send stdin, print what arrives",
  },
  {
    name: "pub",
    className: "Publisher",
    zmqName: "PUB",
    bindsByDefault: true,
    direction: "send",
    aliases: ["publisher"],
    summary: "publish stdin lines to subscribers",
  },
  {
    name: "sub",
    className: "Subscriber",
    zmqName: "SUB",
    bindsByDefault: false,
    direction: "recv",
    aliases: ["subscriber"],
    summary: "print messages that match --subscribe",
  },
  {
    name: "req",
    className: "Request",
    zmqName: "REQ",
    bindsByDefault: false,
    direction: "req",
    aliases: ["request"],
    summary: "send each stdin line as a request, print the reply",
  },
  {
    name: "rep",
    className: "Reply",
    zmqName: "REP",
    bindsByDefault: true,
    direction: "rep",
    aliases: ["reply"],
    summary: "print each request, answer with the next stdin line",
  },
  {
    name: "dealer",
    className: "Dealer",
    zmqName: "DEALER",
    bindsByDefault: false,
    direction: "both",
    aliases: [],
    summary: "round-robin stdin to peers, print what arrives",
  },
  {
    name: "router",
    className: "Router",
    zmqName: "ROUTER",
    bindsByDefault: true,
    direction: "both",
    aliases: [],
    summary: "print [identity, ...] messages; stdin lines are routed by their first frame",
  },
  {
    name: "pull",
    className: "Pull",
    zmqName: "PULL",
    bindsByDefault: true,
    direction: "recv",
    aliases: [],
    summary: "print messages pushed to it",
  },
  {
    name: "push",
    className: "Push",
    zmqName: "PUSH",
    bindsByDefault: false,
    direction: "send",
    aliases: [],
    summary: "push stdin lines to pullers (load-balanced)",
  },
  {
    name: "xpub",
    className: "XPublisher",
    zmqName: "XPUB",
    bindsByDefault: true,
    direction: "both",
    aliases: ["xpublisher"],
    summary: "publish stdin, print subscriptions as they arrive",
  },
  {
    name: "xsub",
    className: "XSubscriber",
    zmqName: "XSUB",
    bindsByDefault: false,
    direction: "both",
    aliases: ["xsubscriber"],
    summary: "print publications; stdin lines are sent upstream (subscriptions)",
  },
  // DRAFT types (zocket/draft), with czmq's bind/connect defaults; on udp the only legal side is taken.
  {
    name: "server",
    className: "Server",
    zmqName: "SERVER",
    bindsByDefault: true,
    direction: "both",
    aliases: [],
    summary: "print 'routing-id<TAB>message'; stdin 'id<TAB>reply' (-s), or a line to the last client",
  },
  {
    name: "client",
    className: "Client",
    zmqName: "CLIENT",
    bindsByDefault: false,
    direction: "both",
    aliases: [],
    summary: "send stdin lines to servers (round-robin), print what arrives",
  },
  {
    name: "radio",
    className: "Radio",
    zmqName: "RADIO",
    bindsByDefault: true,
    direction: "send",
    aliases: [],
    summary: "publish stdin lines to --group (tcp, or udp:// unicast and multicast)",
  },
  {
    name: "dish",
    className: "Dish",
    zmqName: "DISH",
    bindsByDefault: false,
    direction: "recv",
    aliases: [],
    summary: "print 'group<TAB>message' for the groups given with --join",
  },
  {
    name: "scatter",
    className: "Scatter",
    zmqName: "SCATTER",
    bindsByDefault: false,
    direction: "send",
    aliases: [],
    summary: "scatter stdin lines to gatherers (load-balanced, single-part)",
  },
  {
    name: "gather",
    className: "Gather",
    zmqName: "GATHER",
    bindsByDefault: true,
    direction: "recv",
    aliases: [],
    summary: "print messages scattered to it",
  },
  {
    name: "dgram",
    className: "Datagram",
    zmqName: "DGRAM",
    bindsByDefault: true,
    direction: "both",
    aliases: ["datagram"],
    summary: "raw udp: print 'ip:port<TAB>data'; stdin 'ip:port<TAB>data' (-s), or a line to the last sender",
  },
  {
    name: "stream",
    className: "Stream",
    zmqName: "STREAM",
    bindsByDefault: false,
    direction: "both",
    aliases: [],
    summary: "talk raw TCP to a non-ZeroMQ peer",
  },
];

/** Look a type up by CLI name or alias (case-insensitive). */
export function findSocketType(name: string): SocketTypeInfo | undefined {
  const n = name.toLowerCase();
  return SOCKET_TYPES.find((t) => t.name === n || t.aliases.includes(n) || t.zmqName.toLowerCase() === n);
}

/** The class implementing `info`, or undefined when this build does not export it (yet). */
export function socketClass(info: SocketTypeInfo | string): SocketClass | undefined {
  const className = typeof info === "string" ? info : info.className;
  const c = exportsByName[className];
  return typeof c === "function" ? (c as SocketClass) : undefined;
}

/** CURVE keys and Z85 (RFC 32), as the package exports them. */
export { z85Decode } from "../protocol/z85.ts";
export { curveKeyPair } from "../mechanisms/curve-keys.ts";

/** The package version from package.json (two levels up in both src/cli and dist/cli). */
export async function packageVersion(): Promise<string> {
  try {
    const { readFile } = await import("node:fs/promises");
    const text = await readFile(new URL("../../package.json", import.meta.url), "utf8");
    const v = (JSON.parse(text) as { version?: unknown }).version;
    return typeof v === "string" ? v : "unknown";
  } catch {
    return "unknown";
  }
}

/** The libzmq version zocket is wire-compatible with. */
export const LIBZMQ_VERSION: string =
  typeof exportsByName["version"] === "string" ? (exportsByName["version"] as string) : "4.3.5";
