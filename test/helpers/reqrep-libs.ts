/**
 * A common view of zocket and the `zeromq` package (libzmq 4.3.5) for the request-reply tests, so one
 * behavioural test runs against both: where they differ, zocket is wrong (unless libzmq's documented
 * behaviour says otherwise).
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "zeromq";
import * as zocket from "../../src/index.ts";

export type Frame = string | Buffer;

export interface Sock {
  linger: number;
  receiveTimeout: number;
  sendTimeout: number;
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  reconnectInterval: number;
  immediate: boolean;
  readonly lastEndpoint: string | null;
  readonly closed: boolean;
  bind(address: string): Promise<void>;
  connect(address: string): void;
  close(): void;
  send(message: Frame | Frame[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}

export interface ReqSock extends Sock {
  routingId: string | null;
  probeRouter: boolean;
  correlate: boolean;
  relaxed: boolean;
}
export interface RepSock extends Sock {
  routingId: string | null;
}
export interface DealerSock extends Sock {
  routingId: string | null;
  probeRouter: boolean;
}
export interface RouterSock extends Sock {
  routingId: string | null;
  mandatory: boolean;
  probeRouter: boolean;
  handover: boolean;
  connect(address: string, options?: { routingId?: string }): void;
}
export interface StreamSock extends Sock {
  notify: boolean;
  connect(address: string, options?: { routingId?: string }): void;
}

export interface Lib {
  name: "zocket" | "zeromq";
  Request: new () => ReqSock;
  Reply: new () => RepSock;
  Dealer: new () => DealerSock;
  Router: new () => RouterSock;
  Stream: new () => StreamSock;
}

export const ZOCKET: Lib = {
  name: "zocket",
  Request: zocket.Request as unknown as Lib["Request"],
  Reply: zocket.Reply as unknown as Lib["Reply"],
  Dealer: zocket.Dealer as unknown as Lib["Dealer"],
  Router: zocket.Router as unknown as Lib["Router"],
  Stream: zocket.Stream as unknown as Lib["Stream"],
};

export const ZEROMQ: Lib = {
  name: "zeromq",
  Request: zmq.Request as unknown as Lib["Request"],
  Reply: zmq.Reply as unknown as Lib["Reply"],
  Dealer: zmq.Dealer as unknown as Lib["Dealer"],
  Router: zmq.Router as unknown as Lib["Router"],
  Stream: zmq.Stream as unknown as Lib["Stream"],
};

export const LIBS: readonly Lib[] = [ZOCKET, ZEROMQ];

export type Transport = "tcp" | "ipc" | "inproc";
export const TRANSPORTS: readonly Transport[] = ["tcp", "ipc", "inproc"];

let counter = 0;
const ipcPaths: string[] = [];
// libzmq unlinks its ipc file in its I/O thread after close(), which may not happen before we exit.
process.on("exit", () => {
  for (const p of ipcPaths) rmSync(p, { force: true });
});

/** A fresh bind endpoint for `transport` (tcp: an ephemeral port; ipc: a unique path; inproc: a unique name). */
export function endpoint(transport: Transport, tag: string): string {
  counter++;
  if (transport === "tcp") return "tcp://127.0.0.1:*";
  if (transport === "ipc") {
    const path = join(tmpdir(), `zocket-${tag}-${process.pid}-${counter}.sock`);
    ipcPaths.push(path);
    return `ipc://${path}`;
  }
  return `inproc://${tag}-${process.pid}-${counter}`;
}

/** Reject with a clear message if `p` has not settled within `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** The `code` of a rejection, or "resolved". */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "resolved";
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
}

/** The code thrown by `fn`, or "ok". */
export function thrownCode(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
}

/** Receive with a deadline: undefined if nothing arrives within `ms` (for "must not be delivered" checks). */
export async function receiveOrNothing(sock: Sock, ms: number): Promise<Buffer[] | undefined> {
  const before = sock.receiveTimeout;
  sock.receiveTimeout = ms;
  try {
    return await sock.receive();
  } catch (err) {
    if ((err as { code?: string }).code === "EAGAIN") return undefined;
    throw err;
  } finally {
    if (!sock.closed) sock.receiveTimeout = before;
  }
}

/** Close every socket given (ignoring already closed ones). */
export function closeAll(...socks: (Sock | undefined)[]): void {
  for (const s of socks) if (s && !s.closed) s.close();
}

export const str = (m: Buffer[]): string[] => m.map((f) => f.toString());

/** Make a socket with linger 0 (tests must never wait on undeliverable messages when closing). */
export function make<T extends Sock>(ctor: new () => T, options: Partial<T> = {}): T {
  const s = new ctor();
  s.linger = 0;
  Object.assign(s, options);
  return s;
}
