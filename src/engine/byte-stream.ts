/**
 * The byte stream an engine runs over. `node:net`'s Socket satisfies it as is (tcp, ipc); a WebSocket
 * adapter can satisfy it later. The engine imports no networking module (STYLE rule 7).
 */
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
  /** Keep (or stop keeping) the process alive for this stream. */
  ref(): unknown;
  unref(): unknown;
}
