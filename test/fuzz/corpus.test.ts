/**
 * The fuzzer's regression inputs on every `npm test`: each target's corpus (test/fuzz/corpus/<target>/),
 * its valid seeds, and a few thousand generated inputs from a fixed seed. The full run is `npm run fuzz`.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { corpusOf, runTarget } from "./engine.ts";
import { prepareCurve, TARGETS } from "./targets.ts";

describe("fuzz corpus", () => {
  for (const t of TARGETS) {
    test(`${t.name}: corpus, seeds and 2,000 seeded inputs`, async () => {
      await prepareCurve();
      const r = runTarget(t, { seed: 27, inputs: 2_000, maxMs: 30_000 });
      const detail = r.findings.map(
        (f) => `${f.origin}: ${f.error instanceof Error ? f.error.message : String(f.error)}`,
      );
      assert.deepEqual(detail, [], `${t.name}: findings`);
      assert.equal(r.corpus, corpusOf(t.name).length);
    });
  }
});
