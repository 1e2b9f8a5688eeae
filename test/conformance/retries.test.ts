/**
 * The transport's failure paths on every runtime: retries after a network error and after a
 * timeout under one idempotency key, `Retry-After` as an HTTP date, `maxRetryAfter`, a 429 after
 * the last retry, and the cap on the size of an answer (stream cancellation differs per runtime).
 * Portable subset only (see README.md here).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProtektError } from '@protekt/node';
import type { Emulator } from '@protekt/node/testing';
import {
  PASSWORD,
  clientOf,
  freshEmail,
  freshEmulator,
  rejectionOf,
  requestsTo,
} from './_support/emulated.js';

let emulator: Emulator;

beforeAll(() => {
  emulator = freshEmulator();
});
afterEach(() => {
  emulator.faults.clear();
});

// The Idempotency-Key of each logged request to `path` since position `from` of the log.
const keysOf = (path: string, from: number): (string | null)[] =>
  requestsTo(emulator, path, from).map((r) => r.idempotencyKey);

describe('retries', () => {
  it('after a dropped connection: retried under the same idempotency key, one user created', async () => {
    const protekt = clientOf(emulator);
    emulator.faults.add({ path: '/auth/signup', drop: true });
    const from = emulator.requests.length;
    const address = freshEmail();
    const result = await protekt.auth.signUp({ email: address, password: PASSWORD });
    expect(result.error).toBeNull();
    const keys = keysOf('/auth/signup', from);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/./);
    expect(new Set(keys).size).toBe(1);
  });

  it('after an answer lost once the server acted: the retry is replayed, not applied twice', async () => {
    const protekt = clientOf(emulator);
    emulator.faults.add({ path: '/auth/signup', drop: true, after: true });
    const from = emulator.requests.length;
    const result = await protekt.auth.signUp({ email: freshEmail(), password: PASSWORD });
    expect(result.error).toBeNull();
    const keys = keysOf('/auth/signup', from);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
  });

  it('after a timeout: retried under the same idempotency key', async () => {
    const protekt = clientOf(emulator, { timeout: 300 });
    emulator.faults.add({ path: '/auth/signup', delayMs: 3_000 });
    const from = emulator.requests.length;
    const result = await protekt.auth.signUp({ email: freshEmail(), password: PASSWORD });
    expect(result.error).toBeNull();
    const keys = keysOf('/auth/signup', from);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
  });

  it('a timeout on every attempt: thrown timeout after maxRetries + 1 attempts, one key', async () => {
    const protekt = clientOf(emulator, { timeout: 150, maxRetries: 1 });
    emulator.faults.add({ path: '/auth/signup', delayMs: 3_000, times: 2 });
    const from = emulator.requests.length;
    const error = await rejectionOf(
      protekt.auth.signUp({ email: freshEmail(), password: PASSWORD }),
    );
    expect(error).toBeInstanceOf(ProtektError);
    expect(error).toMatchObject({ code: 'timeout', details: { attempts: 2 } });
    expect(new Set(keysOf('/auth/signup', from)).size).toBe(1);
    expect(keysOf('/auth/signup', from)).toHaveLength(2);
  });

  it('Retry-After as an HTTP date is honoured', async () => {
    const protekt = clientOf(emulator);
    const at = new Date(Date.now() + 1_000).toUTCString();
    emulator.faults.add({ path: '/auth/users', status: 503, retryAfter: at });
    const from = emulator.requests.length;
    expect((await protekt.users.list()).error).toBeNull();
    expect(requestsTo(emulator, '/auth/users', from)).toHaveLength(2);
  });

  it('a Retry-After beyond maxRetryAfter ends the call at once: 503 thrown, 429 returned', async () => {
    const protekt = clientOf(emulator, { maxRetryAfter: 1_000 });
    emulator.faults.add({ path: '/auth/users', status: 503, retryAfter: 60 });
    const from = emulator.requests.length;
    const error = await rejectionOf(protekt.users.list());
    expect(error).toBeInstanceOf(ProtektError);
    expect(error).toMatchObject({ status: 503, details: { retryAfter: 60 } });
    expect(requestsTo(emulator, '/auth/users', from)).toHaveLength(1);

    emulator.faults.add({ path: '/auth/users', status: 429, retryAfter: 60 });
    const limited = await protekt.users.list();
    expect(limited.error).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(requestsTo(emulator, '/auth/users', from)).toHaveLength(2);
  });

  it('a 429 after the last retry is returned as rate_limited', async () => {
    const protekt = clientOf(emulator, { maxRetries: 1 });
    emulator.faults.add({ path: '/auth/users', status: 429, retryAfter: 0, times: 2 });
    const from = emulator.requests.length;
    const result = await protekt.users.list();
    expect(result.error).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(requestsTo(emulator, '/auth/users', from)).toHaveLength(2);
  });
});

describe('the size cap of an answer', () => {
  it('an answer over 1 MiB is refused as invalid_response, not read whole', async () => {
    const protekt = clientOf(emulator, { maxRetries: 0 });
    const huge = `{"data":[],"pad":"${'x'.repeat(1 << 20)}"}`;
    emulator.faults.add({ path: '/auth/users', status: 200, body: huge });
    const error = await rejectionOf(protekt.users.list());
    expect(error).toBeInstanceOf(ProtektError);
    expect(error).toMatchObject({ code: 'invalid_response', status: 200 });
    expect((error as Error).message).toContain('larger than');
    // The client goes on working.
    expect((await protekt.users.list()).error).toBeNull();
  });

  it('an answer just under the cap is read', async () => {
    const protekt = clientOf(emulator, { maxRetries: 0 });
    const body = `{"data":[],"has_more":false,"next_cursor":null,"pad":"${'x'.repeat((1 << 20) - 200)}"}`;
    emulator.faults.add({ path: '/auth/users', status: 200, body });
    expect((await protekt.users.list()).error).toBeNull();
  });
});
