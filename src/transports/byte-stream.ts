/**
 * The byte stream an engine runs over. `node:net`'s Socket satisfies it as is (tcp, ipc); a WebSocket
 * adapter can satisfy it later. Engines import no networking module (STYLE rule 7).
 */
import type { Buffer } from "node:buffer";
import type { MechanismName } from "../protocol/constants.ts";
import type { FrameTap } from "../protocol/frame-decoder.ts";

/**
 * Where a stream's input goes when the stream delivers it directly (node:net `onread`, see
 * transports/direct-input.ts) instead of through 'data' events: cheaper per read, and a large frame body
 * can be read straight into its final buffer.
 */
export interface StreamReader {
  /** Bytes arrived: a view the reader may keep. */
  onBytes(chunk: Buffer): void;
  /** A buffer the next read must land in (the rest of a large frame body), or null. At most `bodyReadMax` bytes. */
  readTarget(bodyReadMax: number): Uint8Array | null;
}

export interface ByteStream {
  write(chunk: Uint8Array, cb?: (err?: Error | null) => void): boolean;
  cork(): void;
  uncork(): void;
  pause(): unknown;
  resume(): unknown;
  end(cb?: () => void): unknown;
  destroy(err?: Error): unknown;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "drain" | "end" | "finish", listener: () => void): unknown;
  on(event: "close", listener: (hadError: boolean) => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  readonly writableNeedDrain: boolean;
  /** Bytes written but not yet handed to the OS (0 = no pending write references our buffers). */
  readonly writableLength: number;
  readonly destroyed: boolean;
  /**
   * Present on streams with direct input: set once, right after the stream is handed over. Returns the
   * tap through which the stream shapes its reads to the reader's frames, or null.
   */
  setReader?(reader: StreamReader): FrameTap | null;
  /**
   * Present on streams whose transport negotiates the mechanism in its own handshake instead of the ZMTP
   * greeting (ZWS: the WebSocket subprotocol, docs/ws-notes.md §2-§5). The engine writes no greeting and
   * calls this once; `ready` runs when ZMTP frames may flow (`bare`: no mechanism, routing-id frames only),
   * never if the stream fails first. Such a stream delivers an empty chunk as proof of life (a pong).
   */
  negotiate?(mechanism: MechanismName, ready: (bare: boolean) => void): void;
  /**
   * Negotiated streams only: send the transport's liveness probe (a WebSocket ping) in place of a ZMTP
   * PING; null when the transport has none (a browser's WebSocket), and then no heartbeats are sent.
   */
  readonly probe?: (() => void) | null;
  /** Keep (or stop keeping) the process alive for this stream. */
  ref(): unknown;
  unref(): unknown;
}

/**
 * Route a stream's input to `reader`: direct when the stream supports it, else through 'data' events.
 * Returns the stream's frame tap, for the reader's frame decoder (null when the stream does not shape reads).
 */
export function readFrom(stream: ByteStream, reader: StreamReader): FrameTap | null {
  if (stream.setReader !== undefined) return stream.setReader(reader);
  stream.on("data", (chunk) => reader.onBytes(chunk));
  return null;
}
