/**
 * The browser build in a real browser: Debian's headless Chromium (`chromium`, installed by .ci/run; the
 * path can be overridden with CHROMIUM_PATH), driven by playwright-core, which downloads nothing. The
 * bundle is built by scripts/build-browser.mjs into a scratch folder and served, with a page that imports
 * it, by a small HTTP server on 127.0.0.1. The page then does, over ws://:
 * - REQ/REP, SUB (filtered) and CURVE REQ/REP against zocket servers in this process;
 * - REQ/REP and SUB against libzmq 4.3.5 servers (zeromq.js), which take the browser's bare `ZWS2.0`;
 * and checks that the module loaded without a Node built-in and that binding is refused. Last, the page of
 * examples/browser/ is opened as a person would and its feed and its form are checked.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium, type Browser, type Page } from "playwright-core";
import * as zmq from "zeromq";
import * as zocket from "../../src/index.ts";
import { RFC26_KEYS } from "../helpers/sockets.ts";
import { start as startExample } from "../../examples/browser/server.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

let scratch = "";
let server: http.Server;
let pageUrl = "";
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const closers: Array<() => void> = [];
let publishing: NodeJS.Timeout;

const endpoints: Record<string, string> = {};

before(async () => {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  scratch = mkdtempSync(join(tmpdir(), "zocket-browser-"));
  const bundle = join(scratch, "zocket.js");
  await promisify(execFile)(process.execPath, [join(ROOT, "scripts", "build-browser.mjs"), bundle], { cwd: ROOT });
  const html =
    '<!doctype html><meta charset="utf-8"><title>zocket</title>' +
    '<script type="module">import * as zocket from "/zocket.js"; window.zocket = zocket; window.loaded = true;</script>';
  server = http.createServer((req, res) => {
    if (req.url === "/zocket.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end(readFileSync(bundle));
    } else {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(html);
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  pageUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;

  // Servers the page talks to: zocket and libzmq, REP echo and PUB.
  const echo = (rep: { receive(): Promise<Buffer[]>; send(m: unknown): Promise<void> }, tag: string): void => {
    void (async () => {
      for (;;) {
        const msg = await rep.receive();
        await rep.send([`${tag}:${msg.map(String).join("+")}`]);
      }
    })().catch(() => {});
  };
  const zRep = new zocket.Reply({ linger: 0 });
  await zRep.bind("ws://127.0.0.1:*/rep");
  echo(zRep, "zocket");
  const zCurve = new zocket.Reply({ linger: 0, curveServer: true, curveSecretKey: RFC26_KEYS.serverSecret });
  await zCurve.bind("ws://127.0.0.1:*/curve");
  echo(zCurve, "zocket-curve");
  const zPub = new zocket.Publisher({ linger: 0 });
  await zPub.bind("ws://127.0.0.1:*/pub");
  const lRep = new zmq.Reply({ linger: 0 });
  await lRep.bind("ws://127.0.0.1:*/rep");
  echo(lRep as never, "libzmq");
  const lPub = new zmq.Publisher({ linger: 0 });
  await lPub.bind("ws://127.0.0.1:*/pub");
  closers.push(
    () => zRep.close(),
    () => zCurve.close(),
    () => zPub.close(),
    () => lRep.close(),
    () => lPub.close(),
  );
  Object.assign(endpoints, {
    zRep: zRep.lastEndpoint,
    zCurve: zCurve.lastEndpoint,
    zPub: zPub.lastEndpoint,
    lRep: lRep.lastEndpoint,
    lPub: lPub.lastEndpoint,
  });
  let n = 0;
  // One send at a time per socket: a second while one is pending throws EBUSY (as zeromq.js), and after 512
  // sends completed at once a send waits for the event loop (fairness), so the two must be awaited.
  let sending = false;
  publishing = setInterval(() => {
    if (sending) return;
    sending = true;
    n++;
    void (async () => {
      for (const pub of [zPub, lPub] as Array<{ send(m: string): Promise<void> }>) {
        await pub.send(`B-${n}`);
        await pub.send(`A-${n}`);
      }
    })()
      .catch(() => {})
      .finally(() => (sending = false));
  }, 20);

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless=new"] });
  page = await browser.newPage();
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });
  await page.goto(pageUrl);
  await page.waitForFunction(() => (globalThis as { loaded?: boolean }).loaded === true, undefined, {
    timeout: 15_000,
  });
});

after(async () => {
  clearInterval(publishing);
  await browser?.close();
  for (const c of closers) c();
  server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Run `fn` in the page with the endpoints; it sees `zocket` as a global. */
function inPage<R>(fn: (eps: Record<string, string>) => Promise<R>): Promise<R> {
  return page.evaluate(fn, endpoints);
}

describe("the browser build in headless Chromium", () => {
  test("loads as one module with the main entry's API, no Node globals, ws only", async () => {
    const r = await inPage(async () => {
      const z = (globalThis as unknown as { zocket: Record<string, unknown> }).zocket;
      return {
        names: ["Request", "Reply", "Subscriber", "Publisher", "Dealer", "Router", "Context", "curveKeyPair"].filter(
          (n) => typeof z[n] === "function",
        ).length,
        hasProcess: typeof (globalThis as { process?: unknown }).process !== "undefined",
        hasBuffer: typeof (globalThis as { Buffer?: unknown }).Buffer !== "undefined",
        capability: z["capability"],
      };
    });
    assert.equal(r.names, 8);
    assert.equal(r.hasProcess, false);
    assert.equal(r.hasBuffer, false);
    assert.deepEqual(r.capability, {
      ipc: false,
      pgm: false,
      tipc: false,
      norm: false,
      curve: true,
      gssapi: false,
      draft: false,
      ws: true,
      wss: true,
    });
    assert.deepEqual(pageErrors, []);
  });

  for (const [who, ep, tag] of [
    ["zocket", "zRep", "zocket"],
    ["libzmq 4.3.5 (zeromq.js)", "lRep", "libzmq"],
  ] as const) {
    test(`REQ/REP against ${who}`, async () => {
      const replies = await page.evaluate(async (address: string) => {
        const z = (globalThis as unknown as { zocket: typeof zocket }).zocket;
        const req = new z.Request({ receiveTimeout: 5000 });
        req.connect(address);
        const out: string[] = [];
        for (const m of ["one", "two"]) {
          await req.send([m, "part"]);
          out.push((await req.receive()).map((b) => new TextDecoder().decode(b)).join("|"));
        }
        req.close();
        return out;
      }, endpoints[ep]!);
      assert.deepEqual(replies, [`${tag}:one+part`, `${tag}:two+part`]);
    });
  }

  for (const [who, ep] of [
    ["zocket", "zPub"],
    ["libzmq 4.3.5 (zeromq.js)", "lPub"],
  ] as const) {
    test(`SUB against ${who}: only the subscribed topic arrives`, async () => {
      const got = await page.evaluate(async (address: string) => {
        const z = (globalThis as unknown as { zocket: typeof zocket }).zocket;
        const sub = new z.Subscriber({ receiveTimeout: 5000 });
        sub.connect(address);
        sub.subscribe("A");
        const out: string[] = [];
        while (out.length < 3) out.push(new TextDecoder().decode((await sub.receive())[0]));
        sub.close();
        return out;
      }, endpoints[ep]!);
      assert.equal(got.length, 3);
      assert.ok(
        got.every((m) => m.startsWith("A-")),
        got.join(","),
      );
    });
  }

  test("CURVE REQ/REP against zocket (token-safe ZWS2.0+CURVE), pure-JS crypto in the page", async () => {
    const reply = await page.evaluate(
      async ({ address, serverKey }: { address: string; serverKey: string }) => {
        const z = (globalThis as unknown as { zocket: typeof zocket }).zocket;
        await z.curveReady();
        const keys = z.curveKeyPair();
        const req = new z.Request({
          receiveTimeout: 5000,
          curveServerKey: serverKey,
          curvePublicKey: keys.publicKey,
          curveSecretKey: keys.secretKey,
        });
        req.connect(address);
        await req.send("secret");
        const [r] = await req.receive();
        req.close();
        return new TextDecoder().decode(r);
      },
      { address: endpoints["zCurve"]!, serverKey: RFC26_KEYS.serverPublic as string },
    );
    assert.equal(reply, "zocket-curve:secret");
  });

  test("examples/browser: the page shows the PUB's time feed and the REP's answer to the form", async (t) => {
    const example = await startExample({ httpPort: 0, pubPort: 0, repPort: 0, bundle: join(scratch, "zocket.js") });
    t.after(() => example.close());
    const p = await browser.newPage();
    t.after(() => p.close());
    await p.goto(example.url);
    await p.waitForFunction(() => (globalThis as { zocketExampleReady?: boolean }).zocketExampleReady === true);
    await p.locator("#feed li").first().waitFor({ timeout: 10_000 });
    assert.match(await p.locator("#feed li").first().innerText(), /^time \d{4}-\d\d-\d\dT/);
    await p.fill("#question", "abc");
    await p.click("form#ask button");
    await p.locator("#answers li").first().waitFor({ timeout: 10_000 });
    assert.equal(await p.locator("#answers li").first().innerText(), "CBA");
  });

  test("bind and tcp:// are refused in a page, with a hint", async () => {
    const errs = await inPage(async () => {
      const z = (globalThis as unknown as { zocket: typeof zocket }).zocket;
      const out: string[] = [];
      const rep = new z.Reply();
      try {
        await rep.bind("ws://127.0.0.1:5555/");
      } catch (e) {
        out.push(`${(e as { code: string }).code}: ${(e as { hint: string }).hint}`);
      }
      try {
        await rep.bind("tcp://127.0.0.1:5555");
      } catch (e) {
        out.push(`${(e as { code: string }).code}: ${(e as { hint: string }).hint}`);
      }
      rep.close();
      return out;
    });
    assert.match(errs[0]!, /^EPROTONOSUPPORT: .*cannot listen/);
    assert.match(errs[1]!, /^EPROTONOSUPPORT: tcp:\/\/ is not available in a browser/);
    assert.deepEqual(pageErrors, []);
  });
});
