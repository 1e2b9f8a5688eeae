/**
 * The JWKS cache. One remote key set per (fetch function, JWKS URL), shared by every client that
 * talks to the same server through the same fetch: two emulators in one process never mix keys.
 *
 * - Keys are kept for the endpoint's `Cache-Control: max-age` (or the `jwksCacheMaxAge` option),
 *   then fetched again; while that refresh fails, the old keys keep being served.
 * - An unknown `kid` triggers at most one refetch per cooldown, however many tokens ask; after a
 *   failed fetch, nothing is fetched again (but a cold start) until the cooldown has passed.
 * - Concurrent misses share one fetch, except where the runtime forbids awaiting another
 *   request's I/O (Workers): there each call fetches for itself and never waits on another.
 * - A key that leaves the set is retired: its `CryptoKey` is dropped, and so is every cached
 *   verification that relied on it.
 *
 * Keys given in the `jwks` option are a key set of the same kind that never expires and is never
 * fetched.
 */
import { ProtektError } from '../errors/protekt-error.js';
import { keyFromJwk, type VerificationKey } from './keys.js';
import type { JwksCacheStore, StoredJwks } from './options.js';
import { canShareInFlight, shareInFlight, withSignal } from '../runtime/in-flight.js';
import { isRecord } from '../util/record.js';

/** What one fetch of the JWKS endpoint produced. */
export interface FetchedJwks {
  /** The `keys` array as served. */
  keys: unknown[];
  /** `Cache-Control: max-age` in seconds, when the answer had one. */
  maxAge: number | undefined;
}

/** What a key lookup needs from the verifier that asks (fixed per verifier). */
export interface KeyLookup {
  /** The JWKS URL (key of the persistence hook). */
  url: string;
  /** Fetches the endpoint; throws `ProtektError` when it cannot. */
  fetchJwks: (signal: AbortSignal | undefined) => Promise<FetchedJwks>;
  /** This verifier's TTL in seconds for an answer with the given `max-age`. */
  ttl: (maxAge: number | undefined) => number;
  /** Least ms between two fetches caused by unknown kids or failed refreshes. */
  cooldownMs: number;
  /** Persistence hook, if any. */
  store: JwksCacheStore | null;
  /** Longest wait for the hook, in ms (the client's per-attempt timeout). */
  timeout: number;
  /** Debug logger. */
  log: ((line: string) => void) | undefined;
}

/**
 * A set of verification keys addressed by `kid`: the key for `kid`, at once (the hot path) when
 * the set is fresh and the key imported, else through a promise that fetches the set when it is
 * cold, stale, or lacks `kid` (within the cooldown). `undefined` for an unknown kid. `now` is the
 * caller's clock (ms).
 *
 * @throws {ProtektError} `jwks_unavailable` (the promise rejects) when no key set could be
 *   obtained at all.
 */
export type KeySource = (
  kid: string,
  lookup: KeyLookup,
  now: number,
  signal: AbortSignal | undefined,
) => VerificationKey | undefined | Promise<VerificationKey | undefined>;

/** The TTL rule: the option when set, else the endpoint's `max-age` kept within sane bounds. */
export function jwksTtl(option: number | null, maxAge: number | undefined): number {
  return option ?? (maxAge === undefined ? 600 : Math.min(Math.max(maxAge, 60), 86_400));
}

/** Reads `max-age` from a `Cache-Control` header value. */
export function parseMaxAge(cacheControl: string | null): number | undefined {
  if (!cacheControl) return undefined;
  const lower = cacheControl.toLowerCase();
  if (/(^|,)\s*(no-store|no-cache)\s*(,|$)/.test(lower)) return 0;
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,9})"?\s*(?:,|$)/.exec(lower);
  return match ? Number(match[1]) : undefined;
}

// One debug line (never a key or a token).
function logLine(log: ((line: string) => void) | undefined, line: string): void {
  log?.(`[Protekt] verifyToken: ${line}`);
}

// A hook's answer, given as long as one HTTP attempt: a store that never settles must not hang
// verification (its TimeoutError is then logged and the hook ignored, like every other failure).
const bounded = <T,>(work: T | Promise<T>, lookup: KeyLookup): Promise<T> =>
  withSignal(Promise.resolve(work), AbortSignal.timeout(lookup.timeout), (reason) => reason);

// An error named by its code or class, for a debug line or a detail.
const describe = (error: unknown): string => (error instanceof ProtektError ? error.code : error instanceof Error ? error.name : 'error');

/**
 * A key set: remote (fetched, cached, refreshed; shared, see the module comment), or, given
 * `staticKeys`, the keys of the `jwks` option, never fetched and never expiring.
 */
export function keySet(staticKeys?: readonly unknown[], log?: (line: string) => void): KeySource {
  let keys: Map<string, VerificationKey> | null = null;
  let fetchedAt = 0;
  let maxAge: number | undefined;
  let lastKidRefetch: number | undefined;
  let lastFailure: number | undefined;
  // The fetch in flight, under the key 0.
  const inflight = new Map<0, Promise<void>>();

  const stale = (now: number, ttl: KeyLookup['ttl']): boolean => now - fetchedAt >= ttl(maxAge) * 1000;
  // Whether the cooldown since `since` has passed (or the clock went back, or it never happened).
  const cooled = (since: number | undefined, now: number, lookup: KeyLookup): boolean =>
    since === undefined || now < since || now - since >= lookup.cooldownMs;

  // Replaces the set. A key re-published unchanged keeps its imported CryptoKey; a key that is
  // gone or changed is retired, which also invalidates verifications cached against it.
  const install = (raw: readonly unknown[], at: number, age: number | undefined, log: KeyLookup['log']): void => {
    const next = new Map<string, VerificationKey>();
    for (const jwk of raw) {
      const key = keyFromJwk(jwk);
      if (typeof key === 'string') {
        logLine(log, `ignoring a JWKS key (${key})`);
      } else if (next.has(key.kid)) {
        logLine(log, 'ignoring a JWKS key (duplicate kid)');
      } else {
        const old = keys?.get(key.kid);
        next.set(key.kid, old && !old.unusable && old.fingerprint === key.fingerprint && old.alg === key.alg ? old : key);
      }
    }
    for (const old of keys?.values() ?? []) {
      if (next.get(old.kid) !== old) {
        old.retired = true;
        old.key = undefined;
        logLine(log, 'a key left the JWKS');
      }
    }
    keys = next;
    fetchedAt = at;
    maxAge = age;
  };

  const readStore = async (lookup: KeyLookup): Promise<StoredJwks | undefined> => {
    try {
      const value = await bounded(lookup.store!.get(lookup.url), lookup);
      if (value == null) return undefined;
      if (isRecord(value) && Array.isArray(value.keys) && Number.isFinite(value.fetchedAt) && Number.isFinite(value.expiresAt)) return value as StoredJwks;
      logLine(lookup.log, 'jwksCache.get returned no JWKS; ignored');
    } catch (error) {
      logLine(lookup.log, `jwksCache.get failed (${describe(error)}); ignored`);
    }
    return undefined;
  };

  const fetchAndInstall = async (lookup: KeyLookup, now: number, signal: AbortSignal | undefined, cold: boolean, share: boolean): Promise<void> => {
    const { store, log } = lookup;
    if (cold && keys === null && store) {
      const stored = await readStore(lookup);
      if (stored) {
        // The hook's store is not trusted with time: a fetchedAt in the future (another host's
        // clock, a test clock) would keep these keys fresh for ever, retired ones included.
        const at = Math.min(stored.fetchedAt, now);
        const age = Math.max(0, (stored.expiresAt - at) / 1000);
        install(stored.keys, at, age, log);
        if (stored.fetchedAt <= now && !stale(now, lookup.ttl)) return logLine(log, 'JWKS read from jwksCache');
      }
    }
    let fetched: FetchedJwks;
    try {
      // A shared fetch must not die with the caller that happened to start it.
      fetched = await lookup.fetchJwks(share ? undefined : signal);
    } catch (error) {
      if (error instanceof ProtektError && error.code === 'aborted' && !share) throw error;
      lastFailure = now;
      if (keys !== null) return logLine(log, `JWKS refresh failed (${describe(error)}); serving the cached keys`);
      throw new ProtektError('jwks_unavailable', 'The JWKS could not be fetched and no key is cached.', {
        status: error instanceof ProtektError ? error.status : 0,
        details: { cause: describe(error) },
        cause: error,
      });
    }
    lastFailure = undefined;
    install(fetched.keys, now, fetched.maxAge, log);
    try {
      await (store && bounded(store.set(lookup.url, { keys: fetched.keys as JsonWebKey[], fetchedAt: now, expiresAt: now + lookup.ttl(fetched.maxAge) * 1000 }), lookup));
    } catch (error) {
      logLine(log, `jwksCache.set failed (${describe(error)}); ignored`);
    }
  };

  // Loads the set: joins the fetch in flight where sharing is allowed, else starts one. Throws
  // `jwks_unavailable` only when no key set is held afterwards.
  const load = (lookup: KeyLookup, now: number, signal: AbortSignal | undefined, cold: boolean): Promise<void> =>
    shareInFlight(inflight, 0, (shared) => fetchAndInstall(lookup, now, signal, cold, shared), signal);

  if (staticKeys) install(staticKeys, Infinity, undefined, log);

  const resolve = async (kid: string, lookup: KeyLookup, now: number, signal: AbortSignal | undefined): Promise<VerificationKey | undefined> => {
      let loaded = !!staticKeys;
      if (keys === null) {
        await load(lookup, now, signal, (loaded = true));
      } else if (!loaded && stale(now, lookup.ttl) && cooled(lastFailure, now, lookup)) {
        await load(lookup, now, signal, !(loaded = true));
      }
      let k = keys?.get(kid);
      if (k === undefined && !loaded) {
        const fetching = inflight.get(0);
        if (fetching && canShareInFlight()) {
          // Someone is fetching already: their answer may hold the kid.
          await withSignal(fetching, signal);
          k = keys?.get(kid);
        } else if (cooled(lastKidRefetch, now, lookup) && cooled(lastFailure, now, lookup)) {
          lastKidRefetch = now;
          logLine(lookup.log, 'unknown kid: refetching the JWKS');
          await load(lookup, now, signal, false);
          k = keys?.get(kid);
        }
      }
      return k;
  };

  return (kid, lookup, now, signal) => {
    const k = keys === null || stale(now, lookup.ttl) ? undefined : keys.get(kid);
    return k?.key ? k : resolve(kid, lookup, now, signal);
  };
}

let registry: WeakMap<object, Map<string, KeySource>> | undefined;

/**
 * The shared key set for a JWKS URL reached through a given fetch function (its identity is the
 * function object, or any object standing for it).
 */
export function sharedKeySet(fetchIdentity: object, url: string): KeySource {
  registry ??= new WeakMap();
  let byUrl = registry.get(fetchIdentity);
  if (!byUrl) registry.set(fetchIdentity, (byUrl = new Map()));
  let set = byUrl.get(url);
  if (!set) byUrl.set(url, (set = keySet()));
  return set;
}
