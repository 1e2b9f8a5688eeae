/**
 * The transport's edges that mutation testing found unasserted (npm run test:mutation): the
 * longest a call can take, a malformed `Retry-After`, the Account API's headers, a network
 * failure's cause on a call without a key, what a debug line's duration measures, the signal
 * check, and the listeners a call leaves on its caller's signal. Portable (web standards only).
 */
import { describe, expect, it } from 'vitest';
import { checkRequestOptions } from '../../src/http/transport.js';
import { callBudget, parseRetryAfter } from '../../src/http/retry.js';
import { watchedSignal } from '../support/web.js';
import { rejectionOf, transportRig } from './_transport.js';

const VERIFY = '/auth/token/verify';

describe('callBudget: the longest one call can take', () => {
  it('is every attempt under its timeout plus the longest wait before each retry', () => {
    // 3 attempts of 1 s, and waits of at most 200 and 400 ms (the backoff's bound).
    expect(callBudget(1_000, 2, 0)).toBe(3_600);
    // A Retry-After up to maxRetryAfter may be longer than the backoff.
    expect(callBudget(1_000, 2, 10_000)).toBe(23_000);
    // The backoff's bound stops at 5 s: 200 + 400 + 800 + 1600 + 3200 + 5000.
    expect(callBudget(1_000, 6, 0)).toBe(7_000 + 11_200);
    expect(callBudget(2_500, 0, 60_000)).toBe(2_500);
  });
});

describe('Retry-After', () => {
  it('a value with digits and more is unreadable, not a number of seconds', () => {
    const now = Date.UTC(2030, 0, 1, 12, 0, 0);
    for (const value of ['5s', 'x5', '10 seconds']) expect(parseRetryAfter(value, now)).toBeNull();
  });

  it('a 429 whose Retry-After is unreadable is returned without one', async () => {
    const { emulator, send } = transportRig({ maxRetries: 0 });
    emulator.faults.add({ path: VERIFY, status: 429, retryAfter: '5s', times: 1 });
    const { error } = await send({ method: 'POST', path: VERIFY, body: { token: 't' } });
    expect(error?.code).toBe('rate_limited');
    expect(error?.details).not.toHaveProperty('retryAfter');
  });
});

describe('the Account API transport', () => {
  it('sends the management token as a bearer token, never as X-Protekt-Key', async () => {
    const { send, sent } = transportRig({ account: true, apiKey: 'mgmt_example' });
    await send({ method: 'GET', path: '/projects' });
    const headers = Object.fromEntries(sent[0]!.headers);
    expect(headers.authorization).toBe('Bearer mgmt_example');
    expect(headers).not.toHaveProperty('x-protekt-key');
  });

  it('without a token (getManagementToken) sends no authorization, and keeps a failure’s cause name', async () => {
    const { emulator, send, sent } = transportRig({ account: true, apiKey: '', maxRetries: 0 });
    emulator.faults.add({ path: '/token', drop: true, times: 1 });
    const error = await rejectionOf(send({ method: 'POST', path: '/token', body: {} }));
    expect(error).toMatchObject({ code: 'network_error', cause: { name: 'TypeError' } });
    const headers = Object.fromEntries(sent[0]!.headers);
    expect(headers).not.toHaveProperty('authorization');
    expect(headers).not.toHaveProperty('x-protekt-key');
  });
});

describe('the Account API refusing the management token', () => {
  it('a 401 without an error body (a proxy) is still invalid_management_token', async () => {
    const { emulator, send } = transportRig({ account: true, apiKey: 'mgmt_example' });
    emulator.faults.add({ path: '/projects', status: 401, body: '', times: 1 });
    const error = await rejectionOf(send({ method: 'GET', path: '/projects' }));
    expect(error).toMatchObject({ code: 'invalid_management_token', status: 401 });
    expect(error.message).toContain('(HTTP 401)');
    expect(error.message).not.toContain('mgmt_example');
  });
});

describe('debug lines', () => {
  it("give the attempt's duration on the client's clock", async () => {
    let clock = 10_000;
    const { send, lines } = transportRig({ now: () => (clock += 125) });
    await send({ method: 'POST', path: VERIFY, body: { token: 't' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ \(125 ms\)$/);
  });
});

describe('the signal option', () => {
  it('a function with the members of a signal is refused', () => {
    const lookalike = Object.assign(() => {}, { addEventListener() {}, aborted: false });
    expect(() => checkRequestOptions({ signal: lookalike })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', details: { option: 'signal' } }),
    );
  });

  it('calls leave no listener on a long-lived signal, retries and failures included', async () => {
    const { emulator, send } = transportRig({ maxRetries: 1 });
    const { signal, live } = watchedSignal();
    emulator.faults.add({ path: VERIFY, status: 503, times: 1 });
    for (let i = 0; i < 3; i++)
      expect(
        (await send({ method: 'POST', path: VERIFY, body: { token: 't' }, options: { signal } }))
          .status,
      ).toBe(401); // the token "t" is refused: an answer, not a failure
    emulator.faults.add({ path: VERIFY, drop: true, times: 2 });
    const error = await rejectionOf(
      send({ method: 'POST', path: VERIFY, body: { token: 't' }, options: { signal } }),
    );
    expect(error.code).toBe('network_error');
    expect(live()).toBe(0);
  });
});
