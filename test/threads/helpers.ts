/**
 * Workers for the thread tests, as zeromq.js's test helper `createWorker` makes them: the function's source
 * runs in a new worker_thread with `zmq` (zocket's TypeScript source through tsx, or the `zeromq` package)
 * and `workerData` in scope, and what it resolves to is posted back.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

export type Lib = "zocket" | "zeromq";

const ZOCKET = pathToFileURL(fileURLToPath(new URL("../../src/index.ts", import.meta.url))).href;

/**
 * Run `fn(data)` in a worker that has `zmq` loaded; resolves with its result. zeromq.js's helper waits for
 * the worker to exit; here the worker is ended once it answered, as zocket's open tcp/ipc listeners still
 * hold a thread's event loop (zeromq.js's do not; that is issue 21's close-and-exit behaviour, not this).
 */
export function createWorker<T, D extends object>(lib: Lib, data: D, fn: (data: D) => Promise<T>): Promise<T> {
  // tsx's --import in a worker's execArgv does not reach an eval'd worker: register its loader from the API.
  const load =
    lib === "zocket"
      ? `((await import("tsx/esm/api")).register(), await import(${JSON.stringify(ZOCKET)}))`
      : `require("zeromq")`;
  const src = `
    const { parentPort, workerData } = require("node:worker_threads");
    (async () => {
      const zmq = ${load};
      const fn = ${fn.toString()};
      parentPort.postMessage(await fn(workerData));
    })().catch((err) => { console.error(err); process.exitCode = 1; });
  `;
  const worker = new Worker(src, { eval: true, workerData: data });
  return new Promise<T>((resolve, reject) => {
    let answered = false;
    worker.on("message", (m: T) => {
      answered = true;
      resolve(m);
      void worker.terminate();
    });
    worker.on("error", reject);
    worker.on("exit", (code) => {
      if (!answered) reject(new Error(`Worker stopped with exit code ${code} before answering`));
    });
  });
}
