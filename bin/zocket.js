#!/usr/bin/env node
// The `zocket` bin. A published package runs the compiled dist/cli/main.js (`npm run build`). In a
// source checkout without dist/, it runs src/cli/main.ts through tsx's ESM loader API (tsx is a
// devDependency, so this path needs `npm install` with dev dependencies).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write(
      "zocket: dist/ is missing and tsx is not installed: run `npm run build` (or `npm install` for the dev setup)\n",
    );
    process.exit(1);
  }
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
