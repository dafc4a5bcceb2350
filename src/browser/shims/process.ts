/**
 * `node:process` and the global `process` in the browser build (injected by scripts/build-browser.mjs):
 * what the core uses of it, made of web APIs. Events (`beforeExit`) never fire in a page; warnings go to
 * the console.
 */
type Fn = (...args: unknown[]) => void;

export function nextTick(fn: Fn, ...args: unknown[]): void {
  queueMicrotask(() => fn(...args));
}

function noop(): void {}

export const process = {
  browser: true,
  platform: "browser",
  pid: 0,
  env: {} as Record<string, string | undefined>,
  versions: {} as Record<string, string>,
  nextTick,
  on: noop,
  once: noop,
  off: noop,
  emitWarning(warning: string | Error): void {
    console.warn(typeof warning === "string" ? `Warning: ${warning}` : warning);
  },
  stderr: {
    write(text: string): boolean {
      console.warn(text.trimEnd());
      return true;
    },
  },
};

export default process;
