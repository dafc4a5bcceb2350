// The roles of the bare node:net ceiling: the same benchmarks over plain sockets speaking just enough of
// ZMTP's framing (netframe.ts) to carry the same messages, each end of every pair benchmark.

import { Buffer } from "node:buffer";
import { createServer, connect as netConnect } from "node:net";
import type { Server, Socket } from "node:net";
import { unlinkSync } from "node:fs";
// The module binding, not the global: the global `performance` is a lazy getter, measurable at 8 B.
import { performance } from "node:perf_hooks";
import { netAddress, sleep, SETUP_TIMEOUT_MS } from "./common.ts";
import { SEQ_BYTES, writeSeq } from "./payload.ts";
import type { RoleSpec } from "./common.ts";
import type { Channel } from "./control.ts";
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

import { clockMask, finish, productionMs, result, Warmup, WARMUP_ROUND_TRIPS } from "./role-kit.ts";

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

export async function thrRecvNet(spec: RoleSpec, ch: Channel): Promise<void> {
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
export async function thrSendNet(spec: RoleSpec, ch: Channel): Promise<void> {
  const sock = await dial(spec.endpoint);
  const seq = await produceNet(spec, async (chunks) => {
    const w = writeBatch(sock, chunks);
    if (w !== null) await w;
  });
  await finish(ch, result(seq, seq * spec.size * spec.parts, 0), () => sock.destroy());
}

/** Echo server (latency and DEALER/ROUTER ceilings): parses frames, writes each back. */
export async function echoServerNet(spec: RoleSpec, ch: Channel): Promise<void> {
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
export async function echoClientNet(spec: RoleSpec, ch: Channel, window: number): Promise<void> {
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

export async function fanoutPubNet(spec: RoleSpec, ch: Channel): Promise<void> {
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

export async function fanoutSubNet(spec: RoleSpec, ch: Channel): Promise<void> {
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
