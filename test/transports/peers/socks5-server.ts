/**
 * A SOCKS5 proxy (RFC 1928, RFC 1929) for the socksProxy tests: records each client's greeting, auth and
 * CONNECT request bytes, connects to the target (names resolved here, IPv4) and relays both ways.
 */
import * as net from "node:net";
import { Buffer } from "node:buffer";

export interface SocksLog {
  greeting: Buffer;
  auth: Buffer | null;
  request: Buffer;
  host: string;
  port: number;
}

export interface SocksServer {
  port: number;
  log: SocksLog[];
  /** Connections relayed so far. */
  relayed: number;
  close(): void;
}

export async function startSocks5(auth?: { username: string; password: string }): Promise<SocksServer> {
  const log: SocksLog[] = [];
  const sockets = new Set<net.Socket>();
  const state = { relayed: 0 };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    let buf = Buffer.alloc(0);
    let phase: "greeting" | "auth" | "request" | "relay" = "greeting";
    const entry: Partial<SocksLog> = { auth: null };
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (phase === "greeting") {
        if (buf.length < 2 || buf.length < 2 + buf[1]!) return;
        const n = 2 + buf[1]!;
        entry.greeting = buf.subarray(0, n);
        const methods = [...buf.subarray(2, n)];
        buf = buf.subarray(n);
        if (auth !== undefined) {
          if (!methods.includes(2)) return void client.end(Buffer.from([5, 0xff]));
          client.write(Buffer.from([5, 2]));
          phase = "auth";
        } else {
          client.write(Buffer.from([5, 0]));
          phase = "request";
        }
      }
      if (phase === "auth") {
        if (buf.length < 2 || buf.length < 3 + buf[1]! || buf.length < 3 + buf[1]! + buf[2 + buf[1]!]!) return;
        const ulen = buf[1]!;
        const plen = buf[2 + ulen]!;
        entry.auth = buf.subarray(0, 3 + ulen + plen);
        const user = buf.subarray(2, 2 + ulen).toString();
        const pass = buf.subarray(3 + ulen, 3 + ulen + plen).toString();
        buf = buf.subarray(3 + ulen + plen);
        if (user !== auth!.username || pass !== auth!.password) return void client.end(Buffer.from([1, 1]));
        client.write(Buffer.from([1, 0]));
        phase = "request";
      }
      if (phase === "request") {
        if (buf.length < 5) return;
        const atyp = buf[3]!;
        const alen = atyp === 1 ? 4 : atyp === 4 ? 16 : 1 + buf[4]!;
        if (buf.length < 4 + alen + 2) return;
        const a = buf.subarray(4, 4 + alen);
        const host =
          atyp === 1
            ? [...a].join(".")
            : atyp === 4
              ? Array.from({ length: 8 }, (_, i) => a.readUInt16BE(i * 2).toString(16)).join(":")
              : a.subarray(1).toString();
        const port = buf.readUInt16BE(4 + alen);
        entry.request = buf.subarray(0, 4 + alen + 2);
        buf = buf.subarray(4 + alen + 2);
        log.push({ ...(entry as SocksLog), host, port });
        phase = "relay";
        client.off("data", onData);
        client.pause();
        const target = net.connect({ host, port, family: atyp === 4 ? 6 : 4 });
        sockets.add(target);
        target.on("close", () => sockets.delete(target));
        target.on("error", () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])));
        target.once("connect", () => {
          state.relayed++;
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          if (buf.length > 0) target.write(buf);
          client.pipe(target);
          target.pipe(client);
          client.resume();
        });
      }
    };
    client.on("data", onData);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    log,
    get relayed() {
      return state.relayed;
    },
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
