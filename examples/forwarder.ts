/**
 * A pub-sub forwarder (zguide chapter 2, "wuproxy"): an XSUB/XPUB {@link Proxy} in the middle, so that
 * publishers and subscribers only need to know the proxy's two addresses.
 *
 *   weather stations (PUB) --> frontend XSUB | Proxy | backend XPUB --> readers (SUB)
 *                                                 \--> capture PUSH --> logger (PULL)
 *
 * Subscriptions travel upstream through the proxy: a reader's SUBSCRIBE reaches the XPUB, which hands it
 * to the proxy as `[01|topic]`; the proxy sends it on through the XSUB to every station. So the stations
 * filter at the source, and a city nobody reads is never sent at all. The capture socket sees a copy of
 * everything the proxy forwards, in both directions (subscriptions up, updates down).
 *
 * Run: npx tsx examples/forwarder.ts
 */
import { pathToFileURL } from "node:url";
import { Proxy, Publisher, Pull, Push, Subscriber, XPublisher, XSubscriber } from "../src/index.ts";

export interface ForwarderOptions {
  /** Updates each reader waits for before it leaves. */
  updates: number;
}

export interface ForwarderResult {
  /** Updates each reader received, by city. */
  received: Map<string, string[]>;
  /** Messages the capture socket saw: subscriptions (upstream) and updates (downstream). */
  captured: { subscriptions: number; updates: number };
  /** Updates the stations sent per city (cities nobody reads stay at 0: filtered at the source). */
  sent: Map<string, number>;
}

const CITIES = ["london", "paris", "tokyo"];
const READ = ["london", "tokyo"];

/** A station publishes `weather.<city> <temperature>` for every city until stopped. */
async function station(name: string, address: string, stop: { done: boolean }): Promise<void> {
  const pub = new Publisher({ linger: 0 });
  pub.connect(address);
  let n = 0;
  while (!stop.done) {
    // PUB drops what no subscriber asked for: "paris" never leaves the station.
    for (const city of CITIES) await pub.send(`weather.${city} ${name} ${(10 + ((n * 7) % 25)).toString()}C`);
    n++;
    // A station is slow: one round of readings per millisecond or so.
    await new Promise((r) => setTimeout(r, 1));
  }
  pub.close();
}

/** A reader subscribes to one city and collects `count` updates. */
async function reader(city: string, address: string, count: number): Promise<string[]> {
  const sub = new Subscriber({ linger: 0, receiveTimeout: 10_000 });
  sub.subscribe(`weather.${city}`);
  sub.connect(address);
  const got: string[] = [];
  try {
    while (got.length < count) got.push((await sub.receive())[0]!.toString());
  } finally {
    sub.close();
  }
  return got;
}

export async function runForwarder(opts: ForwarderOptions = { updates: 20 }): Promise<ForwarderResult> {
  const frontend = new XSubscriber({ linger: 0 });
  const backend = new XPublisher({ linger: 0 });
  await frontend.bind("tcp://127.0.0.1:*");
  await backend.bind("tcp://127.0.0.1:*");

  // The capture socket: a PUSH the proxy copies every message to, read by a logger.
  const capture = new Push({ linger: 0 });
  await capture.bind(`inproc://forwarder-capture-${process.pid}`);
  const logger = new Pull({ linger: 0 });
  logger.connect(capture.lastEndpoint!);
  const captured = { subscriptions: 0, updates: 0 };
  const sent = new Map<string, number>(CITIES.map((c) => [c, 0]));
  const logging = (async () => {
    for await (const [frame] of logger) {
      if (frame!.length > 0 && frame![0]! <= 1) captured.subscriptions++;
      else {
        captured.updates++;
        // Downstream traffic passes the proxy: count what the stations actually sent, per city.
        const city = frame!.toString().split(" ")[0]!.slice("weather.".length);
        sent.set(city, (sent.get(city) ?? 0) + 1);
      }
    }
  })();

  const proxy = new Proxy(frontend, backend);
  proxy.capture = capture;
  const running = proxy.run();

  const stop = { done: false };
  const stations = ["north", "south"].map((name) => station(name, frontend.lastEndpoint!, stop));
  const received = new Map<string, string[]>();
  try {
    await Promise.all(
      READ.map(async (city) => {
        received.set(city, await reader(city, backend.lastEndpoint!, opts.updates));
      }),
    );
  } finally {
    stop.done = true;
    await Promise.all(stations);
    proxy.terminate(); // closes frontend and backend
    await running;
    capture.close();
    logger.close();
    await logging;
  }

  for (const [city, updates] of received) console.log(`${city}: ${updates.length} updates, last "${updates.at(-1)}"`);
  console.log(`through the proxy, per city: ${[...sent].map(([c, n]) => `${c}=${n}`).join(", ")} (nobody reads paris)`);
  console.log(`capture saw ${captured.subscriptions} subscription messages and ${captured.updates} updates`);
  return { received, captured, sent };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runForwarder();
}
