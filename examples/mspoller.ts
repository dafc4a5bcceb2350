/**
 * The zguide's "multiple socket poller" (mspoller, chapter 1): one process reads from two sockets at once,
 * the task ventilator's PULL and the weather server's SUB, with one {@link Poller} instead of a loop per
 * socket. Here both producers live in the same process: a PUSH sends `tasks` task messages and a PUB
 * publishes weather updates for zip code 10001 (and others, which the SUB filters out).
 *
 * Run: npx tsx examples/mspoller.ts  (prints how many tasks and updates it read)
 */
import { pathToFileURL } from "node:url";
import { Poller, Publisher, Pull, Push, Subscriber } from "../src/index.ts";

export interface MsPollerResult {
  tasks: string[];
  updates: string[];
}

export async function main(opts = { tasks: 100, updates: 100 }): Promise<MsPollerResult> {
  const ventilator = new Push({ linger: 0 });
  const weather = new Publisher({ linger: 0 });
  await ventilator.bind("tcp://127.0.0.1:*");
  await weather.bind("tcp://127.0.0.1:*");

  // The Guide's program: connect to the ventilator and to the weather server.
  const receiver = new Pull({ linger: 0 });
  receiver.connect(ventilator.lastEndpoint!);
  const subscriber = new Subscriber({ linger: 0 });
  subscriber.connect(weather.lastEndpoint!);
  subscriber.subscribe("10001 ");

  const tasks: string[] = [];
  const updates: string[] = [];
  const poller = new Poller().add(receiver, "readable").add(subscriber, "readable");
  let stopProducers = false;
  const producers = (async () => {
    // PUB drops what no subscriber takes yet: publish until the reader has what it needs.
    let t = 0;
    for (let i = 0; !stopProducers; i++) {
      if (t < opts.tasks) await ventilator.send(`task ${t++}`);
      await weather.send(`${i % 2 === 0 ? "10001" : "90210"} ${i} ${20 + (i % 15)}C`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  try {
    // Process messages from both sockets until both quotas are met.
    while (tasks.length < opts.tasks || updates.length < opts.updates) {
      for (const { socket } of await poller.poll(1000)) {
        if (socket === receiver) tasks.push(String((await receiver.receive())[0]));
        else if (socket === subscriber) updates.push(String((await subscriber.receive())[0]));
      }
    }
  } finally {
    stopProducers = true;
    await producers;
    poller.close();
    for (const s of [receiver, subscriber, ventilator, weather]) s.close();
  }
  console.log(`read ${tasks.length} tasks and ${updates.length} weather updates through one poller`);
  return { tasks, updates };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
