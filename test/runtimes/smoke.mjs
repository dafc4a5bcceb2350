// The runtime side of test/runtimes/runtimes.test.ts, run by Bun or Deno (plain ESM, no TypeScript):
//   smoke.mjs ENTRY ROLE ENDPOINT MECH
// ENTRY is zocket's built ES module entry (dist/entry-esm.js). ROLE:
//   req   connect, send the message suite (test/helpers/sockets.ts interopSuite), check each echo, send "quit"
//   push  connect, send the suite, then "quit"; print "SENT" and stay until stdin closes (delivery done)
//   sub   connect, subscribe to "A", receive 3 messages, check they start with "A-"
//   rep   bind ENDPOINT, print "BOUND <lastEndpoint>", echo the suite back (7 messages)
//   wss   a REP bound to wss://127.0.0.1:*/ and a REQ in this process, one round trip (PEM texts in the
//         environment: ZOCKET_TEST_CERT, ZOCKET_TEST_KEY, ZOCKET_TEST_CA)
// MECH: null | curve (the RFC 26 keys; the binding side is the server). Prints "OK" and exits 0, or
// prints "FAIL <why>" and exits 1. Every wait has a timeout.
const [entry, role, endpoint, mech] = process.argv.slice(2);
const z = await import(entry);
const { Buffer } = await import("node:buffer");

const KEYS = {
  serverPublic: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
  serverSecret: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
  clientPublic: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
  clientSecret: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
};

function pattern(n, seed) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}
const suite = () => [
  [new TextEncoder().encode("hello")],
  [new Uint8Array(0)],
  [pattern(255, 1)],
  [pattern(256, 2)],
  [
    new TextEncoder().encode("multi"),
    new Uint8Array(0),
    pattern(255, 3),
    pattern(256, 4),
    new TextEncoder().encode("end"),
  ],
  [pattern(4 * 1024 * 1024, 5)],
  [new TextEncoder().encode("last")],
];
const same = (a, b) =>
  a.length === b.length && a.every((f, i) => Buffer.compare(Buffer.from(f), Buffer.from(b[i])) === 0);

const server = role === "rep";
const opts = { linger: 2000, receiveTimeout: 10000, sendTimeout: 10000 };
if (mech === "curve") {
  Object.assign(
    opts,
    server
      ? { curveServer: true, curveSecretKey: KEYS.serverSecret }
      : { curveServerKey: KEYS.serverPublic, curvePublicKey: KEYS.clientPublic, curveSecretKey: KEYS.clientSecret },
  );
}
if (role === "wss") {
  const env = process.env;
  const rep = new z.Reply({ linger: 0, wssCertPem: env.ZOCKET_TEST_CERT, wssKeyPem: env.ZOCKET_TEST_KEY });
  const req = new z.Request({ linger: 0, receiveTimeout: 10000, wssTrustPem: env.ZOCKET_TEST_CA });
  try {
    await rep.bind("wss://127.0.0.1:*/");
    req.connect(rep.lastEndpoint);
    await req.send("over tls");
    await rep.send(await rep.receive());
    const [m] = await req.receive();
    if (String(m) !== "over tls") throw new Error(`got ${m}`);
    req.close();
    rep.close();
    console.log("OK");
    process.exit(0);
  } catch (err) {
    console.log(`FAIL ${err?.code ?? ""} ${err?.message ?? err}`);
    process.exit(1);
  }
}
const Type = { req: z.Request, push: z.Push, sub: z.Subscriber, rep: z.Reply }[role];
const s = new Type(opts);
try {
  if (role === "req") {
    s.connect(endpoint);
    for (const m of suite()) {
      await s.send(m);
      if (!same(await s.receive(), m)) throw new Error("echo differs");
    }
    await s.send("quit");
    await s.receive();
  } else if (role === "push") {
    s.connect(endpoint);
    for (const m of suite()) await s.send(m);
    await s.send("quit");
    console.log("SENT");
    await new Promise((resolve) => {
      process.stdin.on("end", resolve);
      process.stdin.on("close", resolve);
      process.stdin.resume();
    });
  } else if (role === "sub") {
    s.connect(endpoint);
    s.subscribe("A");
    for (let i = 0; i < 3; i++) {
      const [m] = await s.receive();
      if (!String(m).startsWith("A-")) throw new Error(`unsubscribed message ${m}`);
    }
  } else {
    await s.bind(endpoint);
    console.log(`BOUND ${s.lastEndpoint}`);
    for (let i = 0; i < suite().length; i++) await s.send(await s.receive());
  }
  s.close();
  console.log("OK");
  process.exit(0);
} catch (err) {
  console.log(`FAIL ${err?.code ?? ""} ${err?.message ?? err}`);
  process.exit(1);
}
