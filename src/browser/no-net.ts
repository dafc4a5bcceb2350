/** src/transports/net.ts in the browser build: a page has no TCP or Unix sockets, only WebSocket. */
import { ZmqError } from "../errors.ts";
import type { StreamTransport } from "../transports/transport.ts";

function unsupported(address: string): ZmqError {
  const hint = `${address.slice(0, address.indexOf(":"))}:// is not available in a browser: use ws:// or wss://`;
  return new ZmqError("EPROTONOSUPPORT", hint, { address });
}

export const netTransport: StreamTransport = {
  listen: (ep) => Promise.reject(unsupported(ep.address)),
  connect: (ep, _opts, done) => {
    queueMicrotask(() => done(unsupported(ep.address)));
    return () => {};
  },
};
