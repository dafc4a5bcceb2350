/**
 * Load-balancer (libzmq `lb.cpp`): round-robin over the pipes that can take a message. A pipe that
 * refuses (at its HWM) leaves the active set until it signals it is writable again. Used by PUSH,
 * DEALER, REQ.
 */
import type { Msg, Pipe } from "../pipe.ts";

export class LoadBalancer {
  /** Pipes [0, #active) are active; the rest wait for pipeWritable. */
  readonly #pipes: Pipe[] = [];
  #active = 0;
  #current = 0;

  get size(): number {
    return this.#pipes.length;
  }

  attach(pipe: Pipe): void {
    pipe.lbIndex = this.#pipes.length;
    this.#pipes.push(pipe);
    this.activate(pipe);
  }

  /** The pipe can take messages again. */
  activate(pipe: Pipe): void {
    const i = this.#pipes[pipe.lbIndex] === pipe ? pipe.lbIndex : -1;
    if (i < this.#active || i === -1) return;
    this.#swap(i, this.#active);
    this.#active++;
  }

  remove(pipe: Pipe): void {
    const i = this.#pipes[pipe.lbIndex] === pipe ? pipe.lbIndex : -1;
    if (i === -1) return;
    if (i < this.#active) {
      this.#active--;
      this.#swap(i, this.#active);
      if (this.#current === this.#active) this.#current = 0;
      this.#swap(this.#active, this.#pipes.length - 1);
    } else {
      this.#swap(i, this.#pipes.length - 1);
    }
    this.#pipes.pop();
    pipe.lbIndex = -1;
    if (this.#current >= this.#active) this.#current = 0;
  }

  /** Send to the next pipe that accepts. Returns the pipe used, or null if none can take it now. */
  send(msg: Msg): Pipe | null {
    while (this.#active > 0) {
      const pipe = this.#pipes[this.#current]!;
      if (pipe.write(msg)) {
        this.#current++;
        if (this.#current >= this.#active) this.#current = 0;
        return pipe;
      }
      this.#deactivate(this.#current);
    }
    return null;
  }

  /** True if some pipe would accept a message now. */
  hasOut(): boolean {
    while (this.#active > 0) {
      if (this.#pipes[this.#current]!.checkWrite()) return true;
      this.#deactivate(this.#current);
    }
    return false;
  }

  #deactivate(i: number): void {
    this.#active--;
    this.#swap(i, this.#active);
    if (this.#current >= this.#active) this.#current = 0;
  }

  #swap(a: number, b: number): void {
    if (a === b) return;
    const p = this.#pipes;
    const t = p[a]!;
    const u = p[b]!;
    p[a] = u;
    p[b] = t;
    u.lbIndex = a;
    t.lbIndex = b;
  }
}
