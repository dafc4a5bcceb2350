// What the benchmark driver measures (one Case per bench, transport and size) and the figures each
// library's runs of a case reduce to.

import { median } from "./common.ts";
import type { LibName, PairBench, Transport } from "./common.ts";
import type { Measurement } from "./control.ts";
import { FANOUT_MAX_SIZE, type Options } from "./args.ts";

// --- what to measure ------------------------------------------------------------

export interface Case {
  bench: PairBench;
  transport: Transport;
  size: number;
  parts: number;
  hwm: number;
  window: number;
  subscribers: number;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}

/** HWM (messages) bounded so that one queue holds at most ~64 MiB. */
function hwmFor(size: number, parts: number): number {
  return clamp(Math.floor((64 * 1024 * 1024) / (size * parts)), 16, 1000);
}

export function casesOf(o: Options): Case[] {
  const out: Case[] = [];
  const pairBenches = o.only.filter((b): b is PairBench => b !== "conns" && b !== "burst" && b !== "pubmem");
  for (const bench of pairBenches) {
    const extra = bench === "dr" || bench === "multi" || bench === "fanout";
    let transports = o.transports;
    // CURVE runs over tcp (the cell zeromq.js is compared on; ipc would measure the same box).
    if (bench === "curve") transports = transports.filter((t) => t === "tcp");
    let sizes = o.sizes;
    if (o.quick && extra) {
      if (!o.explicitTransports) transports = transports.includes("tcp") ? ["tcp"] : transports.slice(0, 1);
      if (!o.explicitSizes) sizes = [Math.min(...sizes)];
    }
    if (bench === "fanout") sizes = sizes.filter((s) => s <= FANOUT_MAX_SIZE);
    const parts = bench === "multi" ? o.parts : 1;
    for (const transport of transports) {
      for (const size of sizes) {
        const hwm = hwmFor(size, parts);
        let window = 1;
        if (bench === "dr") window = Math.min(256, Math.floor(hwm / 2));
        if (bench === "fanout") {
          // Credit window: at most ~256 MiB in flight over all subscribers, never above HWM/2.
          window = clamp(
            Math.floor((256 * 1024 * 1024) / (size * parts * o.subscribers)),
            4,
            Math.min(500, Math.floor(hwm / 2)),
          );
        }
        out.push({ bench, transport, size, parts, hwm, window, subscribers: bench === "fanout" ? o.subscribers : 1 });
      }
    }
  }
  return out;
}

export function libsFor(c: Case, libs: readonly LibName[]): LibName[] {
  // There is no inproc for a bare socket, and no bare WebSocket ceiling; CURVE is measured for the JavaScript
  // libraries (the C program and the bare socket have no CURVE).
  if (c.bench === "curve") return libs.filter((l) => l !== "net" && l !== "libzmq");
  return c.transport === "inproc" || c.transport === "ws" ? libs.filter((l) => l !== "net") : [...libs];
}

// --- results ------------------------------------------------------------------

export interface Figures {
  msgPerSec: number;
  mbPerSec: number | null;
  usPerRt: number | null;
}

export interface LibRuns {
  runs: Array<Measurement | null>;
  errors: string[];
  median: Figures | null;
}

export interface CaseResult extends Case {
  results: Partial<Record<LibName, LibRuns>>;
}

export function medianOf(runs: ReadonlyArray<Measurement | null>): Figures | null {
  const ok = runs.filter((r): r is Measurement => r !== null);
  if (ok.length === 0) return null;
  const mb = ok.map((r) => r.mbPerSec).filter((x): x is number => x !== null);
  const us = ok.map((r) => r.usPerRt).filter((x): x is number => x !== null);
  return {
    msgPerSec: median(ok.map((r) => r.msgPerSec)),
    mbPerSec: mb.length > 0 ? median(mb) : null,
    usPerRt: us.length > 0 ? median(us) : null,
  };
}
