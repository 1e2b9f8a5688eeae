/**
 * The revocation check on every runtime: fail-open and fail-closed when Protekt cannot answer, the
 * outage window after a miss (checks skipped for min(maxAge, 5) s, then one probe), the answer
 * cache, and concurrent checks of one token sharing one request. Portable subset only (see
 * README.md here).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProtektError } from '@protekt/node';
import type { Emulator } from '@protekt/node/testing';
import {
  clientOf,
  freshEmulator,
  issuedTokens,
  rejectionOf,
  requestsTo,
} from './_support/emulated.js';

const VERIFY = '/auth/token/verify';
let emulator: Emulator;

beforeAll(() => {
  emulator = freshEmulator();
});
afterEach(() => {
  emulator.faults.clear();
});

describe('revocation check', () => {
  it('an answer is cached for maxAge; a revoked token is refused after it', async () => {
    const protekt = clientOf(emulator, { revocationCheck: { maxAge: 10 } });
    const [token] = await issuedTokens(emulator, 1);
    const from = emulator.requests.length;
    expect((await protekt.auth.verifyToken(token!)).error).toBeNull();
    // Revoked by another instance: this client learns it when its answer expires.
    await clientOf(emulator).auth.revokeToken(token!);
    expect((await protekt.auth.verifyToken(token!)).error).toBeNull();
    expect(requestsTo(emulator, VERIFY, from)).toHaveLength(1);
    emulator.clock.advance(10_000);
    expect((await protekt.auth.verifyToken(token!)).error).toMatchObject({
      code: 'token_revoked',
      status: 401,
    });
  });

  it('fail-open (default): when the check cannot be made, the local answer stands', async () => {
    const lines: string[] = [];
    const protekt = clientOf(emulator, {
      revocationCheck: { maxAge: 30 },
      maxRetries: 0,
      debug: (line: string) => lines.push(line),
    });
    const [token] = await issuedTokens(emulator, 1);
    emulator.faults.add({ path: VERIFY, status: 503 });
    expect((await protekt.auth.verifyToken(token!)).error).toBeNull();
    expect(
      lines.some((l) => l.includes('revocation check failed') && l.includes('fail-open')),
    ).toBe(true);
  });

  it('fail-closed: the ProtektError is thrown (a middleware answers 503)', async () => {
    const protekt = clientOf(emulator, {
      revocationCheck: { maxAge: 30, failClosed: true },
      maxRetries: 0,
    });
    const [token] = await issuedTokens(emulator, 1);
    emulator.faults.add({ path: VERIFY, drop: true });
    const error = await rejectionOf(protekt.auth.verifyToken(token!));
    expect(error).toBeInstanceOf(ProtektError);
    expect(error).toMatchObject({ code: 'network_error' });
  });

  it('the outage window: after a miss, checks are skipped for 5 s, then one probe asks', async () => {
    for (const failClosed of [false, true]) {
      const protekt = clientOf(emulator, {
        revocationCheck: { maxAge: 30, failClosed },
        maxRetries: 0,
        timeout: 200,
      });
      const [first, second, third] = await issuedTokens(emulator, 3);
      const from = emulator.requests.length;
      emulator.faults.add({ path: VERIFY, delayMs: 2_000 });
      const missed = protekt.auth.verifyToken(first!);
      if (failClosed) await expect(missed).rejects.toMatchObject({ code: 'timeout' });
      else expect((await missed).error).toBeNull();
      // Within the window: no request; fail-open accepts, fail-closed throws at once.
      emulator.clock.advance(4_000);
      const skipped = protekt.auth.verifyToken(second!);
      if (failClosed) await expect(skipped).rejects.toMatchObject({ details: { skipped: true } });
      else expect((await skipped).error).toBeNull();
      expect(requestsTo(emulator, VERIFY, from)).toHaveLength(1);
      // After it: the next verification asks again, and Protekt answers.
      emulator.clock.advance(1_000);
      expect((await protekt.auth.verifyToken(third!)).error).toBeNull();
      expect(requestsTo(emulator, VERIFY, from)).toHaveLength(2);
    }
  });

  it('concurrent verifications of one token share one check', async () => {
    const protekt = clientOf(emulator, { revocationCheck: { maxAge: 30 } });
    const [token] = await issuedTokens(emulator, 1);
    const from = emulator.requests.length;
    const results = await Promise.all(
      Array.from({ length: 50 }, () => protekt.auth.verifyToken(token!)),
    );
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(requestsTo(emulator, VERIFY, from)).toHaveLength(1);
  });
});
