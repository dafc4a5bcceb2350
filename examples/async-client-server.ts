/**
 * Asynchronous client/server (zguide chapter 3, "asyncsrv"): DEALER clients talk to a ROUTER server that
 * hands the work to several DEALER workers, and any number of replies may come back for one request.
 *
 *   client DEALER (routingId) --tcp--> frontend ROUTER | proxy | backend DEALER --inproc--> worker DEALERs
 *
 * The frontend ROUTER prefixes each request with the client's routing id; the backend DEALER spreads the
 * requests over the workers; a worker answers `[clientId, reply]` as often as it likes and the frontend
 * routes each answer back to that client. Nothing is lock-step: clients send without waiting.
 *
 * Run: npx tsx examples/async-client-server.ts
 */
import { pathToFileURL } from "node:url";
import { Dealer, Router, type Socket } from "../src/index.ts";

export interface AsyncOptions {
  clients: number;
  workers: number;
  /** Requests each client sends. */
  requests: number;
  /** Replies a worker sends for each request. */
  repliesPerRequest: number;
}

export interface AsyncResult {
  /** Replies each client received, by client name. */
  replies: Map<string, string[]>;
  /** Requests each worker handled, by worker name. */
  handled: Map<string, number>;
}

/** Forward every message from `from` to `to` until either socket is closed (what zmq_proxy does one way). */
async function forward(
  from: Socket & { receive(): Promise<Buffer[]> },
  to: Socket & { send(m: Buffer[]): Promise<void> },
): Promise<void> {
  try {
    for (;;) await to.send(await from.receive());
  } catch {
    // A socket was closed: the server is shutting down.
  }
}

function startWorker(
  name: string,
  backendEndpoint: string,
  repliesPerRequest: number,
  handled: Map<string, number>,
): { sock: Dealer; done: Promise<void> } {
  const sock = new Dealer({ linger: 0 });
  sock.connect(backendEndpoint);
  const done = (async () => {
    try {
      for (;;) {
        const [client, request] = await sock.receive();
        handled.set(name, (handled.get(name) ?? 0) + 1);
        for (let i = 0; i < repliesPerRequest; i++)
          await sock.send([client!, `${String(request)} -> ${name} reply ${i}`]);
      }
    } catch {
      // Closed.
    }
  })();
  return { sock, done };
}

async function runClient(name: string, endpoint: string, opts: AsyncOptions): Promise<string[]> {
  const sock = new Dealer({ routingId: name, linger: 0, receiveTimeout: 5000 });
  sock.connect(endpoint);
  const replies: string[] = [];
  try {
    // Fire all requests without waiting, then collect every reply as it comes.
    for (let i = 0; i < opts.requests; i++) await sock.send(`request #${i} from ${name}`);
    while (replies.length < opts.requests * opts.repliesPerRequest) {
      const [reply] = await sock.receive();
      replies.push(String(reply));
    }
  } finally {
    sock.close();
  }
  return replies;
}

/** Start the server and its workers, run the clients, shut everything down. */
export async function main(
  opts: AsyncOptions = { clients: 3, workers: 5, requests: 4, repliesPerRequest: 2 },
): Promise<AsyncResult> {
  const frontend = new Router({ linger: 0 });
  const backend = new Dealer({ linger: 0 });
  await frontend.bind("tcp://127.0.0.1:*");
  await backend.bind(`inproc://async-backend-${process.pid}-${Date.now()}`);
  const handled = new Map<string, number>();
  const replies = new Map<string, string[]>();
  const proxy = Promise.all([forward(frontend, backend), forward(backend, frontend)]);
  const workers = Array.from({ length: opts.workers }, (_, i) =>
    startWorker(`worker-${i}`, backend.lastEndpoint!, opts.repliesPerRequest, handled),
  );
  try {
    await Promise.all(
      Array.from({ length: opts.clients }, async (_, i) => {
        const name = `client-${i}`;
        replies.set(name, await runClient(name, frontend.lastEndpoint!, opts));
      }),
    );
  } finally {
    for (const w of workers) w.sock.close();
    frontend.close();
    backend.close();
    await Promise.all(workers.map((w) => w.done));
    await proxy;
  }
  for (const [name, rs] of replies) console.log(`${name}: ${rs.length} replies, e.g. "${rs[0]}"`);
  console.log(`requests per worker: ${[...handled].map(([w, n]) => `${w}=${n}`).join(", ")}`);
  return { replies, handled };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
