/**
 * The life of one `zocket` process: the sockets it opened, how it stops (end of input, --count,
 * Ctrl-C, SIGTERM, a fatal socket event, the reader of stdout going away), and its exit code.
 *
 * Exit codes: 0 done, 1 runtime failure, 2 bad input, 130 SIGINT, 143 SIGTERM (128 + signal number,
 * what a shell reports for a process killed by that signal). On every way out the sockets are closed
 * with a bounded linger so queued messages get a chance to leave, and a second signal exits at once.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { Event, EventType, Socket } from "../index.ts";
import { RuntimeFailure } from "./args.ts";

/** zeromq.js event types, for `--events`. */
const EVENT_TYPES: readonly EventType[] = [
  "accept",
  "accept:error",
  "bind",
  "bind:error",
  "connect",
  "connect:delay",
  "connect:retry",
  "close",
  "close:error",
  "disconnect",
  "end",
  "handshake",
  "handshake:error:protocol",
  "handshake:error:auth",
  "handshake:error:other",
  "unknown",
];

/** The streams a command talks to (tests pass their own). */
export interface CliIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A `zocket` subcommand. */
export interface Command {
  name: string;
  summary: string;
  /** Resolves with the exit code; throws UsageError (2) or RuntimeFailure (1). */
  run(argv: string[], rt: Runtime, io: CliIO): Promise<number>;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Default linger (ms) when the process ends: queued messages get this long to leave. */
const DEFAULT_LINGER = 2000;

export class Runtime {
  readonly #sockets = new Set<Socket>();
  readonly #abort = new AbortController();
  readonly #closers: (() => void)[] = [];
  #stopCode: number | null = null;
  #stopMessage: string | null = null;
  #signalHandlers: [string, () => void][] = [];
  readonly #handshaken = new WeakMap<Socket, { ok: boolean; waiters: (() => void)[] }>();
  #lastWarning = "";
  #lastWarningAt = 0;
  /** Linger (ms) used when closing; -1 waits forever (only if the user asked for it). */
  linger = DEFAULT_LINGER;
  /** --use-fd: the listening descriptor bind() adopts (ZMQ_USE_FD); -1 none. */
  useFd = -1;
  /** Command name used as the prefix of messages on stderr. */
  readonly name: string;
  readonly #stderr: NodeJS.WritableStream;

  /** Embedded (called as a function, e.g. by tests): no signal handlers, no process exit code or forced exit. */
  readonly #embedded: boolean;

  constructor(name: string, stderr: NodeJS.WritableStream = process.stderr, embedded = false) {
    this.name = name;
    this.#stderr = stderr;
    this.#embedded = embedded;
  }

  /** Aborted when the process starts stopping (for sleeps and timers). */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get stopping(): boolean {
    return this.#stopCode !== null;
  }

  /** The exit code decided by {@link stop}, or null while running. */
  get stopCode(): number | null {
    return this.#stopCode;
  }

  get stopMessage(): string | null {
    return this.#stopMessage;
  }

  /** Remember a socket so it is closed (with linger) however the process ends. */
  track<T extends Socket>(sock: T): T {
    this.#sockets.add(sock);
    return sock;
  }

  /** Run `fn` when stopping (close stdin readers, child processes...). */
  onStop(fn: () => void): void {
    this.#closers.push(fn);
  }

  /** Print one line on stderr, prefixed with the command name. */
  note(text: string): void {
    this.#stderr.write(`${this.name}: ${text}\n`);
  }

  /** Print a raw line on stderr. */
  err(text: string): void {
    this.#stderr.write(text.endsWith("\n") ? text : text + "\n");
  }

  /**
   * Start stopping: the first call decides the exit code (and the message printed for it); sockets
   * close with the bounded linger, which ends every pending receive/send, so the command's loops end.
   */
  stop(code: number, message?: string): void {
    if (this.#stopCode !== null) return;
    this.#stopCode = code;
    this.#stopMessage = message ?? null;
    this.#abortAndClose();
    this.closeAll();
  }

  /** Abort what waits on the signal, then run every registered closer once. */
  #abortAndClose(): void {
    this.#abort.abort();
    for (const fn of this.#closers.splice(0)) {
      try {
        fn();
      } catch {
        // best effort: a closer that fails must not stop the others
      }
    }
  }

  /** Close every tracked socket with the linger. */
  closeAll(): void {
    for (const s of this.#sockets) {
      if (s.closed) continue;
      try {
        s.linger = this.linger;
      } catch {
        // linger is validated (>= -1); a socket that refuses keeps its own
      }
      s.close();
    }
  }

  /** Sleep for `ms`; resolves false (early) when stopping. */
  async sleep(ms: number): Promise<boolean> {
    if (this.stopping) return false;
    try {
      await delay(ms, undefined, { signal: this.#abort.signal });
      return true;
    } catch {
      return false;
    }
  }

  /** SIGINT/SIGTERM/SIGHUP: stop cleanly with 128+n; a second signal exits at once. */
  installSignals(): void {
    if (this.#embedded) return;
    for (const sig of Object.keys(SIGNAL_EXIT)) {
      const code = SIGNAL_EXIT[sig]!;
      const h = (): void => {
        if (this.stopping) {
          process.exit(this.#stopCode ?? code);
        }
        this.stop(code);
      };
      process.on(sig as NodeJS.Signals, h);
      this.#signalHandlers.push([sig, h]);
    }
  }

  /**
   * Print socket events on stderr (`--events`) and turn a refused handshake on a connecting socket
   * into a runtime failure (exit 1): a CLI user wants to hear "wrong key", not watch retries.
   */
  watch(sock: Socket, opts: { label?: string; print: boolean; connects: ReadonlySet<string> }): void {
    const obs = sock.events;
    const label = opts.label !== undefined ? `[${opts.label}] ` : "";
    const hs = { ok: false, waiters: [] as (() => void)[] };
    this.#handshaken.set(sock, hs);
    for (const type of EVENT_TYPES) {
      obs.on(type, (e: Event) => {
        if (opts.print && e.type !== "end") this.#stderr.write(`${timestamp()} ${label}${describeEvent(e)}\n`);
        if (e.type === "handshake" && !hs.ok) {
          hs.ok = true;
          for (const w of hs.waiters.splice(0)) w();
        }
        if (e.type === "handshake:error:auth" || e.type === "handshake:error:protocol") {
          const address = e.address;
          const why = describeError(e.error);
          if (opts.connects.has(address)) {
            this.stop(1, `${address} refused the handshake: ${why}`);
          } else if (!opts.print && e.type === "handshake:error:protocol") {
            // (Refusals by our ZAP handler are reported by the handler, with its reason.)
            // A client retrying with a wrong key fails every reconnect interval: say it once a while.
            const line = `${label}handshake with a peer on ${address} failed: ${why}`;
            const now = Date.now();
            if (line !== this.#lastWarning || now - this.#lastWarningAt > 5000) {
              this.note(line);
              this.#lastWarning = line;
              this.#lastWarningAt = now;
            }
          }
        }
      });
    }
  }

  /**
   * Wait until `sock` (watched with {@link watch}) has completed a handshake with some peer.
   * Resolves false after `ms` (-1: no limit) or when stopping (e.g. the handshake was refused).
   */
  waitHandshake(sock: Socket, ms: number): Promise<boolean> {
    const hs = this.#handshaken.get(sock);
    if (hs === undefined || hs.ok) return Promise.resolve(true);
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = (v: boolean): void => {
        if (timer) clearTimeout(timer);
        this.signal.removeEventListener("abort", onAbort);
        resolve(v);
      };
      const onAbort = (): void => done(false);
      hs.waiters.push(() => done(true));
      this.signal.addEventListener("abort", onAbort, { once: true });
      if (ms >= 0) timer = setTimeout(() => done(false), ms);
    });
  }

  /**
   * After the command: close sockets (linger), decide the exit code and make sure the process ends
   * even if some handle lingers longer than it should.
   */
  finish(code: number): number {
    const final = this.#stopCode ?? code;
    if (this.#stopCode === null) {
      this.#stopCode = final;
      this.#abortAndClose();
    }
    this.closeAll();
    if (this.#stopMessage !== null) this.note(this.#stopMessage);
    for (const [sig, h] of this.#signalHandlers.splice(0)) {
      // Keep a handler so a second signal during the linger still exits at once.
      process.off(sig, h);
      process.on(sig as NodeJS.Signals, () => process.exit(final));
    }
    if (this.#embedded) return final;
    process.exitCode = final;
    if (this.linger >= 0) {
      // Unref'd: fires only if something else keeps the loop alive past the linger.
      setTimeout(() => process.exit(final), this.linger + 1000).unref();
    }
    return final;
  }
}

/** Wall-clock time with milliseconds, for event lines. */
function timestamp(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** One readable line for an event. */
function describeEvent(e: Event): string {
  let s: string = e.type;
  if ("address" in e) s += ` ${e.address}`;
  if ("interval" in e) s += ` (retry in ${e.interval} ms)`;
  if ("error" in e) s += ` (${describeError(e.error)})`;
  return s;
}

/** A socket error as one line: the ZmqError message, with its code. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const msg = err.message.split("\n")[0] ?? err.message;
    const text = typeof code === "string" && !msg.includes(code) ? `${msg} (${code})` : msg;
    const hint = hintOf(err);
    return hint === undefined ? text : `${text}: ${hint}`;
  }
  return String(err);
}

/** A ZmqError's hint (zocket's explanation beside zeromq.js's terse message), if it says more. */
export function hintOf(err: unknown): string | undefined {
  const hint = (err as { hint?: unknown } | null)?.hint;
  return typeof hint === "string" && hint !== "" && hint !== (err as Error).message ? hint : undefined;
}

/** Wrap a bind failure into an exit-1 failure that says which address and why. */
export function bindFailure(address: string, err: unknown): RuntimeFailure {
  const code = (err as { code?: unknown }).code;
  if (code === "EADDRINUSE") return new RuntimeFailure(`cannot bind ${address}: address already in use (EADDRINUSE)`);
  if (code === "EADDRNOTAVAIL")
    return new RuntimeFailure(`cannot bind ${address}: no such local address (EADDRNOTAVAIL)`);
  if (code === "EACCES") return new RuntimeFailure(`cannot bind ${address}: permission denied (EACCES)`);
  return new RuntimeFailure(`cannot bind ${address}: ${describeError(err)}`);
}
