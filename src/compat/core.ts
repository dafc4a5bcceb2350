/**
 * What a 5.x socket does over a zocket socket: it keeps receiving and emits each message, hands queued
 * sends over as the socket takes them, and orders bind/unbind/connect/disconnect as 5.x callers expect.
 *
 * - Receiving: one receive() at a time; each message is emitted as `'message'` with one argument per frame.
 *   While paused nothing is emitted: what arrives is held (up to the receive high-water mark, then the
 *   socket's own queue holds the rest) and comes out, in order, after resume() or through read().
 * - Sending: send() queues; queued messages go to the socket in order, several at once while it is
 *   writable, else one at a time as each is taken. Callbacks run when their message was taken (or failed).
 * - REQ and REP refuse a send or receive out of turn (EFSM) where libzmq's poller would just wait; like
 *   5.x, which only sent on POLLOUT and read on POLLIN, the refused operation waits for the other one.
 * - bind/unbind: zocket refuses other operations while one runs (EBUSY), so later calls wait for it.
 */
import type { EventEmitter } from "node:events";
import type { Message, MessageLike, Socket as V6Socket } from "../index.ts";
import { Fifo } from "../util/fifo.ts";

/** A 5.x callback: `err` on failure, nothing on success. */
export type Callback = (err?: Error) => void;

/** A message queued by send(), with the callbacks of the send() calls that made it. */
interface Batch {
  readonly parts: MessageLike[];
  readonly callbacks: Callback[];
  /** The receive count when it was handed over (see #failed). */
  mark: number;
}

/** A bind/unbind/connect/disconnect waiting for a bind or unbind in flight. */
interface Op {
  readonly kind: "bind" | "unbind" | "connect" | "disconnect";
  readonly address: string;
  readonly callback: Callback | undefined;
  /** bindSync/unbindSync: no 'bind'/'unbind' event. */
  readonly sync: boolean;
}

/**
 * A user callback or handler, run so that what it throws surfaces as an uncaught exception (on the next
 * tick), not in here. False if it threw.
 */
function guarded(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    process.nextTick(rethrow, err);
    return false;
  }
}

function rethrow(err: unknown): never {
  throw err;
}

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

/**
 * tcp and ipc binds in flight in this process, by {@link endpointKey}: a connect to one waits for it. 5.x's
 * bindSync listened before it returned; zocket binds asynchronously.
 */
const BINDING = new Map<string, Promise<void>>();

/** "tcp:PORT" for a tcp endpoint with a port (any host: `*`, 0.0.0.0 and 127.0.0.1 meet), "ipc:PATH", else "". */
function endpointKey(address: string): string {
  if (address.startsWith("ipc://")) return `ipc:${address.slice(6)}`;
  const port = /^tcp:\/\/.*:(\d+)$/.exec(address)?.[1];
  return port !== undefined && port !== "0" ? `tcp:${port}` : "";
}

function track(address: string, done: Promise<void>): void {
  const key = endpointKey(address);
  if (key === "") return;
  BINDING.set(key, done);
  const forget = (): void => {
    if (BINDING.get(key) === done) BINDING.delete(key);
  };
  done.then(forget, forget);
}

export class CompatCore {
  readonly owner: EventEmitter;
  readonly socket: V6Socket;
  /** PUSH and PUB have nothing to receive (zeromq.js's compat starts no receive for them). */
  readonly #canReceive: boolean;
  #closed = false;
  #paused = false;

  // bind/unbind in flight, and the operations called meanwhile.
  #busy = false;
  readonly #ops: Op[] = [];

  // receiving
  #receiving = false;
  readonly #held = new Fifo<Message[]>();
  /** A REQ/REP receive was refused (EFSM): the next completed send restarts receiving. */
  #recvWaitsForSend = false;
  /** The send count when the current receive started. */
  #recvMark = 0;
  /** Messages received and sends completed, so far: how a refused operation sees that the other one ran. */
  #recvCount = 0;

  // sending
  #parts: MessageLike[] = [];
  #partCallbacks: Callback[] = [];
  readonly #queue = new Fifo<Batch>();
  /** A message a REQ/REP refused (EFSM): it goes first, before the queue. */
  #retry: Batch | null = null;
  /** A message the socket may still be holding (it was not writable): the next waits for it. */
  #waitFor: Batch | null = null;
  /** The message handed over last, until the socket has taken it (for EBUSY, see #handOver). */
  #last: Batch | null = null;
  /** A REQ/REP send was refused (EFSM): the next received message restarts sending. */
  #sendWaitsForRecv = false;
  #sendCount = 0;
  #flushing = false;

  constructor(owner: EventEmitter, socket: V6Socket, receives: boolean) {
    this.owner = owner;
    this.socket = socket;
    this.#canReceive = receives;
    this.#pull();
  }

  get closed(): boolean {
    return this.#closed || this.socket.closed;
  }

  /** Reports an error: to the callback if there is one, else as `'error'` (thrown if nobody listens). */
  report(err: unknown, callback?: Callback): void {
    if (callback !== undefined) guarded(() => callback.call(this.owner, err as Error));
    else if (!this.#closed) guarded(() => this.owner.emit("error", err));
  }

  // ------------------------------------------------------------------ bind, unbind, connect, disconnect

  /**
   * Runs an operation now, throwing what the socket throws at the call (a bad address, a closed socket),
   * or, while a bind/unbind is in flight, after it (then a failure is reported).
   */
  control(kind: Op["kind"], address: string, callback: Callback | undefined, sync: boolean): void {
    const op: Op = { kind, address, callback, sync };
    if (this.#busy || this.#ops.length > 0) this.#ops.push(op);
    else this.#run(op, true);
  }

  #run(op: Op, direct: boolean): void {
    const socket = this.socket;
    if (op.kind === "connect" || op.kind === "disconnect") {
      const binding = op.kind === "connect" ? BINDING.get(endpointKey(op.address)) : undefined;
      if (binding !== undefined) {
        // Another socket here is binding that endpoint (bindSync then connect, in 5.x style): connecting
        // once it listens saves the failed first attempt and the reconnect interval.
        this.#busy = true;
        const settled = (): void => this.#settled(null, null, op);
        binding.then(settled, settled);
      } else if (direct) socket[op.kind](op.address);
      else {
        try {
          socket[op.kind](op.address);
        } catch (err) {
          this.report(err);
        }
      }
      return;
    }
    let done: Promise<void>;
    try {
      done = op.kind === "bind" ? socket.bind(op.address) : socket.unbind(op.address);
    } catch (err) {
      if (direct) throw err;
      this.report(err, op.callback);
      return;
    }
    this.#busy = true;
    if (op.kind === "bind") track(op.address, done);
    done.then(
      () => this.#settled(op, null, null),
      (err: unknown) => this.#settled(op, err, null),
    );
  }

  /** A bind/unbind settled (`op`), or the bind a connect waited for (`next`, run now). */
  #settled(op: Op | null, err: unknown, next: Op | null): void {
    this.#busy = false;
    if (next !== null && !this.#closed) this.#run(next, false);
    // Operations called meanwhile run first: 5.x started them at once, before the bind completed.
    while (!this.#busy && this.#ops.length > 0 && !this.#closed) this.#run(this.#ops.shift()!, false);
    if (!this.#busy) this.#resumeIo();
    if (op === null) return;
    if (err !== null) this.report(err, op.callback);
    else if (!op.sync) {
      guarded(() => this.owner.emit(op.kind, op.address));
      if (op.callback !== undefined) guarded(() => op.callback!.call(this.owner));
    }
  }

  #resumeIo(): void {
    this.#flushSends();
    this.#pull();
  }

  // ------------------------------------------------------------------ pause, resume, close

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#emitHeld();
    this.#resumeIo();
  }

  /** 5.x read(): the next held message (see pause()), or null if none has arrived. */
  read(): Message[] | null {
    const msg = this.#held.shift() ?? null;
    if (msg !== null) this.#pull();
    return msg;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Like 5.x: what the socket has not taken yet is dropped (what it took lingers), callbacks are not run.
    this.#ops.length = 0;
    this.#queue.clear();
    this.#retry = null;
    this.#held.clear();
    this.#parts = [];
    this.#partCallbacks = [];
    this.socket.close();
  }

  // ------------------------------------------------------------------ receiving

  /** How many messages may be held while paused before receiving stops (libzmq's HWM then applies). */
  #holdLimit(): number {
    const hwm = (this.socket as unknown as { receiveHighWaterMark?: number }).receiveHighWaterMark ?? 1000;
    return hwm > 0 ? hwm : 1000;
  }

  #pull(): void {
    if (!this.#canReceive || this.#receiving || this.#busy || this.#recvWaitsForSend || this.closed) return;
    if (this.#paused && this.#held.length >= this.#holdLimit()) return;
    let next: Promise<Message[]>;
    try {
      next = this.socket.receive();
    } catch (err) {
      this.report(err);
      return;
    }
    this.#receiving = true;
    this.#recvMark = this.#sendCount;
    next.then(this.#received, this.#receiveFailed);
  }

  readonly #received = (msg: Message[]): void => {
    this.#receiving = false;
    this.#recvCount++;
    if (this.#closed) return;
    let handled = true;
    if (this.#paused || this.#held.length > 0) this.#held.push(msg);
    else handled = this.#emit(msg);
    if (this.#sendWaitsForRecv) {
      this.#sendWaitsForRecv = false;
      this.#flushSends();
    }
    // A handler threw: its exception comes first (next tick), the next message after it (as in 5.x).
    if (handled) this.#pull();
    else setImmediate(this.#pullLater);
  };

  readonly #receiveFailed = (err: unknown): void => {
    this.#receiving = false;
    if (this.closed) return;
    const code = codeOf(err);
    if (code === "EFSM") {
      // A REQ before its request went out, a REP before its reply did: wait for that send.
      if (this.#sendCount !== this.#recvMark) this.#pull();
      else this.#recvWaitsForSend = true;
      return;
    }
    // EAGAIN (a close in progress) and EBUSY (a bind started) are not the application's concern.
    if (code !== "EAGAIN" && code !== "EBUSY") this.report(err);
    setImmediate(this.#pullLater);
  };

  readonly #pullLater = (): void => this.#pull();

  #emit(msg: Message[]): boolean {
    return guarded(() => this.owner.emit("message", ...msg));
  }

  /** After resume(): the messages held while paused, in order, until a handler pauses again (or throws). */
  #emitHeld(): void {
    while (!this.#paused && !this.#closed && this.#held.length > 0) {
      if (!this.#emit(this.#held.shift()!)) {
        setImmediate(this.#emitHeldLater);
        return;
      }
    }
  }

  readonly #emitHeldLater = (): void => {
    this.#emitHeld();
    this.#pull();
  };

  // ------------------------------------------------------------------ sending

  /**
   * send(msg, flags, cb): parts collect until a call without ZMQ_SNDMORE (`more`), then the message is
   * queued with the callbacks of all its calls.
   */
  send(message: MessageLike | MessageLike[], more: boolean, callback: Callback | undefined): void {
    // 5.x kept a closed socket's sends and never sent them: no error, no callback.
    if (this.#closed) return;
    this.#parts = this.#parts.concat(message);
    if (callback !== undefined) this.#partCallbacks.push(callback);
    if (more) return;
    this.#queue.push({ parts: this.#parts, callbacks: this.#partCallbacks, mark: 0 });
    this.#parts = [];
    this.#partCallbacks = [];
    this.#flushSends();
  }

  #flushSends(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#waitFor === null && !this.#sendWaitsForRecv) {
        const next = this.#retry ?? this.#queue.peek();
        if (next === undefined || this.#paused || this.#busy || this.closed) return;
        this.#handOver(next);
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** Gives the head of the queue to the socket (or leaves it there if the socket still holds one). */
  #handOver(batch: Batch): void {
    const writable = this.socket.writable;
    let taken: Promise<void>;
    try {
      taken = this.socket.send(batch.parts);
    } catch (err) {
      // EBUSY: a message handed over earlier is still waiting in the socket; this one waits for it.
      if (codeOf(err) === "EBUSY" && this.#last !== null) {
        this.#waitFor = this.#last;
        return;
      }
      this.#take(batch);
      this.#finish(batch, err);
      return;
    }
    this.#take(batch);
    batch.mark = this.#recvCount;
    this.#last = batch;
    // Not writable: the socket keeps the message until a peer takes it, and takes no other meanwhile.
    if (!writable) this.#waitFor = batch;
    taken.then(
      () => this.#sent(batch),
      (err: unknown) => this.#failed(batch, err),
    );
  }

  /** `batch`, the next to go, leaves the queue (or the retry slot). */
  #take(batch: Batch): void {
    if (this.#retry === batch) this.#retry = null;
    else this.#queue.shift();
  }

  #sent(batch: Batch): void {
    this.#sendCount++;
    if (this.#last === batch) this.#last = null;
    this.#finish(batch, null);
    if (this.#recvWaitsForSend) {
      this.#recvWaitsForSend = false;
      this.#pull();
    }
    this.#release(batch);
  }

  #failed(batch: Batch, err: unknown): void {
    if (this.#last === batch) this.#last = null;
    if (codeOf(err) === "EFSM" && this.#waitFor === batch && !this.#closed) {
      // A REQ waiting for its reply, a REP with no request: the message goes back before the queue and
      // waits for a receive (unless one completed meanwhile).
      this.#retry = batch;
      this.#waitFor = null;
      if (this.#recvCount === batch.mark) this.#sendWaitsForRecv = true;
      else this.#flushSends();
      return;
    }
    this.#finish(batch, err);
    this.#release(batch);
  }

  /** The socket is done with `batch`: if later messages waited for it, they go now. */
  #release(batch: Batch): void {
    if (this.#waitFor !== batch) return;
    this.#waitFor = null;
    this.#flushSends();
  }

  #finish(batch: Batch, err: unknown): void {
    if (err === null) {
      for (const cb of batch.callbacks) guarded(() => cb.call(this.owner));
      return;
    }
    if (batch.callbacks.length === 0) this.report(err);
    for (const cb of batch.callbacks) this.report(err, cb);
  }
}
