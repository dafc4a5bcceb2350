/**
 * Socket events, with zeromq.js's `Observer` API: `on`/`off` listeners, `receive()`, and
 * `for await (const event of socket.events)`. Event names and fields match zeromq.js.
 */
import { ZmqError } from "../errors.ts";
import { holdOpen, release } from "./exit.ts";

export interface EventAddress {
  address: string;
}
export interface EventInterval {
  interval: number;
}
export interface EventError<E = ZmqError> {
  error: E;
}

type EventFor<T extends string, D = object> = { type: T } & D;

export type Event =
  | EventFor<"accept", EventAddress>
  | EventFor<"accept:error", EventAddress & EventError>
  | EventFor<"bind", EventAddress>
  | EventFor<"bind:error", EventAddress & EventError>
  | EventFor<"connect", EventAddress>
  | EventFor<"connect:delay", EventAddress>
  | EventFor<"connect:retry", EventAddress & EventInterval>
  | EventFor<"close", EventAddress>
  | EventFor<"close:error", EventAddress & EventError>
  | EventFor<"disconnect", EventAddress>
  | EventFor<"end">
  | EventFor<"handshake", EventAddress>
  | EventFor<"handshake:error:protocol", EventAddress & EventError>
  | EventFor<"handshake:error:auth", EventAddress & EventError>
  | EventFor<"handshake:error:other", EventAddress & EventError>
  | EventFor<"unknown">;

export type EventType = Event["type"];
export type EventOfType<E extends EventType> = Extract<Event, { type: E }>;

/** @internal How the socket hands an event to its observer (not public API). */
export const kEmit = Symbol("zocket.observer.emit");

/** @internal A socket's hook that makes an observer its own (not public API). */
export const kAttach = Symbol("zocket.observer.attach");
/** @internal Passed by a socket to create its observer without the public constructor's checks. */
export const kDetached = Symbol("zocket.observer.detached");

/** Events kept for `receive()` when nobody listens; the oldest are dropped past this. */
const MAX_QUEUED = 1000;

export class Observer {
  #closed = false;
  /** on() was called: events go to listeners only (zeromq.js's "event emitter mode"). */
  #emitterMode = false;
  readonly #queue: Event[] = [];
  #waiter: { resolve: (e: Event) => void; reject: (e: Error) => void } | null = null;
  readonly #listeners = new Map<string, Set<(e: Event) => void>>();

  /**
   * Observe `socket`'s events, as `socket.events` does (zeromq.js `new Observer(socket)`). Like a second
   * zmq_socket_monitor in libzmq, it takes the socket's events from any earlier observer.
   */
  constructor(socket: object) {
    if ((socket as unknown) === kDetached) return;
    if (typeof socket !== "object" || socket === null) throw new TypeError("Socket must be a socket object");
    const attach = (socket as { [kAttach]?: (o: Observer) => void })[kAttach];
    if (typeof attach !== "function") {
      throw new ZmqError("EINVAL", "new Observer(socket) needs a socket made by zocket (Push, Router, ...)");
    }
    attach.call(socket, this);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** @internal Called by the socket. */
  [kEmit](event: Event): void {
    if (this.#closed) return;
    const set = this.#listeners.get(event.type);
    if (set && set.size > 0) {
      for (const l of [...set]) l(event);
      return;
    }
    if (this.#emitterMode) return; // unobserved types are not queued
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      release();
      w.resolve(event);
      return;
    }
    this.#queue.push(event);
    if (this.#queue.length > MAX_QUEUED) this.#queue.shift();
  }

  /** Listen for one event type. As in zeromq.js, receive() is no longer available after this. */
  on<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): this {
    this.#emitterMode = true;
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as (e: Event) => void);
    return this;
  }

  off<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): this {
    const set = this.#listeners.get(type);
    set?.delete(listener as (e: Event) => void);
    if (set && set.size === 0) this.#listeners.delete(type);
    return this;
  }

  /**
   * The next event. As zeromq.js, these throw at the call: once the observer has ended and its events
   * are read, EBADF "Socket is closed"; a second receive() while one waits, EBUSY; after on(), an Error.
   */
  receive(): Promise<Event> {
    if (this.#listeners.size > 0 || this.#emitterMode) {
      throw new Error(
        "Observer is in event emitter mode. After a call to events.on() it is not possible to read events " +
          "with events.receive().",
      );
    }
    const e = this.#queue.shift();
    if (e) return Promise.resolve(e);
    if (this.#closed) throw new ZmqError("EBADF", 'The socket is closed and its events (up to "end") are read');
    if (this.#waiter) {
      throw new ZmqError(
        "EBUSY",
        "Observer is busy reading; only one receive operation may be in progress at any time",
      );
    }
    // A reader waiting for events keeps the process alive, as in zeromq.js (sockets/exit.ts).
    holdOpen();
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  close(): void {
    if (this.#closed) return;
    this[kEmit]({ type: "end" });
    this.#closed = true;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      release();
      w.reject(new ZmqError("EAGAIN", "The observer closed while receive() waited"));
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Event, undefined> {
    return {
      next: async (): Promise<IteratorResult<Event, undefined>> => {
        if (this.#closed && this.#queue.length === 0) return { value: undefined, done: true };
        try {
          const e = this.#closed ? this.#queue.shift()! : await this.receive();
          return { value: e, done: false };
        } catch (err) {
          if (this.#closed) return { value: undefined, done: true };
          throw err;
        }
      },
    };
  }
}
