// Both ends of every pair benchmark, for a ZeroMQ library (zocket or
// zeromq.js, same API) and for the bare node:net ceiling. A role runs either in
// its own child process (tcp, ipc) or next to its peer in one process (inproc),
// and talks to the driver over a Channel:
//   binding role:     -> ready{endpoint}   ... -> result   <- exit
//   connecting role:  (fanout: -> ready, credit*)  -> result   <- exit

import { Buffer } from "node:buffer";
import { createServer, connect as netConnect } from "node:net";
import type { Server, Socket } from "node:net";
import { unlinkSync } from "node:fs";
// The module binding, not the global: the global `performance` is a lazy getter, measurable at 8 B.
import { performance } from "node:perf_hooks";
import {
  Checker,
  CheckError,
  closeQuietly,
  loadLib,
  makeEnd,
  makeFrame,
  makeMessage,
  netAddress,
  SEQ_BYTES,
  sleep,
  tune,
  writeSeq,
  SETUP_TIMEOUT_MS,
} from "./common.ts";
import type { Channel, RoleResult, RoleSpec, ZSocket } from "./common.ts";
import {
  BIG_BODY,
  Batcher,
  FLAG_COMMAND,
  FLAG_MORE,
  FrameParser,
  NetChecker,
  endFrameBody,
  headerSize,
  writeBatch,
  writeHeader,
} from "./netframe.ts";

export type RoleName =
  "thr-recv" | "thr-send" | "lat-server" | "lat-client" | "dr-router" | "dr-dealer" | "fanout-pub" | "fanout-sub";

export type RoleFn = (spec: RoleSpec, ch: Channel) => Promise<void>;

/** How long a finished role waits for the driver's "exit" before giving up. */
const EXIT_WAIT_MS = 120_000;

function result(count: number, bytes: number, elapsedMs: number, extra: Record<string, number> = {}): RoleResult {
  return { count, bytes, elapsedMs, extra };
}

/**
 * Where the timed part of a measurement starts: `warmupMs` after its first message (see
 * `CaseSpec.warmupMs`), with the running totals at that point. While warming up the clock is read every
 * `mask + 1` events; once timing has started, not at all.
 */
class Warmup {
  #first = 0;
  started = false;
  t0 = 0;
  #count0 = 0;
  #bytes0 = 0;

  constructor(
    private readonly ms: number,
    private readonly mask: number,
  ) {}

  /** A message is here: the first one starts the warm-up (or, without one, the timed part). */
  arrived(): void {
    if (this.#first !== 0) return;
    this.#first = performance.now();
    if (this.ms <= 0) {
      this.started = true;
      this.t0 = this.#first;
    }
  }

  /** `count` messages and `bytes` so far: starts the timed part once the warm-up has passed. */
  step(count: number, bytes: number): void {
    if ((count & this.mask) !== 0) return;
    const now = performance.now();
    if (now - this.#first < this.ms) return;
    this.started = true;
    this.t0 = now;
    this.#count0 = count;
    this.#bytes0 = bytes;
  }

  /**
   * After each event of a run that stops itself: warms up (see {@link step}), then true once the timed
   * part has lasted `durationMs`.
   */
  ended(count: number, bytes: number, durationMs: number): boolean {
    if (!this.started) {
      this.step(count, bytes);
      return false;
    }
    return (count & this.mask) === 0 && performance.now() - this.t0 >= durationMs;
  }

  /**
   * The timed part's figures, up to `t1`, with everything in `extra.total` (for the cross-checks) unless
   * `extra` gives its own. If the run ended within the warm-up, all of it counts.
   */
  result(count: number, bytes: number, t1: number, extra: Record<string, number> = {}): RoleResult {
    if (!this.started) {
      this.t0 = this.#first;
      this.#count0 = 0;
      this.#bytes0 = 0;
    }
    return result(count - this.#count0, bytes - this.#bytes0, t1 - this.t0, { total: count, ...extra });
  }
}

/** How long a producer produces: the warm-up, then the timed part. */
function productionMs(spec: RoleSpec): number {
  return spec.warmupMs + spec.durationMs;
}

/**
 * Big single-part messages over tcp/ipc come from a ring of buffers, the way the net ceiling reuses its
 * template and an application reuses its buffers: a fresh 64 KiB-1 MiB allocation per message would
 * measure the garbage collector (external-memory GCs every few ms) rather than the transport. The ring
 * is longer than everything a library may still hold: the send HWM plus what is being written (about
 * 256 KiB in zocket) plus a margin. Reuse is checked, not assumed: a buffer rewritten while still queued
 * would arrive with a later sequence number, and the receiver's order check fails the cell.
 */
export class BigRing {
  readonly #ring: Buffer[] = [];
  readonly #length: number;

  constructor(
    readonly size: number,
    hwm: number,
  ) {
    this.#length = hwm + 4 + Math.ceil((1024 * 1024) / size);
  }

  next(seq: number): Buffer {
    const i = seq % this.#length;
    const b = (this.#ring[i] ??= Buffer.alloc(this.size));
    writeSeq(b, seq, 0);
    return b;
  }
}

const rings = new WeakMap<RoleSpec, BigRing>();

/**
 * The next message to send: a fresh Buffer for small single-part messages (no array to build and
 * unwrap), a ring buffer for big ones, fresh parts for multipart messages.
 */
function outgoing(spec: RoleSpec, seq: number): Buffer | Buffer[] {
  if (spec.parts !== 1) return makeMessage(spec.size, spec.parts, seq);
  // inproc passes buffers by reference through both ends' queues (zeromq.js too, for big buffers), and
  // there is no ceiling to compare with: fresh buffers there, as an application would allocate them.
  if (spec.size < BIG_BODY || spec.transport === "inproc") return makeFrame(spec.size, seq);
  let ring = rings.get(spec);
  if (ring === undefined) rings.set(spec, (ring = new BigRing(spec.size, spec.hwm)));
  return ring.next(seq);
}

/** Checking the clock every message is cheap for big messages, not for 8 B ones. */
function clockMask(spec: RoleSpec): number {
  return spec.size * spec.parts >= 4096 ? 0 : 31;
}

async function finish(ch: Channel, r: RoleResult, cleanup: () => void): Promise<void> {
  ch.send({ t: "result", result: r });
  try {
    await ch.recv("exit", EXIT_WAIT_MS);
  } finally {
    cleanup();
  }
}

// ---------------------------------------------------------------------------
// ZeroMQ libraries.

async function bound(sock: ZSocket, spec: RoleSpec, ch: Channel): Promise<void> {
  await sock.bind(spec.endpoint);
  const ep = spec.transport === "inproc" ? spec.endpoint : (sock.lastEndpoint ?? spec.endpoint);
  ch.send({ t: "ready", endpoint: ep });
}

/**
 * The "curve" cells' keys (Z85), fixed so that both roles know them; the same for every library. The PULL
 * is the CURVE server, the PUSH the client, as in bench/scenarios/curve.bench.ts.
 */
const CURVE_KEYS = {
  serverPublic: "M#qHz8i]bWi$K>)EG8xiv5[.<]6{FN@SST{L..Na",
  serverSecret: "2R]mB*Bpvu-aF%Nhz=V2D*knpdl]WD(+P<-H(h*>",
  clientPublic: "XR9y$8o$M%ge4LP.3R5vlenpR<k1ywd?zJDs%^fh",
  clientSecret: "2Z<3[bdRV%jv}QfU-vvak$sG*SlkF(O7^M3o8!DS",
} as const;

/** Both libraries define the CURVE options as properties of every socket. */
function setCurve(sock: ZSocket, spec: RoleSpec, server: boolean): void {
  if (spec.bench !== "curve") return;
  const s = sock as unknown as Record<string, unknown>;
  if (server) {
    s["curveServer"] = true;
    s["curveSecretKey"] = CURVE_KEYS.serverSecret;
  } else {
    s["curveServerKey"] = CURVE_KEYS.serverPublic;
    s["curvePublicKey"] = CURVE_KEYS.clientPublic;
    s["curveSecretKey"] = CURVE_KEYS.clientSecret;
  }
}

/** PULL: binds, measures from the end of the warm-up (counted from its first message) to the END marker. */
async function thrRecvZmq(spec: RoleSpec, ch: Channel): Promise<void> {
  const lib = await loadLib(spec.lib);
  const sock = new lib.Pull();
  try {
    tune(sock, spec.hwm);
    setCurve(sock, spec, true);
    await bound(sock, spec, ch);
    const chk = new Checker(spec.size, spec.parts, "PULL");
    const warm = new Warmup(spec.warmupMs, clockMask(spec));
    const first = await sock.receive();
    warm.arrived();
    if (chk.check(first)) {
      for (;;) {
        if (!warm.started) warm.step(chk.count, chk.bytes);
        if (!chk.check(await sock.receive())) break;
      }
    }
    const t1 = performance.now();
    await finish(ch, warm.result(chk.count, chk.bytes, t1), () => closeQuietly(sock));
  } finally {
    closeQuietly(sock);
  }
}

/** PUSH: connects, sends for durationMs, then the END marker. */
async function thrSendZmq(spec: RoleSpec, ch: Channel): Promise<void> {
  const lib = await loadLib(spec.lib);
  const sock = new lib.Push();
  try {
    tune(sock, spec.hwm);
    setCurve(sock, spec, false);
    sock.connect(spec.endpoint);
    const mask = clockMask(spec);
    const deadline = performance.now() + productionMs(spec);
    let seq = 0;
    for (;;) {
      await sock.send(outgoing(spec, seq));
      seq++;
      if ((seq & mask) === 0 && performance.now() >= deadline) break;
    }
    await sock.send(makeEnd(seq, spec.parts));
    await finish(ch, result(seq, seq * spec.size * spec.parts, 0), () => closeQuietly(sock));
  } finally {
    closeQuietly(sock);
  }
}

/**
 * The echo end of lat (REP) and dr (ROUTER): sends every message back as it came, checks order; the
 * ROUTER's messages carry the identity frame first (`skip` 1).
 */
async function echoServerZmq(spec: RoleSpec, ch: Channel, type: "Reply" | "Router", skip: number): Promise<void> {
  const lib = await loadLib(spec.lib);
  const sock = new lib[type]();
  try {
    tune(sock, spec.hwm);
    await bound(sock, spec, ch);
    const chk = new Checker(spec.size, spec.parts, type === "Reply" ? "REP" : "ROUTER");
    for (;;) {
      const msg = await sock.receive();
      const data = chk.check(msg, skip);
      await sock.send(msg);
      if (!data) break;
    }
    await finish(ch, result(chk.count, chk.bytes, 0), () => closeQuietly(sock));
  } finally {
    closeQuietly(sock);
  }
}

/** REP: echoes every message, checks order. */
function latServerZmq(spec: RoleSpec, ch: Channel): Promise<void> {
  return echoServerZmq(spec, ch, "Reply", 0);
}

const WARMUP_ROUND_TRIPS = 5;

/** REQ: round trips for durationMs, µs per round trip. */
async function latClientZmq(spec: RoleSpec, ch: Channel): Promise<void> {
  const lib = await loadLib(spec.lib);
  const sock = new lib.Request();
  try {
    tune(sock, spec.hwm);
    sock.connect(spec.endpoint);
    const chk = new Checker(spec.size, spec.parts, "REQ");
    let seq = 0;
    const roundTrip = async (): Promise<void> => {
      await sock.send(outgoing(spec, seq++));
      if (!chk.check(await sock.receive())) throw new CheckError("REQ: unexpected END");
    };
    for (let i = 0; i < WARMUP_ROUND_TRIPS; i++) await roundTrip();
    const warm = new Warmup(spec.warmupMs, 0);
    warm.arrived();
    const bytes = spec.size * spec.parts;
    let n = 0;
    do {
      await roundTrip();
      n++;
    } while (!warm.ended(n, n * bytes, spec.durationMs));
    const t1 = performance.now();
    await sock.send(makeEnd(seq, spec.parts));
    if (chk.check(await sock.receive())) throw new CheckError("REQ: END was not echoed");
    await finish(ch, warm.result(n, n * bytes, t1, { total: seq }), () => closeQuietly(sock));
  } finally {
    closeQuietly(sock);
  }
}

/** ROUTER: echoes [identity, ...msg] back, checks order. */
function drRouterZmq(spec: RoleSpec, ch: Channel): Promise<void> {
  return echoServerZmq(spec, ch, "Router", 1);
}

/** DEALER: keeps `window` requests in flight for the warm-up and durationMs; round trips per second. */
async function drDealerZmq(spec: RoleSpec, ch: Channel): Promise<void> {
  const lib = await loadLib(spec.lib);
  const sock = new lib.Dealer();
  try {
    tune(sock, spec.hwm);
    sock.connect(spec.endpoint);
    const chk = new Checker(spec.size, spec.parts, "DEALER");
    let seq = 0;
    // One round trip first (connection set-up), not timed.
    await sock.send(outgoing(spec, seq++));
    if (!chk.check(await sock.receive())) throw new CheckError("DEALER: unexpected END");
    const warm = new Warmup(spec.warmupMs, 15);
    warm.arrived();
    const bytes = spec.size * spec.parts;
    let sent = 0;
    let recvd = 0;
    let stop = false;
    for (; sent < spec.window; sent++) await sock.send(outgoing(spec, seq++));
    while (recvd < sent) {
      if (!chk.check(await sock.receive())) throw new CheckError("DEALER: unexpected END");
      recvd++;
      if (!stop) {
        stop = warm.ended(recvd, recvd * bytes, spec.durationMs);
        if (!stop) {
          await sock.send(outgoing(spec, seq++));
          sent++;
        }
      }
    }
    const t1 = performance.now();
    await sock.send(makeEnd(seq, spec.parts));
    if (chk.check(await sock.receive())) throw new CheckError("DEALER: END was not echoed");
    await finish(ch, warm.result(recvd, recvd * bytes, t1, { total: seq }), () => closeQuietly(sock));
  } finally {
    closeQuietly(sock);
  }
}

/** A credit window: the publisher may send message i only when i < acked + window. */
class Credit {
  acked = 0;
  private wake: (() => void) | null = null;

  constructor(ch: Channel) {
    ch.on("credit", (m) => {
      if (m.n > this.acked) this.acked = m.n;
      const w = this.wake;
      this.wake = null;
      w?.();
    });
  }

  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }
}

/**
 * PUB: sends empty sync messages until every subscriber got one (slow joiner),
 * then data under a credit window (so PUB never drops at its HWM), then END.
 */
async function fanoutPubZmq(spec: RoleSpec, ch: Channel): Promise<void> {
  const lib = await loadLib(spec.lib);
  const sock = new lib.Publisher();
  try {
    tune(sock, spec.hwm);
    await bound(sock, spec, ch);
    const syncUntil = performance.now() + SETUP_TIMEOUT_MS;
    while (ch.tryRecv("start") === undefined) {
      if (performance.now() > syncUntil) throw new Error("PUB: subscribers never became ready");
      await sock.send(Buffer.alloc(0));
      await sleep(2);
    }
    const credit = new Credit(ch);
    const mask = clockMask(spec);
    const deadline = performance.now() + productionMs(spec);
    let seq = 0;
    for (;;) {
      while (seq >= credit.acked + spec.window) await credit.wait();
      await sock.send(outgoing(spec, seq));
      seq++;
      if ((seq & mask) === 0 && performance.now() >= deadline) break;
    }
    await sock.send(makeEnd(seq, spec.parts));
    await finish(ch, result(seq, seq * spec.size * spec.parts, 0), () => closeQuietly(sock));
  } finally {
    closeQuietly(sock);
  }
}

/** Tracks when all subscribers passed each multiple of `step`, and grants credit. */
class Acker {
  private readonly reached = new Map<number, number>();

  constructor(
    private readonly subscribers: number,
    readonly step: number,
    private readonly ch: Channel,
  ) {}

  passed(count: number): void {
    if (count % this.step !== 0) return;
    const r = (this.reached.get(count) ?? 0) + 1;
    if (r === this.subscribers) {
      this.reached.delete(count);
      this.ch.send({ t: "credit", n: count });
    } else {
      this.reached.set(count, r);
    }
  }
}

/** N SUB sockets in one process; measures deliveries per second. */
async function fanoutSubZmq(spec: RoleSpec, ch: Channel): Promise<void> {
  const lib = await loadLib(spec.lib);
  const subs: ZSocket[] = [];
  try {
    for (let i = 0; i < spec.subscribers; i++) {
      const s = new lib.Subscriber();
      subs.push(s);
      tune(s, spec.hwm);
      s.subscribe();
      s.connect(spec.endpoint);
    }
    const acker = new Acker(spec.subscribers, Math.max(1, Math.floor(spec.window / 4)), ch);
    let ready = 0;
    // Deliveries over all subscribers, for the warm-up.
    let delivered = 0;
    const warm = new Warmup(spec.warmupMs, clockMask(spec));
    const bytes = spec.size * spec.parts;
    const markReady = (): void => {
      if (++ready === spec.subscribers) ch.send({ t: "ready", endpoint: spec.endpoint });
    };
    const loops = subs.map(async (s, idx) => {
      const chk = new Checker(spec.size, spec.parts, `SUB ${idx}`);
      let isReady = false;
      for (;;) {
        const msg = await s.receive();
        if (msg.length === 1 && (msg[0] as Buffer).length === 0) {
          if (!isReady) {
            isReady = true;
            markReady();
          }
          continue;
        }
        if (!isReady) throw new CheckError(`SUB ${idx}: data before sync`);
        warm.arrived();
        if (!chk.check(msg)) break;
        delivered++;
        if (!warm.started) warm.step(delivered, delivered * bytes);
        acker.passed(chk.count);
      }
      return chk;
    });
    const checkers = await Promise.all(loops);
    const t1 = performance.now();
    let count = 0;
    for (const c of checkers) count += c.count;
    await finish(ch, warm.result(count, count * bytes, t1, { perSubscriber: checkers[0]?.count ?? 0 }), () =>
      subs.forEach(closeQuietly),
    );
  } finally {
    subs.forEach(closeQuietly);
  }
}

// ---------------------------------------------------------------------------
// The node:net ceiling.

async function listen(spec: RoleSpec, ch: Channel): Promise<Server> {
  const server = createServer();
  const addr = netAddress(spec.endpoint);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if ("path" in addr) {
      try {
        unlinkSync(addr.path);
      } catch {
        // not there
      }
      server.listen(addr.path, () => resolve());
    } else {
      server.listen(addr.port, addr.host, () => resolve());
    }
  });
  const a = server.address();
  const endpoint = typeof a === "string" ? `ipc://${a}` : a === null ? spec.endpoint : `tcp://127.0.0.1:${a.port}`;
  ch.send({ t: "ready", endpoint });
  return server;
}

function accept(server: Server): Promise<Socket> {
  return new Promise((resolve) => {
    server.once("connection", (c: Socket) => {
      c.setNoDelay(true);
      resolve(c);
    });
  });
}

async function dial(endpoint: string): Promise<Socket> {
  const addr = netAddress(endpoint);
  const sock = "path" in addr ? netConnect(addr.path) : netConnect(addr.port, addr.host);
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", () => {
      sock.off("error", reject);
      resolve();
    });
    sock.once("error", reject);
  });
  sock.setNoDelay(true);
  return sock;
}

function closeServer(server: Server, spec: RoleSpec): void {
  server.close();
  const addr = netAddress(spec.endpoint);
  if ("path" in addr) {
    try {
      unlinkSync(addr.path);
    } catch {
      // gone
    }
  }
}

/** Runs a parser on a connection until `done()` says so; rejects on check errors or close. */
function consume(conn: Socket, parser: FrameParser, done: () => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer): void => {
      try {
        conn.cork();
        parser.push(b);
        conn.uncork();
      } catch (e) {
        conn.off("data", onData);
        reject(e);
        return;
      }
      if (done()) {
        conn.off("data", onData);
        resolve();
      }
    };
    conn.on("data", onData);
    conn.once("error", reject);
    conn.once("close", () => {
      if (!done()) reject(new Error("connection closed early"));
    });
  });
}

/**
 * Writes all frames of one message: small ones in a single buffer; for big
 * bodies only header + sequence number are fresh, the rest of the body is the
 * template's tail by reference (never modified), like zero-copy sends.
 */
function writeMessage(sock: Socket, size: number, parts: number, seq: number, template: Buffer): void {
  if (size >= SEQ_BYTES) writeSeq(template, seq, 0);
  const h = headerSize(size);
  if (size < BIG_BODY) {
    const out = Buffer.allocUnsafe((h + size) * parts);
    let off = 0;
    for (let p = 0; p < parts; p++) {
      off = writeHeader(out, off, p < parts - 1 ? FLAG_MORE : 0, size);
      template.copy(out, off);
      off += size;
    }
    sock.write(out);
    return;
  }
  const tail = template.subarray(SEQ_BYTES);
  sock.cork();
  for (let p = 0; p < parts; p++) {
    const head = Buffer.allocUnsafe(h + SEQ_BYTES);
    writeHeader(head, 0, p < parts - 1 ? FLAG_MORE : 0, size);
    template.copy(head, h, 0, SEQ_BYTES);
    sock.write(head);
    sock.write(tail);
  }
  sock.uncork();
}

function endFrames(count: number): Buffer {
  const body = endFrameBody(count);
  const out = Buffer.allocUnsafe(2 + body.length);
  writeHeader(out, 0, FLAG_COMMAND, body.length);
  body.copy(out, 2);
  return out;
}

async function thrRecvNet(spec: RoleSpec, ch: Channel): Promise<void> {
  const server = await listen(spec, ch);
  const conn = await accept(server);
  const chk = new NetChecker(spec.size, spec.parts, "net recv");
  const warm = new Warmup(spec.warmupMs, clockMask(spec));
  let t1 = 0;
  const parser = new FrameParser((flags, size, seq, body) => {
    warm.arrived();
    chk.frame(flags, size, seq, body);
    if (!warm.started) warm.step(chk.count, chk.bytes);
    if (chk.ended) t1 = performance.now();
  }, false);
  await consume(conn, parser, () => chk.ended);
  await finish(ch, warm.result(chk.count, chk.bytes, t1), () => {
    conn.destroy();
    closeServer(server, spec);
  });
}

/**
 * The ceiling's producer: the template's frames (sequence number in front) batched into 64 KiB chunks and
 * handed to `write` as they fill, for the warm-up and durationMs; then the END command. Returns the count.
 */
async function produceNet(spec: RoleSpec, write: (chunks: Buffer[]) => Promise<void>): Promise<number> {
  const queue: Buffer[] = [];
  const batcher = new Batcher((c) => queue.push(c));
  const template = Buffer.alloc(spec.size);
  const deadline = performance.now() + productionMs(spec);
  const last = spec.parts - 1;
  let seq = 0;
  for (;;) {
    if (spec.size >= SEQ_BYTES) writeSeq(template, seq, 0);
    for (let p = 0; p < spec.parts; p++) batcher.push(p < last ? FLAG_MORE : 0, template);
    seq++;
    if (queue.length > 0) {
      await write(queue.splice(0));
      if (performance.now() >= deadline) break;
    }
  }
  batcher.push(FLAG_COMMAND, endFrameBody(seq));
  batcher.flush();
  await write(queue.splice(0));
  return seq;
}

/** Pre-framed frames copied into 64 KiB chunks, written with backpressure. */
async function thrSendNet(spec: RoleSpec, ch: Channel): Promise<void> {
  const sock = await dial(spec.endpoint);
  const seq = await produceNet(spec, async (chunks) => {
    const w = writeBatch(sock, chunks);
    if (w !== null) await w;
  });
  await finish(ch, result(seq, seq * spec.size * spec.parts, 0), () => sock.destroy());
}

/** Echo server (latency and DEALER/ROUTER ceilings): parses frames, writes each back. */
async function echoServerNet(spec: RoleSpec, ch: Channel): Promise<void> {
  const server = await listen(spec, ch);
  const conn = await accept(server);
  const chk = new NetChecker(spec.size, spec.parts, "net echo");
  const parser = new FrameParser((flags, size, seq, body) => {
    chk.frame(flags, size, seq, body);
    const h = Buffer.allocUnsafe(headerSize(size));
    writeHeader(h, 0, flags & (FLAG_MORE | FLAG_COMMAND), size);
    conn.write(h);
    for (const b of body ?? []) conn.write(b);
  }, true);
  await consume(conn, parser, () => chk.ended);
  await finish(ch, result(chk.count, chk.bytes, 0), () => {
    conn.destroy();
    closeServer(server, spec);
  });
}

/**
 * Client of the echo server: keeps `window` messages in flight (1 for the
 * latency ping-pong) for the warm-up and durationMs.
 */
async function echoClientNet(spec: RoleSpec, ch: Channel, window: number): Promise<void> {
  const sock = await dial(spec.endpoint);
  const chk = new NetChecker(spec.size, spec.parts, "net client");
  const template = Buffer.alloc(spec.size);
  let seq = 0;
  let recvd = 0;
  let sent = 0;
  let stop = false;
  let t1 = 0;
  let setUp = true;
  const mask = window === 1 ? 0 : 15;
  const warm = new Warmup(spec.warmupMs, mask);
  const bytes = spec.size * spec.parts;
  const parser = new FrameParser((flags, size, s, body) => {
    if (!chk.frame(flags, size, s, body)) return;
    if (setUp) {
      if (chk.count === WARMUP_ROUND_TRIPS) {
        setUp = false;
        warm.arrived();
        for (; sent < window; sent++) writeMessage(sock, spec.size, spec.parts, seq++, template);
      } else {
        writeMessage(sock, spec.size, spec.parts, seq++, template);
      }
      return;
    }
    recvd++;
    if (!stop) {
      stop = warm.ended(recvd, recvd * bytes, spec.durationMs);
      if (!stop) {
        writeMessage(sock, spec.size, spec.parts, seq++, template);
        sent++;
      }
    }
    if (stop && recvd === sent) {
      t1 = performance.now();
      sock.write(endFrames(seq));
    }
  }, false);
  writeMessage(sock, spec.size, spec.parts, seq++, template);
  await consume(sock, parser, () => chk.ended);
  await finish(ch, warm.result(recvd, recvd * bytes, t1, { total: seq }), () => sock.destroy());
}

async function fanoutPubNet(spec: RoleSpec, ch: Channel): Promise<void> {
  const server = await listen(spec, ch);
  const conns: Socket[] = [];
  server.on("connection", (c: Socket) => {
    c.setNoDelay(true);
    conns.push(c);
  });
  await ch.recv("start", SETUP_TIMEOUT_MS);
  const until = performance.now() + SETUP_TIMEOUT_MS;
  while (conns.length < spec.subscribers) {
    if (performance.now() > until) throw new Error("net pub: subscribers did not connect");
    await sleep(1);
  }
  const seq = await produceNet(spec, async (chunks) => {
    const waits: Promise<void>[] = [];
    for (const conn of conns) {
      const w = writeBatch(conn, chunks);
      if (w !== null) waits.push(w);
    }
    if (waits.length > 0) await Promise.all(waits);
  });
  await finish(ch, result(seq, seq * spec.size * spec.parts, 0), () => {
    for (const c of conns) c.destroy();
    closeServer(server, spec);
  });
}

async function fanoutSubNet(spec: RoleSpec, ch: Channel): Promise<void> {
  const socks = await Promise.all(Array.from({ length: spec.subscribers }, () => dial(spec.endpoint)));
  try {
    // Deliveries over all subscribers, for the warm-up.
    let delivered = 0;
    const warm = new Warmup(spec.warmupMs, clockMask(spec));
    const bytes = spec.size * spec.parts;
    const checkers: NetChecker[] = [];
    const runs = socks.map((s, idx) => {
      const chk = new NetChecker(spec.size, spec.parts, `net sub ${idx}`);
      checkers.push(chk);
      const parser = new FrameParser((flags, size, seq, body) => {
        warm.arrived();
        if (chk.frame(flags, size, seq, body) && !warm.started) warm.step(++delivered, delivered * bytes);
      }, false);
      return consume(s, parser, () => chk.ended);
    });
    ch.send({ t: "ready", endpoint: spec.endpoint });
    await Promise.all(runs);
    const t1 = performance.now();
    let count = 0;
    for (const c of checkers) count += c.count;
    await finish(ch, warm.result(count, count * bytes, t1, { perSubscriber: checkers[0]?.count ?? 0 }), () => {
      for (const s of socks) s.destroy();
    });
  } finally {
    for (const s of socks) s.destroy();
  }
}

// ---------------------------------------------------------------------------

/**
 * The role for each library: zocket and zeromq.js share one, native libzmq runs bench/suite/native/zmqperf.c.
 * bench/suite/native.ts is loaded only by a libzmq role's worker, so the JavaScript libraries' workers load
 * and compile exactly what they did before the libzmq column existed.
 */
function byLib(role: RoleName, zmq: RoleFn, net: RoleFn): RoleFn {
  return async (spec, ch) => {
    if (spec.lib === "net") return net(spec, ch);
    if (spec.lib === "libzmq") return (await import("./native.ts")).nativeRole(role)(spec, ch);
    return zmq(spec, ch);
  };
}

export const ROLES: Readonly<Record<RoleName, RoleFn>> = {
  "thr-recv": byLib("thr-recv", thrRecvZmq, thrRecvNet),
  "thr-send": byLib("thr-send", thrSendZmq, thrSendNet),
  "lat-server": byLib("lat-server", latServerZmq, echoServerNet),
  "lat-client": byLib("lat-client", latClientZmq, (s, c) => echoClientNet(s, c, 1)),
  "dr-router": byLib("dr-router", drRouterZmq, echoServerNet),
  "dr-dealer": byLib("dr-dealer", drDealerZmq, (s, c) => echoClientNet(s, c, s.window)),
  "fanout-pub": byLib("fanout-pub", fanoutPubZmq, fanoutPubNet),
  "fanout-sub": byLib("fanout-sub", fanoutSubZmq, fanoutSubNet),
};

export function isRoleName(s: string): s is RoleName {
  return Object.hasOwn(ROLES, s);
}
