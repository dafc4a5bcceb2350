/**
 * Telemetry over multicast: one RADIO streams readings of a vehicle to three DISH processes, each joined
 * to the groups it cares about. RADIO/DISH (RFC 48) is PUB/SUB with exact-match groups, and over udp one
 * datagram reaches every DISH on the group address at once; each DISH keeps only its groups.
 *
 *                                     /--> dashboard  (joins engine, battery)
 *   vehicle RADIO --udp multicast-->  |--> navigator  (joins gps)
 *                                     \--> logger     (joins engine, gps, battery)
 *
 * The multicast group is joined on the loopback interface (`udp://127.0.0.1;239.255.0.1:port`), so the
 * example stays on this machine and needs no multicast route; on a LAN, name the interface instead
 * (`udp://eth0;239.255.0.1:5556`) and raise `multicastHops`. Each DISH process leaves once every group it
 * joined has sent "end"; the whole example then finishes by itself.
 *
 * Run: npx tsx examples/radio-telemetry.ts
 */
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Dish, Radio } from "../src/draft.ts";

const SELF = fileURLToPath(import.meta.url);
const GROUP_ADDRESS = "239.255.0.1";

/** Who listens to what. */
export const LISTENERS: Record<string, string[]> = {
  dashboard: ["engine", "battery"],
  navigator: ["gps"],
  logger: ["engine", "gps", "battery"],
};

/** One reading per group and round. */
function reading(group: string, round: number): string {
  if (group === "engine") return `rpm=${2000 + ((round * 137) % 900)}`;
  if (group === "gps") return `pos=${(48.85 + round / 1000).toFixed(3)},${(2.35 + round / 2000).toFixed(4)}`;
  return `soc=${100 - round}%`;
}

/** A DISH process: join the groups, print each reading, leave after every group said "end". */
async function dishProcess(name: string, endpoint: string, groups: string[]): Promise<void> {
  const dish = new Dish({ receiveTimeout: 10_000 });
  dish.join(...groups);
  await dish.bind(endpoint);
  process.stdout.write("ready\n");
  const ended = new Set<string>();
  let readings = 0;
  try {
    while (ended.size < groups.length) {
      const [msg, { group }] = await dish.receive();
      if (msg.toString() === "end") ended.add(group.toString());
      else readings++;
    }
    process.stdout.write(`${name}: ${readings} readings from ${groups.join(", ")}\n`);
  } finally {
    dish.close();
  }
}

/** A udp port free right now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.bind(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

export interface TelemetryResult {
  /** Each DISH process's summary line. */
  summaries: string[];
  /** Readings sent per group. */
  sent: Record<string, number>;
}

/** Start the three DISH processes, stream `rounds` readings per group, and wait for them to finish. */
export async function main(rounds = 20): Promise<TelemetryResult> {
  const endpoint = `udp://127.0.0.1;${GROUP_ADDRESS}:${await freePort()}`;
  const children = Object.entries(LISTENERS).map(([name, groups]) => {
    const child = spawn(process.execPath, ["--import", "tsx", SELF, "dish", name, endpoint, groups.join(",")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    const ready = new Promise<void>((resolve) =>
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("ready\n")) resolve();
      }),
    );
    const finished = new Promise<string>((resolve, reject) =>
      child.on("exit", (code) =>
        code === 0 ? resolve(out.replace("ready\n", "").trim()) : reject(new Error(`${name} exited with ${code}`)),
      ),
    );
    return { ready, finished };
  });
  await Promise.all(children.map((c) => c.ready));

  const radio = new Radio({ multicastHops: 1 });
  radio.connect(endpoint);
  const sent: Record<string, number> = { engine: 0, gps: 0, battery: 0 };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const group of Object.keys(sent)) {
        await radio.send(reading(group, round), { group });
        sent[group]!++;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const group of Object.keys(sent)) await radio.send("end", { group });
    const summaries = await Promise.all(children.map((c) => c.finished));
    for (const line of summaries) console.log(line);
    return { summaries, sent };
  } finally {
    radio.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === "dish") {
    const [name, endpoint, groups] = process.argv.slice(3) as [string, string, string];
    await dishProcess(name, endpoint, groups.split(","));
  } else {
    await main();
  }
}
