/**
 * Connection bursts (issue 27): an unset `backlog` listens with a larger queue (docs/compatibility.md),
 * a set one is passed to listen() as is, and a burst of peers connecting at once all get through.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import * as z from "../../src/index.ts";
import { DEFAULT_LISTEN_QUEUE } from "../../src/sockets/option-api.ts";

/** The accept queue length the kernel reports for a listening tcp port (ss's Send-Q), or null without ss. */
function listenQueueOf(endpoint: string): number | null {
  const port = endpoint.slice(endpoint.lastIndexOf(":") + 1);
  let out: string;
  try {
    out = execFileSync("ss", ["-ltnH", `sport = :${port}`], { encoding: "utf8" });
  } catch {
    return null;
  }
  const cols = out.trim().split(/\s+/);
  return cols.length >= 3 ? Number(cols[2]) : null;
}

const SOMAXCONN = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8").trim());

describe("listen backlog", () => {
  test("unset: the option still reads 100 (libzmq's default), the listen queue is the larger default", async (t) => {
    const r = new z.Router();
    t.after(() => r.close());
    assert.equal(r.backlog, 100);
    await r.bind("tcp://127.0.0.1:*");
    const q = listenQueueOf(r.lastEndpoint!);
    if (q === null) return t.diagnostic("ss not available: queue length not checked");
    assert.equal(q, Math.min(DEFAULT_LISTEN_QUEUE, SOMAXCONN));
  });

  for (const how of ["property", "id accessor"] as const) {
    test(`set by ${how}: passed to listen() as is, even when it equals the default`, async (t) => {
      for (const value of [100, 7]) {
        const r = new z.Router();
        t.after(() => r.close());
        if (how === "property") r.backlog = value;
        else (r as unknown as { setInt32Option(id: number, v: number): void }).setInt32Option(19, value);
        assert.equal(r.backlog, value);
        await r.bind("tcp://127.0.0.1:*");
        const q = listenQueueOf(r.lastEndpoint!);
        if (q === null) return t.diagnostic("ss not available: queue length not checked");
        assert.equal(q, value);
      }
    });
  }
});

describe("a burst of connections", () => {
  test("300 DEALERs connect at once and each does a round trip", async (t) => {
    const router = new z.Router({ linger: 0 });
    t.after(() => router.close());
    await router.bind("tcp://127.0.0.1:*");
    const served = (async () => {
      for (let i = 0; i < 300; i++) await router.send(await router.receive());
    })();
    const dealers = Array.from({ length: 300 }, () => new z.Dealer({ linger: 0 }));
    t.after(() => dealers.forEach((d) => d.close()));
    const t0 = performance.now();
    await Promise.all(
      dealers.map(async (d, i) => {
        d.connect(router.lastEndpoint!);
        await d.send(String(i));
        const [echo] = await d.receive();
        assert.equal(echo!.toString(), String(i));
      }),
    );
    await served;
    t.diagnostic(`300 round trips after connect in ${(performance.now() - t0).toFixed(0)} ms`);
  });
});
