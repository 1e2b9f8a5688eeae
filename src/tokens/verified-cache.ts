/**
 * A bounded least-recently-used map, used for tokens already verified (keyed by the exact token
 * string) and for revocation answers. One per verifier, so that a hit can never skip the
 * issuer or audience rules of the verifier asking. Only successes go in.
 */

/** A bounded LRU map (a `Map` in least-recently-used order). `max` of 0 keeps nothing. */
export class LruCache<V> extends Map<string, V> {
  // One iterator for every eviction: everything before its position has been evicted or moved to
  // the end, so its next key is always the oldest. A fresh `keys()` per eviction would walk past
  // every entry deleted since the map was last compacted (up to `max` of them, each time).
  private oldest: IterableIterator<string> | undefined;

  /** @param max Most entries kept; the least recently used is evicted first. */
  constructor(readonly max: number) {
    super();
  }

  /** Returns the entry and marks it most recently used. */
  override get(key: string): V | undefined {
    const value = super.get(key);
    if (value !== undefined && this.size > 1) {
      super.delete(key);
      super.set(key, value);
    }
    return value;
  }

  /** Adds or replaces an entry, evicting the oldest ones beyond `max`. */
  override set(key: string, value: V): this {
    if (this.max > 0) {
      super.delete(key);
      super.set(key, value);
      while (this.size > this.max) super.delete((this.oldest ??= this.keys()).next().value!);
    }
    return this;
  }
}
