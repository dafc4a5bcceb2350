/**
 * The browser build's entry (`zocket/browser`, and the `browser` condition of `zocket`): the main entry's
 * API, bundled by scripts/build-browser.mjs into one ESM file with no Node built-ins. Only ws:// and
 * wss:// connect (over the page's WebSocket); CURVE runs on the pure-JS path (@noble), loaded here at once
 * so that a handshake does not wait for it.
 */
import * as zocket from "../index.ts";
import { curveReady } from "../mechanisms/curve-crypto.ts";

export * from "../index.ts";

/** What this build supports: no ipc, no draft entry (zeromq.js `capability`, plus ws). */
export const capability: Partial<
  Record<"ipc" | "pgm" | "tipc" | "norm" | "curve" | "gssapi" | "draft" | "ws" | "wss", boolean>
> = { ...zocket.capability, ipc: false, draft: false, ws: true, wss: true };

void curveReady().catch(() => {});

export default { ...zocket, capability };
