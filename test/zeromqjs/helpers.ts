/**
 * Runs zeromq.js's own unit-test cases (its repository's test/unit/*-test.ts, v6 API) against both zocket
 * and zeromq.js itself, so each case shows that zocket behaves as the library it replaces. The cases are
 * ported, not copied: same scenario and assertions, written for node:test.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zocket from "../../src/index.ts";

/** The API both libraries share, typed as zocket's. */
export type Zmq = typeof zocket;

const require = createRequire(import.meta.url);
const zeromq = require("zeromq") as { context: { blocky: boolean } };
// zeromq.js's test helper does the same: queued messages must not hold the test process open.
zeromq.context.blocky = false;

export const LIBS: readonly { readonly name: string; readonly zmq: Zmq }[] = [
  { name: "zocket", zmq: zocket },
  { name: "zeromq", zmq: zeromq as unknown as Zmq },
];

export type Proto = "tcp" | "ipc" | "inproc";
export const PROTOS: readonly Proto[] = ["tcp", "ipc", "inproc"];

let seq = 0;

/** A free tcp port on 127.0.0.1 (the OS picks it; the listener is closed before it is returned). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr !== null ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** Ports given out by {@link uniqAddress}: the kernel may offer one again before its first taker has bound it. */
const givenPorts = new Set<number>();

/** An address no other case uses, as zeromq.js's `uniqAddress`. */
export async function uniqAddress(proto: Proto): Promise<string> {
  const id = `${process.pid}-${seq++}`;
  if (proto === "tcp") {
    let port = await freePort();
    while (givenPorts.has(port)) port = await freePort();
    givenPorts.add(port);
    return `tcp://127.0.0.1:${port}`;
  }
  if (proto === "ipc") return `ipc://${join(tmpdir(), `zocket-zjs-${id}.sock`)}`;
  return `inproc://zjs-${id}`;
}

/** Every library × protocol combination, named as zeromq.js's suites are ("socket with tcp pair/pair"). */
export function eachLibProto(fn: (zmq: Zmq, proto: Proto, label: string) => void, protos = PROTOS): void {
  for (const { name, zmq } of LIBS) for (const proto of protos) fn(zmq, proto, `${name}: socket with ${proto}`);
}

/** An error as both libraries report it: message, code and a numeric errno. */
export interface FullError extends Error {
  code: string;
  errno: number;
  address?: string;
}

export function isFullError(err: unknown): err is FullError {
  return err instanceof Error && typeof (err as FullError).code === "string";
}

/** The probe {@link joined} publishes; receivers skip it. */
export const PROBE = "ba:probe";

/**
 * Publish `PROBE` (with `send`) every 10 ms until `receive` yields it: the subscription or join has then
 * reached the publisher. zeromq.js's tests sleep 25 ms instead, a slow-joiner race that a loaded machine
 * loses (the test then waits for ever). Probes still in flight arrive before anything published later.
 */
export async function joined(send: () => Promise<unknown>, receive: () => Promise<Buffer>): Promise<void> {
  let got = false;
  const wait = (async (): Promise<void> => {
    while (String(await receive()) !== PROBE);
    got = true;
  })();
  while (!got) {
    await send();
    await Promise.race([wait, sleep(10)]);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `fn` and checks the error it throws or rejects with (zeromq.js's tests accept either): zeromq.js's
 * message and code, a numeric errno, and `address` when given.
 */
export async function failsWith(
  fn: () => unknown,
  want: { message: string; code: string; address?: string },
): Promise<void> {
  let error: unknown = null;
  try {
    await fn();
  } catch (err) {
    error = err;
  }
  if (error === null) throw new Error(`expected ${want.code} "${want.message}", but the call succeeded`);
  if (!isFullError(error)) throw error;
  assert.equal(error.message, want.message);
  assert.equal(error.code, want.code);
  assert.equal(typeof error.errno, "number");
  if (want.address !== undefined) assert.equal(error.address, want.address);
}

/** The next event of `type` on the socket's observer (zeromq.js's `captureEvent`). */
export function captureEvent(socket: { readonly events: zocket.Observer }, type: zocket.EventType) {
  return new Promise<Record<string, unknown>>((resolve) => {
    socket.events.on(type, (e) => resolve(e as unknown as Record<string, unknown>));
  });
}

/** Every event up to and including the first of `type` (zeromq.js's `captureEventsUntil`). */
export async function captureEventsUntil(
  socket: { events: AsyncIterable<{ type: string }> },
  type: string,
): Promise<{ type: string }[]> {
  const events: { type: string }[] = [];
  for await (const event of socket.events) {
    events.push(event);
    if (event.type === type) break;
  }
  return events;
}
