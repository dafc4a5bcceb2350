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

function findSetter(proto: object | null, key: string): PropertyDescriptor | undefined {
  for (let p = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    const d = Object.getOwnPropertyDescriptor(p, key);
    if (d !== undefined) return d.set !== undefined ? d : undefined;
  }
  return undefined;
}

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
 * Make `ctx` (the default context) the process-wide one: its options read and write the shared memory,
 * and its inproc registry reaches bound names in the other threads. Called once, when context.ts loads.
 */
export function shareDefaultContext(ctx: Context): void {
  const { slots, fresh } = sharedMemory();
  const record = ctx as unknown as Record<string, unknown>;
  if (fresh || Atomics.load(slots, INIT) === 0) {
    KEYS.forEach((k, i) => Atomics.store(slots, i, Number(record[k])));
    Atomics.store(slots, INIT, 1);
  }
  KEYS.forEach((key, i) => {
    const own = Object.getOwnPropertyDescriptor(ctx, key);
    if (own !== undefined && own.configurable === false) return;
    const isBool = typeof record[key] === "boolean";
    // An accessor with validation on the class stays in charge of what is accepted.
    const validated = findSetter(Object.getPrototypeOf(ctx) as object, key);
    Object.defineProperty(ctx, key, {
      configurable: true,
      enumerable: true,
      get: () => (isBool ? Atomics.load(slots, i) !== 0 : Atomics.load(slots, i)),
      set: (v: unknown) => {
        if (validated !== undefined) {
          validated.set!.call(ctx, v);
          v = validated.get !== undefined ? validated.get.call(ctx) : v;
        }
        Atomics.store(slots, i, Number(v));
      },
    });
  });
  threadRegistry(ctx);
}
