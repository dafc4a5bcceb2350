/**
 * `zocket keygen [NAME]`: a fresh CURVE key pair (X25519, as `zmq_curve_keypair`), printed in Z85, or
 * saved as czmq certificate files NAME (public) and NAME_secret (both keys, mode 0600) that czmq's
 * zcert_load, pyzmq's zmq.auth.load_certificate and every zocket --curve-* option read.
 */
import { chmodSync, existsSync } from "node:fs";
import { saveCertificate } from "../security/certificate.ts";
import { flag, helpText, parse, RuntimeFailure, strs, UsageError, type CommandSpec } from "./args.ts";
import { curveKeyPair } from "./lib.ts";
import type { CliIO, Command, Runtime } from "./runtime.ts";

const spec: CommandSpec = {
  name: "keygen",
  summary: "zocket keygen — generate a CURVE key pair",
  usage: ["zocket keygen [options]", "zocket keygen [options] NAME"],
  description:
    "Without NAME, prints the pair as two lines (public-key: ..., secret-key: ...).\n" +
    "With NAME, writes czmq certificate files NAME (give it to peers) and NAME_secret (keep it; mode 0600),\n" +
    "and prints the public key.",
  options: {
    json: { type: "boolean", help: 'print {"publicKey": ..., "secretKey": ...} instead' },
    meta: { type: "string", multiple: true, value: "KEY=VALUE", help: "certificate metadata (e.g. name=alice)" },
    force: { type: "boolean", help: "overwrite existing certificate files" },
  },
  examples: [
    "zocket keygen",
    "zocket keygen server.cert --meta name=server   # writes server.cert and server.cert_secret",
    "zocket echo @tcp://*:5555 --curve-server --curve-cert server.cert",
    "zocket ping tcp://localhost:5555 --curve-server-key server.cert",
  ],
};

async function run(argv: string[], rt: Runtime, io: CliIO): Promise<number> {
  const { values: v, positionals } = parse(spec, argv);
  if (flag(v, "help")) {
    io.stdout.write(helpText(spec));
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`one NAME at a time, got ${positionals.length}`);
  const metadata: Record<string, string> = {};
  for (const m of strs(v, "meta")) {
    const i = m.indexOf("=");
    if (i <= 0) throw new UsageError(`--meta: expected KEY=VALUE, got "${m}"`);
    const key = m.slice(0, i);
    // ZPL names (RFC 4): letters, digits and $-_@.&+/
    if (!/^[A-Za-z0-9$\-_@.&+/]+$/.test(key))
      throw new UsageError(`--meta: "${key}" is not a valid ZPL name (letters, digits, $-_@.&+/)`);
    metadata[key] = m.slice(i + 1);
  }
  const { publicKey, secretKey } = curveKeyPair();
  const name = positionals[0];
  if (name === undefined) {
    if (flag(v, "json")) io.stdout.write(JSON.stringify({ publicKey, secretKey }) + "\n");
    else io.stdout.write(`public-key: ${publicKey}\nsecret-key: ${secretKey}\n`);
    return 0;
  }
  const secretFile = `${name}_secret`;
  if (!flag(v, "force")) {
    for (const f of [name, secretFile])
      if (existsSync(f)) throw new RuntimeFailure(`${f} exists; use --force to overwrite it`);
  }
  try {
    saveCertificate({ publicKey, secretKey, metadata }, name);
    // A mode given to writeFile applies only to a new file: tighten an overwritten one too.
    chmodSync(secretFile, 0o600);
  } catch (err) {
    throw new RuntimeFailure(`cannot write ${name}: ${(err as Error).message}`);
  }
  if (flag(v, "json")) io.stdout.write(JSON.stringify({ publicKey, publicFile: name, secretFile }) + "\n");
  else io.stdout.write(`public-key: ${publicKey}\n`);
  rt.note(`wrote ${name} (public certificate) and ${secretFile} (secret certificate, keep it private)`);
  return 0;
}

export const keygenCommand: Command = {
  name: "keygen",
  summary: "a CURVE key pair in Z85, or czmq certificate files",
  run,
};
