/**
 * The `revocationCache` hook: revocation answers shared across isolates (Workers KV, the Cache
 * API), so that a fresh isolate does not ask Protekt again about a token another one has just
 * asked about. The hook is trusted no more than the network: an entry is used only when it was
 * written for this issuer and audience, is not dated in the future, and is younger than this
 * client's `maxAge` (a pass) — a store cannot stretch the revocation window. Each call waits at
 * most one attempt's timeout; a hook that throws, rejects or answers something else is logged and
 * ignored. Keys are a SHA-256 of the signed token's revocation key: no token, nor any part of one,
 * is written to the store.
 */
import { getCrypto } from '#crypto';
import { withSignal } from '../http/abort.js';
import { encodeBase64url } from '../util/base64url.js';
import { isRecord } from '../util/record.js';
import type { TokenErrorCode, TokenFailure } from './token-failure.js';

/** A revocation answer as persisted by a {@link RevocationCacheStore}. Times in ms since the epoch. */
export interface StoredRevocation {
  /** `valid` for a pass, else the refusal's code. */
  verdict: 'valid' | TokenErrorCode;
  /** When Protekt was asked (the request was sent): the answer ages from here. */
  checkedAt: number;
  /** The issuer the token was checked for (written by the SDK; required to be read back). */
  issuer: string;
  /** The audience (login id) the token was checked for (written by the SDK; required to be read back). */
  audience: string;
}

/**
 * A persistence hook for revocation answers, shared across isolates (e.g. Workers KV or the Cache
 * API). Read before asking Protekt about a token this isolate has no answer for; written after
 * each answer. `key` is a hash (43 base64url characters), never the token. A pass is used for at
 * most `revocationCheck.maxAge` from when it was asked, whatever the store keeps: `ttl` (seconds)
 * is how long keeping the entry is useful.
 */
export interface RevocationCacheStore {
  /** Returns the stored answer for a key, if any. */
  get(key: string): Promise<StoredRevocation | undefined | null>;
  /** Stores an answer just received; `ttl` is how many seconds it is of use. */
  set(key: string, value: StoredRevocation, ttl: number): Promise<void>;
}

/** What the store needs to know of the checker using it. */
export interface RevocationStoreLookup {
  store: RevocationCacheStore;
  issuer: string;
  audience: string;
  /** Seconds a pass is trusted. */
  maxAge: number;
  /** Longest wait for one call of the hook, in ms. */
  timeout: number;
  log: ((line: string) => void) | undefined;
}

/** A usable stored answer: the refusal's code (or `null`, a pass) and when it was asked (ms). */
export interface StoredAnswer {
  code: TokenErrorCode | null;
  checkedAt: number;
}

const VERDICTS = ['valid', 'token_revoked', 'token_expired', 'token_invalid'];

/** The store's key of a revocation key: base64url SHA-256, so nothing of the token is written. */
export async function storeKey(revocationKey: string): Promise<string> {
  const bytes = new TextEncoder().encode(revocationKey);
  return encodeBase64url(new Uint8Array(await getCrypto().subtle.digest('SHA-256', bytes)));
}

// One call of the hook, for one attempt's timeout at most; undefined when it failed (logged).
async function callStore(
  lookup: RevocationStoreLookup,
  run: () => Promise<unknown>,
  what: string,
): Promise<unknown> {
  try {
    // `await run()` inside: a store's rejected promise gets its handler at once (workerd reports
    // one that is only adopted a microtask later as unhandled).
    return await withSignal(
      (async () => await run())(),
      AbortSignal.timeout(lookup.timeout),
      (reason) => reason,
    );
  } catch (error) {
    const name = error instanceof Error ? error.name : 'error';
    lookup.log?.(`[Protekt] verifyToken: revocationCache.${what} failed (${name}); ignored`);
    return undefined;
  }
}

// Why a stored value is not used (undefined: it is).
function storedProblem(value: unknown, lookup: RevocationStoreLookup, now: number): string | null {
  if (!isRecord(value) || !VERDICTS.includes(value.verdict as string)) return 'not an answer';
  const { checkedAt, issuer, audience } = value;
  if (issuer !== lookup.issuer || audience !== lookup.audience)
    return 'written for another issuer or audience';
  if (typeof checkedAt !== 'number' || !Number.isFinite(checkedAt) || checkedAt > now)
    return 'checkedAt is not a past time';
  if (value.verdict === 'valid' && now - checkedAt >= lookup.maxAge * 1000)
    return 'older than maxAge';
  return null;
}

/** The stored answer for `key`, when the store holds one that may be used at `now`. */
export async function readStoredAnswer(
  lookup: RevocationStoreLookup,
  key: string,
  now: number,
): Promise<StoredAnswer | undefined> {
  const value = await callStore(lookup, () => lookup.store.get(key), 'get');
  if (value == null) return undefined;
  const problem = storedProblem(value, lookup, now);
  if (problem) {
    lookup.log?.(`[Protekt] verifyToken: revocationCache.get: entry refused (${problem}); ignored`);
    return undefined;
  }
  const { verdict, checkedAt } = value as unknown as StoredRevocation;
  return { code: verdict === 'valid' ? null : verdict, checkedAt };
}

/** Writes an answer to the store (`ttl`: seconds it is of use). Never rejects. */
export function writeStoredAnswer(
  lookup: RevocationStoreLookup,
  key: string,
  failure: TokenFailure | null,
  checkedAt: number,
  ttl: number,
): Promise<unknown> {
  const value: StoredRevocation = {
    verdict: failure ? failure.code : 'valid',
    checkedAt,
    issuer: lookup.issuer,
    audience: lookup.audience,
  };
  return callStore(lookup, () => lookup.store.set(key, value, Math.max(1, Math.ceil(ttl))), 'set');
}
