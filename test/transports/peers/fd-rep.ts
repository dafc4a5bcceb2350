/**
 * Zocket REPs for the socket-activation tests: one per endpoint in argv, each bound (with `useFd` from
 * $ZOCKET_USE_FD when set); prints "READY <lastEndpoint>..." (or "ERROR <code> <hint>") and answers each
 * request with `<request> from <pid> on <endpoint as written>`.
 */
import { Reply } from "../../../src/index.ts";

const endpoints = process.argv.slice(2);
const useFd = process.env["ZOCKET_USE_FD"];
const reps: Reply[] = [];
try {
  for (const ep of endpoints) {
    const rep = new Reply({ linger: 0 });
    if (useFd !== undefined) rep.useFd = Number(useFd);
    reps.push(rep);
    await rep.bind(ep);
  }
} catch (err) {
  const e = err as { code?: string; hint?: string; message: string };
  console.log(`ERROR ${e.code ?? "?"} ${e.hint ?? e.message}`);
  process.exit(0);
}
console.log(`READY ${reps.map((r) => r.lastEndpoint).join(" ")}`);
await Promise.all(
  reps.map(async (rep, i) => {
    for await (const [msg] of rep) await rep.send(`${String(msg)} from ${process.pid} on ${endpoints[i]}`);
  }),
);
