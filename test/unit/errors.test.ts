/**
 * ZmqError: zeromq.js's message for its code from the one table in errors.ts, zocket's explanation in
 * `hint` (printed by Node with the error), zeromq.js's specific texts, and the AuthError/ProtocolError texts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  AUTH_MESSAGES,
  AuthError,
  checkArgumentCount,
  ERRNO,
  MESSAGES,
  ProtocolError,
  SPECIFIC_MESSAGES,
  ZmqError,
  type ErrnoCode,
} from "../../src/errors.ts";

test("the message is the code's, whatever the explanation; the explanation is the hint", () => {
  for (const code of Object.keys(ERRNO) as ErrnoCode[]) {
    const e = new ZmqError(code, `explanation of ${code}`);
    assert.ok(e instanceof Error);
    assert.equal(e.message, MESSAGES[code]);
    assert.equal(e.code, code);
    assert.equal(e.errno, ERRNO[code]);
    assert.equal(e.hint, `explanation of ${code}`);
  }
});

test("zeromq.js's own texts and libzmq's for its own codes", () => {
  assert.equal(MESSAGES.ENOENT, "No such endpoint");
  assert.equal(MESSAGES.EBADF, "Socket is closed");
  assert.equal(MESSAGES.EADDRINUSE, "Address already in use");
  assert.equal(MESSAGES.EFAULT, "Context is closed");
  assert.equal(MESSAGES.EBUSY, "Socket is busy");
  assert.equal(MESSAGES.EAGAIN, "Operation was not possible or timed out");
  assert.equal(MESSAGES.EMFILE, "Too many open file descriptors");
  assert.equal(MESSAGES.EHOSTUNREACH, "Host unreachable");
  assert.equal(MESSAGES.EFSM, "Operation cannot be accomplished in current state");
  assert.equal(MESSAGES.EINVAL, "Invalid argument");
  assert.equal(MESSAGES.EPROTONOSUPPORT, "Protocol not supported");
});

test("one of zeromq.js's specific texts given as the explanation is the message", () => {
  for (const text of SPECIFIC_MESSAGES) assert.equal(new ZmqError("EBUSY", text).message, text);
  assert.equal(new ZmqError("EINVAL", "x", { message: "Custom" }).message, "Custom");
});

test("a code outside the table keeps the explanation as its message, errno 0", () => {
  const e = new ZmqError("ENOTFOUND", "getaddrinfo failed");
  assert.equal(e.message, "getaddrinfo failed");
  assert.equal(e.errno, 0);
});

test("own keys are the data (code, errno, hint, and address only when given), as zeromq.js's", () => {
  assert.deepEqual(Object.keys(new ZmqError("EINVAL", "x")), ["code", "errno", "hint"]);
  const e = new ZmqError("EINVAL", "x", { address: "tcp://a:1", cause: new Error("c") });
  assert.deepEqual(Object.keys(e), ["code", "errno", "hint", "address"]);
  assert.equal(e.address, "tcp://a:1");
  assert.equal((e.cause as Error).message, "c");
  assert.equal(e.name, "ZmqError");
  assert.match(String(e.stack), /^ZmqError: Invalid argument\n/);
});

test("Node prints the hint with the error", () => {
  const shown = inspect(new ZmqError("EINVAL", 'port "abc" is not a number'));
  assert.match(shown, /ZmqError: Invalid argument/);
  assert.match(shown, /hint: 'port "abc" is not a number'/);
});

test("AuthError: zeromq.js's text for the ZAP status; ProtocolError: ZMTP or ZAP protocol error", () => {
  for (const status of [300, 400, 500] as const) {
    const e = new AuthError(status, `server said ${status}`);
    assert.equal(e.message, AUTH_MESSAGES[status]);
    assert.equal(e.status, status);
    assert.equal(e.hint, `server said ${status}`);
    assert.equal(e.name, "AuthError");
  }
  assert.equal(new AuthError(400, "x").message, "Authentication failure");
  const zmtp = new ProtocolError("ERR_ZMTP_MECHANISM_MISMATCH", "PLAIN against CURVE");
  assert.equal(zmtp.message, "ZMTP protocol error");
  assert.equal(zmtp.code, "ERR_ZMTP_MECHANISM_MISMATCH");
  assert.equal(zmtp.hint, "PLAIN against CURVE");
  assert.equal(new ProtocolError("ERR_ZAP_BAD_VERSION", "x").message, "ZAP protocol error");
  assert.match(String(zmtp.stack), /^ProtocolError: ZMTP protocol error\n/);
});

test("checkArgumentCount: zeromq.js's TypeError text", () => {
  checkArgumentCount(1, 1);
  assert.throws(() => checkArgumentCount(2, 1), { name: "TypeError", message: "Expected 1 argument but received 2" });
  assert.throws(() => checkArgumentCount(3, 2), { message: "Expected 2 arguments but received 3" });
});
