#!/usr/bin/env node
/**
 * Builds the browser bundle: dist/browser/zocket.js, one self-contained ES module (no imports, no Node
 * built-ins) that a page loads with <script type="module">. esbuild bundles src/browser/entry.ts with:
 * - the Node-only modules of the core swapped for their browser versions (the table below);
 * - `node:buffer` and `node:process` mapped to small shims over web APIs (src/browser/shims/);
 * - Node's timer functions and `process` injected as module-local bindings (no global is touched);
 * - libsodium left out: CURVE's box runs on zocket's WebAssembly module (secretbox-wasm.ts), or on
 *   @noble/ciphers where WebAssembly SIMD is missing.
 * Any other `node:` import fails the build. Usage: node scripts/build-browser.mjs [outfile]
 * Prints the size, minified and gzipped.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = (p) => join(root, "src", p);
const outfile = resolve(process.argv[2] ?? join(root, "dist", "browser", "zocket.js"));

/** Core module (absolute path) -> its browser version. */
const SWAP = new Map([
  [src("transports/net.ts"), src("browser/no-net.ts")],
  [src("transports/ws/ws.ts"), src("browser/ws-transport.ts")],
  [src("transports/udp.ts"), src("browser/no-udp.ts")],
  [src("util/shared-context.ts"), src("browser/shared-context.ts")],
  [src("security/authenticator.ts"), src("browser/authenticator.ts")],
]);
/** Node built-ins the core keeps, mapped to shims. */
const SHIM = new Map([
  ["node:buffer", src("browser/shims/buffer.ts")],
  ["node:process", src("browser/shims/process.ts")],
  ["node:fs", src("browser/shims/fs.ts")],
  ["node:path", src("browser/shims/fs.ts")],
]);

const browserPlugin = {
  name: "zocket-browser",
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => {
      const shim = SHIM.get(args.path);
      if (shim !== undefined) return { path: shim };
      return { errors: [{ text: `${args.path} (imported by ${args.importer}) has no place in the browser build` }] };
    });
    build.onResolve({ filter: /^libsodium-wrappers$/ }, () => ({ path: "libsodium", namespace: "zocket-empty" }));
    build.onLoad({ filter: /.*/, namespace: "zocket-empty" }, () => ({
      contents: 'throw new Error("libsodium is not part of the browser build");',
      loader: "js",
    }));
    build.onResolve({ filter: /\.ts$/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      const abs = resolve(args.resolveDir, args.path);
      const swapped = SWAP.get(abs);
      return swapped === undefined ? undefined : { path: swapped };
    });
  },
};

mkdirSync(dirname(outfile), { recursive: true });
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
await esbuild.build({
  entryPoints: [src("browser/entry.ts")],
  outfile,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  minify: true,
  sourcemap: true,
  legalComments: "eof",
  inject: [src("browser/shims/timers.ts"), src("browser/shims/process.ts")],
  define: { global: "globalThis" },
  banner: { js: `/* zocket ${pkg.version} browser build: ZeroMQ over WebSocket (ZWS 2.0). MPL-2.0 */` },
  plugins: [browserPlugin],
  logLevel: "warning",
});
const bytes = readFileSync(outfile);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`${outfile}: ${kib(bytes.length)} minified, ${kib(gzipSync(bytes, { level: 9 }).length)} gzipped`);
