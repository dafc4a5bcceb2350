/**
 * Subscription tries (libzmq `trie.cpp`, `mtrie.cpp`; RFC 29 §"prefix matching").
 *
 * A subscription is a byte-string prefix; a message matches when one of the subscribed prefixes is a
 * prefix of its first frame (the empty prefix matches everything). Both tries here are compressed
 * (radix) tries keyed by bytes, so matching walks at most the length of the topic whatever the number
 * of subscriptions, and memory grows with the number of distinct prefixes, not their total length.
 *
 * - {@link Trie} counts each prefix (SUB/XSUB side): two subscribes need two cancels.
 * - {@link MultiTrie} maps each prefix to the set of pipes subscribed to it (PUB/XPUB side). Like
 *   libzmq's mtrie it is a set, not a count, per pipe: a SUB sends its cancel only when its own count
 *   reaches zero, so a second subscribe from the same pipe changes nothing here.
 *
 * Keys given to `add` are copied; callers may reuse their buffers.
 */
import { Buffer } from "node:buffer";

const EMPTY = Buffer.alloc(0);

/** One node: the edge label from its parent, an optional value, children keyed by first label byte. */
class Node<V> {
  label: Buffer;
  value: V | undefined = undefined;
  children: Map<number, Node<V>> | null = null;

  constructor(label: Buffer) {
    this.label = label;
  }
}

/** The compressed trie both public classes are built on. Values are opaque here. */
class RadixTree<V> {
  readonly root = new Node<V>(EMPTY);

  /** The node whose full key is `key`, or undefined. */
  find(key: Uint8Array): Node<V> | undefined {
    let node = this.root;
    let i = 0;
    while (i < key.length) {
      const child = node.children?.get(key[i]!);
      if (child === undefined) return undefined;
      const l = child.label;
      if (i + l.length > key.length) return undefined;
      for (let j = 1; j < l.length; j++) if (l[j] !== key[i + j]) return undefined;
      i += l.length;
      node = child;
    }
    return node;
  }

  /** The node whose full key is `key`, created (splitting an edge if need be) when missing. */
  upsert(key: Uint8Array): Node<V> {
    let node = this.root;
    let i = 0;
    while (i < key.length) {
      const first = key[i]!;
      let children = node.children;
      if (children === null) children = node.children = new Map();
      const child = children.get(first);
      if (child === undefined) {
        const leaf = new Node<V>(Buffer.from(key.subarray(i)));
        children.set(first, leaf);
        return leaf;
      }
      const l = child.label;
      let j = 1;
      while (j < l.length && i + j < key.length && l[j] === key[i + j]) j++;
      if (j < l.length) {
        // The key leaves (or ends inside) this edge: split it at j.
        const mid = new Node<V>(l.subarray(0, j));
        child.label = l.subarray(j);
        mid.children = new Map([[child.label[0]!, child]]);
        children.set(first, mid);
        node = mid;
      } else {
        node = child;
      }
      i += j;
    }
    return node;
  }

  /**
   * Re-compress after `key`'s node lost its value: drop value-less leaves and merge value-less nodes
   * that have a single child into it, walking up from the node.
   */
  prune(key: Uint8Array): void {
    const path: Node<V>[] = [this.root];
    let node = this.root;
    let i = 0;
    while (i < key.length) {
      const child = node.children?.get(key[i]!);
      if (child === undefined) return;
      i += child.label.length;
      node = child;
      path.push(node);
    }
    for (let k = path.length - 1; k > 0; k--) {
      const n = path[k]!;
      const parent = path[k - 1]!;
      if (n.value !== undefined) return;
      const count = n.children === null ? 0 : n.children.size;
      if (count === 0) {
        parent.children!.delete(n.label[0]!);
        if (parent.children!.size === 0) parent.children = null;
        continue; // the parent may now be a value-less leaf or chain link
      }
      if (count === 1) {
        const only = n.children!.values().next().value as Node<V>;
        only.label = Buffer.concat([n.label, only.label]);
        parent.children!.set(only.label[0]!, only);
      }
      return;
    }
  }

  /** Call `fn` with the value of every node whose full key is a prefix of `data` (shortest first). */
  forEachPrefixOf(data: Uint8Array, fn: (value: V) => void): void {
    let node = this.root;
    if (node.value !== undefined) fn(node.value);
    let i = 0;
    const n = data.length;
    while (i < n) {
      const child = node.children?.get(data[i]!);
      if (child === undefined) return;
      const l = child.label;
      const len = l.length;
      if (i + len > n) return;
      for (let j = 1; j < len; j++) if (l[j] !== data[i + j]) return;
      i += len;
      node = child;
      if (node.value !== undefined) fn(node.value);
    }
  }

  /** True if some node with a value has a full key that is a prefix of `data`. */
  hasPrefixOf(data: Uint8Array): boolean {
    let node = this.root;
    if (node.value !== undefined) return true;
    let i = 0;
    const n = data.length;
    while (i < n) {
      const child = node.children?.get(data[i]!);
      if (child === undefined) return false;
      const l = child.label;
      const len = l.length;
      if (i + len > n) return false;
      for (let j = 1; j < len; j++) if (l[j] !== data[i + j]) return false;
      i += len;
      node = child;
      if (node.value !== undefined) return true;
    }
    return false;
  }

  /** Number of nodes, root included (tests check the tree stays compressed). */
  nodeCount(): number {
    let n = 0;
    const walk = (node: Node<V>): void => {
      n++;
      if (node.children !== null) for (const c of node.children.values()) walk(c);
    };
    walk(this.root);
    return n;
  }

  /** Every (key, value) pair, keys in byte order. */
  forEach(fn: (key: Buffer, value: V) => void): void {
    const labels: Buffer[] = [];
    const walk = (node: Node<V>): void => {
      labels.push(node.label);
      if (node.value !== undefined) fn(Buffer.concat(labels), node.value);
      if (node.children !== null) {
        const keys = [...node.children.keys()].sort((a, b) => a - b);
        for (const k of keys) walk(node.children.get(k)!);
      }
      labels.pop();
    };
    walk(this.root);
  }
}

/** Turn a topic given by the application into bytes (strings are UTF-8, as zeromq.js does). */
export function topicBytes(topic: Uint8Array | string): Buffer {
  if (typeof topic === "string") return Buffer.from(topic, "utf8");
  return Buffer.isBuffer(topic) ? topic : Buffer.from(topic.buffer, topic.byteOffset, topic.byteLength);
}

/**
 * A counted prefix trie (libzmq `trie_t`): the subscriptions of a SUB or XSUB socket.
 */
export class Trie {
  readonly #tree = new RadixTree<number>();
  #size = 0;

  /** Number of distinct prefixes held. */
  get size(): number {
    return this.#size;
  }

  /** Count one more subscription to `prefix`. True if it is new (count went 0 → 1). */
  add(prefix: Uint8Array): boolean {
    const node = this.#tree.upsert(prefix);
    if (node.value === undefined) {
      node.value = 1;
      this.#size++;
      return true;
    }
    node.value++;
    return false;
  }

  /** Count one subscription to `prefix` off. True if that was the last one (count went 1 → 0). */
  rm(prefix: Uint8Array): boolean {
    const node = this.#tree.find(prefix);
    if (node === undefined || node.value === undefined) return false;
    if (node.value > 1) {
      node.value--;
      return false;
    }
    node.value = undefined;
    this.#size--;
    this.#tree.prune(prefix);
    return true;
  }

  /** How many times `prefix` is subscribed. */
  count(prefix: Uint8Array): number {
    return this.#tree.find(prefix)?.value ?? 0;
  }

  /** True if some subscribed prefix is a prefix of `data` (libzmq `trie_t::check`). */
  check(data: Uint8Array): boolean {
    return this.#tree.hasPrefixOf(data);
  }

  /** @internal Nodes in the tree (a compressed trie has at most 2 × size + 1). */
  get nodeCount(): number {
    return this.#tree.nodeCount();
  }

  /** Call `fn` once per distinct subscribed prefix (to replay subscriptions to a new peer). */
  apply(fn: (prefix: Buffer) => void): void {
    this.#tree.forEach((key) => fn(key));
  }
}

/** What {@link MultiTrie.rm} found: nothing to remove, the last holder removed, or holders remain. */
export type RmResult = "notFound" | "lastRemoved" | "valuesRemain";

/**
 * A prefix trie mapping each prefix to a set of holders (libzmq `mtrie_t`): the subscriptions a PUB or
 * XPUB socket received, the holders being its subscriber pipes (or anything else with identity).
 */
export class MultiTrie<T> {
  readonly #tree = new RadixTree<Set<T>>();
  #size = 0;

  /** Number of distinct prefixes with at least one holder. */
  get size(): number {
    return this.#size;
  }

  /** Add `holder` to `prefix`. True if it is the prefix's first holder. */
  add(prefix: Uint8Array, holder: T): boolean {
    const node = this.#tree.upsert(prefix);
    if (node.value === undefined) {
      node.value = new Set([holder]);
      this.#size++;
      return true;
    }
    node.value.add(holder);
    return false;
  }

  /** Remove `holder` from `prefix`. */
  rm(prefix: Uint8Array, holder: T): RmResult {
    const node = this.#tree.find(prefix);
    if (node === undefined || node.value === undefined || !node.value.delete(holder)) return "notFound";
    if (node.value.size > 0) return "valuesRemain";
    node.value = undefined;
    this.#size--;
    this.#tree.prune(prefix);
    return "lastRemoved";
  }

  /** @internal Nodes in the tree (a compressed trie has at most 2 × size + 1). */
  get nodeCount(): number {
    return this.#tree.nodeCount();
  }

  /** The holders of exactly `prefix`. */
  holders(prefix: Uint8Array): ReadonlySet<T> | undefined {
    return this.#tree.find(prefix)?.value;
  }

  /**
   * Remove `holder` from every prefix (its pipe went away). `fn` hears each prefix it held and whether
   * it was the last holder of it (libzmq `mtrie_t::rm(pipe, func, arg, call_on_uniq)`).
   */
  rmAll(holder: T, fn?: (prefix: Buffer, wasLast: boolean) => void): void {
    const held: Buffer[] = [];
    this.#tree.forEach((key, set) => {
      if (set.has(holder)) held.push(key);
    });
    for (const key of held) {
      const r = this.rm(key, holder);
      fn?.(key, r === "lastRemoved");
    }
  }

  /**
   * Call `fn` for every holder of every prefix of `data` (libzmq `mtrie_t::match`). A holder of several
   * matching prefixes is reported once per prefix; the caller dedupes (the distributor does).
   */
  match(data: Uint8Array, fn: (holder: T) => void): void {
    this.#tree.forEachPrefixOf(data, (set) => {
      for (const h of set) fn(h);
    });
  }

  /** Every (prefix, holders) pair, prefixes in byte order. */
  forEach(fn: (prefix: Buffer, holders: ReadonlySet<T>) => void): void {
    this.#tree.forEach(fn);
  }
}
