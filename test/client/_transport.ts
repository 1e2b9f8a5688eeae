// biome-ignore-all lint/suspicious/noExportsInTest: the suite body, shared by the in-process and the over-HTTP test files.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProtektError } from '../../src/index.js';
import {
  PASSWORD,
  freshEmail,
  type Harness,
  type Mode,
  type StartHarness,
} from '../support/harness.js';

/** Retries, timeouts and idempotency keys: the suite, run once per way of reaching the emulator. */
export function transportTests(mode: Mode, startHarness: StartHarness): void {
  describe(`transport (${mode})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(mode);
    });
    afterAll(() => h.close());
    afterEach(() => h.emulator.faults.clear());

    const keysOf = (path: string) =>
      h.emulator.requests.filter((r) => r.path === path).map((r) => r.idempotencyKey);

    it('two 503s then success: three attempts with one idempotency key', async () => {
      const client = h.client();
      h.emulator.faults.add({ path: '/auth/signup', status: 503, times: 2 });
      const before = keysOf('/auth/signup').length;
      const { user, error } = await client.auth.signUp({ email: freshEmail(), password: PASSWORD });
      expect(error).toBeNull();
      expect(user).not.toBeNull();
      const keys = keysOf('/auth/signup').slice(before);
      expect(keys).toHaveLength(3);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^idem_/);
    });

    it('a sign-up whose first answer is lost is retried and creates one user', async () => {
      const client = h.client();
      const email = freshEmail();
      h.emulator.faults.add({ path: '/auth/signup', drop: true, after: true });
      const { user, error } = await client.auth.signUp({ email, password: PASSWORD });
      expect(error).toBeNull();
      const { users } = await client.users.list({ search: email });
      expect(users).toHaveLength(1);
      expect(users![0]!.id).toBe(user!.id);
    });

    it('a 429 with Retry-After: 1 waits about one second, then succeeds', async () => {
      const client = h.client();
      h.emulator.faults.add({ path: '/auth/login', status: 429, retryAfter: 1 });
      const email = freshEmail();
      await client.auth.signUp({ email, password: PASSWORD });
      const started = Date.now();
      const { error } = await client.auth.login({ email, password: PASSWORD });
      const elapsed = Date.now() - started;
      expect(error).toBeNull();
      expect(elapsed).toBeGreaterThanOrEqual(950);
    });

    it('a Retry-After past maxRetryAfter returns rate_limited at once, with retryAfter', async () => {
      const client = h.client({ maxRetryAfter: 2_000 });
      h.emulator.faults.add({ path: '/auth/login', status: 429, retryAfter: 30 });
      const started = Date.now();
      const { error } = await client.auth.login({ email: freshEmail(), password: PASSWORD });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(error).toMatchObject({
        code: 'rate_limited',
        status: 429,
        details: { retryAfter: 30 },
      });
    });

    it('a hang ends at the timeout with a thrown ProtektError after the retries', async () => {
      const client = h.client({ timeout: 150, maxRetries: 1 });
      h.emulator.faults.add({ path: '/auth/users', delayMs: 2_000, times: 2 });
      const started = Date.now();
      const error = await client.users.list().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProtektError);
      expect(error).toMatchObject({ code: 'timeout', details: { attempts: 2 } });
      expect(Date.now() - started).toBeLessThan(1_500);
    });

    it('5xx after every retry throws server_error / service_unavailable with the attempt count', async () => {
      const client = h.client({ maxRetries: 1 });
      h.emulator.faults.add({ path: '/auth/users', status: 500, times: 2 });
      await expect(client.users.list()).rejects.toMatchObject({
        code: 'server_error',
        status: 500,
        details: { attempts: 2 },
      });
      h.emulator.faults.add({ path: '/auth/users', status: 503, times: 2 });
      await expect(client.users.list()).rejects.toMatchObject({
        code: 'service_unavailable',
        status: 503,
      });
    });

    it('501 is not retried', async () => {
      const client = h.client();
      h.emulator.faults.add({ path: '/auth/users', status: 501, times: 3 });
      const before = h.emulator.faults.hits('/auth/users');
      await expect(client.users.list()).rejects.toMatchObject({
        code: 'server_error',
        status: 501,
        details: { attempts: 1 },
      });
      expect(h.emulator.faults.hits('/auth/users') - before).toBe(1);
      h.emulator.faults.clear();
    });

    it('a dropped connection is retried, then thrown as network_error', async () => {
      const client = h.client({ maxRetries: 1 });
      h.emulator.faults.add({ path: '/auth/users', drop: true });
      expect((await client.users.list()).error).toBeNull();
      h.emulator.faults.add({ path: '/auth/users', drop: true, times: 2 });
      await expect(client.users.list()).rejects.toMatchObject({ code: 'network_error' });
    });

    it('an answer that is not JSON, or JSON of the wrong shape, throws invalid_response', async () => {
      const client = h.client({ maxRetries: 0 });
      h.emulator.faults.add({ path: '/auth/users', status: 200, body: '<html>oops</html>' });
      await expect(client.users.list()).rejects.toMatchObject({ code: 'invalid_response' });
      h.emulator.faults.add({ path: '/auth/users', status: 200, body: '{"data": 42}' });
      await expect(client.users.list()).rejects.toMatchObject({ code: 'invalid_response' });
      h.emulator.faults.add({ path: '/auth/users', status: 200, body: '{"data": [' });
      await expect(client.users.list()).rejects.toMatchObject({ code: 'invalid_response' });
    });

    it('an answer over 1 MiB is refused as invalid_response without retrying', async () => {
      const client = h.client();
      h.emulator.faults.add({
        path: '/auth/users',
        status: 200,
        body: `{"data":[],"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`,
      });
      const before = h.emulator.faults.hits('/auth/users');
      await expect(client.users.list()).rejects.toMatchObject({
        code: 'invalid_response',
        message: expect.stringContaining('larger than'),
      });
      expect(h.emulator.faults.hits('/auth/users') - before).toBe(1);
    });

    it('a caller signal aborts before and during a request, and during a backoff wait', async () => {
      const client = h.client();
      const done = new AbortController();
      done.abort();
      const before = h.emulator.faults.hits('/auth/users');
      await expect(client.users.list({}, { signal: done.signal })).rejects.toMatchObject({
        code: 'aborted',
      });
      expect(h.emulator.faults.hits('/auth/users')).toBe(before);

      h.emulator.faults.add({ path: '/auth/users', delayMs: 5_000 });
      const during = new AbortController();
      setTimeout(() => during.abort(), 50);
      const started = Date.now();
      await expect(client.users.list({}, { signal: during.signal })).rejects.toMatchObject({
        code: 'aborted',
      });
      expect(Date.now() - started).toBeLessThan(2_000);

      h.emulator.faults.add({ path: '/auth/users', status: 429, retryAfter: 5 });
      const waiting = new AbortController();
      setTimeout(() => waiting.abort(), 100);
      await expect(
        h.client({ maxRetryAfter: 10_000 }).users.list({}, { signal: waiting.signal }),
      ).rejects.toMatchObject({ code: 'aborted' });
      h.emulator.faults.clear();
    });

    it('a wrong API key throws invalid_api_key, without the key in the message', async () => {
      const client = h.client({ apiKey: 'pk_test_wrongwrongwrong' });
      const error = await client.users.list().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProtektError);
      expect(error).toMatchObject({ code: 'invalid_api_key', status: 401 });
      expect(String((error as Error).message)).not.toContain('wrongwrongwrong');
    });
  });
}

describe('nothing listening', () => {
  it('throws network_error after the retries', async () => {
    const { Protekt } = await import('../../src/index.js');
    const client = new Protekt({
      loginId: 'lp_nothing',
      apiKey: 'pk_test_nothing123',
      baseUrl: 'http://127.0.0.1:9/v1',
      maxRetries: 1,
    });
    await expect(client.users.list()).rejects.toMatchObject({
      code: 'network_error',
      details: { attempts: 2 },
    });
  });
});
