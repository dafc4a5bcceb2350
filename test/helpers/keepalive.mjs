/**
 * Preloaded by `npm test`. zocket's sockets do not keep a process alive by themselves, as zeromq.js's do not
 * (libzmq's I/O threads are outside Node's event loop): only a waiting send()/receive() does. A test that
 * awaits something else (an event, a connection) would see node:test end the file early ("Promise resolution
 * is still pending but the event loop has already resolved"); mocha, which zeromq.js's tests run on, holds
 * the loop with its timeout timers. This timer does the same; `--test-force-exit` ends each file when its
 * tests are done.
 */
setInterval(() => {}, 1 << 30);
