/**
 * The remote revocation check that follows a successful local verification: `POST
 * /auth/token/verify`, its answer cached per token (by `jti`, else by signature) for `maxAge`
 * seconds, so that a revoked token is refused at the latest `maxAge` seconds after revocation.
 *
 * When the check cannot be completed (network failure, timeout, 5xx, rate limit), the local
 * answer stands and the miss is debug-logged (fail-open), unless the client chose fail-closed:
 * then the `ProtektError` is thrown, for a middleware to answer 503. After such a miss, checks are
 * not attempted again for a short while (`min(maxAge, 5)` seconds): verifications then fail open
 * (or closed) at once instead of each waiting on a failing network. A rejected project API key
 * and an abort by the caller are always thrown.
 */
import type { ApiRequest, ApiResponse } from '../http/types.js';
import { ProtektError } from '../errors/protekt-error.js';
import type { ThrownErrorCode } from '../errors/codes.js';
import type { RequestOptions } from '../types.js';
import { failure, type Failure, type TokenErrorCode } from './failure.js';
import { canShareInFlight, shareInFlight } from './runtime.js';
import { LruCache } from './verified-cache.js';

/** Settings of a {@link RevocationChecker}. */
export interface RevocationConfig {
  /** The client's transport. */
  send: (req: ApiRequest) => Promise<ApiResponse>;
  /** Seconds an answer is trusted (0: ask every time). */
  maxAge: number;
  /** Throw instead of failing open. */
  failClosed: boolean;
  /** Debug logger. */
  log: ((line: string) => void) | undefined;
  /** Most answers kept. */
  max?: number;
}

/** What the revocation check needs to know of a locally verified token. */
export interface CheckedToken {
  /** The token itself (sent to the API, never logged). */
  token: string;
  /** Its `jti`, when it has one. */
  jti: string | undefined;
  /** Its signature segment (cache key when there is no `jti`). */
  signatureSegment: string;
  /** Its expiry, in seconds since the epoch. */
  exp: number;
}

interface Answer {
  failure: Failure | null;
  until: number;
}

/** Asks Protekt whether tokens were revoked, remembering the answers. One per verifier. */
export interface RevocationChecker {
  /** The cached answer for a token, if still fresh: `null` (not revoked), a failure, or `undefined`. */
  cached(token: CheckedToken, now: number): Failure | null | undefined;
  /**
   * Checks a token: cached answer, else the API. Resolves `null` when the token may be accepted
   * (not revoked, or the check failed open), else the failure to return.
   *
   * @throws {ProtektError} when the check failed and `failClosed` is set, when the project API
   *   key is rejected, or when the caller aborted.
   */
  check(token: CheckedToken, now: number, options: RequestOptions | undefined): Promise<Failure | null>;
}

// What each refusal of the API says.
const REFUSALS: Record<TokenErrorCode, string> = {
  token_revoked: 'The token was revoked.',
  token_expired: 'Protekt reports the token as expired.',
  token_invalid: 'Protekt reports the token as invalid.',
};

// Thrown by the transport for reasons that are not an outage: never turned into fail-open.
const ALWAYS_THROWN = ['aborted', 'invalid_api_key', 'config_invalid'];

/** Creates the revocation check of one verifier. */
export function revocationChecker({ send, maxAge, failClosed, log, max = 10_000 }: RevocationConfig): RevocationChecker {
  const answers = new LruCache<Answer>(max);
  const inflight = new Map<string, Promise<Failure | null>>();
  // After an unreachable check: until when checks are skipped (for min(maxAge, 5) s), and why.
  let downUntil = 0;
  let downCode: ThrownErrorCode = 'service_unavailable';
  const down = (at: number, code: ThrownErrorCode): void => {
    downUntil = at + Math.min(maxAge * 1000, 5000);
    downCode = code;
  };
  const failOpen = (why: string): null => {
    log?.(`[Protekt] verifyToken: revocation check ${why}; token accepted (fail-open)`);
    return null;
  };

  const ask = async (token: CheckedToken, key: string, sentAt: number, options: RequestOptions | undefined): Promise<Failure | null> => {
    let response: ApiResponse;
    try {
      response = await send({ method: 'POST', path: '/auth/token/verify', body: { token: token.token }, options });
    } catch (error) {
      if (!(error instanceof ProtektError) || ALWAYS_THROWN.includes(error.code)) throw error;
      down(sentAt, error.code);
      if (failClosed) throw error;
      return failOpen(`failed (${error.code})`);
    }
    const { error, status, data } = response;
    const code = error ? error.code : data?.valid === false ? 'token_invalid' : null;
    if (code !== null && !Object.hasOwn(REFUSALS, code)) {
      down(sentAt, 'service_unavailable');
      if (failClosed) throw new ProtektError('service_unavailable', `The revocation check could not be completed (${code}).`, { status, details: { code } });
      return failOpen(`answered ${code}`);
    }
    const result = code === null ? null : failure(code as TokenErrorCode, 'remote', REFUSALS[code as TokenErrorCode]);
    downUntil = 0;
    // A refusal is final for the token's lifetime; a pass is trusted for maxAge from when it was asked.
    const until = sentAt + maxAge * 1000;
    if (result || maxAge > 0) answers.set(key, { failure: result, until: result ? Math.max(token.exp * 1000, until) : until });
    return result;
  };

  const cached = (token: CheckedToken, now: number): Failure | null | undefined => {
    const key = token.jti ?? token.signatureSegment;
    const answer = answers.get(key);
    if (answer && now >= answer.until) answers.delete(key);
    else return answer?.failure;
  };

  return {
    cached,
    check(token, now, options) {
      const hit = cached(token, now);
      if (hit !== undefined) return Promise.resolve(hit);
      if (now < downUntil) {
        return failClosed
          ? Promise.reject(new ProtektError(downCode, 'The revocation check failed moments ago.', { details: { skipped: true } }))
          : Promise.resolve(null);
      }
      const key = token.jti ?? token.signatureSegment;
      // Concurrent checks of one token share a request, except with maxAge 0 (every call asks)
      // and where the runtime forbids awaiting another request's I/O.
      return shareInFlight(inflight, key, (shared) => ask(token, key, now, shared ? { ...options, signal: undefined } : options), options?.signal, maxAge > 0 && canShareInFlight());
    },
  };
}
