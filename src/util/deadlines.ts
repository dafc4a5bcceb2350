/**
 * Deadlines that many connections set with the same delay (the handshake timeout), without a Node timer
 * each: a Timeout costs an object, an async id and async-hook bookkeeping, ~20 µs a connection while V8
 * is cold (a burst of 1,000 connects, issue 27). Entries of one delay expire in the order they were set,
 * so each delay keeps a FIFO list and one unref'd timer armed for its oldest entry. Like the timers they
 * replace, they never keep the process alive.
 */

/** A pending deadline; cancel() is idempotent. */
export interface Deadline {
  cancel(): void;
}

class Entry implements Deadline {
  prev: Entry | null = null;
  next: Entry | null = null;
  /** Still in its list: not fired, not cancelled. */
  linked = true;

  constructor(
    readonly list: DelayList,
    /** performance.now() ms at which it fires. */
    readonly at: number,
    readonly fire: () => void,
  ) {}

  cancel(): void {
    if (this.linked) this.list.unlink(this);
  }
}

class DelayList {
  #head: Entry | null = null;
  #tail: Entry | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #delay: number;
  readonly #expireBound = (): void => this.#expire();

  constructor(delay: number) {
    this.#delay = delay;
  }

  add(fire: () => void): Entry {
    const e = new Entry(this, performance.now() + this.#delay, fire);
    e.prev = this.#tail;
    if (this.#tail === null) this.#head = e;
    else this.#tail.next = e;
    this.#tail = e;
    if (this.#timer === null) this.#arm(this.#delay);
    return e;
  }

  unlink(e: Entry): void {
    e.linked = false;
    if (e.prev === null) this.#head = e.next;
    else e.prev.next = e.next;
    if (e.next === null) this.#tail = e.prev;
    else e.next.prev = e.prev;
    e.prev = e.next = null;
    // An empty list's timer still fires once and finds nothing: cheaper than clearing it on every cancel.
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#expireBound, ms);
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = null;
    // Timers may fire up to a millisecond before the deadline performance.now() sees.
    const now = performance.now() + 1;
    for (let e = this.#head; e !== null && e.at <= now; e = this.#head) {
      this.unlink(e);
      try {
        e.fire();
      } catch (err) {
        // As from a timer of its own: uncaught, and the other deadlines still fire.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    const next = this.#head;
    if (next !== null && this.#timer === null) this.#arm(Math.max(1, next.at - performance.now()));
  }
}

const lists = new Map<number, DelayList>();

/** Call `fire` in `ms` milliseconds unless cancelled first. */
export function deadline(ms: number, fire: () => void): Deadline {
  let list = lists.get(ms);
  if (list === undefined) {
    list = new DelayList(ms);
    lists.set(ms, list);
  }
  return list.add(fire);
}
