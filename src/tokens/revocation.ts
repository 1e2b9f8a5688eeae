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
import { canShareInFlight, shareInFlight } from '../runtime/in-flight.js';
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

interface Answer {
  failure: Failure | null;
  until: number;
}

/**
 * Checks a locally verified token: `key` is its `jti`, else its signature segment (the key of the
 * answers cache), `exp` its expiry (seconds). Returns (at once when the answer is cached) `null`
 * when the token may be accepted (not revoked, or the check failed open), else the failure.
 *
 * @throws {ProtektError} when the check failed and `failClosed` is set, when the project API
 *   key is rejected, or when the caller aborted.
 */
export type RevocationChecker = (
  token: string,
  key: string,
  exp: number,
  now: number,
  options: RequestOptions | undefined,
) => Failure | null | Promise<Failure | null>;

// What each refusal of the API says.
const REFUSALS = {
  __proto__: null,
  token_revoked: 'The token was revoked.',
  token_expired: 'Protekt reports the token as expired.',
  token_invalid: 'Protekt reports the token as invalid.',
} as unknown as Record<string, string | undefined>;

// Thrown by the transport for reasons that are not an outage: never turned into fail-open (the
// per-call options were checked by verifyToken before, so invalid_argument cannot come). An
// answer that cannot be read (a proxy's HTML page, a path it does not route) means the check is
// not being made at all, so it must not silently switch revocation off.
const ALWAYS_THROWN = ['aborted', 'invalid_api_key', 'invalid_response'];

/** Creates the revocation check of one verifier. */
export function revocationChecker({ send, maxAge, failClosed, log, max = 10_000 }: RevocationConfig): RevocationChecker {
  const answers = new LruCache<Answer>(max);
  const inflight = new Map<string, Promise<Failure | null>>();
  // After an unreachable check: until when checks are skipped (for min(maxAge, 5) s), and why.
  let downUntil = 0;
  let downCode: ThrownErrorCode = 'service_unavailable';
  // An unreachable check: skipped for a while, then thrown (fail-closed) or logged (fail-open).
  const down = (at: number, error: ProtektError, why: string): null => {
    downUntil = at + Math.min(maxAge * 1000, 5000);
    downCode = error.code;
    if (failClosed) throw error;
    log?.(`[Protekt] verifyToken: revocation check ${why}: fail-open`);
    return null;
  };

  const ask = async (token: string, key: string, exp: number, sentAt: number, options: RequestOptions | undefined): Promise<Failure | null> => {
    let response: ApiResponse;
    try {
      response = await send({ method: 'POST', path: '/auth/token/verify', body: { token }, options });
    } catch (error) {
      if (!(error instanceof ProtektError) || ALWAYS_THROWN.includes(error.code)) throw error;
      return down(sentAt, error, `failed (${error.code})`);
    }
    const { error, status, data } = response;
    const code = error ? error.code : data?.valid === false ? 'token_invalid' : data?.valid === true ? null : 'no valid';
    if (code !== null && !REFUSALS[code]) {
      // Only a rate limit is an outage worth failing open for. Any other answer (404 from a proxy
      // that does not route the path, 403 for a key without the right, a 200 without `valid`)
      // means the check is not being made at all: never silently accepted, whatever the policy.
      const limited = code === 'rate_limited';
      const problem = new ProtektError(limited ? 'service_unavailable' : 'invalid_response', `The revocation check answered ${code}.`, { status, details: { code } });
      if (!limited) throw problem;
      return down(sentAt, problem, `answered ${code}`);
    }
    const result = code && failure(code as TokenErrorCode, 'remote', REFUSALS[code]!);
    downUntil = 0;
    // A refusal is final for the token's lifetime; a pass is trusted for maxAge from when it was asked.
    const until = sentAt + maxAge * 1000;
    if (result || maxAge > 0) answers.set(key, { failure: result, until: result ? Math.max(exp * 1000, until) : until });
    return result;
  };

  return (token, key, exp, now, options) => {
    const answer = answers.get(key);
    if (answer && now < answer.until) return answer.failure;
    if (answer) answers.delete(key);
    if (now < downUntil) {
      if (failClosed) throw new ProtektError(downCode, 'The revocation check failed moments ago.', { details: { skipped: true } });
      return null;
    }
    // Concurrent checks of one token share a request, except with maxAge 0 (every call asks)
    // and where the runtime forbids awaiting another request's I/O.
    return shareInFlight(inflight, key, (shared) => ask(token, key, exp, now, shared ? { ...options, signal: undefined } : options), options?.signal, maxAge > 0 && canShareInFlight());
  };
}
