/**
 * An O(1) FIFO: a chain of fixed-size chunks, each a fresh array (after undici's fixed-queue). Used for
 * every message queue.
 *
 * Fresh chunks rather than one ring array reused forever: a chunk is filled soon after it is allocated,
 * while the garbage collector still counts it young, which makes storing a message in it cheaper (see
 * docs/performance.md, design decision 19). A queue that never held a message allocates nothing.
 */
const CHUNK = 64;

/** CHUNK items, then (at index CHUNK) the next chunk. */
type Chunk = unknown[];

/** Head and tail of a queue that has not allocated yet; never written (a full chunk, all read). */
const NONE: Chunk = [];

export class Fifo<T> {
  #head: Chunk = NONE;
  #tail: Chunk = NONE;
  /** Next read index in #head, next write index in #tail (CHUNK: full, a push allocates). */
  #r = CHUNK;
  #w = CHUNK;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#w === CHUNK) this.#addChunk();
    this.#tail[this.#w++] = item;
    this.#length++;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    if (this.#r === CHUNK) this.#nextChunk();
    const h = this.#head;
    const item = h[this.#r] as T;
    h[this.#r++] = undefined;
    this.#length--;
    return item;
  }

  peek(): T | undefined {
    if (this.#length === 0) return undefined;
    return (this.#r === CHUNK ? (this.#head[CHUNK] as Chunk)[0] : this.#head[this.#r]) as T;
  }

  /** Remove everything; returns the removed items in order. */
  clear(): T[] {
    const out: T[] = [];
    while (this.#length > 0) out.push(this.shift() as T);
    return out;
  }

  /** The tail chunk is full: start a new one (on its own when the queue is empty, else linked after it). */
  #addChunk(): void {
    const c: Chunk = new Array<unknown>(CHUNK + 1);
    if (this.#length === 0) {
      // Everything written was read (#r === CHUNK too): the old chunks go.
      this.#head = c;
      this.#r = 0;
    } else {
      this.#tail[CHUNK] = c;
    }
    this.#tail = c;
    this.#w = 0;
  }

  /** The head chunk is all read: move to the next (the queue is not empty, so there is one). */
  #nextChunk(): void {
    const h = this.#head;
    this.#head = h[CHUNK] as Chunk;
    h[CHUNK] = undefined;
    this.#r = 0;
  }
}
