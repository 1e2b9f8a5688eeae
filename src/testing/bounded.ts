/**
 * The bounds of the emulator's per-request state. A long-running `protekt-emulator` is reachable
 * by anyone who can reach its port, and several routes store something for a caller who needs no
 * secret (`/auth/sso/authorize` and the hosted login page need only the public login id; the fake
 * identity provider needs nothing). Every such record expires on the emulator clock and every
 * collection of them has a cap: when full, the oldest entry is forgotten first. The caps sit far
 * above what a test or a local app uses, and low enough that the worst case, every entry at its
 * largest, stays within a few megabytes per collection.
 */

/**
 * Pending SSO requests (started at `/auth/sso/authorize`). Each may carry about 8,000 characters
 * of the caller's text (`state` and `redirect_url`, 4,096 each): 1,000 of 7,000 characters
 * measured 10 MB of heap (twice that for text outside Latin-1). A browser finishes its sign-in
 * within seconds, so 1,000 in flight at once is plenty.
 */
export const MAX_SSO_REQUESTS = 1_000;

/**
 * Each other collection of short-lived secrets: OTP codes, magic-link, reset and verification
 * tokens, MFA challenges, the fake identity provider's codes. A record is a few hundred bytes
 * (at most a 254-character address): 10,000 IdP codes measured 3.4 MB.
 */
export const MAX_SHORT_LIVED = 10_000;

/**
 * Idempotency records. Each keeps its answer (up to about 10 KiB with 8 KiB of metadata); a
 * retry follows its first attempt within seconds, long before 1,000 newer idempotent requests.
 */
export const MAX_IDEMPOTENCY_RECORDS = 1_000;

/**
 * Rate-limit windows and lockout counters, each one key (`login|proj_…|address`) and a few
 * numbers: 10,000 windows measured 4.1 MB. An evicted key starts over with a fresh window.
 */
export const MAX_LIMIT_KEYS = 10_000;

/**
 * Makes room for one more entry in a map kept in age order (insertion order, oldest first): drops
 * the expired entries at its front, then the oldest while it holds `cap` or more. Stops at the
 * first live entry, so an insert costs O(1) amortised; entries expired behind a live one wait for
 * the periodic full sweep.
 */
export function makeRoom<K, V>(map: Map<K, V>, cap: number, expired: (value: V) => boolean): void {
  for (const [key, value] of map) {
    if (!expired(value)) break;
    map.delete(key);
  }
  while (map.size >= cap) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

/** Deletes every entry of a map for which `expired` is true (the periodic full sweep). */
export function sweepMap<K, V>(map: Map<K, V>, expired: (value: V) => boolean): void {
  for (const [key, value] of map) if (expired(value)) map.delete(key);
}
