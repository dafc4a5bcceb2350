/**
 * A socket's option values and its option properties, both made from the option table (options.ts):
 * `newOptionStore(type)` builds the values a socket of that type starts with, `defineOptions(proto, scope)`
 * puts an accessor on a socket prototype for every option of the scope; its setter checks and converts
 * through option-api.ts, the same path as zeromq.js's id accessors (`setInt32Option(id, value)`).
 */
import { Buffer } from "node:buffer";
import { SOCKET_TYPE, type SocketTypeName } from "../protocol/constants.ts";
import { kOptions } from "./hooks.ts";
import { notSocket, setNamed, unsupported } from "./option-api.ts";
import {
  hasOption,
  isCommon,
  OPTION_ENTRIES,
  OPTIONS,
  type OptionEntry,
  type OptionStore,
  type OptionValue,
} from "./options.ts";
import { securityHooks } from "./security-hooks.ts";
import type { Socket } from "./socket-base.ts";

/** Each type's defaults, made once. */
const TEMPLATES = new Map<SocketTypeName, object>();

/**
 * The option values of a new socket of `type`: a copy of the type's defaults, so every socket of a type
 * shares one fast-mode object shape and an option read is a field load (docs/performance.md, design
 * decision 20). A spread copies the template's shape in one step: ~0.2 µs, where building the ~60
 * properties one by one (Object.fromEntries) took ~14 µs a socket.
 */
export function newOptionStore<T extends SocketTypeName>(type: T): OptionStore<T> {
  let template = TEMPLATES.get(type);
  if (template === undefined) {
    template = Object.fromEntries(
      OPTION_ENTRIES.filter((e) => hasOption(e, type)).map((e) => [e.name, defaultOf(e, type)]),
    );
    TEMPLATES.set(type, template);
  }
  return { ...template } as OptionStore<T>;
}

function defaultOf(entry: OptionEntry, type: SocketTypeName): OptionValue {
  if (entry === OPTIONS.TYPE) return SOCKET_TYPE[type];
  return entry.defaults?.[type] ?? entry.default;
}

/** The store by name, for the accessors (which serve every option). */
function byName(socket: Socket): Record<string, OptionValue> {
  return socket[kOptions] as unknown as Record<string, OptionValue>;
}

/**
 * Define the option properties of `scope` on a socket prototype: "common" for the options every socket
 * has (on Socket.prototype), or a socket type for its own. `sock.linger = 0`, `sock.linger`. As in
 * zeromq.js, read-only options have no setter (assigning one throws a TypeError in strict code) and
 * write-only ones no getter.
 */
export function defineOptions(proto: object, scope: "common" | SocketTypeName): void {
  for (const entry of OPTION_ENTRIES) {
    if (scope === "common" ? !isCommon(entry) : isCommon(entry) || !hasOption(entry, scope)) continue;
    const descriptor: PropertyDescriptor = { configurable: true, enumerable: false };
    if (entry.writeOnly !== true) descriptor.get = getter(entry);
    if (entry.readOnly !== true) {
      descriptor.set = function (this: Socket, value: unknown) {
        setNamed(this, entry, value);
      };
    }
    Object.defineProperty(proto, entry.name, descriptor);
  }
}

// Reading an option of a closed socket is ENOTSOCK, as libzmq's zmq_getsockopt gives it in zeromq.js.
function getter(entry: OptionEntry): (this: Socket) => unknown {
  const name = entry.name;
  if (entry.unsupported !== undefined)
    return function (this: Socket) {
      if (this.closed) throw notSocket(name);
      throw unsupported(entry);
    };
  if (entry.kind === "routingId")
    return function (this: Socket) {
      if (this.closed) throw notSocket(name);
      const v = byName(this)[name];
      return Buffer.isBuffer(v) ? v.toString("utf8") : v;
    };
  if (entry.kind === "key")
    return function (this: Socket) {
      if (this.closed) throw notSocket(name);
      const v = byName(this)[name];
      return Buffer.isBuffer(v) ? securityHooks.encodeKey(v) : null;
    };
  return function (this: Socket) {
    if (this.closed) throw notSocket(name);
    return byName(this)[name];
  };
}
