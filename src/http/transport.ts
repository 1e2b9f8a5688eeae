/**
 * The HTTP client under every resource: one `send` that adds the project key, a per-attempt
 * timeout joined with the caller's signal (without `AbortSignal.any`, which Node 18 lacks),
 * retries with full-jitter backoff and `Retry-After`, one idempotency key per mutating call, and a
 * one-line debug log that never prints a secret.
 *
 * A call, step by step: `checkRequestOptions`, `requestInit` (the same for every attempt), then
 * per attempt `runAttempt` (attempt.ts: one request under its timer; failures named by
 * `classifyThrown`), then `classifyAnswer` (answer.ts: return, retry or throw) for an answer, with
 * `waitBeforeRetry` between attempts.
 */
import { ProtektError } from '../errors/protekt-error.js';
import { getCrypto } from '#crypto';
import { abortedError, withSignal } from './abort.js';
import { classifyAnswer, type Outcome } from './answer.js';
import { MAX_BODY_BYTES, runAttempt } from './attempt.js';
import type { ApiRequest, ApiResponse, HttpMethod } from './types.js';
import type { RequestOptions } from '../types.js';
import { backoffDelay } from './retry.js';
import { unknownOption } from '../util/option-names.js';
import { ownProps } from '../util/record.js';

/** The fetch signature the transport needs (the global `fetch` fits, and so does an emulator's). */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** Settings of a transport, already validated by the client. */
export interface TransportConfig {
  baseUrl: string;
  apiKey: string;
  timeout: number;
  maxRetries: number;
  /** Longest `Retry-After` the transport will wait for, in ms; longer ones end the call at once. */
  maxRetryAfter: number;
  fetch: FetchLike | undefined;
  log: ((line: string) => void) | undefined;
  now: () => number;
  /**
   * `true` for the Account API: `apiKey` is then the management token, sent as
   * `Authorization: Bearer` (`''` sends none: `POST /token`), and a 401 to a call that carried it
   * is thrown as `invalid_management_token`.
   */
  account?: boolean | undefined;
}

/**
 * Sends one operation, retrying what is worth retrying. Resolves with the 2xx data or the API's
 * 4xx error; throws {@link ProtektError} for everything unexpected.
 */
export type Send = <T = Record<string, unknown>>(req: ApiRequest) => Promise<ApiResponse<T>>;

/**
 * One call being sent: the client's settings (with the call's per-attempt timeout), the
 * operation's method and path, and what every attempt shares.
 */
export interface Call extends TransportConfig {
  method: HttpMethod;
  path: string;
  /** The caller's signal, if any: it ends every attempt and every wait. */
  signal: AbortSignal | undefined;
  /** baseUrl, path and query. */
  url: string;
  /** Method, headers and body; each attempt adds its own signal. */
  init: RequestInit;
}

export { MAX_BODY_BYTES, abortedError };

/** Creates the `send` of one client; stateless between calls. */
export function createTransport(config: TransportConfig): Send {
  return async <T>(request: ApiRequest): Promise<ApiResponse<T>> => {
    const options = checkRequestOptions(request.options);
    const { method, path, query } = request;
    const signal = options?.signal;
    if (signal?.aborted) throw abortedError(signal.reason);
    const url = config.baseUrl + path + (query ? `?${query}` : '');
    const timeout = options?.timeout ?? config.timeout;
    const call: Call = {
      ...config,
      timeout,
      method,
      path,
      signal,
      url,
      init: requestInit(config, request, options?.idempotencyKey),
    };
    for (let attempt = 0; ; attempt++) {
      const outcome = await attemptOnce<T>(call, attempt);
      if (outcome instanceof ProtektError) throw outcome;
      if (typeof outcome !== 'number') return outcome;
      await waitBeforeRetry(outcome, signal);
    }
  };
}

/** The method, headers and body of a call, the same for each of its attempts. */
function requestInit(
  config: TransportConfig,
  request: ApiRequest,
  idempotencyKey: string | undefined,
): RequestInit {
  const { method, body, accessToken } = request;
  const headers: Record<string, string> = {
    accept: 'application/json',
    'x-protekt-client': '@protekt/node',
  };
  if (!config.account) headers['x-protekt-key'] = config.apiKey;
  else if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  // Never follow a redirect: fetch would resend X-Protekt-Key (and the body) to wherever the
  // Location points, another origin included. A 3xx is reported as invalid_response.
  const init: RequestInit = { method, headers, redirect: 'manual' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (accessToken !== undefined) headers.authorization = `Bearer ${accessToken}`;
  // Generated once per call and reused by every attempt, so a retried POST, PATCH or DELETE
  // acts once (and a DELETE whose answer was lost is not reported as "not found" on the retry).
  if (method !== 'GET')
    headers['idempotency-key'] = idempotencyKey ?? `idem_${getCrypto().randomUUID()}`;
  return init;
}

/** Runs attempt number `attempt` (from 0), logs it, and says what comes next. */
async function attemptOnce<T>(call: Call, attempt: number): Promise<Outcome<T>> {
  const started = call.now();
  const result = await runAttempt(call);
  if (result instanceof ProtektError) {
    logLine(call, attempt, started, result.code);
    // An abort or an unreadable answer is final; a timeout or a network error is retried while
    // attempts remain.
    if (
      result.code !== 'aborted' &&
      result.code !== 'invalid_response' &&
      attempt < call.maxRetries
    )
      return backoffDelay(attempt);
    result.details.attempts = attempt + 1;
    return result;
  }
  logLine(call, attempt, started, `${result.status}${result.error ? ` ${result.error.code}` : ''}`);
  return classifyAnswer(result, call, attempt);
}

/** Waits `waitMs` before the next attempt; the caller's abort ends the wait (and the call). */
function waitBeforeRetry(waitMs: number, signal: AbortSignal | undefined): Promise<unknown> {
  let timer!: ReturnType<typeof setTimeout>;
  return withSignal(
    new Promise((resolve) => (timer = setTimeout(resolve, waitMs))),
    signal,
  ).finally(() => clearTimeout(timer));
}

/**
 * The debug line of one attempt, with the API's base URL (a misconfigured one shows at once) and
 * the path, never the query string (it may carry an e-mail) or a header.
 */
function logLine(call: Call, attempt: number, started: number, outcome: string): void {
  call.log?.(
    `[Protekt] ${call.method} ${call.baseUrl}${call.path} -> ${outcome} (${Math.round(call.now() - started)} ms)${attempt ? ` [attempt ${attempt + 1}]` : ''}`,
  );
}

/** The per-call options every method takes as its last argument. */
const REQUEST_OPTION_NAMES = ['signal', 'timeout', 'idempotencyKey'];

/**
 * Checks a method's last argument, `{ signal, timeout, idempotencyKey }`: a malformed one is a
 * programming mistake, thrown as `invalid_argument` before anything is sent (never a TypeError
 * from deep inside, a timer overflow, or a header fetch refuses). The message names the option
 * and what it accepts, never the value given. Returns the options' own properties only: an
 * `idempotencyKey` on a polluted Object.prototype would otherwise make every call a replay.
 */
export function checkRequestOptions(options: unknown): RequestOptions | undefined {
  if (options === undefined || options === null) return undefined;
  const refuseOption = (option: string, why: string): never => {
    throw new ProtektError('invalid_argument', `The per-call option ${option} ${why}`, {
      details: { option },
    });
  };
  if (typeof options !== 'object' || Array.isArray(options)) {
    refuseOption(
      'options',
      "must be an object { signal, timeout, idempotencyKey } (a method's last argument) or left out.",
    );
  }
  const given = ownProps(options as Record<string, unknown>);
  const unknown = unknownOption(given, REQUEST_OPTION_NAMES);
  if (unknown) refuseOption(unknown.name, unknown.why);
  const { signal, timeout, idempotencyKey } = given;
  if (signal !== undefined && !isAbortSignal(signal))
    refuseOption('signal', 'must be an AbortSignal.');
  if (
    timeout !== undefined &&
    (typeof timeout !== 'number' || !(timeout >= 1 && timeout <= 600_000))
  ) {
    refuseOption('timeout', 'must be 1 to 600000 ms (per attempt).');
  }
  if (
    idempotencyKey !== undefined &&
    (typeof idempotencyKey !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey))
  ) {
    refuseOption('idempotencyKey', 'must be 1 to 255 visible ASCII characters.');
  }
  return given as RequestOptions;
}

// Duck-typed: an AbortSignal from another realm (a test runner's, a polyfill) is accepted too.
const isAbortSignal = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as AbortSignal).addEventListener === 'function' &&
  typeof (value as AbortSignal).aborted === 'boolean';
