/**
 * Load-balancing broker (zguide chapter 3, "lbbroker"): ROUTER in front for clients, ROUTER at the back
 * for workers.
 *
 * Workers are REQ sockets that announce themselves with "READY" and then carry replies back as their next
 * "request". The broker keeps a queue of idle workers and only takes a client request when one is idle,
 * so work goes to whoever is free (least-recently-used), not round-robin.
 *
 * Envelopes, as the broker sees them:
 *   frontend in : [client, "", request]
 *   backend out : [worker, "", client, "", request]       (the worker's REQ strips [worker, ""])
 *   backend in  : [worker, "", client, "", reply] or [worker, "", "READY"]
 *   frontend out: [client, "", reply]
 *
 * Run: npx tsx examples/lb-broker.ts
 */
import { pathToFileURL } from "node:url";
import { Request, Router } from "../src/index.ts";

export interface BrokerOptions {
  clients: number;
  workers: number;
  /** Requests each client sends. */
  requests: number;
  /** "tcp" (ephemeral ports on 127.0.0.1) or "inproc". */
  transport: "tcp" | "inproc";
}

export interface BrokerResult {
  /** Replies each client received, by client name. */
  replies: Map<string, string[]>;
  /** How many requests each worker handled, by worker name. */
  handled: Map<string, number>;
}

/** A worker: REQ with a readable name; it stops when its socket is closed. */
function worker(name: string, endpoint: string, handled: Map<string, number>): { sock: Request; done: Promise<void> } {
  const sock = new Request({ routingId: name, linger: 0 });
  sock.connect(endpoint);
  const done = (async () => {
    try {
      await sock.send("READY");
      for (;;) {
        const [client, empty, request] = await sock.receive();
        handled.set(name, (handled.get(name) ?? 0) + 1);
        await sock.send([client!, empty!, `${String(request)} done by ${name}`]);
      }
    } catch {
      // The socket was closed: the work is over.
    }
  })();
  return { sock, done };
}

async function client(name: string, endpoint: string, requests: number): Promise<string[]> {
  const sock = new Request({ routingId: name, linger: 0 });
  sock.connect(endpoint);
  const replies: string[] = [];
  try {
    for (let i = 0; i < requests; i++) {
      await sock.send(`HELLO ${i} from ${name}`);
      const [reply] = await sock.receive();
      replies.push(String(reply));
    }
  } finally {
    sock.close();
  }
  return replies;
}

/** The broker itself: runs until `expected` replies went back to clients. */
async function broker(frontend: Router, backend: Router, expected: number): Promise<void> {
  const idle: Buffer[] = [];
  /** Resolves the frontend loop's wait for an idle worker. */
  const wake: { frontend: (() => void) | null } = { frontend: null };
  let delivered = 0;

  const backendLoop = (async () => {
    while (delivered < expected) {
      const [worker, , clientOrReady, , reply] = await backend.receive();
      idle.push(worker!);
      wake.frontend?.();
      if (String(clientOrReady) !== "READY") {
        await frontend.send([clientOrReady!, "", reply!]);
        delivered++;
      }
    }
  })();

  const frontendLoop = (async () => {
    let taken = 0;
    while (taken < expected) {
      // Only take a request when a worker is free (the zguide polls the frontend only then).
      while (idle.length === 0) await new Promise<void>((resolve) => (wake.frontend = resolve));
      wake.frontend = null;
      const [clientId, , request] = await frontend.receive();
      await backend.send([idle.shift()!, "", clientId!, "", request!]);
      taken++;
    }
  })();

  await Promise.all([backendLoop, frontendLoop]);
}

/** Start a broker with workers and clients; resolves when every client has all its replies. */
export async function main(
  opts: BrokerOptions = { clients: 10, workers: 3, requests: 2, transport: "tcp" },
): Promise<BrokerResult> {
  const frontend = new Router({ linger: 0 });
  const backend = new Router({ linger: 0 });
  const unique = `${process.pid}-${Date.now()}`;
  await frontend.bind(opts.transport === "tcp" ? "tcp://127.0.0.1:*" : `inproc://lb-frontend-${unique}`);
  await backend.bind(opts.transport === "tcp" ? "tcp://127.0.0.1:*" : `inproc://lb-backend-${unique}`);
  const handled = new Map<string, number>();
  const replies = new Map<string, string[]>();
  try {
    const workers = Array.from({ length: opts.workers }, (_, i) =>
      worker(`worker-${i}`, backend.lastEndpoint!, handled),
    );
    const run = broker(frontend, backend, opts.clients * opts.requests);
    try {
      await Promise.all(
        Array.from({ length: opts.clients }, async (_, i) => {
          const name = `client-${i}`;
          replies.set(name, await client(name, frontend.lastEndpoint!, opts.requests));
        }),
      );
      await run;
    } finally {
      for (const w of workers) w.sock.close();
      await Promise.all(workers.map((w) => w.done));
    }
  } finally {
    frontend.close();
    backend.close();
  }
  for (const [name, rs] of replies) console.log(`${name}: ${rs.join(" | ")}`);
  console.log(`work per worker: ${[...handled].map(([w, n]) => `${w}=${n}`).join(", ")}`);
  return { replies, handled };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
