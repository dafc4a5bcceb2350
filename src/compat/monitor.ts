/**
 * monitor()/unmonitor(): a zocket socket's events (its `events` Observer) re-emitted on the 5.x socket with
 * 5.x's names and arguments, `(value, address, error)` — as zeromq.js's compat does: `connect_retry` carries
 * the retry interval, the error events carry the errno and the Error; the others have no value (5.x gave
 * libzmq's file descriptor, which a pure-JS socket does not have).
 */
import type { EventEmitter } from "node:events";
import type { Event, EventType, Socket as V6Socket } from "../index.ts";
import type { MonitorEventName } from "./constants.ts";

/** zocket's event type → 5.x's monitor event name. */
const NAMES: ReadonlyArray<readonly [EventType, MonitorEventName]> = [
  ["connect", "connect"],
  ["connect:delay", "connect_delay"],
  ["connect:retry", "connect_retry"],
  ["bind", "listen"],
  ["bind:error", "bind_error"],
  ["accept", "accept"],
  ["accept:error", "accept_error"],
  ["close", "close"],
  ["close:error", "close_error"],
  ["disconnect", "disconnect"],
];

/** zeromq.js's warning: 5.x polled the monitor every `interval` ms for `numEvents` events; here events just come. */
export const MONITOR_ARGUMENTS_WARNING =
  "Arguments to monitor() are ignored in compatibility mode; all events are read automatically";

/** Emitted on the next tick, so a handler that throws or closes the socket is outside zocket's own code. */
function emitEvent(owner: EventEmitter, name: string, value: unknown, address: unknown, error: unknown): void {
  owner.emit(name, value, address, error);
}

/** The listeners one monitor() put on a socket's observer, to take them off again. */
export class Monitor {
  readonly #socket: V6Socket;
  readonly #listeners: Array<readonly [EventType, (event: Event) => void]> = [];

  /** Starts forwarding; throws as zocket's `events` does on a closed socket (ENOTSOCK). */
  constructor(owner: EventEmitter, socket: V6Socket) {
    this.#socket = socket;
    const events = socket.events;
    for (const [type, name] of NAMES) {
      const listener = (event: Event): void => {
        const e = event as Event & { address?: string; interval?: number; error?: { errno?: number } };
        let value: number | undefined;
        if (e.interval !== undefined) value = e.interval;
        else if (e.error !== undefined) value = e.error.errno ?? 0;
        process.nextTick(emitEvent, owner, name, value, e.address, e.error);
      };
      events.on(type, listener);
      this.#listeners.push([type, listener]);
    }
  }

  /** Stops forwarding (unmonitor()); monitor() may start it again. */
  stop(): void {
    // A closed socket's observer has ended: nothing more will come, and it may no longer be reachable.
    if (this.#socket.closed) return;
    const events = this.#socket.events;
    for (const [type, listener] of this.#listeners.splice(0)) events.off(type, listener);
  }
}
