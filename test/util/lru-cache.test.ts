/**
 * The bounded LRU map behind the verified-token cache and the revocation answers.
 */
import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/util/lru-cache.js';

describe('LruCache', () => {
  it('evicts the least recently used entry', () => {
    const c = new LruCache<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1);
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
    const none = new LruCache<number>(0);
    none.set('a', 1);
    expect(none.get('a')).toBeUndefined();
  });

  it('keeps exact least-recently-used order through long runs of hits, misses, replacements and deletes', () => {
    // A model LRU (an array, oldest first) against the cache, on a seeded random workload: every
    // read must agree. The cache evicts through one long-lived iterator and swaps its map for a
    // fresh copy every `max` inserts; a wrong survivor after either shows here as a wrong read.
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed >> 8) % n;
    };
    for (const max of [1, 2, 3, 5, 8]) {
      const cache = new LruCache<number>(max);
      const model: [string, number][] = [];
      const take = (key: string): [string, number] | undefined => {
        const at = model.findIndex(([k]) => k === key);
        return at === -1 ? undefined : model.splice(at, 1)[0];
      };
      for (let step = 0; step < 5000; step++) {
        const key = `k${random(12)}`;
        const op = random(100);
        if (op < 45) {
          const entry = take(key);
          if (entry) model.push(entry);
          expect(cache.get(key)).toBe(entry?.[1]);
        } else if (op < 90) {
          cache.set(key, step);
          take(key);
          model.push([key, step]);
          if (model.length > max) model.shift();
        } else {
          expect(cache.delete(key)).toBe(take(key) !== undefined);
        }
      }
      // Every key the model holds is still there, and no other.
      for (let k = 0; k < 12; k++)
        expect(cache.get(`k${k}`)).toBe(model.find(([m]) => m === `k${k}`)?.[1]);
    }
  });
});
