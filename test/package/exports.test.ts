/**
 * The main entry exports every name zeromq.js's does, of the same kind, plus only the extras that
 * docs/compatibility.md lists; zocket/v5-compat likewise against zeromq/v5-compat (checked here on src/;
 * test/package/pack.test.ts repeats it on the packed tarball).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as zocket from "../../src/index.ts";
import * as entry from "../../src/entry-esm.ts";
import * as compat from "../../src/compat/index.ts";
import * as compatEntry from "../../src/compat/entry-esm.ts";
import { documentedCompatExtras, documentedExtras, expectedCompatKinds, expectedKinds, kinds } from "./surface.ts";

const zeromq = createRequire(import.meta.url)("zeromq") as object;
const zeromqCompat = createRequire(import.meta.url)("zeromq/v5-compat") as Record<string, unknown>;

test("every zeromq.js export is here with the same kind, plus only the documented extras", () => {
  assert.deepEqual(kinds(zocket), expectedKinds(zeromq));
});

test("zeromq.js's 20 runtime names, and extras that zeromq.js does not have", () => {
  assert.equal(Object.keys(zeromq).length, 20);
  const extras = Object.keys(documentedExtras());
  assert.ok(extras.length > 0);
  for (const name of extras) assert.ok(!(name in zeromq), `${name} is a zeromq.js name, not an extra`);
});

test("the ES module entry adds only a default export: the namespace itself", () => {
  assert.deepEqual(Object.keys(entry).sort(), [...Object.keys(zocket), "default"].sort());
  assert.equal(entry.default, zocket);
  for (const key of Object.keys(zocket)) {
    assert.equal((entry as Record<string, unknown>)[key], (zocket as Record<string, unknown>)[key], key);
  }
});

test("zocket/v5-compat: every zeromq/v5-compat export with the same kind and value, plus the documented extras", () => {
  assert.deepEqual(kinds(compat), expectedCompatKinds(zeromqCompat));
  for (const [name, value] of Object.entries(zeromqCompat)) {
    if (typeof value === "number" || typeof value === "string") {
      assert.equal((compat as Record<string, unknown>)[name], value, name);
    }
  }
  assert.deepEqual(compat.options, zeromqCompat["options"]);
  const extras = Object.keys(documentedCompatExtras());
  assert.ok(extras.length > 0);
  for (const name of extras) assert.ok(!(name in zeromqCompat), `${name} is a zeromq/v5-compat name, not an extra`);
});

test("the zocket/v5-compat ES module entry adds only a default export: the namespace itself", () => {
  assert.deepEqual(Object.keys(compatEntry).sort(), [...Object.keys(compat), "default"].sort());
  assert.equal(compatEntry.default, compat);
  for (const key of Object.keys(compat)) {
    assert.equal((compatEntry as Record<string, unknown>)[key], (compat as Record<string, unknown>)[key], key);
  }
});

test("zocket/draft: exactly zeromq/draft's names, each a class; the ES module entry adds only a default", async () => {
  const zeromqDraft = createRequire(import.meta.url)("zeromq/draft") as object;
  const draft = await import("../../src/draft.ts");
  const draftEntry = await import("../../src/draft/entry-esm.ts");
  assert.deepEqual(kinds(draft), kinds(zeromqDraft));
  assert.deepEqual(Object.keys(draftEntry).sort(), [...Object.keys(draft), "default"].sort());
  assert.equal(draftEntry.default, draft);
});

test("zocket/draft-extra: Peer and Channel, names zeromq.js does not have", async () => {
  const extra = await import("../../src/draft-extra.ts");
  const extraEntry = await import("../../src/draft/extra-entry-esm.ts");
  assert.deepEqual(kinds(extra), { Channel: "class", Peer: "class" });
  assert.deepEqual(Object.keys(extraEntry).sort(), ["Channel", "Peer", "default"]);
});
