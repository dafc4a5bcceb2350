// The control channel between the benchmark driver and its roles: a child-process IPC channel for
// tcp/ipc, an in-memory pair for inproc.

import { errorMessage, isRecord } from "./common.ts";

/** How long a finished role waits for the driver's "exit" before giving up. */
export const EXIT_WAIT_MS = 120_000;

export interface RoleResult {
  /** Messages (or round trips) counted by this role. */
  count: number;
  /** Payload bytes counted by this role. */
  bytes: number;
  /** Measured time window in ms (0 when this role does not measure). */
  elapsedMs: number;
  /** Any additional figures (memory, latencies...). */
  extra: Record<string, number>;
}

export interface Measurement {
  /** msg/s (throughput), round trips/s (lat, dr), deliveries/s (fanout). */
  msgPerSec: number;
  /** Payload MB/s (10^6 bytes), null for latency. */
  mbPerSec: number | null;
  /** µs per round trip, only for latency. */
  usPerRt: number | null;
  count: number;
  elapsedMs: number;
}

export type CtlMsg =
  | { t: "ready"; endpoint: string }
  | { t: "start" }
  | { t: "credit"; n: number }
  | { t: "info"; data: Record<string, number> }
  | { t: "go" }
  | { t: "result"; result: RoleResult }
  | { t: "measurement"; m: Measurement }
  | { t: "error"; message: string }
  | { t: "exit" };

export type CtlType = CtlMsg["t"];
export type CtlOf<T extends CtlType> = Extract<CtlMsg, { t: T }>;

const CTL_TYPES: ReadonlySet<string> = new Set<CtlType>([
  "ready",
  "start",
  "credit",
  "info",
  "go",
  "result",
  "measurement",
  "error",
  "exit",
]);

/** Narrows a structured-clone message from the IPC channel. */
export function asCtl(v: unknown): CtlMsg {
  if (isRecord(v) && typeof v["t"] === "string" && CTL_TYPES.has(v["t"])) return v as unknown as CtlMsg;
  throw new Error(`unexpected control message ${JSON.stringify(v)}`);
}

interface Waiter {
  resolve: (m: CtlMsg) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** A typed message queue: recv(type) waits for the next message of that type. */
export class Channel {
  private readonly queues = new Map<CtlType, CtlMsg[]>();
  private readonly waiters = new Map<CtlType, Waiter>();
  private readonly handlers = new Map<CtlType, (m: CtlMsg) => void>();
  private failure: Error | null = null;

  constructor(private readonly out: (m: CtlMsg) => void) {}

  send(m: CtlMsg): void {
    this.out(m);
  }

  deliver(m: CtlMsg): void {
    if (m.t === "error") {
      this.fail(new Error(m.message));
      return;
    }
    const h = this.handlers.get(m.t);
    if (h !== undefined) {
      h(m);
      return;
    }
    const w = this.waiters.get(m.t);
    if (w !== undefined) {
      this.waiters.delete(m.t);
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.resolve(m);
      return;
    }
    let q = this.queues.get(m.t);
    if (q === undefined) {
      q = [];
      this.queues.set(m.t, q);
    }
    q.push(m);
  }

  /** Routes every message of a type to a handler instead of the queue. */
  on<T extends CtlType>(t: T, handler: (m: CtlOf<T>) => void): void {
    this.handlers.set(t, handler as (m: CtlMsg) => void);
    const q = this.queues.get(t);
    if (q !== undefined) {
      this.queues.delete(t);
      for (const m of q) handler(m as CtlOf<T>);
    }
  }

  tryRecv<T extends CtlType>(t: T): CtlOf<T> | undefined {
    const q = this.queues.get(t);
    const m = q?.shift();
    return m as CtlOf<T> | undefined;
  }

  recv<T extends CtlType>(t: T, timeoutMs: number): Promise<CtlOf<T>> {
    const queued = this.tryRecv(t);
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.waiters.has(t)) return Promise.reject(new Error(`already waiting for "${t}"`));
    return new Promise<CtlOf<T>>((resolve, reject) => {
      const timer =
        timeoutMs === Infinity
          ? undefined
          : setTimeout(() => {
              this.waiters.delete(t);
              reject(new Error(`timed out after ${Math.round(timeoutMs)} ms waiting for "${t}"`));
            }, timeoutMs);
      this.waiters.set(t, { resolve: resolve as (m: CtlMsg) => void, reject, timer });
    });
  }

  fail(e: Error): void {
    if (this.failure === null) this.failure = e;
    for (const [, w] of this.waiters) {
      if (w.timer !== undefined) clearTimeout(w.timer);
      w.reject(e);
    }
    this.waiters.clear();
  }
}

/** Two channels wired to each other (for roles running in the same process). */
export function channelPair(): [Channel, Channel] {
  const a: Channel = new Channel((m) => queueMicrotask(() => b.deliver(m)));
  const b: Channel = new Channel((m) => queueMicrotask(() => a.deliver(m)));
  return [a, b];
}

/** A message to the parent process (the driver), resolved once sent; a no-op without an IPC channel. */
export function sendToParent(m: CtlMsg): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) {
      resolve();
      return;
    }
    process.send(m, undefined, {}, () => resolve());
  });
}
/** A worker's Channel to the driver that started it (child side of spawnWorker). */
export function parentChannel(): Channel {
  const ch = new Channel((m) => {
    void sendToParent(m);
  });
  process.on("message", (m: unknown) => {
    try {
      ch.deliver(asCtl(m));
    } catch (e) {
      ch.fail(new Error(errorMessage(e)));
    }
  });
  return ch;
}
