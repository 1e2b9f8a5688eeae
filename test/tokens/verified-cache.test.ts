/**
 * The verified-token cache: a hit skips the signature but never the clock, the revocation policy,
 * the key's presence in the JWKS, or this verifier's issuer and audience.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { claimsAt, fakeWith, makeKey, signRaw } from './_helpers.js';
import { segmentJson, webCrypto } from '../support/web.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('verified-token cache', () => {
  it('a second verification of the same token skips the signature and returns the same objects', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false });
    const token = await fake.sign();
    const first = await v.verify(token);
    const spy = vi.spyOn(webCrypto().subtle, 'verify');
    const second = await v.verify(token);
    expect(spy).not.toHaveBeenCalled();
    expect(second.error).toBeNull();
    expect(second.user).toBe(first.user);
    expect(second.claims).toBe(first.claims);
  });

  it('a hit re-checks exp against the clock', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false, clockTolerance: 0 });
    const token = await fake.sign({ exp: fake.clock.seconds + 10 });
    expect((await v.verify(token)).error).toBeNull();
    fake.clock.advance(10);
    expect((await v.verify(token)).error?.code).toBe('token_expired');
    fake.clock.advance(-5); // the entry was dropped on expiry: a full verification runs again
    const spy = vi.spyOn(webCrypto().subtle, 'verify');
    expect((await v.verify(token)).error).toBeNull();
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('a hit honours the revocation policy (the per-token answer expires on its own)', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: { maxAge: 5 } });
    const token = await fake.sign();
    expect((await v.verify(token)).error).toBeNull();
    expect((await v.verify(token)).error).toBeNull();
    expect(fake.verifyCalls).toBe(1);
    fake.revoked.add(segmentJson(token, 1).jti);
    fake.clock.advance(5);
    expect((await v.verify(token)).error?.code).toBe('token_revoked');
    expect(fake.verifyCalls).toBe(2);
  });

  it('is per verifier: a hit never skips another verifier’s audience or issuer', async () => {
    const fake = await fakeWith();
    const token = await fake.sign();
    const a = fake.verifier({ revocationCheck: false });
    const b = fake.verifier({ revocationCheck: false }, { audience: 'lp_project_b' });
    const c = fake.verifier({ revocationCheck: false }, { issuer: 'https://other.example' });
    expect((await a.verify(token)).error).toBeNull();
    expect((await b.verify(token)).error?.details?.reason).toBe('aud');
    expect((await c.verify(token)).error?.details?.reason).toBe('iss');
  });

  it('failures are not cached: an unknown kid can succeed once its key is published', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false });
    await v.verify(await fake.sign());
    const next = await makeKey('RS256');
    const token = await signRaw({ alg: 'RS256', kid: next.kid }, claimsAt(fake.clock), next);
    fake.keys.push(next);
    fake.clock.advance(1);
    expect((await v.verify(token)).error).toBeNull();
  });

  it('is bounded by max, and can be turned off', async () => {
    const fake = await fakeWith();
    const v = fake.verifier({ revocationCheck: false, verifiedCache: { max: 2 } });
    const [t1, t2, t3] = await Promise.all([fake.sign(), fake.sign(), fake.sign()]);
    for (const t of [t1!, t2!, t3!]) await v.verify(t);
    const spy = vi.spyOn(webCrypto().subtle, 'verify');
    await v.verify(t3!);
    await v.verify(t2!);
    expect(spy).toHaveBeenCalledTimes(0);
    await v.verify(t1!);
    expect(spy).toHaveBeenCalledTimes(1);

    const off = fake.verifier({ revocationCheck: false, verifiedCache: false });
    await off.verify(t1!);
    await off.verify(t1!);
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('a stale key set is refreshed on a hit, and the hit dropped if its key left', async () => {
    const fake = await fakeWith('ES256', 'ES256');
    const v = fake.verifier({ revocationCheck: false });
    const token = await fake.sign({ exp: fake.clock.seconds + 7200 });
    expect((await v.verify(token)).error).toBeNull();
    fake.keys = [fake.keys[1]!];
    fake.clock.advance(600);
    // Stale-while-revalidate: the hit is served by the stale set while it is refreshed, then
    // refused once the refresh has retired its key.
    expect((await v.verify(token)).error).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await v.verify(token)).error?.code).toBe('token_invalid');
    expect(fake.jwksFetches).toBe(2);
  });
});
