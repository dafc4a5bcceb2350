// Both ends of every pair benchmark, for a ZeroMQ library (zocket or
// zeromq.js, same API) and for the bare node:net ceiling. A role runs either in
// its own child process (tcp, ipc) or next to its peer in one process (inproc),
// and talks to the driver over a Channel:
//   binding role:     -> ready{endpoint}   ... -> result   <- exit
//   connecting role:  (fanout: -> ready, credit*)  -> result   <- exit
// The ZeroMQ libraries' roles are in roles-zmq.ts, the ceiling's in roles-net.ts, what both use in
// role-kit.ts; this module names each role and picks its implementation by library.

import type { RoleSpec } from "./common.ts";
import type { Channel } from "./control.ts";
import { echoClientNet, echoServerNet, fanoutPubNet, fanoutSubNet, thrRecvNet, thrSendNet } from "./roles-net.ts";
import {
  drDealerZmq,
  drRouterZmq,
  fanoutPubZmq,
  fanoutSubZmq,
  latClientZmq,
  latServerZmq,
  thrRecvZmq,
  thrSendZmq,
} from "./roles-zmq.ts";

export type RoleName =
  "thr-recv" | "thr-send" | "lat-server" | "lat-client" | "dr-router" | "dr-dealer" | "fanout-pub" | "fanout-sub";

export type RoleFn = (spec: RoleSpec, ch: Channel) => Promise<void>;

// ---------------------------------------------------------------------------

/**
 * The role for each library: zocket and zeromq.js share one, native libzmq runs bench/suite/native/zmqperf.c.
 * bench/suite/native.ts is loaded only by a libzmq role's worker, so the JavaScript libraries' workers load
 * and compile exactly what they did before the libzmq column existed.
 */
function byLib(role: RoleName, zmq: RoleFn, net: RoleFn): RoleFn {
  return async (spec, ch) => {
    if (spec.lib === "net") return net(spec, ch);
    if (spec.lib === "libzmq") return (await import("./native.ts")).nativeRole(role)(spec, ch);
    return zmq(spec, ch);
  };
}

export const ROLES: Readonly<Record<RoleName, RoleFn>> = {
  "thr-recv": byLib("thr-recv", thrRecvZmq, thrRecvNet),
  "thr-send": byLib("thr-send", thrSendZmq, thrSendNet),
  "lat-server": byLib("lat-server", latServerZmq, echoServerNet),
  "lat-client": byLib("lat-client", latClientZmq, (s, c) => echoClientNet(s, c, 1)),
  "dr-router": byLib("dr-router", drRouterZmq, echoServerNet),
  "dr-dealer": byLib("dr-dealer", drDealerZmq, (s, c) => echoClientNet(s, c, s.window)),
  "fanout-pub": byLib("fanout-pub", fanoutPubZmq, fanoutPubNet),
  "fanout-sub": byLib("fanout-sub", fanoutSubZmq, fanoutSubNet),
};

export function isRoleName(s: string): s is RoleName {
  return Object.hasOwn(ROLES, s);
}
