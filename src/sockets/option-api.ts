/**
 * zeromq.js's option API around the option tables (options.ts): the id accessors `getBoolOption(id)`,
 * `setInt32Option(id, value)`, ... on every socket and (Bool and Int32) on the context, the argument
 * checks of the constructors, and the warning for an option set on a socket that is already bound or
 * connected. The named properties (option-store.ts) write through the same path, so both see one store.
 */
import { ZmqError } from "../errors.ts";
import { isDraftType, SOCKET_TYPE, socketTypeName, type SocketTypeName } from "../protocol/constants.ts";
import { kCore, kOptions, xsend } from "./hooks.ts";
import {
  CONTEXT_OPTION_ENTRIES,
  hasOption,
  OPTION_BY_ID,
  OPTIONS,
  type OptionEntry,
  type OptionValue,
} from "./options.ts";
import {
  accessorOf,
  castValue,
  checkValueType,
  fromStored,
  invalidArgument,
  sizeOf,
  toStored,
  type OptionAccessor,
} from "./option-values.ts";
import type { Socket } from "./socket-base.ts";

/** zeromq.js's warning for an option that only new connections will use (socket.cc). */
export const LATE_OPTION_WARNING = "Socket option will not take effect until next connect/bind.";

const ACCESSORS: readonly OptionAccessor[] = ["Bool", "Int32", "Uint32", "Int64", "Uint64", "String"];

/** What the id accessors need from their object: its rows by id, its store, and whether it is open. */
interface OptionHost {
  /** The row an id reads (get) or writes (set) on this object, if it has one. */
  row(id: number, write: boolean): OptionEntry | undefined;
  store(): Record<string, OptionValue>;
  /** libzmq's ENOTSOCK once a socket is closed; a context never is. */
  checkOpen(name: string): void;
  /** A value was written (a socket re-derives its security mechanism). */
  written(entry: OptionEntry): void;
  readonly owner: string;
}

/** zeromq.js's argument checks (util/arguments.h): each argument's type in order, then the count. */
function checkArgs(args: ArrayLike<unknown>, accessor: OptionAccessor | null): number {
  const id = args[0];
  if (typeof id !== "number") throw new TypeError("Identifier must be a number");
  const expected = accessor === null ? 1 : 2;
  if (accessor !== null) checkValueType(accessor, args[1], `Option ${String(id)}`);
  if (args.length > expected) {
    throw new TypeError(`Expected ${expected} argument${expected === 1 ? "" : "s"} but received ${args.length}`);
  }
  // libzmq takes a C int: Node-API converts the number as ToInt32 does.
  return id | 0;
}

/** The row of `id` if the accessor's C size is the row's (libzmq checks `optvallen`), else EINVAL. */
function rowFor(host: OptionHost, id: number, accessor: OptionAccessor, write: boolean): OptionEntry {
  const entry = host.row(id, write);
  if (entry === undefined) {
    const what = write ? "settable option" : "readable option";
    throw invalidArgument(`${host.owner} has no ${what} with id ${id}`);
  }
  if (entry.unsupported !== undefined) throw unsupported(entry);
  const size = sizeOf(accessorOf(entry));
  if (size !== sizeOf(accessor)) {
    const right = ACCESSORS.filter((a) => sizeOf(a) === size).map((a) => `${write ? "set" : "get"}${a}Option`);
    throw invalidArgument(`Option ${entry.name} (${id}) of ${host.owner} is read and written with ${right.join("/")}`);
  }
  return entry;
}

function getById(host: OptionHost, accessor: OptionAccessor, args: ArrayLike<unknown>): unknown {
  const id = checkArgs(args, null);
  host.checkOpen(`option ${id}`);
  const entry = rowFor(host, id, accessor, false);
  const stored = host.store()[entry.name]!;
  // ZMQ_XPUB_VERBOSE / ZMQ_XPUB_VERBOSER are two flags kept as one `verbosity`.
  if (entry === OPTIONS.XPUB_VERBOSE) return fromStored(entry, verbosityFlag(id, stored) ? 1 : 0, accessor);
  return fromStored(entry, stored, accessor);
}

function setById(host: OptionHost, accessor: OptionAccessor, args: ArrayLike<unknown>, socket: Socket | null): void {
  const id = checkArgs(args, accessor);
  if (socket !== null && accessor === "String" && subscribeById(socket, id, args[1])) return;
  if (socket !== null) warnIfLate(socket, OPTION_BY_ID.get(id));
  host.checkOpen(`option ${id}`);
  const entry = rowFor(host, id, accessor, true);
  if (entry.readOnly === true) throw invalidArgument(`Option ${entry.name} (${id}) is read-only`);
  const raw = castValue(accessor, args[1]);
  const value = entry === OPTIONS.XPUB_VERBOSE ? verbosityOf(id, raw) : toStored(entry, raw, host.owner);
  host.store()[entry.name] = value;
  host.written(entry);
}

/**
 * ZMQ_SUBSCRIBE (6) / ZMQ_UNSUBSCRIBE (7) through setStringOption, which is how zeromq.js's own
 * subscribe() is written: on a socket with subscribe()/unsubscribe() (SUB, XPUB) they call those, null
 * meaning every message. Returns false for other ids and sockets (then the option table answers EINVAL).
 */
function subscribeById(socket: Socket, id: number, value: unknown): boolean {
  if (id !== 6 && id !== 7) return false;
  const s = socket as unknown as Partial<Record<"subscribe" | "unsubscribe", (...p: unknown[]) => void>>;
  const fn = id === 6 ? s.subscribe : s.unsubscribe;
  if (typeof fn !== "function") return false;
  fn.call(socket, value ?? "");
  return true;
}

/** libzmq: ZMQ_XPUB_VERBOSE (40) reports new subscriptions, ZMQ_XPUB_VERBOSER (78) unsubscriptions too. */
function verbosityFlag(id: number, stored: OptionValue): boolean {
  return id === 78 ? stored === "allSubsUnsubs" : stored !== null;
}

function verbosityOf(id: number, raw: unknown): OptionValue {
  const on = raw === true || (typeof raw === "number" && raw !== 0);
  return on ? (id === 78 ? "allSubsUnsubs" : "allSubs") : null;
}

// ------------------------------------------------------------------ sockets

/** The socket as an {@link OptionHost}: made on demand, it is only on the id accessors' path. */
class SocketHost implements OptionHost {
  constructor(readonly socket: Socket) {}
  get owner(): string {
    return this.socket.constructor.name;
  }
  row(id: number): OptionEntry | undefined {
    const entry = OPTION_BY_ID.get(id);
    return entry !== undefined && hasOption(entry, this.socket[kCore].type) ? entry : undefined;
  }
  store(): Record<string, OptionValue> {
    return this.socket[kOptions] as unknown as Record<string, OptionValue>;
  }
  checkOpen(name: string): void {
    if (this.socket.closed) throw notSocket(name);
  }
  written(entry: OptionEntry): void {
    pickMechanism(this.store(), entry);
    noteBacklog(this.store(), entry);
  }
}

/** libzmq's zmq_getsockopt/zmq_setsockopt on a closed socket: ENOTSOCK, as zeromq.js reports it. */
export function notSocket(name: string): ZmqError {
  return Object.assign(new ZmqError("ENOTSOCK", "Socket operation on non-socket"), {
    hint: `Cannot access ${name}: the socket is closed`,
  });
}

/** An option zocket has no use for (the VMCI ones): EINVAL, as a libzmq built without it gives. */
export function unsupported(entry: OptionEntry): ZmqError {
  return invalidArgument(`Option ${entry.name} configures the ${entry.unsupported ?? "?"}, which zocket does not have`);
}

/**
 * zeromq.js warns when an option is set on a socket that has endpoints (or is not open), unless libzmq
 * applies it to existing connections too (the rows marked `immediate`).
 */
function warnIfLate(socket: Socket, entry: OptionEntry | undefined): void {
  if (entry?.immediate === true) return;
  if (!socket.closed && socket[kCore].endpoints.count === 0) return;
  process.emitWarning(LATE_OPTION_WARNING);
}

/** A named property's setter: zeromq.js's `set<Type>Option(id, value)` for the row. */
export function setNamed(socket: Socket, entry: OptionEntry, value: unknown): void {
  const accessor = accessorOf(entry);
  if (entry.kind === "enum") {
    // zeromq.js's `verbosity` setter takes the names; an unknown one is refused here (zeromq.js ignores it).
    if ((typeof value !== "string" && value !== null) || !(entry.values ?? []).includes(value)) {
      const list = (entry.values ?? []).map((v) => JSON.stringify(v)).join(", ");
      throw invalidArgument(`Option ${entry.name} of ${socket.constructor.name} is one of ${list}`);
    }
  } else {
    checkValueType(accessor, value, `Option ${entry.name} of ${socket.constructor.name}`);
  }
  warnIfLate(socket, entry);
  if (socket.closed) throw notSocket(entry.name);
  if (entry.unsupported !== undefined) throw unsupported(entry);
  const store = socket[kOptions] as unknown as Record<string, OptionValue>;
  store[entry.name] =
    entry.kind === "enum"
      ? (value as OptionValue)
      : toStored(entry, castValue(accessor, value), socket.constructor.name);
  pickMechanism(store, entry);
  noteBacklog(store, entry);
}

/** Put zeromq.js's id accessors on Socket.prototype (`getInt32Option(id)`, `setInt32Option(id, v)`, ...). */
export function defineSocketAccessors(proto: object): void {
  for (const accessor of ACCESSORS) {
    defineMethod(proto, `get${accessor}Option`, function (this: Socket, ...args: unknown[]) {
      return getById(new SocketHost(this), accessor, args);
    });
    defineMethod(proto, `set${accessor}Option`, function (this: Socket, ...args: unknown[]) {
      setById(new SocketHost(this), accessor, args, this);
    });
  }
}

function defineMethod(proto: object, name: string, fn: (...args: unknown[]) => unknown): void {
  Object.defineProperty(fn, "name", { value: name });
  Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
}

/**
 * The socket constructor's arguments as zeromq.js checks them: the type (a number, or the ZMTP name zocket's
 * own classes pass), the options (an object; its `context` is taken out of it, as zeromq.js deletes it),
 * and at most two arguments. Returns the type and the context to use (undefined: the default one).
 */
export function socketArguments(
  target: unknown,
  type: unknown,
  options: unknown,
  count: number,
): { type: SocketTypeName; context: unknown; hasContext: boolean } {
  let name: SocketTypeName | undefined;
  if (typeof type === "number") name = socketTypeName(type);
  else if (typeof type === "string" && Object.hasOwn(SOCKET_TYPE, type)) name = type as SocketTypeName;
  else throw new TypeError("Socket type must be a number");
  if (options !== undefined && (options === null || (typeof options !== "object" && typeof options !== "function"))) {
    throw new TypeError("Options must be an object");
  }
  if (count > 2) throw new TypeError(`Expected 2 arguments but received ${count}`);
  if (name === undefined) throw invalidArgument(`Unknown socket type ${String(type)}`);
  const proto = (target as { prototype?: Record<symbol, unknown> } | undefined)?.prototype;
  if (typeof proto?.[xsend] !== "function") {
    const cls = className(name);
    const where = name === "PEER" || name === "CHANNEL" ? "zocket/draft-extra" : "zocket/draft";
    const use = isDraftType(name) ? `${cls} from ${where}` : `new zmq.${cls}()`;
    throw invalidArgument(`zocket's Socket cannot be made from a type number; use its class (${use})`);
  }
  if (options === undefined || !("context" in (options as object)))
    return { type: name, context: undefined, hasContext: false };
  const context = (options as { context?: unknown }).context;
  Reflect.deleteProperty(options as object, "context");
  return { type: name, context, hasContext: true };
}

function className(type: SocketTypeName): string {
  const names: Record<SocketTypeName, string> = {
    PAIR: "Pair",
    PUB: "Publisher",
    SUB: "Subscriber",
    REQ: "Request",
    REP: "Reply",
    DEALER: "Dealer",
    ROUTER: "Router",
    PULL: "Pull",
    PUSH: "Push",
    XPUB: "XPublisher",
    XSUB: "XSubscriber",
    STREAM: "Stream",
    SERVER: "Server",
    CLIENT: "Client",
    RADIO: "Radio",
    DISH: "Dish",
    GATHER: "Gather",
    SCATTER: "Scatter",
    DGRAM: "Datagram",
    PEER: "Peer",
    CHANNEL: "Channel",
  };
  return names[type];
}

/**
 * libzmq: the security mechanism is whatever security option was set last (a server flag, PLAIN
 * credentials or a CURVE server key); clearing the flag that chose it falls back to NULL.
 */
/**
 * The listen queue zocket asks for when the application leaves ZMQ_BACKLOG alone. libzmq's 100 is enough
 * for a C I/O thread that accepts in a tight loop; zocket accepts on the JavaScript thread, which a burst of
 * handshakes keeps busy, so 100 overflows and the dropped peers wait for the kernel's 1 s SYN retry. The
 * kernel caps it at net.core.somaxconn (docs/compatibility.md). A backlog the application sets is used as is.
 */
export const DEFAULT_LISTEN_QUEUE = 4096;

/** Option stores whose backlog the application set (by name or id): only these listen with their value. */
const BACKLOG_SET = new WeakSet<object>();

function noteBacklog(o: Record<string, OptionValue>, entry: OptionEntry): void {
  if (entry === OPTIONS.BACKLOG) BACKLOG_SET.add(o);
}

/** The queue length a bind passes to listen(): the backlog the application set, else DEFAULT_LISTEN_QUEUE. */
export function listenQueue(o: object & { backlog: number }): number {
  return BACKLOG_SET.has(o) ? o.backlog : DEFAULT_LISTEN_QUEUE;
}

function pickMechanism(o: Record<string, OptionValue>, entry: OptionEntry): void {
  const mech = o["securityMechanism"] ?? null;
  switch (entry) {
    case OPTIONS.CURVE_SERVERKEY:
      if (o["curveServerKey"] !== null) o["securityMechanism"] = "curve";
      break;
    case OPTIONS.CURVE_SERVER:
      o["securityMechanism"] = o["curveServer"]
        ? "curve"
        : mech === "curve" && o["curveServerKey"] === null
          ? null
          : mech;
      break;
    case OPTIONS.PLAIN_SERVER:
      o["securityMechanism"] = o["plainServer"]
        ? "plain"
        : mech === "plain" && o["plainUsername"] === null
          ? null
          : mech;
      break;
    case OPTIONS.PLAIN_USERNAME:
      if (o["plainUsername"] !== null) o["securityMechanism"] = "plain";
      break;
    case OPTIONS.PLAIN_PASSWORD:
      if (o["plainPassword"] !== null) o["securityMechanism"] = "plain";
      break;
  }
}

// ------------------------------------------------------------------ the context

/** The context's rows by id: libzmq's id 3 reads the socket limit but writes the thread priority. */
const CONTEXT_READ = new Map(CONTEXT_OPTION_ENTRIES.filter((e) => e.writeOnly !== true).map((e) => [e.id, e]));
const CONTEXT_WRITE = new Map(CONTEXT_OPTION_ENTRIES.filter((e) => e.readOnly !== true).map((e) => [e.id, e]));

class ContextHost implements OptionHost {
  readonly owner = "Context";
  constructor(readonly values: Record<string, OptionValue>) {}
  row(id: number, write: boolean): OptionEntry | undefined {
    return (write ? CONTEXT_WRITE : CONTEXT_READ).get(id);
  }
  store(): Record<string, OptionValue> {
    return this.values;
  }
  checkOpen(): void {}
  written(): void {}
}

/**
 * Define the context's option properties and its id accessors (Bool and Int32, as zeromq.js has) on
 * `proto`; `values` finds an instance's store.
 */
export function defineContextOptions(proto: object, values: (ctx: object) => Record<string, OptionValue>): void {
  for (const entry of CONTEXT_OPTION_ENTRIES) {
    const name = entry.name;
    const accessor = accessorOf(entry);
    const descriptor: PropertyDescriptor = { configurable: true, enumerable: false };
    if (entry.writeOnly !== true) {
      descriptor.get = function (this: object) {
        return values(this)[name];
      };
    }
    if (entry.readOnly !== true) {
      descriptor.set = function (this: object, value: unknown) {
        checkValueType(accessor, value, `Option ${name} of Context`);
        values(this)[name] = toStored(entry, castValue(accessor, value), "Context");
      };
    }
    Object.defineProperty(proto, name, descriptor);
  }
  for (const accessor of ["Bool", "Int32"] as const) {
    defineMethod(proto, `get${accessor}Option`, function (this: object, ...args: unknown[]) {
      return getById(new ContextHost(values(this)), accessor, args);
    });
    defineMethod(proto, `set${accessor}Option`, function (this: object, ...args: unknown[]) {
      setById(new ContextHost(values(this)), accessor, args, null);
    });
  }
}

/**
 * V8's TypeError for an unknown or read-only constructor option ("Cannot add property x, object is not
 * extensible"), given a `hint` that names the class. Other errors pass through.
 */
export function explainOption(err: unknown, owner: string): unknown {
  if (!(err instanceof TypeError) || (err as { hint?: unknown }).hint !== undefined) return err;
  const unknown = /^Cannot add property (.+), object is not extensible$/.exec(err.message);
  if (unknown !== null) return Object.assign(err, { hint: `${owner} has no option "${unknown[1]}"` });
  const readOnly = /^Cannot set property (.+) of .* which has only a getter$/.exec(err.message);
  if (readOnly !== null) return Object.assign(err, { hint: `Option ${readOnly[1]} of ${owner} is read-only` });
  return err;
}

/** A new context's option values: the rows' defaults. */
export function contextDefaults(): Record<string, OptionValue> {
  return Object.fromEntries(CONTEXT_OPTION_ENTRIES.map((e) => [e.name, e.default]));
}

/** zeromq.js's checks of `new Context(options)`: an object, and at most one argument. */
export function checkContextArguments(options: unknown, count: number): void {
  if (options !== undefined && (options === null || (typeof options !== "object" && typeof options !== "function"))) {
    throw new TypeError("Options must be an object");
  }
  if (count > 1) throw new TypeError(`Expected 1 argument but received ${count}`);
}
