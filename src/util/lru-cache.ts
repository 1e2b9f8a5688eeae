/**
 * A bounded LRU map. Token verification keeps two per verifier (src/tokens): the tokens already
 * verified (one per verifier, so that a hit can never skip the issuer or audience rules of the
 * verifier asking; only successes go in), and the revocation answers.
 */

// One entry, linked to its neighbours in least-recently-used order.
interface Node<V> {
  key: string;
  value: V;
  older: Node<V> | undefined;
  newer: Node<V> | undefined;
}

/**
 * A bounded LRU map: a `Map` from key to entry, the entries linked oldest to newest. A hit moves
 * its entry to the newest end by relinking it (two pointers), never by deleting and re-adding the
 * key: the cost of a hit is one lookup whatever the size (a `Map` delete + set per hit grew with
 * the size, from ~50 ns at 16 entries to 5 µs at 4,000). `max` of 0 keeps nothing.
 */
export class LruCache<V> {
  #map = new Map<string, Node<V>>();
  #oldest: Node<V> | undefined;
  #newest: Node<V> | undefined;
  #inserts = 0;

  /** @param max Most entries kept; the least recently used is evicted first. */
  constructor(readonly max: number) {}

  /** Returns the entry and marks it most recently used. */
  get(key: string): V | undefined {
    const node = this.#map.get(key);
    if (node === undefined) return undefined;
    if (node !== this.#newest) this.#toNewest(node);
    return node.value;
  }

  /** Adds or replaces an entry, evicting the oldest ones beyond `max` (all of them with 0). */
  set(key: string, value: V): this {
    const held = this.#map.get(key);
    if (held) {
      held.value = value;
      if (held !== this.#newest) this.#toNewest(held);
      return this;
    }
    if (this.max < 1) return this;
    // A fresh copy of the map every `max` inserts. Once V8 has moved a long-lived map's table to
    // the old generation, every table it grows or compacts into is allocated there too, and each
    // table it leaves keeps pointing at the entries of its day until a full GC: evicted entries
    // then survive every minor GC. A young copy lets them die young.
    if (++this.#inserts > this.max) {
      this.#inserts = 0;
      this.#map = new Map(this.#map);
    }
    const node: Node<V> = { key, value, older: this.#newest, newer: undefined };
    this.#map.set(key, node);
    this.#append(node);
    if (this.#map.size > this.max) this.#remove(this.#oldest!);
    return this;
  }

  /** Removes an entry. */
  delete(key: string): boolean {
    const node = this.#map.get(key);
    if (node) this.#remove(node);
    return node !== undefined;
  }

  /** Whether `key` is held, without marking it as used. */
  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** The entry, without marking it as used. */
  peek(key: string): V | undefined {
    return this.#map.get(key)?.value;
  }

  /** Every entry, oldest first, without marking any as used (the current one may be deleted). */
  *entries(): IterableIterator<[string, V]> {
    for (let node = this.#oldest; node; ) {
      const next = node.newer;
      yield [node.key, node.value];
      node = next;
    }
  }

  // Links a node at the newest end (its `older` set to the current newest).
  #append(node: Node<V>): void {
    node.older = this.#newest;
    node.newer = undefined;
    if (this.#newest) this.#newest.newer = node;
    else this.#oldest = node;
    this.#newest = node;
  }

  // Takes a node out of the chain (its pointers cleared: an evicted entry keeps nothing alive).
  #unlink(node: Node<V>): void {
    const { older, newer } = node;
    if (older) older.newer = newer;
    else this.#oldest = newer;
    if (newer) newer.older = older;
    else this.#newest = older;
    node.older = node.newer = undefined;
  }

  #toNewest(node: Node<V>): void {
    this.#unlink(node);
    this.#append(node);
  }

  #remove(node: Node<V>): void {
    this.#unlink(node);
    this.#map.delete(node.key);
  }
}
