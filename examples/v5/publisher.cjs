// A PUB server written for the `zeromq` 5.x package (the ZeroMQ Guide's wuserver.js): it publishes
// "ZIPCODE TEMPERATURE HUMIDITY" weather updates for ever, plus a two-part ["status", "alive"] now and
// then. Only the require differs from the 5.x program.
//
//   npm run build && node examples/v5/publisher.cjs tcp://127.0.0.1:5556
"use strict";
/* global require */

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a 5.x program is CommonJS
const zmq = require("zocket/v5-compat"); // was: require("zeromq") with zeromq 5.x

const endpoint = process.argv[2] || "tcp://*:5556";
const publisher = zmq.socket("pub");

publisher.bindSync(endpoint);
console.log("publishing on " + endpoint);

function zeropad(num) {
  return ("00000" + num).slice(-5);
}

function rand(upper, extra) {
  const num = Math.abs(Math.round(Math.random() * upper));
  return num + (extra || 0);
}

let sent = 0;
const timer = setInterval(function () {
  for (let i = 0; i < 100; i++) {
    // 10001 (New York) is every tenth update, so a subscriber to it is not kept waiting.
    const zipcode = i % 10 === 0 ? 10001 : rand(100000);
    publisher.send(zeropad(zipcode) + " " + rand(215, -80) + " " + rand(50, 10));
  }
  if (++sent % 5 === 0) publisher.send(["status", "alive"]);
}, 10);

process.on("SIGINT", function () {
  clearInterval(timer);
  publisher.close();
  process.exit(0);
});
