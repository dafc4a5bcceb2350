/**
 * A tiny HTTP responder on a STREAM socket (zguide's "HTTP server with ZMQ_STREAM", libzmq's
 * `zmq_socket(3)` STREAM example): STREAM speaks plain TCP, so an ordinary HTTP client — here
 * `fetch()` — can talk to it.
 *
 * Each connection has a routing id. The socket announces it with `[id, ""]`, then delivers whatever bytes
 * arrive as `[id, data]`. Once a request's headers are complete (`\r\n\r\n`) the server sends
 * `[id, response]` and then `[id, ""]`, which closes that connection.
 *
 * Run: npx tsx examples/http-stream.ts
 */
import { pathToFileURL } from "node:url";
import { Stream } from "../src/index.ts";

/** Serve until the socket is closed. Every GET is answered with a short text body naming the path. */
export async function serveHttp(server: Stream): Promise<number> {
  const pending = new Map<string, string>();
  let served = 0;
  try {
    for (;;) {
      const [id, data] = await server.receive();
      const key = id.toString("hex");
      if (data.length === 0) {
        // Connect or disconnect notification.
        if (pending.has(key)) pending.delete(key);
        else pending.set(key, "");
        continue;
      }
      const text = (pending.get(key) ?? "") + data.toString("latin1");
      if (!text.includes("\r\n\r\n")) {
        pending.set(key, text); // headers not complete yet: TCP may split them anywhere
        continue;
      }
      pending.delete(key);
      const [method = "", path = "/"] = text.split("\r\n", 1)[0]!.split(" ");
      const body =
        method === "GET" ? `Hello from a zocket STREAM socket! You asked for ${path}\n` : "Only GET is supported\n";
      const status = method === "GET" ? "200 OK" : "405 Method Not Allowed";
      const response =
        `HTTP/1.1 ${status}\r\n` +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        "Connection: close\r\n" +
        "\r\n" +
        body;
      await server.send([id, response]);
      await server.send([id, ""]); // close this connection (after the response has been written)
      served++;
    }
  } catch {
    return served; // closed
  }
}

/** Start the responder, fetch a page from it, stop. Resolves with what fetch() saw. */
export async function main(): Promise<{ status: number; body: string; contentType: string | null }> {
  const server = new Stream({ linger: 0 });
  await server.bind("tcp://127.0.0.1:*");
  const serving = serveHttp(server);
  const url = server.lastEndpoint!.replace("tcp://", "http://") + "/hello";
  try {
    const res = await fetch(url);
    const body = await res.text();
    console.log(`GET ${url} -> ${res.status}: ${body.trim()}`);
    return { status: res.status, body, contentType: res.headers.get("content-type") };
  } finally {
    server.close();
    await serving;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
