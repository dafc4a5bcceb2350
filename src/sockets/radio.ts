/**
 * RADIO (RFC 48; libzmq `radio.cpp`): sends each message to the DISHes that joined its group — exact
 * match, groups of at most 255 bytes — and to every datagram (udp) peer, which filters on its own side
 * (docs/drafts-notes.md §15, §17). Lossy, as PUB: a DISH at its HWM loses the message, the others get it.
 *
 * Joins arrive from each DISH as JOIN/LEAVE commands (the engine hands them over as command messages,
 * inproc peers pass them as they are), counted per pipe as libzmq's multimap does. A JOIN or LEAVE whose
 * group exceeds 255 bytes (it aborts a libzmq RADIO) is dropped; anything else a DISH sends is discarded.
 *
 * On the wire a message is two frames, `group` (MORE) then the body (§16): the pipes carry `[group, body]`.
 */
import { Buffer } from "node:buffer";
import { MSG_COMMAND, type CommandMsg, type Msg, type Pipe } from "../pipe.ts";
import { Distributor, type DistTarget } from "../routing/distributor.ts";
import { notSupported } from "../util/not-supported.ts";
import { checkSendArguments, cutAtNul, GROUP_MAX_LENGTH, multipartRefused, sendGroup } from "./draft-common.ts";
import { kOptions, xattach, xhasOut, xreadable, xrecv, xsend, xterminated, xwritable } from "./hooks.ts";
import { defineOptions } from "./option-store.ts";
import type { OptionProps, OptionStore } from "./options.ts";
import { finishSocket, type MessageLike, Socket, type Writable } from "./socket-base.ts";

const EMPTY = Buffer.alloc(0);

/** zeromq.js `RadioGroupOptions`. */
export interface RadioGroupOptions {
  group: Buffer | string;
}

/** A RADIO socket (DRAFT, zeromq.js `zeromq/draft`): publishes each message to one group. */
export class Radio extends Socket {
  /** @internal */
  declare readonly [kOptions]: OptionStore<"RADIO">;
  readonly #dist = new Distributor();
  /** Group (latin1 of its bytes) → the pipes that joined it, once per JOIN. */
  readonly #groups = new Map<string, DistTarget[]>();
  /** Datagram peers: they get every message (libzmq `subscribe_to_all`). */
  readonly #datagram: DistTarget[] = [];
  /** The group of the send in progress (RADIO never waits, so it is used at once). */
  #sendGroup: Buffer = EMPTY;

  constructor(options?: Partial<Omit<Radio, "send">> & { context?: unknown }) {
    super("RADIO", options);
    finishSocket(this, options);
  }

  /**
   * Send `message` to the DISHes that joined `options.group` (a string or Buffer; cut at a NUL byte and
   * to 255 bytes, as libzmq does). Never waits: a DISH whose queue is full misses it.
   */
  override send(message: MessageLike, options: RadioGroupOptions): Promise<void> {
    checkSendArguments(message, options, arguments.length);
    if (!this.closed) this.#sendGroup = sendGroup((options as { group?: unknown }).group);
    return super.send(message);
  }

  override receive(): Promise<Msg> {
    return Promise.reject(notSupported("receive", "Radio"));
  }

  /** @internal */
  [xattach](pipe: Pipe): void {
    const t = this.#dist.attach(pipe);
    if (pipe.peer?.datagram !== undefined) this.#datagram.push(t);
    else this.#readFrom(t);
  }

  /** @internal */
  override [xreadable](pipe: Pipe): void {
    const t = this.#dist.target(pipe);
    if (t !== undefined) this.#readFrom(t);
  }

  /** @internal */
  override [xwritable](pipe: Pipe): void {
    this.#dist.activated(pipe);
  }

  /** @internal */
  override [xterminated](pipe: Pipe): void {
    const t = this.#dist.target(pipe);
    if (t === undefined) return;
    for (const [key, list] of this.#groups) {
      const left = list.filter((x) => x !== t);
      if (left.length === 0) this.#groups.delete(key);
      else if (left.length !== list.length) this.#groups.set(key, left);
    }
    const i = this.#datagram.indexOf(t);
    if (i !== -1) this.#datagram.splice(i, 1);
    this.#dist.terminated(pipe);
  }

  /** JOIN/LEAVE from a DISH; its other messages are discarded (radio.cpp:49-71). */
  #readFrom(t: DistTarget): void {
    const pipe = t.pipe;
    for (let m = pipe.read(); m !== undefined; m = pipe.read()) {
      const cmd = (m as CommandMsg)[MSG_COMMAND];
      if (cmd !== "JOIN" && cmd !== "LEAVE") continue;
      const raw = m[0] ?? EMPTY;
      // A libzmq RADIO aborts on such a group (docs/drafts-notes.md §15): here it is only dropped.
      if (raw.length > GROUP_MAX_LENGTH) continue;
      const key = cutAtNul(raw).toString("latin1");
      const list = this.#groups.get(key);
      if (cmd === "JOIN") {
        if (list === undefined) this.#groups.set(key, [t]);
        else list.push(t);
      } else if (list !== undefined) {
        const i = list.indexOf(t);
        if (i !== -1) list.splice(i, 1);
        if (list.length === 0) this.#groups.delete(key);
      }
    }
  }

  /** @internal */
  [xsend](msg: Msg): boolean {
    if (msg.length !== 1) throw multipartRefused("Radio");
    const out: Msg = [this.#sendGroup, msg[0]!];
    const datagram = this.#datagram;
    // A message no datagram peer can carry fails the send, before anyone gets it (docs/drafts-notes.md §21).
    for (let i = 0; i < datagram.length; i++) {
      const err = datagram[i]!.pipe.peer!.datagram!.refuse(out);
      if (err !== null) throw err;
    }
    const dist = this.#dist;
    dist.unmatch();
    const joined = this.#groups.get(this.#sendGroup.toString("latin1"));
    if (joined !== undefined) for (let i = 0; i < joined.length; i++) dist.match(joined[i]!);
    for (let i = 0; i < datagram.length; i++) dist.match(datagram[i]!);
    dist.sendToMatching(out);
    return true;
  }

  /** @internal */
  [xrecv](): Msg | undefined {
    return undefined;
  }

  /** @internal RADIO never waits (radio.cpp `xhas_out`). */
  override [xhasOut](): boolean {
    return true;
  }
}
defineOptions(Radio.prototype, "RADIO");

export interface Radio extends Writable, OptionProps<"RADIO"> {
  send(message: MessageLike, options: RadioGroupOptions): Promise<void>;
}
