/**
 * Microtasks as reactions of one settled promise. `queueMicrotask()` wraps every callback in an
 * AsyncResource and `process.nextTick()` runs before promise jobs; on per-message paths a reaction of a
 * resolved promise is the cheapest way to run something once the current job is done.
 */

/** A settled promise: also what a completed `send()` returns. */
export const RESOLVED: Promise<void> = Promise.resolve();

/** Run `fn` as a microtask (after the current job, before any I/O or timer). */
export function microtask(fn: () => void): void {
  void RESOLVED.then(fn);
}
