/**
 * The published package, as a user gets it: `npm pack` (its prepack script builds dist/), the tarball unpacked
 * into a scratch project's node_modules next to links to zocket's runtime dependencies (no network), then
 * loaded every way: require, import, default import, named imports, zocket/package.json, the bin, and a
 * TypeScript file of each module kind type-checked and compiled with tsc, then run; zocket/v5-compat the same.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { REPO_ROOT, expectedCompatKinds, expectedKinds } from "./surface.ts";

const run = promisify(execFile);
const root = fileURLToPath(REPO_ROOT);
const require = createRequire(import.meta.url);
const zeromq = require("zeromq") as object;
const zeromqCompat = require("zeromq/v5-compat") as object;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
};

let scratch = "";
let app = "";
let packed: string[] = [];

/** Runs node on a file of the scratch project and parses the JSON line it prints. */
async function probe(file: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [file], { cwd: app, timeout: 30_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "zocket-pack-"));
  await run("npm", ["pack", "--pack-destination", scratch, "--no-fund", "--no-audit"], {
    cwd: root,
    timeout: 120_000,
    maxBuffer: 16 << 20,
  });
  const tarball = readdirSync(scratch).find((f) => f.endsWith(".tgz"));
  assert.ok(tarball !== undefined, "npm pack wrote no tarball");
  packed = (await run("tar", ["-tzf", join(scratch, tarball)], { maxBuffer: 16 << 20 })).stdout.split("\n");

  app = join(scratch, "app");
  const installed = join(app, "node_modules", "zocket");
  mkdirSync(installed, { recursive: true });
  await run("tar", ["-xzf", join(scratch, tarball), "-C", installed, "--strip-components=1"]);
  // zocket's dependencies (and @types/node for tsc) link to this checkout's copies: Node follows the links to
  // their real paths, where their own dependencies resolve. Only declared dependencies are reachable.
  for (const name of [...Object.keys(pkg.dependencies), "@types/node", "typescript"]) {
    const link = join(app, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(realpathSync(join(root, "node_modules", name)), link, "dir");
  }
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  for (const [file, text] of Object.entries(FILES)) writeFileSync(join(app, file), text);
});

after(() => {
  if (scratch !== "") rmSync(scratch, { recursive: true, force: true });
});

test("the tarball holds the built entries and no sources or tests", () => {
  for (const file of ["entry-cjs.cjs", "entry-cjs.d.cts", "entry-esm.js", "entry-esm.d.ts", "index.js"]) {
    assert.ok(packed.includes(`package/dist/${file}`), file);
    assert.ok(packed.includes(`package/dist/compat/${file}`), `compat/${file}`);
  }
  for (const file of ["entry-cjs.cjs", "entry-cjs.d.cts", "entry-esm.js", "entry-esm.d.ts", "extra-entry-cjs.cjs"]) {
    assert.ok(packed.includes(`package/dist/draft/${file}`), `draft/${file}`);
  }
  assert.ok(packed.includes("package/bin/zocket.js"));
  assert.ok(packed.includes("package/package.json"));
  // zocket/browser (and the browser condition of zocket): one bundled module, no browser sources.
  assert.ok(packed.includes("package/dist/browser/zocket.js"));
  assert.deepEqual(
    packed.filter((f) => f.startsWith("package/dist/browser/") && !/\/zocket\.js(\.map)?$/.test(f)),
    [],
  );
  assert.deepEqual(
    packed.filter((f) => /^package\/(src|test|bench|examples|docs)\//.test(f)),
    [],
  );
});

test("require('zocket'): zeromq.js's exports of the same kind, plus the documented extras", async () => {
  const out = await probe("probe.cjs");
  assert.deepEqual(out["kinds"], expectedKinds(zeromq));
  assert.equal(out["version"], pkg.version);
  assert.equal(out["deepPath"], "ERR_PACKAGE_PATH_NOT_EXPORTED");
  assert.equal(out["oneInstance"], true, "require and import load one module instance");
  assert.equal(out["defaultImport"], true, "import() of the package has the namespace as default");
  assert.equal(out["inproc"], "across require and import");
});

test("import from ES modules: namespace, default import and named imports", async () => {
  const out = await probe("probe.mjs");
  assert.deepEqual(out["kinds"], { ...expectedKinds(zeromq), default: "object" });
  assert.equal(out["defaultIsNamespace"], true);
  assert.equal(out["named"], true);
  assert.equal(out["inproc"], "pong");
});

test("TypeScript resolves the types for import and require (zocket and zocket/v5-compat), and they run", async () => {
  const tsc = join(app, "node_modules", "typescript", "bin", "tsc");
  await run(process.execPath, [tsc, "-p", "."], { cwd: app, timeout: 60_000 }).catch((err: { stdout: string }) => {
    assert.fail(`tsc failed:\n${err.stdout}`);
  });
  assert.deepEqual(await probe("out/typed.mjs"), { esm: "Push Pull 20 pong" });
  assert.deepEqual(await probe("out/typed.cjs"), { cjs: "Push Pull 20 pong" });
  assert.deepEqual(await probe("out/typed-compat.mjs"), { esm: "push 0 world" });
  assert.deepEqual(await probe("out/typed-compat.cjs"), { cjs: "push 0 world" });
});

test("require('zocket/v5-compat'): zeromq/v5-compat's exports plus the documented extras, one instance", async () => {
  const out = await probe("probe-compat.cjs");
  assert.deepEqual(out["kinds"], expectedCompatKinds(zeromqCompat));
  assert.equal(out["withJs"], true, "zocket/v5-compat.js is the same module");
  assert.equal(out["oneInstance"], true, "require and import load one module instance");
  assert.equal(out["reqRep"], "world");
  assert.equal(out["inproc"], "from v5-compat to the v6 API");
});

test("import from 'zocket/v5-compat': namespace, default import and named imports", async () => {
  const out = await probe("probe-compat.mjs");
  assert.deepEqual(out["kinds"], { ...expectedCompatKinds(zeromqCompat), default: "object" });
  assert.equal(out["defaultIsNamespace"], true);
  assert.equal(out["named"], true);
  assert.equal(out["pushPull"], "a,b");
});

test("zocket/draft and zocket/draft-extra: require and import, one instance, typed, and they run", async () => {
  const out = await probe("probe-draft.cjs");
  assert.deepEqual(out["draftKeys"], ["Client", "Datagram", "Dish", "Gather", "Radio", "Scatter", "Server"]);
  assert.deepEqual(out["extraKeys"], ["Channel", "Peer"]);
  assert.equal(out["withJs"], true, "zocket/draft.js is the same module");
  assert.equal(out["oneInstance"], true, "require and import load one module instance");
  assert.equal(out["serverClient"], "re:hi");
  assert.deepEqual(await probe("out/typed-draft.mjs"), { esm: "Server Dish re:hi 2" });
  assert.deepEqual(await probe("out/typed-draft.cjs"), { cjs: "Server Dish re:hi 2" });
});

test("the zocket bin runs from the installed package", async () => {
  const { stdout } = await run(process.execPath, [join("node_modules", "zocket", "bin", "zocket.js"), "--version"], {
    cwd: app,
  });
  assert.match(stdout, new RegExp(`^zocket ${pkg.version.replaceAll(".", "\\.")} `));
});

/** A Push/Pull round trip over inproc, as source text for the probes: `roundTrip(push, pull, endpoint)`. */
const ROUND_TRIP = `
async function roundTrip(push, pull, endpoint) {
  await pull.bind(endpoint);
  push.connect(endpoint);
  await push.send("pong");
  const [msg] = await pull.receive();
  push.close();
  pull.close();
  return msg.toString();
}`;

/** The kindOf() of surface.ts, in plain JavaScript for the probes. */
const KINDS = `
function kinds(api) {
  const kindOf = (v) => {
    if (typeof v !== "function") return typeof v;
    if (/^class[\\s{]/.test(Function.prototype.toString.call(v))) return "class";
    const own = v.prototype === undefined ? [] : Object.getOwnPropertyNames(v.prototype);
    return own.some((n) => n !== "constructor") ? "class" : "function";
  };
  return Object.fromEntries(Object.keys(api).sort().map((k) => [k, kindOf(api[k])]));
}`;

/** The body of both TypeScript files (one ES module, one CommonJS): typed use of the API, then a round trip. */
const TYPED = `
const push: Push = new Push({ linger: 0 } satisfies SocketOptions<Push>);
const pull = new zmq.Pull();
const observer: EventSubscriber = pull.events.on("bind", (event: EventOfType<"bind">) => void event.address);
// @ts-expect-error the types are zocket's, not \`any\`: this name does not exist
void zmq.NoSuchExport;
const keys: number = Object.keys(ns).filter((k) => k in zeromqNames).length;
async function summary(): Promise<string> {
  await pull.bind("inproc://typed");
  push.connect("inproc://typed");
  await push.send("pong");
  const [msg]: Message[] = await pull.receive();
  push.close();
  pull.close();
  void observer;
  return \`\${push.constructor.name} \${pull.constructor.name} \${keys} \${msg!.toString()}\`;
}
`;

/** A 5.x REQ/REP round trip over inproc, as source text for the compat probes: `reqRep(zmq, endpoint)`. */
const REQ_REP = `
function reqRep(zmq, endpoint) {
  return new Promise((resolve, reject) => {
    const rep = zmq.socket("rep");
    const req = zmq.socket("req");
    rep.on("message", (msg) => rep.send(msg.toString() === "hello" ? "world" : "?"));
    rep.bind(endpoint, (err) => {
      if (err) return reject(err);
      req.connect(endpoint);
      req.on("message", (msg) => {
        req.close();
        rep.close();
        resolve(msg.toString());
      });
      req.send("hello");
    });
  });
}`;

/** The body of both draft TypeScript files: zeromq.js's draft typing (routed receives), then a round trip. */
const TYPED_DRAFT = `
async function summary(): Promise<string> {
  const server = new Server({ linger: 0 });
  const client = new draft.Client();
  const peer = new Peer();
  const dish = new draft.Dish();
  dish.join("g");
  await server.bind("inproc://typed-draft");
  client.connect("inproc://typed-draft");
  await client.send("hi");
  const [msg, { routingId }]: [Buffer, { routingId: number }] = await server.receive();
  await server.send(\`re:\${msg.toString()}\`, { routingId });
  const [reply] = await client.receive();
  // @ts-expect-error SERVER needs the routing id
  void (() => server.send("x"));
  const extras: number = Object.keys(extra).length;
  for (const s of [server, client, peer, dish]) s.close();
  return \`\${server.constructor.name} \${dish.constructor.name} \${reply!.toString()} \${extras}\`;
}
`;

/** The body of both compat TypeScript files: typed 5.x-style code, then a round trip. */
const TYPED_COMPAT = `
const push: zmq.Socket = zmq.socket("push", { linger: 0 });
push.setsockopt(zmq.ZMQ_SNDHWM, 10).linger = 0;
const flags: number = zmq.ZMQ_SNDMORE | zmq.ZMQ_DONTWAIT;
const types: Record<string, number> = zmq.types;
// @ts-expect-error the types are zocket's, not \`any\`: this name does not exist
void zmq.NoSuchExport;
function summary(): Promise<string> {
  return new Promise((resolve) => {
    const rep = zmq.socket("rep");
    const req = zmq.socket(zmq.ZMQ_REQ);
    rep.on("message", (msg: Buffer) => rep.send(msg.toString() === "hello" ? "world" : "?"));
    rep.bindSync("inproc://typed-compat");
    req.connect("inproc://typed-compat");
    req.on("message", (msg: Buffer) => {
      const text = \`\${push.type} \${push.getsockopt("linger")} \${msg.toString()}\`;
      req.close();
      rep.close();
      push.close();
      resolve(text);
    });
    req.send("hello", 0, (err?: Error) => void err);
    void flags;
    void types;
  });
}
`;

const ZEROMQ_NAMES = JSON.stringify(Object.fromEntries(Object.keys(zeromq).map((k) => [k, true])));

/** The scratch project's files. */
const FILES: Record<string, string> = {
  "probe.cjs": `"use strict";
${KINDS}
${ROUND_TRIP}
const zmq = require("zocket");
let deepPath = "resolved";
try { require("zocket/dist/index.js"); } catch (err) { deepPath = err.code; }
import("zocket").then(async (esm) => {
  const inproc = await roundTrip(new zmq.Push(), new esm.Pull(), "inproc://shared");
  console.log(JSON.stringify({
    kinds: kinds(zmq),
    version: require("zocket/package.json").version,
    deepPath,
    oneInstance: esm.context === zmq.context && esm.Push === zmq.Push,
    defaultImport: esm.default.Push === zmq.Push,
    inproc: inproc === "pong" ? "across require and import" : inproc,
  }));
});
`,
  "probe.mjs": `${KINDS}
${ROUND_TRIP}
import * as ns from "zocket";
import zmq, { Push, Pull, context } from "zocket";
console.log(JSON.stringify({
  kinds: kinds(ns),
  defaultIsNamespace: zmq === ns.default && Object.keys(ns).every((k) => k === "default" || zmq[k] === ns[k]),
  named: Push === zmq.Push && Pull === zmq.Pull && context === zmq.context,
  inproc: await roundTrip(new Push(), new zmq.Pull(), "inproc://esm"),
}));
`,
  "typed.mts": `import zmq, { Push, type EventOfType, type EventSubscriber, type Message, type SocketOptions } from "zocket";
import * as ns from "zocket";
const zeromqNames: Record<string, boolean> = ${ZEROMQ_NAMES};
${TYPED}
console.log(JSON.stringify({ esm: await summary() }));
`,
  "typed.cts": `import zmq from "zocket";
import ns = require("zocket");
import { Push, type EventOfType, type EventSubscriber, type Message, type SocketOptions } from "zocket";
const zeromqNames: Record<string, boolean> = ${ZEROMQ_NAMES};
${TYPED}
void summary().then((cjs) => console.log(JSON.stringify({ cjs })));
`,
  "probe-compat.cjs": `"use strict";
${KINDS}
${REQ_REP}
const zmq = require("zocket/v5-compat");
Promise.all([import("zocket/v5-compat"), import("zocket")]).then(async ([esm, v6]) => {
  const reply = await reqRep(zmq, "inproc://compat-cjs");
  // A 5.x PUSH (required) to a v6 Pull (imported): one default context, one inproc registry.
  const pull = new v6.Pull();
  await pull.bind("inproc://compat-to-v6");
  const push = zmq.socket("push");
  push.connect("inproc://compat-to-v6");
  push.send("from v5-compat to the v6 API");
  const [msg] = await pull.receive();
  push.close();
  pull.close();
  console.log(JSON.stringify({
    kinds: kinds(zmq),
    withJs: require("zocket/v5-compat.js") === zmq,
    oneInstance: esm.socket === zmq.socket && esm.Socket === zmq.Socket,
    reqRep: reply,
    inproc: msg.toString(),
  }));
});
`,
  "probe-compat.mjs": `${KINDS}
import * as ns from "zocket/v5-compat";
import zmq, { socket, ZMQ_SNDMORE } from "zocket/v5-compat";
const pull = zmq.socket("pull");
const push = socket("push");
pull.bindSync("inproc://compat-esm");
push.connect("inproc://compat-esm");
const pushPull = await new Promise((resolve) => {
  pull.on("message", (...frames) => resolve(frames.map(String).join(",")));
  push.send("a", ZMQ_SNDMORE);
  push.send("b");
});
push.close();
pull.close();
console.log(JSON.stringify({
  kinds: kinds(ns),
  defaultIsNamespace: zmq === ns.default && Object.keys(ns).every((k) => k === "default" || zmq[k] === ns[k]),
  named: socket === zmq.socket && ZMQ_SNDMORE === 2,
  pushPull,
}));
`,
  "typed-compat.mts": `import zmq from "zocket/v5-compat";
${TYPED_COMPAT}
console.log(JSON.stringify({ esm: await summary() }));
`,
  "typed-compat.cts": `import zmq = require("zocket/v5-compat");
${TYPED_COMPAT}
void summary().then((cjs) => console.log(JSON.stringify({ cjs })));
`,
  "probe-draft.cjs": `"use strict";
const draft = require("zocket/draft");
const extra = require("zocket/draft-extra");
Promise.all([import("zocket/draft"), import("zocket/draft-extra")]).then(async ([esm, esmExtra]) => {
  const server = new draft.Server();
  const client = new esm.Client();
  await server.bind("inproc://probe-draft");
  client.connect("inproc://probe-draft");
  await client.send("hi");
  const [msg, { routingId }] = await server.receive();
  await server.send("re:" + msg.toString(), { routingId });
  const [reply] = await client.receive();
  server.close();
  client.close();
  console.log(JSON.stringify({
    draftKeys: Object.keys(draft).sort(),
    extraKeys: Object.keys(extra).sort(),
    withJs: require("zocket/draft.js") === draft,
    oneInstance: esm.Server === draft.Server && esmExtra.Peer === extra.Peer,
    serverClient: reply.toString(),
  }));
});
`,
  "typed-draft.mts": `import * as draft from "zocket/draft";
import { Server } from "zocket/draft";
import extra, { Peer } from "zocket/draft-extra";
${TYPED_DRAFT}
console.log(JSON.stringify({ esm: await summary() }));
`,
  "typed-draft.cts": `import draft = require("zocket/draft");
import extra = require("zocket/draft-extra");
const { Server } = draft;
const { Peer } = extra;
${TYPED_DRAFT}
void summary().then((cjs) => console.log(JSON.stringify({ cjs })));
`,
  "tsconfig.json": JSON.stringify({
    compilerOptions: {
      module: "nodenext",
      target: "es2022",
      strict: true,
      types: ["node"],
      outDir: "out",
    },
    files: ["typed.mts", "typed.cts", "typed-compat.mts", "typed-compat.cts", "typed-draft.mts", "typed-draft.cts"],
  }),
};
