/** Real Pipe objects for the routing-strategy unit tests, with an owner that wires them to a strategy. */
import { MsgQueue, Pipe, type Msg, type PipeOwner } from "../../../src/pipe.ts";

/** A PipeOwner that records its calls and forwards them to hooks a test sets. */
export class Owner implements PipeOwner {
  readonly calls: string[] = [];
  onReadable: (pipe: Pipe) => void = () => {};
  onWritable: (pipe: Pipe) => void = () => {};
  onTerminated: (pipe: Pipe) => void = () => {};
  pipeReadable(pipe: Pipe): void {
    this.calls.push(`readable ${name(pipe)}`);
    this.onReadable(pipe);
  }
  pipeWritable(pipe: Pipe): void {
    this.calls.push(`writable ${name(pipe)}`);
    this.onWritable(pipe);
  }
  pipeTerminated(pipe: Pipe): void {
    this.calls.push(`terminated ${name(pipe)}`);
    this.onTerminated(pipe);
  }
}

const names = new WeakMap<Pipe, string>();
let port = 1000;

/** The name a test gave the pipe. */
export function name(pipe: Pipe | null | undefined): string {
  return pipe == null ? String(pipe) : (names.get(pipe) ?? `#${pipe.id}`);
}

/** A pipe named `n` with the given HWMs (0 = none), on a tcp endpoint unless `endpoint` says otherwise. */
export function pipe(
  owner: Owner,
  n: string,
  opts: { sndhwm?: number; rcvhwm?: number; endpoint?: string; outgoing?: boolean } = {},
): Pipe {
  const p = new Pipe(
    owner,
    new MsgQueue(opts.rcvhwm ?? 0),
    new MsgQueue(opts.sndhwm ?? 0),
    opts.endpoint ?? `tcp://127.0.0.1:${port++}`,
    opts.outgoing ?? false,
  );
  names.set(p, n);
  return p;
}

/** A one-frame message. */
export function msg(text: string): Msg {
  return [Buffer.from(text)];
}

/** The frames of a message as strings, joined with "|". */
export function text(m: Msg | undefined): string | undefined {
  return m?.map((f) => f.toString()).join("|");
}

/** Everything queued on the pipe's outbound side (what the socket sent to this peer), drained. */
export function drainOut(p: Pipe): string[] {
  const out: string[] = [];
  for (let m = p.outbound.read(); m !== undefined; m = p.outbound.read()) out.push(text(m)!);
  return out;
}
