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
 */
import { ProtektError } from '../errors/protekt-error.js';
import { keyFromJwk, type VerificationKey } from './keys.js';
import { TOKEN_DEFAULTS, type JwksCacheStore, type StoredJwks } from './options.js';
import { canShareInFlight, withSignal } from './runtime.js';

/** What one fetch of the JWKS endpoint produced. */
export interface FetchedJwks {
  /** The `keys` array as served. */
  keys: unknown[];
  /** `Cache-Control: max-age` in seconds, when the answer had one. */
  maxAge: number | undefined;
}

/** Everything a key lookup needs from the verifier that asks. */
export interface KeyLookup {
  /** The caller's clock, read once for this verification (ms). */
  now: number;
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
  /** The caller's abort signal. */
  signal: AbortSignal | undefined;
  /** Debug logger. */
  log: ((line: string) => void) | undefined;
}

/** A set of verification keys addressed by `kid`. */
export interface KeySource {
  /** Synchronous hot path: the key for `kid` if the set is fresh and the key imported. */
  peek(kid: string, now: number, ttl: (maxAge: number | undefined) => number): VerificationKey | undefined;
  /**
   * The key for `kid`, fetching the set when it is cold, stale, or lacks `kid` (within the
   * cooldown). Resolves `undefined` for an unknown kid.
   *
   * @throws {ProtektError} `jwks_unavailable` when no key set could be obtained at all.
   */
  resolve(kid: string, lookup: KeyLookup): Promise<VerificationKey | undefined>;
}

/** The TTL rule: the option when set, else the endpoint's `max-age` kept within sane bounds. */
export function jwksTtl(option: number | null, maxAge: number | undefined): number {
  if (option !== null) return option;
  if (maxAge === undefined) return TOKEN_DEFAULTS.jwksDefaultMaxAge;
  return Math.min(Math.max(maxAge, TOKEN_DEFAULTS.jwksMinMaxAge), TOKEN_DEFAULTS.jwksMaxMaxAge);
}

/** Reads `max-age` from a `Cache-Control` header value. */
export function parseMaxAge(cacheControl: string | null): number | undefined {
  if (!cacheControl) return undefined;
  const lower = cacheControl.toLowerCase();
  if (/(^|,)\s*(no-store|no-cache)\s*(,|$)/.test(lower)) return 0;
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,9})"?\s*(?:,|$)/.exec(lower);
  return match ? Number(match[1]) : undefined;
}

function logLine(log: ((line: string) => void) | undefined, line: string): void {
  log?.(`[Protekt] verifyToken: ${line}`);
}

function describe(error: unknown): string {
  if (error instanceof ProtektError) return error.code;
  return error instanceof Error ? error.name : 'error';
}

/** Builds a key map from JWKs, logging the ones ignored. */
function readKeys(raw: readonly unknown[], log: ((line: string) => void) | undefined): Map<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  for (const jwk of raw) {
    const key = keyFromJwk(jwk);
    if (typeof key === 'string') {
      logLine(log, `ignoring a JWKS key (${key})`);
    } else if (keys.has(key.kid)) {
      logLine(log, 'ignoring a JWKS key whose kid is already used by an earlier key');
    } else {
      keys.set(key.kid, key);
    }
  }
  return keys;
}

/** Keys given once, in the `jwks` option: never fetched, never expiring. */
export class StaticKeySet implements KeySource {
  readonly #keys: Map<string, VerificationKey>;

  constructor(jwks: readonly JsonWebKey[], log: ((line: string) => void) | undefined) {
    this.#keys = readKeys(jwks, log);
  }

  /** See {@link KeySource.peek}. */
  peek(kid: string): VerificationKey | undefined {
    const k = this.#keys.get(kid);
    return k?.key ? k : undefined;
  }

  /** See {@link KeySource.resolve}. */
  resolve(kid: string): Promise<VerificationKey | undefined> {
    return Promise.resolve(this.#keys.get(kid));
  }
}

/** Keys fetched from a JWKS endpoint, cached and refreshed. Shared; see the module comment. */
export class RemoteKeySet implements KeySource {
  #keys: Map<string, VerificationKey> | null = null;
  #fetchedAt = 0;
  #maxAge: number | undefined;
  #lastKidRefetch: number | undefined;
  #lastFailure: number | undefined;
  #inflight: Promise<void> | undefined;

  /** See {@link KeySource.peek}. */
  peek(kid: string, now: number, ttl: (maxAge: number | undefined) => number): VerificationKey | undefined {
    const keys = this.#keys;
    if (keys === null || now - this.#fetchedAt >= ttl(this.#maxAge) * 1000) return undefined;
    const k = keys.get(kid);
    return k?.key ? k : undefined;
  }

  /** See {@link KeySource.resolve}. */
  async resolve(kid: string, lookup: KeyLookup): Promise<VerificationKey | undefined> {
    let loaded = false;
    if (this.#keys === null) {
      await this.#load(lookup, true);
      loaded = true;
    } else if (this.#stale(lookup) && this.#cooled(this.#lastFailure, lookup)) {
      await this.#load(lookup, false);
      loaded = true;
    }
    let k = this.#keys?.get(kid);
    if (k === undefined && !loaded) {
      if (this.#inflight !== undefined && canShareInFlight()) {
        // Someone is fetching already: their answer may hold the kid.
        await withSignal(this.#inflight, lookup.signal);
        k = this.#keys?.get(kid);
      } else if (this.#cooled(this.#lastKidRefetch, lookup) && this.#cooled(this.#lastFailure, lookup)) {
        this.#lastKidRefetch = lookup.now;
        logLine(lookup.log, 'unknown kid: fetching the JWKS again');
        await this.#load(lookup, false);
        k = this.#keys?.get(kid);
      }
    }
    return k;
  }

  #stale(lookup: KeyLookup): boolean {
    return lookup.now - this.#fetchedAt >= lookup.ttl(this.#maxAge) * 1000;
  }

  // Whether the cooldown since `since` has passed (or the clock went back, or it never happened).
  #cooled(since: number | undefined, lookup: KeyLookup): boolean {
    return since === undefined || lookup.now < since || lookup.now - since >= lookup.cooldownMs;
  }

  // Loads the set: joins the fetch in flight where sharing is allowed, else starts one. Throws
  // `jwks_unavailable` only when no key set is held afterwards.
  async #load(lookup: KeyLookup, cold: boolean): Promise<void> {
    const share = canShareInFlight();
    if (share && this.#inflight) {
      await withSignal(this.#inflight, lookup.signal);
      return;
    }
    const work = this.#fetchAndInstall(lookup, cold, share);
    if (share) {
      this.#inflight = work;
      void work.then(
        () => this.#clear(work),
        () => this.#clear(work),
      );
      await withSignal(work, lookup.signal);
    } else {
      await work;
    }
  }

  #clear(work: Promise<void>): void {
    if (this.#inflight === work) this.#inflight = undefined;
  }

  async #fetchAndInstall(lookup: KeyLookup, cold: boolean, share: boolean): Promise<void> {
    if (cold && this.#keys === null && lookup.store) {
      const stored = await this.#readStore(lookup);
      if (stored) {
        this.#install(stored.keys, stored.fetchedAt, Math.max(0, (stored.expiresAt - stored.fetchedAt) / 1000), lookup.log);
        if (stored.expiresAt > lookup.now) {
          logLine(lookup.log, 'JWKS read from the jwksCache hook');
          return;
        }
      }
    }
    const started = lookup.now;
    let fetched: FetchedJwks;
    try {
      // A shared fetch must not die with the caller that happened to start it.
      fetched = await lookup.fetchJwks(share ? undefined : lookup.signal);
    } catch (error) {
      if (error instanceof ProtektError && error.code === 'aborted' && !share) throw error;
      this.#lastFailure = started;
      if (this.#keys !== null) {
        logLine(lookup.log, `JWKS refresh failed (${describe(error)}); serving the cached keys`);
        return;
      }
      throw new ProtektError('jwks_unavailable', 'The signing keys (JWKS) could not be fetched and none are cached: tokens cannot be verified.', {
        status: error instanceof ProtektError ? error.status : 0,
        details: { cause: describe(error) },
        cause: error,
      });
    }
    this.#lastFailure = undefined;
    this.#install(fetched.keys, started, fetched.maxAge, lookup.log);
    if (lookup.store) {
      const ttl = lookup.ttl(fetched.maxAge) * 1000;
      try {
        await lookup.store.set(lookup.url, { keys: fetched.keys as JsonWebKey[], fetchedAt: started, expiresAt: started + ttl });
      } catch (error) {
        logLine(lookup.log, `jwksCache.set failed (${describe(error)}); ignored`);
      }
    }
  }

  async #readStore(lookup: KeyLookup): Promise<StoredJwks | undefined> {
    try {
      const value = await lookup.store!.get(lookup.url);
      if (value === undefined || value === null) return undefined;
      if (
        typeof value !== 'object' ||
        !Array.isArray(value.keys) ||
        !Number.isFinite(value.fetchedAt) ||
        !Number.isFinite(value.expiresAt)
      ) {
        logLine(lookup.log, 'jwksCache.get returned something that is not a stored JWKS; ignored');
        return undefined;
      }
      return value;
    } catch (error) {
      logLine(lookup.log, `jwksCache.get failed (${describe(error)}); ignored`);
      return undefined;
    }
  }

  // Replaces the set. A key re-published unchanged keeps its imported CryptoKey; a key that is
  // gone or changed is retired, which also invalidates verifications cached against it.
  #install(raw: readonly unknown[], fetchedAt: number, maxAge: number | undefined, log: ((line: string) => void) | undefined): void {
    const next = readKeys(raw, log);
    const previous = this.#keys;
    if (previous) {
      for (const [kid, key] of next) {
        const old = previous.get(kid);
        if (old && !old.unusable && old.fingerprint === key.fingerprint && old.alg === key.alg) next.set(kid, old);
      }
      for (const old of previous.values()) {
        if (next.get(old.kid) !== old) {
          old.retired = true;
          old.key = undefined;
          logLine(log, 'a key left the JWKS: tokens it signed are no longer accepted');
        }
      }
    }
    this.#keys = next;
    this.#fetchedAt = fetchedAt;
    this.#maxAge = maxAge;
  }
}

let registry: WeakMap<object, Map<string, RemoteKeySet>> | undefined;

/**
 * The shared key set for a JWKS URL reached through a given fetch function (its identity is the
 * function object, or any object standing for it).
 */
export function sharedKeySet(fetchIdentity: object, url: string): RemoteKeySet {
  registry ??= new WeakMap();
  let byUrl = registry.get(fetchIdentity);
  if (!byUrl) {
    byUrl = new Map();
    registry.set(fetchIdentity, byUrl);
  }
  let set = byUrl.get(url);
  if (!set) {
    set = new RemoteKeySet();
    byUrl.set(url, set);
  }
  return set;
}
