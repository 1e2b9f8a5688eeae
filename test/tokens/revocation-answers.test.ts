/**
 * What the revocation check makes of Protekt's answers: `200 { valid: false }` is a refusal (from
 * the emulator, for an intact token whose user was deleted, and from the fake of _helpers.ts), and
 * the check works the same without a verified-token cache.
 */
import { describe, expect, it } from 'vitest';
import type { ApiRequest, ApiResponse } from '../../src/http/types.js';
import { Protekt } from '../../src/index.js';
import { createEmulator } from '../../src/testing/index.js';
import { createTokenVerifier } from '../../src/tokens/index.js';
import { AUDIENCE, fakeWith, ISSUER, JWKS_URL } from './_helpers.js';

const INVALID_REMOTELY = {
  code: 'token_invalid',
  status: 401,
  message: 'Protekt reports the token as invalid: the user must sign in again.',
  details: { reason: 'remote' },
};

/** The jti of a token, read without verifying it. */
function jtiOf(token: string): string {
  const payload = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(payload)).jti as string;
}

describe('a 200 answer with valid: false', () => {
  it('the emulator gives it for the token of a deleted user; verifyToken refuses it', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    const options = {
      loginId: emulator.project.loginId,
      apiKey: emulator.project.apiKey,
      fetch: emulator.fetch,
      now: () => emulator.clock.now(),
    };
    const protekt = new Protekt({ ...options, revocationCheck: { maxAge: 0 } });
    // Another instance (an admin service) deletes the user: this client learns it only remotely.
    const admin = new Protekt(options);
    const user = await emulator.createUser({ email: 'gone@example.com' });
    // A token of the user that names no session (signed by the emulator's own key): deleting the
    // user ends no session that would revoke it.
    const now = Math.floor(emulator.clock.now() / 1000);
    const token = await emulator.signToken({
      iss: 'https://auth.protekt.io',
      sub: user.id,
      aud: [emulator.project.loginId],
      iat: now,
      exp: now + 3600,
      jti: 'tok_of_a_deleted_user',
    });
    expect((await protekt.auth.verifyToken(token)).error).toBeNull();
    expect((await admin.users.delete(user.id as string)).error).toBeNull();

    // What Protekt answers the check (the emulator as any client reaches it).
    const raw = await emulator.fetch('https://auth.protekt.io/v1/auth/token/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-protekt-key': options.apiKey },
      body: JSON.stringify({ token }),
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toMatchObject({ valid: false, claims: { sub: user.id } });

    const { user: verified, claims, error } = await protekt.auth.verifyToken(token);
    expect(verified).toBeNull();
    expect(claims).toBeNull();
    expect(error).toMatchObject(INVALID_REMOTELY);
  });

  it('is a refusal, final for the token: not asked again, even after maxAge', async () => {
    const fake = await fakeWith('ES256');
    let verifyCalls = 0;
    // The fake of _helpers.ts, answering the check as the API's TokenClaims schema allows.
    const send = async (req: ApiRequest): Promise<ApiResponse> => {
      if (req.path !== '/auth/token/verify') return fake.send(req);
      verifyCalls++;
      return {
        status: 200,
        headers: new Headers(),
        data: { valid: false, claims: {} },
        error: null,
      };
    };
    const v = createTokenVerifier({
      jwksUrl: JWKS_URL,
      issuer: ISSUER,
      audience: AUDIENCE,
      send,
      fetchIdentity: {},
      options: { revocationCheck: { maxAge: 10 } },
      now: fake.clock.now,
      timeout: 5000,
    });
    const token = await fake.sign();
    expect((await v.verify(token)).error).toMatchObject(INVALID_REMOTELY);
    fake.clock.advance(3600 - 60);
    expect((await v.verify(token)).error).toMatchObject(INVALID_REMOTELY);
    expect(verifyCalls).toBe(1);
  });
});

describe('revocation without a verified-token cache (verifiedCache: false)', () => {
  it('checks, caches the pass for maxAge, then sees the revocation and keeps refusing', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier({ verifiedCache: false, revocationCheck: { maxAge: 10 } });
    const token = await fake.sign();
    expect((await v.verify(token)).error).toBeNull();
    expect((await v.verify(token)).error).toBeNull();
    expect(fake.verifyCalls).toBe(1);
    fake.revoked.add(jtiOf(token));
    fake.clock.advance(10);
    const { user, error } = await v.verify(token);
    expect(user).toBeNull();
    expect(error).toMatchObject({
      code: 'token_revoked',
      status: 401,
      details: { reason: 'remote' },
      message:
        'The token was revoked (logout, revoked session or disabled user): the user must sign in again.',
    });
    const calls = fake.verifyCalls;
    fake.clock.advance(100);
    expect((await v.verify(token)).error?.code).toBe('token_revoked');
    expect(fake.verifyCalls).toBe(calls);
  });

  it("ending a user's other sessions forgets the cached passes: they are asked again", async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier({ verifiedCache: false, revocationCheck: { maxAge: 30 } });
    const current = await fake.sign({ sid: 'ses_current' });
    const other = await fake.sign({ sid: 'ses_other' });
    expect((await v.verify(current)).error).toBeNull();
    expect((await v.verify(other)).error).toBeNull();
    expect(fake.verifyCalls).toBe(2);
    // sessions.revokeAll keeping the current one: without a verified cache the verifier cannot
    // tell which cached pass belongs to which session, so it forgets them all.
    v.endings.sessionsOfUser(current, true);
    fake.revoked.add(jtiOf(other));
    expect((await v.verify(other)).error).toMatchObject({ code: 'token_revoked' });
    expect((await v.verify(current)).error).toBeNull();
    expect(fake.verifyCalls).toBe(4);
  });

  it('a token this client revoked is refused at once, without asking', async () => {
    const fake = await fakeWith('ES256');
    const v = fake.verifier({ verifiedCache: false });
    const token = await fake.sign();
    expect((await v.verify(token)).error).toBeNull();
    v.endings.token(token);
    const calls = fake.verifyCalls;
    expect((await v.verify(token)).error).toMatchObject({ code: 'token_revoked', status: 401 });
    expect(fake.verifyCalls).toBe(calls);
  });
});
