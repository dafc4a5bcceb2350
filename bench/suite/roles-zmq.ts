// The roles of a ZeroMQ library (zocket or zeromq.js, one API), each end of every pair benchmark: see
// roles.ts for how a role runs and talks to the driver.

import { Buffer } from "node:buffer";
// The module binding, not the global: the global `performance` is a lazy getter, measurable at 8 B.
import { performance } from "node:perf_hooks";
import { closeQuietly, loadLib, sleep, tune, SETUP_TIMEOUT_MS } from "./common.ts";
import { Checker, CheckError, makeEnd } from "./payload.ts";
import type { RoleSpec, ZSocket } from "./common.ts";
import type { Channel } from "./control.ts";
import { clockMask, finish, outgoing, productionMs, result, Warmup, WARMUP_ROUND_TRIPS } from "./role-kit.ts";

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
export async function thrRecvZmq(spec: RoleSpec, ch: Channel): Promise<void> {
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
export async function thrSendZmq(spec: RoleSpec, ch: Channel): Promise<void> {
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
export function latServerZmq(spec: RoleSpec, ch: Channel): Promise<void> {
  return echoServerZmq(spec, ch, "Reply", 0);
}

/** REQ: round trips for durationMs, µs per round trip. */
export async function latClientZmq(spec: RoleSpec, ch: Channel): Promise<void> {
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
export function drRouterZmq(spec: RoleSpec, ch: Channel): Promise<void> {
  return echoServerZmq(spec, ch, "Router", 1);
}

/** DEALER: keeps `window` requests in flight for the warm-up and durationMs; round trips per second. */
export async function drDealerZmq(spec: RoleSpec, ch: Channel): Promise<void> {
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
export async function fanoutPubZmq(spec: RoleSpec, ch: Channel): Promise<void> {
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
export async function fanoutSubZmq(spec: RoleSpec, ch: Channel): Promise<void> {
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
