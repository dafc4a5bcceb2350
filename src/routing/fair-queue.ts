/**
 * Fair-queue (libzmq `fq.cpp`): read round-robin from the pipes that have messages, one whole message
 * per turn. A pipe found empty leaves the active set until it signals readable. Used by PULL, DEALER,
 * SUB, REP and others.
 */
import type { Msg, Pipe } from "../pipe.ts";
import { ActiveSet } from "./active-set.ts";

export class FairQueue {
  readonly #set = new ActiveSet("fq");
  /** The pipe the last message came from (REQ/REP need it). */
  lastPipe: Pipe | null = null;

  /** Number of attached pipes. */
  get size(): number {
    return this.#set.size;
  }

  /** Add a pipe (active). */
  attach(pipe: Pipe): void {
    this.#set.attach(pipe);
  }

  /** The pipe has messages again. */
  activate(pipe: Pipe): void {
    // The membership check is here, not in the set: it runs on every wake-up, where one call less keeps the
    // whole wake-up inlined (see docs/performance.md, design decision 23).
    const set = this.#set;
    const i = pipe.fqIndex;
    if (i >= set.active && set.pipes[i] === pipe) set.activateAt(i);
  }

  /** Remove now (messages still queued in it are dropped by the caller's choice). */
  remove(pipe: Pipe): void {
    this.#set.remove(pipe);
  }

  /**
   * The pipe's peer has gone. Messages it already delivered stay readable: the pipe leaves now if it is
   * empty, else {@link recv} drops it once drained (libzmq reads up to the pipe's terminator).
   */
  terminated(pipe: Pipe): void {
    if (pipe.inbound.length === 0) this.#set.remove(pipe);
  }

  /** Next message in fair order, or undefined when every pipe is empty. */
  recv(): Msg | undefined {
    const set = this.#set;
    while (set.active > 0) {
      const pipe = set.pipes[set.current]!;
      const msg = pipe.read();
      if (msg !== undefined) {
        this.lastPipe = pipe;
        set.advance();
        return msg;
      }
      set.deactivateCurrent();
      // A terminated pipe that is drained leaves for good.
      if (pipe.terminated) set.remove(pipe);
    }
    return undefined;
  }

  /** True if some pipe has a message now. */
  hasIn(): boolean {
    const set = this.#set;
    while (set.active > 0) {
      const pipe = set.pipes[set.current]!;
      if (pipe.inbound.length > 0) return true;
      set.deactivateCurrent();
      if (pipe.terminated) set.remove(pipe);
    }
    return false;
  }
}
