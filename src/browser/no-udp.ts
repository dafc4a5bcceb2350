/** src/transports/udp.ts in the browser build: a page has no UDP sockets, only WebSocket. */
import { ZmqError } from "../errors.ts";
import type { DatagramEndpoint, DatagramTransport } from "../transports/datagram.ts";

function unsupported(ep: DatagramEndpoint): Promise<never> {
  const hint = "udp:// is not available in a browser: RADIO and DISH work over ws:// or wss://";
  return Promise.reject(new ZmqError("EPROTONOSUPPORT", hint, { address: ep.address }));
}

export const udpTransport: DatagramTransport = {
  bind: (ep) => unsupported(ep),
  connect: (ep) => unsupported(ep),
};
