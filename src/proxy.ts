/**
 * zeromq.js's `Proxy` (libzmq `zmq_proxy_steerable`): forwards messages between a front-end and a
 * back-end socket, both ways, until terminated; optionally copies every message to a capture socket,
 * and counts what it forwarded (libzmq's STATISTICS).
 *
 * libzmq runs the proxy loop in a thread; here two async pumps do it on the event loop, one per
 * direction. Each pump awaits its receive() and then the send() on the other side, so a slow side
 * holds the pump (backpressure, as zmq_proxy's blocking send does) instead of piling messages up. A
 * side that cannot receive (PUSH, PUB) simply has no pump in that direction, as zmq_proxy never sees
 * it readable.
 */
import { checkArgumentCount, ZmqError } from "./errors.ts";
import type { Msg } from "./pipe.ts";
import { endpointCount, Socket } from "./sockets/socket-base.ts";

type State = "idle" | "running" | "done";

function closedError(): ZmqError {
  // What zeromq.js throws from pause()/resume()/terminate() when no proxy loop is running.
  return new ZmqError("EBADF", "The proxy is not running (not started yet, or terminated)");
}

/** zeromq.js: a non-object is a TypeError, an object that is no socket an EINVAL error. */
function checkSocketArgument(socket: unknown, which: "Front-end" | "Back-end"): void {
  if (typeof socket !== "object" || socket === null) throw new TypeError(`${which} must be a socket object`);
  if (!(socket instanceof Socket))
    throw new ZmqError("EINVAL", `${which} must be a zocket socket (Dealer, Router, ...)`);
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof ZmqError && err.code === code;
}

/**
 * What went through one socket of a proxy: the counters of libzmq's STATISTICS command
 * (`zmq_proxy_steerable`). A multipart message counts once; bytes are the sum of its frames.
 */
export interface ProxySideStatistics {
  /** Messages received on this socket and forwarded. */
  messagesIn: number;
  bytesIn: number;
  /** Messages forwarded out through this socket. */
  messagesOut: number;
  bytesOut: number;
}

/** {@link Proxy.statistics}: the counters of both sockets. */
export interface ProxyStatistics {
  frontEnd: ProxySideStatistics;
  backEnd: ProxySideStatistics;
}

/** Hears what a running {@link Proxy} does (a zocket addition, e.g. for logging). */
export interface ProxyObserver {
  /** `msg`, received on `from`, has been sent on the other socket. */
  forwarded?(msg: Msg, from: Socket): void;
  /**
   * Forwarding from `from` failed with `error` (the first failure only): the proxy stops and run() rejects
   * with it. An exception thrown by {@link forwarded} counts as such a failure.
   */
  failed?(error: unknown, from: Socket): void;
}

function newSide(): ProxySideStatistics {
  return { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0 };
}

function byteLength(msg: Msg): number {
  let n = 0;
  for (let i = 0; i < msg.length; i++) n += msg[i]!.length;
  return n;
}

/**
 * Forward messages between two sockets. Conceptually data flows from front-end to back-end, and
 * replies (if the socket types have them) the other way.
 *
 * ```ts
 * const proxy = new Proxy(new XSubscriber(), new XPublisher())
 * await proxy.frontEnd.bind("tcp://127.0.0.1:5555") // publishers connect here
 * await proxy.backEnd.bind("tcp://127.0.0.1:5556")  // subscribers connect here
 * setTimeout(() => proxy.terminate(), 5000)
 * await proxy.run() // resolves once terminated; both sockets are closed then
 * ```
 */
export class Proxy<F extends Socket = Socket, B extends Socket = Socket> {
  /** The front-end socket given to the constructor. */
  readonly frontEnd: F;
  /** The back-end socket given to the constructor. */
  readonly backEnd: B;
  /**
   * The capture socket (libzmq zmq_proxy's third argument; a zocket addition to zeromq.js's API): set it
   * before run() to send it a copy of every message forwarded in either direction, before the message is
   * forwarded. It is not closed by the proxy.
   */
  get capture(): Socket | null {
    return this.#capture;
  }

  set capture(socket: Socket | null) {
    if (socket !== null && !(socket instanceof Socket)) throw new TypeError("Capture must be a socket object or null");
    this.#capture = socket;
  }

  /** Told of every message forwarded and of a failure, if set. */
  observer: ProxyObserver | null = null;

  #capture: Socket | null = null;
  #state: State = "idle";
  #terminated = false;
  #paused = false;
  #wake: (() => void) | null = null;
  #resumed: Promise<void> = Promise.resolve();
  #captureTail: Promise<void> = Promise.resolve();
  readonly #front = newSide();
  readonly #back = newSide();

  /**
   * @param frontEnd The front-end socket.
   * @param backEnd The back-end socket.
   * @throws TypeError when a socket is missing or not an object, or given more arguments (as zeromq.js).
   */
  constructor(frontEnd: F, backEnd: B) {
    checkArgumentCount(arguments.length, 2);
    checkSocketArgument(frontEnd, "Front-end");
    checkSocketArgument(backEnd, "Back-end");
    this.frontEnd = frontEnd;
    this.backEnd = backEnd;
  }

  /**
   * Run the proxy until {@link Proxy.terminate}. Bind or connect both sockets (and set their options)
   * first. Both sockets are closed when it ends.
   *
   * @returns Resolved when the proxy has terminated; rejected if forwarding failed.
   * @throws ZmqError EINVAL (synchronously) when a socket is not bound or connected, EBUSY when running.
   */
  run(): Promise<void> {
    // Like zeromq.js, these are thrown synchronously rather than returned as a rejected promise.
    if (this.#state === "running") throw new ZmqError("EBUSY", "The proxy is already running");
    if (endpointCount(this.frontEnd) === 0) throw new ZmqError("EINVAL", "Front-end socket must be bound or connected");
    if (endpointCount(this.backEnd) === 0) throw new ZmqError("EINVAL", "Back-end socket must be bound or connected");
    this.#state = "running";
    return this.#run();
  }

  async #run(): Promise<void> {
    this.#terminated = false;
    let failed = false;
    let failure: unknown = undefined;
    const guard = (from: Socket, to: Socket): Promise<void> =>
      this.#pump(from, to).catch((err: unknown) => {
        if (!failed) {
          failed = true;
          failure = err;
          this.observer?.failed?.(err, from);
        }
        this.#stop();
      });
    await Promise.all([guard(this.frontEnd, this.backEnd), guard(this.backEnd, this.frontEnd)]);
    this.#state = "done";
    this.frontEnd.close();
    this.backEnd.close();
    if (failed) throw failure;
  }

  /**
   * Messages and bytes forwarded so far through each socket (a snapshot), as libzmq's STATISTICS command
   * reports them. Counted from the first run(); copies to the capture socket are not counted.
   */
  get statistics(): ProxyStatistics {
    return { frontEnd: { ...this.#front }, backEnd: { ...this.#back } };
  }

  /** Suspend forwarding (messages wait in the sockets' queues) until {@link Proxy.resume}. */
  pause(): void {
    if (this.#state !== "running" || this.#terminated) throw closedError();
    if (this.#paused) return;
    this.#paused = true;
    this.#resumed = new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Resume forwarding after {@link Proxy.pause}. */
  resume(): void {
    if (this.#state !== "running" || this.#terminated) throw closedError();
    this.#unpause();
  }

  /** End the proxy: {@link Proxy.run} resolves and both sockets are closed. */
  terminate(): void {
    if (this.#state !== "running" || this.#terminated) throw closedError();
    this.#stop();
  }

  #unpause(): void {
    this.#paused = false;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #stop(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#unpause();
    // Closing is what cancels a receive()/send() a pump is waiting on; run() resolves right after.
    this.frontEnd.close();
    this.backEnd.close();
  }

  /** Forward from one socket to the other until terminated. */
  async #pump(from: Socket, to: Socket): Promise<void> {
    while (!this.#terminated) {
      if (this.#paused) {
        await this.#resumed;
        continue;
      }
      let msg: Msg;
      try {
        msg = await from.receive();
      } catch (err) {
        if (this.#terminated) return;
        if (isCode(err, "ENOTSUP")) return; // this side never receives: no pump this way
        if (from.closed) {
          // Closed under the proxy: end the whole proxy rather than leave run() pending forever.
          this.#stop();
          return;
        }
        throw err;
      }
      // A message that arrived while pausing waits for resume (nothing is dropped by pause()).
      while (this.#paused && !this.#terminated) await this.#resumed;
      if (this.#terminated) return;
      try {
        if (this.#capture !== null) await this.#copyToCapture(msg);
        await to.send(msg);
      } catch (err) {
        if (this.#terminated) return;
        if (to.closed) {
          this.#stop();
          return;
        }
        throw err;
      }
      this.#count(from, msg);
      this.observer?.forwarded?.(msg, from);
    }
  }

  /** libzmq proxy.cpp `forward()`: a message counts once, in on one side and out on the other. */
  #count(from: Socket, msg: Msg): void {
    const bytes = byteLength(msg);
    const forward = from === this.frontEnd;
    const i = forward ? this.#front : this.#back;
    const o = forward ? this.#back : this.#front;
    i.messagesIn++;
    i.bytesIn += bytes;
    o.messagesOut++;
    o.bytesOut += bytes;
  }

  /** Both pumps copy to one capture socket: chain the sends, since a socket takes one send at a time. */
  #copyToCapture(msg: Msg): Promise<void> {
    const capture = this.#capture!;
    const copy = msg.slice();
    const sent = this.#captureTail.then(() => capture.send(copy));
    this.#captureTail = sent.catch(() => undefined);
    return sent;
  }
}
