/**
 * A bounded least-recently-used map. Token verification keeps two per verifier (src/tokens): the
 * tokens already verified, keyed by the exact token string (one per verifier, so that a hit can
 * never skip the issuer or audience rules of the verifier asking; only successes go in), and the
 * revocation answers.
 */

/** A bounded LRU map (a `Map` in least-recently-used order). `max` of 0 keeps nothing. */
export class LruCache<V> {
  #map = new Map<string, V>();
  // One iterator for every eviction: everything before its position has been evicted or moved to
  // the end, so its next key is always the oldest. A fresh `keys()` per eviction would walk past
  // every entry deleted since the map was last compacted (up to `max` of them, each time).
  #oldest: IterableIterator<string> | undefined;
  #inserts = 0;

  /** @param max Most entries kept; the least recently used is evicted first. */
  constructor(readonly max: number) {}

  /** Returns the entry and marks it most recently used. */
  get(key: string): V | undefined {
    const value = this.#map.get(key);
    // Moved to the end through `set`, so that moves count towards the next fresh copy too.
    if (value !== undefined && this.#map.size > 1) this.set(key, value);
    return value;
  }

  /** Adds or replaces an entry, evicting the oldest ones beyond `max` (all of them with 0). */
  set(key: string, value: V): this {
    let map = this.#map;
    // A fresh copy every `max` inserts or moves. Once V8 has moved a long-lived map's table to
    // the old generation, every table it grows or compacts into is allocated there too, and each
    // table it leaves keeps pointing at the entries of its day until a full GC: evicted entries
    // then survive every minor GC. A young copy lets them die young (measured without WebCrypto:
    // a first-seen verification cost ~2.3 µs more with the cache than without; ~0.7 µs now).
    if (++this.#inserts > this.max) {
      this.#inserts = 0;
      this.#map = map = new Map(map);
      this.#oldest = undefined;
    }
    map.delete(key);
    map.set(key, value);
    while (map.size > this.max) {
      if (!this.#oldest) this.#oldest = map.keys();
      map.delete(this.#oldest.next().value!);
    }
    return this;
  }

  /** Removes an entry. */
  delete(key: string): boolean {
    return this.#map.delete(key);
  }

  /** Whether `key` is held, without marking it as used. */
  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** The entry, without marking it as used. */
  peek(key: string): V | undefined {
    return this.#map.get(key);
  }

  /** Every entry, oldest first, without marking any as used. */
  entries(): IterableIterator<[string, V]> {
    return this.#map.entries();
  }
}
