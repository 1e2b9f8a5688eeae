/**
 * `protekt.auth.verifyToken` on every runtime of the matrix: local WebCrypto verification of all
 * three key types, the claim rules, forged tokens, JWKS rotation and outage, revocation, and
 * static keys, against an in-process emulator. Portable subset only (see README.md here).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Protekt, ProtektError, type ProtektOptions } from '@protekt/node';
import { createEmulator, type Emulator } from '@protekt/node/testing';

const JWKS = '/.well-known/jwks.json';
const ISSUER = 'https://auth.protekt.io';

let emulator: Emulator;
let made = 0;

function client(extra: Partial<ProtektOptions> = {}, project = emulator.project): Protekt {
  return new Protekt({
    loginId: project.loginId,
    apiKey: project.apiKey,
    fetch: emulator.fetch,
    now: () => emulator.clock.now(),
    maxRetries: 0,
    ...extra,
  });
}

async function accessToken(expiresIn = 3600, projectId?: string): Promise<string> {
  made += 1;
  const user = await emulator.createUser({
    email: `verify.${made}.${Date.now()}@example.com`,
    metadata: { plan: 'pro' },
    ...(projectId ? { projectId } : {}),
  });
  return emulator.issueAccessToken({
    userId: user.id as string,
    expiresIn,
    ...(projectId ? { projectId } : {}),
  });
}

function b64url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function headerOf(token: string): Record<string, unknown> {
  const part = token.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4))) as Record<
    string,
    unknown
  >;
}

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(emulator.clock.now() / 1000);
  return {
    iss: ISSUER,
    sub: 'usr_conformance',
    aud: [emulator.project.loginId],
    iat: now,
    exp: now + 3600,
    ...extra,
  };
}

describe('verifyToken (conformance)', () => {
  beforeAll(() => {
    emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  });

  it('verifies an emulator access token and builds the user', async () => {
    const protekt = client();
    const token = await accessToken();
    const result = await protekt.auth.verifyToken(token);
    expect(result.error).toBeNull();
    expect(result.user).toMatchObject({
      email: expect.stringMatching(/@example\.com$/),
      projectId: emulator.project.projectId,
      metadata: { plan: 'pro' },
    });
    expect(result.claims!.iss).toBe(ISSUER);
    expect(result.claims!.aud).toContain(emulator.project.loginId);
  });

  it('verifies ES256 and EdDSA keys after a rotation', async () => {
    const protekt = client({ revocationCheck: false });
    await emulator.rotateKeys({ alg: 'ES256' });
    const es = await accessToken();
    expect(headerOf(es).alg).toBe('ES256');
    expect((await protekt.auth.verifyToken(es)).error).toBeNull();
    emulator.clock.advance(30_000); // one refetch per 30 s cooldown on an unknown kid
    await emulator.rotateKeys({ alg: 'EdDSA' });
    const ed = await accessToken();
    expect(headerOf(ed).alg).toBe('EdDSA');
    expect((await protekt.auth.verifyToken(ed)).error).toBeNull();
    emulator.clock.advance(30_000);
    await emulator.rotateKeys({ alg: 'RS256' });
    expect((await protekt.auth.verifyToken(await accessToken())).error).toBeNull();
  });

  it("refuses another project's token (one JWKS, different audience)", async () => {
    const other = emulator.createProject();
    const protekt = client({}, other);
    const result = await protekt.auth.verifyToken(await accessToken());
    expect(result.user).toBeNull();
    expect(result.error).toMatchObject({ code: 'token_invalid', status: 401 });
  });

  it('refuses expired tokens by the clock, with the tolerance', async () => {
    const protekt = client({ revocationCheck: false, clockTolerance: 5 });
    const token = await accessToken(60);
    expect((await protekt.auth.verifyToken(token)).error).toBeNull();
    emulator.clock.advance(64_000);
    expect((await protekt.auth.verifyToken(token)).error).toBeNull();
    emulator.clock.advance(2_000);
    expect((await protekt.auth.verifyToken(token)).error).toMatchObject({
      code: 'token_expired',
      status: 401,
    });
  });

  it('refuses forged and malformed tokens without throwing', async () => {
    const protekt = client({ revocationCheck: false });
    const good = await emulator.signToken(claims());
    expect((await protekt.auth.verifyToken(good)).error).toBeNull();
    const [, payload, signature] = good.split('.');
    const kid = headerOf(good).kid;
    const forged = [
      `${b64url(JSON.stringify({ alg: 'none', kid }))}.${payload}.`,
      await emulator.signToken(claims(), { header: { alg: 'HS256' } }),
      await emulator.signToken(claims(), { header: { jku: 'https://evil.example/jwks.json' } }),
      await emulator.signToken(claims(), { header: { jwk: { kty: 'oct', k: 'AAAA' } } }),
      await emulator.signToken(claims(), { header: { crit: ['exp'] } }),
      await emulator.signToken(claims(), { header: { kid: '../../etc/passwd' } }),
      await emulator.signToken(claims({ aud: 'lp_someone_else' })),
      await emulator.signToken(claims({ iss: 'https://evil.example' })),
      await emulator.signToken(claims({ nbf: Math.floor(emulator.clock.now() / 1000) + 3600 })),
      `${good.split('.')[0]}.${b64url(JSON.stringify(claims({ sub: 'usr_admin' })))}.${signature}`,
      `${good}=`,
      good.slice(0, -3),
      `${good}.extra`,
      'rt_abcdefghijklmnop',
      'mfa_tmp_abcdefghijkl',
      'not a token',
      '',
      'x'.repeat(100_000),
    ];
    for (const token of forged) {
      const result = await protekt.auth.verifyToken(token);
      expect(result.user).toBeNull();
      expect(result.error!.code).toBe('token_invalid');
      expect(result.error!.status).toBe(401);
    }
    for (const input of [undefined, null, 42, {}, []]) {
      const result = await protekt.auth.verifyToken(input as unknown as string);
      expect(result.error!.code).toBe('token_invalid');
    }
  });

  it('sees a revocation with maxAge 0', async () => {
    const protekt = client({ revocationCheck: { maxAge: 0 } });
    const token = await accessToken();
    expect((await protekt.auth.verifyToken(token)).error).toBeNull();
    expect((await protekt.auth.revokeToken(token)).error).toBeNull();
    expect((await protekt.auth.verifyToken(token)).error).toMatchObject({
      code: 'token_revoked',
      status: 401,
    });
  });

  it('many concurrent verifications on a cold cache all succeed (and never hang)', async () => {
    const fresh = createEmulator({ pbkdf2Iterations: 1_000 });
    const user = await fresh.createUser({ email: `cold.${Date.now()}@example.com` });
    const token = await fresh.issueAccessToken({ userId: user.id as string });
    const protekt = new Protekt({
      loginId: fresh.project.loginId,
      apiKey: fresh.project.apiKey,
      fetch: fresh.fetch,
      maxRetries: 0,
      revocationCheck: false,
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => protekt.auth.verifyToken(token)),
    );
    for (const r of results) expect(r.error).toBeNull();
    expect(fresh.faults.hits(JWKS)).toBeGreaterThanOrEqual(1);
    expect(fresh.faults.hits(JWKS)).toBeLessThanOrEqual(50);
  });

  it('keeps verifying through a JWKS outage once keys are cached; a cold outage throws jwks_unavailable', async () => {
    const warm = client({ revocationCheck: false });
    const token = await accessToken(7200);
    expect((await warm.auth.verifyToken(token)).error).toBeNull();
    const fault = emulator.faults.add({ path: JWKS, status: 503, times: Infinity });
    try {
      emulator.clock.advance(601_000);
      expect((await warm.auth.verifyToken(token)).error).toBeNull();
      const cold = createEmulator({ pbkdf2Iterations: 1_000 });
      const u = await cold.createUser({ email: `outage.${Date.now()}@example.com` });
      const coldToken = await cold.issueAccessToken({ userId: u.id as string });
      cold.faults.add({ path: JWKS, status: 503, times: Infinity });
      const coldClient = new Protekt({
        loginId: cold.project.loginId,
        apiKey: cold.project.apiKey,
        fetch: cold.fetch,
        maxRetries: 0,
      });
      let thrown: unknown;
      try {
        await coldClient.auth.verifyToken(coldToken);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ProtektError);
      expect((thrown as ProtektError).code).toBe('jwks_unavailable');
    } finally {
      fault.remove();
    }
  });

  it('static jwks: verifies with no request for keys', async () => {
    const jwks = (await emulator.jwks()) as unknown as { keys: JsonWebKey[] };
    const protekt = client({ jwks, revocationCheck: false });
    const before = emulator.faults.hits(JWKS);
    expect((await protekt.auth.verifyToken(await accessToken())).error).toBeNull();
    expect(emulator.faults.hits(JWKS)).toBe(before);
  });
});
