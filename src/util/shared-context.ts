/**
 * The default context shared by every thread of the process, as zeromq.js's is (its `context-thread-test`):
 * its option values live in a SharedArrayBuffer that worker_threads' environment data hands to every worker
 * spawned afterwards (a SharedArrayBuffer clones as shared memory), and its inproc names reach the other
 * threads through {@link ThreadInproc}. See docs/threads.md for what is and is not shared.
 */
import { getEnvironmentData, setEnvironmentData } from "node:worker_threads";
import type { Context } from "../context.ts";
import { threadRegistry } from "../transports/inproc-threads.ts";

/** The environment-data key under which the shared option memory travels to workers. */
const ENV_KEY = "zocket.context.v1";

/** The default context's options, each an Int32 slot of the shared memory (libzmq's are all int32). */
const KEYS = [
  "blocky",
  "ioThreads",
  "maxMessageSize",
  "maxSockets",
  "ipv6",
  "threadPriority",
  "threadSchedulingPolicy",
] as const;

/** Slot KEYS.length: 1 once the first thread to load zocket wrote the defaults. */
const INIT = KEYS.length;

/**
 * The shared option memory: inherited from the spawning thread when it had zocket loaded, else made here
 * (and then passed on to the workers this thread spawns, as environment data is inherited).
 */
function sharedMemory(): { slots: Int32Array; fresh: boolean } {
  const got = getEnvironmentData(ENV_KEY);
  if (got instanceof SharedArrayBuffer && got.byteLength >= (INIT + 1) * 4) {
    return { slots: new Int32Array(got), fresh: false };
  }
  const sab = new SharedArrayBuffer((INIT + 1) * 4);
  setEnvironmentData(ENV_KEY, sab);
  return { slots: new Int32Array(sab), fresh: true };
}

/**
 * Make `ctx` (the default context) the process-wide one: its option values (`values`, the store its
 * validating accessors write to) live in the shared memory, and its inproc registry reaches bound names in
 * the other threads. Called once, when context.ts loads.
 */
export function shareDefaultContext(ctx: Context, values: Record<string, unknown>): void {
  const { slots, fresh } = sharedMemory();
  if (fresh || Atomics.load(slots, INIT) === 0) {
    KEYS.forEach((k, i) => Atomics.store(slots, i, Number(values[k])));
    Atomics.store(slots, INIT, 1);
  }
  KEYS.forEach((key, i) => {
    const isBool = typeof values[key] === "boolean";
    Object.defineProperty(values, key, {
      configurable: true,
      enumerable: true,
      get: () => (isBool ? Atomics.load(slots, i) !== 0 : Atomics.load(slots, i)),
      set: (v: unknown) => Atomics.store(slots, i, Number(v)),
    });
  });
  threadRegistry(ctx);
}
