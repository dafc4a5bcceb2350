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
 * Which of a pipe's two set indices a set keeps (libzmq's `array_item_t<ID>`): a pipe can be in one
 * load-balancer and one fair-queue at once (DEALER, REQ).
 */
export const SET_SLOT = { lb: 0, fq: 1 } as const;
export type SetSlot = (typeof SET_SLOT)[keyof typeof SET_SLOT];

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
  readonly #slot: SetSlot;

  constructor(slot: SetSlot) {
    this.#slot = slot;
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
    pipe.setIndex[this.#slot] = this.pipes.length;
    this.pipes.push(pipe);
    this.activate(pipe);
  }

  /** The pipe may take (or give) messages again. A no-op if it is active already or not a member. */
  activate(pipe: Pipe): void {
    const i = pipe.setIndex[this.#slot]!;
    if (i < this.active || this.pipes[i] !== pipe) return;
    this.#swap(i, this.active);
    this.active++;
  }

  /** Take the pipe out of the set (a no-op if it is not a member). */
  remove(pipe: Pipe): void {
    const pipes = this.pipes;
    const i = pipe.setIndex[this.#slot]!;
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
    pipe.setIndex[this.#slot] = -1;
    if (this.current >= this.active) this.current = 0;
  }

  #swap(a: number, b: number): void {
    if (a === b) return;
    const p = this.pipes;
    const t = p[a]!;
    const u = p[b]!;
    p[a] = u;
    p[b] = t;
    u.setIndex[this.#slot] = a;
    t.setIndex[this.#slot] = b;
  }
}
