/**
 * Retry policy of the transport: which failures are retried and how long to wait before the next
 * attempt.
 */

/** Statuses worth another attempt: request timeout, rate limit, and server errors except 501. */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 429 || (status > 499 && status !== 501);

/**
 * Full-jitter exponential backoff (AWS style): a random wait in [0, min(5000, 200·2^attempt)) ms.
 */
export const backoffDelay = (attempt: number, random: () => number = Math.random): number =>
  Math.floor(random() * Math.min(5000, 200 * 2 ** attempt));

/**
 * Reads `Retry-After` as delta-seconds or an HTTP date, in milliseconds from `now`.
 * Returns `null` when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return +text * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * The longest one call can take: every attempt under its `timeout` (ms) and the longest wait
 * before each retry (the backoff's cap, or a `Retry-After` up to `maxRetryAfter`). A call that
 * joined another's work in flight waits this long at most where it cannot trust that work to
 * settle (Workers: src/runtime/in-flight.ts).
 */
export function callBudget(timeout: number, maxRetries: number, maxRetryAfter: number): number {
  let total = timeout * (maxRetries + 1);
  for (let attempt = 0; attempt < maxRetries; attempt++)
    total += Math.max(Math.min(5000, 200 * 2 ** attempt), maxRetryAfter);
  return total;
}
