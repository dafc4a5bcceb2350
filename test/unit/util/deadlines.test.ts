/**
 * Shared deadlines (src/util/deadlines.ts): each fires once, after its delay, in the order set; a
 * cancelled one never fires; deadlines of different delays do not wait for each other.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { deadline } from "../../../src/util/deadlines.ts";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("deadlines", () => {
  test("fire after their delay, in the order they were set; cancelled ones never", async () => {
    const fired: Array<[string, number]> = [];
    const t0 = performance.now();
    const mark = (name: string) => (): void => {
      fired.push([name, performance.now() - t0]);
    };
    deadline(40, mark("a"));
    const b = deadline(40, mark("b"));
    await sleep(15);
    deadline(40, mark("c"));
    b.cancel();
    b.cancel(); // idempotent
    await sleep(100);
    assert.deepEqual(
      fired.map(([n]) => n),
      ["a", "c"],
    );
    assert.ok(fired[0]![1] >= 39, `a fired at ${fired[0]![1]} ms`);
    assert.ok(fired[1]![1] >= 54, `c fired at ${fired[1]![1]} ms (set at ~15 ms)`);
  });

  test("a short delay does not wait behind a long one; cancelling after firing is harmless", async () => {
    const fired: string[] = [];
    deadline(200, () => fired.push("long")).cancel();
    const short = deadline(10, () => fired.push("short"));
    await sleep(60);
    assert.deepEqual(fired, ["short"]);
    short.cancel();
  });
});
