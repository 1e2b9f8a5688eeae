/**
 * Concurrent refreshes of one refresh token never log the user out, on every runtime and across
 * instances: one client shares one rotation among its callers (on Workers too: a caller waits for
 * another request's rotation at most its time budget); separate clients each send theirs, and
 * Protekt's reuse interval answers the late ones with the same pair. Portable subset only (see
 * README.md here).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '@protekt/node/testing';
import { PASSWORD, clientOf, freshEmail, freshEmulator, requestsTo } from './_support/emulated.js';

const REFRESH = '/auth/token/refresh';
let emulator: Emulator;

beforeAll(() => {
  emulator = freshEmulator();
});

async function session() {
  const result = await clientOf(emulator).auth.signUp({ email: freshEmail(), password: PASSWORD });
  if (result.error) throw new Error(result.error.code);
  return { accessToken: result.accessToken, refreshToken: result.refreshToken };
}

describe('concurrent refresh', () => {
  for (const count of [5, 50]) {
    it(`${count} concurrent refreshToken calls on one client: one rotation, the same pair, the session lives`, async () => {
      const protekt = clientOf(emulator, { revocationCheck: { maxAge: 0 } });
      const s = await session();
      const from = emulator.requests.length;
      const results = await Promise.all(
        Array.from({ length: count }, () => protekt.auth.refreshToken(s.refreshToken)),
      );
      expect(results.filter((r) => r.error !== null)).toHaveLength(0);
      expect(new Set(results.map((r) => r.refreshToken)).size).toBe(1);
      expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
      expect(requestsTo(emulator, REFRESH, from)).toHaveLength(1);
      // Not a reuse detection: the old access token is not revoked, the new pair works.
      expect((await protekt.auth.verifyToken(s.accessToken)).error).toBeNull();
      expect((await protekt.auth.verifyToken(results[0]!.accessToken!)).error).toBeNull();
      expect((await protekt.auth.refreshToken(results[0]!.refreshToken!)).error).toBeNull();
    });
  }

  it('five separate clients (five instances) refreshing one token at once: the same pair for all', async () => {
    const clients = Array.from({ length: 5 }, () =>
      clientOf(emulator, { revocationCheck: { maxAge: 0 } }),
    );
    const s = await session();
    const from = emulator.requests.length;
    const results = await Promise.all(clients.map((c) => c.auth.refreshToken(s.refreshToken)));
    expect(results.filter((r) => r.error !== null)).toHaveLength(0);
    expect(new Set(results.map((r) => r.refreshToken)).size).toBe(1);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(new Set(results.map((r) => r.expiresIn)).size).toBe(1);
    expect(requestsTo(emulator, REFRESH, from)).toHaveLength(5);
    expect((await clients[1]!.auth.verifyToken(s.accessToken)).error).toBeNull();
    expect((await clients[2]!.auth.refreshToken(results[0]!.refreshToken!)).error).toBeNull();
  });

  it('the rotated token presented after the reuse interval ends the session', async () => {
    const protekt = clientOf(emulator, { revocationCheck: { maxAge: 0 } });
    const s = await session();
    const next = await protekt.auth.refreshToken(s.refreshToken);
    expect(next.error).toBeNull();
    emulator.clock.advance(10_000);
    const late = await clientOf(emulator).auth.refreshToken(s.refreshToken);
    expect(late.error).toMatchObject({ code: 'refresh_token_invalid', status: 401 });
    expect((await protekt.auth.verifyToken(next.accessToken!)).error?.code).toBe('token_revoked');
  });
});
