/** zeromq.js's socket-stream-test.ts (tcp only, as there), on zocket and on zeromq.js. */
import assert from "node:assert/strict";
import { createServer, get, type Server } from "node:http";
import { afterEach, beforeEach, describe, it } from "node:test";
import { LIBS, uniqAddress, type Zmq } from "./helpers.ts";

for (const { name, zmq } of LIBS) {
  describe(`${name}: socket with tcp stream`, () => {
    let stream: InstanceType<Zmq["Stream"]>;
    beforeEach(() => {
      stream = new zmq.Stream();
    });
    afterEach(() => stream.close());

    it("send/receive as server: should deliver messages", async () => {
      const address = await uniqAddress("tcp");
      await stream.bind(address);
      const serve = async (): Promise<void> => {
        for await (const [id, msg] of stream) {
          if (msg!.length === 0) continue;
          assert.equal(msg!.toString().split("\r\n")[0], "GET /foo HTTP/1.1");
          await stream.send([id!, "HTTP/1.0 200 OK\r\nContent-Type: text/plan\r\n\r\nHello world!"]);
          stream.close();
        }
      };
      let body = "";
      const request = (): Promise<void> =>
        new Promise((resolve) => {
          get(`${address.replace("tcp:", "http:")}/foo`, (res) => {
            res.on("data", (b: Buffer) => (body += b.toString()));
            res.on("end", resolve);
          });
        });
      await Promise.all([request(), serve()]);
      assert.equal(body, "Hello world!");
    });

    it("send/receive as client: should deliver messages", async () => {
      const address = await uniqAddress("tcp");
      const port = Number(address.split(":").pop());
      const server = await new Promise<Server>((resolve) => {
        const http = createServer((_req, res) => {
          res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": 12 });
          res.end("Hello world!");
        });
        http.listen(port, "127.0.0.1", () => resolve(http));
      });
      const routingId = "abcdef1234567890";
      stream.connect(address, { routingId });
      let body = "";
      // Sent at once after connect(), as zeromq.js's test does.
      await stream.send([routingId, `GET /foo HTTP/1.1\r\nHost: ${address.replace("tcp://", "")}\r\n\r\n`]);
      for await (const [id, data] of stream) {
        assert.equal(id!.toString(), routingId);
        if (data!.length > 0) {
          body += data!.toString();
          break;
        }
      }
      stream.close();
      server.close();
      assert.equal(body.split("\r\n\r\n").pop(), "Hello world!");
    });
  });
}
