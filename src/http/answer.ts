/**
 * What to do with an answer Protekt sent: return it to the caller, try again after a delay, or
 * throw. Nothing here throws; the transport acts on the {@link Outcome}.
 */
import { ProtektError } from '../errors/protekt-error.js';
import { parseApiError } from '../errors/api-error.js';
import { isRecord } from '../util/record.js';
import type { ProtektApiError } from '../types.js';
import type { Call } from './transport.js';
import type { ApiResponse } from './types.js';
import type { Reply } from './attempt.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry.js';

// An answer of the wrong shape most often comes from something that is not the Protekt API.
const CHECK_BASE_URL = 'check that the baseUrl option points at the Protekt API';

/** What the transport does after an attempt. */
export type Outcome<T> =
  /** Resolve the call with this response (a 2xx's data, or the API's error). */
  | { kind: 'done'; response: ApiResponse<T> }
  /** Try again after `waitMs`. */
  | { kind: 'retry'; waitMs: number }
  /** End the call with this error. */
  | { kind: 'throw'; error: ProtektError };

/** An answer with its body parsed, and the API error it carries (on a status over 399). */
export interface Answer {
  status: number;
  headers: Headers;
  /** The JSON body; `{}` when empty, `undefined` when not JSON at all. */
  body: unknown;
  apiError: ProtektApiError | null;
}

/** Parses an answer's body and reads the API error out of it. */
export function readAnswer({ response, text }: Reply): Answer {
  const { status } = response;
  let body: unknown = {};
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  return { status, headers: response.headers, body, apiError: status > 399 ? parseApiError(status, body) : null };
}

/**
 * Decides what an answer means:
 * - a 2xx with a JSON object is the data, returned; any other 2xx body is thrown (invalid_response);
 * - a 401 `invalid_api_key` is thrown: the client's own key is wrong, no call can succeed;
 * - 408, 429 and every 5xx but 501 are retried while attempts remain and `Retry-After` is within
 *   `maxRetryAfter`; then {@link giveUp} decides;
 * - 501 is thrown (server_error); any other status with the API's error is returned; without one it
 *   is thrown (invalid_response).
 */
export function classifyAnswer<T>(answer: Answer, call: Call, attempt: number): Outcome<T> {
  const { status, apiError } = answer;
  if (status > 199 && status < 300) {
    if (isRecord(answer.body)) return done(answer, answer.body as T, null);
    return { kind: 'throw', error: unexpectedAnswer(call, 'invalid_response', status, ` but a body that is not a JSON object: ${CHECK_BASE_URL}`) };
  }
  if (status === 401 && apiError?.code === 'invalid_api_key') {
    const message = "Protekt rejected the apiKey option (X-Protekt-Key): check it against the project's API keys.";
    return { kind: 'throw', error: new ProtektError('invalid_api_key', message, { status }) };
  }
  if (!isRetryableStatus(status)) {
    // 501 and any other 5xx not worth retrying: still Protekt's failure, never the caller's.
    if (status > 499) {
      const what = ', which is not retried: try again later';
      return { kind: 'throw', error: unexpectedAnswer(call, 'server_error', status, what, { attempts: attempt + 1 }) };
    }
    if (apiError) return done<T>(answer, null, apiError);
    // A 3xx lands here too: redirects are never followed (see `redirect: 'manual'`).
    return { kind: 'throw', error: unexpectedAnswer(call, 'invalid_response', status, ` and no error code it could read: ${CHECK_BASE_URL}`) };
  }
  const retryAfter = parseRetryAfter(answer.headers.get('retry-after'), Date.now());
  if (attempt >= call.config.maxRetries || (retryAfter !== null && retryAfter > call.config.maxRetryAfter)) {
    return giveUp(answer, call, attempt + 1, retryAfter);
  }
  return { kind: 'retry', waitMs: retryAfter ?? backoffDelay(attempt) };
}

/**
 * The end of a retryable answer, with no attempt left or a `Retry-After` longer than
 * `maxRetryAfter`: a 429 is returned as `rate_limited`, anything else thrown; both carry the
 * `Retry-After` in seconds when there was one.
 */
function giveUp<T>(answer: Answer, call: Call, attempts: number, retryAfter: number | null): Outcome<T> {
  const { status, apiError } = answer;
  const details = retryAfter === null ? {} : { retryAfter: Math.ceil(retryAfter / 1000) };
  if (status === 429) {
    const message = 'Too many requests to Protekt: wait before trying again.';
    const error = apiError ?? { code: 'rate_limited', message, status };
    return done<T>(answer, null, { ...error, code: 'rate_limited', details: { ...error.details, ...details } });
  }
  const code = status === 503 ? 'service_unavailable' : 'server_error';
  const what = ` after ${attempts} attempt(s): try again later`;
  return { kind: 'throw', error: unexpectedAnswer(call, code, status, what, { attempts, ...details }) };
}

/** The outcome that resolves the call: the answer's status and headers with `data` or `error`. */
function done<T>({ status, headers }: Answer, data: T | null, error: ProtektApiError | null): Outcome<T> {
  return { kind: 'done', response: { status, headers, data, error } };
}

/** The error of an answer the client cannot use: `Protekt answered <method> <path> with HTTP <status><what>.` */
function unexpectedAnswer(call: Call, code: 'invalid_response' | 'server_error' | 'service_unavailable', status: number, what: string, details?: Record<string, unknown>): ProtektError {
  const { method, path } = call.request;
  return new ProtektError(code, `Protekt answered ${method} ${path} with HTTP ${status}${what}.`, { status, details });
}
