/**
 * The message loops of `zocket <type>` (socket-command.ts parses the command and opens the socket): what
 * is read from stdin is sent, what arrives is printed, as the socket type's direction says (send-only,
 * receive-only, request, reply, both); SERVER/DGRAM/RADIO address their sends, STREAM tracks its peer.
 */
import { Buffer } from "node:buffer";
import type { Socket } from "../index.ts";
import { RuntimeFailure } from "./args.ts";
import { frameText, type Frames, type InputFormat, type MessageReader, type OutputFormat, type Printer } from "./io.ts";
import type { SocketTypeInfo } from "./lib.ts";
import { describeError, type Runtime } from "./runtime.ts";

/** The settings of the message loops, from the command line. */
export interface Settings {
  count: number | undefined;
  timeout: number | undefined;
  delay: number;
  input: InputFormat;
  format: OutputFormat;
  separator: string | undefined;
}

/** SERVER's and RADIO's send(message, options) (zeromq.js's draft API). */
interface Routed {
  send(message: Buffer | Frames, options: { routingId: number } | { group: string }): Promise<void>;
}

/** Resolves when the runtime starts stopping. */
function stopped(rt: Runtime): Promise<void> {
  if (rt.stopping) return Promise.resolve();
  return new Promise((resolve) => rt.signal.addEventListener("abort", () => resolve(), { once: true }));
}

/** The message loops of the generic command. */
export class Flow {
  readonly #rt: Runtime;
  readonly #sock: Socket;
  readonly #t: SocketTypeInfo;
  readonly #s: Settings;
  readonly #printer: Printer;
  /** The socket only connects (a STREAM client ends when its server hangs up). */
  readonly #connectOnly: boolean;
  /** STREAM: the peer a one-frame stdin message goes to (the last one that spoke or connected). */
  #streamPeer: Buffer | null = null;
  #peerArrivedResolve: () => void = () => {};
  readonly #peerArrived = new Promise<void>((resolve) => (this.#peerArrivedResolve = resolve));
  /** STREAM: connected TCP peers (hex ids), and whether stdin has ended. */
  readonly #livePeers = new Set<string>();
  #inputDone = false;
  /** RADIO: the group of every message. */
  readonly #group: string;
  /** SERVER and DGRAM: the peer (routing id, address frame) a one-frame stdin line goes to: the last one heard. */
  #lastPeer: number | Buffer | null = null;
  #peerHeardResolve: () => void = () => {};
  readonly #peerHeard = new Promise<void>((resolve) => (this.#peerHeardResolve = resolve));

  constructor(
    rt: Runtime,
    sock: Socket,
    t: SocketTypeInfo,
    s: Settings,
    printer: Printer,
    connectOnly: boolean,
    group: string,
  ) {
    this.#group = group;
    this.#connectOnly = connectOnly;
    this.#rt = rt;
    this.#sock = sock;
    this.#t = t;
    this.#s = s;
    this.#printer = printer;
  }

  /** A send/receive failure: quiet when stopping (the socket was closed), else exit 1 with why. */
  #failed(err: unknown, what: "send" | "receive"): number {
    if (this.#rt.stopping) return 0;
    const code = (err as { code?: unknown }).code;
    if (code === "EAGAIN" && this.#s.timeout !== undefined) {
      throw new RuntimeFailure(
        what === "receive"
          ? `no message within ${this.#s.timeout} ms`
          : `could not send within ${this.#s.timeout} ms (no peer ready to take it)`,
      );
    }
    throw new RuntimeFailure(`${what} failed: ${describeError(err)}`);
  }

  /** SERVER, RADIO and DGRAM sends: the peer or group goes beside the message (zeromq.js's draft API). */
  async #sendDraft(msg: Frames): Promise<void> {
    const name = this.#t.name;
    if (name === "radio") {
      await (this.#sock as unknown as Routed).send(msg.length === 1 ? msg[0]! : msg, { group: this.#group });
      return;
    }
    let peer: number | Buffer | null;
    let body: Buffer | Frames;
    if (msg.length === 2) {
      peer = name === "server" ? Number(msg[0]!.toString()) : msg[0]!;
      body = msg[1]!;
    } else {
      // One frame: to the last peer heard from; wait for the first one.
      if (this.#lastPeer === null) await Promise.race([this.#peerHeard, stopped(this.#rt)]);
      peer = this.#lastPeer;
      body = msg.length === 1 ? msg[0]! : msg;
    }
    if (peer === null) return;
    if (name === "server") await (this.#sock as unknown as Routed).send(body, { routingId: peer as number });
    else await this.#sock.send([peer as Buffer, ...(Array.isArray(body) ? body : [body])]);
  }

  async #send(msg: Frames): Promise<boolean> {
    const name = this.#t.name;
    if (name === "server" || name === "radio" || name === "dgram") {
      try {
        await this.#sendDraft(msg);
        return true;
      } catch (err) {
        this.#failed(err, "send");
        return false;
      }
    }
    let out = msg;
    if (this.#t.name === "stream" && msg.length === 1) {
      // STREAM needs the peer's routing id, which its connect notification brings: wait for it.
      if (this.#streamPeer === null) await Promise.race([this.#peerArrived, stopped(this.#rt)]);
      if (this.#streamPeer === null) return false;
      out = [this.#streamPeer, msg[0]!];
    }
    try {
      await this.#sock.send(out);
      return true;
    } catch (err) {
      this.#failed(err, "send");
      return false;
    }
  }

  async #receive(): Promise<Frames | null> {
    try {
      return this.#frames(await this.#sock.receive());
    } catch (err) {
      this.#failed(err, "receive");
      return null;
    }
  }

  /**
   * A received message as frames to print: SERVER's `[msg, { routingId }]` as `[id, msg]`, DISH's
   * `[msg, { group }]` as `[group, msg]`, DGRAM's address without its NUL. SERVER and DGRAM remember the peer.
   */
  #frames(received: unknown[]): Frames {
    const name = this.#t.name;
    if (name === "server") {
      const id = (received[1] as { routingId: number }).routingId;
      this.#lastPeer = id;
      this.#peerHeardResolve();
      return [Buffer.from(String(id)), received[0] as Buffer];
    }
    if (name === "dish") return [(received[1] as { group: Buffer }).group, received[0] as Buffer];
    if (name === "dgram") {
      const addr = received[0] as Buffer;
      this.#lastPeer = addr;
      this.#peerHeardResolve();
      const end = addr.length > 0 && addr[addr.length - 1] === 0 ? addr.length - 1 : addr.length;
      return [addr.subarray(0, end), received[1] as Buffer];
    }
    return received as Frames;
  }

  /** Print a received message; false when it does not count (STREAM notifications). */
  async #print(msg: Frames): Promise<boolean> {
    if (this.#t.name === "stream") {
      const id = msg[0] ?? null;
      this.#streamPeer = id;
      this.#peerArrivedResolve();
      // An empty payload is STREAM's connect/disconnect notification: not data, not counted.
      const data = msg.length >= 2 && msg[1]!.length > 0;
      if (!data && id !== null) {
        const key = id.toString("hex");
        if (this.#livePeers.delete(key)) this.#maybeHangUp();
        else this.#livePeers.add(key);
        return false;
      }
      if (!data) return false;
      if (this.#s.format === "raw") {
        await this.#printer.print(msg.slice(1));
        return true;
      }
    }
    if (
      this.#t.name === "xpub" &&
      this.#s.format === "text" &&
      msg.length === 1 &&
      msg[0]!.length > 0 &&
      msg[0]![0]! <= 1
    ) {
      // XPUB delivers subscriptions as [0x01|topic] / [0x00|topic] (RFC 29): show them as +topic / -topic.
      const f = msg[0]!;
      const topic = f.subarray(1);
      await this.#printer.print([
        Buffer.from(`${f[0] === 1 ? "+" : "-"}${frameText(topic) ?? "0x" + topic.toString("hex")}`),
      ]);
      return true;
    }
    await this.#printer.print(msg);
    return true;
  }

  /**
   * Like netcat: a STREAM client (connect only) whose input has ended is done when the server hangs up
   * (an HTTP/1.0 server closing after its response, say).
   */
  #maybeHangUp(): void {
    if (
      this.#t.name === "stream" &&
      this.#connectOnly &&
      this.#inputDone &&
      this.#streamPeer !== null &&
      this.#livePeers.size === 0
    ) {
      this.#rt.stop(0);
    }
  }

  #more(n: number): boolean {
    return !this.#rt.stopping && (this.#s.count === undefined || n < this.#s.count);
  }

  async sendAll(reader: MessageReader): Promise<number> {
    let n = 0;
    while (this.#more(n)) {
      const msg = await reader.next();
      if (msg === null || this.#rt.stopping) break;
      if (!(await this.#send(msg))) break;
      n++;
    }
    // PUB and RADIO drop what nobody takes; the others wait for a peer.
    if (n > 0 && this.#t.name !== "pub" && this.#t.name !== "radio" && !this.#rt.stopping) {
      // PUSH queues for peers that are still connecting. Closing now could drop the queue quietly, or
      // miss a peer refusing the handshake: wait (within the linger) until some peer took the link.
      const limit = this.#rt.linger < 0 ? -1 : Math.max(this.#rt.linger, this.#s.timeout ?? 0);
      const ok = await this.#rt.waitHandshake(this.#sock, limit);
      if (!ok && !this.#rt.stopping) {
        throw new RuntimeFailure(
          `no peer connected within ${limit} ms: ${n === 1 ? "the message was" : `${n} messages were`} not delivered`,
        );
      }
    }
    return 0;
  }

  async receiveAll(): Promise<number> {
    let n = 0;
    while (this.#more(n)) {
      const msg = await this.#receive();
      if (msg === null) break;
      if (await this.#print(msg)) n++;
    }
    return 0;
  }

  async request(reader: MessageReader): Promise<number> {
    let n = 0;
    while (this.#more(n)) {
      const msg = await reader.next();
      if (msg === null || this.#rt.stopping) break;
      if (!(await this.#send(msg))) break;
      const reply = await this.#receive();
      if (reply === null) break;
      await this.#print(reply);
      n++;
    }
    return 0;
  }

  async reply(reader: MessageReader): Promise<number> {
    let n = 0;
    while (this.#more(n)) {
      const req = await this.#receive();
      if (req === null) break;
      await this.#print(req);
      const answer = await reader.next();
      if (answer === null || this.#rt.stopping) {
        if (!this.#rt.stopping) this.#rt.note("end of input: no reply for the last request");
        break;
      }
      if (!(await this.#send(answer))) break;
      n++;
    }
    return 0;
  }

  async both(reader: MessageReader): Promise<number> {
    const sender = (async (): Promise<void> => {
      for (;;) {
        const msg = await reader.next();
        if (msg === null || this.#rt.stopping) break;
        if (!(await this.#send(msg))) return;
      }
      this.#inputDone = true;
      this.#maybeHangUp();
    })();
    // A send failure stops the process (which also ends the receive loop) with its reason.
    sender.catch((err: unknown) => this.#rt.stop(1, describeError(err)));
    return this.receiveAll();
  }
}
