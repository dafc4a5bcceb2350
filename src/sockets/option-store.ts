/**
 * A socket's option values and its option properties, both made from the option table (options.ts):
 * `newOptionStore(type)` builds the values a socket of that type starts with, `defineOptions(proto, scope)`
 * puts a validating accessor on a socket prototype for every option of the scope.
 */
import { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import { SOCKET_TYPE, type SocketTypeName } from "../protocol/constants.ts";
import { kOptions } from "./hooks.ts";
import {
  checkOption,
  hasOption,
  isCommon,
  OPTION_ENTRIES,
  OPTIONS,
  type OptionEntry,
  type OptionStore,
  type OptionValue,
  type SocketOptionStore,
} from "./options.ts";
import { securityHooks } from "./security-hooks.ts";
import type { Socket } from "./socket-base.ts";

/** Each type's `[name, default]` list, made once. */
const TEMPLATES = new Map<SocketTypeName, [string, OptionValue][]>();

/**
 * The option values of a new socket of `type`, built in one go so every socket of a type shares one
 * fast-mode object shape and an option read is a field load (docs/performance.md, design decision 20).
 */
export function newOptionStore<T extends SocketTypeName>(type: T): OptionStore<T> {
  let entries = TEMPLATES.get(type);
  if (entries === undefined) {
    entries = OPTION_ENTRIES.filter((e) => hasOption(e, type)).map((e) => [e.name, defaultOf(e, type)]);
    TEMPLATES.set(type, entries);
  }
  return Object.fromEntries(entries) as OptionStore<T>;
}

function defaultOf(entry: OptionEntry, type: SocketTypeName): OptionValue {
  if (entry === OPTIONS.TYPE) return SOCKET_TYPE[type];
  return entry.defaults?.[type] ?? entry.default;
}

/** The store by name, for the accessors (which serve every option). */
function byName(socket: Socket): Record<string, OptionValue> {
  return socket[kOptions];
}

/**
 * Define the option properties of `scope` on a socket prototype: "common" for the options every socket
 * has (on Socket.prototype), or a socket type for its own. `sock.linger = 0`, `sock.linger`.
 */
export function defineOptions(proto: object, scope: "common" | SocketTypeName): void {
  for (const entry of OPTION_ENTRIES) {
    if (scope === "common" ? !isCommon(entry) : isCommon(entry) || !hasOption(entry, scope)) continue;
    const descriptor: PropertyDescriptor = { configurable: true, enumerable: false, get: getter(entry) };
    if (entry.readOnly !== true) descriptor.set = setter(entry);
    Object.defineProperty(proto, entry.name, descriptor);
  }
}

/** Set the options given to a socket's constructor through their accessors ("context" is not one). */
export function setOptions(socket: Socket, given: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(given)) {
    if (k === "context") continue;
    if (!isOptionName(socket, k)) {
      const hint = "see the zeromq.js option names (e.g. sendHighWaterMark, linger)";
      throw new ZmqError("EINVAL", `Unknown option "${k}" for ${socket.constructor.name}; ${hint}`);
    }
    (socket as unknown as Record<string, unknown>)[k] = v;
  }
}

/** True if `name` is a settable option of the socket (an accessor with a setter on its prototype chain). */
function isOptionName(obj: object, name: string): boolean {
  let proto: object | null = Object.getPrototypeOf(obj);
  while (proto !== null) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (d) return d.set !== undefined;
    proto = Object.getPrototypeOf(proto);
  }
  return false;
}

/** libzmq's zmq_getsockopt/zmq_setsockopt on a closed socket give ENOTSOCK, and so does zeromq.js. */
function closedOptionError(name: string): ZmqError {
  return new ZmqError("ENOTSOCK", `Cannot access option ${name}: the socket is closed`);
}

function getter(entry: OptionEntry): (this: Socket) => unknown {
  const name = entry.name;
  // Read-only options (type, lastEndpoint, ...) stay readable once the socket is closed.
  if (entry.readOnly === true)
    return function (this: Socket) {
      return byName(this)[name];
    };
  if (entry.kind === "routingId")
    return function (this: Socket) {
      if (this.closed) throw closedOptionError(name);
      const v = byName(this)[name];
      return Buffer.isBuffer(v) ? v.toString("utf8") : v;
    };
  if (entry.kind === "key")
    return function (this: Socket) {
      if (this.closed) throw closedOptionError(name);
      const v = byName(this)[name];
      return Buffer.isBuffer(v) ? securityHooks.encodeKey(v) : null;
    };
  return function (this: Socket) {
    if (this.closed) throw closedOptionError(name);
    return byName(this)[name];
  };
}

function setter(entry: OptionEntry): (this: Socket, value: unknown) => void {
  const name = entry.name;
  return function (this: Socket, value: unknown) {
    if (this.closed) throw closedOptionError(name);
    const v = checkOption(entry, value, this.constructor.name);
    if (entry.kind === "key") {
      byName(this)[name] = typeof v === "string" || Buffer.isBuffer(v) ? securityHooks.decodeKey(v, name) : null;
    } else {
      byName(this)[name] = v;
    }
    pickMechanism(this[kOptions], entry);
  };
}

/**
 * libzmq: the security mechanism is whatever security option was set last (a server flag, PLAIN
 * credentials or a CURVE server key); clearing the flag that chose it falls back to NULL.
 */
function pickMechanism(o: SocketOptionStore, entry: OptionEntry): void {
  const mech = o.securityMechanism;
  switch (entry) {
    case OPTIONS.CURVE_SERVERKEY:
      if (o.curveServerKey !== null) o.securityMechanism = "curve";
      break;
    case OPTIONS.CURVE_SERVER:
      o.securityMechanism = o.curveServer ? "curve" : mech === "curve" && o.curveServerKey === null ? null : mech;
      break;
    case OPTIONS.PLAIN_SERVER:
      o.securityMechanism = o.plainServer ? "plain" : mech === "plain" && o.plainUsername === null ? null : mech;
      break;
    case OPTIONS.PLAIN_USERNAME:
      if (o.plainUsername !== null) o.securityMechanism = "plain";
      break;
    case OPTIONS.PLAIN_PASSWORD:
      if (o.plainPassword !== null) o.securityMechanism = "plain";
      break;
  }
}
