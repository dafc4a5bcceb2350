/**
 * CURVE crypto back-ends compared (run: `npm run build && npx tsx bench/scenarios/crypto.bench.ts`, ~15 s).
 *
 * Each candidate implements NaCl crypto_box as CurveZMQ uses it (RFC 26): X25519 key pairs, `beforenm`
 * (X25519 then HSalsa20) and XSalsa20-Poly1305 seal/open with a precomputed key.
 *
 *  - noble:        @noble/curves x25519 + @noble/ciphers hsalsa/xsalsa20poly1305 (pure JS)
 *  - node+noble:   node:crypto X25519 (OpenSSL, part of Node itself) + @noble/ciphers, done naively: every
 *                  X25519 re-imports both keys from DER (a PKCS#8 import alone costs ~0.36 ms); the
 *                  mechanisms avoid that (transient KeyObjects, cached long-term key, JWK public import)
 *  - libsodium:    libsodium-wrappers (WebAssembly; the runtime choice for the MESSAGE box)
 *  - zocket:       the real CurveClient/CurveServer (src/mechanisms/curve.ts) run against each other in
 *                  memory, i.e. the chosen back-end (curve-crypto.ts) plus the mechanisms' own work
 *
 * "handshake" runs every public-key operation and box of one full CURVE handshake, both sides
 * (2 key pairs, 6 X25519, 6 HSalsa20, HELLO/WELCOME/cookie/vouch/INITIATE/READY boxes), with real data
 * flow so a wrong implementation fails. "msg 1KiB" is one MESSAGE encrypt + decrypt of 1 KiB with the
 * precomputed key.
 */
import { Buffer } from "node:buffer";
import { createPrivateKey, createPublicKey, diffieHellman, getRandomValues, type KeyObject } from "node:crypto";
import { x25519 } from "@noble/curves/ed25519.js";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import sodium from "libsodium-wrappers";
import type { Mechanism, MechanismHost, SecurityOptions } from "../../src/mechanisms/mechanism.ts";
import { encodeReady, type Properties } from "../../src/protocol/command.ts";
import type * as Curve from "../../src/mechanisms/curve.ts";
import { loadBuilt } from "../suite/common.ts";

// zocket's mechanisms as users get them: the build (dist/), not src/ through tsx (see bench/suite/common.ts).
const { x25519Backend, loadFastBox, boxBackend } = (await loadBuilt(
  "mechanisms/curve-crypto.js",
)) as typeof import("../../src/mechanisms/curve-crypto.ts");
const { CurveClient, CurveServer } = (await loadBuilt(
  "mechanisms/curve.js",
)) as typeof import("../../src/mechanisms/curve.ts");

interface Backend {
  name: string;
  keypair(): { publicKey: Uint8Array; secretKey: Uint8Array };
  beforenm(publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array;
  seal(key: Uint8Array, nonce: Uint8Array, m: Uint8Array): Uint8Array;
  open(key: Uint8Array, nonce: Uint8Array, c: Uint8Array): Uint8Array | null;
}

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
function nobleHsalsa(shared: Uint8Array): Uint8Array {
  const k = new Uint32Array(shared.buffer.slice(shared.byteOffset, shared.byteOffset + 32));
  const out = new Uint32Array(8);
  hsalsa(SIGMA, k, new Uint32Array(4), out);
  return new Uint8Array(out.buffer);
}
const nobleSeal = (key: Uint8Array, nonce: Uint8Array, m: Uint8Array): Uint8Array =>
  xsalsa20poly1305(key, nonce).encrypt(m);
const nobleOpen = (key: Uint8Array, nonce: Uint8Array, c: Uint8Array): Uint8Array | null => {
  try {
    return xsalsa20poly1305(key, nonce).decrypt(c);
  } catch {
    return null;
  }
};

const noble: Backend = {
  name: "noble",
  keypair() {
    const secretKey = getRandomValues(new Uint8Array(32));
    return { publicKey: x25519.getPublicKey(secretKey), secretKey };
  },
  beforenm: (pk, sk) => nobleHsalsa(x25519.getSharedSecret(sk, pk)),
  seal: nobleSeal,
  open: nobleOpen,
};

const PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI = Buffer.from("302a300506032b656e032100", "hex");
const priv = (sk: Uint8Array): KeyObject =>
  createPrivateKey({ key: Buffer.concat([PKCS8, sk]), format: "der", type: "pkcs8" });
const pub = (pk: Uint8Array): KeyObject =>
  createPublicKey({ key: Buffer.concat([SPKI, pk]), format: "der", type: "spki" });
const nodeNoble: Backend = {
  name: "node+noble (naive)",
  keypair() {
    const secretKey = getRandomValues(new Uint8Array(32));
    const der = createPublicKey(priv(secretKey)).export({ format: "der", type: "spki" });
    return { publicKey: new Uint8Array(der.subarray(der.length - 32)), secretKey };
  },
  beforenm: (pk, sk) => nobleHsalsa(diffieHellman({ privateKey: priv(sk), publicKey: pub(pk) })),
  seal: nobleSeal,
  open: nobleOpen,
};

await sodium.ready;
const libsodium: Backend = {
  name: "libsodium",
  keypair() {
    const kp = sodium.crypto_box_keypair();
    return { publicKey: kp.publicKey, secretKey: kp.privateKey };
  },
  beforenm: (pk, sk) => sodium.crypto_box_beforenm(pk, sk),
  seal: (key, nonce, m) => sodium.crypto_box_easy_afternm(m, nonce, key),
  open: (key, nonce, c) => {
    try {
      return sodium.crypto_box_open_easy_afternm(c, nonce, key);
    } catch {
      return null;
    }
  },
};

function nonce(prefix: string, fill: number): Uint8Array {
  const n = new Uint8Array(24).fill(fill);
  n.set(Buffer.from(prefix, "latin1"));
  return n;
}
const N_HELLO = nonce("CurveZMQHELLO---", 1);
const N_WELCOME = nonce("WELCOME-", 7);
const N_COOKIE = nonce("COOKIE--", 9);
const N_VOUCH = nonce("VOUCH---", 3);
const N_INIT = nonce("CurveZMQINITIATE", 2);
const N_READY = nonce("CurveZMQREADY---", 1);

function must(x: Uint8Array | null): Uint8Array {
  if (x === null) throw new Error("box did not open: back-end is wrong");
  return x;
}

/** One CURVE handshake's crypto, both sides. Returns both session keys (they must be equal). */
function handshake(
  b: Backend,
  server: { publicKey: Uint8Array; secretKey: Uint8Array },
  client: { publicKey: Uint8Array; secretKey: Uint8Array },
): [Uint8Array, Uint8Array] {
  // client: C' and HELLO
  const ct = b.keypair();
  const kHelloC = b.beforenm(server.publicKey, ct.secretKey);
  const hello = b.seal(kHelloC, N_HELLO, new Uint8Array(64));
  // server: open HELLO, WELCOME with cookie
  const st = b.keypair();
  const kHelloS = b.beforenm(ct.publicKey, server.secretKey);
  must(b.open(kHelloS, N_HELLO, hello));
  const cookieKey = getRandomValues(new Uint8Array(32));
  const cookie = b.seal(cookieKey, N_COOKIE, Buffer.concat([ct.publicKey, st.secretKey]));
  const welcome = b.seal(kHelloS, N_WELCOME, Buffer.concat([st.publicKey, new Uint8Array(16), cookie]));
  // client: open WELCOME, vouch, INITIATE
  const wp = must(b.open(kHelloC, N_WELCOME, welcome));
  const sPrime = wp.subarray(0, 32);
  const kSessC = b.beforenm(sPrime, ct.secretKey);
  const vouch = b.seal(b.beforenm(sPrime, client.secretKey), N_VOUCH, Buffer.concat([ct.publicKey, server.publicKey]));
  const meta = Buffer.from("\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00", "latin1");
  const initiate = b.seal(kSessC, N_INIT, Buffer.concat([client.publicKey, new Uint8Array(16), vouch, meta]));
  // server: cookie, INITIATE, vouch, READY
  must(b.open(cookieKey, N_COOKIE, cookie));
  const kSessS = b.beforenm(ct.publicKey, st.secretKey);
  const ip = must(b.open(kSessS, N_INIT, initiate));
  must(b.open(b.beforenm(ip.subarray(0, 32), st.secretKey), N_VOUCH, ip.subarray(48, 128)));
  const ready = b.seal(kSessS, N_READY, meta.subarray(0, 21));
  must(b.open(kSessC, N_READY, ready));
  return [kSessC, kSessS];
}

function timeIt(fn: () => void, minMs: number): number {
  // warm up, then run for at least minMs
  for (let i = 0; i < 20; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    t = performance.now();
  }
  return (t - t0) / n;
}

const serverKeys = noble.keypair();
const clientKeys = noble.keypair();
const payload = getRandomValues(new Uint8Array(1025)); // inner flags byte + 1 KiB
const msgNonce = nonce("CurveZMQMESSAGEC", 0);

// Cross-check: every back-end must produce boxes the others open.
{
  const key = noble.beforenm(serverKeys.publicKey, clientKeys.secretKey);
  for (const a of [noble, nodeNoble, libsodium]) {
    if (Buffer.compare(Buffer.from(a.beforenm(serverKeys.publicKey, clientKeys.secretKey)), Buffer.from(key)) !== 0)
      throw new Error(`${a.name}: beforenm differs`);
    for (const b of [noble, nodeNoble, libsodium]) must(b.open(key, msgNonce, a.seal(key, msgNonce, payload)));
  }
}

const rows: string[][] = [];
for (const b of [noble, nodeNoble, libsodium]) {
  const hsMs = timeIt(() => {
    const [c, s] = handshake(b, serverKeys, clientKeys);
    if (c[0] !== s[0]) throw new Error("session keys differ");
  }, 1500);
  const key = b.beforenm(serverKeys.publicKey, clientKeys.secretKey);
  const msgMs = timeIt(() => {
    msgNonce[23] = (msgNonce[23]! + 1) & 0xff;
    must(b.open(key, msgNonce, b.seal(key, msgNonce, payload)));
  }, 1500);
  rows.push([
    b.name,
    (hsMs * 1000).toFixed(0),
    (1000 / hsMs).toFixed(0),
    (msgMs * 1000).toFixed(1),
    (1024 / (msgMs / 1000) / (1024 * 1024)).toFixed(1),
  ]);
}

// The real mechanisms, in memory: hosts deliver commands synchronously; ZAP says "no handler".
function pairHost(sec: Partial<SecurityOptions>, onReady: () => void): MechanismHost & { peer?: { mech: Mechanism } } {
  const host: MechanismHost & { peer?: { mech: Mechanism } } = {
    sendCommand: (body) => host.peer!.mech.onCommand(body),
    ready: onReady,
    fail: (err) => {
      throw err;
    },
    acceptPeerProperties: () => undefined,
    localProperties: [
      ["Socket-Type", Buffer.from("DEALER")],
      ["Identity", Buffer.alloc(0)],
    ] as Properties,
    readyCommand: () => encodeReady(host.localProperties),
    zap: () => Promise.resolve(null),
    security: {
      plainServer: false,
      plainUsername: null,
      plainPassword: null,
      curveServer: false,
      curvePublicKey: null,
      curveSecretKey: null,
      curveServerKey: null,
      zapDomain: null,
      zapEnforceDomain: false,
      ...sec,
    },
    peerAddress: "127.0.0.1",
    localRoutingId: Buffer.alloc(0),
  };
  return host;
}
// Socket options hold the long-term keys once; every connection sees the same Buffers.
const clientSecurity = {
  curveServerKey: Buffer.from(serverKeys.publicKey),
  curvePublicKey: Buffer.from(clientKeys.publicKey),
  curveSecretKey: Buffer.from(clientKeys.secretKey),
};
const serverSecurity = { curveServer: true, curveSecretKey: Buffer.from(serverKeys.secretKey) };
async function mechanismHandshake(): Promise<[Curve.CurveClient, Curve.CurveServer]> {
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((resolve) => (finished = resolve));
  const onReady = (): void => {
    if (++done === 2) finished();
  };
  const ch = pairHost(clientSecurity, onReady);
  const sh = pairHost(serverSecurity, onReady);
  const c = new CurveClient(ch);
  const s = new CurveServer(sh);
  ch.peer = { mech: s };
  sh.peer = { mech: c };
  s.start();
  c.start();
  await all;
  return [c, s];
}
{
  for (let i = 0; i < 20; i++) await mechanismHandshake();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1500) {
    await mechanismHandshake();
    n++;
  }
  const hsMs = (performance.now() - t0) / n;
  // The handshakes above settle in microtasks only, so the event loop never turned and libsodium (loaded
  // asynchronously, WebAssembly) may not be in use yet: the box would be noble's. A real connection's I/O
  // turns the loop long before; wait for it here as well.
  await loadFastBox();
  const [c, s] = await mechanismHandshake();
  const body = payload.subarray(1);
  const msgMs = timeIt(() => {
    s.decode(c.encode(0, body));
  }, 1500);
  rows.push([
    `zocket CURVE (${x25519Backend}, ${boxBackend()})`,
    (hsMs * 1000).toFixed(0),
    (1000 / hsMs).toFixed(0),
    (msgMs * 1000).toFixed(1),
    (1024 / (msgMs / 1000) / (1024 * 1024)).toFixed(1),
  ]);
}

const head = ["back-end", "handshake µs", "handshakes/s", "msg 1KiB enc+dec µs", "MiB/s (enc+dec)"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
console.log(line(head));
console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
for (const r of rows) console.log(line(r));
