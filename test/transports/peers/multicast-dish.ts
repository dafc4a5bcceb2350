/**
 * One DISH process of test/transports/udp-multicast.test.ts: `node --import tsx multicast-dish.ts <lib>
 * <endpoint> <group,...>` binds a DISH of `lib` (zocket or zeromq) to the multicast endpoint, joins the
 * groups, prints "ready", then prints every message as `group:body` until each of its groups sent "end",
 * and exits.
 */
import { createRequire } from "node:module";
import * as zocketDraft from "../../../src/draft.ts";

const [lib, endpoint, groupList] = process.argv.slice(2) as [string, string, string];
process.emitWarning = (() => {}) as typeof process.emitWarning;
const draft = lib === "zeromq" ? (createRequire(import.meta.url)("zeromq/draft") as typeof zocketDraft) : zocketDraft;
const groups = groupList.split(",");
const dish = new draft.Dish();
dish.join(...groups);
await dish.bind(endpoint);
process.stdout.write("ready\n");
const ended = new Set<string>();
const timer = setTimeout(() => {
  process.stdout.write("timeout\n");
  process.exit(3);
}, 10_000);
for await (const [msg, { group }] of dish) {
  const g = group.toString();
  process.stdout.write(`${g}:${msg.toString()}\n`);
  if (msg.toString() === "end") ended.add(g);
  if (ended.size === groups.length) break;
}
clearTimeout(timer);
dish.close();
