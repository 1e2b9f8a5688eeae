/**
 * The remote revocation check that follows a successful local verification: `POST
 * /auth/token/verify`, its answer cached per token (by its signature) for `maxAge` seconds, so
 * that a revoked token is refused at the latest `maxAge` seconds after revocation.
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
import { tokenFailure, type TokenFailure, type TokenErrorCode } from './token-failure.js';
import { canShareInFlight, shareInFlight } from '../runtime/in-flight.js';
import { LruCache } from '../util/lru-cache.js';

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

// A cached answer: the refusal, or null for a pass, and until when it holds (ms).
interface Answer {
  failure: TokenFailure | null;
  until: number;
}

// What each refusal of the API says.
const REFUSALS = {
  __proto__: null,
  token_revoked:
    'The token was revoked (logout, revoked session or disabled user): the user must sign in again.',
  token_expired: "Protekt reports the token as expired: check this server's clock.",
  token_invalid: 'Protekt reports the token as invalid: the user must sign in again.',
} as unknown as Record<string, string | undefined>;

// Thrown by the transport for reasons that are not an outage: never turned into fail-open (the
// per-call options were checked by verifyToken before, so invalid_argument cannot come). An
// answer that cannot be read (a proxy's HTML page, a path it does not route) means the check is
// not being made at all, so it must not silently switch revocation off.
const ALWAYS_THROWN = ['aborted', 'invalid_api_key', 'invalid_response'];

// What an answer says: null for a pass, else the code of a refusal (or of an answer that is none:
// an API error, or "no valid" for a body without a boolean `valid`).
function verdict({ error, data }: ApiResponse): string | null {
  if (error) return error.code;
  if (data?.valid === true) return null;
  return data?.valid === false ? 'token_invalid' : 'no valid';
}

/**
 * The revocation check of one verifier. Each token is checked under a `key`, its signature
 * segment (never its `jti`: a jti is the issuer's to choose and may repeat). A check has one way
 * back: `checker.cachedAnswer(key, now)`, at once, and only when that is `undefined`,
 * `await checker.check(…)`. Either gives `null` when the token may be accepted (not revoked, or
 * the check failed open), else the failure.
 *
 * Both throw {@link ProtektError} when the check failed and `failClosed` is set; `check` also when
 * the project API key is rejected, or when the caller aborted.
 */
export class RevocationChecker {
  readonly #config: RevocationConfig;
  // Answers by token key; the requests in flight by token key.
  readonly #answers: LruCache<Answer>;
  readonly #inflight = new Map<string, Promise<TokenFailure | null>>();
  // After an unreachable check: until when checks are skipped (for min(maxAge, 5) s), and why.
  #downUntil = 0;
  #downCode: ThrownErrorCode = 'service_unavailable';

  constructor(config: RevocationConfig) {
    this.#config = config;
    this.#answers = new LruCache<Answer>(config.max ?? 10_000);
  }

  /**
   * The answer known without a request: the cached one while it holds, or, moments after the
   * check could not be made, `null` (fail-open; fail-closed throws). `undefined`: ask {@link
   * check}.
   */
  cachedAnswer(key: string, now: number): TokenFailure | null | undefined {
    const answer = this.#answers.get(key);
    if (answer && now < answer.until) return answer.failure;
    if (answer) this.#answers.delete(key);
    if (now < this.#downUntil) {
      if (this.#config.failClosed) {
        const message =
          'The revocation check failed moments ago; it is skipped for a few seconds (failClosed).';
        throw new ProtektError(this.#downCode, message, { details: { skipped: true } });
      }
      return null;
    }
    return undefined;
  }

  /** Forgets every cached pass: the next verification of each token asks Protekt again. */
  forgetPasses(): void {
    for (const [key, answer] of this.#answers.entries()) {
      if (!answer.failure) this.#answers.delete(key);
    }
  }

  /** Asks Protekt about a token whose answer is not cached; `exp` is its expiry (seconds). */
  check(
    token: string,
    key: string,
    exp: number,
    now: number,
    options: RequestOptions | undefined,
  ): Promise<TokenFailure | null> {
    // Concurrent checks of one token share a request, except with maxAge 0 (every call asks)
    // and where the runtime forbids awaiting another request's I/O.
    const share = this.#config.maxAge > 0 && canShareInFlight();
    const ask = (shared: boolean): Promise<TokenFailure | null> =>
      this.#ask(token, key, exp, now, shared ? { ...options, signal: undefined } : options);
    return shareInFlight(this.#inflight, key, ask, options?.signal, share);
  }

  // One request, and what its answer means: a refusal or a pass (cached), else an outage. Only a
  // rate limit is an answer worth failing open for. Any other answer that is neither a pass nor a
  // refusal (404 from a proxy that does not route the path, 403 for a key without the right, a
  // 200 without `valid`) means the check is not being made at all: never silently accepted,
  // whatever the policy.
  async #ask(
    token: string,
    key: string,
    exp: number,
    sentAt: number,
    options: RequestOptions | undefined,
  ): Promise<TokenFailure | null> {
    let response: ApiResponse;
    try {
      response = await this.#config.send({
        method: 'POST',
        path: '/auth/token/verify',
        body: { token },
        options,
      });
    } catch (error) {
      if (!(error instanceof ProtektError) || ALWAYS_THROWN.includes(error.code)) throw error;
      return this.#down(sentAt, error, `failed (${error.code})`);
    }
    const code = verdict(response);
    const { status } = response;
    if (code === 'rate_limited') {
      const problem = new ProtektError(
        'service_unavailable',
        'The revocation check was rate limited.',
        { status, details: { code } },
      );
      return this.#down(sentAt, problem, `answered ${code}`);
    }
    if (code !== null && !REFUSALS[code]) {
      const message = `The revocation check answered ${code}, not a verdict: check baseUrl and the API key's rights.`;
      throw new ProtektError('invalid_response', message, { status, details: { code } });
    }
    const failure =
      code === null ? null : tokenFailure(code as TokenErrorCode, 'remote', REFUSALS[code]!);
    this.#downUntil = 0;
    this.#remember(key, failure, exp, sentAt);
    return failure;
  }

  // A refusal is final for the token's lifetime; a pass is trusted for maxAge from when it was
  // asked (with maxAge 0, not kept at all).
  #remember(key: string, failure: TokenFailure | null, exp: number, sentAt: number): void {
    const until = sentAt + this.#config.maxAge * 1000;
    if (failure) this.#answers.set(key, { failure, until: Math.max(exp * 1000, until) });
    else if (this.#config.maxAge > 0) this.#answers.set(key, { failure, until });
  }

  // An unreachable check: skipped for a while, then thrown (fail-closed) or logged (fail-open).
  #down(at: number, error: ProtektError, why: string): null {
    const { maxAge, failClosed, log } = this.#config;
    this.#downUntil = at + Math.min(maxAge * 1000, 5000);
    this.#downCode = error.code;
    if (failClosed) throw error;
    log?.(`[Protekt] verifyToken: revocation check ${why}: fail-open`);
    return null;
  }
}
