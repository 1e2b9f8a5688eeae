/**
 * The HTTP client under every resource: one `send` that adds the project key, a per-attempt
 * timeout joined with the caller's signal (without `AbortSignal.any`, which Node 18 lacks),
 * retries with full-jitter backoff and `Retry-After`, one idempotency key per mutating call, and a
 * one-line debug log that never prints a secret.
 */
import { ProtektError } from '../errors/protekt-error.js';
import { parseApiError } from '../errors/api-error.js';
import { getCrypto } from '#crypto';
import { readBounded } from '../util/bytes.js';
import { abortedError, withSignal } from './abort.js';
import type { ApiRequest, ApiResponse } from './types.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry.js';
import { isRecord } from '../util/record.js';

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
}

/**
 * Sends one operation, retrying what is worth retrying. Resolves with the 2xx data or the API's
 * 4xx error; throws {@link ProtektError} for everything unexpected.
 */
export type Send = <T = Record<string, unknown>>(req: ApiRequest) => Promise<ApiResponse<T>>;

/** Largest answer body the client reads; no Protekt answer comes near it. */
export const MAX_BODY_BYTES = 1 << 20;

export { abortedError };

let decoder: TextDecoder | undefined;

// Why an attempt's controller aborted: our timer (the caller's abort has the caller's reason).
const TIMEOUT = Symbol();

/** Creates the `send` of one client; stateless between calls. */
export function createTransport(cfg: TransportConfig): Send {
  const { log, now } = cfg;
  return async <T,>(req: ApiRequest): Promise<ApiResponse<T>> => {
    checkRequestOptions(req.options);
    const { method, path, query, options } = req;
    const signal = options?.signal;
    const timeout = options?.timeout ?? cfg.timeout;
    if (signal?.aborted) throw abortedError(signal.reason);

    const headers: Record<string, string> = { accept: 'application/json', 'x-protekt-key': cfg.apiKey, 'x-protekt-client': '@protekt/node' };
    // Never follow a redirect: fetch would resend X-Protekt-Key (and the body) to wherever the
    // Location points, another origin included. A 3xx is reported as invalid_response.
    const init: RequestInit = { method, headers, redirect: 'manual' };
    if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(req.body);
    }
    if (req.accessToken !== undefined) headers.authorization = `Bearer ${req.accessToken}`;
    // Generated once per call and reused by every attempt, so a retried POST, PATCH or DELETE
    // acts once (and a DELETE whose answer was lost is not reported as "not found" on the retry).
    if (method !== 'GET') headers['idempotency-key'] = options?.idempotencyKey ?? `idem_${getCrypto().randomUUID()}`;
    const fail = (code: 'invalid_response' | 'server_error' | 'service_unavailable', what: string, status: number, details?: Record<string, unknown>): never => {
      throw new ProtektError(code, `Protekt answered ${method} ${path} with ${what}.`, { status, details });
    };

    for (let attempt = 0, attempts = 1; ; attempt = attempts++) {
      const started = now();
      const last = attempt >= cfg.maxRetries;
      // Path only in the log: query strings may carry e-mail addresses, and no header is printed.
      const line = (outcome: string): void =>
        log?.(`[Protekt] ${method} ${path} -> ${outcome} (${Math.round(now() - started)} ms)${attempt ? ` [attempt ${attempts}]` : ''}`);
      // Before the next attempt: `ms` to wait, which the caller's abort ends.
      let wait = 0;
      let response: Response | undefined;
      let text = '';

      // One attempt, under a timer joined with the caller's signal (by hand: Node 18 lacks
      // AbortSignal.any), and raced against that joint abort, so a `fetch` option (or a body
      // stream) that ignores the signal still ends at the timeout or the caller's abort instead
      // of hanging the call. The body is read under the same timer: a stalled body times out too.
      // The race is lost by a promise this code rejects itself, not by a listener on its own
      // signal: an abort listener costs more than the rest of the client's work on Node 20.
      const controller = new AbortController();
      const attemptSignal = controller.signal;
      let stop!: (reason: unknown) => void;
      const stopped = new Promise<never>((_, reject) => (stop = reject));
      // Handled at once: a `fetch` option may abort the caller's signal and throw before the race.
      stopped.catch(() => {});
      const end = (reason: unknown): void => {
        controller.abort(reason);
        stop(reason);
      };
      let timer = setTimeout(end, timeout, TIMEOUT);
      const onAbort = (): void => end(signal!.reason);
      signal?.addEventListener('abort', onAbort);
      try {
        [response, text] = await Promise.race([
          (cfg.fetch ?? fetch)(cfg.baseUrl + path + (query ? `?${query}` : ''), { ...init, signal: attemptSignal }).then(async (res): Promise<[Response, string]> => {
            const bytes = await readBounded(res, MAX_BODY_BYTES);
            if (!bytes) throw new ProtektError('invalid_response', `Protekt's answer is larger than ${MAX_BODY_BYTES} bytes.`, { status: res.status });
            return [res, (decoder ??= new TextDecoder()).decode(bytes)];
          }),
          stopped,
        ]);
      } catch (cause) {
        const error =
          cause instanceof ProtektError
            ? cause
            : signal?.aborted
              ? abortedError(signal.reason)
              : attemptSignal.reason === TIMEOUT
                ? new ProtektError('timeout', `No answer from Protekt within ${timeout} ms.`, { details: { timeout } })
                : // The cause is kept for debugging, but only its name and message: some runtimes
                  // attach the request (with its headers) to the error object.
                  new ProtektError('network_error', 'Could not reach Protekt (network error).', {
                    cause: cause instanceof Error ? Object.assign(new Error(cause.message), { name: cause.name }) : new Error(String(cause)),
                  });
        line(error.code);
        if (error.code === 'aborted' || error.code === 'invalid_response' || last) {
          error.details.attempts = attempts;
          throw error;
        }
        wait = backoffDelay(attempt);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }

      if (response) {
        const status = response.status;
        // An empty body reads as {}; an unreadable one as undefined (no JSON at all).
        let value: unknown = {};
        if (text) {
          try {
            value = JSON.parse(text);
          } catch {
            value = undefined;
          }
        }
        const apiError = status > 399 ? parseApiError(status, value) : null;
        line(`${status}${apiError ? ` ${apiError.code}` : ''}`);
        const reply = (data: T | null, error: ApiResponse['error']): ApiResponse<T> => ({ status, headers: response!.headers, data, error });

        if (status > 199 && status < 300) {
          return isRecord(value) ? reply(value as T, null) : fail('invalid_response', 'a non-object body', status);
        }
        if (status === 401 && apiError?.code === 'invalid_api_key') {
          throw new ProtektError('invalid_api_key', 'Protekt rejected the apiKey.', { status });
        }
        if (!isRetryableStatus(status)) {
          // 501 and other 5xx not worth retrying: still Protekt's failure, never the caller's.
          if (status > 499) fail('server_error', `HTTP ${status}`, status, { attempts });
          return apiError ? reply(null, apiError) : fail('invalid_response', `HTTP ${status} and no error code`, status);
        }
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        if (last || (retryAfter !== null && retryAfter > cfg.maxRetryAfter)) {
          const details = retryAfter === null ? {} : { retryAfter: Math.ceil(retryAfter / 1000) };
          if (status === 429) {
            const error = apiError ?? { code: 'rate_limited', message: 'Too many requests.', status };
            return reply(null, { ...error, code: 'rate_limited', details: { ...error.details, ...details } });
          }
          fail(status === 503 ? 'service_unavailable' : 'server_error', `HTTP ${status} after ${attempts} attempt(s)`, status, { attempts, ...details });
        }
        wait = retryAfter ?? backoffDelay(attempt);
      }

      // The wait before the next attempt, which the caller's abort ends.
      await withSignal(new Promise((resolve) => (timer = setTimeout(resolve, wait))), signal).finally(() => clearTimeout(timer));
    }
  };
}

/**
 * Checks a method's last argument, `{ signal, timeout, idempotencyKey }`: a malformed one is a
 * programming mistake, thrown as `invalid_argument` before anything is sent (never a TypeError
 * from deep inside, a timer overflow, or a header fetch refuses). The message names the option.
 */
export function checkRequestOptions(options: unknown): void {
  if (options === undefined || options === null) return;
  const bad = (what: string, option = what.split(' ')[0]): never => {
    throw new ProtektError('invalid_argument', `The per-call options ${what}.`, { details: { option } });
  };
  if (typeof options !== 'object' || Array.isArray(options)) bad('must be an object', 'options');
  const { signal, timeout, idempotencyKey } = options as Record<string, unknown>;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof (signal as AbortSignal).addEventListener !== 'function' || typeof (signal as AbortSignal).aborted !== 'boolean')) {
    bad('signal must be an AbortSignal');
  }
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 1 && timeout <= 600_000))) bad('timeout must be 1 to 600000 ms');
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey))) {
    bad('idempotencyKey must be 1 to 255 visible ASCII');
  }
}
