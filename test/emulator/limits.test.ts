/** Rate limits, lockout, idempotency, injected faults, the clock and key rotation. */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import {
  BASE,
  PASSWORD,
  call,
  claimsOf,
  email,
  fastEmulator,
  headerOf,
  signUp,
} from './_helpers.js';
import { webCrypto } from '../support/web.js';

describe('login limits', () => {
  it('rate-limits per e-mail with Retry-After and X-RateLimit headers', async () => {
    const emu = fastEmulator({ rateLimits: { login: { limit: 3, windowMs: 60_000 } } });
    const su = await signUp(emu);
    for (let i = 0; i < 3; i++) {
      const r = await call(emu, 'POST', '/auth/login', {
        body: { email: su.email, password: PASSWORD },
      });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-ratelimit-limit')).toBe('3');
      expect(r.headers.get('x-ratelimit-remaining')).toBe(String(2 - i));
    }
    const limited = await call(emu, 'POST', '/auth/login', {
      body: { email: su.email, password: PASSWORD },
    });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({
      code: 'rate_limited',
      details: { retry_after: expect.any(Number) },
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(Number(limited.headers.get('x-ratelimit-reset'))).toBeGreaterThan(
      Math.floor(emu.clock.now() / 1000),
    );
    // Another address is not affected; the window slides with the clock.
    expect(
      (await call(emu, 'POST', '/auth/login', { body: { email: email(), password: PASSWORD } }))
        .status,
    ).toBe(401);
    emu.clock.advance(60_001);
    expect(
      (await call(emu, 'POST', '/auth/login', { body: { email: su.email, password: PASSWORD } }))
        .status,
    ).toBe(200);
  });

  it('locks an account for 15 minutes after 5 consecutive wrong passwords', async () => {
    const emu = fastEmulator({ rateLimits: { login: { limit: 100, windowMs: 60_000 } } });
    const su = await signUp(emu);
    const attempt = (password: string) =>
      call(emu, 'POST', '/auth/login', { body: { email: su.email, password } });
    for (let i = 0; i < 4; i++) expect((await attempt('wrong password')).status).toBe(401);
    expect((await attempt(PASSWORD)).status).toBe(200); // a success resets the count
    for (let i = 0; i < 5; i++)
      expect((await attempt('wrong password')).body.error.code).toBe('invalid_credentials');
    const locked = await attempt(PASSWORD);
    expect(locked.status).toBe(423);
    expect(locked.body.error.code).toBe('account_locked');
    expect(locked.body.error.details.retry_after).toBe(900);
    emu.clock.advance(14 * 60_000);
    expect((await attempt(PASSWORD)).status).toBe(423);
    emu.clock.advance(61_000);
    expect((await attempt(PASSWORD)).status).toBe(200);
    // Unknown addresses behave the same (no enumeration through the lockout).
    const ghost = email('ghost');
    for (let i = 0; i < 5; i++)
      await call(emu, 'POST', '/auth/login', { body: { email: ghost, password: 'whatever1' } });
    expect(
      (await call(emu, 'POST', '/auth/login', { body: { email: ghost, password: 'whatever1' } }))
        .status,
    ).toBe(423);
  });

  it('error messages never echo secrets', async () => {
    const emu = fastEmulator();
    const su = await signUp(emu);
    const secrets = [PASSWORD, 'wrong password!', su.access, su.refresh, emu.project.apiKey];
    const answers = [
      await call(emu, 'POST', '/auth/login', {
        body: { email: su.email, password: 'wrong password!' },
      }),
      await call(emu, 'POST', '/auth/token/refresh', { body: { refresh_token: su.refresh + 'x' } }),
      await call(emu, 'POST', '/auth/token/verify', { body: { token: su.access + 'x' } }),
      await call(emu, 'GET', '/auth/users', { key: emu.project.apiKey + 'x' }),
      await call(emu, 'POST', '/auth/signup', { body: { email: su.email, password: PASSWORD } }),
    ];
    for (const a of answers) for (const s of secrets) expect(a.text).not.toContain(s);
    expect(answers[3]!.status).toBe(401);
    expect(answers[3]!.body.error.code).toBe('invalid_api_key');
  });
});

describe('idempotency keys', () => {
  it('replays the first answer, refuses a different body, and serializes concurrent duplicates', async () => {
    const emu = fastEmulator();
    const address = email('idem');
    const headers = { 'idempotency-key': 'key-1' };
    const first = await call(emu, 'POST', '/auth/signup', {
      body: { email: address, password: PASSWORD },
      headers,
    });
    const second = await call(emu, 'POST', '/auth/signup', {
      body: { email: address, password: PASSWORD },
      headers,
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(emu.store.users()).toHaveLength(1);
    const conflict = await call(emu, 'POST', '/auth/signup', {
      body: { email: email(), password: PASSWORD },
      headers,
    });
    expect(conflict.status).toBe(422);
    expect(conflict.body.error.code).toBe('idempotency_conflict');
    // Same key, another project: independent.
    const other = emu.createProject();
    expect(
      (
        await call(emu, 'POST', '/auth/signup', {
          key: other.apiKey,
          body: { email: email(), password: PASSWORD },
          headers,
        })
      ).status,
    ).toBe(201);

    const twin = email('twin');
    const both = await Promise.all([
      call(emu, 'POST', '/auth/signup', {
        body: { email: twin, password: PASSWORD },
        headers: { 'idempotency-key': 'key-2' },
      }),
      call(emu, 'POST', '/auth/signup', {
        body: { email: twin, password: PASSWORD },
        headers: { 'idempotency-key': 'key-2' },
      }),
    ]);
    expect(both.map((b) => b.status)).toEqual([201, 201]);
    expect(both[0]!.text).toBe(both[1]!.text);
    expect(emu.store.users().filter((u) => u['email'] === twin)).toHaveLength(1);
    // Without a key, a repeat acts again.
    expect(
      (await call(emu, 'POST', '/auth/signup', { body: { email: twin, password: PASSWORD } })).body
        .error.code,
    ).toBe('email_taken');
  });

  it('a lost answer (fault after processing) is replayed to the retry with the same key', async () => {
    const emu = fastEmulator();
    emu.faults.add({ path: '/auth/signup', drop: true, after: true });
    const address = email('lost');
    const send = () =>
      call(emu, 'POST', '/auth/signup', {
        body: { email: address, password: PASSWORD },
        headers: { 'idempotency-key': 'retry-me' },
      });
    await expect(send()).rejects.toBeInstanceOf(TypeError);
    const retry = await send();
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(
      emu.requests.filter((r) => r.path === '/auth/signup').map((r) => r.idempotencyKey),
    ).toEqual(['retry-me', 'retry-me']);
  });

  it('a 429 is not remembered: the retry with the same key acts', async () => {
    const emu = fastEmulator({ rateLimits: { otpSend: { limit: 1, windowMs: 1_000 } } });
    const address = email();
    await call(emu, 'POST', '/auth/otp/send', { body: { email: address } });
    const h = { 'idempotency-key': 'k429' };
    expect(
      (await call(emu, 'POST', '/auth/otp/send', { body: { email: address }, headers: h })).status,
    ).toBe(429);
    emu.clock.advance(1_001);
    expect(
      (await call(emu, 'POST', '/auth/otp/send', { body: { email: address }, headers: h })).status,
    ).toBe(200);
  });
});

describe('faults', () => {
  it('status with Retry-After (seconds or date), custom bodies, counted hits; then normal service', async () => {
    const emu = fastEmulator();
    emu.faults.add({ path: '/auth/login', status: 503, retryAfter: 2, times: 2 });
    emu.faults.add({ path: /^\/auth\/users/, method: 'GET', status: 200, body: '{"data": [' });
    emu.faults.add({
      path: '/auth/signup',
      status: 429,
      retryAfter: 'Wed, 21 Oct 2037 07:28:00 GMT',
      headers: { 'x-extra': '1' },
    });
    const su1 = await call(emu, 'POST', '/auth/signup', {
      body: { email: email(), password: PASSWORD },
    });
    expect(su1.status).toBe(429);
    expect(su1.headers.get('retry-after')).toBe('Wed, 21 Oct 2037 07:28:00 GMT');
    expect(su1.headers.get('x-extra')).toBe('1');
    const su = await signUp(emu);
    for (let i = 0; i < 2; i++) {
      const r = await call(emu, 'POST', '/auth/login', {
        body: { email: su.email, password: PASSWORD },
      });
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('2');
      expect(r.body.error.code).toBe('service_unavailable');
    }
    expect(
      (await call(emu, 'POST', '/auth/login', { body: { email: su.email, password: PASSWORD } }))
        .status,
    ).toBe(200);
    expect(emu.faults.hits('/auth/login')).toBe(3);
    expect(emu.faults.hits(/^\/auth\//, 'POST')).toBe(5);
    const truncated = await call(emu, 'GET', '/auth/users');
    expect(truncated.status).toBe(200);
    expect(truncated.text).toBe('{"data": [');
    expect((await call(emu, 'GET', '/auth/users')).body.data).toHaveLength(1);
    // clear() withdraws everything.
    emu.faults.add({ path: '/auth/users', status: 500, times: Infinity });
    emu.faults.clear();
    expect((await call(emu, 'GET', '/auth/users')).status).toBe(200);
    // Secrets are redacted in the request log.
    const logged = emu.requests.at(-1)!;
    expect(logged.headers['x-protekt-key']).toBe('[redacted]');
    expect(JSON.stringify(emu.requests)).not.toContain(emu.project.apiKey);
  });

  it('drop rejects with a TypeError; delay waits and honours abort; a pure delay then proceeds', async () => {
    const emu = fastEmulator();
    emu.faults.add({ path: '/auth/users', drop: true });
    await expect(call(emu, 'GET', '/auth/users')).rejects.toBeInstanceOf(TypeError);
    emu.faults.add({ path: '/auth/users', delayMs: 150 });
    const t0 = Date.now();
    expect((await call(emu, 'GET', '/auth/users')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    emu.faults.add({ path: '/auth/users', delayMs: 5_000 });
    const t1 = Date.now();
    const res = emu.fetch(`${BASE}/auth/users`, {
      headers: { 'x-protekt-key': emu.project.apiKey },
      signal: AbortSignal.timeout(60),
    });
    await expect(res).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - t1).toBeLessThan(1_000);
    const aborted = new AbortController();
    aborted.abort();
    await expect(emu.fetch(`${BASE}/auth/users`, { signal: aborted.signal })).rejects.toMatchObject(
      { name: 'AbortError' },
    );
  });
});

describe('clock', () => {
  it('creating an emulator draws no random value and reads no time (safe in a Worker global scope)', () => {
    const random = vi.spyOn(webCrypto(), 'getRandomValues');
    const time = vi.spyOn(Date, 'now');
    try {
      const emu = fastEmulator({ now: Date.UTC(2030, 0, 1), projects: [{}] });
      expect(random).not.toHaveBeenCalled();
      expect(time).not.toHaveBeenCalled();
      expect(emu.projects).toHaveLength(2);
      expect(random).toHaveBeenCalled();
      expect(Math.abs(emu.clock.now() - Date.UTC(2030, 0, 1))).toBeLessThan(1_000);
    } finally {
      random.mockRestore();
      time.mockRestore();
    }
  });

  it('follows real time by default and keeps an offset once moved', async () => {
    const emu = fastEmulator();
    expect(Math.abs(emu.clock.now() - Date.now())).toBeLessThan(50);
    emu.clock.advance(3_600_000);
    expect(emu.clock.now() - Date.now()).toBeGreaterThan(3_599_000);
    emu.clock.set(new Date('2030-01-01T00:00:00Z'));
    const su = await signUp(emu);
    expect(claimsOf(su.access).iat).toBe(Date.UTC(2030, 0, 1) / 1000);
    expect(su.user.created_at).toMatch(/^2030-01-01T00:00:00\.\d{3}Z$/);
    emu.clock.reset();
    expect(Math.abs(emu.clock.now() - Date.now())).toBeLessThan(50);
    const fixed = fastEmulator({ now: Date.UTC(2031, 5, 1) });
    expect(Math.abs(fixed.clock.now() - Date.UTC(2031, 5, 1))).toBeLessThan(50);
  });
});

describe('keys', () => {
  it('rotation publishes the new key and keeps the old one until its tokens expire', async () => {
    const emu = fastEmulator({ project: { tokenExpiry: 600 } });
    const before = await signUp(emu);
    const oldKid = headerOf(before.access).kid;
    const rotated = await emu.rotateKeys();
    expect(rotated.kid).not.toBe(oldKid);
    const after = await signUp(emu);
    expect(headerOf(after.access).kid).toBe(rotated.kid);
    const kids = async () =>
      (await call(emu, 'GET', '/.well-known/jwks.json', { key: null })).body.keys.map(
        (k: any) => k.kid,
      );
    expect(await kids()).toEqual([oldKid, rotated.kid]);
    // Both tokens verify, remotely and with jose.
    const jwks = createLocalJWKSet(
      (await call(emu, 'GET', '/.well-known/jwks.json', { key: null })).body,
    );
    for (const t of [before.access, after.access]) {
      expect((await call(emu, 'POST', '/auth/token/verify', { body: { token: t } })).status).toBe(
        200,
      );
      await jwtVerify(t, jwks, {
        issuer: 'https://auth.protekt.io',
        audience: emu.project.loginId,
        currentDate: new Date(emu.clock.now()),
      });
    }
    emu.clock.advance(601_000);
    expect(await kids()).toEqual([rotated.kid]);
  });

  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'signs with %s; signToken and issueAccessToken make verifiable tokens',
    async (alg) => {
      const emu = fastEmulator({ algorithm: alg });
      const su = await signUp(emu);
      expect(headerOf(su.access).alg).toBe(alg);
      const jwks = (await call(emu, 'GET', '/.well-known/jwks.json', { key: null })).body;
      const key = jwks.keys[0];
      expect(key).toMatchObject({ alg, use: 'sig', kid: headerOf(su.access).kid });
      // Checked on copies: bun:test (1.4) writes toMatchObject's asymmetric matchers into the
      // object it checks, and jose would then verify against a mangled key.
      if (alg === 'RS256')
        expect({ ...key }).toMatchObject({ kty: 'RSA', n: expect.any(String), e: 'AQAB' });
      if (alg === 'ES256')
        expect({ ...key }).toMatchObject({
          kty: 'EC',
          crv: 'P-256',
          x: expect.any(String),
          y: expect.any(String),
        });
      if (alg === 'EdDSA')
        expect({ ...key }).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String) });
      await jwtVerify(su.access, createLocalJWKSet(jwks), {
        issuer: 'https://auth.protekt.io',
        audience: emu.project.loginId,
      });

      const now = Math.floor(emu.clock.now() / 1000);
      const odd = await emu.signToken({
        iss: 'https://auth.protekt.io',
        sub: su.user.id,
        aud: 'someone-else',
        iat: now,
        exp: now + 60,
      });
      expect(
        (await call(emu, 'POST', '/auth/token/verify', { body: { token: odd } })).body.error.code,
      ).toBe('token_invalid');
      const fine = await emu.signToken({
        iss: 'https://auth.protekt.io',
        sub: su.user.id,
        aud: [emu.project.loginId],
        iat: now,
        exp: now + 60,
      });
      expect(
        (await call(emu, 'POST', '/auth/token/verify', { body: { token: fine } })).status,
      ).toBe(200);
      const issued = await emu.issueAccessToken({
        userId: su.user.id,
        expiresIn: 120,
        extraClaims: { role: 'admin' },
      });
      expect(claimsOf(issued)).toMatchObject({ role: 'admin', exp: claimsOf(issued).iat + 120 });
      expect(
        (await call(emu, 'POST', '/auth/token/verify', { body: { token: issued } })).status,
      ).toBe(200);
      expect((await call(emu, 'POST', '/auth/logout', { token: issued })).status).toBe(200);
      expect(
        (await call(emu, 'POST', '/auth/token/verify', { body: { token: issued } })).body.error
          .code,
      ).toBe('token_revoked');
    },
  );

  it('rotateKeys can change the algorithm', async () => {
    const emu = fastEmulator();
    await emu.rotateKeys({ alg: 'ES256' });
    const su = await signUp(emu);
    expect(headerOf(su.access).alg).toBe('ES256');
    await expect(emu.rotateKeys({ alg: 'HS256' as never })).rejects.toThrow(/unsupported/);
  });
});
