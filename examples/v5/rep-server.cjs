// A REP server written for the `zeromq` 5.x package (the ZeroMQ Guide's hwserver.js): it answers each
// "Hello N" with "World N". Only the require differs from the 5.x program.
//
//   npm run build && node examples/v5/rep-server.cjs tcp://127.0.0.1:5555
"use strict";
/* global require */

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a 5.x program is CommonJS
const zmq = require("zocket/v5-compat"); // was: require("zeromq") with zeromq 5.x

const endpoint = process.argv[2] || "tcp://*:5555";
const responder = zmq.socket("rep");

responder.on("message", function (request) {
  const text = request.toString();
  responder.send(text.replace(/^Hello/, "World"));
});

responder.bind(endpoint, function (err) {
  if (err) {
    console.error(err.message);
    process.exit(1);
  }
  console.log("listening on " + responder.last_endpoint);
});

process.on("SIGINT", function () {
  responder.close();
  process.exit(0);
});
