/**
 * Endpoints on the command line: `--bind EP`, `--connect EP`, and czmq's shorthand in positional
 * arguments (`@tcp://*:5555` binds, `>ws://host:5555/path` connects, a plain endpoint does what the socket
 * type usually does, and a comma separates several, as in czmq's `zsock_attach`).
 *
 * Plus opening a socket with the common options: linger, HWM, timeouts, routing id, security, events.
 */
import type { Socket } from "../index.ts";
import { parseEndpoint } from "../transports/endpoint.ts";
import { int, RuntimeFailure, str, strs, UsageError, type OptionTable, type ParsedValues } from "./args.ts";
import type { SocketClass } from "./lib.ts";
import { bindFailure, describeError, hintOf, type Runtime } from "./runtime.ts";
import type { SecurityPlan } from "./security.ts";

export interface Attach {
  bind: string[];
  connect: string[];
}

export const ENDPOINT_OPTIONS: OptionTable = {
  bind: { type: "string", short: "b", multiple: true, value: "EP", help: "bind to EP" },
  connect: { type: "string", short: "c", multiple: true, value: "EP", help: "connect to EP" },
};

/** Options every socket-opening command has. */
export const SOCKET_COMMON_OPTIONS: OptionTable = {
  linger: {
    type: "string",
    value: "MS",
    help: "on exit, wait up to MS for queued messages to leave (default 2000, -1 forever)",
  },
  hwm: { type: "string", value: "N", help: "send and receive high-water mark in messages (default 1000)" },
  "use-fd": {
    type: "string",
    value: "FD",
    help: "bind adopts the listening socket FD (ZMQ_USE_FD); systemd's sockets are found by address anyway",
  },
  events: { type: "boolean", short: "e", help: "print socket events (connect, handshake, disconnect...) on stderr" },
  verbose: { type: "boolean", short: "v", help: "say what is happening on stderr" },
};

/**
 * Collect the endpoints of a command. `bindsByDefault` decides plain positional endpoints.
 * Every endpoint is checked now, so a typo is a usage error (exit 2), not a failure later.
 */
export function collectEndpoints(positionals: string[], v: ParsedValues, bindsByDefault: boolean): Attach {
  const out: Attach = { bind: [], connect: [] };
  for (const arg of positionals) {
    for (const part of arg.split(",")) {
      const p = part.trim();
      if (p === "") continue;
      if (p.startsWith("@")) out.bind.push(p.slice(1));
      else if (p.startsWith(">")) out.connect.push(p.slice(1));
      else (bindsByDefault ? out.bind : out.connect).push(p);
    }
  }
  out.bind.push(...strs(v, "bind"));
  out.connect.push(...strs(v, "connect"));
  for (const ep of out.bind) checkEndpoint(ep, "bind");
  for (const ep of out.connect) checkEndpoint(ep, "connect");
  return out;
}

/** Throw a one-line usage error for a malformed endpoint. */
export function checkEndpoint(ep: string, mode: "bind" | "connect"): void {
  try {
    parseEndpoint(ep, mode);
  } catch (err) {
    throw new UsageError(`malformed endpoint for ${mode}: ${hintOf(err) ?? (err as Error).message}`);
  }
}

/** Read the common socket options (linger into the runtime). */
export function commonSettings(
  v: ParsedValues,
  rt: Runtime,
): { hwm: number | undefined; events: boolean; verbose: boolean } {
  const linger = str(v, "linger");
  if (linger !== undefined) rt.linger = int(v, "linger", 2000, -1, "milliseconds (-1 = forever)");
  if (str(v, "use-fd") !== undefined) rt.useFd = int(v, "use-fd", -1, 0, "a file descriptor number");
  const hwm = str(v, "hwm") === undefined ? undefined : int(v, "hwm", 1000, 0);
  return { hwm, events: v["events"] === true, verbose: v["verbose"] === true };
}

export interface OpenOptions {
  attach: Attach;
  security?: SecurityPlan;
  hwm?: number | undefined;
  events: boolean;
  verbose: boolean;
  /** Label for events and notes when a command opens several sockets. */
  label?: string;
  /** Extra setup before bind/connect (subscriptions, routing id...). */
  setup?: (sock: Socket) => void;
  /** Say where a bind landed (always for wildcard ports, else with --verbose). */
  announceBinds?: boolean;
}

/**
 * Create a socket, set it up, bind and connect. Bind failures are runtime failures (exit 1) that
 * name the address; the socket is tracked by the runtime so it is closed however the process ends.
 */
export async function openSocket(rt: Runtime, cls: SocketClass, o: OpenOptions): Promise<Socket> {
  let sock: Socket;
  try {
    sock = rt.track(new cls());
    sock.linger = rt.linger;
    if (rt.useFd >= 0) (sock as Socket & { useFd: number }).useFd = rt.useFd;
    if (o.hwm !== undefined) {
      (sock as Socket & { sendHighWaterMark: number }).sendHighWaterMark = o.hwm;
      (sock as Socket & { receiveHighWaterMark: number }).receiveHighWaterMark = o.hwm;
    }
    o.security?.apply(sock);
    o.setup?.(sock);
  } catch (err) {
    if (err instanceof UsageError || err instanceof RuntimeFailure) throw err;
    throw new RuntimeFailure(`cannot set up the socket: ${describeError(err)}`);
  }
  const labelOpt = o.label !== undefined ? { label: o.label } : {};
  rt.watch(sock, { ...labelOpt, print: o.events, connects: new Set(o.attach.connect) });
  const prefix = o.label !== undefined ? `${o.label}: ` : "";
  for (const ep of o.attach.bind) {
    try {
      await sock.bind(ep);
    } catch (err) {
      throw bindFailure(ep, err);
    }
    const actual = sock.lastEndpoint ?? ep;
    const wildcard = /:(\*|0)(\/|$)/.test(ep);
    if ((o.announceBinds ?? true) && (wildcard || o.verbose)) rt.note(`${prefix}bound to ${actual}`);
  }
  for (const ep of o.attach.connect) {
    try {
      sock.connect(ep);
    } catch (err) {
      throw new RuntimeFailure(`cannot connect to ${ep}: ${describeError(err)}`);
    }
    if (o.verbose) rt.note(`${prefix}connecting to ${ep}`);
  }
  return sock;
}
