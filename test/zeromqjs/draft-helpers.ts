/**
 * zeromq.js's draft tests run against `zocket/draft` and `zeromq/draft` alike: each library's draft
 * module, and addresses for udp (a free port on 127.0.0.1, as zeromq.js's `uniqAddress("udp")`).
 */
import { createRequire } from "node:module";
import { createSocket } from "node:dgram";
import * as zocketDraft from "../../src/draft.ts";
import { uniqAddress as streamAddress, type Proto } from "./helpers.ts";

/** The draft API both libraries share, typed as zocket's. */
export type Draft = typeof zocketDraft;

const require = createRequire(import.meta.url);
// zeromq/draft warns once that the draft API is experimental: expected, not a test failure.
const quiet = process.emitWarning;
process.emitWarning = (() => {}) as typeof process.emitWarning;
const zeromqDraft = require("zeromq/draft") as Draft;
process.emitWarning = quiet;

export const DRAFT_LIBS: readonly { readonly name: string; readonly draft: Draft }[] = [
  { name: "zocket", draft: zocketDraft },
  { name: "zeromq", draft: zeromqDraft },
];

export type DraftProto = Proto | "udp";

/** A udp port free right now on 127.0.0.1 (bound then released). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/** An address no other case uses (zeromq.js's `uniqAddress`, with udp). */
export async function uniqAddress(proto: DraftProto): Promise<string> {
  if (proto === "udp") return `udp://127.0.0.1:${await freeUdpPort()}`;
  return streamAddress(proto);
}

/** Every library × protocol, named as zeromq.js's suites are ("draft socket with tcp server/client"). */
export function eachDraftLibProto(
  protos: readonly DraftProto[],
  fn: (d: Draft, proto: DraftProto, label: string) => void,
): void {
  for (const { name, draft } of DRAFT_LIBS)
    for (const proto of protos) fn(draft, proto, `${name}: draft socket with ${proto}`);
}

/** Sockets made in a case, closed after it whatever happened. */
export function closer(): { track<T extends { close(): void }>(s: T): T; closeAll(): void } {
  const open: { close(): void }[] = [];
  return {
    track: (s) => (open.push(s), s),
    closeAll: () => {
      for (const s of open.splice(0)) s.close();
    },
  };
}
