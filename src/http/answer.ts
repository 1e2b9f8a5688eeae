/**
 * What to do with an answer Protekt sent: return it to the caller, try again after a delay, or
 * throw. Nothing here throws; the transport acts on the {@link Outcome}.
 */
import { ProtektError } from '../errors/protekt-error.js';
import { hasErrorCode, parseApiError } from '../errors/api-error.js';
import { isRecord } from '../util/record.js';
import type { Call } from './transport.js';
import type { ApiResponse } from './types.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry.js';

// An answer of the wrong shape most often comes from something that is not the Protekt API.
export const CHECK_BASE_URL = 'check that the baseUrl option points at the Protekt API';

/**
 * What the transport does after an attempt: resolve the call with the response (a 2xx's data, or
 * the API's error), end it with the error, or wait this many ms and try again.
 */
export type Outcome<T> = ApiResponse<T> | ProtektError | number;

/**
 * An answer read: under 400, `data` is the body as parsed (`{}` when empty, `undefined` when not
 * JSON at all), not yet checked; over 399, `error` is the API error the body carries, if any.
 */
export type Answer = ApiResponse<unknown>;

/** Parses an answer's body into an {@link Answer}. */
export function readAnswer({ status, headers }: Response, text: string): Answer {
  let body: unknown = {};
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  const error = status > 399 ? parseApiError(status, body) : null;
  return { status, headers, data: status > 399 ? null : body, error };
}

/**
 * Decides what an answer means:
 * - a 2xx with a JSON object is the data, returned; any other 2xx body is thrown
 *   (invalid_response);
 * - a 401 `invalid_api_key` is thrown: the client's own key is wrong, no call can succeed; so is
 *   any 401 to an Account API call that carried the management token (`invalid_management_token`);
 * - 408, 429 and every 5xx but 501 are retried while attempts remain and `Retry-After` is within
 *   `maxRetryAfter`; then {@link giveUp} decides;
 * - 501 is thrown (server_error); any other status with the API's error is returned; without one it
 *   is thrown (invalid_response).
 */
export function classifyAnswer<T>(answer: Answer, call: Call, attempt: number): Outcome<T> {
  const { status, error } = answer;
  if (status > 199 && status < 300) {
    if (isRecord(answer.data)) return answer as ApiResponse<T>;
    return unexpectedAnswer(
      call,
      'invalid_response',
      status,
      ` but a body that is not a JSON object: ${CHECK_BASE_URL}`,
    );
  }
  if (status === 401 && call.account && call.apiKey) {
    const message = `Protekt rejected the managementToken option (${error?.code ?? 'HTTP 401'}): it is wrong, expired or revoked; get a new one with Protekt.getManagementToken.`;
    return new ProtektError('invalid_management_token', message, { status });
  }
  if (status === 401 && hasErrorCode(error, 'invalid_api_key')) {
    const message =
      "Protekt rejected the apiKey option (X-Protekt-Key): check it against the project's API keys.";
    return new ProtektError('invalid_api_key', message, { status });
  }
  if (!isRetryableStatus(status)) {
    // 501 and any other 5xx not worth retrying: still Protekt's failure, never the caller's.
    if (status > 499)
      return unexpectedAnswer(
        call,
        'server_error',
        status,
        ', which is not retried: try again later',
        { attempts: attempt + 1 },
      );
    if (error) return answer as ApiResponse<T>;
    // A 3xx lands here too: redirects are never followed (see `redirect: 'manual'`).
    return unexpectedAnswer(
      call,
      'invalid_response',
      status,
      ` and no error code it could read: ${CHECK_BASE_URL}`,
    );
  }
  const retryAfter = parseRetryAfter(answer.headers.get('retry-after'), Date.now());
  if (attempt >= call.maxRetries || (retryAfter !== null && retryAfter > call.maxRetryAfter)) {
    return giveUp(answer, call, attempt + 1, retryAfter);
  }
  return retryAfter ?? backoffDelay(attempt);
}

/**
 * The end of a retryable answer, with no attempt left or a `Retry-After` longer than
 * `maxRetryAfter`: a 429 is returned as `rate_limited`, anything else thrown; both carry the
 * `Retry-After` in seconds when there was one.
 */
function giveUp<T>(
  answer: Answer,
  call: Call,
  attempts: number,
  retryAfter: number | null,
): Outcome<T> {
  const { status } = answer;
  const details = retryAfter === null ? {} : { retryAfter: Math.ceil(retryAfter / 1000) };
  if (status === 429) {
    const error = answer.error ?? {
      code: 'rate_limited',
      message: 'Too many requests to Protekt: wait before trying again.',
      status,
    };
    return {
      ...answer,
      error: { ...error, code: 'rate_limited', details: { ...error.details, ...details } },
    } as ApiResponse<T>;
  }
  const code = status === 503 ? 'service_unavailable' : 'server_error';
  return unexpectedAnswer(call, code, status, ` after ${attempts} attempt(s): try again later`, {
    attempts,
    ...details,
  });
}

/**
 * The error of an answer the client cannot use: `Protekt answered <method> <path> with HTTP
 * <status><what>.`
 */
function unexpectedAnswer(
  call: Call,
  code: 'invalid_response' | 'server_error' | 'service_unavailable',
  status: number,
  what: string,
  details?: Record<string, unknown>,
): ProtektError {
  return new ProtektError(
    code,
    `Protekt answered ${call.method} ${call.path} with HTTP ${status}${what}.`,
    { status, details },
  );
}
