/**
 * `verifyToken`, put together: size and shape checks, the verified-token cache, the strict JWS
 * parse, the key pinned by `kid`, the WebCrypto signature check, the claim rules, then the remote
 * revocation check. Expected failures come back in `error`; only an outage that leaves no usable
 * key (and, with fail-closed revocation, an unreachable revocation check) throws.
 */
import type { ApiRequest, ApiResponse } from '../http/types.js';
import { checkRequestOptions } from '../http/transport.js';
import { ProtektError } from '../errors/protekt-error.js';
import type { DefaultMetadata, ProtektClaims, ProtektUser, RequestOptions, VerifyTokenResult } from '../types.js';
import { checkClaims, checkTimes, type ClaimRules, userFromClaims } from './claims.js';
import { type Failure, invalid } from './failure.js';
import { jwksTtl, keySet, type KeyLookup, parseMaxAge, sharedKeySet } from './jwks-cache.js';
import { decodeSegment, parseCompactJws } from './jws.js';
import { importVerificationKey, type VerificationKey, verifySignature } from './keys.js';
import { resolveTokenOptions, type TokenOptions } from './options.js';
import { revocationChecker } from './revocation.js';
import { canShareInFlight } from '../runtime/in-flight.js';
import { LruCache } from './verified-cache.js';

/**
 * What the client gives its token verifier. `M` is the client's metadata type (carried for
 * symmetry with {@link createTokenVerifier}; the config does not depend on it).
 */
export interface TokenVerifierConfig<M extends object = DefaultMetadata> {
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
  /** Longest wait for the `jwksCache` hook, in ms: the client's per-attempt timeout. */
  timeout: number;
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
   *   `jwks_unavailable` when no signing key is cached and the JWKS cannot be
   *   fetched; the transport's error when revocation is fail-closed and the check cannot be
   *   completed; `invalid_api_key` or `aborted` from the revocation check.
   */
  verify(token: unknown, options?: RequestOptions): Promise<VerifyTokenResult<M>>;
}

// What a cache hit needs: the key (still published?), the frozen claims (times, jti) and user,
// and the signature segment (the revocation cache key of a token without jti).
interface VerifiedEntry<M extends object> {
  key: VerificationKey;
  claims: ProtektClaims;
  user: ProtektUser<M>;
  signatureSegment: string;
}

// A cached token whose key left the JWKS (or was replaced under the same kid): it cannot verify.
const keyGone = (): Failure => invalid('kid', 'The token\'s key is no longer published.');

// Names the usual mix-ups (a refresh token, an MFA token, the whole Authorization header) when a
// string is not a JWS at all; otherwise keeps the parser's reason.
function notAJws(token: string, failure: Failure): Failure {
  if (token.startsWith('rt_')) return invalid('refresh_token', 'This is a refresh token, not an access token.');
  if (token.startsWith('mfa_tmp_')) return invalid('mfa_token', 'This is an MFA token, not an access token.');
  if (/^bearer\s/i.test(token)) return invalid('bearer', 'Pass the token without its "Bearer " prefix.');
  return failure;
}

const refused = <M extends object>(error: Failure): VerifyTokenResult<M> => ({ user: null, claims: null, error });

/**
 * Creates the verifier behind `protekt.auth.verifyToken`. Options are validated here, so a bad
 * option throws `config_invalid` at once.
 */
export function createTokenVerifier<M extends object = DefaultMetadata>(config: TokenVerifierConfig<M>): TokenVerifier<M> {
  const opts = resolveTokenOptions(config.options as TokenOptions & Record<string, unknown>);
  const { log, send, jwksUrl: url } = config;
  const { clockTolerance: tolerance, maxTokenLength: maxLength, revocation: revocationOptions } = opts;
  const rules: ClaimRules = { issuer: config.issuer, audience: config.audience, tolerance };
  const keys = opts.staticKeys ? keySet(opts.staticKeys, log) : sharedKeySet(config.fetchIdentity, url);
  const ttl = (maxAge: number | undefined): number => jwksTtl(opts.jwksCacheMaxAge, maxAge);
  const lookup: KeyLookup = {
    url,
    async fetchJwks(signal) {
      const { status, data, error, headers } = await send({ method: 'GET', path: '/.well-known/jwks.json', options: signal ? { signal } : undefined });
      if (error || !data) throw new ProtektError('invalid_response', `The JWKS endpoint answered HTTP ${status}.`, { status });
      if (!Array.isArray(data.keys)) throw new ProtektError('invalid_response', 'The JWKS answer has no "keys" array.', { status });
      return { keys: data.keys as unknown[], maxAge: parseMaxAge(headers.get('cache-control')) };
    },
    ttl,
    cooldownMs: opts.jwksCooldown * 1000,
    store: opts.store,
    timeout: config.timeout,
    log,
  };
  const verified = opts.verifiedCacheMax > 0 ? new LruCache<VerifiedEntry<M>>(opts.verifiedCacheMax) : null;
  const revocation = revocationOptions && revocationChecker({ send, ...revocationOptions, log });

  const verify = async (token: unknown, options?: RequestOptions): Promise<VerifyTokenResult<M>> => {
    checkRequestOptions(options);
    if (typeof token !== 'string') return refused(invalid('type', 'The token is not a string.'));
    if (token.length === 0) return refused(invalid('empty', 'The token is empty.'));
    if (token.length > maxLength) return refused(invalid('size', `The token is longer than ${maxLength} characters.`));
    const now = config.now();
    const signal = options?.signal;

    let entry = verified?.get(token);
    if (entry) {
      // A hit re-validates what may have changed since: the key still published, the clock.
      const key = entry.key;
      let current = key.retired ? undefined : keys(key.kid, lookup, now, signal);
      if (current instanceof Promise) current = await current;
      if (current !== key || key.retired) {
        verified!.delete(token);
        return refused(keyGone());
      }
      const timeFailure = checkTimes(entry.claims, now, tolerance);
      if (timeFailure) {
        if (timeFailure.code === 'token_expired') verified!.delete(token);
        return refused(timeFailure);
      }
    } else {
      const parsed = parseCompactJws(token);
      if ('code' in parsed) return refused(notAJws(token, parsed));
      const { alg, kid } = parsed.header;
      let key = keys(kid, lookup, now, signal);
      if (key instanceof Promise) key = await key;
      if (!key) return refused(invalid('kid', 'The token\'s key is not published.'));
      if (key.alg !== alg) return refused(invalid('alg', 'The token alg is not its key\'s.'));
      const cryptoKey = key.key ?? (await importVerificationKey(key, canShareInFlight()));
      if (!cryptoKey) return refused(invalid('key', 'The token\'s key could not be used.'));
      let valid: boolean;
      try {
        valid = await verifySignature(key, cryptoKey, parsed.signature, parsed.signingInput);
      } catch {
        valid = false;
      }
      if (!valid) return refused(invalid('signature', 'The token signature is invalid.'));
      const decoded = decodeSegment(parsed.payloadSegment, 'payload');
      if ('code' in decoded) return refused(decoded);
      const checked = checkClaims(decoded.json, rules, now);
      if ('code' in checked) return refused(checked);
      entry = { key, claims: checked.claims, user: undefined as never, signatureSegment: parsed.signatureSegment };
    }

    if (revocation) {
      const { claims } = entry;
      // Keyed by the signature, never the jti: a jti is the issuer's to choose and may repeat.
      let revoked = revocation(token, entry.signatureSegment, claims.exp, now, options);
      if (revoked instanceof Promise) revoked = await revoked;
      if (revoked) {
        // Forget the token, so no later fail-open can bring it back from this cache.
        verified?.delete(token);
        return refused(revoked);
      }
    }

    if (!entry.user) {
      // Built and frozen once: the same objects may be returned for the same token again.
      entry.user = userFromClaims<M>(entry.claims);
      if (verified && !entry.key.retired) verified.set(token, entry);
    }
    return { user: entry.user, claims: entry.claims, error: null };
  };

  return { verify };
}
