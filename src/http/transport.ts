/**
 * The HTTP client under every resource: one `send` that adds the project key, a per-attempt
 * timeout joined with the caller's signal (without `AbortSignal.any`, which Node 18 lacks),
 * retries with full-jitter backoff and `Retry-After`, one idempotency key per mutating call, and a
 * one-line debug log that never prints a secret.
 */
import { ProtektError } from '../errors/protekt-error.js';
import { parseApiError } from '../errors/api-error.js';
import { getCrypto } from '#crypto';
import type { ApiRequest, ApiResponse } from './types.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter, sleep } from './retry.js';

/** The fetch signature the transport needs (the global `fetch` fits, and so does an emulator's). */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** Settings of a {@link Transport}, already validated by the client. */
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

const SDK_HEADER = '@protekt/node';

// Why an attempt's controller aborted: our timer, or the caller.
const TIMEOUT = Symbol('timeout');

/** Sends API requests. One per client; stateless between calls. */
export class Transport {
  readonly #config: TransportConfig;

  constructor(config: TransportConfig) {
    this.#config = config;
  }

  /** The fetch function in use (the `fetch` option, else the runtime's global, read at call time). */
  get fetchImpl(): FetchLike {
    return this.#config.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Identity for caches shared between clients that talk to the same server. */
  get fetchIdentity(): object {
    return this.#config.fetch ?? globalThis;
  }

  /**
   * Sends one operation, retrying what is worth retrying. Resolves with the 2xx data or the
   * API's 4xx error; throws {@link ProtektError} for everything unexpected.
   */
  async send<T = Record<string, unknown>>(req: ApiRequest): Promise<ApiResponse<T>> {
    const cfg = this.#config;
    checkRequestOptions(req.options);
    const signal = req.options?.signal;
    const timeout = req.options?.timeout ?? cfg.timeout;
    if (signal?.aborted) throw abortedError(signal.reason);

    const url = buildUrl(cfg.baseUrl, req.path, req.query);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-protekt-key': cfg.apiKey,
      'x-protekt-client': SDK_HEADER,
    };
    let body: string | undefined;
    if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    if (req.accessToken !== undefined) headers.authorization = `Bearer ${req.accessToken}`;
    // Generated once per call and reused by every attempt, so a retried POST, PATCH or DELETE
    // acts once (and a DELETE whose answer was lost is not reported as "not found" on the retry).
    if (req.method !== 'GET') headers['idempotency-key'] = req.options?.idempotencyKey ?? `idem_${getCrypto().randomUUID()}`;

    for (let attempt = 0; ; attempt++) {
      const started = cfg.now();
      const outcome = await this.#attempt(url, req.method, headers, body, timeout, signal);
      const elapsed = cfg.now() - started;
      const last = attempt >= cfg.maxRetries;

      if (outcome.kind === 'failure') {
        this.#log(req, attempt, outcome.error.code, elapsed);
        if (outcome.error.code === 'aborted' || last) throw withAttempts(outcome.error, attempt + 1);
        await this.#pause(backoffDelay(attempt), signal);
        continue;
      }

      const { response, text } = outcome;
      const status = response.status;
      const parsed = parseJson(text);
      const apiError = status >= 400 ? parseApiError(status, parsed.value) : null;
      this.#log(req, attempt, `${status}${apiError ? ` ${apiError.code}` : ''}`, elapsed);

      if (status >= 200 && status < 300) {
        if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
          throw new ProtektError('invalid_response', `Protekt answered ${req.method} ${req.path} with a body that is not a JSON object.`, { status });
        }
        return { status, headers: response.headers, data: parsed.value as T, error: null };
      }

      if (status === 401 && apiError?.code === 'invalid_api_key') {
        throw new ProtektError('invalid_api_key', 'Protekt rejected the project API key (check the apiKey option).', { status });
      }

      if (isRetryableStatus(status)) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        const tooLong = retryAfter !== null && retryAfter > cfg.maxRetryAfter;
        if (!last && !tooLong) {
          await this.#pause(retryAfter ?? backoffDelay(attempt), signal);
          continue;
        }
        if (status === 429) {
          const error = apiError ?? { code: 'rate_limited', message: 'Too many requests.', status };
          const details = { ...error.details };
          if (retryAfter !== null) details.retryAfter = Math.ceil(retryAfter / 1000);
          return { status, headers: response.headers, data: null, error: { ...error, code: 'rate_limited', details } };
        }
        const code = status === 503 ? 'service_unavailable' : 'server_error';
        throw new ProtektError(code, `Protekt answered ${req.method} ${req.path} with HTTP ${status} after ${attempt + 1} attempt(s).`, {
          status,
          details: { attempts: attempt + 1, ...(retryAfter !== null ? { retryAfter: Math.ceil(retryAfter / 1000) } : {}) },
        });
      }

      // 501 and other 5xx not worth retrying: still Protekt's failure, never the caller's.
      if (status >= 500) {
        throw new ProtektError('server_error', `Protekt answered ${req.method} ${req.path} with HTTP ${status}.`, { status, details: { attempts: attempt + 1 } });
      }
      if (apiError) return { status, headers: response.headers, data: null, error: apiError };
      throw new ProtektError('invalid_response', `Protekt answered ${req.method} ${req.path} with HTTP ${status} and no readable error.`, { status });
    }
  }

  async #attempt(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeout: number,
    signal: AbortSignal | undefined,
  ): Promise<{ kind: 'response'; response: Response; text: string } | { kind: 'failure'; error: ProtektError }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(TIMEOUT), timeout);
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // Never follow a redirect: fetch would resend X-Protekt-Key (and the body) to wherever the
      // Location points, another origin included. A 3xx is reported as invalid_response.
      const init: RequestInit = { method, headers, signal: controller.signal, redirect: 'manual' };
      if (body !== undefined) init.body = body;
      const work = (async () => {
        const response = await this.fetchImpl(url, init);
        // The body is read under the same timer: a server that stalls mid-body times out too.
        const text = await response.text();
        return { kind: 'response' as const, response, text };
      })();
      // Raced against our own abort, so a `fetch` option (or a body stream) that ignores the
      // signal still ends at the timeout or the caller's abort instead of hanging the call.
      const aborted = new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      return await Promise.race([work, aborted]);
    } catch (cause) {
      if (signal?.aborted) return { kind: 'failure', error: abortedError(signal.reason) };
      if (controller.signal.aborted && controller.signal.reason === TIMEOUT) {
        return { kind: 'failure', error: new ProtektError('timeout', `No answer from Protekt within ${timeout} ms.`, { details: { timeout } }) };
      }
      return { kind: 'failure', error: new ProtektError('network_error', 'Could not reach Protekt (network error).', { cause: safeCause(cause) }) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async #pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch (reason) {
      throw abortedError(reason);
    }
  }

  #log(req: ApiRequest, attempt: number, outcome: string, ms: number): void {
    const log = this.#config.log;
    if (!log) return;
    // Path only: query strings may carry e-mail addresses, and no header is ever printed.
    log(`[Protekt] ${req.method} ${req.path} -> ${outcome} (${Math.round(ms)} ms)${attempt > 0 ? ` [attempt ${attempt + 1}]` : ''}`);
  }
}

/**
 * Checks a method's last argument, `{ signal, timeout, idempotencyKey }`: a malformed one is a
 * programming mistake, thrown as `invalid_argument` before anything is sent (never a TypeError
 * from deep inside, a timer overflow, or a header fetch refuses). The message names the option.
 */
export function checkRequestOptions(options: unknown): void {
  if (options === undefined || options === null) return;
  const bad = (what: string): never => {
    throw new ProtektError('invalid_argument', `The per-call options ${what}.`, { details: { option: what.split(' ')[0] } });
  };
  if (typeof options !== 'object' || Array.isArray(options)) bad('must be an object { signal, timeout, idempotencyKey }');
  const { signal, timeout, idempotencyKey } = options as Record<string, unknown>;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof (signal as AbortSignal).addEventListener !== 'function' || typeof (signal as AbortSignal).aborted !== 'boolean')) {
    bad('signal must be an AbortSignal');
  }
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 1 && timeout <= 600_000))) bad('timeout must be a number of milliseconds from 1 to 600000');
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey))) {
    bad('idempotencyKey must be 1 to 255 visible ASCII characters');
  }
}

function buildUrl(baseUrl: string, path: string, query: ApiRequest['query']): string {
  let url = baseUrl + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  return url;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; value: undefined } {
  if (text === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, value: undefined };
  }
}

function abortedError(reason: unknown): ProtektError {
  return new ProtektError('aborted', 'The call was aborted by the caller.', { cause: reason });
}

function withAttempts(error: ProtektError, attempts: number): ProtektError {
  error.details.attempts = attempts;
  return error;
}

// A fetch failure's cause is kept for debugging, but only its name and message: some runtimes
// attach the request (with its headers) to the error object.
function safeCause(cause: unknown): Error {
  if (cause instanceof Error) {
    const copy = new Error(cause.message);
    copy.name = cause.name;
    return copy;
  }
  return new Error(String(cause));
}
