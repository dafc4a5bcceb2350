// A REQ client written for the `zeromq` 5.x package (the ZeroMQ Guide's hwclient.js): it sends ten
// "Hello N" requests in a row (5.x queues them, one request at a time goes out), prints each reply, then
// closes its socket, which lets the process end. Only the require differs from the 5.x program.
//
//   npm run build && node examples/v5/req-client.cjs tcp://127.0.0.1:5555
"use strict";
/* global require */

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a 5.x program is CommonJS
const zmq = require("zocket/v5-compat"); // was: require("zeromq") with zeromq 5.x

const requester = zmq.socket("req");
let replies = 0;

requester.on("message", function (reply) {
  console.log("received " + reply.toString());
  if (++replies === 10) requester.close();
});

requester.connect(process.argv[2] || "tcp://localhost:5555");

for (let i = 0; i < 10; i++) requester.send("Hello " + i);
