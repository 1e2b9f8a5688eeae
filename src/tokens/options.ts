/**
 * Options of token verification, their defaults, and the one validator the client runs at
 * construction. A mistake here is a configuration error: it throws `ProtektError('config_invalid')`
 * once, at startup, never on a request.
 */
import { ProtektError } from '../errors/protekt-error.js';
import { unknownOption } from '../util/option-names.js';
import { isRecord, ownProps } from '../util/record.js';
import { jwksProblem } from './keys.js';
import { TOKEN_MAX_LENGTH } from '../util/limits.js';
import type { RevocationCacheStore } from './revocation-store.js';

export type { RevocationCacheStore, StoredRevocation } from './revocation-store.js';

/**
 * A key set as persisted by a {@link JwksCacheStore}. Times are milliseconds since the epoch. An
 * entry is read back only when it names this client's issuer and JWKS URL, has a `fetchedAt` that
 * is not in the future and younger than `maxStale`, and `expiresAt` not before `fetchedAt`;
 * otherwise it is ignored (logged) and the keys are fetched.
 */
export interface StoredJwks {
  /** The public keys, exactly as the JWKS endpoint served them. */
  keys: JsonWebKey[];
  /** When the keys were fetched: they age from here, whatever the store says later. */
  fetchedAt: number;
  /** Until when they may be used without asking the endpoint again. */
  expiresAt: number;
  /** The issuer they were fetched for (written by the SDK; required to be read back). */
  issuer?: string | undefined;
  /** The JWKS URL they were fetched from (written by the SDK; required to be read back). */
  url?: string | undefined;
}

/**
 * A persistence hook for the JWKS, so that a fresh isolate (a new Worker instance, a cold
 * serverless function) can verify tokens without fetching the keys first. Backed by, e.g.,
 * Workers KV or the Cache API. Read before the network on a cold start; written after each
 * successful fetch. A hook that throws, rejects or does not answer within the client's `timeout`
 * is logged and otherwise ignored.
 */
export interface JwksCacheStore {
  /**
   * Returns the stored key set for a JWKS URL, if any. The answer is checked like a fetched set
   * (and refused when written for another issuer or URL), so a store shared by environments is
   * safe.
   */
  get(url: string): Promise<StoredJwks | undefined | null>;
  /** Stores the key set just fetched from a JWKS URL. */
  set(url: string, value: StoredJwks): Promise<void>;
}

/** How `verifyToken` asks Protekt whether a locally valid token was revoked. */
export interface RevocationCheckOptions {
  /**
   * Seconds a remote answer is trusted for a given token (default 30). `0` asks on every call.
   * A revoked token is refused at the latest `maxAge` seconds after its revocation.
   */
  maxAge?: number | undefined;
  /**
   * When the remote check cannot be completed (network failure, timeout, 5xx, rate limit):
   * `false` (default) keeps the local answer (fail-open); `true` throws the `ProtektError`, so
   * that a middleware answers 503 instead of letting the request in (fail-closed).
   */
  failClosed?: boolean | undefined;
  /**
   * `true` answers a token that has no revocation answer yet on its local verification alone,
   * while its check runs in the background: a revoked token presented for the first time is
   * accepted until that check answers (at most one attempt's `timeout`), then refused. Off by
   * default (a first-seen token waits for its check). Not with `failClosed`.
   */
  acceptBeforeCheck?: boolean | undefined;
}

/** Options of a verified-token cache. */
export interface VerifiedCacheOptions {
  /** Most tokens kept (default 1,000); the least recently used one is evicted first. */
  max?: number | undefined;
}

/** Token verification options, given to the client constructor. */
export interface TokenOptions {
  /** Leeway in seconds for `exp`, `nbf` and `iat` (default 5, at most 60). */
  clockTolerance?: number | undefined;
  /**
   * Remote revocation check after local verification (on by default). `false` verifies locally
   * only: once the keys are cached, no request is made at all.
   */
  revocationCheck?: boolean | RevocationCheckOptions | undefined;
  /** Static public keys: when set, keys are never fetched. */
  jwks?: { keys: JsonWebKey[] } | undefined;
  /** Persistence hook for fetched keys (e.g. Workers KV), shared across isolates. */
  jwksCache?: JwksCacheStore | undefined;
  /**
   * Persistence hook for revocation answers (e.g. Workers KV), shared across isolates: read before
   * asking Protekt about a token this isolate has no answer for, written after each answer. A
   * stored pass is used for at most `revocationCheck.maxAge` from when it was asked.
   */
  revocationCache?: RevocationCacheStore | undefined;
  /**
   * Longest token accepted, in characters, checked before any parsing. Default 16,384: room for a
   * user with the largest metadata the emulator stores (8 KiB of UTF-8 JSON, whose top-level keys
   * become claims) under any supported signature.
   */
  maxTokenLength?: number | undefined;
  /**
   * Seconds fetched keys are used before being fetched again. When unset, the endpoint's
   * `Cache-Control: max-age` decides (kept between 60 s and 24 h), or 600 s without one.
   */
  jwksCacheMaxAge?: number | undefined;
  /**
   * Least seconds between two fetches of the keys caused by unknown `kid`s or failed refreshes
   * (default 30).
   */
  jwksCooldown?: number | undefined;
  /**
   * Longest time, in seconds, keys are used without being confirmed by a successful fetch of the
   * JWKS (or read from a `jwksCache` entry that is younger), default 86,400 (24 h), from 60 to
   * 604,800 (7 days). Past their lifetime, cached keys keep verifying while they are refreshed
   * in the background; past `maxStale` (a JWKS unreachable all that time), `verifyToken` waits
   * for one fetch and throws `jwks_unavailable` when it fails, so a key Protekt withdrew is not
   * trusted for ever behind a blocked network. Keys are refreshed after at most half of it.
   * Static keys (`jwks`) are not concerned.
   */
  maxStale?: number | undefined;
  /**
   * Cache of tokens already verified, so that the same token verified again costs a map lookup.
   * Expiry and revocation are still checked on every hit. `false` turns it off. Default `{ max:
   * 1000 }`.
   */
  verifiedCache?: boolean | VerifiedCacheOptions | undefined;
}

/** The names of the token options (for the unknown-option check and the clean copy). */
export const TOKEN_OPTION_NAMES = [
  'clockTolerance',
  'revocationCheck',
  'jwks',
  'jwksCache',
  'revocationCache',
  'maxTokenLength',
  'jwksCacheMaxAge',
  'jwksCooldown',
  'maxStale',
  'verifiedCache',
] as const;

/** Options with every default applied. Internal. */
export interface ResolvedTokenOptions {
  clockTolerance: number;
  revocation: { maxAge: number; failClosed: boolean; acceptBeforeCheck: boolean } | null;
  staticKeys: readonly unknown[] | null;
  store: JwksCacheStore | null;
  revocationStore: RevocationCacheStore | null;
  maxTokenLength: number;
  jwksCacheMaxAge: number | null;
  jwksCooldown: number;
  /** Seconds. */
  maxStale: number;
  verifiedCacheMax: number;
}

/** @internal A configuration mistake, found at construction: the message names the option. */
export const configError = (option: string, why: string): ProtektError =>
  new ProtektError('config_invalid', `Protekt option ${option} ${why}`, { details: { option } });

function fail(option: string, why: string): never {
  throw configError(option, why);
}

/** Refuses the first key of `options` not in `known` (`prefix` names the object holding it). */
export function refuseUnknownOptions(options: object, known: readonly string[], prefix = ''): void {
  const unknown = unknownOption(options, known);
  if (unknown) fail(prefix + unknown.name, unknown.why);
}

/**
 * @internal A number option within `min`–`max` (whole with `integer`), or `undefined`; `what`
 * describes it.
 */
export function checkNumber(
  value: unknown,
  option: string,
  min: number,
  max: number,
  integer: boolean | undefined,
  what: string,
): number | undefined {
  if (
    value !== undefined &&
    (typeof value !== 'number' ||
      !(value >= min && value <= max) ||
      (integer && !Number.isInteger(value)))
  ) {
    fail(option, `must be ${what}.`);
  }
  return value as number | undefined;
}

// A number option, from `min` to `max` (whole with `integer`), or `fallback` when unset. `name`
// is the option's full name (`revocationCheck.maxAge`), `options` the object holding its key.
function numberIn<T>(
  options: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
  fallback: T,
  what = 'a number of seconds',
  integer?: boolean,
): number | T {
  return (
    checkNumber(
      options[name.slice(name.lastIndexOf('.') + 1)],
      name,
      min,
      max,
      integer,
      `${what} between ${min} and ${max}`,
    ) ?? fallback
  );
}

/**
 * Checks the token options of a client and applies the defaults, in one pass. Keys that are not
 * token options are ignored, so the whole client options object may be passed (the client has
 * checked that it is an object). Internal.
 *
 * @throws {ProtektError} `config_invalid` naming the option, e.g. when `clockTolerance` is
 *   negative or above 60 seconds.
 */
export function resolveTokenOptions(
  options: TokenOptions & Record<string, unknown>,
): ResolvedTokenOptions {
  return {
    clockTolerance: numberIn(options, 'clockTolerance', 0, 60, 5),
    revocation: resolveRevocationCheck(options.revocationCheck),
    staticKeys: checkStaticKeys(options.jwks),
    store: checkStore(options.jwksCache, 'jwksCache') as JwksCacheStore | null,
    revocationStore: checkStore(
      options.revocationCache,
      'revocationCache',
    ) as RevocationCacheStore | null,
    maxTokenLength: numberIn(
      options,
      'maxTokenLength',
      64,
      1_048_576,
      TOKEN_MAX_LENGTH,
      'a whole number of characters',
      true,
    ),
    jwksCacheMaxAge: numberIn(options, 'jwksCacheMaxAge', 1, 86_400, null),
    jwksCooldown: numberIn(options, 'jwksCooldown', 0, 3600, 30),
    maxStale: numberIn(options, 'maxStale', 60, 604_800, 86_400),
    verifiedCacheMax: resolveVerifiedCache(options.verifiedCache),
  };
}

/** `revocationCheck`: `false` (off), `true` or an object `{ maxAge, failClosed }`. */
function resolveRevocationCheck(check: unknown): ResolvedTokenOptions['revocation'] {
  if (check === false) return null;
  if (!(isRecord(check) || check === true || check === undefined)) {
    fail('revocationCheck', 'must be false, true or an object { maxAge, failClosed }.');
  }
  // Own properties only: a polluted Object.prototype must not set maxAge or failClosed.
  const given = ownProps(isRecord(check) ? check : {});
  refuseUnknownOptions(given, REVOCATION_OPTION_NAMES, 'revocationCheck.');
  const maxAge = numberIn(given, 'revocationCheck.maxAge', 0, 86_400, 30);
  const { failClosed = false, acceptBeforeCheck = false } = given;
  for (const [name, value] of [
    ['failClosed', failClosed],
    ['acceptBeforeCheck', acceptBeforeCheck],
  ])
    if (typeof value !== 'boolean') fail(`revocationCheck.${name}`, 'must be a boolean.');
  // Failing closed means refusing what was not checked: it cannot go with accepting before.
  if (failClosed && acceptBeforeCheck)
    fail('revocationCheck.acceptBeforeCheck', 'cannot be true with failClosed.');
  return { maxAge, failClosed, acceptBeforeCheck } as NonNullable<
    ResolvedTokenOptions['revocation']
  >;
}

const REVOCATION_OPTION_NAMES = ['maxAge', 'failClosed', 'acceptBeforeCheck'];

/** `jwks`: the static keys, `{ keys: [...] }` of objects, or `null` when not given. */
function checkStaticKeys(jwks: unknown): readonly unknown[] | null {
  if (jwks === undefined) return null;
  if (!(isRecord(jwks) && Array.isArray(jwks.keys) && jwks.keys.every(isRecord))) {
    fail('jwks', 'must be { keys: [...] } of objects.');
  }
  // Static keys are held to the rules a fetched set is: a set with private members is refused.
  const problem = jwksProblem(jwks.keys);
  if (problem) fail('jwks', `is refused: ${problem}.`);
  return jwks.keys;
}

/** `jwksCache`, `revocationCache`: an object with `get` and `set` methods, or `null` when not given. */
function checkStore(store: unknown, option: string): object | null {
  if (store === undefined) return null;
  if (!(isRecord(store) && typeof store.get === 'function' && typeof store.set === 'function')) {
    fail(option, 'must be an object with get and set methods.');
  }
  return store;
}

/** `verifiedCache`: `false` (0: off), `true` or `{ max }`; the most tokens kept. */
function resolveVerifiedCache(cache: unknown): number {
  if (cache === false) return 0;
  if (!(isRecord(cache) || cache === true || cache === undefined)) {
    fail('verifiedCache', 'must be false, true or an object { max }.');
  }
  const given = ownProps(isRecord(cache) ? cache : {});
  refuseUnknownOptions(given, ['max'], 'verifiedCache.');
  return numberIn(
    given,
    'verifiedCache.max',
    1,
    1_000_000,
    1000,
    'a whole number of entries',
    true,
  );
}

/**
 * Checks the token options of a client and returns a clean copy holding only them. Keys that
 * are not token options are ignored, so the whole client options object may be passed.
 *
 * @throws {ProtektError} `config_invalid` naming the option, as {@link resolveTokenOptions}.
 */
export function validateTokenOptions(options: unknown): TokenOptions {
  options ??= {};
  if (!isRecord(options))
    throw new ProtektError('config_invalid', 'Token options must be an object.', {
      details: { option: 'options' },
    });
  resolveTokenOptions(options);
  const given = ownProps(options ?? {}) as TokenOptions & Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of TOKEN_OPTION_NAMES) {
    const value = given[key];
    if (value !== undefined) out[key] = value;
  }
  const { revocationCheck, jwks, verifiedCache } = given;
  if (isRecord(revocationCheck)) {
    const { maxAge, failClosed, acceptBeforeCheck } = revocationCheck;
    out.revocationCheck = {
      ...(maxAge === undefined ? {} : { maxAge }),
      ...(failClosed === undefined ? {} : { failClosed }),
      ...(acceptBeforeCheck === undefined ? {} : { acceptBeforeCheck }),
    };
  }
  if (jwks) out.jwks = { keys: jwks.keys.slice() };
  if (isRecord(verifiedCache))
    out.verifiedCache = verifiedCache.max === undefined ? {} : { max: verifiedCache.max };
  return out as TokenOptions;
}
