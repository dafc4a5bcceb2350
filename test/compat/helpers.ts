/**
 * Runs zeromq.js's compat test cases (its test/unit/compat/*-test.ts, ported from the 5.x suite) against
 * zocket's `zocket/v5-compat` and zeromq.js's own `zeromq/v5-compat`, so each case shows that the entry
 * behaves as the one it replaces. The cases are ported, not copied: same scenario and assertions, written
 * for node:test. The callback style stays: each case is a body that calls `done()` or fails.
 */
import { createRequire } from "node:module";
import * as compat from "../../src/compat/index.ts";
import { context } from "../../src/index.ts";
import { PROTOS, uniqAddress, type Proto } from "../zeromqjs/helpers.ts";

export { PROTOS, uniqAddress, type Proto };

/** The compat API both libraries share, typed as zocket's. */
export type Compat = typeof compat;
export type Sock = compat.Socket;

const require = createRequire(import.meta.url);
const zeromqCompat = require("zeromq/v5-compat") as Compat;
// As zeromq.js's test helper does (and ../zeromqjs/helpers.ts for zeromq): queued messages must not hold
// the test process open at exit. zocket's default context gets the same setting, so both run alike.
(require("zeromq") as { context: { blocky: boolean } }).context.blocky = false;
context.blocky = false;

export const LIBS: readonly { readonly name: "zocket" | "zeromq"; readonly zmq: Compat }[] = [
  { name: "zocket", zmq: compat },
  { name: "zeromq", zmq: zeromqCompat },
];

/** Every library × protocol, labelled as zeromq.js's compat suites are ("compat socket with tcp ..."). */
export function eachLibProto(
  fn: (zmq: Compat, proto: Proto, label: string, lib: "zocket" | "zeromq") => void,
  protos: readonly Proto[] = PROTOS,
): void {
  for (const { name, zmq } of LIBS) for (const proto of protos) fn(zmq, proto, `${name}: compat ${proto}`, name);
}

/** Every library, for the cases without a transport. */
export function eachLib(fn: (zmq: Compat, label: string, lib: "zocket" | "zeromq") => void): void {
  for (const { name, zmq } of LIBS) fn(zmq, `${name}: compat`, name);
}

/** What a callback-style case body gets: mocha's `done`, a way to fail, and a wrapper for handlers. */
export interface Case {
  /** The case passed (later calls are ignored). */
  done(): void;
  fail(err: unknown): void;
  /** `fn` as a handler whose throw (a failed assertion) fails the case instead of escaping. */
  guard<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  /** A socket that is closed after the case, whatever happened. */
  track<S extends { close(): unknown }>(sock: S): S;
}

/**
 * Runs a callback-style case: resolves at `done()`, rejects at the first failure or after `ms`. Every
 * tracked socket is closed afterwards.
 */
export function runCase(body: (c: Case) => void | Promise<void>, ms = 5000): Promise<void> {
  const open: { close(): unknown }[] = [];
  let settle: ((err: unknown) => void) | null = null;
  const finished = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => settle?.(new Error(`case not done after ${ms} ms`)), ms);
    settle = (err) => {
      settle = null;
      clearTimeout(timer);
      if (err === null) resolve();
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
  });
  const c: Case = {
    done: () => settle?.(null),
    fail: (err) => settle?.(err),
    guard:
      (fn) =>
      (...args) => {
        try {
          fn(...args);
        } catch (err) {
          c.fail(err);
        }
      },
    track: (sock) => (open.push(sock), sock),
  };
  try {
    const started = body(c);
    if (started instanceof Promise) started.catch((err: unknown) => c.fail(err));
  } catch (err) {
    c.fail(err);
  }
  return finished.finally(() => {
    for (const sock of open.splice(0)) sock.close();
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An error as both libraries report them: message, code and a numeric errno. */
export function isFullError(err: unknown): err is Error & { code: string; errno: number } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === "string";
}
