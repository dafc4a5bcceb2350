/**
 * Multicast on the loopback interface: one RADIO and three DISH processes bound to the same
 * `udp://127.0.0.1;239.x.y.z:port` (address reuse lets them share the port, docs/drafts-notes.md §19),
 * each in its own groups plus one they share, each receiving exactly its groups. Run with zocket's RADIO
 * and a zeromq (libzmq 4.3.5) DISH among zocket ones, then with zeromq's RADIO.
 *
 * Multicast needs no setup here: joining the group on 127.0.0.1 (IP_ADD_MEMBERSHIP with that interface)
 * and sending with IP_MULTICAST_IF 127.0.0.1 and loopback on keeps it on `lo`, without a multicast route.
 * The first case checks exactly that with node:dgram, so a host that forbids it fails with the reason.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createSocket } from "node:dgram";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import * as zocketDraft from "../../src/draft.ts";
import { withTimeout } from "../helpers/sockets.ts";
import { DRAFT_LIBS, freeUdpPort } from "../zeromqjs/draft-helpers.ts";

const CHILD = fileURLToPath(new URL("./peers/multicast-dish.ts", import.meta.url));
const GROUP_ADDRESS = `239.255.${(process.pid >> 8) & 0xff}.${process.pid & 0xff}`;

interface Dish {
  proc: ChildProcessWithoutNullStreams;
  lines: string[];
  ready: Promise<void>;
  exited: Promise<number | null>;
}

function startDish(lib: string, endpoint: string, groups: string[]): Dish {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, lib, endpoint, groups.join(",")], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let buf = "";
  proc.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf("\n"); i !== -1; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === "ready") markReady();
      else lines.push(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", resolve));
  return { proc, lines, ready, exited };
}

test("multicast on 127.0.0.1 works on this host (node:dgram, no route needed)", async () => {
  const port = await freeUdpPort();
  const rx = createSocket({ type: "udp4", reuseAddr: true });
  const tx = createSocket("udp4");
  try {
    await new Promise<void>((resolve) => rx.bind(port, "0.0.0.0", resolve));
    rx.addMembership(GROUP_ADDRESS, "127.0.0.1");
    await new Promise<void>((resolve) => tx.bind(0, resolve));
    tx.setMulticastInterface("127.0.0.1");
    tx.setMulticastLoopback(true);
    const got = new Promise<string>((resolve) => rx.once("message", (m) => resolve(m.toString())));
    tx.send("probe", port, GROUP_ADDRESS);
    assert.equal(await withTimeout(got, 2000, "a multicast datagram on lo"), "probe");
  } finally {
    rx.close();
    tx.close();
  }
});

const CASES: Array<{ radio: string; dishes: string[] }> = [
  { radio: "zocket", dishes: ["zocket", "zeromq", "zocket"] },
  { radio: "zeromq", dishes: ["zocket", "zocket", "zocket"] },
];

for (const { radio: radioLib, dishes } of CASES) {
  test(`one ${radioLib} RADIO, three DISH processes (${dishes.join(", ")}), each gets exactly its groups`, async (t) => {
    const port = await freeUdpPort();
    const endpoint = `udp://127.0.0.1;${GROUP_ADDRESS}:${port}`;
    const groups = [
      ["alpha", "all"],
      ["beta", "all"],
      ["gamma", "delta"],
    ];
    const procs = dishes.map((lib, i) => startDish(lib, endpoint, groups[i]!));
    t.after(() => procs.forEach((p) => p.proc.kill("SIGKILL")));
    await withTimeout(Promise.all(procs.map((p) => p.ready)), 15_000, "three DISH processes");
    const draft = radioLib === "zocket" ? zocketDraft : DRAFT_LIBS[1]!.draft;
    const radio = new draft.Radio();
    t.after(() => radio.close());
    radio.connect(endpoint);
    const sent: Array<[string, string]> = [];
    for (let i = 0; i < 5; i++) {
      for (const g of ["alpha", "beta", "gamma", "delta", "all", "nobody"]) sent.push([g, `${g}-${i}`]);
    }
    for (const g of ["alpha", "beta", "gamma", "delta", "all"]) sent.push([g, "end"]);
    for (const [group, body] of sent) {
      await radio.send(body, { group });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const codes = await withTimeout(Promise.all(procs.map((p) => p.exited)), 10_000, "the DISH processes");
    for (let i = 0; i < procs.length; i++) {
      const expected = sent.filter(([g]) => groups[i]!.includes(g)).map(([g, b]) => `${g}:${b}`);
      assert.deepEqual(procs[i]!.lines, expected, `dish ${i} (${dishes[i]}) in ${groups[i]!.join(", ")}`);
      assert.equal(codes[i], 0);
    }
  });
}

test("examples/radio-telemetry.ts: a RADIO streams to three DISH processes over multicast and finishes", async () => {
  const { main } = await import("../../examples/radio-telemetry.ts");
  const log = console.log;
  console.log = () => {};
  try {
    const { summaries, sent } = await withTimeout(main(10), 30_000, "the telemetry example");
    assert.deepEqual(sent, { engine: 10, gps: 10, battery: 10 });
    assert.deepEqual(summaries, [
      "dashboard: 20 readings from engine, battery",
      "navigator: 10 readings from gps",
      "logger: 30 readings from engine, gps, battery",
    ]);
  } finally {
    console.log = log;
  }
});
