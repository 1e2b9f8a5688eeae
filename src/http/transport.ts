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
    const { method, path, options } = req;
    const signal = options?.signal;
    const timeout = options?.timeout ?? cfg.timeout;
    if (signal?.aborted) throw abortedError(signal.reason);

    const url = buildUrl(cfg.baseUrl, path, req.query);
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
    if (method !== 'GET') headers['idempotency-key'] = options?.idempotencyKey ?? `idem_${getCrypto().randomUUID()}`;
    const answered = (what: string): string => `Protekt answered ${method} ${path} with ${what}`;

    for (let attempt = 0; ; attempt++) {
      const started = cfg.now();
      const outcome = await this.#attempt(url, method, headers, body, timeout, signal);
      const elapsed = cfg.now() - started;
      const last = attempt >= cfg.maxRetries;
      const attempts = attempt + 1;

      if (outcome instanceof ProtektError) {
        this.#log(req, attempt, outcome.code, elapsed);
        if (outcome.code === 'aborted' || outcome.code === 'invalid_response' || last) {
          outcome.details.attempts = attempts;
          throw outcome;
        }
        await this.#pause(backoffDelay(attempt), signal);
        continue;
      }

      const [response, text] = outcome;
      const status = response.status;
      // An empty body reads as {}; an unreadable one as undefined (no JSON at all).
      let value: unknown = {};
      if (text !== '') {
        try {
          value = JSON.parse(text);
        } catch {
          value = undefined;
        }
      }
      const apiError = status >= 400 ? parseApiError(status, value) : null;
      this.#log(req, attempt, `${status}${apiError ? ` ${apiError.code}` : ''}`, elapsed);
      const reply = (data: T | null, error: ApiResponse['error']): ApiResponse<T> => ({ status, headers: response.headers, data, error });

      if (status >= 200 && status < 300) {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new ProtektError('invalid_response', answered('a body that is not a JSON object.'), { status });
        }
        return reply(value as T, null);
      }

      if (status === 401 && apiError?.code === 'invalid_api_key') {
        throw new ProtektError('invalid_api_key', 'Protekt rejected the project API key (check the apiKey option).', { status });
      }

      if (isRetryableStatus(status)) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        if (!last && !(retryAfter !== null && retryAfter > cfg.maxRetryAfter)) {
          await this.#pause(retryAfter ?? backoffDelay(attempt), signal);
          continue;
        }
        const wait = retryAfter === null ? {} : { retryAfter: Math.ceil(retryAfter / 1000) };
        if (status === 429) {
          const error = apiError ?? { code: 'rate_limited', message: 'Too many requests.', status };
          return reply(null, { ...error, code: 'rate_limited', details: { ...error.details, ...wait } });
        }
        throw new ProtektError(status === 503 ? 'service_unavailable' : 'server_error', answered(`HTTP ${status} after ${attempts} attempt(s).`), {
          status,
          details: { attempts, ...wait },
        });
      }

      // 501 and other 5xx not worth retrying: still Protekt's failure, never the caller's.
      if (status >= 500) throw new ProtektError('server_error', answered(`HTTP ${status}.`), { status, details: { attempts } });
      if (apiError) return reply(null, apiError);
      throw new ProtektError('invalid_response', answered(`HTTP ${status} and no readable error.`), { status });
    }
  }

  // One attempt: the response and its body text, or the ProtektError it ended with.
  async #attempt(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeout: number,
    signal: AbortSignal | undefined,
  ): Promise<[Response, string] | ProtektError> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(TIMEOUT), timeout);
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // Never follow a redirect: fetch would resend X-Protekt-Key (and the body) to wherever the
      // Location points, another origin included. A 3xx is reported as invalid_response.
      const init: RequestInit = { method, headers, signal: controller.signal, redirect: 'manual' };
      if (body !== undefined) init.body = body;
      // Raced against our own abort, so a `fetch` option (or a body stream) that ignores the
      // signal still ends at the timeout or the caller's abort instead of hanging the call. The
      // body is read under the same timer: a server that stalls mid-body times out too.
      return await Promise.race([
        (async (): Promise<[Response, string]> => {
          const response = await this.fetchImpl(url, init);
          return [response, await readBody(response)];
        })(),
        new Promise<never>((_, reject) => {
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
        }),
      ]);
    } catch (cause) {
      if (cause instanceof ProtektError) return cause;
      return signal?.aborted
        ? abortedError(signal.reason)
        : controller.signal.reason === TIMEOUT
          ? new ProtektError('timeout', `No answer from Protekt within ${timeout} ms.`, { details: { timeout } })
          : new ProtektError('network_error', 'Could not reach Protekt (network error).', { cause: safeCause(cause) });
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

/** Largest answer body the client reads; no Protekt answer comes near it. */
export const MAX_BODY_BYTES = 1 << 20;

// The body as text; one over MAX_BODY_BYTES is refused as invalid_response.
async function readBody(response: Response): Promise<string> {
  const bytes = await readBounded(response, MAX_BODY_BYTES);
  if (bytes === null) {
    throw new ProtektError('invalid_response', `Protekt's answer is larger than ${MAX_BODY_BYTES} bytes.`, { status: response.status });
  }
  return new TextDecoder().decode(bytes);
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

function abortedError(reason: unknown): ProtektError {
  return new ProtektError('aborted', 'The call was aborted by the caller.', { cause: reason });
}

// A fetch failure's cause is kept for debugging, but only its name and message: some runtimes
// attach the request (with its headers) to the error object.
function safeCause(cause: unknown): Error {
  return cause instanceof Error ? Object.assign(new Error(cause.message), { name: cause.name }) : new Error(String(cause));
}
