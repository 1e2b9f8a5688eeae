/**
 * What the transport makes of each answer, status by status: a 2xx object is data, any other
 * 2xx body or a 3xx is `invalid_response`, a 4xx with an error code is returned, `invalid_api_key`
 * is thrown, 408/429/5xx (not 501) are retried and then returned (`rate_limited`) or thrown.
 * Answers come from the emulator, faults from its fault injection.
 */
import { describe, expect, it } from 'vitest';
import { ProtektError } from '../../src/errors/protekt-error.js';
import { BASE_URL, rejectionOf, transportRig } from './_transport.js';

const JWKS = '/.well-known/jwks.json';
const VERIFY = '/auth/token/verify';
const CHECK = 'check that the baseUrl option points at the Protekt API';

describe('2xx answers', () => {
  it('a JSON object is the data; an empty body is an empty object', async () => {
    const { emulator, send } = transportRig();
    const jwks = await send({ method: 'GET', path: JWKS });
    expect(jwks.status).toBe(200);
    expect(jwks.error).toBeNull();
    expect(Array.isArray((jwks.data as { keys: unknown[] }).keys)).toBe(true);
    emulator.faults.add({ path: JWKS, status: 200, body: '' });
    expect(await send({ method: 'GET', path: JWKS })).toMatchObject({ status: 200, data: {} });
    emulator.faults.add({ path: JWKS, status: 299, body: '{"ok":true}' });
    expect(await send({ method: 'GET', path: JWKS })).toMatchObject({
      status: 299,
      data: { ok: true },
      error: null,
    });
  });

  it('a body that is not a JSON object is thrown as invalid_response, not retried', async () => {
    for (const body of ['[1,2]', '"text"', 'null', '<html>proxy</html>', '{"truncated":']) {
      const { emulator, send, sent } = transportRig();
      emulator.faults.add({ path: JWKS, status: 200, body });
      const error = await rejectionOf(send({ method: 'GET', path: JWKS }));
      expect(error).toBeInstanceOf(ProtektError);
      expect(error).toMatchObject({ code: 'invalid_response', status: 200 });
      expect(error.message).toBe(
        `Protekt answered GET ${JWKS} with HTTP 200 but a body that is not a JSON object: ${CHECK}.`,
      );
      expect(sent).toHaveLength(1);
    }
  });
});

describe('3xx and 4xx answers', () => {
  it('a 3xx is never followed: invalid_response, one request', async () => {
    for (const status of [300, 302, 399]) {
      const { emulator, send, sent } = transportRig();
      emulator.faults.add({
        path: JWKS,
        status,
        body: '{"a":1}',
        headers: { location: 'https://elsewhere.example/' },
      });
      const error = await rejectionOf(send({ method: 'GET', path: JWKS }));
      expect(error).toMatchObject({ code: 'invalid_response', status });
      expect(error.message).toBe(
        `Protekt answered GET ${JWKS} with HTTP ${status} and no error code it could read: ${CHECK}.`,
      );
      expect(sent).toHaveLength(1);
      expect(sent[0]!.redirect).toBe('manual');
    }
  });

  it('a 4xx with an error code is returned as error, at once', async () => {
    const { send, sent } = transportRig();
    const answer = await send({ method: 'POST', path: VERIFY, body: { token: 'x.y.z' } });
    expect(answer.status).toBe(401);
    expect(answer.data).toBeNull();
    expect(answer.error).toMatchObject({ code: 'token_invalid', status: 401 });
    expect(sent).toHaveLength(1);
  });

  it('a 4xx without a readable error code is thrown as invalid_response', async () => {
    const { emulator, send } = transportRig();
    emulator.faults.add({ path: VERIFY, status: 404, body: 'Not Found' });
    const error = await rejectionOf(send({ method: 'POST', path: VERIFY, body: { token: 't' } }));
    expect(error).toMatchObject({ code: 'invalid_response', status: 404 });
  });

  it('a 499 with an error code is a 4xx like any other: returned, not thrown', async () => {
    const { emulator, send } = transportRig();
    emulator.faults.add({ path: VERIFY, status: 499 });
    const answer = await send({ method: 'POST', path: VERIFY, body: { token: 't' } });
    expect(answer.status).toBe(499);
    expect(answer.error).toMatchObject({ status: 499 });
  });

  it("a 401 invalid_api_key is thrown: the client's own key is wrong", async () => {
    const { send, sent } = transportRig({ apiKey: 'pk_test_not_a_key_of_this_emulator' });
    const error = await rejectionOf(send({ method: 'POST', path: VERIFY, body: { token: 't' } }));
    expect(error).toBeInstanceOf(ProtektError);
    expect(error).toMatchObject({ code: 'invalid_api_key', status: 401 });
    expect(error.message).toBe(
      "Protekt rejected the apiKey option (X-Protekt-Key): check it against the project's API keys.",
    );
    expect(sent).toHaveLength(1);
  });

  it('a 400 or 404 is not retried', async () => {
    for (const status of [400, 404, 409]) {
      const { emulator, send, sent } = transportRig();
      emulator.faults.add({ path: VERIFY, status });
      const answer = await send({ method: 'POST', path: VERIFY, body: { token: 't' } });
      expect(answer.status).toBe(status);
      expect(answer.error).not.toBeNull();
      expect(sent).toHaveLength(1);
    }
  });
});

describe('retried answers', () => {
  it('408, 429, 500, 502, 503 and 504 are retried; the next answer is returned', async () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      const { emulator, send, sent } = transportRig();
      emulator.faults.add({ path: JWKS, status, retryAfter: 0 });
      const answer = await send({ method: 'GET', path: JWKS });
      expect(answer.status).toBe(200);
      expect(sent).toHaveLength(2);
    }
  });

  it('a 501 is thrown as server_error at once, with one attempt', async () => {
    const { emulator, send, sent } = transportRig();
    emulator.faults.add({ path: JWKS, status: 501 });
    const error = await rejectionOf(send({ method: 'GET', path: JWKS }));
    expect(error).toMatchObject({ code: 'server_error', status: 501, details: { attempts: 1 } });
    expect(error.message).toBe(
      `Protekt answered GET ${JWKS} with HTTP 501, which is not retried: try again later.`,
    );
    expect(sent).toHaveLength(1);
  });

  it('a 503 on every attempt is thrown as service_unavailable after maxRetries + 1 attempts', async () => {
    const { emulator, send, sent } = transportRig({ maxRetries: 2 });
    emulator.faults.add({ path: JWKS, status: 503, retryAfter: 0, times: Infinity });
    const error = await rejectionOf(send({ method: 'GET', path: JWKS }));
    expect(error).toMatchObject({
      code: 'service_unavailable',
      status: 503,
      details: { attempts: 3, retryAfter: 0 },
    });
    expect(error.message).toBe(
      `Protekt answered GET ${JWKS} with HTTP 503 after 3 attempt(s): try again later.`,
    );
    expect(sent).toHaveLength(3);
  });

  it('a 500 on every attempt is thrown as server_error; with maxRetries 0 after one', async () => {
    const { emulator, send, sent } = transportRig({ maxRetries: 0 });
    emulator.faults.add({ path: JWKS, status: 500, times: Infinity });
    const error = await rejectionOf(send({ method: 'GET', path: JWKS }));
    expect(error).toMatchObject({ code: 'server_error', status: 500, details: { attempts: 1 } });
    expect(error.details).not.toHaveProperty('retryAfter');
    expect(sent).toHaveLength(1);
  });

  it('a 429 after the last retry is returned as rate_limited, with retryAfter in seconds', async () => {
    const { emulator, send, sent } = transportRig({ maxRetries: 1 });
    emulator.faults.add({ path: VERIFY, status: 429, retryAfter: 0, times: Infinity });
    const answer = await send({ method: 'POST', path: VERIFY, body: { token: 't' } });
    expect(answer.status).toBe(429);
    expect(answer.error).toMatchObject({
      code: 'rate_limited',
      status: 429,
      details: { retryAfter: 0 },
    });
    expect(sent).toHaveLength(2);
  });

  it('a 429 without an error body is still rate_limited, with a message of its own', async () => {
    const { emulator, send } = transportRig({ maxRetries: 0 });
    emulator.faults.add({ path: VERIFY, status: 429, body: '' });
    const answer = await send({ method: 'POST', path: VERIFY, body: { token: 't' } });
    expect(answer.error).toEqual({
      code: 'rate_limited',
      message: 'Too many requests to Protekt: wait before trying again.',
      status: 429,
      details: {},
    });
  });

  it('a Retry-After longer than maxRetryAfter ends the call at once, rounded up to seconds', async () => {
    const { emulator, send, sent } = transportRig({ maxRetryAfter: 1_500 });
    emulator.faults.add({ path: JWKS, status: 503, retryAfter: 2 });
    const error = await rejectionOf(send({ method: 'GET', path: JWKS }));
    expect(error).toMatchObject({
      code: 'service_unavailable',
      details: { attempts: 1, retryAfter: 2 },
    });
    expect(sent).toHaveLength(1);
  });

  it('a Retry-After equal to maxRetryAfter is waited for', async () => {
    const { emulator, send, sent } = transportRig({ maxRetryAfter: 1_000 });
    emulator.faults.add({ path: JWKS, status: 503, retryAfter: 1 });
    expect((await send({ method: 'GET', path: JWKS })).status).toBe(200);
    expect(sent).toHaveLength(2);
  });

  it('an HTTP-date Retry-After in the past is retried at once', async () => {
    const { emulator, send, sent } = transportRig({ maxRetryAfter: 1_000 });
    emulator.faults.add({
      path: JWKS,
      status: 503,
      retryAfter: new Date(Date.now() - 60_000).toUTCString(),
    });
    expect((await send({ method: 'GET', path: JWKS })).status).toBe(200);
    expect(sent).toHaveLength(2);
  });

  it('an HTTP-date Retry-After past maxRetryAfter ends the call, in whole seconds', async () => {
    const { emulator, send } = transportRig({ maxRetryAfter: 1_000 });
    const at = new Date(Date.now() + 120_000);
    emulator.faults.add({ path: JWKS, status: 503, retryAfter: at.toUTCString() });
    const error = await rejectionOf(send({ method: 'GET', path: JWKS }));
    expect(error.details.retryAfter).toBeGreaterThanOrEqual(118);
    expect(error.details.retryAfter).toBeLessThanOrEqual(120);
    expect(Number.isInteger(error.details.retryAfter)).toBe(true);
  });

  it('the debug line names the base URL, the path, the outcome and the attempt', async () => {
    const { emulator, send, lines } = transportRig();
    emulator.faults.add({ path: VERIFY, status: 503, retryAfter: 0 });
    await send({ method: 'POST', path: VERIFY, body: { token: 't' }, query: 'email=a%40b.c' });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^\\[Protekt\\] POST ${BASE_URL}${VERIFY} -> 503 service_unavailable \\(\\d+ ms\\)$`,
      ),
    );
    expect(lines[1]).toMatch(/ -> 401 token_invalid \(\d+ ms\) \[attempt 2\]$/);
    expect(lines.join('\n')).not.toContain('a%40b.c');
    await send({ method: 'GET', path: JWKS });
    expect(lines[2]).toMatch(
      new RegExp(`^\\[Protekt\\] GET ${BASE_URL}${JWKS} -> 200 \\(\\d+ ms\\)$`),
    );
  });
});
