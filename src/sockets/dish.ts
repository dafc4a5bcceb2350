/**
 * DISH (RFC 48; libzmq `dish.cpp`): receives what its RADIOs send to the groups it joined — exact match,
 * filtered here too whatever the RADIO did (over udp only here: docs/drafts-notes.md §13, §17).
 *
 * `join()`/`leave()` send JOIN/LEAVE commands to every RADIO, and every new or reconnected one gets all
 * the current joins. A message from a connection is two frames, group then body; any other shape (a group
 * frame over 255 bytes, a body with more frames) costs that connection, as in libzmq (§13).
 */
import type { Buffer } from "node:buffer";
import { ZmqError } from "../errors.ts";
import { commandMsg, type Msg, type Pipe } from "../pipe.ts";
import { FairQueue } from "../routing/fair-queue.ts";
import { notSupported } from "../util/not-supported.ts";
import { closedError } from "./endpoints.ts";
import { cutAtNul, GROUP_MAX_LENGTH, joinGroup } from "./draft-common.ts";
import { xattach, xhasIn, xhasOut, xhiccup, xreadable, xrecv, xsend, xterminated } from "./hooks.ts";
import { finishSocket, type Message, type Readable, Socket } from "./socket-base.ts";

/** zeromq.js `DishGroupOptions`: the group a message was sent to. */
export interface DishGroupOptions {
  group: Buffer;
}

/** What DISH's receive() gives, typed: the message and its group. */
export type GroupMessage = [Message, DishGroupOptions];

/** The implementation of {@link Dish}: exported under that name, typed with zeromq.js's group messages. */
export class DishSocket extends Socket {
  readonly #fq = new FairQueue();
  readonly #pipes = new Set<Pipe>();
  /** Joined groups by the latin1 of their bytes. */
  readonly #joined = new Map<string, Buffer>();
  #prefetched: Msg | undefined = undefined;

  constructor(options?: DishOptions) {
    super("DISH", options);
    finishSocket(this, options);
  }

  /**
   * Receive the messages sent to each of `groups` (strings or Buffers, at most 255 bytes, cut at a NUL
   * byte as libzmq does). Joining a group already joined is EINVAL, as in libzmq.
   */
  join(...groups: Array<Buffer | string>): void {
    for (const value of groups) {
      if (this.closed) throw closedError();
      const g = joinGroup(value, "join");
      const key = g.toString("latin1");
      if (this.#joined.has(key)) throw new ZmqError("EINVAL", `Dish.join(): group ${JSON.stringify(key)} is joined`);
      this.#joined.set(key, g);
      for (const p of this.#pipes) p.sendCommand(commandMsg("JOIN", g));
    }
  }

  /** Stop receiving each of `groups`; a group not joined is EINVAL, as in libzmq. */
  leave(...groups: Array<Buffer | string>): void {
    for (const value of groups) {
      if (this.closed) throw closedError();
      const g = joinGroup(value, "leave");
      const key = g.toString("latin1");
      if (!this.#joined.delete(key)) {
        throw new ZmqError("EINVAL", `Dish.leave(): group ${JSON.stringify(key)} is not joined`);
      }
      for (const p of this.#pipes) p.sendCommand(commandMsg("LEAVE", g));
    }
  }

  override send(..._args: unknown[]): Promise<void> {
    return Promise.reject(notSupported("send", "Dish"));
  }

  /** @internal */
  [xsend](): boolean {
    throw notSupported("send", "Dish");
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    this.#fq.attach(pipe);
    this.#pipes.add(pipe);
    this.#replay(pipe);
  }

  /** @internal A connecting pipe got a new connection: its RADIO needs every join again (dish.cpp xhiccuped). */
  override [xhiccup](pipe: Pipe): void {
    this.#replay(pipe);
  }

  #replay(pipe: Pipe): void {
    for (const g of this.#joined.values()) pipe.sendCommand(commandMsg("JOIN", g));
  }

  /** @internal */
  override [xreadable](pipe: Pipe): void {
    this.#fq.activate(pipe);
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    this.#pipes.delete(pipe);
    this.#fq.terminated(pipe);
  }

  /** The next message of a joined group, as `[body, { group }]`, or undefined. */
  #next(): Msg | undefined {
    const fq = this.#fq;
    for (;;) {
      const m = fq.recv();
      if (m === undefined) return undefined;
      const group = m[0]!;
      if (m.length !== 2 || group.length > GROUP_MAX_LENGTH) {
        this.#fault(fq.lastPipe!);
        continue;
      }
      const g = cutAtNul(group);
      if (!this.#joined.has(g.toString("latin1"))) continue;
      const meta: DishGroupOptions = { group: g };
      // Handed to the caller as it is: zeromq.js's [msg, { group }].
      return [m[1]!, meta as unknown as Buffer];
    }
  }

  /**
   * A malformed message: libzmq's dish session fails and the connection drops (a connecting side
   * reconnects); what else that connection delivered is dropped with it (docs/drafts-notes.md §13).
   */
  #fault(pipe: Pipe): void {
    pipe.inbound.clear();
    pipe.end?.dropConnection?.();
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    const p = this.#prefetched;
    if (p === undefined) return this.#next();
    this.#prefetched = undefined;
    return p;
  }

  /** @internal */
  override [xhasIn](): boolean {
    if (this.#prefetched === undefined) this.#prefetched = this.#next();
    return this.#prefetched !== undefined;
  }

  /** @internal Joins and leaves can be sent at any time (dish.cpp `xhas_out`). */
  override [xhasOut](): boolean {
    return true;
  }
}
Object.defineProperty(DishSocket, "name", { value: "Dish" });

/** The options `new Dish(options)` takes. */
export type DishOptions = Partial<Omit<Dish, "send" | "receive" | "join" | "leave" | typeof Symbol.asyncIterator>> & {
  context?: unknown;
};

/**
 * A DISH socket (DRAFT, zeromq.js `zeromq/draft`): receives the messages its RADIOs send to the groups it
 * joined, each with its group.
 *
 * ```ts
 * dish.join("weather");
 * for await (const [msg, { group }] of dish) console.log(group.toString(), msg.toString());
 * ```
 */
export interface Dish extends Omit<DishSocket, "send" | "receive" | typeof Symbol.asyncIterator> {
  receive(): Promise<GroupMessage>;
  [Symbol.asyncIterator](): AsyncIterator<GroupMessage, undefined>;
}

export const Dish: {
  new (options?: DishOptions): Dish;
  readonly prototype: Dish;
} = DishSocket as never;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges the option properties into the class
export interface DishSocket extends Readable {}
