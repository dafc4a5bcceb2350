// The benchmark driver's tables: results, connections, bursts, memory, and the A/B table of --baseline.

import { BASELINE_LIB, median } from "./common.ts";
import type { LibName, PairBench } from "./common.ts";
import type { ConnsResult } from "./orchestrate.ts";
import { stormMedian } from "./burst.ts";
import type { BurstResult } from "./burst.ts";
import type { MemFigures, PubMemResult } from "./pubmem.ts";
import type { Case, CaseResult, Figures } from "./cases.ts";

// --- formatting -----------------------------------------------------------------

const BENCH_LABEL: Readonly<Record<PairBench, string>> = {
  thr: "thr PUSH→PULL",
  lat: "lat REQ↔REP",
  dr: "DEALER↔ROUTER",
  multi: "multipart PUSH→PULL",
  fanout: "fan-out PUB→SUB",
  curve: "CURVE PUSH→PULL",
};

export function benchLabel(c: Case): string {
  if (c.bench === "multi") return `${BENCH_LABEL.multi} ×${c.parts}`;
  if (c.bench === "fanout") return `fan-out PUB→${c.subscribers} SUB`;
  if (c.bench === "dr") return `${BENCH_LABEL.dr} w${c.window}`;
  return BENCH_LABEL[c.bench];
}

export function sizeLabel(n: number): string {
  if (n >= 1048576 && n % 1048576 === 0) return `${n / 1048576} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

export function fmtRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

export function fmtMB(n: number | null): string {
  if (n === null) return "–";
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function fmtUs(n: number): string {
  return n >= 100 ? `${n.toFixed(0)} µs` : `${n.toFixed(1)} µs`;
}

function fmtMain(c: Case, f: Figures): string {
  return c.bench === "lat" && f.usPerRt !== null ? fmtUs(f.usPerRt) : fmtRate(f.msgPerSec);
}

/** Speed ratio a/b (>1: a is faster): throughput a/b, latency b/a. */
function speedRatio(c: Case, a: Figures, b: Figures): number {
  if (c.bench === "lat" && a.usPerRt !== null && b.usPerRt !== null) return b.usPerRt / a.usPerRt;
  return a.msgPerSec / b.msgPerSec;
}

function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, rightFrom: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const cell = (s: string, i: number): string =>
    i >= rightFrom ? s.padStart(widths[i] ?? 0) : s.padEnd(widths[i] ?? 0);
  const line = (r: readonly string[]): string => `| ${r.map((s, i) => cell(s, i)).join(" | ")} |`;
  const sep = `|${widths.map((w, i) => (i >= rightFrom ? `${"-".repeat(w + 1)}:` : `${"-".repeat(w + 2)}`)).join("|")}|`;
  return [line(header), sep, ...rows.map(line)].join("\n");
}

export function resultsTable(results: readonly CaseResult[], libs: readonly LibName[]): string {
  const subject: LibName | undefined = libs.includes("zocket") ? "zocket" : libs[0];
  const others = libs.filter((l) => l !== subject);
  const header = ["benchmark", "transport", "size"];
  for (const l of libs) header.push(`${l} msg/s`, `${l} MB/s`);
  for (const o of others) header.push(`${subject}/${o}`);
  const rows: string[][] = [];
  for (const r of results) {
    const row = [benchLabel(r), r.transport, sizeLabel(r.size)];
    for (const l of libs) {
      const lr = r.results[l];
      if (lr === undefined) row.push("n/a", "");
      else if (lr.median === null) row.push("ERR", "");
      else {
        // "*": some runs of this cell failed (see Failures); the median is of the others.
        const mark = lr.errors.length > 0 ? "*" : "";
        row.push(fmtMain(r, lr.median) + mark, r.bench === "lat" ? "–" : fmtMB(lr.median.mbPerSec));
      }
    }
    for (const o of others) {
      const a = subject === undefined ? undefined : r.results[subject]?.median;
      const b = r.results[o]?.median;
      row.push(
        a === undefined || a === null || b === undefined || b === null ? "" : `${speedRatio(r, a, b).toFixed(2)}×`,
      );
    }
    rows.push(row);
  }
  return markdownTable(header, rows, 3);
}

export function connsTable(rs: readonly ConnsResult[]): string {
  const header = [
    "lib",
    "idle conns",
    "connect s",
    "RSS/conn KiB",
    "heap/conn KiB",
    "external/conn KiB",
    "active RT before",
    "active RT after",
    "idle peers echoed",
    "still open",
  ];
  const rows = rs.map((r) => [
    r.lib,
    String(r.connections),
    r.connectSec.toFixed(1),
    r.rssPerConnKiB.toFixed(1),
    r.heapPerConnKiB.toFixed(2),
    r.externalPerConnKiB.toFixed(2),
    fmtUs(r.usBefore),
    fmtUs(r.usAfter),
    String(r.sampled),
    String(r.stillOpen),
  ]);
  return markdownTable(header, rows, 1);
}

export function burstTable(rs: readonly BurstResult[], libs: readonly LibName[]): string {
  const header = [
    "lib",
    "connections",
    "burst ms",
    "cold burst ms",
    "storm round ms (median)",
    "storm max ms",
    "rounds ≥ 1 s",
    "runs (burst / cold)",
  ];
  const rows: string[][] = [];
  const medians = new Map<LibName, { burst: number; cold: number; storm: number }>();
  for (const l of libs) {
    const mine = rs.filter((r) => r.lib === l);
    if (mine.length === 0) continue;
    const storms = mine.flatMap((r) => r.stormMs);
    const burst = median(mine.map((r) => r.burstMs));
    const cold = median(mine.map((r) => r.coldMs));
    const storm = median(mine.map(stormMedian));
    medians.set(l, { burst, cold, storm });
    rows.push([
      l,
      String(mine[0]?.connections ?? 0),
      burst.toFixed(0),
      cold.toFixed(0),
      storm.toFixed(0),
      Math.max(...storms).toFixed(0),
      `${storms.filter((x) => x >= 1000).length} of ${storms.length}`,
      mine.map((r) => `${r.burstMs.toFixed(0)}/${r.coldMs.toFixed(0)}`).join(", "),
    ]);
  }
  const a = medians.get("zocket");
  const b = medians.get("zeromq");
  const ratio =
    a !== undefined && b !== undefined
      ? `\nzocket/zeromq (time, <1: zocket is faster): burst ${(a.burst / b.burst).toFixed(2)}×, ` +
        `cold burst ${(a.cold / b.cold).toFixed(2)}×, ` +
        `storm round ${(a.storm / b.storm).toFixed(2)}×`
      : "";
  return markdownTable(header, rows, 1) + ratio;
}

export function pubMemTable(rs: readonly PubMemResult[], libs: readonly LibName[]): string {
  const header = ["lib", "process", "RSS MiB", "RSS peak", "heap MiB", "external MiB", "published/s", "fast got"];
  const rows: string[][] = [];
  const rssOf = new Map<string, number>();
  for (const l of libs) {
    const mine = rs.filter((r) => r.lib === l);
    if (mine.length === 0) continue;
    for (const proc of ["pub", "fast", "slow"] as const) {
      const m = (k: keyof MemFigures): number => median(mine.map((r) => r[proc][k]));
      rssOf.set(`${l} ${proc}`, m("rss"));
      rows.push([
        l,
        proc === "pub" ? "PUB" : proc === "fast" ? "9 fast SUBs" : "1 slow SUB",
        m("rss").toFixed(1),
        m("rssPeak").toFixed(1),
        m("heap").toFixed(1),
        m("external").toFixed(1),
        proc === "pub" ? median(mine.map((r) => r.achievedRate)).toFixed(0) : "",
        proc === "fast" ? `${(100 * median(mine.map((r) => r.fastDelivered))).toFixed(1)} %` : "",
      ]);
    }
  }
  const ratios = (["pub", "fast", "slow"] as const)
    .map((p) => {
      const a = rssOf.get(`zocket ${p}`);
      const b = rssOf.get(`zeromq ${p}`);
      return a !== undefined && b !== undefined ? `${p} ${(a / b).toFixed(2)}×` : "";
    })
    .filter((x) => x !== "");
  const tail = ratios.length > 0 ? `\nRSS zocket/zeromq (<1: zocket holds less): ${ratios.join(", ")}` : "";
  return markdownTable(header, rows, 2) + tail;
}

/** Per cell: both builds' medians, their speed ratio and the ratio of each run pair (run i against run i). */
export function abTable(results: readonly CaseResult[]): { table: string; summary: string } {
  const header = ["benchmark", "transport", "size", "zocket", BASELINE_LIB, `zocket/${BASELINE_LIB}`, "run pairs"];
  const rows: string[][] = [];
  const ratios: Array<{ r: number; cell: string }> = [];
  for (const c of results) {
    const a = c.results.zocket;
    const b = c.results[BASELINE_LIB];
    if (a === undefined || b === undefined) continue;
    const cell = [benchLabel(c), c.transport, sizeLabel(c.size)];
    if (a.median === null || b.median === null) {
      const fig = (f: Figures | null): string => (f === null ? "ERR" : fmtMain(c, f));
      rows.push([...cell, fig(a.median), fig(b.median), "", ""]);
      continue;
    }
    const pairs: string[] = [];
    for (let i = 0; i < Math.min(a.runs.length, b.runs.length); i++) {
      const x = a.runs[i];
      const y = b.runs[i];
      if (x !== null && x !== undefined && y !== null && y !== undefined) pairs.push(speedRatio(c, x, y).toFixed(2));
    }
    const r = speedRatio(c, a.median, b.median);
    ratios.push({ r, cell: `${benchLabel(c)} ${c.transport} ${sizeLabel(c.size)}` });
    rows.push([...cell, fmtMain(c, a.median), fmtMain(c, b.median), `${r.toFixed(2)}×`, pairs.join(", ")]);
  }
  let summary = "";
  if (ratios.length > 0) {
    const geo = Math.exp(ratios.reduce((sum, x) => sum + Math.log(x.r), 0) / ratios.length);
    const sorted = [...ratios].sort((x, y) => x.r - y.r);
    const lo = sorted[0]!;
    const hi = sorted[sorted.length - 1]!;
    summary =
      `zocket/${BASELINE_LIB} over ${ratios.length} cell(s): geometric mean ${geo.toFixed(3)}×, ` +
      `lowest ${lo.r.toFixed(2)}× (${lo.cell}), highest ${hi.r.toFixed(2)}× (${hi.cell}).`;
  }
  return { table: markdownTable(header, rows, 3), summary };
}
