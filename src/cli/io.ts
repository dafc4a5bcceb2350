/**
 * Messages in and out of the shell: stdin lines (or JSON arrays, or raw chunks) become messages, and
 * received messages are printed as text, hex, JSON or raw bytes. Both sides keep backpressure: stdin
 * is only read when the socket took the previous message, and nothing more is received while stdout
 * is full.
 */
import { Buffer } from "node:buffer";
import { UsageError } from "./args.ts";

export const INPUT_FORMATS = ["text", "json", "raw"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export const OUTPUT_FORMATS = ["text", "hex", "json", "raw"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Frames of one message. */
export type Frames = Buffer[];

const NL = 0x0a;
const CR = 0x0d;

/**
 * Reads messages from a byte stream (stdin):
 * - `text`: one message per line; with a separator, a line is split into frames at each separator;
 * - `json`: one JSON value per line: a string (one frame) or an array of frames, each a string,
 *   a number, null (empty frame), `{"hex": "..."}` or `{"base64": "..."}`;
 * - `raw`: every chunk read is one single-frame message (for STREAM sockets and binary data).
 *
 * A last line without a newline is still a message: nothing before a clean EOF is lost.
 */
export class MessageReader {
  readonly #format: InputFormat;
  readonly #separator: Buffer | null;
  readonly #chunks: AsyncIterator<Buffer | string>;
  readonly #stream: NodeJS.ReadableStream;
  #pending: Buffer = Buffer.alloc(0);
  #ready: Frames[] = [];
  #eof = false;
  #lineNo = 0;

  constructor(stream: NodeJS.ReadableStream, format: InputFormat, separator: string | undefined) {
    this.#stream = stream;
    this.#format = format;
    this.#separator = separator === undefined || separator === "" ? null : Buffer.from(separator, "utf8");
    this.#chunks = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  }

  /** The next message, or null at end of input. */
  async next(): Promise<Frames | null> {
    for (;;) {
      const m = this.#ready.shift();
      if (m !== undefined) return m;
      if (this.#eof) return null;
      let r: IteratorResult<Buffer | string>;
      try {
        r = await this.#chunks.next();
      } catch {
        // stdin destroyed on shutdown, or a read error: treat as the end of input.
        r = { done: true, value: undefined };
      }
      if (r.done === true) {
        this.#eof = true;
        if (this.#format !== "raw" && this.#pending.length > 0) this.#line(this.#pending);
        this.#pending = Buffer.alloc(0);
        continue;
      }
      const chunk = typeof r.value === "string" ? Buffer.from(r.value, "utf8") : r.value;
      if (this.#format === "raw") {
        if (chunk.length > 0) this.#ready.push([chunk]);
        continue;
      }
      this.#split(chunk);
    }
  }

  /** Stop reading (shutdown). */
  close(): void {
    this.#eof = true;
    const s = this.#stream as NodeJS.ReadableStream & { destroy?: () => void };
    s.destroy?.();
  }

  #split(chunk: Buffer): void {
    let start = 0;
    // Only a partial line is carried over, so this concatenation is at most one line long.
    const buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    let nl = buf.indexOf(NL, start);
    while (nl !== -1) {
      this.#line(buf.subarray(start, nl));
      start = nl + 1;
      nl = buf.indexOf(NL, start);
    }
    // Copy the tail: the chunk's memory may be reused by the stream.
    this.#pending = Buffer.from(buf.subarray(start));
  }

  #line(raw: Buffer): void {
    this.#lineNo++;
    const line = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, raw.length - 1) : raw;
    if (this.#format === "json") {
      const text = line.toString("utf8").trim();
      if (text === "") return;
      this.#ready.push(parseJsonMessage(text, `stdin line ${this.#lineNo}`));
      return;
    }
    this.#ready.push(this.#separator === null ? [Buffer.from(line)] : splitBuffer(line, this.#separator));
  }
}

/** Split `buf` at every occurrence of `sep` (copies, so frames outlive the read buffer). */
function splitBuffer(buf: Buffer, sep: Buffer): Frames {
  const out: Frames = [];
  let start = 0;
  let i = buf.indexOf(sep, start);
  while (i !== -1) {
    out.push(Buffer.from(buf.subarray(start, i)));
    start = i + sep.length;
    i = buf.indexOf(sep, start);
  }
  out.push(Buffer.from(buf.subarray(start)));
  return out;
}

/** Parse one JSON message (see {@link MessageReader}); `where` prefixes error messages. */
function parseJsonMessage(text: string, where: string): Frames {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (Array.isArray(v)) {
    if (v.length === 0) throw new UsageError(`${where}: a message needs at least one frame, got []`);
    return v.map((f, i) => jsonFrame(f, `${where}, frame ${i}`));
  }
  return [jsonFrame(v, where)];
}

function jsonFrame(f: unknown, where: string): Buffer {
  if (typeof f === "string") return Buffer.from(f, "utf8");
  if (typeof f === "number" || typeof f === "boolean") return Buffer.from(String(f), "utf8");
  if (f === null) return Buffer.alloc(0);
  if (typeof f === "object") {
    const o = f as Record<string, unknown>;
    if (typeof o["hex"] === "string") {
      const h = o["hex"];
      if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new UsageError(`${where}: "hex" must be an even number of hex digits`);
      return Buffer.from(h, "hex");
    }
    if (typeof o["base64"] === "string") return Buffer.from(o["base64"], "base64");
  }
  throw new UsageError(`${where}: a frame is a string, a number, null, {"hex": "..."} or {"base64": "..."}`);
}

// ------------------------------------------------------------------ output

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The frame as text when it is valid UTF-8 without control characters (tab allowed), else undefined. */
export function frameText(frame: Buffer): string | undefined {
  let s: string;
  try {
    s = utf8.decode(frame);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000a-\u001f\u007f]/.test(s) ? undefined : s;
}

/** Render a message for `format` (without the trailing newline; raw has none). */
export function formatMessage(msg: Frames, format: OutputFormat, separator: string): string | Buffer {
  switch (format) {
    case "text":
      return msg.map((f) => frameText(f) ?? `0x${f.toString("hex")}`).join(separator);
    case "hex":
      return msg.map((f) => f.toString("hex")).join(" ");
    case "json":
      return JSON.stringify(
        msg.map((f) => {
          const t = utf8Valid(f);
          return t ?? { hex: f.toString("hex") };
        }),
      );
    case "raw":
      return msg.length === 1 ? msg[0]! : Buffer.concat(msg);
  }
}

function utf8Valid(f: Buffer): string | undefined {
  try {
    return utf8.decode(f);
  } catch {
    return undefined;
  }
}

/**
 * Writes messages to stdout in a format, waiting for 'drain' when the stream is full so a slow
 * reader (`| less`) slows the socket instead of growing memory. When the reader goes away (EPIPE,
 * e.g. `| head`), `onGone` is called once and further prints are dropped.
 */
export class Printer {
  readonly #out: NodeJS.WritableStream;
  readonly #format: OutputFormat;
  readonly #separator: string;
  #gone = false;
  #onGone: () => void;

  constructor(out: NodeJS.WritableStream, format: OutputFormat, separator: string, onGone: () => void = () => {}) {
    this.#out = out;
    this.#format = format;
    this.#separator = separator;
    this.#onGone = onGone;
    // EPIPE (the reader went away, e.g. `| head`) is the usual case; any other write error leaves
    // nowhere to print either, so it ends the output the same way.
    out.on("error", () => this.#markGone());
  }

  get gone(): boolean {
    return this.#gone;
  }

  #markGone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#onGone();
  }

  /** Print one message; resolves when the stream can take more. */
  async print(msg: Frames): Promise<void> {
    if (this.#gone) return;
    const body = formatMessage(msg, this.#format, this.#separator);
    const ok =
      this.#format === "raw"
        ? this.#out.write(body)
        : this.#out.write(typeof body === "string" ? body + "\n" : Buffer.concat([body, Buffer.from("\n")]));
    if (!ok && !this.#gone) await drained(this.#out);
  }
}

function drained(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off("drain", done);
      out.off("close", done);
      out.off("error", done);
      resolve();
    };
    out.on("drain", done);
    out.on("close", done);
    out.on("error", done);
  });
}
