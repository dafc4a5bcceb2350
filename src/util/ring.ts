/**
 * An O(1) FIFO on a growable power-of-two ring buffer (after undici's fixed-queue). Used for every
 * message queue; it never shrinks below its initial capacity and never copies on shift.
 */
export class Ring<T> {
  #items: Array<T | undefined>;
  #mask: number;
  #head = 0;
  #tail = 0;
  #length = 0;

  constructor(initialCapacity = 16) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.#items = new Array<T | undefined>(cap);
    this.#mask = cap - 1;
  }

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[this.#tail] = item;
    this.#tail = (this.#tail + 1) & this.#mask;
    this.#length++;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    return item;
  }

  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** Remove everything; returns the removed items in order. */
  clear(): T[] {
    const out: T[] = [];
    for (let it = this.shift(); it !== undefined; it = this.shift()) out.push(it);
    return out;
  }

  #grow(): void {
    const old = this.#items;
    const n = old.length;
    const items = new Array<T | undefined>(n * 2);
    for (let i = 0; i < n; i++) items[i] = old[(this.#head + i) & this.#mask];
    this.#items = items;
    this.#head = 0;
    this.#tail = n;
    this.#mask = n * 2 - 1;
  }
}
