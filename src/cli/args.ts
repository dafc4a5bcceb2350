/**
 * Argument parsing for the `zocket` command: a thin layer over `node:util` `parseArgs` that turns its
 * errors into one-line {@link UsageError}s (exit code 2) and renders `--help` pages from the same
 * option table, so the help text and the parser cannot drift apart.
 */
import { parseArgs } from "node:util";

/** Bad input on the command line or stdin: one clear line on stderr, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure while running (address in use, handshake refused, timeout): exit code 1. */
export class RuntimeFailure extends Error {
  /** The exit code the process ends with (1 unless said otherwise). */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "RuntimeFailure";
    this.exitCode = exitCode;
  }
}

/** One option of a command. */
export interface OptionDef {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in --help, e.g. "EP" or "MS". */
  value?: string;
  help: string;
  /** Hidden from --help (internal plumbing such as bench's child role). */
  hidden?: boolean;
}

export type OptionTable = Record<string, OptionDef>;

/** A command's help page and its option table. */
export interface CommandSpec {
  /** As typed: "push", "ping", "bench thr". */
  name: string;
  summary: string;
  usage: string[];
  description?: string;
  options: OptionTable;
  examples: string[];
}

export type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Parsed {
  values: ParsedValues;
  positionals: string[];
}

/** The options every command has. */
const HELP_OPTION: OptionTable = {
  help: { type: "boolean", short: "h", help: "show this help" },
};

/**
 * Parse `argv` for a command. Unknown options, missing values and the like become a one-line
 * {@link UsageError} that names the command (parseArgs' own messages span several lines).
 */
export function parse(spec: CommandSpec, argv: string[]): Parsed {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, def] of Object.entries({ ...spec.options, ...HELP_OPTION })) {
    const o: { type: "string" | "boolean"; short?: string; multiple?: boolean } = { type: def.type };
    if (def.short !== undefined) o.short = def.short;
    if (def.multiple === true) o.multiple = true;
    options[name] = o;
  }
  try {
    const r = parseArgs({ args: attachValues(argv, options), options, allowPositionals: true, strict: true });
    return { values: r.values as ParsedValues, positionals: r.positionals };
  } catch (err) {
    throw new UsageError(describeParseError(err));
  }
}

/**
 * Give every value-taking option the next argument as its value, as getopt does, even when that
 * argument starts with "-": Z85 keys may (`--curve-server-key -Nq...`), and so may negative numbers.
 * parseArgs alone calls such a value "ambiguous" and fails.
 */
function attachValues(
  argv: string[],
  options: Record<string, { type: "string" | "boolean"; short?: string }>,
): string[] {
  const takesValue = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== "string") continue;
    takesValue.add(`--${name}`);
    if (o.short !== undefined) takesValue.add(`-${o.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (takesValue.has(a) && next !== undefined) {
      out.push(a.startsWith("--") ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const msg = e.message ?? String(err);
  const opt = /'(-{1,2}[^' ]+)/.exec(msg)?.[1];
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${opt ?? msg}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/argument missing/.test(msg)) return `option ${optName(msg)} needs a value`;
      return `option ${optName(msg)} takes no value`;
    default:
      return msg.split("\n")[0] ?? msg;
  }
}

/** parseArgs names an option as "-c, --count <value>" or "--events"; keep the long form. */
function optName(msg: string): string {
  return /--[\w-]+/.exec(msg)?.[0] ?? /-\w/.exec(msg)?.[0] ?? "?";
}

// ------------------------------------------------------------------ typed accessors

/** A string option, or undefined. The last occurrence wins if it is given twice. */
export function str(v: ParsedValues, name: string): string | undefined {
  const x = v[name];
  if (Array.isArray(x)) return x.length > 0 ? String(x[x.length - 1]) : undefined;
  return typeof x === "string" ? x : undefined;
}

/** A repeatable string option (empty array when absent). */
export function strs(v: ParsedValues, name: string): string[] {
  const x = v[name];
  if (x === undefined) return [];
  if (Array.isArray(x)) return x.map(String);
  return typeof x === "string" ? [x] : [];
}

export function flag(v: ParsedValues, name: string): boolean {
  return v[name] === true;
}

/**
 * An integer option. `min` defaults to 0; the error names the option and what it takes.
 * @param what how to describe the unit in the error, e.g. "milliseconds"
 */
export function int(v: ParsedValues, name: string, def: number, min = 0, what = "a whole number"): number {
  const s = str(v, name);
  if (s === undefined) return def;
  return toInt(s, `--${name}`, min, what);
}

/** Parse `s` as an integer >= `min`, or throw a UsageError naming `label`. */
function toInt(s: string, label: string, min = 0, what = "a whole number"): number {
  if (!/^-?\d+$/.test(s.trim())) throw new UsageError(`${label} takes ${what}, got "${s}"`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${label} must be ${min === 1 ? "at least 1" : `>= ${min}`}, got ${s}`);
  return n;
}

/** A number with an optional k/M/G (1000-based) or KiB/MiB (1024-based) suffix: "64", "1k", "1MiB". */
export function toSize(s: string, label: string, min = 0): number {
  const m = /^(\d+)(k|m|g|kb|mb|gb|kib|mib|gib)?b?$/i.exec(s.trim());
  if (!m) throw new UsageError(`${label} takes a size such as 64, 1k or 1MiB, got "${s}"`);
  const unit = (m[2] ?? "").toLowerCase();
  const mult: Record<string, number> = {
    "": 1,
    k: 1e3,
    kb: 1e3,
    m: 1e6,
    mb: 1e6,
    g: 1e9,
    gb: 1e9,
    kib: 1024,
    mib: 1024 ** 2,
    gib: 1024 ** 3,
  };
  const n = Number(m[1]) * (mult[unit] ?? 1);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${label} must be >= ${min}, got ${s}`);
  return n;
}

/** Check that `value` is one of `allowed` (the error lists them). */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], label: string, def: T): T {
  if (value === undefined) return def;
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new UsageError(`${label} takes one of ${allowed.join(", ")}, got "${value}"`);
  return found;
}

// ------------------------------------------------------------------ help

/** Render a command's --help page. */
export function helpText(spec: CommandSpec): string {
  const lines: string[] = [];
  lines.push(`${spec.summary}`, "");
  lines.push("Usage:");
  for (const u of spec.usage) lines.push(`  ${u}`);
  if (spec.description !== undefined) lines.push("", spec.description.trimEnd());
  const rows: [string, string][] = [];
  for (const [name, def] of Object.entries({ ...spec.options, ...HELP_OPTION })) {
    if (def.hidden === true) continue;
    const short = def.short !== undefined ? `-${def.short}, ` : "    ";
    const val = def.type === "string" ? ` ${def.value ?? "VALUE"}` : "";
    rows.push([`${short}--${name}${val}`, def.help + (def.multiple === true ? " (repeatable)" : "")]);
  }
  if (rows.length > 0) {
    lines.push("", "Options:");
    const w = Math.min(34, Math.max(...rows.map((r) => r[0].length)) + 2);
    for (const [l, r] of rows) lines.push(l.length >= w ? `  ${l}\n  ${" ".repeat(w)}${r}` : `  ${l.padEnd(w)}${r}`);
  }
  if (spec.examples.length > 0) {
    lines.push("", "Examples:");
    for (const e of spec.examples) lines.push(`  ${e}`);
  }
  return lines.join("\n") + "\n";
}
