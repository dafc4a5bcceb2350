#!/usr/bin/env node
/**
 * Entry point of the `zocket` command (bin/zocket.js loads the compiled dist/cli/main.js, or this file
 * through tsx in a source checkout). Everything happens in run.ts; the exit code is set there.
 */
import { run } from "./run.ts";

await run(process.argv.slice(2));
