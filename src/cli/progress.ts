/**
 * A one-line progress bar on stderr, redrawn at most every 100 ms with a carriage return so it costs
 * nothing measurable in a benchmark loop (the loop only bumps a counter).
 */
export class ProgressBar {
  readonly #out: NodeJS.WritableStream;
  readonly #total: number;
  readonly #label: string;
  readonly #unit: string;
  #done = 0;
  #timer: NodeJS.Timeout | null = null;
  #started = 0;
  #lastWidth = 0;

  constructor(out: NodeJS.WritableStream, total: number, label: string, unit = "msgs") {
    this.#out = out;
    this.#total = Math.max(1, total);
    this.#label = label;
    this.#unit = unit;
  }

  start(): this {
    this.#started = performance.now();
    this.#timer = setInterval(() => this.#draw(), 100);
    this.#timer.unref();
    this.#draw();
    return this;
  }

  /** Set the number of units done. */
  update(done: number): void {
    this.#done = done;
  }

  /** Draw the final state and end the line. */
  finish(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#draw();
    this.#out.write("\n");
  }

  /** Erase the bar (on failure), leaving the line empty. */
  clear(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#out.write(`\r${" ".repeat(this.#lastWidth)}\r`);
  }

  #draw(): void {
    const frac = Math.min(1, this.#done / this.#total);
    const width = 30;
    const filled = Math.round(frac * width);
    const secs = (performance.now() - this.#started) / 1000;
    const rate = secs > 0 ? this.#done / secs : 0;
    const line = `${this.#label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}% ${this.#done}/${this.#total} ${this.#unit} ${humanRate(rate)}/s`;
    this.#lastWidth = Math.max(this.#lastWidth, line.length);
    this.#out.write(`\r${line.padEnd(this.#lastWidth)}`);
  }
}

/** 1234567 -> "1.23M". */
export function humanRate(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}
