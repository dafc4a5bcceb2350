// A request-reply broker written for the `zeromq` 5.x package (the ZeroMQ Guide's rrbroker.js): clients'
// REQ sockets connect to the ROUTER frontend, workers' REP sockets to the DEALER backend, and every
// message is passed on whole, envelope included. Only the require differs from the 5.x program.
//
//   npm run build && node examples/v5/broker.cjs tcp://127.0.0.1:5559 tcp://127.0.0.1:5560
"use strict";
/* global require */

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a 5.x program is CommonJS
const zmq = require("zocket/v5-compat"); // was: require("zeromq") with zeromq 5.x

const frontend = zmq.socket("router");
const backend = zmq.socket("dealer");

frontend.bindSync(process.argv[2] || "tcp://*:5559");
backend.bindSync(process.argv[3] || "tcp://*:5560");

frontend.on("message", function () {
  // Note that separate message parts come as function arguments.
  const args = Array.apply(null, arguments);
  // Pass array of strings/buffers to send multipart messages.
  backend.send(args);
});

backend.on("message", function () {
  const args = Array.apply(null, arguments);
  frontend.send(args);
});

console.log("brokering");

process.on("SIGINT", function () {
  frontend.close();
  backend.close();
  process.exit(0);
});
