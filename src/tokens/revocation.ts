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
import { canShareInFlight, withSignal } from './runtime.js';
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

const REFUSALS: Record<TokenErrorCode, string> = {
  token_revoked: 'The token was revoked.',
  token_expired: 'Protekt reports the token as expired.',
  token_invalid: 'Protekt reports the token as invalid.',
};

// Thrown by the transport for reasons that are not an outage: never turned into fail-open.
function alwaysThrown(code: string): boolean {
  return code === 'aborted' || code === 'invalid_api_key' || code === 'config_invalid';
}

// Checks are skipped for this long after one could not be completed (capped by maxAge).
const DOWN_MS = 5000;

function isTokenCode(code: string): code is TokenErrorCode {
  return code === 'token_revoked' || code === 'token_expired' || code === 'token_invalid';
}

/** Asks Protekt whether tokens were revoked, remembering the answers. One per verifier. */
export class RevocationChecker {
  readonly #config: RevocationConfig;
  readonly #answers: LruCache<Answer>;
  readonly #inflight = new Map<string, Promise<Failure | null>>();
  // After an unreachable check: until when checks are skipped, and why.
  #downUntil = 0;
  #downCode: ThrownErrorCode = 'service_unavailable';

  constructor(config: RevocationConfig) {
    this.#config = config;
    this.#answers = new LruCache(config.max ?? 10_000);
  }

  /** The cached answer for a token, if still fresh: `null` (not revoked), a failure, or `undefined`. */
  cached(token: CheckedToken, now: number): Failure | null | undefined {
    const key = token.jti ?? token.signatureSegment;
    const answer = this.#answers.get(key);
    if (answer === undefined) return undefined;
    if (now >= answer.until) {
      this.#answers.delete(key);
      return undefined;
    }
    return answer.failure;
  }

  /**
   * Checks a token: cached answer, else the API. Resolves `null` when the token may be accepted
   * (not revoked, or the check failed open), else the failure to return.
   *
   * @throws {ProtektError} when the check failed and `failClosed` is set, when the project API
   *   key is rejected, or when the caller aborted.
   */
  check(token: CheckedToken, now: number, options: RequestOptions | undefined): Promise<Failure | null> {
    const cached = this.cached(token, now);
    if (cached !== undefined) return Promise.resolve(cached);
    if (now < this.#downUntil) {
      if (!this.#config.failClosed) return Promise.resolve(null);
      return Promise.reject(new ProtektError(this.#downCode, 'The revocation check is unavailable (it failed moments ago).', { details: { skipped: true } }));
    }
    const key = token.jti ?? token.signatureSegment;
    // Concurrent checks of one token share a request, except with maxAge 0 (every call asks)
    // and where the runtime forbids awaiting another request's I/O.
    const share = this.#config.maxAge > 0 && canShareInFlight();
    if (!share) return this.#ask(token, key, now, options);
    let pending = this.#inflight.get(key);
    if (!pending) {
      const { signal: _signal, ...rest } = options ?? {};
      pending = this.#ask(token, key, now, rest);
      this.#inflight.set(key, pending);
      const clear = (): void => {
        if (this.#inflight.get(key) === pending) this.#inflight.delete(key);
      };
      pending.then(clear, clear);
    }
    return withSignal(pending, options?.signal);
  }

  #down(at: number, code: ThrownErrorCode): void {
    this.#downUntil = at + Math.min(this.#config.maxAge * 1000, DOWN_MS);
    this.#downCode = code;
  }

  async #ask(token: CheckedToken, key: string, sentAt: number, options: RequestOptions | undefined): Promise<Failure | null> {
    const { send, maxAge, failClosed, log } = this.#config;
    let response: ApiResponse;
    try {
      response = await send({ method: 'POST', path: '/auth/token/verify', body: { token: token.token }, options });
    } catch (error) {
      if (!(error instanceof ProtektError) || alwaysThrown(error.code)) throw error;
      this.#down(sentAt, error.code);
      if (failClosed) throw error;
      log?.(`[Protekt] verifyToken: revocation check failed (${error.code}); accepting the locally verified token (fail-open)`);
      return null;
    }
    const apiError = response.error;
    let result: Failure | null;
    if (apiError) {
      const code = apiError.code;
      if (!isTokenCode(code)) {
        this.#down(sentAt, 'service_unavailable');
        if (failClosed) {
          throw new ProtektError('service_unavailable', `The revocation check could not be completed (${code}).`, {
            status: response.status,
            details: { code },
          });
        }
        log?.(`[Protekt] verifyToken: revocation check answered ${code}; accepting the locally verified token (fail-open)`);
        return null;
      }
      result = failure(code, 'remote', REFUSALS[code]);
    } else if (response.data?.valid === false) {
      result = failure('token_invalid', 'remote', REFUSALS.token_invalid);
    } else {
      result = null;
    }
    this.#downUntil = 0;
    // A refusal is final for the token's lifetime; a pass is trusted for maxAge from when it was asked.
    const until = result ? Math.max(token.exp * 1000, sentAt + maxAge * 1000) : sentAt + maxAge * 1000;
    if (result || maxAge > 0) this.#answers.set(key, { failure: result, until });
    return result;
  }
}
