/**
 * Revocation answers that stay warm, against the emulator (in-process, its clock driving the
 * verifier's): refreshed ahead in the background, never on the request path, jittered, never
 * trusted past `maxAge`; `waitUntil`, the `revocationCache` hook, and the `acceptBeforeCheck`
 * opt-in. Portable (web standards only).
 */
import { describe, expect, it } from 'vitest';
import { Protekt, type ProtektOptions } from '../../src/index.js';
import type { Emulator } from '../../src/testing/index.js';
import { createVerifier, type StoredRevocation } from '../../src/verify/index.js';
import { freshEmail, testEmulator } from '../support/harness.js';

const VERIFY = '/auth/token/verify';

// Lets background work (a refresh ahead, a store write) run to its end.
async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

interface Setup {
  emulator: Emulator;
  options: ProtektOptions;
  token: string;
  /** Another client of the project: what it revokes, the verifier learns only from Protekt. */
  admin: Protekt;
}

async function setup(extra: Partial<ProtektOptions> = {}): Promise<Setup> {
  const emulator = testEmulator();
  const user = await emulator.createUser({ email: freshEmail('warm'), emailVerified: true });
  const token = await emulator.issueAccessToken({ userId: user.id as string, expiresIn: 3600 });
  const options: ProtektOptions = {
    loginId: emulator.project.loginId,
    apiKey: emulator.project.apiKey,
    fetch: emulator.fetch,
    now: () => emulator.clock.now(),
    ...extra,
  };
  return { emulator, options, token, admin: new Protekt(options) };
}

const tokensOf = async (emulator: Emulator, count: number): Promise<string[]> => {
  const user = await emulator.createUser({ email: freshEmail('many'), emailVerified: true });
  const out: string[] = [];
  for (let i = 0; i < count; i++)
    out.push(await emulator.issueAccessToken({ userId: user.id as string, expiresIn: 3600 }));
  return out;
};

describe('the revocation window with answers refreshed ahead', () => {
  for (const [maxAge, revokeAt] of [
    [10, 3.2],
    [10, 7.7],
    [10, 13.1],
    [30, 21.4],
  ] as const) {
    it(`a token used every 0.5 s and revoked at ${revokeAt} s is refused within maxAge ${maxAge} s, for good`, async () => {
      const { emulator, options, token, admin } = await setup({ revocationCheck: { maxAge } });
      const verifier = createVerifier(options);
      const start = emulator.clock.now();
      let revokedAt: number | undefined;
      let refusedAt: number | undefined;
      for (let step = 0; step <= (revokeAt + maxAge + 5) * 2; step++) {
        const t = (emulator.clock.now() - start) / 1000;
        if (revokedAt === undefined && t >= revokeAt) {
          expect((await admin.auth.revokeToken(token)).error).toBeNull();
          revokedAt = t;
        }
        const { error } = await verifier.verifyToken(token);
        if (refusedAt !== undefined) expect(error?.code).toBe('token_revoked');
        else if (error) {
          expect(error.code).toBe('token_revoked');
          refusedAt = t;
        }
        await settle();
        emulator.clock.advance(500);
      }
      expect(refusedAt).toBeDefined();
      expect(refusedAt! - revokedAt!).toBeLessThanOrEqual(maxAge);
      // Kept warm: one request per refresh, not one per verification (91+ verifications here).
      expect(emulator.faults.hits(VERIFY)).toBeLessThan(((revokeAt + maxAge) / maxAge) * 2 + 3);
    });
  }

  it('a refresh that fails never reaches the request, even fail-closed; the answer still ends at maxAge', async () => {
    const { emulator, options, token } = await setup({
      revocationCheck: { maxAge: 10, failClosed: true },
    });
    const verifier = createVerifier(options);
    expect((await verifier.verifyToken(token)).error).toBeNull();
    emulator.faults.add({ path: VERIFY, status: 503, times: Number.POSITIVE_INFINITY });
    emulator.clock.advance(8_000); // past the refresh time (5-8 s), within the answer (9-10 s)
    expect((await verifier.verifyToken(token)).error).toBeNull();
    await settle();
    expect(emulator.faults.hits(VERIFY)).toBeGreaterThanOrEqual(2);
    emulator.clock.advance(2_000); // 10 s: the answer is gone, and the check fails: fail-closed
    await expect(verifier.verifyToken(token)).rejects.toMatchObject({
      code: 'service_unavailable',
    });
  });

  it('waitUntil receives the background check, which settles without rejecting', async () => {
    const { emulator, options, token } = await setup({ revocationCheck: { maxAge: 10 } });
    const verifier = createVerifier(options);
    const handed: Promise<unknown>[] = [];
    const waitUntil = (promise: Promise<unknown>): void => {
      handed.push(promise);
    };
    await verifier.verifyToken(token, { waitUntil });
    expect(handed).toEqual([]); // a first check is awaited, not handed over
    emulator.faults.add({ path: VERIFY, drop: true });
    emulator.clock.advance(8_000);
    expect((await verifier.verifyToken(token, { waitUntil })).error).toBeNull();
    expect(handed).toHaveLength(1);
    await expect(handed[0]).resolves.toBeNull();
    await expect(verifier.verifyToken(token, { waitUntil: 'soon' as never })).rejects.toMatchObject(
      { code: 'invalid_argument' },
    );
  });

  it('answers asked together are refreshed at different times (jitter), none before half of maxAge', async () => {
    const { emulator, options } = await setup({ revocationCheck: { maxAge: 30 } });
    const tokens = await tokensOf(emulator, 120);
    // The verifier's clock stands still between steps (the emulator's runs with real time).
    let now = emulator.clock.now();
    const verifier = createVerifier({ ...options, now: () => now });
    for (const token of tokens) expect((await verifier.verifyToken(token)).error).toBeNull();
    const asked = emulator.faults.hits(VERIFY);
    expect(asked).toBe(tokens.length);
    now += 14_900;
    for (const token of tokens) await verifier.verifyToken(token);
    await settle();
    expect(emulator.faults.hits(VERIFY)).toBe(asked);
    now += 4_600; // 19.5 s: the middle of the refresh window (15-24 s)
    for (const token of tokens) await verifier.verifyToken(token);
    await settle();
    const refreshed = emulator.faults.hits(VERIFY) - asked;
    expect(refreshed).toBeGreaterThan(0);
    expect(refreshed).toBeLessThan(tokens.length);
  });
});

describe('revocationCache: answers shared across isolates', () => {
  // A store as Workers KV would be: values kept as JSON.
  function kvStore(): {
    store: NonNullable<ProtektOptions['revocationCache']>;
    data: Map<string, string>;
  } {
    const data = new Map<string, string>();
    return {
      data,
      store: {
        get: async (key) => {
          const value = data.get(key);
          return value === undefined ? null : (JSON.parse(value) as StoredRevocation);
        },
        set: async (key, value) => {
          data.set(key, JSON.stringify(value));
        },
      },
    };
  }

  it('a second isolate uses the first one’s answer, and nothing of the token is stored', async () => {
    const { emulator, options, token } = await setup();
    const { store, data } = kvStore();
    const first = createVerifier({ ...options, revocationCache: store });
    expect((await first.verifyToken(token)).error).toBeNull();
    await settle();
    expect(data.size).toBe(1);
    const [key, value] = [...data][0]!;
    expect(key).toMatch(/^[\w-]{43}$/);
    const signature = token.split('.')[2]!;
    expect(value).not.toContain(signature.slice(-20));
    expect(JSON.parse(value)).toMatchObject({ verdict: 'valid', audience: options.loginId });
    const second = createVerifier({ ...options, revocationCache: store });
    expect((await second.verifyToken(token)).error).toBeNull();
    expect(emulator.faults.hits(VERIFY)).toBe(1);
  });

  it('a stored refusal is shared; a pass older than maxAge, or written for another project, is not', async () => {
    const { emulator, options, token, admin } = await setup();
    const { store, data } = kvStore();
    await admin.auth.revokeToken(token);
    const first = createVerifier({ ...options, revocationCache: store });
    expect((await first.verifyToken(token)).error?.code).toBe('token_revoked');
    await settle();
    const second = createVerifier({ ...options, revocationCache: store });
    expect((await second.verifyToken(token)).error?.code).toBe('token_revoked');
    expect(emulator.faults.hits(VERIFY)).toBe(1);

    const [key] = [...data.keys()];
    const now = emulator.clock.now();
    const planted = (entry: Partial<StoredRevocation>): void => {
      const base = { verdict: 'valid', checkedAt: now, issuer: 'https://auth.protekt.io' };
      data.set(key!, JSON.stringify({ ...base, audience: options.loginId, ...entry }));
    };
    for (const entry of [
      { checkedAt: now - 30_000 },
      { audience: 'lp_another_project' },
      { checkedAt: now + 60_000 },
      { verdict: 'maybe' as never },
    ]) {
      planted(entry);
      const lines: string[] = [];
      const isolate = createVerifier({
        ...options,
        revocationCache: store,
        debug: (l) => lines.push(l),
      });
      expect((await isolate.verifyToken(token)).error?.code).toBe('token_revoked');
      expect(lines.join('\n')).toMatch(/revocationCache\.get: entry refused/);
    }
  });

  it('a store that throws or hangs is ignored (logged), and Protekt is asked', async () => {
    const { emulator, options, token } = await setup({ timeout: 50 });
    const lines: string[] = [];
    const broken = {
      get: () => new Promise<null>(() => {}),
      set: async () => {
        throw new Error('KV down');
      },
    };
    const verifier = createVerifier({
      ...options,
      revocationCache: broken,
      debug: (l) => lines.push(l),
    });
    expect((await verifier.verifyToken(token)).error).toBeNull();
    await settle();
    expect(emulator.faults.hits(VERIFY)).toBe(1);
    expect(lines.join('\n')).toMatch(/revocationCache\.get failed/);
    expect(() => createVerifier({ ...options, revocationCache: {} as never })).toThrow(
      /revocationCache must be an object with get and set methods/,
    );
  });
});

describe('acceptBeforeCheck (opt-in)', () => {
  it('answers a first-seen token on its local checks, then refuses it once its check says revoked', async () => {
    const { emulator, options, token, admin } = await setup({
      revocationCheck: { acceptBeforeCheck: true },
    });
    await admin.auth.revokeToken(token);
    const verifier = createVerifier(options);
    expect((await verifier.verifyToken(token)).error).toBeNull(); // the window: until it answers
    await settle();
    expect(emulator.faults.hits(VERIFY)).toBe(1);
    expect((await verifier.verifyToken(token)).error?.code).toBe('token_revoked');
  });

  it('is off by default, and refused with failClosed', async () => {
    const { options, token, admin } = await setup();
    await admin.auth.revokeToken(token);
    expect((await createVerifier(options).verifyToken(token)).error?.code).toBe('token_revoked');
    expect(() =>
      createVerifier({
        ...options,
        revocationCheck: { acceptBeforeCheck: true, failClosed: true },
      }),
    ).toThrow(/acceptBeforeCheck cannot be true with failClosed/);
  });
});
