/**
 * Load-balancer (libzmq `lb.cpp`): round-robin over the pipes that can take a message. A pipe that
 * refuses (at its HWM) leaves the active set until it signals it is writable again. Used by PUSH,
 * DEALER, REQ.
 */
import type { Msg, Pipe } from "../pipe.ts";
import { ActiveSet } from "./active-set.ts";

export class LoadBalancer {
  readonly #set = new ActiveSet("lb");

  /** Number of attached pipes. */
  get size(): number {
    return this.#set.size;
  }

  /** Add a pipe (active). */
  attach(pipe: Pipe): void {
    this.#set.attach(pipe);
  }

  /** The pipe can take messages again. */
  activate(pipe: Pipe): void {
    // The membership check is here, not in the set: it runs on every wake-up, where one call less keeps the
    // whole wake-up inlined (see docs/performance.md, design decision 23).
    const set = this.#set;
    const i = pipe.lbIndex;
    if (i >= set.active && set.pipes[i] === pipe) set.activateAt(i);
  }

  /** The pipe is gone (or must get no more messages). */
  remove(pipe: Pipe): void {
    this.#set.remove(pipe);
  }

  /** Send to the next pipe that accepts. Returns the pipe used, or null if none can take it now. */
  send(msg: Msg): Pipe | null {
    const set = this.#set;
    while (set.active > 0) {
      const pipe = set.pipes[set.current]!;
      if (pipe.write(msg)) {
        set.advance();
        return pipe;
      }
      set.deactivateCurrent();
    }
    return null;
  }

  /** True if some pipe would accept a message now. */
  hasOut(): boolean {
    const set = this.#set;
    while (set.active > 0) {
      if (set.pipes[set.current]!.checkWrite()) return true;
      set.deactivateCurrent();
    }
    return false;
  }
}
