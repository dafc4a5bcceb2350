/** zeromq.js's zmq-draft-test.ts: the draft entry's names, for `zocket/draft` and `zeromq/draft` alike. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DRAFT_LIBS } from "./draft-helpers.ts";

for (const { name, draft } of DRAFT_LIBS) {
  describe(`${name}: zmq draft exports`, () => {
    it("should include functions and constructors", () => {
      const expected = ["Server", "Client", "Radio", "Dish", "Gather", "Scatter", "Datagram"];
      assert.deepEqual(Object.keys(draft).sort(), expected.sort());
    });
  });
}
