/**
 * The pipes of one routing strategy with the active ones first — libzmq's `array_t` as `lb.cpp` and
 * `fq.cpp` use it. Pipes `[0, active)` are active (may take or give a message), the rest wait for their
 * pipe to signal. Activating or deactivating a pipe swaps it across the boundary, and each pipe knows its
 * index in the set, so every change is O(1) however many peers there are (see docs/performance.md, design
 * decision 7). A round-robin cursor, `current`, walks the active part.
 *
 * Messages are whole here (every frame in one `Msg`), so libzmq's `_more`/`_dropping` states are not
 * needed: a pipe that goes away between two messages loses nothing of the next, and one that is removed
 * never held half a message.
 */
import type { Pipe } from "../pipe.ts";

/**
 * Which strategy a set serves, and so which of the pipe's two indices it keeps (`Pipe.lbIndex` or
 * `Pipe.fqIndex`, libzmq's `array_item_t<ID>`): a pipe can be in one load-balancer and one fair-queue at
 * once (DEALER, REQ).
 */
export type SetKind = "lb" | "fq";

export class ActiveSet {
  /**
   * Members; `[0, active)` are active. The three fields are public so the strategies' per-message loops
   * stay small enough to inline (see docs/performance.md, design decision 23); only this class writes them.
   */
  readonly pipes: Pipe[] = [];
  /** Number of active pipes. */
  active = 0;
  /** Index of the active pipe whose turn it is. */
  current = 0;
  /** True for a load-balancer's set (the pipe's `lbIndex`), false for a fair-queue's (`fqIndex`). */
  readonly #lb: boolean;

  constructor(kind: SetKind) {
    this.#lb = kind === "lb";
  }

  /** Number of member pipes, active or not. */
  get size(): number {
    return this.pipes.length;
  }

  /** The current pipe took (or gave) a message: the turn passes to the next active pipe. */
  advance(): void {
    if (++this.current >= this.active) this.current = 0;
  }

  /** The current pipe is full (lb) or empty (fq): it leaves the active part and the turn passes on. */
  deactivateCurrent(): void {
    this.active--;
    this.#swap(this.current, this.active);
    if (this.current >= this.active) this.current = 0;
  }

  /** Add a pipe, active. */
  attach(pipe: Pipe): void {
    const i = this.pipes.length;
    this.#setIndex(pipe, i);
    this.pipes.push(pipe);
    this.activateAt(i);
  }

  /**
   * The inactive member at index `i` may take (or give) messages again. The strategies check membership
   * themselves (`i >= active && pipes[i] === pipe`) with their own index field, on every wake-up.
   */
  activateAt(i: number): void {
    this.#swap(i, this.active);
    this.active++;
  }

  /** Take the pipe out of the set (a no-op if it is not a member). */
  remove(pipe: Pipe): void {
    const pipes = this.pipes;
    const i = this.#indexOf(pipe);
    if (i < 0 || pipes[i] !== pipe) return;
    const last = pipes.length - 1;
    if (i < this.active) {
      this.active--;
      this.#swap(i, this.active);
      this.#swap(this.active, last);
    } else {
      this.#swap(i, last);
    }
    pipes.pop();
    this.#setIndex(pipe, -1);
    if (this.current >= this.active) this.current = 0;
  }

  /** The pipe's index in this set (-1: not a member). */
  #indexOf(pipe: Pipe): number {
    return this.#lb ? pipe.lbIndex : pipe.fqIndex;
  }

  #setIndex(pipe: Pipe, i: number): void {
    if (this.#lb) pipe.lbIndex = i;
    else pipe.fqIndex = i;
  }

  #swap(a: number, b: number): void {
    if (a === b) return;
    const p = this.pipes;
    const t = p[a]!;
    const u = p[b]!;
    p[a] = u;
    p[b] = t;
    if (this.#lb) {
      u.lbIndex = a;
      t.lbIndex = b;
    } else {
      u.fqIndex = a;
      t.fqIndex = b;
    }
  }
}
