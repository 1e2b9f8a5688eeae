/**
 * The JWKS on every runtime: the `jwksCache` hook (keys kept across clients as across Workers
 * isolates; a store that never answers or throws must not stop verification), and cold bursts:
 * 1,000 concurrent verifications of a cold client make one JWKS fetch, and an outage a few, never
 * one per request and never a hang. On Workers a verification waits for another request's fetch
 * only for a bounded time (src/runtime/in-flight.ts); here every fetch settles within it, so the
 * counts are the same on every runtime. Portable subset only (see README.md here).
 */
import { describe, expect, it } from 'vitest';
import type { StoredJwks } from '@protekt/node';
import {
  JWKS,
  clientOf,
  freshEmulator,
  issuedTokens,
  rejectionOf,
  requestsTo,
} from './_support/emulated.js';

// A key store over a Map, as a Worker would keep one in KV; counts its calls.
function mapStore() {
  const entries = new Map<string, StoredJwks>();
  const calls = { get: 0, set: 0 };
  return {
    entries,
    calls,
    store: {
      get: async (url: string) => {
        calls.get++;
        return entries.get(url);
      },
      set: async (url: string, value: StoredJwks) => {
        calls.set++;
        entries.set(url, value);
      },
    },
  };
}

describe('the jwksCache hook', () => {
  it('keys fetched by one client are used by another with a cold cache (another isolate)', async () => {
    const emulator = freshEmulator();
    const [token] = await issuedTokens(emulator, 1);
    const kept = mapStore();
    const first = clientOf(emulator, { revocationCheck: false, jwksCache: kept.store });
    expect((await first.auth.verifyToken(token!)).error).toBeNull();
    expect(requestsTo(emulator, JWKS)).toHaveLength(1);
    expect(kept.calls.set).toBe(1);
    const stored = [...kept.entries.values()][0]!;
    expect(stored).toMatchObject({ issuer: 'https://auth.protekt.io' });
    expect(stored.keys.length).toBeGreaterThan(0);
    // Another fetch function is another JWKS cache, as in a fresh isolate.
    const isolate = clientOf(emulator, {
      revocationCheck: false,
      jwksCache: kept.store,
      fetch: (input, init) => emulator.fetch(input, init),
    });
    expect((await isolate.auth.verifyToken(token!)).error).toBeNull();
    expect(requestsTo(emulator, JWKS)).toHaveLength(1);
    expect(kept.calls.get).toBe(2);
  });

  it('a store that never answers does not hang verification: the JWKS is fetched', async () => {
    const emulator = freshEmulator();
    const [token] = await issuedTokens(emulator, 1);
    const never = {
      get: () => new Promise<undefined>(() => {}),
      set: () => new Promise<void>(() => {}),
    };
    const protekt = clientOf(emulator, { revocationCheck: false, jwksCache: never, timeout: 200 });
    expect((await protekt.auth.verifyToken(token!)).error).toBeNull();
    expect(requestsTo(emulator, JWKS)).toHaveLength(1);
    expect((await protekt.auth.verifyToken(token!)).error).toBeNull();
  });

  it('a store that throws or rejects is ignored: the JWKS is fetched', async () => {
    const emulator = freshEmulator();
    const [token] = await issuedTokens(emulator, 1);
    const lines: string[] = [];
    const throwing = {
      get: (): Promise<undefined> => {
        throw new Error('KV binding missing');
      },
      set: () => Promise.reject(new Error('KV write limit')),
    };
    const protekt = clientOf(emulator, {
      revocationCheck: false,
      jwksCache: throwing,
      debug: (line: string) => lines.push(line),
    });
    expect((await protekt.auth.verifyToken(token!)).error).toBeNull();
    expect(requestsTo(emulator, JWKS)).toHaveLength(1);
    expect(lines.some((l) => l.includes('jwksCache.get failed'))).toBe(true);
    expect(lines.some((l) => l.includes('jwksCache.set failed'))).toBe(true);
  });

  it('an entry written for another issuer is refused: the JWKS is fetched', async () => {
    const emulator = freshEmulator();
    const [token] = await issuedTokens(emulator, 1);
    const kept = mapStore();
    const protekt = clientOf(emulator, { revocationCheck: false, jwksCache: kept.store });
    expect((await protekt.auth.verifyToken(token!)).error).toBeNull();
    const [url, entry] = [...kept.entries.entries()][0]!;
    kept.entries.set(url, { ...entry, issuer: 'https://elsewhere.example.com' });
    const isolate = clientOf(emulator, {
      revocationCheck: false,
      jwksCache: kept.store,
      fetch: (input, init) => emulator.fetch(input, init),
    });
    expect((await isolate.auth.verifyToken(token!)).error).toBeNull();
    expect(requestsTo(emulator, JWKS)).toHaveLength(2);
  });
});

describe('cold bursts', () => {
  it('1,000 concurrent verifications on a cold client: one JWKS fetch, one revocation check per token', async () => {
    const emulator = freshEmulator();
    const tokens = await issuedTokens(emulator, 10);
    const protekt = clientOf(emulator, { revocationCheck: { maxAge: 30 } });
    const results = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => protekt.auth.verifyToken(tokens[i % 10]!)),
    );
    expect(results.filter((r) => r.error !== null)).toHaveLength(0);
    expect(requestsTo(emulator, JWKS)).toHaveLength(1);
    expect(requestsTo(emulator, '/auth/token/verify')).toHaveLength(10);
  });

  it('1,000 concurrent verifications during a cold outage: a few fetches, every call answered', async () => {
    const emulator = freshEmulator();
    const tokens = await issuedTokens(emulator, 10);
    const protekt = clientOf(emulator, { revocationCheck: false });
    emulator.faults.add({ path: JWKS, drop: true, times: Infinity });
    const outcomes = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        rejectionOf(protekt.auth.verifyToken(tokens[i % 10]!)),
      ),
    );
    expect(
      outcomes.every((e) => (e as { code?: string } | null)?.code === 'jwks_unavailable'),
    ).toBe(true);
    // One fetch, retried twice by the transport: three requests, not one per verification.
    expect(requestsTo(emulator, JWKS).length).toBeLessThanOrEqual(3);
    emulator.faults.clear();
    expect((await protekt.auth.verifyToken(tokens[0]!)).error).toBeNull();
  });

  it('1,000 concurrent verifications while the JWKS times out: a few fetches, every call answered', async () => {
    const emulator = freshEmulator();
    const tokens = await issuedTokens(emulator, 10);
    const protekt = clientOf(emulator, { revocationCheck: false, timeout: 200, maxRetries: 1 });
    emulator.faults.add({ path: JWKS, delayMs: 5_000, times: Infinity });
    const outcomes = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        rejectionOf(protekt.auth.verifyToken(tokens[i % 10]!)),
      ),
    );
    expect(
      outcomes.every((e) => (e as { code?: string } | null)?.code === 'jwks_unavailable'),
    ).toBe(true);
    expect(requestsTo(emulator, JWKS).length).toBeLessThanOrEqual(2);
  });
});
