/**
 * The remote revocation check that follows a successful local verification: `POST
 * /auth/token/verify`, its answer cached per signed token (see {@link revocationKey}) for `maxAge`
 * seconds, so that a revoked token is refused at the latest `maxAge` seconds after revocation.
 *
 * A check waits at most one attempt's timeout, however many retries the transport would make: the
 * request is aborted then (one request, not the retry budget). When the check cannot be completed
 * (network failure, timeout, 5xx, rate limit), the local answer stands and the miss is
 * debug-logged (fail-open), unless the client chose fail-closed: then the `ProtektError` is
 * thrown, for a middleware to answer 503. After such a miss, checks are not attempted for
 * `min(maxAge, 5)` seconds counted from when the miss ENDED, then by one check at a time (the
 * probe) until one answers: meanwhile verifications fail open (or throw, fail-closed) at once,
 * each with a debug line, instead of each waiting on a failing network. A rejected project API
 * key and an abort by the caller are always thrown.
 */
import type { ApiRequest, ApiResponse } from '../http/types.js';
import { abortedError, withSignal } from '../http/abort.js';
import { ProtektError } from '../errors/protekt-error.js';
import type { ThrownErrorCode } from '../errors/codes.js';
import type { RequestOptions } from '../types.js';
import { tokenFailure, type TokenFailure, type TokenErrorCode } from './token-failure.js';
import { shareInFlight } from '../runtime/in-flight.js';
import { encodeBase64url } from '../util/base64url.js';
import { LruCache } from '../util/lru-cache.js';
import { own } from '../util/record.js';
import {
  readStoredAnswer,
  type RevocationStoreLookup,
  storeKey,
  writeStoredAnswer,
} from './revocation-store.js';

/** Settings of a {@link RevocationChecker}. */
export interface RevocationConfig {
  /** The client's transport. */
  send: (req: ApiRequest) => Promise<ApiResponse>;
  /** Seconds an answer is trusted (0: ask every time). */
  maxAge: number;
  /** Throw instead of failing open. */
  failClosed: boolean;
  /** Longest wait for one check, in ms (the client's per-attempt timeout; a call's own wins). */
  timeout: number;
  /** The verifier's clock (ms since the epoch). */
  now: () => number;
  /** Debug logger. */
  log: ((line: string) => void) | undefined;
  /**
   * `true`: a token with no answer yet is accepted on its local verification while its check runs
   * in the background (the `revocationCheck.acceptBeforeCheck` opt-in).
   */
  acceptBeforeCheck?: boolean;
  /** The `revocationCache` hook, with the issuer and audience its entries are written for. */
  store?: Omit<RevocationStoreLookup, 'maxAge' | 'timeout' | 'log'> | null;
}

/**
 * A cached answer: the refusal, or null for a pass; until when it holds and from when it is
 * refreshed ahead (ms, both jittered); when its request was sent; and the revocation key it is
 * for (answers are looked up by the key's last characters, see {@link slotOf}).
 */
interface Answer {
  failure: TokenFailure | null;
  until: number;
  refreshAt: number;
  sentAt: number;
  key: string;
}

/**
 * What a verification hands the checker so that work may outlive it: the token (a background
 * check sends it), its `exp` (seconds), and the runtime's `waitUntil` (Workers' `ctx.waitUntil`)
 * that keeps such work alive after the response.
 */
export interface CheckContext {
  token: string;
  exp: number;
  waitUntil: ((promise: Promise<unknown>) => void) | undefined;
}

/** Most checks running in the background at once (refreshes ahead, accepted-before-check tokens). */
const MAX_BACKGROUND = 64;

/** Most answers kept (the least recently used goes first). */
const MAX_ANSWERS = 10_000;

/**
 * The slot of a revocation key in the answers map: its last 43 characters (the end of the
 * signature, 258 bits), so a key arriving as a new string is hashed over 43 characters, not 86 to
 * 683. The answer holds the whole key, compared on every hit: two keys sharing a slot never share
 * an answer.
 */
export const slotOf = (key: string): string => (key.length > 43 ? key.slice(-43) : key);

// The order n of P-256, big-endian (built on first use).
const P256_ORDER_HEX = 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551';
let p256Order: Uint8Array | undefined;

/**
 * The key under which revocation answers and local endings of a token are kept: one for every
 * encoding of the same signed content. Header and payload have one spelling (strict base64url,
 * and a re-serialised JSON breaks the signature), so only the signature can vary: an ES256
 * signature (r, s) verifies as (r, n − s) too, so it is keyed by its low-s form (s ≤ n/2), the
 * segment of the twin. RS256 (PKCS#1 v1.5) is deterministic for a key and message, and WebCrypto
 * refuses a non-canonical Ed25519 S (test/tokens/revocation.test.ts checks both twins of each):
 * their signature segment is the key as is. `signature` is the decoded `segment`.
 */
export function revocationKey(alg: string, signature: Uint8Array, segment: string): string {
  if (alg !== 'ES256' || signature.length !== 64) return segment;
  p256Order ??= Uint8Array.from(P256_ORDER_HEX.match(/../g)!, (h) => Number.parseInt(h, 16));
  // twin = r || n − s, then s is high when n − s < s (s = n/2 cannot be: n is odd).
  const twin = new Uint8Array(signature);
  let borrow = 0;
  for (let i = 31; i >= 0; i--) {
    const d = p256Order[i]! - signature[32 + i]! - borrow;
    borrow = d < 0 ? 1 : 0;
    twin[32 + i] = d & 0xff;
  }
  // s ≥ n: not a signature WebCrypto verifies; kept as it came.
  if (borrow) return segment;
  for (let i = 32; i < 64; i++) {
    if (twin[i] !== signature[i]) return twin[i]! < signature[i]! ? encodeBase64url(twin) : segment;
  }
  return segment;
}

// The reason a check's controller aborts with when its time is up (told from the caller's abort).
const TIMED_OUT = Symbol();

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
  // Own property only: a polluted Object.prototype.valid must not pass an answer without one.
  const valid = data ? own(data, 'valid') : undefined;
  if (valid === true) return null;
  return valid === false ? 'token_invalid' : 'no valid';
}

/**
 * The revocation check of one verifier. Each token is checked under a `key`, its
 * {@link revocationKey} (never its `jti`: a jti is the issuer's to choose and may repeat). A check
 * has one way back: `checker.cachedAnswer(key, now)`, at once, and only when that is `undefined`,
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
  // Keys whose check runs in the background (bounded by MAX_BACKGROUND).
  readonly #background = new Set<string>();
  readonly #store: RevocationStoreLookup | null;
  // While the endpoint fails: until when checks are skipped (min(maxAge, 5) s from the end of the
  // last miss) and why; then when the one check let through (the probe) started.
  #down: { until: number; code: ThrownErrorCode } | null = null;
  #probe: { at: number } | undefined;

  constructor(config: RevocationConfig) {
    this.#config = config;
    this.#answers = new LruCache<Answer>(MAX_ANSWERS);
    const { store, maxAge, timeout, log } = config;
    this.#store = store && maxAge > 0 ? { ...store, maxAge, timeout, log } : null;
  }

  /**
   * The answer known without a request: the cached one while it holds, or, while the check is
   * failing, `null` (fail-open; fail-closed throws). `undefined`: ask {@link check}. A pass past
   * its refresh time starts one re-check in the background (given `context`), never awaited here.
   */
  cachedAnswer(key: string, now: number, context?: CheckContext): TokenFailure | null | undefined {
    const slot = slotOf(key);
    const answer = this.#answers.get(slot);
    if (answer?.key === key) {
      if (now < answer.until) {
        if (now >= answer.refreshAt && !answer.failure && context) this.#inBackground(key, context);
        return answer.failure;
      }
      this.#answers.delete(slot);
    }
    return this.#down && this.#skipping(this.#down.until, now) ? this.#skip() : undefined;
  }

  // Runs one check of `key` in the background (at most one per key, MAX_BACKGROUND in all):
  // nobody awaits it, the runtime's waitUntil keeps it alive, and whatever it throws is only
  // logged (a fail-closed miss has no caller to throw to). Returns whether it started.
  #inBackground(key: string, { token, exp, waitUntil }: CheckContext): boolean {
    const running = this.#background;
    if (running.has(key) || running.size >= MAX_BACKGROUND) return false;
    running.add(key);
    const work = this.#ask(token, key, exp, this.#config.now(), undefined, waitUntil)
      .catch((error: unknown) => {
        const code = error instanceof ProtektError ? error.code : 'error';
        this.#config.log?.(`[Protekt] verifyToken: background revocation check failed (${code})`);
        return null;
      })
      .finally(() => running.delete(key));
    waitUntil?.(work);
    return true;
  }

  // Whether checks are skipped at `now`: within the window after a miss, or while the probe that
  // followed it runs (for one attempt's timeout at most: a probe the runtime cancelled, on
  // Workers, does not hold the others back for longer).
  #skipping(until: number, now: number): boolean {
    const at = this.#probe?.at;
    return now < until || (at !== undefined && now >= at && now - at < this.#config.timeout);
  }

  // A check skipped: fail-open (null) or fail-closed (thrown), with a debug line either way.
  #skip(): null {
    const { failClosed, log } = this.#config;
    const code = this.#down!.code;
    log?.(
      `[Protekt] verifyToken: revocation check skipped (failing with ${code}): ${failClosed ? 'fail-closed' : 'fail-open'}`,
    );
    if (failClosed) {
      const message =
        'The revocation check failed moments ago; it is skipped for a few seconds (failClosed).';
      throw new ProtektError(code, message, { details: { skipped: true } });
    }
    return null;
  }

  /** Forgets every cached pass: the next verification of each token asks Protekt again. */
  forgetPasses(): void {
    for (const [key, answer] of this.#answers.entries()) {
      if (!answer.failure) this.#answers.delete(key);
    }
  }

  /**
   * Asks Protekt about a token whose answer is not cached; `exp` is its expiry (seconds). With
   * `acceptBeforeCheck`, resolves `null` at once while the check runs in the background (or waits,
   * when MAX_BACKGROUND checks already run).
   */
  check(
    token: string,
    key: string,
    exp: number,
    now: number,
    options: RequestOptions | undefined,
    waitUntil?: CheckContext['waitUntil'],
  ): Promise<TokenFailure | null> {
    if (
      this.#config.acceptBeforeCheck &&
      (this.#background.has(key) || this.#inBackground(key, { token, exp, waitUntil }))
    ) {
      return Promise.resolve(null);
    }
    // Concurrent checks of one token share a request (on Workers, one started by another request
    // is awaited at most one check's timeout), except with maxAge 0: every call asks.
    const share = this.#config.maxAge > 0;
    const budget = options?.timeout ?? this.#config.timeout;
    const ask = (shared: boolean): Promise<TokenFailure | null> =>
      this.#ask(
        token,
        key,
        exp,
        now,
        shared ? { ...options, signal: undefined } : options,
        waitUntil,
      );
    const work = shareInFlight(this.#inflight, key, ask, options?.signal, budget, share);
    if (this.#down) {
      // After a window of skipped checks, this one is the probe: the others keep skipping.
      const probe = { at: now };
      this.#probe = probe;
      const end = (): void => {
        if (this.#probe === probe) this.#probe = undefined;
      };
      work.then(end, end);
    }
    return work;
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
    waitUntil?: CheckContext['waitUntil'],
  ): Promise<TokenFailure | null> {
    // Another isolate's answer, when the revocationCache hook holds one young enough.
    // A refresh takes only an answer newer than the one it refreshes (else it would read back its
    // own write until that expired, never asking Protekt).
    const hashed = this.#store && (await storeKey(key));
    if (hashed) {
      const held = this.#answers.peek(slotOf(key));
      const stored = await readStoredAnswer(this.#store!, hashed, this.#config.now());
      if (stored && !(held?.key === key && held.sentAt >= stored.checkedAt))
        return this.#settle(key, stored.code, exp, stored.checkedAt);
    }
    let response: ApiResponse;
    try {
      response = await this.#send(token, options);
    } catch (error) {
      if (!(error instanceof ProtektError) || ALWAYS_THROWN.includes(error.code)) throw error;
      return this.#missed(error, `failed (${error.code})`);
    }
    const code = verdict(response);
    const { status } = response;
    if (code === 'rate_limited') {
      const problem = new ProtektError(
        'service_unavailable',
        'The revocation check was rate limited.',
        { status, details: { code } },
      );
      return this.#missed(problem, `answered ${code}`);
    }
    if (code !== null && !REFUSALS[code]) {
      const message = `The revocation check answered ${code}, not a verdict: check baseUrl and the API key's rights.`;
      throw new ProtektError('invalid_response', message, { status, details: { code } });
    }
    this.#down = null;
    const failure = this.#settle(key, code as TokenErrorCode | null, exp, sentAt);
    if (hashed) {
      // Kept in the store as long as it is of use: a pass for maxAge, a refusal until exp.
      const ttl = failure ? exp - sentAt / 1000 : this.#config.maxAge;
      const write = writeStoredAnswer(this.#store!, hashed, failure, sentAt, ttl);
      waitUntil?.(write);
    }
    return failure;
  }

  // An answer (a refusal's code, or null for a pass), asked at `sentAt`: remembered and returned.
  #settle(
    key: string,
    code: TokenErrorCode | null,
    exp: number,
    sentAt: number,
  ): TokenFailure | null {
    const failure = code === null ? null : tokenFailure(code, 'remote', REFUSALS[code]!);
    this.#remember(key, failure, exp, sentAt);
    return failure;
  }

  // Sends the check under one attempt's timeout (the call's `timeout`, else the client's) joined
  // with the caller's signal: when the time is up the request is aborted, so the transport makes
  // no further attempt, and the wait ends even if a `fetch` option ignores the abort.
  async #send(token: string, options: RequestOptions | undefined): Promise<ApiResponse> {
    const timeout = options?.timeout ?? this.#config.timeout;
    const caller = options?.signal;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(caller!.reason);
    if (caller?.aborted) onAbort();
    caller?.addEventListener('abort', onAbort);
    const timer = setTimeout(() => controller.abort(TIMED_OUT), timeout);
    const { signal } = controller;
    const request = { method: 'POST', path: '/auth/token/verify', body: { token } } as const;
    try {
      return await withSignal(
        this.#config.send({ ...request, options: { ...options, signal } }),
        signal,
        abortedError,
      );
    } catch (error) {
      if (signal.reason !== TIMED_OUT) throw error;
      const message = `The revocation check did not answer within ${timeout} ms.`;
      throw new ProtektError('timeout', message, { details: { timeout }, cause: error });
    } finally {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    }
  }

  // A refusal is final for the token's lifetime; a pass is trusted for at most maxAge from when it
  // was asked (with maxAge 0, not kept at all), and refreshed ahead from half of that. Both times
  // are jittered, so answers asked together are neither refreshed nor dropped together; jitter
  // only ever shortens the trust. An answer never replaces a refusal, nor one asked later (a slow
  // refresh landing after a newer check).
  #remember(key: string, failure: TokenFailure | null, exp: number, sentAt: number): void {
    const span = this.#config.maxAge * 1000;
    if (!failure && span === 0) return;
    const slot = slotOf(key);
    const held = this.#answers.peek(slot);
    if (held?.key === key && (held.failure || held.sentAt > sentAt)) return;
    const until = sentAt + span * (1 - 0.1 * Math.random());
    const answer: Answer = failure
      ? { failure, until: Math.max(exp * 1000, until), refreshAt: Infinity, sentAt, key }
      : { failure, until, refreshAt: sentAt + span * (0.5 + 0.3 * Math.random()), sentAt, key };
    this.#answers.set(slot, answer);
  }

  // A check that could not be completed: checks are skipped for min(maxAge, 5) s from now (the
  // END of the miss; none with maxAge 0), then the error is thrown (fail-closed) or logged.
  #missed(error: ProtektError, why: string): null {
    const { maxAge, failClosed, log, now } = this.#config;
    if (maxAge > 0) this.#down = { until: now() + Math.min(maxAge * 1000, 5000), code: error.code };
    log?.(
      `[Protekt] verifyToken: revocation check ${why}: ${failClosed ? 'fail-closed' : 'fail-open'}`,
    );
    if (failClosed) throw error;
    return null;
  }
}
