/**
 * `verifyToken`, put together: size and shape checks, the verified-token cache, the strict JWS
 * parse, the key pinned by `kid`, the WebCrypto signature check, the claim rules, then the remote
 * revocation check. Expected failures come back in `error`; only an outage that leaves no usable
 * key (and, with fail-closed revocation, an unreachable revocation check) throws.
 */
import type { ApiRequest, ApiResponse } from '../http/types.js';
import { checkRequestOptions } from '../http/transport.js';
import { abortedError, withSignal } from '../http/abort.js';
import { callBudget } from '../http/retry.js';
import { ProtektError } from '../errors/protekt-error.js';
import type {
  DefaultMetadata,
  ProtektClaims,
  ProtektUser,
  RequestOptions,
  VerifyTokenOptions,
  VerifyTokenResult,
} from '../types.js';
import { checkClaims, checkTimes, type ClaimRules, userFromClaims } from './claims.js';
import { invalidToken, tokenFailure, type TokenFailure } from './token-failure.js';
import { LocalRevocations, readUnverified } from './local-revocations.js';
import {
  type FetchedJwks,
  jwksTtl,
  KeySet,
  type KeyLookup,
  parseMaxAge,
  sharedKeySet,
} from './jwks-cache.js';
import { decodeSegment, parseCompactJws, type ParsedJws } from './jws.js';
import { importVerificationKey, type VerificationKey, verifySignature } from './keys.js';
import { resolveTokenOptions, type TokenOptions } from './options.js';
import { type CheckContext, RevocationChecker, revocationKey, slotOf } from './revocation.js';
import { LruCache } from '../util/lru-cache.js';
import { own } from '../util/record.js';

/** What the client gives its token verifier. */
export interface TokenVerifierConfig {
  /** `${baseUrl}/.well-known/jwks.json`: the key of the shared JWKS cache. */
  jwksUrl: string;
  /** Expected `iss`: the origin of the base URL, e.g. `https://auth.protekt.io`. */
  issuer: string;
  /** Expected audience: the client's login id, which `aud` must be or contain. */
  audience: string;
  /** The client's transport (timeouts, retries, project key). */
  send: (req: ApiRequest) => Promise<ApiResponse>;
  /** The fetch function in use (or an object standing for it): scopes the shared JWKS cache. */
  fetchIdentity: object;
  /** Token options from the client constructor. */
  options: TokenOptions;
  /** Clock in milliseconds since the epoch. */
  now: () => number;
  /**
   * The client's per-attempt timeout, in ms: the longest wait for the `jwksCache` hook, for a
   * fetch of the keys, and for a revocation check.
   */
  timeout: number;
  /**
   * The longest one request of `send` takes, every attempt and retry wait included (default: with
   * the client's default retries): on Workers, how long a verification waits for a JWKS fetch
   * another request started before taking it for lost.
   */
  fetchBudget?: number | undefined;
  /** Debug logger, when `debug` is on. */
  log?: ((line: string) => void) | undefined;
}

/** A token verifier bound to one client: its issuer, audience, options and caches. */
export interface TokenVerifier<M extends object = DefaultMetadata> {
  /**
   * Verifies an access token. Resolves `{ user, claims, error: null }` for a valid token, or
   * `{ user: null, claims: null, error }` with code `token_invalid`, `token_expired` or
   * `token_revoked` (status 401) for any bad input, whatever its type or size. The returned
   * `user` and `claims` are frozen: the same objects may be returned for the same token again.
   *
   * @throws {ProtektError} `invalid_argument` for malformed per-call options (as every method);
   *   `jwks_unavailable` when no signing key is cached, or none was confirmed within
   *   `maxStale`, and the JWKS cannot be fetched; the transport's error when revocation is fail-closed and the check cannot be
   *   completed; `invalid_api_key` or `aborted` from the revocation check.
   */
  verify(token: unknown, options?: VerifyTokenOptions): Promise<VerifyTokenResult<M>>;
  /** What this client ended, refused by `verify` from now on (see {@link TokenEndings}). */
  readonly endings: TokenEndings;
}

/**
 * Tells the verifier what this client just ended, so that its `verify` refuses those tokens at
 * once (`token_revoked`) instead of trusting its caches until they expire.
 */
export interface TokenEndings {
  /** `auth.revokeToken`: this token (an access token; anything else is ignored). */
  token(token: string): void;
  /** `auth.logout`: this access token and every token of its session. */
  sessionOf(accessToken: string): void;
  /** `sessions.revoke`: every token of the session `sid`. */
  session(sid: string): void;
  /**
   * `sessions.revokeAll` and `auth.changePassword`: every token of the user of `accessToken` this
   * client has verified, but those of its own session when `keepCurrent`.
   */
  sessionsOfUser(accessToken: string, keepCurrent: boolean): void;
  /** `users.delete` and `users.update({ disabled })`: every token of the user, or none any more. */
  user(userId: string, ended: boolean): void;
}

// What a cache hit needs: the key (still published?), the frozen claims (times, exp) and user
// (built on first success), and the revocation key (see revocationKey: one per signed content).
interface VerifiedEntry<M extends object> {
  // The token itself: entries are found by its last characters (slotOf), then compared whole.
  token: string;
  key: VerificationKey;
  claims: ProtektClaims;
  user: ProtektUser<M> | undefined;
  revocationKey: string;
}

// Everything one verifier holds, fixed when it is created: its rules, its key set and its caches,
// and how it fetches and judges its JWKS (the KeyLookup its key set is asked with).
interface VerifierState<M extends object> extends KeyLookup {
  rules: ClaimRules;
  local: LocalRevocations;
  maxLength: number;
  now: () => number;
  keys: KeySet;
  verified: LruCache<VerifiedEntry<M>> | null;
  revocation: RevocationChecker | null;
}

/**
 * Creates the verifier behind `protekt.auth.verifyToken`. Options are validated here, so a bad
 * option throws `config_invalid` at once.
 */
export function createTokenVerifier<M extends object = DefaultMetadata>(
  config: TokenVerifierConfig,
): TokenVerifier<M> {
  const opts = resolveTokenOptions(config.options as TokenOptions & Record<string, unknown>);
  const { log, send, jwksUrl: url, issuer, timeout, now } = config;
  const state: VerifierState<M> = {
    rules: { issuer, audience: config.audience, tolerance: opts.clockTolerance },
    local: new LocalRevocations(opts.clockTolerance),
    maxLength: opts.maxTokenLength,
    now,
    keys: opts.staticKeys
      ? new KeySet(opts.staticKeys, log)
      : sharedKeySet(config.fetchIdentity, url),
    verified:
      opts.verifiedCacheMax > 0 ? new LruCache<VerifiedEntry<M>>(opts.verifiedCacheMax) : null,
    revocation:
      opts.revocation &&
      new RevocationChecker({
        send,
        ...opts.revocation,
        timeout,
        now,
        log,
        store: opts.revocationStore && {
          store: opts.revocationStore,
          issuer,
          audience: config.audience,
        },
      }),
    // How this verifier fetches its JWKS and judges it (see KeyLookup).
    url,
    issuer,
    fetchJwks: (signal) => fetchJwks(send, signal),
    ttl: (maxAge) => jwksTtl(opts.jwksCacheMaxAge, maxAge),
    cooldownMs: opts.jwksCooldown * 1000,
    maxStaleMs: opts.maxStale * 1000,
    store: opts.store,
    timeout,
    fetchBudget: config.fetchBudget ?? callBudget(timeout, 2, 10_000),
    log,
  };
  return {
    verify: (token, options) => verifyUnderSignal(state, token, options),
    endings: tokenEndings(state),
  };
}

// What the resources tell the verifier after a call that ended tokens (see TokenEndings).
function tokenEndings<M extends object>(state: VerifierState<M>): TokenEndings {
  const { local } = state;
  const ownSession = (accessToken: string) => readUnverified(accessToken);
  return {
    token(token) {
      const read = ownSession(token);
      if (read) local.endToken(read.key);
    },
    sessionOf(accessToken) {
      const read = ownSession(accessToken);
      if (!read) return;
      local.endToken(read.key);
      if (read.claims.sid) local.endSession(read.claims.sid);
    },
    session: (sid) => local.endSession(sid),
    sessionsOfUser(accessToken, keepCurrent) {
      const read = ownSession(accessToken);
      if (!read?.claims.sub) return;
      if (!keepCurrent) local.endToken(read.key);
      endVerifiedTokensOf(state, read.claims.sub, keepCurrent ? read.claims.sid : undefined);
    },
    user(userId, ended) {
      if (ended) local.endUser(userId, state.now());
      else local.reopenUser(userId);
    },
  };
}

// Ends every token of `sub` this verifier holds (but those of the session `keep`): the user's
// other sessions were ended, and tokens it never verified go to the remote check anyway. Without
// a verified-token cache the tokens cannot be told apart: every cached pass is forgotten instead.
function endVerifiedTokensOf<M extends object>(
  state: VerifierState<M>,
  sub: string,
  keep: string | undefined,
): void {
  if (!state.verified) {
    state.revocation?.forgetPasses();
    return;
  }
  for (const [, { claims, revocationKey: key }] of state.verified.entries()) {
    if (claims.sub === sub && (keep === undefined || claims.sid !== keep)) {
      state.local.endToken(key);
    }
  }
}

// Fetches the JWKS endpoint through the client's transport: its keys and `max-age`.
async function fetchJwks(
  send: TokenVerifierConfig['send'],
  signal: AbortSignal | undefined,
): Promise<FetchedJwks> {
  // `data` is null unless the answer was a 2xx JSON object.
  const { status, data, headers } = await send({
    method: 'GET',
    path: '/.well-known/jwks.json',
    options: { signal },
  });
  const keys = data ? own(data, 'keys') : undefined;
  if (!Array.isArray(keys))
    throw new ProtektError(
      'invalid_response',
      `The JWKS endpoint answered HTTP ${status} without a "keys" array.`,
      { status },
    );
  return { keys, maxAge: parseMaxAge(headers.get('cache-control')) };
}

// The caller's signal ends a verification at any stage, also one that awaits no network (a cached
// key and answer, a key import, the signature check).
async function verifyUnderSignal<M extends object>(
  state: VerifierState<M>,
  input: unknown,
  options: VerifyTokenOptions | undefined,
): Promise<VerifyTokenResult<M>> {
  const { request, waitUntil } = splitVerifyOptions(options);
  const signal = checkRequestOptions(request)?.signal;
  // Awaited here, so that a rejection is handled at once (workerd reports one handled later).
  return await withSignal(verifyToken(state, input, request, waitUntil), signal);
}

// `waitUntil` (the one option of verifyToken that is not a request option), checked and taken
// apart from the request options the revocation check passes on.
function splitVerifyOptions(options: VerifyTokenOptions | undefined): {
  request: RequestOptions | undefined;
  waitUntil: CheckContext['waitUntil'];
} {
  if (typeof options !== 'object' || options === null || !Object.hasOwn(options, 'waitUntil'))
    return { request: options, waitUntil: undefined };
  const { waitUntil, ...request } = options;
  if (waitUntil !== undefined && typeof waitUntil !== 'function') {
    throw new ProtektError(
      'invalid_argument',
      'The per-call option waitUntil must be a function.',
      {
        details: { option: 'waitUntil' },
      },
    );
  }
  return { request, waitUntil };
}

// One verification: a cached entry re-checked, or a full verification; then revocation. A token
// verified before, with its key set fresh and its revocation answer cached, awaits nothing.
async function verifyToken<M extends object>(
  state: VerifierState<M>,
  input: unknown,
  options: RequestOptions | undefined,
  waitUntil?: CheckContext['waitUntil'],
): Promise<VerifyTokenResult<M>> {
  checkRequestOptions(options);
  const signal = options?.signal;
  if (signal?.aborted) throw abortedError(signal.reason);
  const token = checkInput(input, state.maxLength);
  if (typeof token !== 'string') return refuse(state, token);
  const now = state.now();
  const { keys, verified, revocation } = state;

  // Found by the token's last characters (see slotOf), so a token arriving as a new string is not
  // hashed whole; then compared whole.
  let entry = verified?.get(slotOf(token));
  if (entry && entry.token !== token) entry = undefined;
  if (entry) {
    // A hit re-validates what may have changed since: the key still published, the clock.
    const { key } = entry;
    const published = key.retired
      ? undefined
      : (keys.cachedKey(key.kid, state, now) ??
        (await keys.resolveKey(key.kid, state, now, signal)));
    const failure = checkCachedEntry(state, token, entry, published, now);
    if (failure) return refuse(state, failure);
  } else {
    const fresh = await verifyFresh(state, token, now, signal);
    if ('code' in fresh) return refuse(state, fresh);
    entry = fresh;
  }

  if (state.local.ended(entry.claims, entry.revocationKey)) {
    verified?.delete(slotOf(token));
    return refuse(state, endedHere());
  }
  if (revocation) {
    let revoked = revocationVerdict(revocation, token, entry, now, options, waitUntil);
    if (revoked instanceof Promise) revoked = await revoked;
    if (revoked) {
      // Forget the token, so no later fail-open can bring it back from this cache.
      verified?.delete(slotOf(token));
      return refuse(state, revoked);
    }
  }
  return accepted(state, token, entry);
}

// The revocation verdict of a locally valid token: its cached answer at once (refreshed ahead in
// the background when due), else the check to await. Keyed by the signed content, never the jti:
// a jti is the issuer's to choose and may repeat.
function revocationVerdict<M extends object>(
  revocation: RevocationChecker,
  token: string,
  entry: VerifiedEntry<M>,
  now: number,
  options: RequestOptions | undefined,
  waitUntil: CheckContext['waitUntil'],
): TokenFailure | null | Promise<TokenFailure | null> {
  const key = entry.revocationKey;
  const { exp } = entry.claims;
  const cached = revocation.cachedAnswer(key, now, { token, exp, waitUntil });
  return cached !== undefined ? cached : revocation.check(token, key, exp, now, options, waitUntil);
}

// The checks made before anything else: a string, not empty, not too long. Returns the token, or
// the failure.
function checkInput(token: unknown, maxLength: number): string | TokenFailure {
  if (typeof token !== 'string') {
    return invalidToken(
      'type',
      'The token is not a string: pass the value after "Bearer " in the Authorization header.',
    );
  }
  if (token.length === 0)
    return invalidToken('empty', 'The token is empty: did the request carry one?');
  if (token.length > maxLength) {
    const failure = invalidToken(
      'size',
      `The token is longer than maxTokenLength (${maxLength} characters).`,
    );
    return explained(failure, `${token.length} characters`);
  }
  return token;
}

// A cached verification, re-checked: its key must still be the one `published` under its kid, and
// its times must still hold. An entry that can never pass again is dropped.
function checkCachedEntry<M extends object>(
  state: VerifierState<M>,
  token: string,
  entry: VerifiedEntry<M>,
  published: VerificationKey | undefined,
  now: number,
): TokenFailure | null {
  const { key } = entry;
  if (published !== key || key.retired) {
    // Its key left the JWKS (or was replaced under the same kid): it can never verify again.
    state.verified!.delete(slotOf(token));
    return invalidToken(
      'kid',
      "The token's key has left the JWKS (rotated out): the user must sign in again.",
    );
  }
  const timeFailure = checkTimes(entry.claims, now, state.rules.tolerance);
  if (timeFailure?.code === 'token_expired') state.verified!.delete(slotOf(token));
  return timeFailure;
}

// A token not verified before: parse, key, signature, claims. Returns the entry to cache (its
// user not built yet), or the first failure.
async function verifyFresh<M extends object>(
  state: VerifierState<M>,
  token: string,
  now: number,
  signal: AbortSignal | undefined,
): Promise<VerifiedEntry<M> | TokenFailure> {
  const parsed = parseCompactJws(token);
  if ('code' in parsed) return notAJws(token, parsed);
  const { alg, kid } = parsed.header;
  const { keys } = state;
  const key = keys.cachedKey(kid, state, now) ?? (await keys.resolveKey(kid, state, now, signal));
  if (!key) {
    const failure = invalidToken(
      'kid',
      "The token's kid is not in the JWKS: it is from another environment, or its key was rotated out.",
    );
    return explained(failure, `kid ${quoted(kid)} is not published at ${state.url}`);
  }
  if (key.alg !== alg) {
    // Both are fixed names (the header's alg was checked against RS256, ES256 and EdDSA).
    return invalidToken('alg', `The token's alg (${alg}) is not its key's (${key.alg}).`);
  }
  const signatureFailure = await checkSignature(key, parsed);
  if (signatureFailure) return signatureFailure;
  const decoded = decodeSegment(parsed.payloadSegment, 'payload');
  if ('code' in decoded) return decoded;
  const claimsFailure = checkClaims(decoded.json, state.rules, now);
  if (claimsFailure) return explainClaims(claimsFailure, decoded.json, state.rules);
  return {
    token,
    key,
    claims: decoded.json as ProtektClaims,
    user: undefined,
    revocationKey: revocationKey(alg, parsed.signature, parsed.signatureSegment),
  };
}

// The WebCrypto check of the signature with the token's key (imported on first use).
async function checkSignature(
  key: VerificationKey,
  parsed: ParsedJws,
): Promise<TokenFailure | null> {
  const cryptoKey = key.key ?? (await importVerificationKey(key));
  if (!cryptoKey) {
    return invalidToken(
      'key',
      "The token's key could not be imported into WebCrypto (malformed or unsupported JWK).",
    );
  }
  try {
    if (await verifySignature(key, cryptoKey, parsed.signature, parsed.signingInput)) return null;
  } catch {
    // A WebCrypto error counts as a signature that does not verify.
  }
  return invalidToken(
    'signature',
    'The token signature is invalid: the token was altered or not signed by its key.',
  );
}

// The success: user and claims, built and frozen once (the same objects may be returned for the
// same token again), and the entry cached while its key stands.
function accepted<M extends object>(
  state: VerifierState<M>,
  token: string,
  entry: VerifiedEntry<M>,
): VerifyTokenResult<M> {
  if (!entry.user) {
    entry.user = userFromClaims<M>(entry.claims);
    if (state.verified && !entry.key.retired) state.verified.set(slotOf(token), entry);
  }
  return { user: entry.user, claims: entry.claims, error: null };
}

// Names the usual mix-ups (a refresh token, an MFA token, the whole Authorization header) when a
// string is not a JWS at all; otherwise keeps the parser's reason.
function notAJws(token: string, failure: TokenFailure): TokenFailure {
  if (token.startsWith('rt_'))
    return invalidToken('refresh_token', 'This is a refresh token: pass the access token.');
  if (token.startsWith('mfa_tmp_'))
    return invalidToken(
      'mfa_token',
      'This is an MFA token: complete the MFA challenge to get an access token.',
    );
  if (/^bearer\s/i.test(token))
    return invalidToken('bearer', 'Pass the token without its "Bearer " prefix.');
  return failure;
}

// A token this client itself ended (see LocalRevocations).
const endedHere = (): TokenFailure =>
  tokenFailure(
    'token_revoked',
    'ended_here',
    'The token was ended by this client (logout, revoked session, user disabled or deleted): the user must sign in again.',
  );

// What a refusal's debug line adds to its code and reason: the expected and the found value of a
// claim, the kid, the size. Kept beside the failure, never in it: the error users see and send
// back stays the fixed text, and no line ever holds the token itself.
const refusalDetails = new WeakMap<TokenFailure, string>();

function explained(failure: TokenFailure, detail: string): TokenFailure {
  refusalDetails.set(failure, detail);
  return failure;
}

// A value from the token, quoted and cut short for a debug line.
const quoted = (value: unknown): string => (JSON.stringify(value) ?? String(value)).slice(0, 100);

// The issuer or audience found, beside the one expected: the usual misconfiguration (a client on
// localhost with tokens minted on 127.0.0.1, a wrong loginId).
function explainClaims(
  failure: TokenFailure,
  claims: Record<string, unknown>,
  rules: ClaimRules,
): TokenFailure {
  const { reason } = failure.details;
  if (reason === 'iss')
    return explained(failure, `expected ${rules.issuer}, found ${quoted(claims.iss)}`);
  if (reason === 'aud') {
    return explained(failure, `expected ${rules.audience} in aud, found ${quoted(claims.aud)}`);
  }
  return failure;
}

// A refused verification: one debug line with its code, reason and detail, and the result.
function refuse<M extends object>(
  state: VerifierState<M>,
  error: TokenFailure,
): VerifyTokenResult<M> {
  const detail = refusalDetails.get(error);
  state.log?.(
    `[Protekt] verifyToken: refused ${error.code} (${error.details.reason})${detail ? `: ${detail}` : ''}`,
  );
  return { user: null, claims: null, error };
}
