/**
 * The zguide's load-balancing broker ("lbbroker", chapter 3) as the Guide writes it: one loop around
 * zmq_poll, here {@link Poller}. The backend (workers) is always polled; the frontend (clients) only while
 * a worker is idle, so a request is taken only when someone can do it (least-recently-used routing).
 *
 * Envelopes:
 *   frontend in : [client, "", request]            backend out: [worker, "", client, "", request]
 *   backend in  : [worker, "", "READY"] or [worker, "", client, "", reply]
 *   frontend out: [client, "", reply]
 *
 * Run: npx tsx examples/lbbroker-poller.ts  (prints each client's replies and the work per worker)
 */
import { pathToFileURL } from "node:url";
import { Poller, Request, Router } from "../src/index.ts";

export interface LbBrokerOptions {
  clients: number;
  workers: number;
  /** Requests each client sends. */
  requests: number;
  transport: "tcp" | "ipc" | "inproc";
}

export interface LbBrokerResult {
  /** Replies each client received, by client name. */
  replies: Map<string, string[]>;
  /** How many requests each worker handled. */
  handled: Map<string, number>;
  /** poll() calls the broker made. */
  polls: number;
}

/** A worker: REQ that says READY, then carries each reply back as its next request. */
function startWorker(
  name: string,
  endpoint: string,
  handled: Map<string, number>,
): { sock: Request; done: Promise<void> } {
  const sock = new Request({ routingId: name, linger: 0 });
  sock.connect(endpoint);
  return { sock, done: runWorker(sock, name, handled) };
}

async function runWorker(sock: Request, name: string, handled: Map<string, number>): Promise<void> {
  try {
    await sock.send("READY");
    for (;;) {
      const [client, empty, request] = await sock.receive();
      handled.set(name, (handled.get(name) ?? 0) + 1);
      await sock.send([client!, empty!, `${String(request)} done by ${name}`]);
    }
  } catch {
    // Closed by main(): the work is over.
  }
}

async function runClient(name: string, endpoint: string, requests: number): Promise<string[]> {
  const sock = new Request({ routingId: name, linger: 0 });
  sock.connect(endpoint);
  const replies: string[] = [];
  try {
    for (let i = 0; i < requests; i++) {
      await sock.send(`HELLO ${i} from ${name}`);
      replies.push(String((await sock.receive())[0]));
    }
  } finally {
    sock.close();
  }
  return replies;
}

/** The broker: one poll loop until `expected` replies went back to clients. Returns its poll count. */
async function broker(frontend: Router, backend: Router, expected: number): Promise<number> {
  const idle: Buffer[] = [];
  const poller = new Poller().add(backend, "readable");
  let delivered = 0;
  let polls = 0;
  try {
    while (delivered < expected) {
      // The Guide: poll the frontend only if we have available workers.
      if (idle.length > 0 && !poller.has(frontend)) poller.add(frontend, "readable");
      else if (idle.length === 0 && poller.has(frontend)) poller.remove(frontend);
      polls++;
      for (const { socket } of await poller.poll(-1)) {
        if (socket === backend) {
          const [worker, , clientOrReady, , reply] = await backend.receive();
          idle.push(worker!);
          if (String(clientOrReady) !== "READY") {
            await frontend.send([clientOrReady!, "", reply!]);
            delivered++;
          }
        } else if (idle.length > 0) {
          const [client, , request] = await frontend.receive();
          await backend.send([idle.shift()!, "", client!, "", request!]);
        }
      }
    }
  } finally {
    poller.close();
  }
  return polls;
}

function endpoint(transport: LbBrokerOptions["transport"], name: string): string {
  const unique = `${process.pid}-${Date.now()}-${name}`;
  if (transport === "tcp") return "tcp://127.0.0.1:*";
  if (transport === "ipc") return `ipc:///tmp/zocket-lbbroker-${unique}.sock`;
  return `inproc://lbbroker-${unique}`;
}

export async function main(
  opts: LbBrokerOptions = { clients: 10, workers: 3, requests: 3, transport: "tcp" },
): Promise<LbBrokerResult> {
  const frontend = new Router({ linger: 0 });
  const backend = new Router({ linger: 0 });
  await frontend.bind(endpoint(opts.transport, "front"));
  await backend.bind(endpoint(opts.transport, "back"));
  const handled = new Map<string, number>();
  const replies = new Map<string, string[]>();
  let polls: number;
  try {
    const workers = Array.from({ length: opts.workers }, (_, i) =>
      startWorker(`worker-${i}`, backend.lastEndpoint!, handled),
    );
    const run = broker(frontend, backend, opts.clients * opts.requests);
    await Promise.all(
      Array.from({ length: opts.clients }, async (_, i) => {
        replies.set(`client-${i}`, await runClient(`client-${i}`, frontend.lastEndpoint!, opts.requests));
      }),
    );
    polls = await run;
    // Closing a worker's socket ends its receive(): the worker returns.
    for (const w of workers) w.sock.close();
    await Promise.all(workers.map((w) => w.done));
  } finally {
    frontend.close();
    backend.close();
  }
  for (const [name, rs] of replies) console.log(`${name}: ${rs.join(" | ")}`);
  console.log(`work per worker: ${[...handled].map(([w, n]) => `${w}=${n}`).join(", ")}; ${polls} polls`);
  return { replies, handled, polls };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
