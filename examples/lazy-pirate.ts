/**
 * Lazy Pirate (zguide chapter 4): reliable request-reply on the client side only.
 *
 * A REQ socket cannot send again until it has its reply, so when a reply does not come within
 * `receiveTimeout` the client closes the socket (linger 0), opens a fresh one, reconnects and resends;
 * after `retries` attempts it gives up. The server here is unreliable on purpose: at chosen cycles it
 * "crashes" (closes its REP and binds a new one on the same endpoint) or is "overloaded" (answers too
 * late — that reply goes to a client socket that no longer exists, and REP drops it).
 *
 * Run: npx tsx examples/lazy-pirate.ts
 */
import { pathToFileURL } from "node:url";
import { Reply, Request } from "../src/index.ts";

export interface ServerOptions {
  /** Request numbers (1-based) at which the server crashes and restarts. */
  crashOn: number[];
  /** Request numbers at which it answers only after `overloadMs`. */
  overloadOn: number[];
  overloadMs: number;
  /** How long a "crashed" server stays down. */
  downMs: number;
}

/** A flaky REP server. Returns a stop function. */
export async function startServer(
  endpoint: string,
  opts: ServerOptions,
): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  let stopped = false;
  let sock = new Reply({ linger: 0 });
  await sock.bind(endpoint);
  const bound = sock.lastEndpoint!;
  const loop = (async () => {
    let cycle = 0;
    while (!stopped) {
      let request: Buffer[];
      try {
        request = await sock.receive();
      } catch {
        if (stopped) return;
        continue;
      }
      cycle++;
      if (opts.crashOn.includes(cycle)) {
        console.log(`S: simulating a crash at request ${cycle}`);
        sock.close();
        await sleep(opts.downMs);
        if (stopped) return;
        sock = new Reply({ linger: 0 });
        await sock.bind(bound);
        continue;
      }
      if (opts.overloadOn.includes(cycle)) {
        console.log(`S: simulating CPU overload at request ${cycle}`);
        await sleep(opts.overloadMs);
      }
      console.log(`S: normal request (${request.map(String).join(" ")})`);
      await sock.send(request);
    }
  })();
  return {
    endpoint: bound,
    stop: async () => {
      stopped = true;
      sock.close();
      await loop;
    },
  };
}

export interface ClientOptions {
  requests: number;
  timeoutMs: number;
  retries: number;
}

export interface ClientResult {
  /** Sequence numbers that were answered correctly. */
  answered: number[];
  /** How many times the client gave up on a socket and opened a new one. */
  reconnects: number;
  /** True if the client abandoned the server after `retries` failures. */
  abandoned: boolean;
}

/** The Lazy Pirate client: `requests` numbered requests, each retried up to `retries` times. */
export async function lazyPirateClient(endpoint: string, opts: ClientOptions): Promise<ClientResult> {
  const result: ClientResult = { answered: [], reconnects: 0, abandoned: false };
  const open = (): Request => {
    const s = new Request({ receiveTimeout: opts.timeoutMs, linger: 0 });
    s.connect(endpoint);
    return s;
  };
  let client = open();
  try {
    for (let seq = 1; seq <= opts.requests; seq++) {
      let left = opts.retries;
      await client.send(String(seq));
      for (;;) {
        try {
          const [reply] = await client.receive();
          if (reply !== undefined && Number(reply.toString()) === seq) {
            console.log(`I: server replied OK (${seq})`);
            result.answered.push(seq);
            break;
          }
          console.log(`E: malformed reply from server: ${String(reply)}`);
          continue;
        } catch (err) {
          if ((err as { code?: string }).code !== "EAGAIN") throw err;
        }
        // No reply in time: the socket is stuck waiting, so throw it away and start again.
        client.close();
        left--;
        if (left === 0) {
          console.log("E: server seems to be offline, abandoning");
          result.abandoned = true;
          return result;
        }
        console.log("W: no response from server, retrying…");
        result.reconnects++;
        client = open();
        await client.send(String(seq));
      }
    }
    return result;
  } finally {
    client.close();
  }
}

/** Run a flaky server and a client against it; resolves with what the client saw. */
export async function main(): Promise<ClientResult> {
  const server = await startServer("tcp://127.0.0.1:*", {
    crashOn: [3],
    overloadOn: [5],
    overloadMs: 600,
    downMs: 300,
  });
  try {
    const result = await lazyPirateClient(server.endpoint, { requests: 6, timeoutMs: 250, retries: 4 });
    console.log(`I: ${result.answered.length} replies, ${result.reconnects} reconnects`);
    return result;
  } finally {
    await server.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
