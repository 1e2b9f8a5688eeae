/**
 * The retry policy as documented (docs/reliability.md): which statuses are retried, the
 * full-jitter backoff and its cap, and how `Retry-After` is read (seconds or an HTTP date).
 */
import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from '../../src/http/retry.js';

describe('isRetryableStatus', () => {
  it('408, 429 and every 5xx but 501 are retried; nothing else', () => {
    const retried = [408, 429, 500, 502, 503, 504, 599];
    const final = [200, 301, 400, 401, 404, 407, 409, 428, 430, 499, 501];
    for (const status of retried) expect(isRetryableStatus(status)).toBe(true);
    for (const status of final) expect(isRetryableStatus(status)).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('is a random share of min(5000, 200 · 2^attempt) ms, rounded down', () => {
    const almostOne = () => 0.999_999;
    expect(backoffDelay(0, almostOne)).toBe(199);
    expect(backoffDelay(1, almostOne)).toBe(399);
    expect(backoffDelay(4, almostOne)).toBe(3199);
    expect(backoffDelay(5, almostOne)).toBe(4999);
    expect(backoffDelay(10, almostOne)).toBe(4999);
    expect(backoffDelay(3, () => 0.5)).toBe(800);
    expect(backoffDelay(3, () => 0)).toBe(0);
  });

  it('uses Math.random by default, within the bound', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const delay = backoffDelay(attempt);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(5000, 200 * 2 ** attempt));
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2030, 0, 1, 12, 0, 0);

  it('reads delta-seconds, surrounding spaces allowed', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
  });

  it('reads an HTTP date as the time until it, never negative', () => {
    expect(parseRetryAfter('Tue, 01 Jan 2030 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 01 Jan 2030 11:00:00 GMT', now)).toBe(0);
  });

  it('is null when absent or unreadable', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
  });
});
