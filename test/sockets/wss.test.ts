/**
 * wss:// (ZWS 2.0 inside TLS) with libzmq's ZMQ_WSS_* options (docs/ws-notes.md §16): a CA and a server
 * certificate for `localhost` (and 127.0.0.1) made in the test with openssl; the server takes
 * wssCertPem/wssKeyPem, the client wssTrustPem and wssHostname. Neither libzmq build here has wss (no
 * GnuTLS), so the peers are zocket on both sides, and Node's own TLS client for the raw checks.
 */
import { before, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as tls from "node:tls";
import * as z from "../../src/index.ts";
import { makePki, type Pki } from "../helpers/pki.ts";
import { closeAfter, delay, RFC26_KEYS, withTimeout } from "../helpers/sockets.ts";

let pki: Pki;
before(() => {
  pki = makePki();
});

async function server(t: TestContext, opts: object = {}): Promise<z.Reply> {
  const rep = new z.Reply({ linger: 0, wssCertPem: pki.certPem, wssKeyPem: pki.keyPem, ...opts });
  closeAfter(t, rep);
  await rep.bind("wss://127.0.0.1:*/secure");
  return rep;
}

async function roundTrip(rep: z.Reply, req: z.Request): Promise<string> {
  await req.send("over tls");
  const [m] = await withTimeout(rep.receive(), 5000, "request");
  await rep.send(`echo ${m!.toString()}`);
  return (await withTimeout(req.receive(), 5000, "reply"))[0]!.toString();
}

/** Events of a socket, collected. */
function events(s: z.Socket): string[] {
  const seen: string[] = [];
  void (async () => {
    for await (const e of s.events) seen.push(e.type);
  })();
  return seen;
}

describe("wss://", () => {
  test("lastEndpoint is wss://127.0.0.1:PORT/path; the options read back", async (t) => {
    const rep = await server(t);
    assert.match(rep.lastEndpoint!, /^wss:\/\/127\.0\.0\.1:\d+\/secure$/);
    assert.equal(rep.wssCertPem, pki.certPem);
    assert.equal(rep.wssTrustSystem, false);
  });

  test("a client trusting the CA (wssTrustPem) talks to the server, checked against 127.0.0.1", async (t) => {
    const rep = await server(t);
    const req = new z.Request({ linger: 0, wssTrustPem: pki.caPem });
    closeAfter(t, req);
    req.connect(rep.lastEndpoint!);
    assert.equal(await roundTrip(rep, req), "echo over tls");
  });

  test("wssHostname: the certificate is checked against that name (localhost) and sent as SNI", async (t) => {
    const rep = await server(t);
    const req = new z.Request({ linger: 0, wssTrustPem: pki.caPem, wssHostname: "localhost" });
    closeAfter(t, req);
    req.connect(rep.lastEndpoint!);
    assert.equal(await roundTrip(rep, req), "echo over tls");
  });

  test("CURVE inside wss", async (t) => {
    const rep = await server(t, { curveServer: true, curveSecretKey: RFC26_KEYS.serverSecret });
    const req = new z.Request({
      linger: 0,
      wssTrustPem: pki.caPem,
      curveServerKey: RFC26_KEYS.serverPublic,
      curvePublicKey: RFC26_KEYS.clientPublic,
      curveSecretKey: RFC26_KEYS.clientSecret,
    });
    closeAfter(t, req);
    req.connect(rep.lastEndpoint!);
    assert.equal(await roundTrip(rep, req), "echo over tls");
  });

  for (const [why, opts] of [
    ["an unknown CA", { wssTrustPem: "other" }],
    ["a name the certificate does not have", { wssTrustPem: "ca", wssHostname: "example.org" }],
    ["no trust at all (the system CAs do not know the test CA)", {}],
  ] as const) {
    test(`a client with ${why} never connects`, async (t) => {
      const rep = await server(t);
      const o: Record<string, unknown> = { linger: 0, ...opts };
      if (o.wssTrustPem === "other") o.wssTrustPem = pki.otherCaPem;
      if (o.wssTrustPem === "ca") o.wssTrustPem = pki.caPem;
      const req = new z.Request(o);
      closeAfter(t, req);
      const seen = events(req);
      req.connect(rep.lastEndpoint!);
      void req.send("never").catch(() => {});
      rep.receiveTimeout = 500;
      await assert.rejects(rep.receive(), (e: z.ZmqError) => e.code === "EAGAIN");
      await delay(50);
      assert.ok(!seen.includes("connect"), seen.join(","));
    });
  }

  test("binding wss:// without a certificate and key is EINVAL, with a hint", async (t) => {
    const rep = new z.Reply({ linger: 0 });
    closeAfter(t, rep);
    await assert.rejects(rep.bind("wss://127.0.0.1:*/"), (e: z.ZmqError) => {
      return e.code === "EINVAL" && /wssCertPem and wssKeyPem/.test(e.hint);
    });
  });

  test("a TLS client that fails its handshake costs only its own connection", async (t) => {
    const rep = await server(t);
    const port = Number(/:(\d+)\//.exec(rep.lastEndpoint!)![1]);
    const bad = tls.connect({ host: "127.0.0.1", port, ca: pki.otherCaPem });
    await new Promise<void>((resolve) => bad.once("error", () => resolve()));
    const req = new z.Request({ linger: 0, wssTrustPem: pki.caPem });
    closeAfter(t, req);
    req.connect(rep.lastEndpoint!);
    assert.equal(await roundTrip(rep, req), "echo over tls");
  });
});
