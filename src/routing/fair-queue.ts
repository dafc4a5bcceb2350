/**
 * Fair-queue (libzmq `fq.cpp`): read round-robin from the pipes that have messages, one whole message
 * per turn. A pipe found empty leaves the active set until it signals readable. Used by PULL, DEALER,
 * SUB, REP and others.
 */
import type { Msg, Pipe } from "../pipe.ts";

export class FairQueue {
  readonly #pipes: Pipe[] = [];
  #active = 0;
  #current = 0;
  /** The pipe the last message came from (REQ/REP need it). */
  lastPipe: Pipe | null = null;

  get size(): number {
    return this.#pipes.length;
  }

  attach(pipe: Pipe): void {
    pipe.fqIndex = this.#pipes.length;
    this.#pipes.push(pipe);
    this.activate(pipe);
  }

  activate(pipe: Pipe): void {
    const i = this.#pipes[pipe.fqIndex] === pipe ? pipe.fqIndex : -1;
    if (i < this.#active || i === -1) return;
    this.#swap(i, this.#active);
    this.#active++;
  }

  /** Remove now (messages still queued in it are dropped by the caller's choice). */
  remove(pipe: Pipe): void {
    const i = this.#pipes[pipe.fqIndex] === pipe ? pipe.fqIndex : -1;
    if (i === -1) return;
    if (i < this.#active) {
      this.#active--;
      this.#swap(i, this.#active);
      this.#swap(this.#active, this.#pipes.length - 1);
    } else {
      this.#swap(i, this.#pipes.length - 1);
    }
    this.#pipes.pop();
    pipe.fqIndex = -1;
    if (this.#current >= this.#active) this.#current = 0;
  }

  /**
   * The pipe's peer has gone. Messages it already delivered stay readable: the pipe leaves now if it is
   * empty, else {@link recv} drops it once drained (libzmq reads up to the pipe's terminator).
   */
  terminated(pipe: Pipe): void {
    if (pipe.inbound.length === 0) this.remove(pipe);
  }

  /** Next message in fair order, or undefined when every pipe is empty. */
  recv(): Msg | undefined {
    while (this.#active > 0) {
      const pipe = this.#pipes[this.#current]!;
      const msg = pipe.read();
      if (msg !== undefined) {
        this.lastPipe = pipe;
        this.#current++;
        if (this.#current >= this.#active) this.#current = 0;
        return msg;
      }
      this.#active--;
      this.#swap(this.#current, this.#active);
      if (this.#current >= this.#active) this.#current = 0;
      // A terminated pipe that is drained leaves for good.
      if (pipe.terminated) this.remove(pipe);
    }
    return undefined;
  }

  hasIn(): boolean {
    while (this.#active > 0) {
      const pipe = this.#pipes[this.#current]!;
      if (pipe.inbound.length > 0) return true;
      this.#active--;
      this.#swap(this.#current, this.#active);
      if (this.#current >= this.#active) this.#current = 0;
      if (pipe.terminated) this.remove(pipe);
    }
    return false;
  }

  #swap(a: number, b: number): void {
    if (a === b) return;
    const p = this.#pipes;
    const t = p[a]!;
    const u = p[b]!;
    p[a] = u;
    p[b] = t;
    u.fqIndex = a;
    t.fqIndex = b;
  }
}
