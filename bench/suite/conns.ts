// 10,000 idle tcp connections to one ROUTER: memory per connection in the
// ROUTER's process, and proof that the ROUTER keeps serving (an active DEALER's
// round-trip time before/after, plus a sample of the idle peers doing one
// round trip each at the end).
//
// The idle peers are raw node:net sockets that do a minimal ZMTP 3.0 NULL
// handshake as DEALER (greeting + READY) and then stay silent, so the client
// side costs little and does not depend on the library under test.
//
//   conns-router: -> ready{endpoint} <- go -> info{memory} <- go -> result <- exit
//   conns-clients: -> info{connect figures} <- go -> result <- exit

import { Buffer } from "node:buffer";
import { connect as netConnect } from "node:net";
import type { Socket } from "node:net";
import { closeQuietly, loadLib, sleep, tune } from "./common.ts";
import { CheckError } from "./payload.ts";
import type { ConnsSpec, ZSocket } from "./common.ts";
import { EXIT_WAIT_MS, type Channel, type RoleResult } from "./control.ts";
import { FLAG_COMMAND, FrameParser } from "./netframe.ts";

const PHASE_TIMEOUT_MS = 180_000;

function gc(): void {
  const g: unknown = Reflect.get(globalThis, "gc");
  if (typeof g === "function") g();
}

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(150);
  }
}

function memory(): Record<string, number> {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** ROUTER: echoes everything; reports memory before and after the idle peers. */
export async function connsRouter(spec: ConnsSpec, ch: Channel): Promise<void> {
  const lib = await loadLib(spec.lib);
  const sock = new lib.Router();
  try {
    tune(sock, 1000);
    try {
      sock.backlog = 4096;
    } catch {
      // option not supported: the client paces its connects anyway
    }
    await sock.bind(spec.endpoint);
    let served = 0;
    let stopped = false;
    const serve = (async (): Promise<void> => {
      while (!stopped) {
        let msg: Buffer[];
        try {
          msg = await sock.receive();
        } catch (e) {
          if (stopped) return;
          throw e;
        }
        served++;
        await sock.send(msg);
      }
    })();
    serve.catch((e: unknown) => ch.send({ t: "error", message: `ROUTER stopped serving: ${String(e)}` }));
    await settle();
    const before = memory();
    ch.send({ t: "ready", endpoint: sock.lastEndpoint ?? spec.endpoint });
    await ch.recv("go", PHASE_TIMEOUT_MS);
    await settle();
    await sleep(500);
    await settle();
    const after = memory();
    const data: Record<string, number> = {};
    for (const k of Object.keys(before)) {
      data[`${k}Before`] = before[k] ?? 0;
      data[`${k}After`] = after[k] ?? 0;
    }
    ch.send({ t: "info", data });
    await ch.recv("go", PHASE_TIMEOUT_MS);
    const r: RoleResult = { count: served, bytes: 0, elapsedMs: 0, extra: {} };
    ch.send({ t: "result", result: r });
    await ch.recv("exit", EXIT_WAIT_MS);
    stopped = true;
  } finally {
    closeQuietly(sock);
  }
}

// --- minimal ZMTP 3.0 NULL peer --------------------------------------------

function greeting(): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3; // version major
  g[11] = 0; // version minor
  g.write("NULL", 12, "latin1");
  return g; // as-server = 0, filler zero
}

function readyCommand(socketType: string): Buffer {
  const prop = (name: string, value: Buffer): Buffer => {
    const b = Buffer.alloc(1 + name.length + 4 + value.length);
    b[0] = name.length;
    b.write(name, 1, "latin1");
    b.writeUInt32BE(value.length, 1 + name.length);
    value.copy(b, 1 + name.length + 4);
    return b;
  };
  const body = Buffer.concat([
    Buffer.from([5]),
    Buffer.from("READY", "latin1"),
    prop("Socket-Type", Buffer.from(socketType, "latin1")),
    prop("Identity", Buffer.alloc(0)),
  ]);
  return Buffer.concat([Buffer.from([FLAG_COMMAND, body.length]), body]);
}

const HELLO = Buffer.concat([greeting(), readyCommand("DEALER")]);

interface Idle {
  sock: Socket;
  closed: boolean;
  /** Set while waiting for an echo of `expect`. */
  pending: { expect: number; resolve: () => void; reject: (e: Error) => void } | null;
}

/** Opens one raw connection and completes the handshake (router's READY received). */
function openIdle(endpoint: { host: string; port: number }, onClose: () => void): Promise<Idle> {
  return new Promise<Idle>((resolve, reject) => {
    const sock = netConnect(endpoint.port, endpoint.host);
    const idle: Idle = { sock, closed: false, pending: null };
    let greeted = false;
    let ready = false;
    let buf: Buffer = Buffer.alloc(0);
    const parser = new FrameParser((flags, _size, seq, body) => {
      if ((flags & FLAG_COMMAND) !== 0) {
        const b = Buffer.concat(body ?? []);
        if (b.length >= 6 && b.toString("latin1", 1, 6) === "READY" && !ready) {
          ready = true;
          resolve(idle);
        }
        return;
      }
      const p = idle.pending;
      if (p === null) return;
      idle.pending = null;
      if (seq === p.expect) p.resolve();
      else p.reject(new CheckError(`idle peer got echo ${seq}, expected ${p.expect}`));
    }, false);
    sock.on("data", (d: Buffer) => {
      if (!greeted) {
        buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
        if (buf.length < 64) return;
        if (buf[0] !== 0xff || buf[9] !== 0x7f) {
          sock.destroy(new Error("bad ZMTP greeting from ROUTER"));
          return;
        }
        greeted = true;
        const rest = buf.subarray(64);
        buf = Buffer.alloc(0);
        if (rest.length > 0) parser.push(rest);
        return;
      }
      parser.push(d);
    });
    sock.once("error", (e) => {
      if (!ready) reject(e);
    });
    sock.once("close", () => {
      idle.closed = true;
      idle.pending?.reject(new Error("idle connection closed"));
      if (!ready) reject(new Error("closed during handshake"));
      else onClose();
    });
    sock.once("connect", () => sock.write(HELLO));
  });
}

function pingIdle(idle: Idle, n: number, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      idle.pending = null;
      reject(new Error("idle peer: no echo"));
    }, timeoutMs);
    idle.pending = {
      expect: n,
      resolve: () => {
        clearTimeout(t);
        resolve();
      },
      reject: (e) => {
        clearTimeout(t);
        reject(e);
      },
    };
    const frame = Buffer.alloc(6);
    frame[0] = 0;
    frame[1] = 4;
    frame.writeUInt32LE(n, 2);
    idle.sock.write(frame);
  });
}

async function roundTrips(dealer: ZSocket, n: number, start: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(start + i, 0);
    await dealer.send(b);
    const [r] = await dealer.receive();
    if (r === undefined || r.length !== 8 || r.readUInt32LE(0) !== start + i)
      throw new CheckError("active DEALER: bad echo");
  }
  return ((performance.now() - t0) * 1000) / n;
}

/** The peers: one active DEALER of the library, and `connections` idle raw peers. */
export async function connsClients(spec: ConnsSpec, ch: Channel): Promise<void> {
  const lib = await loadLib(spec.lib);
  const m = /^tcp:\/\/(.+):(\d+)$/.exec(spec.endpoint);
  if (m === null || m[1] === undefined || m[2] === undefined) throw new Error(`bad endpoint ${spec.endpoint}`);
  const endpoint = { host: m[1], port: Number(m[2]) };
  const dealer = new lib.Dealer();
  const idles: Idle[] = [];
  let closedAfter = 0;
  try {
    tune(dealer, 1000);
    dealer.connect(spec.endpoint);
    await roundTrips(dealer, 10, 0); // warm-up
    const usBefore = await roundTrips(dealer, spec.roundTrips, 10);

    const t0 = performance.now();
    let next = 0;
    let retries = 0;
    const CONCURRENCY = 200;
    const worker = async (): Promise<void> => {
      while (next < spec.connections) {
        next++;
        for (let attempt = 0; ; attempt++) {
          try {
            idles.push(await openIdle(endpoint, () => closedAfter++));
            break;
          } catch (e) {
            if (attempt >= 5) throw e;
            retries++;
            await sleep(50 * (attempt + 1));
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const connectMs = performance.now() - t0;
    ch.send({ t: "info", data: { connected: idles.length, connectMs, retries, usBefore } });

    await ch.recv("go", PHASE_TIMEOUT_MS);
    await sleep(200);
    const usAfter = await roundTrips(dealer, spec.roundTrips, 10 + spec.roundTrips);
    const step = Math.max(1, Math.floor(idles.length / Math.max(1, spec.sample)));
    let sampled = 0;
    const pings: Promise<void>[] = [];
    for (let i = 0; i < idles.length && sampled < spec.sample; i += step, sampled++) {
      pings.push(pingIdle(idles[i] as Idle, i, 30_000));
    }
    await Promise.all(pings);
    const stillOpen = idles.filter((x) => !x.closed).length;
    const r: RoleResult = {
      count: sampled,
      bytes: 0,
      elapsedMs: 0,
      extra: { usAfter, stillOpen, closedAfter, sampledOk: sampled },
    };
    ch.send({ t: "result", result: r });
    await ch.recv("exit", EXIT_WAIT_MS);
  } finally {
    closeQuietly(dealer);
    for (const x of idles) x.sock.destroy();
  }
}
