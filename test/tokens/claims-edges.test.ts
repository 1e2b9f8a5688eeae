/**
 * The claims of a verified token at their edges: what `user.emailVerified` is made of, the `sub`
 * every token must carry, the time claims at their boundaries, which claims become metadata, and
 * how deep the frozen result goes. Against the fake Protekt of _helpers.ts (no emulator).
 */
import { describe, expect, it } from 'vitest';
import { encodeBase64urlText } from '../../src/util/base64url.js';
import { AUDIENCE, claimsAt, fakeWith, signRaw } from './_helpers.js';

const LOCAL_ONLY = { revocationCheck: false } as const;

/** A signed token whose payload is the given claims exactly (nothing added). */
async function tokenOf(
  fake: Awaited<ReturnType<typeof fakeWith>>,
  claims: Record<string, unknown>,
): Promise<string> {
  const key = fake.keys[0]!;
  return signRaw({ alg: key.alg, kid: key.kid }, claims, key);
}

/** The standard claims without `name`. */
function without(claims: Record<string, unknown>, name: string): Record<string, unknown> {
  const copy = { ...claims };
  delete copy[name];
  return copy;
}

// First in this file on purpose: the set of registered claim names is built once per module, by
// the first verification that builds a user.
describe('metadata', () => {
  it('every registered claim stays out of metadata, and so do prototype names', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const registered = {
      sid: 'ses_1',
      scope: 'a b',
      scp: ['a'],
      azp: 'app',
      client_id: 'c',
      auth_time: 1,
      amr: ['pwd'],
      acr: '1',
      typ: 'Bearer',
      token_use: 'access',
      mfa: true,
      cnf: {},
      nbf: fake.clock.seconds,
    };
    const key = fake.keys[0]!;
    const payload = JSON.stringify(claimsAt(fake.clock, { ...registered, plan: 'pro' })).replace(
      /^\{/,
      '{"__proto__":{"polluted":true},"constructor":1,"prototype":2,',
    );
    const token = await signRaw({ alg: key.alg, kid: key.kid }, encodeBase64urlText(payload), key);
    const { user, error } = await v.verify(token);
    expect(error).toBeNull();
    expect(user!.metadata).toEqual({ plan: 'pro' });
    expect(Object.keys(user!.metadata)).toEqual(['plan']);
    expect(Object.getPrototypeOf(user!.metadata)).toBe(Object.prototype);
  });
});

describe('user.emailVerified', () => {
  it('is true only when email_verified is the boolean true', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const cases: [string, Record<string, unknown>, boolean][] = [
      ['true', claimsAt(fake.clock, { email_verified: true }), true],
      ['false', claimsAt(fake.clock, { email_verified: false }), false],
      ['missing', without(claimsAt(fake.clock), 'email_verified'), false],
      ['the string "true"', claimsAt(fake.clock, { email_verified: 'true' }), false],
      ['1', claimsAt(fake.clock, { email_verified: 1 }), false],
    ];
    for (const [, claims, expected] of cases) {
      const { user, error } = await v.verify(await tokenOf(fake, claims));
      expect(error).toBeNull();
      expect(user!.emailVerified).toBe(expected);
      // Every claim here is a registered one: none of them is metadata.
      expect(user!.metadata).toEqual({});
    }
  });

  it('email is the claim when it is a string, else empty; email_verified is not metadata', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const present = await v.verify(await fake.sign({ email: 'grace@example.com' }));
    expect(present.user!.email).toBe('grace@example.com');
    const missing = await v.verify(await tokenOf(fake, without(claimsAt(fake.clock), 'email')));
    expect(missing.user!.email).toBe('');
    const numeric = await v.verify(await fake.sign({ email: 42 }));
    expect(numeric.user!.email).toBe('');
    expect(numeric.user!.metadata).toEqual({});
  });
});

describe('sub', () => {
  it('an empty, missing or non-string sub is refused with reason sub', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const bad = [
      claimsAt(fake.clock, { sub: '' }),
      without(claimsAt(fake.clock), 'sub'),
      claimsAt(fake.clock, { sub: 42 }),
      claimsAt(fake.clock, { sub: null }),
    ];
    for (const claims of bad) {
      const { user, error } = await v.verify(await tokenOf(fake, claims));
      expect(user).toBeNull();
      expect(error).toMatchObject({
        code: 'token_invalid',
        status: 401,
        details: { reason: 'sub' },
      });
      expect(error!.message).toBe(
        'The token has no sub claim (the user id): this is not a Protekt access token.',
      );
    }
  });

  it('a one-character sub is a user id like any other', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const { user, error } = await v.verify(await fake.sign({ sub: 'u' }));
    expect(error).toBeNull();
    expect(user!.id).toBe('u');
  });
});

describe('issuer and audience', () => {
  it('a token of another issuer or for another project is refused, saying which', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const iss = await v.verify(await fake.sign({ iss: 'https://other.example' }));
    expect(iss.error).toMatchObject({ code: 'token_invalid', details: { reason: 'iss' } });
    expect(iss.error!.message).toBe(
      "The token's iss is not this client's baseUrl origin: point baseUrl at the Protekt that issued it.",
    );
    for (const aud of ['lp_other', ['lp_other', 'proj_a'], [], { 0: AUDIENCE }]) {
      const { error } = await v.verify(await fake.sign({ aud }));
      expect(error).toMatchObject({ code: 'token_invalid', details: { reason: 'aud' } });
      expect(error!.message).toBe(
        "The token's aud does not contain this client's loginId: it was issued for another project.",
      );
    }
    expect((await v.verify(await fake.sign({ aud: AUDIENCE }))).error).toBeNull();
    expect((await v.verify(await fake.sign({ aud: ['x', AUDIENCE] }))).error).toBeNull();
  });
});

describe('claims of the wrong type', () => {
  it('exp, iat, nbf and jti of the wrong type are refused, each with its reason', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const cases: [Record<string, unknown>, string, string][] = [
      [
        without(claimsAt(fake.clock), 'exp'),
        'exp',
        'The token has no exp claim: this is not a Protekt access token.',
      ],
      [
        claimsAt(fake.clock, { exp: String(fake.clock.seconds + 60) }),
        'exp',
        'The token has no exp claim: this is not a Protekt access token.',
      ],
      [
        without(claimsAt(fake.clock), 'iat'),
        'iat',
        'The token has no iat claim: this is not a Protekt access token.',
      ],
      [
        claimsAt(fake.clock, { nbf: 'now' }),
        'nbf',
        "The token's nbf is not a number: this is not a Protekt access token.",
      ],
      [
        claimsAt(fake.clock, { jti: 7 }),
        'jti',
        "The token's jti is not a string: this is not a Protekt access token.",
      ],
    ];
    for (const [claims, reason, message] of cases) {
      const { error } = await v.verify(await tokenOf(fake, claims));
      expect(error).toMatchObject({ code: 'token_invalid', details: { reason } });
      expect(error!.message).toBe(message);
    }
  });

  it('an exp of 1e999 (Infinity once parsed: a token that never expires) is refused', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const key = fake.keys[0]!;
    const payload = JSON.stringify(claimsAt(fake.clock)).replace(/"exp":\d+/, '"exp":1e999');
    const token = await signRaw({ alg: key.alg, kid: key.kid }, encodeBase64urlText(payload), key);
    const { error } = await v.verify(token);
    expect(error).toMatchObject({ code: 'token_invalid', details: { reason: 'exp' } });
  });

  it('a token without nbf or jti is accepted (both are optional)', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const claims = without(without(claimsAt(fake.clock), 'jti'), 'nbf');
    const { error, claims: verified } = await v.verify(await tokenOf(fake, claims));
    expect(error).toBeNull();
    expect(verified!.jti).toBeUndefined();
  });
});

describe('time claims at their boundaries (tolerance 5 s)', () => {
  it('exp: refused from exp + tolerance on, accepted one second before', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier({ ...LOCAL_ONLY, verifiedCache: false });
    const now = fake.clock.seconds;
    const at = async (exp: number) =>
      (await v.verify(await fake.sign({ iat: now - 100, exp }))).error;
    expect(await at(now - 4)).toBeNull();
    const expired = await at(now - 5);
    expect(expired).toMatchObject({ code: 'token_expired', details: { reason: 'exp' } });
    expect(expired!.message).toBe(
      'The token has expired (exp is past): refresh the session or sign in again.',
    );
  });

  it('nbf and iat: accepted up to now + tolerance, refused one second later', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier({ ...LOCAL_ONLY, verifiedCache: false });
    const now = fake.clock.seconds;
    const verify = async (extra: Record<string, unknown>) =>
      (await v.verify(await fake.sign(extra))).error;
    expect(await verify({ nbf: now + 5 })).toBeNull();
    const early = await verify({ nbf: now + 6 });
    expect(early).toMatchObject({ code: 'token_invalid', details: { reason: 'nbf' } });
    expect(early!.message).toBe(
      "The token is not valid yet (nbf is ahead): check this server's clock.",
    );
    expect(await verify({ iat: now + 5 })).toBeNull();
    const future = await verify({ iat: now + 6 });
    expect(future).toMatchObject({ code: 'token_invalid', details: { reason: 'iat' } });
    expect(future!.message).toBe(
      "The token was issued in the future (iat is ahead): check this server's clock.",
    );
  });

  it('a cached verification is re-checked against the clock: expired, then dropped', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const token = await fake.sign({ exp: fake.clock.seconds + 10 });
    expect((await v.verify(token)).error).toBeNull();
    fake.clock.advance(15);
    expect((await v.verify(token)).error).toMatchObject({ code: 'token_expired' });
    fake.clock.advance(-15);
    // Dropped from the cache when it expired: verified in full again, and valid again.
    expect((await v.verify(token)).error).toBeNull();
  });
});

describe('claim values', () => {
  it('a claim whose value is null verifies without a throw and is kept in metadata', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const { user, claims, error } = await v.verify(
      await fake.sign({ nickname: null, tags: [null, 1], email_verified: null }),
    );
    expect(error).toBeNull();
    expect(user!.metadata).toEqual({ nickname: null, tags: [null, 1] });
    expect(user!.emailVerified).toBe(false);
    expect(claims!.nickname).toBeNull();
  });

  it('values two levels deep and more are frozen, in the claims and in the metadata', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const { user, claims, error } = await v.verify(
      await fake.sign({
        org: { team: { id: 't_1', roles: ['admin'] } },
        grid: [[1, 2], [{ x: 1 }]],
        cnf: { jkt: { inner: 'x' } },
      }),
    );
    expect(error).toBeNull();
    const org = user!.metadata.org as { team: { id: string; roles: string[] } };
    const grid = user!.metadata.grid as [number[], { x: number }[]];
    for (const value of [org, org.team, org.team.roles, grid, grid[0], grid[1], grid[1][0]]) {
      expect(Object.isFrozen(value)).toBe(true);
    }
    // The same objects in the claims: one frozen tree, not a frozen copy beside a mutable one.
    expect(claims!.org).toBe(org);
    // A registered claim is not metadata, and what it holds is frozen all the same.
    const cnf = claims!.cnf as { jkt: { inner: string } };
    expect(Object.isFrozen(cnf.jkt)).toBe(true);
    expect(user!.metadata).not.toHaveProperty('cnf');
    expect(() => {
      (org.team as { id: string }).id = 'changed';
    }).toThrow(TypeError);
    expect(org.team.id).toBe('t_1');
  });

  it('registered claims stay out of metadata; every other claim goes in', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const registered = {
      sid: 'ses_1',
      scope: 'a b',
      scp: ['a'],
      azp: 'app',
      client_id: 'c',
      auth_time: 1,
      amr: ['pwd'],
      acr: '1',
      typ: 'Bearer',
      token_use: 'access',
      mfa: true,
      cnf: {},
      nbf: fake.clock.seconds,
    };
    const { user, error } = await v.verify(await fake.sign({ ...registered, plan: 'pro' }));
    expect(error).toBeNull();
    expect(user!.metadata).toEqual({ plan: 'pro' });
    expect(user!.projectId).toBe('proj_a');
  });

  it('projectId is set only from a string project_id', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const { user } = await v.verify(await fake.sign({ project_id: 7 }));
    expect(user).not.toHaveProperty('projectId');
    expect(user!.metadata).toEqual({});
  });
});

describe('payload depth', () => {
  it('a payload nested 64 levels deep verifies; 65 levels is refused as malformed', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier(LOCAL_ONLY);
    const nested = (levels: number): string => {
      // The payload object is level 1; `deep` adds the rest.
      const base = JSON.stringify(claimsAt(fake.clock)).slice(0, -1);
      return `${base},"deep":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    };
    const key = fake.keys[0]!;
    const sign = (payload: string) =>
      signRaw({ alg: key.alg, kid: key.kid }, encodeBase64urlText(payload), key);
    expect((await v.verify(await sign(nested(64)))).error).toBeNull();
    const deep = await v.verify(await sign(nested(65)));
    expect(deep.error).toMatchObject({ code: 'token_invalid', details: { reason: 'malformed' } });
    expect(deep.error!.message).toBe(
      "The token's payload part is not JSON nested at most 64 levels deep: pass the access token as Protekt issued it.",
    );
  });
});
