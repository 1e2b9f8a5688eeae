/**
 * The verifier's rules, one by one, against a fake Protekt (no emulator): result shape, claims,
 * clock tolerance at its edges, size bounds, non-token inputs, and a cross-check with jose.
 */
import { createLocalJWKSet, jwtVerify, SignJWT, importJWK, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { ProtektError } from '../../src/errors/protekt-error.js';
import { AUDIENCE, claimsAt, fakeWith, ISSUER, makeKey, signRaw, type Alg } from './_helpers.js';
import { base64urlOfText, webCrypto } from '../support/web.js';

const ALGS: Alg[] = ['RS256', 'ES256', 'EdDSA'];

describe('verifyToken: valid tokens', () => {
  it.each(ALGS)('accepts a %s token and builds the user from its claims', async (alg) => {
    const fake = await fakeWith(alg);
    const v = fake.verifier({ revocationCheck: false });
    const token = await fake.sign({ plan: 'pro', org: { id: 'org_1' } });
    const { user, claims, error } = await v.verify(token);
    expect(error).toBeNull();
    expect(user).toEqual({
      id: 'usr_9klabc',
      email: 'ada@example.com',
      emailVerified: true,
      projectId: 'proj_a',
      metadata: { plan: 'pro', org: { id: 'org_1' } },
    });
    expect(claims?.sub).toBe('usr_9klabc');
    expect(claims?.iss).toBe(ISSUER);
  });

  it('accepts aud as a plain string equal to the login id', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false });
    expect((await v.verify(await fake.sign({ aud: AUDIENCE }))).error).toBeNull();
  });

  it('accepts typ JWT in any case, at+jwt, and no typ', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false });
    const k = fake.keys[0]!;
    for (const typ of ['JWT', 'jwt', 'at+jwt', 'AT+JWT', undefined]) {
      const header: Record<string, unknown> = { alg: 'RS256', kid: k.kid };
      if (typ) header.typ = typ;
      expect(
        (await v.verify(await signRaw(header, claimsAt(fake.clock), k))).error,
        String(typ),
      ).toBeNull();
    }
  });

  it('returns frozen user and claims (the verified cache may hand them out again)', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false });
    const { user, claims } = await v.verify(await fake.sign({ tags: ['a'] }));
    expect(Object.isFrozen(user)).toBe(true);
    expect(Object.isFrozen(claims)).toBe(true);
    expect(Object.isFrozen(user!.metadata)).toBe(true);
    expect(Object.isFrozen(user!.metadata.tags)).toBe(true);
  });

  it('never copies prototype-polluting claim names into metadata', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false });
    const k = fake.keys[0]!;
    const payload = JSON.stringify(claimsAt(fake.clock)).replace(
      /^\{/,
      '{"__proto__":{"polluted":true},"constructor":1,',
    );
    const token = await signRaw({ alg: 'RS256', kid: k.kid }, base64urlOfText(payload), k);
    const { user, error } = await v.verify(token);
    expect(error).toBeNull();
    expect(Object.getPrototypeOf(user!.metadata)).toBe(Object.prototype);
    expect(Object.keys(user!.metadata)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('agrees with jose on a token jose signed (independent cross-check)', async () => {
    const fake = await fakeWith('ES256');
    const k = fake.keys[0]!;
    const priv = await webCrypto().subtle.exportKey('jwk', k.privateKey);
    const joseKey = await importJWK(priv as JWK, 'ES256');
    const token = await new SignJWT(claimsAt(fake.clock))
      .setProtectedHeader({ alg: 'ES256', kid: k.kid, typ: 'JWT' })
      .sign(joseKey);
    const v = fake.verifier({ revocationCheck: false });
    const ours = await v.verify(token);
    const theirs = await jwtVerify(token, createLocalJWKSet({ keys: [k.jwk as JWK] }), {
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: new Date(fake.clock.t),
    });
    expect(ours.error).toBeNull();
    expect(ours.claims).toEqual(theirs.payload);
  });
});

describe('verifyToken: claims', () => {
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['another issuer', { iss: 'https://evil.example' }, 'token_invalid', 'iss'],
    ['the issuer with a trailing slash', { iss: `${ISSUER}/` }, 'token_invalid', 'iss'],
    ['another audience', { aud: 'lp_project_b' }, 'token_invalid', 'aud'],
    ['an audience list without us', { aud: ['lp_project_b', 'proj_b'] }, 'token_invalid', 'aud'],
    ['no audience', { aud: undefined }, 'token_invalid', 'aud'],
    ['no subject', { sub: undefined }, 'token_invalid', 'sub'],
    ['a numeric subject', { sub: 42 }, 'token_invalid', 'sub'],
    ['no exp', { exp: undefined }, 'token_invalid', 'exp'],
    ['a string exp', { exp: '9999999999' }, 'token_invalid', 'exp'],
    ['an infinite exp (1e400)', { exp: 'INF' }, 'token_invalid', 'exp'],
    ['no iat', { iat: undefined }, 'token_invalid', 'iat'],
    ['a string nbf', { nbf: 'x' }, 'token_invalid', 'nbf'],
    ['a numeric jti', { jti: 7 }, 'token_invalid', 'jti'],
  ];
  it.each(cases)('refuses %s', async (_name, extra, code, reason) => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false });
    const k = fake.keys[0]!;
    let payload = JSON.stringify(claimsAt(fake.clock, extra));
    if (extra.exp === 'INF') payload = payload.replace('"exp":"INF"', '"exp":1e400');
    const token = await signRaw({ alg: 'RS256', kid: k.kid }, base64urlOfText(payload), k);
    const { user, claims, error } = await v.verify(token);
    expect(user).toBeNull();
    expect(claims).toBeNull();
    expect(error).toMatchObject({ code, status: 401, details: { reason } });
  });

  it('refuses a payload that is not a JSON object', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false });
    const k = fake.keys[0]!;
    for (const body of ['[1,2]', '"str"', 'null', '{bad json', '']) {
      const token = await signRaw({ alg: 'RS256', kid: k.kid }, base64urlOfText(body), k);
      expect((await v.verify(token)).error?.code, body).toBe('token_invalid');
    }
  });
});

describe('verifyToken: clock tolerance at its edges', () => {
  it('exp: valid until exp + tolerance, expired exactly at it', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false, clockTolerance: 5, verifiedCache: false });
    const exp = fake.clock.seconds + 100;
    const token = await fake.sign({ exp });
    fake.clock.t = (exp + 5) * 1000 - 1;
    expect((await v.verify(token)).error).toBeNull();
    fake.clock.t = (exp + 5) * 1000;
    expect((await v.verify(token)).error).toMatchObject({ code: 'token_expired', status: 401 });
    fake.clock.t = (exp + 6) * 1000;
    expect((await v.verify(token)).error?.code).toBe('token_expired');
  });

  it('nbf: accepted exactly at now + tolerance, refused just past it', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false, clockTolerance: 5, verifiedCache: false });
    const now = fake.clock.seconds;
    expect((await v.verify(await fake.sign({ nbf: now + 5 }))).error).toBeNull();
    expect((await v.verify(await fake.sign({ nbf: now + 6 }))).error).toMatchObject({
      code: 'token_invalid',
      details: { reason: 'nbf' },
    });
  });

  it('iat in the future beyond the tolerance is refused', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false, clockTolerance: 5, verifiedCache: false });
    const now = fake.clock.seconds;
    expect((await v.verify(await fake.sign({ iat: now + 5 }))).error).toBeNull();
    expect((await v.verify(await fake.sign({ iat: now + 6 }))).error).toMatchObject({
      code: 'token_invalid',
      details: { reason: 'iat' },
    });
  });

  it('clockTolerance 0 and 60 are honoured', async () => {
    const fake = await fakeWith();
    const exp = fake.clock.seconds + 10;
    const token = await fake.sign({ exp });
    fake.clock.t = exp * 1000 + 30_000;
    expect(
      (await fake.verifier({ revocationCheck: false, clockTolerance: 0 }).verify(token)).error
        ?.code,
    ).toBe('token_expired');
    expect(
      (await fake.verifier({ revocationCheck: false, clockTolerance: 60 }).verify(token)).error,
    ).toBeNull();
  });
});

describe('verifyToken: inputs that are not tokens', () => {
  it('never throws, whatever the input type', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false });
    const inputs: unknown[] = [
      undefined,
      null,
      0,
      1n,
      true,
      {},
      [],
      Symbol('x'),
      () => 1,
      new String('a.b.c'),
      '',
      ' ',
      '...',
      '.',
      'a.b',
      'a.b.c.d',
    ];
    for (const input of inputs) {
      const r = await v.verify(input);
      expect(r.user).toBeNull();
      expect(r.error?.code).toBe('token_invalid');
      expect(r.error?.status).toBe(401);
    }
    expect(fake.jwksFetches).toBe(0);
  });

  it('checks maxTokenLength before any parsing and never echoes the token', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false, maxTokenLength: 100 });
    const huge = 'eyJ' + 'A'.repeat(5_000_000);
    const r = await v.verify(huge);
    expect(r.error).toMatchObject({ code: 'token_invalid', details: { reason: 'size' } });
    expect(r.error!.message.length).toBeLessThan(100);
    const token = await fake.sign();
    const big = fake.verifier({ revocationCheck: false, maxTokenLength: token.length - 1 });
    expect((await big.verify(token)).error?.details?.reason).toBe('size');
    expect(fake.jwksFetches).toBe(0);
  });

  it('refuses refresh tokens and MFA tokens by name, and a "Bearer " prefix', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false });
    expect((await v.verify('rt_8fj3kLmQ0pZx')).error).toMatchObject({
      code: 'token_invalid',
      details: { reason: 'refresh_token' },
    });
    expect((await v.verify('mfa_tmp_abc123')).error).toMatchObject({
      code: 'token_invalid',
      details: { reason: 'mfa_token' },
    });
    expect((await v.verify(`Bearer ${await fake.sign()}`)).error).toMatchObject({
      code: 'token_invalid',
      details: { reason: 'bearer' },
    });
  });

  it('error messages never contain the token or its parts', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false });
    const token = await fake.sign({ aud: 'lp_other' });
    const [h, p, s] = token.split('.');
    const { error } = await v.verify(token);
    const text = JSON.stringify(error);
    for (const part of [token, h!, p!, s!]) expect(text).not.toContain(part);
  });
});

describe('verifyToken: the key set', () => {
  it('an unknown kid is token_invalid after one refetch', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false });
    const stranger = await makeKey('RS256');
    const token = await signRaw(
      { alg: 'RS256', kid: stranger.kid },
      claimsAt(fake.clock),
      stranger,
    );
    expect((await v.verify(token)).error).toMatchObject({
      code: 'token_invalid',
      details: { reason: 'kid' },
    });
    expect(fake.jwksFetches).toBe(1); // cold fetch; the refetch waits for the cooldown
  });

  it('a cold cache with an unreachable JWKS throws jwks_unavailable (a 503, not a 401)', async () => {
    const fake = await fakeWith();
    const token = await fake.sign();
    fake.jwksOutage = new ProtektError('network_error', 'down');
    const v = fake.verifier({ revocationCheck: false });
    const err = await v.verify(token).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtektError);
    expect((err as ProtektError).code).toBe('jwks_unavailable');
    expect((err as ProtektError).message).not.toContain(token);
    // a bad token still gets its 401 without touching the network
    expect((await v.verify('garbage')).error?.code).toBe('token_invalid');
  });

  it.each(['http404', 'garbage'] as const)(
    'a JWKS answer that is not a key set (%s) counts as unavailable',
    async (kind) => {
      const fake = await fakeWith();
      const token = await fake.sign();
      fake.jwksOutage = kind;
      await expect(fake.verifier({ revocationCheck: false }).verify(token)).rejects.toMatchObject({
        code: 'jwks_unavailable',
      });
    },
  );

  it('static jwks: no network for keys at all', async () => {
    const fake = await fakeWith('EdDSA');
    const v = fake.verifier({
      revocationCheck: false,
      jwks: { keys: fake.keys.map((k) => k.jwk) },
    });
    expect((await v.verify(await fake.sign())).error).toBeNull();
    const stranger = await makeKey('EdDSA');
    expect(
      (
        await v.verify(
          await signRaw({ alg: 'EdDSA', kid: stranger.kid }, claimsAt(fake.clock), stranger),
        )
      ).error?.code,
    ).toBe('token_invalid');
    expect(fake.requests).toEqual([]);
  });
});

describe('validateTokenOptions through createTokenVerifier', () => {
  it.each([
    [{ clockTolerance: -1 }, 'clockTolerance'],
    [{ clockTolerance: 61 }, 'clockTolerance'],
    [{ clockTolerance: Number.NaN }, 'clockTolerance'],
    [{ revocationCheck: 'yes' }, 'revocationCheck'],
    [{ revocationCheck: { maxAge: -1 } }, 'revocationCheck.maxAge'],
    [{ revocationCheck: { failClosed: 'no' } }, 'revocationCheck.failClosed'],
    [{ jwks: { keys: 'x' } }, 'jwks'],
    [{ jwksCache: { get() {} } }, 'jwksCache'],
    [{ maxTokenLength: 10 }, 'maxTokenLength'],
    [{ maxTokenLength: 1000.5 }, 'maxTokenLength'],
    [{ jwksCooldown: -5 }, 'jwksCooldown'],
    [{ jwksCacheMaxAge: 0 }, 'jwksCacheMaxAge'],
    [{ verifiedCache: { max: 0 } }, 'verifiedCache.max'],
    [{ verifiedCache: 3 }, 'verifiedCache'],
  ])('%j → config_invalid naming %s', async (options, option) => {
    const fake = await fakeWith();
    let err: unknown;
    try {
      fake.verifier(options as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtektError);
    expect(err).toMatchObject({ code: 'config_invalid', details: { option } });
  });
});
