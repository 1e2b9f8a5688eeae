/**
 * Where verifyToken meets things it must not trust blindly: revocation answers that show the
 * check is not being made at all, a `jwksCache` store with a clock from the future, token ids
 * chosen by the issuer. Against the emulator through the client.
 */
import { describe, expect, it } from 'vitest';
import { Protekt, type ProtektOptions } from '../../src/index.js';
import { createEmulator, type Emulator } from '../../src/testing/index.js';
import type { StoredJwks } from '../../src/tokens/index.js';

const VERIFY = '/auth/token/verify';

function client(emulator: Emulator, extra: Partial<ProtektOptions> = {}): Protekt {
  return new Protekt({
    loginId: emulator.project.loginId,
    apiKey: emulator.project.apiKey,
    fetch: emulator.fetch,
    now: () => emulator.clock.now(),
    maxRetries: 0,
    ...extra,
  });
}

async function tokenFor(
  emulator: Emulator,
  extraClaims: Record<string, unknown> = {},
): Promise<string> {
  const user = await emulator.createUser({
    email: `t${Math.random().toString(36).slice(2)}@example.com`,
  });
  return emulator.issueAccessToken({ userId: user.id as string, expiresIn: 3600, extraClaims });
}

describe('revocation answers that mean the check is not being made', () => {
  it.each([
    ['a 404 (a proxy that does not route the path)', { status: 404 }],
    ['a 403 (a key without the right)', { status: 403 }],
    ['a 200 without "valid"', { status: 200, body: '{}' }],
    ['a 200 that is not JSON', { status: 200, body: '<html>proxy</html>' }],
  ])('%s is thrown as invalid_response, fail-open or not', async (_name, fault) => {
    const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    const token = await tokenFor(emulator);
    for (const revocationCheck of [{ maxAge: 0 }, { maxAge: 0, failClosed: true }]) {
      emulator.faults.add({ path: VERIFY, ...fault });
      await expect(
        client(emulator, { revocationCheck }).auth.verifyToken(token),
      ).rejects.toMatchObject({ code: 'invalid_response' });
    }
  });

  it('a rate-limited check still fails open (an outage, not a misconfiguration)', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    const token = await tokenFor(emulator);
    emulator.faults.add({ path: VERIFY, status: 429, retryAfter: 60 });
    expect(
      (await client(emulator, { revocationCheck: { maxAge: 0 } }).auth.verifyToken(token)).error,
    ).toBeNull();
  });
});

describe('a jwksCache store is not trusted with time', () => {
  it("a store that never answers holds a cold verification for the client's timeout at most", async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    const token = await tokenFor(emulator);
    const never = new Promise<never>(() => {});
    const protekt = client(emulator, {
      revocationCheck: false,
      jwksCache: { get: () => never, set: () => never },
      timeout: 40,
    });
    expect((await protekt.auth.verifyToken(token)).error).toBeNull();
  });

  it('keys stored with a fetchedAt in the future still go stale: a key that left the JWKS stops verifying', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    const token = await tokenFor(emulator);
    const jwks = (await (
      await emulator.fetch('https://auth.protekt.io/v1/.well-known/jwks.json')
    ).json()) as { keys: JsonWebKey[] };
    const now = emulator.clock.now();
    const year = 365 * 24 * 3600_000;
    const store = {
      get: async (): Promise<StoredJwks> => ({
        keys: jwks.keys,
        fetchedAt: now + year,
        expiresAt: now + year + 600_000,
      }),
      set: async (): Promise<void> => {},
    };
    const protekt = client(emulator, {
      revocationCheck: false,
      jwksCache: store,
      verifiedCache: false,
    });
    expect((await protekt.auth.verifyToken(token)).error).toBeNull();

    // The signing key is rotated out and its tokens' lifetime passes: the JWKS no longer has it.
    await emulator.rotateKeys();
    emulator.clock.advance(2 * 24 * 3600_000);
    const before = emulator.faults.hits('/.well-known/jwks.json');
    const late = await protekt.auth.verifyToken(token);
    expect(late.error).not.toBeNull();
    expect(emulator.faults.hits('/.well-known/jwks.json')).toBeGreaterThan(before);
  });
});

describe('revocation answers are kept per token, not per jti', () => {
  it('two tokens that share a jti are each checked', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    const protekt = client(emulator);
    const user = await emulator.createUser({ email: 'jti@example.com' });
    const now = Math.floor(emulator.clock.now() / 1000);
    const claims = (exp: number) => ({
      iss: 'https://auth.protekt.io',
      sub: user.id,
      aud: [emulator.project.loginId, emulator.project.projectId],
      project_id: emulator.project.projectId,
      iat: now,
      nbf: now,
      exp,
      jti: 'same',
    });
    const a = await emulator.signToken(claims(now + 3600));
    const b = await emulator.signToken(claims(now + 3601));
    expect((await protekt.auth.verifyToken(a)).error).toBeNull();
    const before = emulator.faults.hits(VERIFY);
    await protekt.auth.verifyToken(b);
    expect(emulator.faults.hits(VERIFY) - before).toBe(1);
  });
});

describe('refresh answers', () => {
  it('a 200 without the new tokens is invalid_response, not a success with empty strings', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    const protekt = client(emulator);
    const { refreshToken } = await protekt.auth.signUp({
      email: 'r@example.com',
      password: 'long enough password',
    });
    emulator.faults.add({ path: '/auth/token/refresh', status: 200, body: '{"expires_in":3600}' });
    await expect(protekt.auth.refreshToken(refreshToken!)).rejects.toMatchObject({
      code: 'invalid_response',
    });
  });
});

describe('a polluted Object.prototype', () => {
  it('reaches neither the claims walk nor user.metadata, and verification still answers', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    const token = await tokenFor(emulator, { plan: 'pro', roles: ['admin'] });
    // Client built and keys fetched first: only the verification itself runs polluted.
    const verifier = client(emulator, { revocationCheck: false });
    expect((await verifier.auth.verifyToken(await tokenFor(emulator))).error).toBeNull();
    const proto = Object.prototype as Record<string, unknown>;
    // What other code in the process may have done: enumerable, and an object (walked if seen).
    proto.injected = { deep: 1 };
    try {
      const { user, claims, error } = await verifier.auth.verifyToken(token);
      expect(error).toBeNull();
      expect(Object.keys(user!.metadata)).toEqual(['plan', 'roles']);
      expect(
        Object.isFrozen(claims) &&
          Object.isFrozen(claims!.roles) &&
          Object.isFrozen(user!.metadata),
      ).toBe(true);
    } finally {
      delete proto.injected;
    }
  });
});
