/**
 * Preloaded into every test file's process by `npm test` (`--import ./test/helpers/watchdog.mjs`, plain
 * JavaScript so it loads before tsx). It changes nothing about a test: if the file is still running after
 * 240 s (the runner cancels a file at 300 s), it prints to stderr, which the runner shows as `#` lines, what
 * the process is waiting on. Once, on a CI run, a file (test/unit/security/certificate.test.ts, ~1 s normally) sat 300 s
 * without finishing its first test and without a trace; with this, a repeat says where it stood.
 *
 *  - A thread of its own (unref'd: it never keeps the process alive) prints every thread's kernel state
 *    and the child processes, even when the main thread is blocked or spinning.
 *  - A timer on the main thread (unref'd) prints its active resources and handles, when its event loop
 *    still turns.
 */
import * as fs from "node:fs";
import { Worker } from "node:worker_threads";

const AFTER_MS = 240_000;

function threads(pid, after) {
  const read = (p) => {
    try {
      return fs.readFileSync(p, "utf8").trim();
    } catch {
      return "?";
    }
  };
  const state = (statPath) => {
    const stat = read(statPath);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  };
  const lines = [`watchdog: ${read(`/proc/${pid}/cmdline`).replace(/\0/g, " ")} still running after ${after / 1000} s`];
  let tasks = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    // not Linux: nothing more to say
  }
  for (const tid of tasks) {
    const t = `/proc/${pid}/task/${tid}`;
    lines.push(`thread ${tid} ${read(`${t}/comm`)} state ${state(`${t}/stat`)} wchan ${read(`${t}/wchan`)}`);
    for (const c of read(`${t}/children`)
      .split(" ")
      .filter((x) => /^\d+$/.test(x))) {
      lines.push(
        `child ${c} state ${state(`/proc/${c}/stat`)} wchan ${read(`/proc/${c}/wchan`)}: ${read(`/proc/${c}/cmdline`).replace(/\0/g, " ")}`,
      );
    }
  }
  fs.writeSync(2, lines.join("\n") + "\n");
}

function handles() {
  const lines = [
    `watchdog: main thread's event loop, active resources: ${process.getActiveResourcesInfo().join(", ")}`,
  ];
  for (const h of process._getActiveHandles?.() ?? []) {
    const name = h?.constructor?.name ?? typeof h;
    lines.push(`handle: ${name}${h?.spawnargs ? ` ${h.spawnargs.join(" ")} (pid ${h.pid})` : ""}`);
  }
  fs.writeSync(2, lines.join("\n") + "\n");
}

if ((process.argv[1] ?? "").endsWith(".test.ts")) {
  const code = `
    const fs = require("node:fs");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${AFTER_MS});
    (${threads.toString()})(${process.pid}, ${AFTER_MS});
  `;
  const worker = new Worker(code, { eval: true, stdout: false, stderr: false });
  // A diagnostic must never fail a test: a thread that cannot start (out of resources) is let go quietly.
  worker.on("error", () => {});
  worker.unref();
  setTimeout(handles, AFTER_MS).unref();
}
