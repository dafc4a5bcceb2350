/**
 * Type-only names zeromq.js's main entry exports that have no runtime counterpart here: the options object
 * a socket constructor takes, and the `on`/`off` face of an Observer. Same shapes as zeromq.js's.
 */
import type { Context } from "./context.ts";
import type { EventOfType, EventType } from "./sockets/observer.ts";
import type { Socket } from "./sockets/socket-base.ts";

/** `true` when X and Y are the same type (readonly-ness included). */
type IfEquals<X, Y, A, B = never> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? A : B;

/** The settable, non-method properties of T: the socket options. */
type WritableKeys<T> = {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any method, whatever its signature
  [P in keyof T]-?: T[P] extends Function ? never : IfEquals<{ [Q in P]: T[P] }, { -readonly [Q in P]: T[P] }, P>;
}[keyof T];

/** The options a socket of class S accepts at construction: its writable options plus `context`. */
export type SocketOptions<S extends Socket> = Partial<{ context: Context } & Pick<S, WritableKeys<S>>>;

/** The event-emitter face of an {@link Observer} (`socket.events.on(...)`). */
export interface EventSubscriber {
  on<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): EventSubscriber;
  off<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): EventSubscriber;
}
