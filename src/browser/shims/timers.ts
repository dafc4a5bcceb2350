/**
 * Node's timer functions for the browser build (injected by scripts/build-browser.mjs, so no global of the
 * page is touched): they return handles with `ref()`/`unref()` as Node's do (a page has no process to keep
 * alive, so both do nothing), and `setImmediate` runs a callback after the current task, through a
 * MessageChannel (a 0 ms timeout would be clamped to 4 ms when nested).
 */
type Fn = (...args: unknown[]) => void;

class Timeout {
  readonly id: ReturnType<typeof globalThis.setTimeout>;
  constructor(id: ReturnType<typeof globalThis.setTimeout>) {
    this.id = id;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
}

function idOf(t: unknown): ReturnType<typeof globalThis.setTimeout> | undefined {
  return t instanceof Timeout ? t.id : (t as ReturnType<typeof globalThis.setTimeout> | undefined);
}

function _setTimeout(fn: Fn, ms?: number, ...args: unknown[]): Timeout {
  return new Timeout(globalThis.setTimeout(() => fn(...args), ms));
}

function _setInterval(fn: Fn, ms?: number, ...args: unknown[]): Timeout {
  return new Timeout(globalThis.setInterval(() => fn(...args), ms));
}

function _clearTimeout(t: unknown): void {
  globalThis.clearTimeout(idOf(t));
}

function _clearInterval(t: unknown): void {
  globalThis.clearInterval(idOf(t));
}

class Immediate {
  cancelled = false;
  readonly run: () => void;
  constructor(run: () => void) {
    this.run = run;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

let queue: Immediate[] = [];
let channel: InstanceType<typeof MessageChannel> | null = null;

function flush(): void {
  const q = queue;
  queue = [];
  for (const i of q) if (!i.cancelled) i.run();
}

function _setImmediate(fn: Fn, ...args: unknown[]): Immediate {
  const i = new Immediate(() => fn(...args));
  if (queue.push(i) === 1) {
    if (channel === null) {
      channel = new MessageChannel();
      channel.port1.addEventListener("message", flush);
      channel.port1.start();
    }
    channel.port2.postMessage(null);
  }
  return i;
}

function _clearImmediate(i: unknown): void {
  if (i instanceof Immediate) i.cancelled = true;
}

export {
  _setTimeout as setTimeout,
  _setInterval as setInterval,
  _clearTimeout as clearTimeout,
  _clearInterval as clearInterval,
  _setImmediate as setImmediate,
  _clearImmediate as clearImmediate,
};
