/**
 * Distributor (libzmq `dist.cpp`): send one message to many pipes — the matching subscribers of a
 * PUB/XPUB, or every upstream peer of an XSUB.
 *
 * libzmq's rules, kept here:
 * - A pipe that refuses a message (at its HWM) becomes inactive and gets nothing — the message is
 *   dropped for that pipe only — until it signals it is writable again (at its low-water mark).
 *   The other pipes still get theirs. PUB never blocks (docs/zmtp-notes.md G25).
 * - Each send starts a matching round: {@link Distributor.unmatch}, then {@link Distributor.match} for
 *   each subscriber the trie found (duplicates ignored), optionally {@link Distributor.reverseMatch}
 *   (ZMQ_INVERT_MATCHING), then {@link Distributor.sendToMatching}.
 * - {@link Distributor.checkHwm} lets XPUB_NODROP refuse the whole message (EAGAIN) when a matching
 *   pipe is full, instead of dropping it for that pipe.
 *
 * Messages are whole (all frames) here, so libzmq's "eligible" state for pipes that attach in the
 * middle of a multipart message is not needed: a message goes wholly, or not at all, to each pipe.
 */
import type { Msg, Pipe } from "../pipe.ts";

/** One pipe as the distributor sees it. Handed out by {@link Distributor.attach}; tries store these. */
export interface DistTarget {
  readonly pipe: Pipe;
  /** False while the pipe is full (until it drains to its low-water mark). */
  active: boolean;
  /** The matching round that last selected this pipe (dedupes several matching prefixes). */
  round: number;
  /** False once the pipe left the distributor. */
  attached: boolean;
}

export class Distributor {
  readonly #targets = new Map<Pipe, DistTarget>();
  readonly #matching: DistTarget[] = [];
  #round = 0;

  /** Number of attached pipes. */
  get size(): number {
    return this.#targets.size;
  }

  /** Add a pipe (active). */
  attach(pipe: Pipe): DistTarget {
    const t: DistTarget = { pipe, active: true, round: 0, attached: true };
    this.#targets.set(pipe, t);
    return t;
  }

  /** The target of an attached pipe. */
  target(pipe: Pipe): DistTarget | undefined {
    return this.#targets.get(pipe);
  }

  /** The pipe is gone. */
  terminated(pipe: Pipe): void {
    const t = this.#targets.get(pipe);
    if (t === undefined) return;
    t.attached = false;
    t.active = false;
    this.#targets.delete(pipe);
  }

  /** The pipe drained to its low-water mark: it gets messages again. */
  activated(pipe: Pipe): void {
    const t = this.#targets.get(pipe);
    if (t !== undefined) t.active = true;
  }

  /** Start a new matching round (nothing matches). */
  unmatch(): void {
    this.#round++;
    this.#matching.length = 0;
  }

  /** Select a pipe for this round. Inactive (full) pipes and repeats are ignored. */
  match(t: DistTarget): void {
    if (!t.active || t.round === this.#round) return;
    t.round = this.#round;
    this.#matching.push(t);
  }

  /** ZMQ_INVERT_MATCHING: select exactly the active pipes that were not selected. */
  reverseMatch(): void {
    const round = this.#round;
    this.#round++;
    this.#matching.length = 0;
    for (const t of this.#targets.values()) {
      if (t.active && t.round !== round) {
        t.round = this.#round;
        this.#matching.push(t);
      }
    }
  }

  /** Number of pipes selected in this round. */
  get matching(): number {
    return this.#matching.length;
  }

  /** True if every selected pipe can take a message now (XPUB_NODROP). Arms writable on a full one. */
  checkHwm(): boolean {
    const m = this.#matching;
    for (let i = 0; i < m.length; i++) if (!m[i]!.pipe.checkWrite()) return false;
    return true;
  }

  /** Write to every selected pipe; a full pipe drops the message and goes inactive. Returns deliveries. */
  sendToMatching(msg: Msg): number {
    const m = this.#matching;
    let sent = 0;
    for (let i = 0; i < m.length; i++) {
      const t = m[i]!;
      if (t.pipe.write(msg)) sent++;
      else t.active = false;
    }
    return sent;
  }

  /** Write to every active pipe (XSUB upstream). Returns deliveries. */
  sendToAll(msg: Msg): number {
    let sent = 0;
    for (const t of this.#targets.values()) {
      if (!t.active) continue;
      if (t.pipe.write(msg)) sent++;
      else t.active = false;
    }
    return sent;
  }

  /** Every attached target. */
  targets(): IterableIterator<DistTarget> {
    return this.#targets.values();
  }
}
