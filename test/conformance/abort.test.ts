/**
 * A caller's AbortSignal on every runtime: before a call, during an attempt, during the wait
 * before a retry, during a verification's wait on another's JWKS fetch, and at any stage of a
 * verification that needs no network. Portable subset only (see README.md here).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProtektError } from '@protekt/node';
import type { Emulator } from '@protekt/node/testing';
import {
  JWKS,
  clientOf,
  freshEmulator,
  issuedTokens,
  rejectionOf,
  requestsTo,
  settlesWithin,
  sleep,
} from './_support/emulated.js';

let emulator: Emulator;

beforeAll(() => {
  emulator = freshEmulator();
});
afterEach(() => {
  emulator.faults.clear();
});

describe("the caller's AbortSignal", () => {
  it('aborted before the call: thrown aborted, nothing sent', async () => {
    const protekt = clientOf(emulator);
    const from = emulator.requests.length;
    const reason = new Error('the user went away');
    const error = await rejectionOf(protekt.users.list({}, { signal: AbortSignal.abort(reason) }));
    expect(error).toBeInstanceOf(ProtektError);
    expect(error).toMatchObject({ code: 'aborted', cause: reason });
    await expect(
      protekt.auth.refreshToken('rt_whatever', { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'aborted' });
    const [token] = await issuedTokens(emulator, 1);
    await expect(
      protekt.auth.verifyToken(token!, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'aborted' });
    expect(emulator.requests.length).toBe(from);
  });

  it('during an attempt: the request is abandoned at once, not retried', async () => {
    const protekt = clientOf(emulator);
    emulator.faults.add({ path: '/auth/users', delayMs: 10_000 });
    const from = emulator.requests.length;
    const controller = new AbortController();
    const call = protekt.users.list({}, { signal: controller.signal });
    await sleep(50);
    controller.abort();
    expect(await settlesWithin(call, 5_000)).toBe('settled');
    await expect(call).rejects.toMatchObject({ code: 'aborted' });
    expect(requestsTo(emulator, '/auth/users', from)).toHaveLength(1);
  });

  it('during the wait before a retry: the wait ends, no second attempt', async () => {
    const protekt = clientOf(emulator);
    emulator.faults.add({ path: '/auth/users', status: 503, retryAfter: 8 });
    const from = emulator.requests.length;
    const controller = new AbortController();
    const call = protekt.users.list({}, { signal: controller.signal });
    while (requestsTo(emulator, '/auth/users', from).length === 0) await sleep(5);
    await sleep(50);
    controller.abort();
    // Without the abort the call would wait 8 s for Retry-After.
    expect(await settlesWithin(call, 4_000)).toBe('settled');
    await expect(call).rejects.toMatchObject({ code: 'aborted' });
    expect(requestsTo(emulator, '/auth/users', from)).toHaveLength(1);
  });

  it("during a verification's wait on another's JWKS fetch: only that one gives up, one fetch", async () => {
    const cold = freshEmulator();
    const protekt = clientOf(cold, { revocationCheck: false });
    const [token] = await issuedTokens(cold, 1);
    cold.faults.add({ path: JWKS, delayMs: 300 });
    const first = protekt.auth.verifyToken(token!);
    const controller = new AbortController();
    const joined = protekt.auth.verifyToken(token!, { signal: controller.signal });
    await sleep(20);
    controller.abort();
    await expect(joined).rejects.toMatchObject({ code: 'aborted' });
    expect((await first).error).toBeNull();
    expect(requestsTo(cold, JWKS)).toHaveLength(1);
  });

  it('during a verification that awaits no network (keys and answer cached): still aborted', async () => {
    const protekt = clientOf(emulator, { revocationCheck: false });
    const [token, other] = await issuedTokens(emulator, 2);
    expect((await protekt.auth.verifyToken(token!)).error).toBeNull();
    const from = emulator.requests.length;
    for (const t of [token!, other!]) {
      const controller = new AbortController();
      const call = protekt.auth.verifyToken(t, { signal: controller.signal });
      controller.abort();
      await expect(call).rejects.toMatchObject({ code: 'aborted' });
    }
    expect(emulator.requests.length).toBe(from);
  });

  it('during the revocation check: aborted at once (the shared check goes on for the others)', async () => {
    const protekt = clientOf(emulator, { revocationCheck: { maxAge: 30 }, timeout: 1_000 });
    const [token] = await issuedTokens(emulator, 1);
    emulator.faults.add({ path: '/auth/token/verify', delayMs: 10_000 });
    const from = emulator.requests.length;
    const controller = new AbortController();
    const call = protekt.auth.verifyToken(token!, { signal: controller.signal });
    const other = protekt.auth.verifyToken(token!);
    while (requestsTo(emulator, '/auth/token/verify', from).length === 0) await sleep(5);
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'aborted' });
    // The other caller's wait ends with the check's own timeout: fail-open, the local answer.
    expect((await other).error).toBeNull();
    expect(requestsTo(emulator, '/auth/token/verify', from)).toHaveLength(1);
  });
});
