/**
 * A hand-driven ZMTP 3.1 peer over node:net (NULL mechanism), for tests that must see or forge exact
 * wire bytes: it plays a REQ/REP/DEALER/ROUTER counterpart to the socket under test, which may be zocket
 * or libzmq (the `zeromq` package), so the same assertions check both.
 */
import * as net from "node:net";

const FLAG_MORE = 0x01;
const FLAG_LONG = 0x02;
const FLAG_COMMAND = 0x04;

function greeting(): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 1;
  g.write("NULL", 12, "latin1");
  return g;
}

function prop(name: string, value: Buffer): Buffer {
  const h = Buffer.alloc(1 + name.length + 4);
  h[0] = name.length;
  h.write(name, 1, "latin1");
  h.writeUInt32BE(value.length, 1 + name.length);
  return Buffer.concat([h, value]);
}

/** Encode one frame (short form up to 255 bytes, like libzmq). */
export function encodeFrame(body: Buffer, more: boolean, command = false): Buffer {
  const flags = (more ? FLAG_MORE : 0) | (command ? FLAG_COMMAND : 0);
  if (body.length > 255) {
    const h = Buffer.alloc(9);
    h[0] = flags | FLAG_LONG;
    h.writeBigUInt64BE(BigInt(body.length), 1);
    return Buffer.concat([h, body]);
  }
  return Buffer.concat([Buffer.from([flags, body.length]), body]);
}

/** Encode a whole message. */
export function encodeMessage(frames: (Buffer | string)[]): Buffer {
  return Buffer.concat(frames.map((f, i) => encodeFrame(Buffer.from(f), i < frames.length - 1)));
}

export interface RawPeer {
  /** The raw bytes of every data message received (frames, MORE stripped). */
  recv(timeoutMs?: number): Promise<Buffer[]>;
  /** Resolves with the next message if one arrives within `ms`, else undefined. */
  maybeRecv(ms: number): Promise<Buffer[] | undefined>;
  send(frames: (Buffer | string)[]): void;
  /** Several messages in one write (so the other side reads them in one go). */
  sendMany(messages: (Buffer | string)[][]): void;
  /** Resolves when the other side closed the connection. */
  readonly ended: Promise<void>;
  /** The peer's READY properties. */
  readonly props: Map<string, Buffer>;
  /** Bytes of data frames as they came off the wire (for byte-exact checks). */
  readonly wire: Buffer[];
  close(): void;
}

/**
 * Connect to `port` on 127.0.0.1 as a ZMTP 3.1 peer of type `socketType`, complete the NULL handshake
 * (sending `Identity` when given) and resolve once the other side's READY has arrived.
 */
export function rawConnect(port: number, socketType: string, identity?: string, timeoutMs = 3000): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    let gotGreeting = false;
    let ready = false;
    const props = new Map<string, Buffer>();
    const wire: Buffer[] = [];
    const queue: Buffer[][] = [];
    let parts: Buffer[] = [];
    let waiter: ((m: Buffer[]) => void) | null = null;
    let markEnded!: () => void;
    const ended = new Promise<void>((r) => (markEnded = r));
    sock.on("close", () => markEnded());
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error("raw ZMTP handshake timed out"));
    }, timeoutMs);

    const peer: RawPeer = {
      props,
      wire,
      ended,
      recv(ms = 3000) {
        const m = queue.shift();
        if (m) return Promise.resolve(m);
        return new Promise((res, rej) => {
          const t = setTimeout(() => {
            waiter = null;
            rej(new Error(`no message within ${ms} ms`));
          }, ms);
          waiter = (msg) => {
            clearTimeout(t);
            res(msg);
          };
        });
      },
      async maybeRecv(ms) {
        try {
          return await peer.recv(ms);
        } catch {
          return undefined;
        }
      },
      send(frames) {
        sock.write(encodeMessage(frames));
      },
      sendMany(messages) {
        sock.write(Buffer.concat(messages.map((m) => encodeMessage(m))));
      },
      close() {
        sock.destroy();
      },
    };

    sock.on("error", (err) => {
      if (!ready) {
        clearTimeout(timer);
        reject(err);
      }
    });
    sock.on("connect", () => sock.write(greeting()));
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!gotGreeting) {
        if (buf.length < 64) return;
        buf = buf.subarray(64);
        gotGreeting = true;
        let readyCmd = Buffer.concat([
          Buffer.from([5]),
          Buffer.from("READY"),
          prop("Socket-Type", Buffer.from(socketType)),
        ]);
        if (identity !== undefined) readyCmd = Buffer.concat([readyCmd, prop("Identity", Buffer.from(identity))]);
        sock.write(encodeFrame(readyCmd, false, true));
      }
      for (;;) {
        if (buf.length < 2) return;
        const flags = buf[0]!;
        let size: number;
        let hdr: number;
        if (flags & FLAG_LONG) {
          if (buf.length < 9) return;
          size = Number(buf.readBigUInt64BE(1));
          hdr = 9;
        } else {
          size = buf[1]!;
          hdr = 2;
        }
        if (buf.length < hdr + size) return;
        const raw = Buffer.from(buf.subarray(0, hdr + size));
        const body = Buffer.from(buf.subarray(hdr, hdr + size));
        buf = buf.subarray(hdr + size);
        if (flags & FLAG_COMMAND) {
          if (body.subarray(0, 6).toString("latin1") === "\x05READY") {
            let i = 6;
            while (i < body.length) {
              const nl = body[i]!;
              const name = body.subarray(i + 1, i + 1 + nl).toString("latin1");
              const vl = body.readUInt32BE(i + 1 + nl);
              props.set(name, Buffer.from(body.subarray(i + 5 + nl, i + 5 + nl + vl)));
              i += 5 + nl + vl;
            }
            ready = true;
            clearTimeout(timer);
            resolve(peer);
          }
          continue;
        }
        wire.push(raw);
        parts.push(body);
        if (flags & FLAG_MORE) continue;
        const msg = parts;
        parts = [];
        if (waiter) {
          const w = waiter;
          waiter = null;
          w(msg);
        } else {
          queue.push(msg);
        }
      }
    });
  });
}

/** The port of a `tcp://host:port` endpoint. */
export function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
}
