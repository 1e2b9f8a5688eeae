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

// An error named by its code or class, for a debug line or a detail.
const describe = (error: unknown): string =>
  error instanceof ProtektError ? error.code : error instanceof Error ? error.name : 'error';

// One call of the persistence hook, given as long as one HTTP attempt: a store that never settles
// must not hang verification. A call that throws, rejects or times out is logged, and its answer
// is `undefined`.
async function callStore(
  lookup: KeyLookup,
  method: 'get' | 'set',
  value?: StoredJwks,
): Promise<unknown> {
  try {
    const work = lookup.store![method](lookup.url, value!);
    return await withSignal(
      Promise.resolve(work),
      AbortSignal.timeout(lookup.timeout),
      (reason) => reason,
    );
  } catch (error) {
    logLine(lookup.log, `jwksCache.${method} failed (${describe(error)}); ignored`);
    return undefined;
  }
}

// The hook's key set for this URL, if it holds a well-formed one.
async function readStore(lookup: KeyLookup): Promise<StoredJwks | undefined> {
  // What the hook's get answered, as typed; checked below all the same (the hook is not trusted).
  const value = (await callStore(lookup, 'get')) as StoredJwks | null | undefined;
  if (
    isRecord(value) &&
    Array.isArray(value.keys) &&
    Number.isFinite(value.fetchedAt) &&
    Number.isFinite(value.expiresAt)
  )
    return value;
  if (value != null) logLine(lookup.log, 'jwksCache.get returned no JWKS; ignored');
  return undefined;
}

// Whether the cooldown since `since` has passed (or the clock went back, or it never happened).
const cooled = (since: number | undefined, now: number, lookup: KeyLookup): boolean =>
  since === undefined || now < since || now - since >= lookup.cooldownMs;

/**
 * A set of verification keys addressed by `kid`: remote (fetched, cached, refreshed; shared, see
 * the module comment), or, given `staticKeys`, the keys of the `jwks` option, never fetched and
 * never expiring. Freshness is judged by the asking verifier's TTL (`lookup.ttl`), so verifiers
 * with different `jwksCacheMaxAge` can share one set. `now` is the caller's clock (ms).
 *
 * A lookup has one way back: `set.cachedKey(kid, lookup, now) ?? (await set.resolveKey(…))`. The
 * first is the synchronous hot path; the second does whatever the set needs first.
 */
export class KeySet {
  // The keys by kid; null until a set was first obtained (it never goes back to null).
  #keys: Map<string, VerificationKey> | null = null;
  // When the keys were fetched (ms; Infinity for static keys: they never go stale), and the
  // `max-age` they came with (the input of each verifier's TTL rule).
  #fetchedAt = 0;
  #maxAge: number | undefined;
  // When an unknown kid last caused a fetch, and when the last fetch failed (undefined: it did
  // not). Each holds further fetches back for a cooldown.
  #lastKidRefetch: number | undefined;
  #lastFailure: number | undefined;
  // The fetch in flight, under the key 0.
  readonly #inflight = new Map<0, Promise<void>>();
  // Keys of the `jwks` option: never fetched, so an unknown kid stays unknown.
  readonly #isStatic: boolean;

  /** A remote key set, or, given `staticKeys`, the keys of the `jwks` option. */
  constructor(staticKeys?: readonly unknown[], log?: (line: string) => void) {
    this.#isStatic = staticKeys !== undefined;
    if (staticKeys) this.#install(staticKeys, Infinity, undefined, log);
  }

  /**
   * The hot path: the key for `kid` when the set is fresh and that key already imported, at once;
   * `undefined` when {@link resolveKey} must be asked instead.
   */
  cachedKey(kid: string, lookup: KeyLookup, now: number): VerificationKey | undefined {
    const key = this.#keys === null || this.#isStale(now, lookup) ? undefined : this.#keys.get(kid);
    return key?.key ? key : undefined;
  }

  /**
   * The key for `kid`, after loading the set when it is cold, refreshing it when it is stale
   * (after a failed fetch, at most once per cooldown), or refetching it when it lacks `kid` (at
   * most once per cooldown). `undefined` for an unknown kid.
   *
   * @throws {ProtektError} `jwks_unavailable` when no key set could be obtained at all; `aborted`
   *   when the caller's `signal` aborts.
   */
  async resolveKey(
    kid: string,
    lookup: KeyLookup,
    now: number,
    signal: AbortSignal | undefined,
  ): Promise<VerificationKey | undefined> {
    const keys = this.#keys;
    if (this.#isStatic) return keys!.get(kid);
    // Cold, or stale and out of a failed fetch's cooldown: loaded first.
    if (keys === null || (this.#isStale(now, lookup) && cooled(this.#lastFailure, now, lookup))) {
      await this.#load(lookup, now, signal);
      return this.#keys?.get(kid);
    }
    // The set was fresh enough: only a kid it lacks is worth another fetch.
    return keys.get(kid) ?? this.#refetchForUnknownKid(kid, lookup, now, signal);
  }

  #isStale(now: number, lookup: KeyLookup): boolean {
    return now - this.#fetchedAt >= lookup.ttl(this.#maxAge) * 1000;
  }

  // An unknown kid in a set that was not just loaded: the answer of the fetch in flight, where it
  // may be awaited, else one refetch per cooldown (none within the cooldown of a failed fetch).
  async #refetchForUnknownKid(
    kid: string,
    lookup: KeyLookup,
    now: number,
    signal: AbortSignal | undefined,
  ): Promise<VerificationKey | undefined> {
    const fetching = this.#inflight.get(0);
    if (fetching && canShareInFlight()) {
      // Someone is fetching already: their answer may hold the kid.
      await withSignal(fetching, signal);
    } else if (
      cooled(this.#lastKidRefetch, now, lookup) &&
      cooled(this.#lastFailure, now, lookup)
    ) {
      this.#lastKidRefetch = now;
      logLine(lookup.log, 'unknown kid: refetching the JWKS');
      await this.#load(lookup, now, signal);
    }
    return this.#keys?.get(kid);
  }

  // Loads the set: joins the fetch in flight where sharing is allowed, else starts one. Throws
  // `jwks_unavailable` only when no key set is held afterwards.
  #load(lookup: KeyLookup, now: number, signal: AbortSignal | undefined): Promise<void> {
    return shareInFlight(
      this.#inflight,
      0,
      (shared) => this.#refresh(lookup, now, shared ? undefined : signal),
      signal,
    );
  }

  // One load. A cold start tries the persistence hook first and stops there when its keys are
  // fresh; otherwise the endpoint is fetched, and its keys installed and persisted. A failed fetch
  // keeps the keys held (or throws when there are none).
  async #refresh(lookup: KeyLookup, now: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#keys === null && lookup.store) {
      const stored = await readStore(lookup);
      if (stored && this.#installStored(stored, lookup, now))
        return logLine(lookup.log, 'JWKS read from jwksCache');
    }
    const fetched = await this.#fetch(lookup, now, signal);
    if (!fetched) return;
    this.#install(fetched.keys, now, fetched.maxAge, lookup.log);
    if (lookup.store) {
      const expiresAt = now + lookup.ttl(fetched.maxAge) * 1000;
      await callStore(lookup, 'set', {
        keys: fetched.keys as JsonWebKey[],
        fetchedAt: now,
        expiresAt,
      });
    }
  }

  // Fetches the endpoint (`signal` is undefined for a shared fetch: it must not die with the
  // caller that happened to start it). After a failure: `undefined` while keys are held (they
  // keep being served), else `jwks_unavailable`; the caller's own abort (only a fetch under the
  // caller's signal can be aborted) is thrown as is.
  async #fetch(
    lookup: KeyLookup,
    now: number,
    signal: AbortSignal | undefined,
  ): Promise<FetchedJwks | undefined> {
    try {
      const fetched = await lookup.fetchJwks(signal);
      this.#lastFailure = undefined;
      return fetched;
    } catch (error) {
      if (error instanceof ProtektError && error.code === 'aborted') throw error;
      this.#lastFailure = now;
      if (this.#keys !== null) {
        logLine(lookup.log, `JWKS refresh failed (${describe(error)}); serving the cached keys`);
        return undefined;
      }
      throw new ProtektError(
        'jwks_unavailable',
        'No key is cached and the JWKS could not be fetched (details.cause says why): check baseUrl.',
        {
          status: error instanceof ProtektError ? error.status : 0,
          details: { cause: describe(error) },
          cause: error,
        },
      );
    }
  }

  // Installs keys read from the hook. Returns whether they are fresh enough to skip the fetch.
  #installStored(stored: StoredJwks, lookup: KeyLookup, now: number): boolean {
    // The hook's store is not trusted with time: a fetchedAt in the future (another host's
    // clock, a test clock) would keep these keys fresh for ever, retired ones included.
    const at = Math.min(stored.fetchedAt, now);
    const age = Math.max(0, (stored.expiresAt - at) / 1000);
    this.#install(stored.keys, at, age, lookup.log);
    return stored.fetchedAt <= now && !this.#isStale(now, lookup);
  }

  // Replaces the set. A key re-published unchanged keeps its imported CryptoKey; a key that is
  // gone or changed is retired, which also invalidates verifications cached against it.
  #install(
    raw: readonly unknown[],
    at: number,
    maxAge: number | undefined,
    log: KeyLookup['log'],
  ): void {
    const next = new Map<string, VerificationKey>();
    for (const jwk of raw) {
      const key = keyFromJwk(jwk);
      if (typeof key === 'string') {
        logLine(log, `ignoring a JWKS key (${key})`);
      } else if (next.has(key.kid)) {
        logLine(log, 'ignoring a JWKS key (duplicate kid)');
      } else {
        const old = this.#keys?.get(key.kid);
        next.set(
          key.kid,
          old && !old.unusable && old.fingerprint === key.fingerprint && old.alg === key.alg
            ? old
            : key,
        );
      }
    }
    for (const old of this.#keys?.values() ?? []) {
      if (next.get(old.kid) !== old) {
        old.retired = true;
        old.key = undefined;
        logLine(log, 'a key left the JWKS');
      }
    }
    this.#keys = next;
    this.#fetchedAt = at;
    this.#maxAge = maxAge;
  }
}

let registry: WeakMap<object, Map<string, KeySet>> | undefined;

/**
 * The shared key set for a JWKS URL reached through a given fetch function (its identity is the
 * function object, or any object standing for it).
 */
export function sharedKeySet(fetchIdentity: object, url: string): KeySet {
  registry ??= new WeakMap();
  const byUrl = registry.get(fetchIdentity) ?? new Map<string, KeySet>();
  registry.set(fetchIdentity, byUrl);
  const set = byUrl.get(url) ?? new KeySet();
  byUrl.set(url, set);
  return set;
}
