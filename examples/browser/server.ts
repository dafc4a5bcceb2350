/**
 * The browser example's server: serves index.html and the browser build (dist/browser/zocket.js; built
 * into a scratch file if `npm run build` has not made it), and runs the two sockets the page talks to:
 * - a PUB on ws://HOST:PUB_PORT/feed that sends `["time", <ISO time>]` and `["tick", <n>]` every second;
 * - a REP on ws://HOST:REP_PORT/rpc that answers each request with it reversed, upper-cased.
 *
 * Run: npm run build && npx tsx examples/browser/server.ts   (then open http://127.0.0.1:8080/)
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Publisher, Reply } from "../../src/index.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");

export interface ExampleOptions {
  host?: string;
  /** 0 picks free ports. */
  httpPort?: number;
  pubPort?: number;
  repPort?: number;
  /** The bundle to serve; default dist/browser/zocket.js, built on the fly when missing. */
  bundle?: string;
}

export interface Example {
  url: string;
  close(): void;
}

function bundlePath(given: string | undefined): string {
  const path = given ?? join(ROOT, "dist", "browser", "zocket.js");
  if (existsSync(path)) return path;
  const out = join(mkdtempSync(join(tmpdir(), "zocket-example-")), "zocket.js");
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-browser.mjs"), out], { stdio: "inherit" });
  return out;
}

const portOf = (endpoint: string): number => Number(/:(\d+)\//.exec(endpoint)![1]);

export async function start(o: ExampleOptions = {}): Promise<Example> {
  const host = o.host ?? "127.0.0.1";
  const bundle = readFileSync(bundlePath(o.bundle));
  const page = readFileSync(join(HERE, "index.html"));

  const pub = new Publisher({ linger: 0 });
  await pub.bind(`ws://${host}:${o.pubPort ?? 8081}/feed`);
  const rep = new Reply({ linger: 0 });
  await rep.bind(`ws://${host}:${o.repPort ?? 8082}/rpc`);
  void (async () => {
    for await (const [question] of rep) {
      await rep.send([...String(question)].reverse().join("").toUpperCase());
    }
  })().catch(() => {});
  let n = 0;
  // One send at a time: a second send while one waits throws EBUSY, as in zeromq.js.
  const timer = setInterval(() => {
    void (async () => {
      await pub.send(["time", new Date().toISOString()]);
      await pub.send(["tick", String(n++)]);
    })().catch(() => {});
  }, 1000);

  const config = JSON.stringify({ pubPort: portOf(pub.lastEndpoint!), repPort: portOf(rep.lastEndpoint!) });
  const server = http.createServer((req, res) => {
    const [type, body] =
      req.url === "/zocket.js"
        ? ["text/javascript", bundle]
        : req.url === "/config.json"
          ? ["application/json", config]
          : ["text/html; charset=utf-8", page];
    res.writeHead(200, { "content-type": type });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(o.httpPort ?? 8080, host, resolve));
  const url = `http://${host}:${(server.address() as { port: number }).port}/`;
  return {
    url,
    close() {
      clearInterval(timer);
      server.close();
      pub.close();
      rep.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const ex = await start();
  console.log(`open ${ex.url} (PUB and REP on ws://; Ctrl-C to stop)`);
}
