/**
 * `protekt.auth.verifyToken` end to end against the emulator (in process, through the client's
 * `fetch` option): real logins, key rotation, JWKS faults, several projects sharing one JWKS,
 * logout and revocation seen within maxAge, and forged tokens signed by the emulator's own key.
 */
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Protekt, type ProtektOptions } from '../../src/index.js';
import { ProtektError } from '../../src/errors/protekt-error.js';
import { createEmulator, type Emulator } from '../../src/testing/index.js';

const JWKS = '/.well-known/jwks.json';
const HOUR = 3600;

afterEach(() => {
  vi.restoreAllMocks();
});

function client(
  emulator: Emulator,
  extra: Partial<ProtektOptions> = {},
  project = emulator.project,
): Protekt {
  return new Protekt({
    loginId: project.loginId,
    apiKey: project.apiKey,
    fetch: emulator.fetch,
    now: () => emulator.clock.now(),
    maxRetries: 0,
    ...extra,
  });
}

async function userToken(
  emulator: Emulator,
  options: { expiresIn?: number; projectId?: string; extraClaims?: Record<string, unknown> } = {},
): Promise<{ token: string; userId: string }> {
  const user = await emulator.createUser({
    email: `u${Math.random().toString(36).slice(2)}@example.com`,
    metadata: { plan: 'pro' },
    ...(options.projectId ? { projectId: options.projectId } : {}),
  });
  const userId = user.id as string;
  const token = await emulator.issueAccessToken({
    userId,
    expiresIn: options.expiresIn ?? 2 * HOUR,
    ...options,
  });
  return { token, userId };
}

function jwksHits(emulator: Emulator): number {
  return emulator.faults.hits(JWKS);
}

describe('verifyToken against the emulator', () => {
  it('verifies the access token of a real sign-up and login, and agrees with jose', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1000 });
    const protekt = client(emulator);
    const email = `ada.${Date.now()}@example.com`;
    const signUp = await protekt.auth.signUp({
      email,
      password: 'correct horse battery',
      metadata: { plan: 'pro' },
    });
    expect(signUp.error).toBeNull();
    const login = await protekt.auth.login({ email, password: 'correct horse battery' });
    expect(login.error).toBeNull();
    const token = login.accessToken!;
    const { user, claims, error } = await protekt.auth.verifyToken(token);
    expect(error).toBeNull();
    expect(user).toMatchObject({
      id: signUp.user!.id,
      email,
      projectId: emulator.project.projectId,
      metadata: { plan: 'pro' },
    });
    expect(claims!.aud).toContain(emulator.project.loginId);
    const jose = await jwtVerify(
      token,
      createLocalJWKSet((await emulator.jwks()) as unknown as { keys: JWK[] }),
      {
        issuer: 'https://auth.protekt.io',
        audience: emulator.project.loginId,
      },
    );
    expect(claims).toEqual(jose.payload);
  });

  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'picks up a rotation to %s after the unknown kid',
    async (alg) => {
      const emulator = createEmulator();
      const protekt = client(emulator, { revocationCheck: false });
      const first = await userToken(emulator);
      expect((await protekt.auth.verifyToken(first.token)).error).toBeNull();
      await emulator.rotateKeys({ alg });
      const second = await userToken(emulator);
      expect(
        JSON.parse(atob(second.token.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'))).alg,
      ).toBe(alg);
      expect((await protekt.auth.verifyToken(second.token)).error).toBeNull();
      expect((await protekt.auth.verifyToken(first.token)).error).toBeNull(); // old key still published
      expect(jwksHits(emulator)).toBe(2);
    },
  );

  it('a flood of random kids costs at most one JWKS fetch per cooldown', async () => {
    const emulator = createEmulator();
    const protekt = client(emulator, { revocationCheck: false });
    expect((await protekt.auth.verifyToken((await userToken(emulator)).token)).error).toBeNull();
    const payload = {
      iss: 'https://auth.protekt.io',
      sub: 'usr_x',
      aud: emulator.project.loginId,
      iat: 0,
      exp: 9_999_999_999,
    };
    const flood = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        emulator.signToken(payload, { header: { kid: `kid_${i}_${Math.random()}` } }),
      ),
    );
    const results = await Promise.all(flood.map((t) => protekt.auth.verifyToken(t)));
    expect(results.every((r) => r.error?.code === 'token_invalid')).toBe(true);
    for (const t of flood) await protekt.auth.verifyToken(t);
    expect(jwksHits(emulator)).toBe(2);
    emulator.clock.advance(30_000);
    await Promise.all(flood.map((t) => protekt.auth.verifyToken(t)));
    expect(jwksHits(emulator)).toBe(3);
  });

  it('1,000 concurrent verifications on a cold cache make one JWKS fetch', async () => {
    const emulator = createEmulator();
    const { token } = await userToken(emulator);
    emulator.faults.add({ path: JWKS, delayMs: 20 });
    const protekt = client(emulator, { revocationCheck: false, verifiedCache: false });
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => protekt.auth.verifyToken(token)),
    );
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(jwksHits(emulator)).toBe(1);
  });

  it.each([
    ['503', { status: 503 }],
    ['dropped connection', { drop: true }],
  ] as const)('a JWKS outage (%s) with warm keys keeps verifying', async (_name, fault) => {
    const emulator = createEmulator();
    const protekt = client(emulator, { revocationCheck: false, verifiedCache: false });
    const { token } = await userToken(emulator, { expiresIn: 4 * HOUR });
    expect((await protekt.auth.verifyToken(token)).error).toBeNull();
    emulator.faults.add({ path: JWKS, times: Infinity, ...fault });
    emulator.clock.advance(601_000); // past the max-age=600 the emulator serves
    expect((await protekt.auth.verifyToken(token)).error).toBeNull();
    expect(
      (await protekt.auth.verifyToken((await userToken(emulator, { expiresIn: HOUR })).token))
        .error,
    ).toBeNull();
    expect(jwksHits(emulator)).toBe(2); // one failed refresh, then the cooldown
  });

  it('a cold JWKS outage throws jwks_unavailable; bad tokens still get their 401', async () => {
    const emulator = createEmulator();
    const { token } = await userToken(emulator);
    emulator.faults.add({ path: JWKS, status: 503, times: Infinity });
    const protekt = client(emulator);
    const err = await protekt.auth.verifyToken(token).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtektError);
    expect((err as ProtektError).code).toBe('jwks_unavailable');
    expect((await protekt.auth.verifyToken('not-a-token')).error?.code).toBe('token_invalid');
    emulator.faults.clear();
    expect((await protekt.auth.verifyToken(token)).error).toBeNull();
  });

  it("project A's token is refused by project B's client (one shared JWKS)", async () => {
    const emulator = createEmulator();
    const projectB = emulator.createProject();
    const a = client(emulator);
    const b = client(emulator, {}, projectB);
    const { token } = await userToken(emulator);
    expect((await a.auth.verifyToken(token)).error).toBeNull();
    const refused = await b.auth.verifyToken(token);
    expect(refused.error).toMatchObject({
      code: 'token_invalid',
      status: 401,
      details: { reason: 'aud' },
    });
    expect(jwksHits(emulator)).toBe(1);
    const tokenB = await userToken(emulator, { projectId: projectB.projectId });
    expect((await b.auth.verifyToken(tokenB.token)).error).toBeNull();
    expect((await a.auth.verifyToken(tokenB.token)).error?.code).toBe('token_invalid');
  });

  it('a logout through another instance is seen within maxAge', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1000 });
    const protekt = client(emulator, { revocationCheck: { maxAge: 10 } });
    const otherInstance = client(emulator, { revocationCheck: { maxAge: 10 } });
    const email = `grace.${Date.now()}@example.com`;
    await protekt.auth.signUp({ email, password: 'correct horse battery' });
    const { accessToken } = await protekt.auth.login({ email, password: 'correct horse battery' });
    expect((await protekt.auth.verifyToken(accessToken!)).error).toBeNull();
    expect((await otherInstance.auth.logout(accessToken!)).error).toBeNull();
    expect((await protekt.auth.verifyToken(accessToken!)).error).toBeNull(); // cached answer, < maxAge
    emulator.clock.advance(10_000);
    expect((await protekt.auth.verifyToken(accessToken!)).error).toMatchObject({
      code: 'token_revoked',
      status: 401,
    });
  });

  it('maxAge 0 sees a revocation on the very next call', async () => {
    const emulator = createEmulator();
    const protekt = client(emulator, { revocationCheck: { maxAge: 0 } });
    const { token } = await userToken(emulator);
    expect((await protekt.auth.verifyToken(token)).error).toBeNull();
    expect((await protekt.auth.revokeToken(token)).error).toBeNull();
    expect((await protekt.auth.verifyToken(token)).error?.code).toBe('token_revoked');
  });

  it('revocationCheck false makes no request once the JWKS is cached', async () => {
    const emulator = createEmulator();
    const protekt = client(emulator, { revocationCheck: false });
    const tokens = await Promise.all(Array.from({ length: 5 }, () => userToken(emulator)));
    await protekt.auth.verifyToken(tokens[0]!.token);
    const before = emulator.requests.length;
    for (const { token } of tokens)
      expect((await protekt.auth.verifyToken(token)).error).toBeNull();
    expect(emulator.requests.length).toBe(before);
  });

  it('fail-open and fail-closed when /auth/token/verify is down', async () => {
    const emulator = createEmulator();
    const { token } = await userToken(emulator);
    emulator.faults.add({ path: '/auth/token/verify', status: 503, times: Infinity });
    const open = client(emulator);
    expect((await open.auth.verifyToken(token)).error).toBeNull();
    const closed = client(emulator, { revocationCheck: { failClosed: true } });
    await expect(closed.auth.verifyToken(token)).rejects.toMatchObject({
      code: 'service_unavailable',
    });
  });

  it('a disabled user: the remote check refuses a locally valid token', async () => {
    const emulator = createEmulator();
    const protekt = client(emulator, { revocationCheck: { maxAge: 0 } });
    const { token, userId } = await userToken(emulator);
    expect((await protekt.auth.verifyToken(token)).error).toBeNull();
    expect((await protekt.users.update(userId, { disabled: true })).error).toBeNull();
    expect((await protekt.auth.verifyToken(token)).error?.code).toBe('token_revoked');
  });
});

describe('forged tokens signed by the emulator itself', () => {
  const base = (
    emulator: Emulator,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> => {
    const now = Math.floor(emulator.clock.now() / 1000);
    return {
      iss: 'https://auth.protekt.io',
      sub: 'usr_x',
      aud: [emulator.project.loginId],
      iat: now,
      exp: now + HOUR,
      jti: `tok_${now}`,
      ...extra,
    };
  };

  it('each is refused with the right code and reason', async () => {
    const emulator = createEmulator();
    const protekt = client(emulator, { revocationCheck: false });
    expect(
      (await protekt.auth.verifyToken(await emulator.signToken(base(emulator)))).error,
    ).toBeNull();
    const now = Math.floor(emulator.clock.now() / 1000);
    const cases: [string, Promise<string>, string, string][] = [
      [
        'other audience',
        emulator.signToken(base(emulator, { aud: 'lp_someone_else' })),
        'token_invalid',
        'aud',
      ],
      [
        'other issuer',
        emulator.signToken(base(emulator, { iss: 'https://evil.example' })),
        'token_invalid',
        'iss',
      ],
      [
        'expired at the tolerance',
        emulator.signToken(base(emulator, { exp: now - 5 })),
        'token_expired',
        'exp',
      ],
      [
        'not yet valid',
        emulator.signToken(base(emulator, { nbf: now + 60 })),
        'token_invalid',
        'nbf',
      ],
      [
        'issued in the future',
        emulator.signToken(base(emulator, { iat: now + 60 })),
        'token_invalid',
        'iat',
      ],
      ['no exp', emulator.signToken(base(emulator, { exp: undefined })), 'token_invalid', 'exp'],
      [
        'alg HS256 in the header',
        emulator.signToken(base(emulator), { header: { alg: 'HS256' } }),
        'token_invalid',
        'alg',
      ],
      [
        'alg none in the header',
        emulator.signToken(base(emulator), { header: { alg: 'none' } }),
        'token_invalid',
        'alg',
      ],
      [
        'alg ES256 over an RSA key',
        emulator.signToken(base(emulator), { header: { alg: 'ES256' } }),
        'token_invalid',
        'alg',
      ],
      [
        'jku',
        emulator.signToken(base(emulator), { header: { jku: 'https://evil.example/jwks' } }),
        'token_invalid',
        'header_key',
      ],
      [
        'x5u',
        emulator.signToken(base(emulator), { header: { x5u: 'https://evil.example/cert' } }),
        'token_invalid',
        'header_key',
      ],
      [
        'crit',
        emulator.signToken(base(emulator), { header: { crit: ['exp'] } }),
        'token_invalid',
        'crit',
      ],
      [
        'kid path',
        emulator.signToken(base(emulator), { header: { kid: '../../jwks.json' } }),
        'token_invalid',
        'kid',
      ],
      [
        'typ',
        emulator.signToken(base(emulator), { header: { typ: 'JWE' } }),
        'token_invalid',
        'typ',
      ],
    ];
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    for (const [name, pending, code, reason] of cases) {
      const { error } = await protekt.auth.verifyToken(await pending);
      expect(error, name).toMatchObject({ code, status: 401, details: { reason } });
    }
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(emulator.requests.every((r) => !r.url.includes('evil'))).toBe(true);
  });

  it('refresh and MFA tokens from real flows are not access tokens', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1000 });
    const protekt = client(emulator);
    const email = `rt.${Date.now()}@example.com`;
    const { refreshToken } = await protekt.auth.signUp({
      email,
      password: 'correct horse battery',
    });
    expect(refreshToken).toMatch(/^rt_/);
    expect((await protekt.auth.verifyToken(refreshToken!)).error).toMatchObject({
      code: 'token_invalid',
      details: { reason: 'refresh_token' },
    });
    expect((await protekt.auth.verifyToken('mfa_tmp_0123456789abcdef')).error?.code).toBe(
      'token_invalid',
    );
  });
});
