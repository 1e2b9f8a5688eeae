/** Retry policy of the transport: which failures are retried and how long to wait before the next attempt. */

/** Statuses worth another attempt: request timeout, rate limit, and server errors except 501. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501);
}

/** Base of the exponential backoff, in milliseconds. */
export const BACKOFF_BASE_MS = 200;
/** Ceiling of one backoff wait, in milliseconds. */
export const BACKOFF_MAX_MS = 5_000;

/** Full-jitter exponential backoff (AWS style): a random wait in [0, min(max, base·2^attempt)). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt));
}

/**
 * Reads `Retry-After` as delta-seconds or an HTTP date, in milliseconds from `now`.
 * Returns `null` when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** Waits `ms`, ending early (rejecting with the signal's reason) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = (): void => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
