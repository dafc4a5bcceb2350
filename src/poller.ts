/**
 * Poller: wait on many sockets at once, as libzmq's zmq_poll / zmq_poller (zeromq.js has none).
 *
 * A poller reports readiness and nothing else: `receive()` and `send()` still take and give the messages,
 * so nothing is taken, lost or reordered by polling. Readiness is level-triggered, as zmq_poll's: a socket
 * stays readable until its messages are received.
 *
 * Cost: a socket that is in no poller pays one null check per readiness transition (a queue going from
 * empty to non-empty, a full queue draining, a pipe coming or going) and nothing per message. A watched
 * socket tells its pollers of those transitions; a poller with no poll() waiting ignores them, one that
 * has re-checks the sockets that changed once per microtask turn. A change the application makes itself
 * with send()/receive() (a REQ becoming writable once its reply is read) is seen by the next poll(), as
 * zmq_poll sees it at its next call; it does not wake a poll already waiting.
 *
 * ```ts
 * const poller = new Poller()
 * poller.add(frontend, "readable")
 * poller.add(backend, "readable")
 * for await (const ready of poller) {
 *   for (const { socket } of ready) handle(await socket.receive())
 * }
 * ```
 */
import { ZmqError } from "./errors.ts";
import { kReadiness, kWatch } from "./sockets/hooks.ts";
import { holdOpen, release } from "./sockets/exit.ts";
import { Socket } from "./sockets/socket-base.ts";
import type { ReadinessWatch } from "./sockets/socket-ops.ts";

/** What a socket is polled for. */
export type PollEvents = "readable" | "writable" | "both";

/** One ready socket in the list poll() resolves with. */
export interface PollItem {
  readonly socket: Socket;
  /** A receive() would complete now (asked for "readable" or "both"). */
  readonly readable: boolean;
  /** A send() would complete now (asked for "writable" or "both"). */
  readonly writable: boolean;
}

export interface PollOptions {
  /** Aborting rejects the waiting poll() (and ends iteration) with the signal's reason, as node:timers. */
  readonly signal?: AbortSignal;
}

const MASK: Readonly<Record<PollEvents, number>> = { readable: 1, writable: 2, both: 3 };

/**
 * How many poll() calls in a row may resolve at once before one waits for the event loop's check phase:
 * a loop that polls without receiving must not starve timers and I/O (the sockets' SYNC_CAP).
 */
const SYNC_CAP = 512;

interface Waiter {
  resolve: (items: PollItem[]) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout | null;
  signal: AbortSignal | null;
  onAbort: (() => void) | null;
  /** poll(-1) holds the process open, as a waiting receive() does. */
  held: boolean;
}

/** The pollers one socket is in (a socket may be in several, as in libzmq). */
class Watchers implements ReadinessWatch {
  readonly pollers = new Set<Poller>();

  changed(socket: Socket): void {
    for (const p of this.pollers) p[kChanged](socket);
  }
}

const kChanged = Symbol("zocket.pollerChanged");

function pollerClosed(): ZmqError {
  return new ZmqError("EBADF", "The poller is closed: make a new one");
}

function checkSocket(socket: unknown): asserts socket is Socket {
  if (!(socket instanceof Socket)) throw new TypeError("Socket must be a socket object");
}

export class Poller {
  /** Each socket with what it is polled for (MASK bits). */
  readonly #entries = new Map<Socket, number>();
  readonly #waiters = new Set<Waiter>();
  /** Sockets that told of a transition since the last check. */
  readonly #dirty = new Set<Socket>();
  #checkScheduled = false;
  #closed = false;
  /** poll() calls resolved at once in a row (see SYNC_CAP). */
  #syncPolls = 0;

  /** How many sockets are registered. */
  get size(): number {
    return this.#entries.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Poll `socket` for `events` ("readable" by default). Adding a socket again changes what it is polled
   * for (zmq_poller_modify). A closed socket cannot be added (ENOTSOCK); a socket closed later leaves.
   */
  add(socket: Socket, events: PollEvents = "readable"): this {
    checkSocket(socket);
    const mask = MASK[events];
    if (mask === undefined || !Object.hasOwn(MASK, events)) {
      throw new ZmqError("EINVAL", `Poller events must be "readable", "writable" or "both", not ${String(events)}`);
    }
    if (this.#closed) throw pollerClosed();
    if (socket.closed) throw new ZmqError("ENOTSOCK", "A closed socket cannot be polled");
    if (!this.#entries.has(socket)) {
      let w = socket[kWatch] as Watchers | null;
      if (w === null) socket[kWatch] = w = new Watchers();
      w.pollers.add(this);
    }
    this.#entries.set(socket, mask);
    this.#changedSoon(socket);
    return this;
  }

  /** Stop polling `socket`; false if it was not registered. */
  remove(socket: Socket): boolean {
    checkSocket(socket);
    if (!this.#entries.delete(socket)) return false;
    this.#dirty.delete(socket);
    const w = socket[kWatch] as Watchers | null;
    if (w !== null) {
      w.pollers.delete(this);
      if (w.pollers.size === 0) socket[kWatch] = null;
    }
    return true;
  }

  /** True if `socket` is registered. */
  has(socket: Socket): boolean {
    return this.#entries.has(socket);
  }

  /**
   * The sockets ready now for what they are polled for, else the first to become ready within `timeout`
   * ms (-1: no limit, 0: do not wait); an empty list when the time passes. Several polls may wait at once.
   */
  poll(timeout: number = -1, options?: PollOptions): Promise<PollItem[]> {
    if (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < -1) {
      return Promise.reject(new ZmqError("EINVAL", `Poll timeout must be an integer >= -1, not ${String(timeout)}`));
    }
    if (this.#closed) return Promise.reject(pollerClosed());
    const signal = options?.signal ?? null;
    if (signal !== null && signal.aborted) return Promise.reject(signal.reason);
    const ready = this.#collect();
    if (ready.length > 0 || timeout === 0) {
      if (++this.#syncPolls < SYNC_CAP) return Promise.resolve(ready);
      // Many immediate answers in a row: this one lets timers and I/O run first, then looks again.
      this.#syncPolls = 0;
      return new Promise((resolve) => setImmediate(resolve)).then(() => this.poll(timeout, options));
    }
    this.#syncPolls = 0;
    return new Promise<PollItem[]>((resolve, reject) => {
      const w: Waiter = { resolve, reject, timer: null, signal, onAbort: null, held: false };
      if (timeout > 0) w.timer = setTimeout(() => this.#settle(w, []), timeout);
      else {
        w.held = true;
        holdOpen();
      }
      if (signal !== null) {
        w.onAbort = () => this.#settle(w, null, signal.reason);
        signal.addEventListener("abort", w.onAbort, { once: true });
      }
      this.#waiters.add(w);
    });
  }

  /**
   * Readiness as an async iteration: each step is the list poll(-1) gives. Ends when the poller is closed;
   * aborting `signal` rejects the waiting step.
   */
  async *events(options?: PollOptions): AsyncGenerator<PollItem[], undefined, undefined> {
    while (!this.#closed) {
      const ready = await this.poll(-1, options);
      if (ready.length > 0) yield ready;
    }
    return undefined;
  }

  [Symbol.asyncIterator](): AsyncGenerator<PollItem[], undefined, undefined> {
    return this.events();
  }

  /** Remove every socket; waiting polls resolve with an empty list and iteration ends. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [...this.#entries.keys()]) this.remove(s);
    for (const w of [...this.#waiters]) this.#settle(w, []);
  }

  /** @internal A watched socket had a readiness transition. */
  [kChanged](socket: Socket): void {
    // Nothing waits: the next poll() looks at every socket anyway.
    if (this.#waiters.size === 0 && !socket.closed) return;
    this.#changedSoon(socket);
  }

  #changedSoon(socket: Socket): void {
    this.#dirty.add(socket);
    if (this.#checkScheduled) return;
    this.#checkScheduled = true;
    queueMicrotask(this.#check);
  }

  /** Once per microtask turn: drop closed sockets; wake the waiting polls if a changed socket is ready. */
  readonly #check = (): void => {
    this.#checkScheduled = false;
    let any = false;
    for (const s of this.#dirty) {
      if (s.closed) this.remove(s);
      else if (!any && this.#waiters.size > 0 && (s[kReadiness]() & this.#entries.get(s)!) !== 0) any = true;
    }
    this.#dirty.clear();
    if (!any) return;
    const ready = this.#collect();
    if (ready.length === 0) return;
    for (const w of [...this.#waiters]) this.#settle(w, ready);
  };

  /** Every registered socket that is ready for what it is polled for, in registration order. */
  #collect(): PollItem[] {
    const out: PollItem[] = [];
    for (const [socket, mask] of this.#entries) {
      if (socket.closed) continue;
      const r = socket[kReadiness]() & mask;
      if (r !== 0) out.push({ socket, readable: (r & 1) !== 0, writable: (r & 2) !== 0 });
    }
    return out;
  }

  /** Settle a waiting poll with `items`, or reject it with `err` when items is null. */
  #settle(w: Waiter, items: PollItem[] | null, err?: unknown): void {
    if (!this.#waiters.delete(w)) return;
    if (w.timer !== null) clearTimeout(w.timer);
    if (w.held) release();
    if (w.onAbort !== null) w.signal!.removeEventListener("abort", w.onAbort);
    if (items === null) w.reject(err);
    else w.resolve(items);
  }
}
