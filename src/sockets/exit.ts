/**
 * The process's lifetime, as zeromq.js (libzmq behind a Node.js addon) gives it:
 * - a send or receive waiting on an open socket keeps the process alive ({@link holdOpen}): a program
 *   whose only work left is to wait for a message does not exit;
 * - when nothing else is left to do (`beforeExit`), every socket still open is closed with its linger.
 *   Messages queued for a peer not yet connected are still delivered for up to `linger` ms (-1: until
 *   delivered; a context with `blocky` false gives new sockets a linger of 0). When that wait passes
 *   500 ms, stderr shows zeromq.js's warning, in its words and format (libzmq's zmq_ctx_term waits the
 *   same way at exit; zeromq.js src/module.h, Terminator).
 */
/**
 * Waits in progress; while there is one, a timer that is otherwise unref'd holds the event loop open.
 * One timer for the process, ref'd and unref'd (cheap counters), never created per wait.
 */
let waiting = 0;
let holder: NodeJS.Timeout | null = null;
const FOREVER = 0x7fffffff;

export function holdOpen(): void {
  if (waiting++ === 0) (holder ??= setInterval(() => {}, FOREVER)).ref();
}

export function release(): void {
  if (waiting > 0 && --waiting === 0 && holder !== null) holder.unref();
}

/** A connection still delivering queued messages after its socket closed (until `until`, ms since epoch). */
export interface Lingering {
  readonly until: number;
}

const lingering = new Set<Lingering>();

export function lingerStarted(l: Lingering): void {
  lingering.add(l);
}

export function lingerEnded(l: Lingering): void {
  lingering.delete(l);
}

/** What exit needs from a socket: closed or not, and close (with its linger). */
export interface ExitSocket {
  readonly closed: boolean;
  close(): void;
  /** Its context's `blocky`: whether the warning suggests turning it off. */
  readonly context: { readonly blocky: boolean };
}

const open = new Set<WeakRef<ExitSocket>>();
const forget = new FinalizationRegistry<WeakRef<ExitSocket>>((ref) => open.delete(ref));

/** A new socket: closed at exit if the program left it open. */
export function track(socket: ExitSocket): void {
  const ref = new WeakRef(socket);
  open.add(ref);
  forget.register(socket, ref);
}

const WARN_AFTER = 500;
const POLL = 20;
let exiting = false;

function onBeforeExit(): void {
  if (exiting) return;
  exiting = true;
  let blocky = false;
  for (const ref of open) {
    const s = ref.deref();
    if (s === undefined || s.closed) continue;
    blocky ||= s.context.blocky;
    s.close();
  }
  open.clear();
  if (lingering.size === 0) return;
  const started = Date.now();
  let warned = false;
  const timer = setInterval(() => {
    const now = Date.now();
    for (const l of lingering) if (l.until <= now) lingering.delete(l);
    if (lingering.size === 0) {
      clearInterval(timer);
      return;
    }
    if (!warned && now - started >= WARN_AFTER) {
      warned = true;
      const hint = blocky ? " Set 'context.blocky = false' to change this behaviour." : "";
      // Not process.emitWarning: zeromq.js prints this itself, after Node.js has shut its JS side down.
      process.stderr.write(
        `(node:${process.pid}) WARNING: Waiting for queued ZeroMQ messages to be delivered.${hint}\n`,
      );
    }
  }, POLL);
}

// Several copies of zocket in one process (e.g. two versions) each watch their own sockets.
process.once("beforeExit", onBeforeExit);
