/**
 * The JWKS cache. One remote key set per (fetch function, JWKS URL), shared by every client that
 * talks to the same server through the same fetch: two emulators in one process never mix keys.
 *
 * - Stale-while-revalidate: keys are kept for the endpoint's `Cache-Control: max-age` (or the
 *   `jwksCacheMaxAge` option, and at most half of `maxStale`); past that, they keep being served
 *   while ONE background refresh runs, started by the first verification that sees the set stale
 *   and awaited by none: a token whose key is cached never waits for the network.
 * - Bounded staleness: keys not confirmed by a successful fetch (or a validated `jwksCache` entry)
 *   for `maxStale` are not used any more; a verification then waits for one fetch (at most one
 *   attempt's timeout) and throws `jwks_unavailable` when it fails.
 * - An unknown `kid` triggers at most one refetch per cooldown, however many tokens ask, and waits
 *   for it at most one attempt's timeout; after a failed fetch, nothing is fetched again (but a
 *   cold start) until the cooldown, counted from the END of that failure, has passed.
 * - Concurrent misses share one fetch. Where another request's I/O may never settle (Workers), a
 *   call that joined waits at most the fetch's budget, then fetches itself (src/runtime/in-flight.ts),
 *   and a background refresh (which the runtime may cancel with the request that started it) that
 *   has not settled within a cooldown is taken for lost: the next stale verification starts another.
 * - A key that leaves the set is retired: its `CryptoKey` is dropped, and so is every cached
 *   verification that relied on it.
 *
 * Keys given in the `jwks` option are a key set of the same kind that never expires and is never
 * fetched.
 */
import { ProtektError } from '../errors/protekt-error.js';
import { jwksProblem, keyFromJwk, type VerificationKey } from './keys.js';
import type { JwksCacheStore, StoredJwks } from './options.js';
import { shareInFlight, withSignal } from '../runtime/in-flight.js';
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
  /** The JWKS URL (key of the persistence hook, and recorded in what it stores). */
  url: string;
  /** The issuer the keys are for (recorded in what the persistence hook stores). */
  issuer: string;
  /** Fetches the endpoint; throws `ProtektError` when it cannot. */
  fetchJwks: (signal: AbortSignal | undefined) => Promise<FetchedJwks>;
  /** This verifier's TTL in seconds for an answer with the given `max-age`. */
  ttl: (maxAge: number | undefined) => number;
  /** Least ms between two fetches caused by unknown kids or failed refreshes. */
  cooldownMs: number;
  /** Longest ms keys are used without being confirmed (the `maxStale` option). */
  maxStaleMs: number;
  /** Persistence hook, if any. */
  store: JwksCacheStore | null;
  /** Longest wait for the hook and for a fetch, in ms (the client's per-attempt timeout). */
  timeout: number;
  /** Longest one fetch takes, every attempt and retry wait included, in ms. */
  fetchBudget: number;
  /** The verifier's clock (ms since the epoch). */
  now: () => number;
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

// Why a value read from the hook is not used (undefined: it is). The hook is trusted no more than
// the network: the entry must be a key set written for this issuer and URL (a store shared by
// environments, or one that ignores its key, must not hand the emulator's keys to production), it
// cannot date itself in the future, and it ages from its fetchedAt like a fetched set.
function storedProblem(value: unknown, lookup: KeyLookup, now: number): string | undefined {
  if (
    !isRecord(value) ||
    !Array.isArray(value.keys) ||
    !Number.isFinite(value.fetchedAt) ||
    !Number.isFinite(value.expiresAt)
  )
    return 'not a stored JWKS';
  if (value.issuer !== lookup.issuer || value.url !== lookup.url)
    return 'written for another issuer or JWKS URL';
  const fetchedAt = value.fetchedAt as number;
  if (fetchedAt > now) return 'fetchedAt is in the future';
  if ((value.expiresAt as number) < fetchedAt) return 'expiresAt is before fetchedAt';
  if (now - fetchedAt >= lookup.maxStaleMs) return 'older than maxStale';
  // The same whole-set check as a fetched set (the per-key checks follow in #install).
  return jwksProblem(value.keys) ?? undefined;
}

// The hook's key set for this URL, if it holds one that may be used at `now`.
async function readStore(lookup: KeyLookup, now: number): Promise<StoredJwks | undefined> {
  const value = await callStore(lookup, 'get');
  if (value == null) return undefined;
  const problem = storedProblem(value, lookup, now);
  if (!problem) return value as StoredJwks;
  logLine(lookup.log, `jwksCache.get: entry refused (${problem}); ignored`);
  return undefined;
}

// Whether the cooldown since `since` has passed (or the clock went back, or it never happened).
const cooled = (since: number | undefined, now: number, lookup: KeyLookup): boolean =>
  since === undefined || now < since || now - since >= lookup.cooldownMs;

// The error of a verification that has no usable key set; the message of a cold one.
const NO_KEY =
  'No key is cached and the JWKS could not be fetched (details.cause says why): check baseUrl.';
const unavailable = (message: string, cause: string, error?: unknown): ProtektError =>
  new ProtektError('jwks_unavailable', message, {
    status: error instanceof ProtektError ? error.status : 0,
    details: { cause },
    cause: error,
  });

/**
 * A set of verification keys addressed by `kid`: remote (fetched, cached, refreshed; shared, see
 * the module comment), or, given `staticKeys`, the keys of the `jwks` option, never fetched and
 * never expiring. Freshness is judged by the asking verifier's TTL and `maxStale` (`lookup`), so
 * verifiers with different options can share one set. `now` is the caller's clock (ms).
 *
 * A lookup has one way back: `set.cachedKey(kid, lookup, now) ?? (await set.resolveKey(…))`. The
 * first is the synchronous hot path; the second does whatever the set needs first.
 */
export class KeySet {
  // The keys by kid; null until a set was first obtained (it never goes back to null).
  #keys: Map<string, VerificationKey> | null = null;
  // When the keys were last confirmed (a fetch, or the fetchedAt of a validated stored set; ms;
  // Infinity for static keys), and the `max-age` they came with (the input of the TTL rule).
  #fetchedAt = 0;
  #maxAge: number | undefined;
  // When an unknown kid last caused a fetch; when the last failed fetch ENDED (undefined: the
  // last fetch did not fail) and why. Each holds further fetches back for a cooldown.
  #lastKidRefetch: number | undefined;
  #failedAt: number | undefined;
  #failure = 'timeout';
  // Whether the keys held were read from the persistence hook (not fetched by this process).
  #stored = false;
  // The background refresh running, by when it started (undefined: none).
  #background: { since: number } | undefined;
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
   * The hot path: the key for `kid`, at once, when the set may be used and that key is already
   * imported (a stale set is served, and its background refresh started); `undefined` when
   * {@link resolveKey} must be asked instead.
   */
  cachedKey(kid: string, lookup: KeyLookup, now: number): VerificationKey | undefined {
    const keys = this.#keys;
    if (keys === null || !this.#usable(now, lookup)) return undefined;
    const key = keys.get(kid);
    return key?.key ? key : undefined;
  }

  /**
   * The key for `kid`, after loading the set when it is cold, confirming it when it is past
   * `maxStale`, or refetching it when it lacks `kid` (at most once per cooldown). Each waits at
   * most one attempt's timeout for the network (a cold start with a `jwksCache` one more for each
   * call of the hook). A stale set is served as is (its refresh runs in the background).
   * `undefined` for an unknown kid.
   *
   * @throws {ProtektError} `jwks_unavailable` when no usable key set could be obtained (none at
   *   all, or none confirmed within `maxStale`); `aborted` when the caller's `signal` aborts.
   */
  async resolveKey(
    kid: string,
    lookup: KeyLookup,
    now: number,
    signal: AbortSignal | undefined,
  ): Promise<VerificationKey | undefined> {
    // Awaited, not returned: workerd reports a returned promise that is already rejected (a
    // refusal thrown before the callee's first await) as an unhandled rejection.
    if (this.#isStatic) return this.#keys!.get(kid);
    if (this.#keys === null) return await this.#loadCold(kid, lookup, now, signal);
    if (!this.#usable(now, lookup)) return await this.#reconfirm(kid, lookup, now, signal);
    return this.#keys.get(kid) ?? (await this.#refetchForUnknownKid(kid, lookup, signal));
  }

  // Whether the held keys may be used at `now`: confirmed less than maxStale ago (static keys
  // always: confirmed at Infinity, their age is never positive). Past their lifetime, a background
  // refresh is started.
  #usable(now: number, lookup: KeyLookup): boolean {
    const age = now - this.#fetchedAt;
    if (age >= lookup.maxStaleMs) return false;
    const lifetime = Math.min(lookup.ttl(this.#maxAge) * 1000, lookup.maxStaleMs / 2);
    if (age >= lifetime) this.#revalidate(lookup);
    return true;
  }

  // Starts the one background refresh of a stale set, unless one is running or a failed fetch's
  // cooldown holds. Never awaited, and never rejects. On Workers it may be cancelled with the
  // request that started it: one that has not settled within a cooldown is taken for lost.
  #revalidate(lookup: KeyLookup): void {
    const t = lookup.now();
    const running = this.#background;
    if (!cooled(this.#failedAt, t, lookup) || (running && !cooled(running.since, t, lookup)))
      return;
    const mark = { since: t };
    // A refresh still running after a cooldown is lost: the new one must not join it.
    if (running) this.#inflight.delete(0);
    this.#background = mark;
    logLine(lookup.log, 'JWKS stale: served while refreshed in the background');
    const done = (): void => {
      if (this.#background === mark) this.#background = undefined;
    };
    this.#load(lookup, undefined).then(done, (error: unknown) => {
      done();
      logLine(lookup.log, `JWKS refresh failed (${describe(error)})`);
    });
  }

  // A cold set: the hook (when given) or the endpoint, waited for a bounded time. A kid missing
  // from a stored set is worth a refetch (the store may predate a rotation); from a set fetched
  // just now, it is not.
  async #loadCold(
    kid: string,
    lookup: KeyLookup,
    now: number,
    signal: AbortSignal | undefined,
  ): Promise<VerificationKey | undefined> {
    // One attempt's timeout per step: the hook's read, the fetch, the hook's write.
    await this.#within(this.#load(lookup, signal), lookup, signal, lookup.store ? 3 : 1);
    if (this.#keys === null) throw unavailable(NO_KEY, 'timeout');
    if (!this.#usable(now, lookup)) return await this.#reconfirm(kid, lookup, now, signal);
    const key = this.#keys.get(kid);
    return key || !this.#stored ? key : await this.#refetchForUnknownKid(kid, lookup, signal);
  }

  // Keys past maxStale are used again only once a fetch confirms them (or replaces them): one
  // fetch, waited for a bounded time, unless a failed fetch's cooldown holds. Else throws.
  async #reconfirm(
    kid: string,
    lookup: KeyLookup,
    now: number,
    signal: AbortSignal | undefined,
  ): Promise<VerificationKey | undefined> {
    let settled = true;
    if (cooled(this.#failedAt, lookup.now(), lookup))
      settled = await this.#within(this.#load(lookup, signal), lookup, signal, 1);
    if (now - this.#fetchedAt < lookup.maxStaleMs) return this.#keys!.get(kid);
    const cause = settled ? this.#failure : 'timeout';
    logLine(lookup.log, `JWKS past maxStale and not fetched (${cause})`);
    throw unavailable(
      'The keys were not confirmed by the JWKS within maxStale and it cannot be fetched (details.cause says why).',
      cause,
    );
  }

  // An unknown kid in a usable set: the answer of the fetch in flight, where it may be awaited,
  // else one refetch per cooldown (none within the cooldown of a failed fetch); either waited for
  // one attempt's timeout at most.
  async #refetchForUnknownKid(
    kid: string,
    lookup: KeyLookup,
    signal: AbortSignal | undefined,
  ): Promise<VerificationKey | undefined> {
    const t = lookup.now();
    if (this.#inflight.has(0)) {
      // Someone is fetching already: their answer may hold the kid.
      await this.#within(this.#load(lookup, signal), lookup, signal, 1);
    } else if (cooled(this.#lastKidRefetch, t, lookup) && cooled(this.#failedAt, t, lookup)) {
      this.#lastKidRefetch = t;
      logLine(lookup.log, 'unknown kid: refetching the JWKS');
      await this.#within(this.#load(lookup, signal), lookup, signal, 1);
    }
    return this.#keys!.get(kid);
  }

  // Waits for a load at most `times` attempts' timeout, or until the caller's signal aborts;
  // resolves whether the load settled. The load goes on when the wait ends (shared: others may
  // still use its answer); its failure after that is handled by the race, never left unhandled.
  async #within(
    work: Promise<void>,
    lookup: KeyLookup,
    signal: AbortSignal | undefined,
    times: number,
  ): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, lookup.timeout * times, false);
    });
    try {
      return await withSignal(Promise.race([work.then(() => true), bound]), signal);
    } finally {
      clearTimeout(timer);
    }
  }

  // Loads the set: joins the load in flight, else starts one. Throws `jwks_unavailable` only when
  // no key set is held afterwards. Its budget: the fetch, and the hook's read and write.
  #load(lookup: KeyLookup, signal: AbortSignal | undefined): Promise<void> {
    return shareInFlight(
      this.#inflight,
      0,
      (shared) => this.#refresh(lookup, shared ? undefined : signal),
      signal,
      lookup.fetchBudget + (lookup.store ? 2 * lookup.timeout : 0),
    );
  }

  // One load. A cold start tries the persistence hook first and stops there when it holds a set
  // that may be used (a stale one is then refreshed in the background); otherwise the endpoint is
  // fetched, and its keys installed and persisted. A failed fetch keeps the keys held (or throws
  // when there are none).
  async #refresh(lookup: KeyLookup, signal: AbortSignal | undefined): Promise<void> {
    const now = lookup.now();
    if (this.#keys === null && lookup.store) {
      const stored = await readStore(lookup, now);
      if (stored) {
        // Fresh for what the entry says, at most the default lifetime: keys planted in the store
        // are replaced by the real ones within 10 minutes whenever the JWKS is reachable.
        const maxAge = Math.min(
          (stored.expiresAt - stored.fetchedAt) / 1000,
          jwksTtl(null, undefined),
        );
        this.#install(stored.keys, stored.fetchedAt, maxAge, lookup.log);
        this.#stored = true;
        return logLine(lookup.log, 'JWKS read from jwksCache');
      }
    }
    const fetched = await this.#fetch(lookup, signal);
    if (!fetched) return;
    this.#install(fetched.keys, now, fetched.maxAge, lookup.log);
    this.#stored = false;
    if (lookup.store) {
      const { url, issuer } = lookup;
      const expiresAt = now + lookup.ttl(fetched.maxAge) * 1000;
      const keys = fetched.keys as JsonWebKey[];
      await callStore(lookup, 'set', { keys, fetchedAt: now, expiresAt, issuer, url });
    }
  }

  // Fetches the endpoint (`signal` is undefined for a shared fetch: it must not die with the
  // caller that happened to start it). A set refused whole counts as a failed fetch. After a
  // failure, recorded when it ENDS: `undefined` while keys are held, else `jwks_unavailable`; the
  // caller's own abort (only a fetch under the caller's signal can be aborted) is thrown as is.
  async #fetch(
    lookup: KeyLookup,
    signal: AbortSignal | undefined,
  ): Promise<FetchedJwks | undefined> {
    try {
      const fetched = await lookup.fetchJwks(signal);
      const problem = jwksProblem(fetched.keys);
      if (problem) throw new ProtektError('invalid_response', `JWKS refused: ${problem}.`);
      this.#failedAt = undefined;
      return fetched;
    } catch (error) {
      if (error instanceof ProtektError && error.code === 'aborted') throw error;
      this.#failedAt = lookup.now();
      this.#failure = describe(error);
      if (this.#keys !== null) {
        logLine(lookup.log, `JWKS refresh failed (${this.#failure}); serving the cached keys`);
        return undefined;
      }
      throw unavailable(NO_KEY, this.#failure, error);
    }
  }

  // Replaces the set, confirmed at `at`. A key re-published unchanged keeps its imported
  // CryptoKey; a key that is gone or changed is retired, which also invalidates verifications
  // cached against it.
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
