/** zeromq.js's context-construction-test.ts and context-options-test.ts, on zocket and on zeromq.js. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LIBS } from "./helpers.ts";

type Loose = new (...args: unknown[]) => Record<string, unknown>;

for (const { name, zmq } of LIBS) {
  const C = zmq.Context as unknown as Loose & ((...a: unknown[]) => unknown);
  const typeError = (message: RegExp) => ({ name: "TypeError", message });

  describe(`${name}: context construction`, () => {
    it("should throw if called as function", () => {
      assert.throws(() => C(), typeError(/^Class constructors? (\w+ )?cannot be invoked without 'new'$/));
    });

    it("should throw with wrong options argument", () => {
      assert.throws(() => new C(1), typeError(/Options must be an object/));
    });

    it("should throw with too many arguments", () => {
      assert.throws(() => new C({}, 2), typeError(/Expected 1 argument/));
    });

    it("should set option", () => {
      assert.equal(new C({ ioThreads: 5 })["ioThreads"], 5);
    });

    it("should throw with invalid option value", () => {
      assert.throws(() => new C({ ioThreads: "hello" }), typeError(/Option value must be a number/));
    });

    it("should throw with readonly option", () => {
      assert.throws(
        () => new C({ maxSocketsLimit: 1 }),
        typeError(/Cannot set property maxSocketsLimit of #<Context> which has only a getter/),
      );
    });

    it("should throw with unknown option", () => {
      assert.throws(
        () => new C({ doesNotExist: 1 }),
        typeError(/Cannot add property doesNotExist, object is not extensible/),
      );
    });
  });

  describe(`${name}: context options`, () => {
    it("should set and get bool socket option", () => {
      const context = new C();
      assert.equal(context["ipv6"], false);
      context["ipv6"] = true;
      assert.equal(context["ipv6"], true);
    });

    it("should set and get int socket option", () => {
      const context = new C();
      assert.equal(context["ioThreads"], 1);
      context["ioThreads"] = 75;
      assert.equal(context["ioThreads"], 75);
    });

    it("should throw for readonly option", () => {
      const context = new C();
      assert.throws(
        () => (context["maxSocketsLimit"] = 1),
        typeError(/Cannot set property maxSocketsLimit of #<Context> which has only a getter/),
      );
    });

    it("should throw for unknown option", () => {
      const context = new C();
      assert.throws(
        () => (context["doesNotExist"] = 1),
        typeError(/Cannot add property doesNotExist, object is not extensible/),
      );
    });
  });
}
