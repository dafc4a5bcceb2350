/**
 * A tcp connect through a SOCKS5 proxy (`socksProxy`, libzmq's ZMQ_SOCKS_PROXY): the connection goes to
 * the proxy (from the endpoint's source address, if any), the handshake of transports/socks.ts asks it
 * for the endpoint, then the socket moves to direct input like an accepted one and ZMTP starts. Bytes
 * the peer sent right behind the proxy's reply are handed to the engine first.
 */
import type { Buffer } from "node:buffer";
import * as net from "node:net";
import { ZmqError } from "../errors.ts";
import type { ByteStream, StreamReader } from "./byte-stream.ts";
import { adopt } from "./direct-input.ts";
import type { Endpoint } from "./endpoint.ts";
import { parseProxy, Socks5Handshake } from "./socks.ts";
import type { ConnInfo, NetOptions } from "./transport.ts";
import { ConnectAttempt } from "./connect-attempt.ts";

type TcpEndpoint = Extract<Endpoint, { transport: "tcp" }>;

/** Start one connection attempt through the proxy; returns its cancel function (transport.connect's contract). */
export function socksConnect(
  ep: TcpEndpoint,
  opts: NetOptions,
  local: { localAddress?: string; localPort?: number },
  bodyReadMax: number,
  done: (err: Error | null, stream?: ByteStream, info?: ConnInfo) => void,
): () => void {
  const tuning = opts.tuning!;
  let proxy: { host: string; port: number };
  try {
    proxy = parseProxy(tuning.socksProxy!);
  } catch (err) {
    queueMicrotask(() => done(err as Error));
    return () => {};
  }
  const hs = new Socks5Handshake(ep.host, ep.port, tuning.socksUsername, tuning.socksPassword);
  const sock = net.connect({ host: proxy.host, port: proxy.port, noDelay: true, ...local });
  sock.unref();
  const finish = (err: Error | null, rest?: Buffer): void => {
    if (!attempt.end()) return;
    sock.off("data", onData);
    sock.off("error", onError);
    sock.off("close", onClose);
    if (err !== null) {
      sock.destroy();
      done(err);
      return;
    }
    sock.pause();
    const stream = adopt(sock, bodyReadMax) as ByteStream & net.Socket;
    stream.unref();
    // Where the socket could not move to direct input it stays a 'data' stream: the bytes go back into it.
    if (rest !== undefined && rest.length > 0 && stream === sock) sock.unshift(rest);
    else if (rest !== undefined && rest.length > 0) {
      const setReader = stream.setReader!.bind(stream);
      stream.setReader = (reader: StreamReader) => {
        const tap = setReader(reader);
        reader.onBytes(rest);
        return tap;
      };
    }
    const host = ep.host.includes(":") ? `[${ep.host}]` : ep.host;
    done(null, stream, { remote: `tcp://${host}:${ep.port}`, peerAddress: ep.host });
  };
  const onData = (chunk: Buffer): void => {
    const step = hs.onBytes(chunk);
    if (step.kind === "send") sock.write(step.bytes);
    else if (step.kind === "done") finish(null, step.rest);
    else if (step.kind === "error") finish(step.error);
  };
  const onError = (err: Error): void => finish(err);
  const onClose = (): void =>
    finish(new ZmqError("ECONNRESET", `SOCKS5 proxy ${tuning.socksProxy} closed the connection`));
  sock.on("data", onData);
  sock.once("error", onError);
  sock.once("close", onClose);
  sock.once("connect", () => sock.write(hs.start()));
  const attempt = new ConnectAttempt(sock, ep.address, opts.connectTimeout, finish);
  return attempt.cancel;
}
