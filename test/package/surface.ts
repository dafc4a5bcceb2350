/**
 * What the package tests compare: zeromq.js's main-entry names, the "kind" of an export, and zocket's extras as
 * docs/compatibility.md lists them (the table under "## Extra exports"), so a new export fails the tests until it
 * is documented there.
 */
import { readFileSync } from "node:fs";

export const REPO_ROOT = new URL("../../", import.meta.url);

/**
 * `class` (an ES class, or a native constructor with prototype methods as zeromq.js's are), `function`, or
 * the `typeof` of a value.
 */
export function kindOf(value: unknown): string {
  if (typeof value !== "function") return typeof value;
  if (/^class[\s{]/.test(Function.prototype.toString.call(value))) return "class";
  const proto = (value as { prototype?: object }).prototype;
  const methods = proto === undefined ? [] : Object.getOwnPropertyNames(proto).filter((n) => n !== "constructor");
  return methods.length > 0 ? "class" : "function";
}

/** Every enumerable export with its kind, sorted by name. */
export function kinds(api: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(api).sort()) out[key] = kindOf((api as Record<string, unknown>)[key]);
  return out;
}

/** zocket's documented extra exports, name → kind, from docs/compatibility.md. */
export function documentedExtras(): Record<string, string> {
  const doc = readFileSync(new URL("docs/compatibility.md", REPO_ROOT), "utf8");
  const section = doc.split(/^## Extra exports$/m)[1]?.split(/^## /m)[0] ?? "";
  const extras: Record<string, string> = {};
  for (const m of section.matchAll(/^\| `(\w+)` \| (\w+) \|/gm)) extras[m[1]!] = m[2]!;
  return extras;
}

/** The expected kinds of zocket's exports: zeromq.js's (as loaded) plus the documented extras. */
export function expectedKinds(zeromq: object): Record<string, string> {
  const expected: Record<string, string> = { ...kinds(zeromq), ...documentedExtras() };
  return Object.fromEntries(Object.entries(expected).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** zocket/v5-compat's documented extra exports, name → kind, from docs/compatibility.md. */
export function documentedCompatExtras(): Record<string, string> {
  const doc = readFileSync(new URL("docs/compatibility.md", REPO_ROOT), "utf8");
  const section = doc.split(/^### Extra exports of `zocket\/v5-compat`$/m)[1]?.split(/^##/m)[0] ?? "";
  const extras: Record<string, string> = {};
  for (const m of section.matchAll(/^\| `(\w+)` \| (\w+) \|/gm)) extras[m[1]!] = m[2]!;
  return extras;
}

/** The expected kinds of zocket/v5-compat's exports: zeromq/v5-compat's plus the documented compat extras. */
export function expectedCompatKinds(zeromqCompat: object): Record<string, string> {
  const expected: Record<string, string> = { ...kinds(zeromqCompat), ...documentedCompatExtras() };
  return Object.fromEntries(Object.entries(expected).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
