/**
 * Where the Worker keeps Protekt's signing keys between isolates: the client's `jwksCache` hook,
 * backed by Workers KV (shared by every location) or, without a KV binding, by the Cache API
 * (per data centre). The client reads it on a cold start and writes it after each fetch.
 */
import type { JwksCacheStore, StoredJwks } from '@protekt/node';

/** The part of a Workers KV namespace used here. */
export interface KVLike {
  get(key: string, type: 'json'): Promise<unknown>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
}

/**
 * Keys stay stored a day past their freshness: stale keys still verify tokens while Protekt is
 * down.
 */
const KEEP_STALE_SECONDS = 24 * 3600;

const secondsLeft = (value: StoredJwks): number =>
  Math.max(60, Math.ceil((value.expiresAt - Date.now()) / 1000) + KEEP_STALE_SECONDS);

/** A `jwksCache` in Workers KV. */
export function kvJwksCache(kv: KVLike): JwksCacheStore {
  return {
    get: async (url) => (await kv.get(`jwks:${url}`, 'json')) as StoredJwks | null,
    set: (url, value) =>
      kv.put(`jwks:${url}`, JSON.stringify(value), { expirationTtl: secondsLeft(value) }),
  };
}

/** A `jwksCache` in the Cache API (`caches.open`). */
export function cacheApiJwksCache(name = 'protekt-jwks'): JwksCacheStore {
  // The Cache API is keyed by request URL: a private, never-fetched URL per JWKS URL.
  const keyOf = (url: string) =>
    new Request(`https://jwks.cache.invalid/${encodeURIComponent(url)}`);
  return {
    async get(url) {
      const hit = await (await caches.open(name)).match(keyOf(url));
      return hit ? ((await hit.json()) as StoredJwks) : null;
    },
    async set(url, value) {
      const headers = {
        'content-type': 'application/json',
        'cache-control': `max-age=${secondsLeft(value)}`,
      };
      await (await caches.open(name)).put(
        keyOf(url),
        new Response(JSON.stringify(value), { headers }),
      );
    },
  };
}
