/**
 * The bookkeeping of one outgoing connection attempt, shared by tcp/ipc, ws/wss and SOCKS5 connects: it
 * settles once, fails with ETIMEDOUT after `connectTimeout` ms (0: no limit; the timer keeps no process
 * alive), and cancelling it destroys the socket.
 */
import { ZmqError } from "../errors.ts";

export class ConnectAttempt {
  readonly #sock: { destroy(): void };
  #finished = false;
  #timer: ReturnType<typeof setTimeout> | null = null;

  /** `onTimeout` receives the ETIMEDOUT error and settles the attempt with it. */
  constructor(sock: { destroy(): void }, address: string, timeoutMs: number, onTimeout: (err: Error) => void) {
    this.#sock = sock;
    if (timeoutMs > 0) {
      const t = setTimeout(() => onTimeout(new ZmqError("ETIMEDOUT", `connect to ${address} timed out`)), timeoutMs);
      t.unref();
      this.#timer = t;
    }
  }

  /** True the first time only: the caller settles the attempt now (the timer is stopped). */
  end(): boolean {
    if (this.#finished) return false;
    this.#finished = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    return true;
  }

  /** The session gave up on the attempt: the socket goes, nothing is reported. */
  readonly cancel = (): void => {
    if (this.end()) this.#sock.destroy();
  };
}
