// Child-process entry of the CURVE throughput benchmark (bench/scenarios/curve.bench.ts), started as
// `node --import tsx bench/scenarios/curve-worker.ts ROLE SPEC` with an IPC channel:
//   recv SPEC   PULL: binds, CURVE server when spec.keys is set; measures from the first message to END
//   send SPEC   PUSH: connects, CURVE client when spec.keys is set; sends for durationMs, then END
// The socket code is the same for zocket and zeromq.js (same API, options set as properties).

import { closeQuietly, errorMessage, loadLib, tune } from "../suite/common.ts";
import { parentChannel, sendToParent } from "../suite/control.ts";
import { Checker, makeEnd, makeMessage } from "../suite/payload.ts";
import type { LibName, ZSocket } from "../suite/common.ts";
import { BigRing, finish } from "../suite/role-kit.ts";

/** Z85 keys, generated once by the driver with zeromq's curveKeyPair(). */
export interface CurveKeys {
  serverPublic: string;
  serverSecret: string;
  clientPublic: string;
  clientSecret: string;
}

export interface CurveRoleSpec {
  lib: LibName;
  /** null: NULL mechanism (reference). */
  keys: CurveKeys | null;
  size: number;
  durationMs: number;
  hwm: number;
  /** recv: where to bind; send: where to connect. */
  endpoint: string;
}

/** The CURVE options both libraries define on every socket (zeromq.js: accessors on the prototype). */
interface CurveOptions {
  curveServer: boolean;
  curveSecretKey: string | null;
  curvePublicKey: string | null;
  curveServerKey: string | null;
}

type CurveSocket = ZSocket & CurveOptions;

const ch = parentChannel();
process.on("disconnect", () => process.exit(3));

async function recv(spec: CurveRoleSpec): Promise<void> {
  const lib = await loadLib(spec.lib);
  const sock = new lib.Pull() as CurveSocket;
  try {
    tune(sock, spec.hwm);
    if (spec.keys !== null) {
      sock.curveServer = true;
      sock.curveSecretKey = spec.keys.serverSecret;
    }
    await sock.bind(spec.endpoint);
    ch.send({ t: "ready", endpoint: sock.lastEndpoint ?? spec.endpoint });
    const chk = new Checker(spec.size, 1, "PULL");
    const first = await sock.receive();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    if (chk.check(first)) {
      while (chk.check(await sock.receive()));
    }
    const t1 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    // Checker.check has thrown unless END arrived with the producer's exact count. CPU: all threads of the
    // process (zeromq.js boxes on libzmq's I/O thread), so that it can be compared on a busy machine.
    const extra = { cpuUs: cpu.user + cpu.system };
    await finish(ch, { count: chk.count, bytes: chk.bytes, elapsedMs: t1 - t0, extra }, () => closeQuietly(sock));
  } finally {
    closeQuietly(sock);
  }
}

async function sendRole(spec: CurveRoleSpec): Promise<void> {
  const lib = await loadLib(spec.lib);
  const sock = new lib.Push() as CurveSocket;
  try {
    tune(sock, spec.hwm);
    if (spec.keys !== null) {
      sock.curveServerKey = spec.keys.serverPublic;
      sock.curvePublicKey = spec.keys.clientPublic;
      sock.curveSecretKey = spec.keys.clientSecret;
    }
    sock.connect(spec.endpoint);
    const cpu0 = process.cpuUsage();
    const deadline = performance.now() + spec.durationMs;
    let seq = 0;
    // Big messages come from a checked ring, as in the suite (docs/performance.md, design decision 14).
    const ring = spec.size >= 32 * 1024 ? new BigRing(spec.size, spec.hwm) : null;
    for (;;) {
      await sock.send(ring === null ? makeMessage(spec.size, 1, seq)[0]! : ring.next(seq));
      seq++;
      if ((seq & 31) === 0 && performance.now() >= deadline) break;
    }
    await sock.send(makeEnd(seq, 1));
    const cpu = process.cpuUsage(cpu0);
    const r = { count: seq, bytes: seq * spec.size, elapsedMs: 0, extra: { cpuUs: cpu.user + cpu.system } };
    await finish(ch, r, () => closeQuietly(sock));
  } finally {
    closeQuietly(sock);
  }
}

function parseSpec(json: string | undefined): CurveRoleSpec {
  const v: unknown = JSON.parse(json ?? "null");
  if (typeof v !== "object" || v === null) throw new Error("spec must be a JSON object");
  return v as CurveRoleSpec;
}

async function main(argv: readonly string[]): Promise<void> {
  const [role, json] = argv;
  const spec = parseSpec(json);
  if (role === "recv") await recv(spec);
  else if (role === "send") await sendRole(spec);
  else throw new Error(`unknown role ${role}`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  async (e: unknown) => {
    await sendToParent({ t: "error", message: errorMessage(e) });
    process.exit(1);
  },
);
