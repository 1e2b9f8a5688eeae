/**
 * A bounded least-recently-used map, used for tokens already verified (keyed by the exact token
 * string) and for revocation answers. One per verifier, so that a hit can never skip the
 * issuer or audience rules of the verifier asking. Only successes go in.
 */

/** A bounded LRU map. `max` of 0 keeps nothing. */
export class LruCache<V> {
  readonly #max: number;
  readonly #map = new Map<string, V>();

  /** @param max Most entries kept; the least recently used is evicted first. */
  constructor(max: number) {
    this.#max = max;
  }

  /** Number of entries. */
  get size(): number {
    return this.#map.size;
  }

  /** Returns the entry and marks it most recently used. */
  get(key: string): V | undefined {
    const map = this.#map;
    const value = map.get(key);
    if (value !== undefined && map.size > 1) {
      map.delete(key);
      map.set(key, value);
    }
    return value;
  }

  /** Adds or replaces an entry, evicting the oldest ones beyond `max`. */
  set(key: string, value: V): void {
    if (this.#max <= 0) return;
    const map = this.#map;
    map.delete(key);
    map.set(key, value);
    while (map.size > this.#max) {
      const oldest = map.keys().next();
      if (oldest.done) break;
      map.delete(oldest.value);
    }
  }

  /** Removes an entry. */
  delete(key: string): void {
    this.#map.delete(key);
  }

}
