/** End-to-end flows straight over the emulator's fetch (no SDK client). */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { totp } from '../../src/testing/index.js';
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
import { base64urlOfText, bytesOfBase64, inflate } from '../support/web.js';

describe('password accounts, MFA, refresh, sessions, logout', () => {
  it('runs sign-up → login → TOTP → challenge → refresh → reuse detection → sessions → logout', async () => {
    const emu = fastEmulator();
    const address = email('ada');
    const su = await signUp(emu, address, {
      metadata: { plan: 'pro', sub: 'evil', __proto__: { polluted: true } },
    });
    expect(su.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      user: {
        email: address,
        email_verified: false,
        mfa_enabled: false,
        mfa_methods: [],
        disabled: false,
      },
    });
    expect(su.user.metadata).toEqual({ plan: 'pro', sub: 'evil' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();

    // The access token is a real JWT: check it independently with jose against the JWKS.
    const jwks = await call(emu, 'GET', '/.well-known/jwks.json', { key: null });
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=600');
    const { payload, protectedHeader } = await jwtVerify(su.access, createLocalJWKSet(jwks.body), {
      issuer: 'https://auth.protekt.io',
      audience: emu.project.loginId,
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toMatchObject({
      sub: su.user.id,
      email: address,
      email_verified: false,
      project_id: emu.project.projectId,
      plan: 'pro',
    });
    expect(payload.aud).toEqual([emu.project.loginId, emu.project.projectId]);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.exp).toBe(payload.iat! + 3600);
    expect(String(payload.jti)).toMatch(/^tok_/);
    expect(String(payload['sid'])).toMatch(/^sess_/);
    expect(su.refresh).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);

    // Login.
    const login = await call(emu, 'POST', '/auth/login', {
      body: { email: address.toUpperCase(), password: PASSWORD, token_expiry: 5 },
    });
    expect(login.status).toBe(200);
    expect(login.body.expires_in).toBe(60); // clamped to [60, 86400]
    expect(
      (
        await call(emu, 'POST', '/auth/login', {
          body: { email: address, password: 'wrong password' },
        })
      ).body.error.code,
    ).toBe('invalid_credentials');

    // TOTP enrollment with a real QR PNG.
    const enroll = await call(emu, 'POST', '/auth/mfa/enroll', {
      body: { method: 'totp' },
      token: su.access,
    });
    expect(enroll.status).toBe(200);
    expect(enroll.body.totp_uri).toMatch(
      /^otpauth:\/\/totp\/Protekt:ada\.\d+\.[a-z0-9]+@example\.com\?secret=[A-Z2-7]{32}&issuer=Protekt&algorithm=SHA1&digits=6&period=30$/,
    );
    await checkPng(enroll.body.qr_code);
    const secret = new URL(enroll.body.totp_uri).searchParams.get('secret')!;
    const wrong = (await totp(secret, emu.clock.now())) === '000000' ? '111111' : '000000';
    expect(
      (await call(emu, 'POST', '/auth/mfa/verify', { body: { code: wrong }, token: su.access }))
        .body.error.code,
    ).toBe('invalid_mfa_code');
    const confirmed = await call(emu, 'POST', '/auth/mfa/verify', {
      body: { code: await totp(secret, emu.clock.now()) },
      token: su.access,
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({
      enrolled: true,
      method: 'totp',
      user: { mfa_enabled: true, mfa_methods: ['totp'] },
    });

    // Login now answers a challenge; a wrong code, then the right one.
    const challenge = await call(emu, 'POST', '/auth/login', {
      body: { email: address, password: PASSWORD },
    });
    expect(challenge.body).toEqual({
      mfa_required: true,
      mfa_token: expect.stringMatching(/^mfa_tmp_/),
      available_methods: ['totp'],
    });
    expect(
      (
        await call(emu, 'POST', '/auth/mfa/verify', {
          body: { mfa_token: challenge.body.mfa_token, code: wrong },
        })
      ).body.error.code,
    ).toBe('invalid_mfa_code');
    const code = await totp(secret, emu.clock.now());
    const done = await call(emu, 'POST', '/auth/mfa/verify', {
      body: { mfa_token: challenge.body.mfa_token, code },
    });
    expect(done.status).toBe(200);
    expect(done.body.user.mfa_enabled).toBe(true);
    // The mfa token is single use, and so is the TOTP code.
    expect(
      (
        await call(emu, 'POST', '/auth/mfa/verify', {
          body: { mfa_token: challenge.body.mfa_token, code },
        })
      ).body.error.code,
    ).toBe('mfa_token_invalid');
    const again = await call(emu, 'POST', '/auth/login', {
      body: { email: address, password: PASSWORD },
    });
    expect(
      (
        await call(emu, 'POST', '/auth/mfa/verify', {
          body: { mfa_token: again.body.mfa_token, code },
        })
      ).body.error.code,
    ).toBe('invalid_mfa_code');
    emu.clock.advance(30_000);
    expect(
      (
        await call(emu, 'POST', '/auth/mfa/verify', {
          body: { mfa_token: again.body.mfa_token, code: await totp(secret, emu.clock.now()) },
        })
      ).status,
    ).toBe(200);
    // An mfa token lives 5 minutes.
    const late = await call(emu, 'POST', '/auth/login', {
      body: { email: address, password: PASSWORD },
    });
    emu.clock.advance(5 * 60_000 + 1_000);
    expect(
      (
        await call(emu, 'POST', '/auth/mfa/verify', {
          body: { mfa_token: late.body.mfa_token, code: await totp(secret, emu.clock.now()) },
        })
      ).body.error,
    ).toMatchObject({ code: 'mfa_token_invalid' });

    // Refresh rotates; reusing the old refresh token after the reuse interval (10 s) ends the
    // session.
    const r1 = await call(emu, 'POST', '/auth/token/refresh', {
      body: { refresh_token: done.body.refresh_token },
    });
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(r1.body.refresh_token).not.toBe(done.body.refresh_token);
    expect(claimsOf(r1.body.access_token).sid).toBe(claimsOf(done.body.access_token).sid);
    emu.clock.advance(10_000);
    const reuse = await call(emu, 'POST', '/auth/token/refresh', {
      body: { refresh_token: done.body.refresh_token },
    });
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe('refresh_token_invalid');
    for (const token of [done.body.access_token, r1.body.access_token]) {
      const v = await call(emu, 'POST', '/auth/token/verify', { body: { token } });
      expect(v.status).toBe(401);
      expect(v.body.error.code).toBe('token_revoked');
    }
    expect(
      (
        await call(emu, 'POST', '/auth/token/refresh', {
          body: { refresh_token: r1.body.refresh_token },
        })
      ).body.error.code,
    ).toBe('refresh_token_invalid');

    // Sessions: several devices, is_current, revoke one, revoke the others.
    const phone = await loginWith(emu, address, secret, {
      'user-agent': 'Phone/1.0',
      'x-forwarded-for': '203.0.113.7, 10.0.0.1',
    });
    const laptop = await loginWith(emu, address, secret, {
      'user-agent': 'Laptop/2.0',
      'cf-connecting-ip': '198.51.100.9',
    });
    const list = await call(emu, 'GET', '/auth/sessions', { token: laptop });
    expect(list.status).toBe(200);
    const byAgent = Object.fromEntries(list.body.data.map((s: any) => [s.user_agent, s]));
    expect(byAgent['Phone/1.0']).toMatchObject({ ip_address: '203.0.113.7', is_current: false });
    expect(byAgent['Laptop/2.0']).toMatchObject({ ip_address: '198.51.100.9', is_current: true });
    const other = await signUp(emu);
    expect(
      (await call(emu, 'DELETE', `/auth/sessions/${claimsOf(other.access).sid}`, { token: laptop }))
        .body.error.code,
    ).toBe('session_not_found');
    const revokeOne = await call(emu, 'DELETE', `/auth/sessions/${byAgent['Phone/1.0'].id}`, {
      token: laptop,
    });
    expect(revokeOne.body).toEqual({ revoked: true, session_id: byAgent['Phone/1.0'].id });
    expect(
      (await call(emu, 'POST', '/auth/token/verify', { body: { token: phone } })).body.error.code,
    ).toBe('token_revoked');
    const extra = await loginWith(emu, address, secret, {});
    const all = await call(emu, 'DELETE', '/auth/sessions', {
      token: laptop,
      body: { keep_current: true },
    });
    expect(all.body.revoked_count).toBeGreaterThanOrEqual(2);
    expect(
      (await call(emu, 'POST', '/auth/token/verify', { body: { token: extra } })).body.error.code,
    ).toBe('token_revoked');
    expect((await call(emu, 'GET', '/auth/sessions', { token: laptop })).body.data).toHaveLength(1);

    // Logout ends the session: verify says revoked, the bearer no longer works.
    expect((await call(emu, 'POST', '/auth/logout', { token: laptop })).body).toEqual({
      logged_out: true,
    });
    expect(
      (await call(emu, 'POST', '/auth/token/verify', { body: { token: laptop } })).body.error.code,
    ).toBe('token_revoked');
    expect((await call(emu, 'GET', '/auth/sessions', { token: laptop })).body.error.code).toBe(
      'token_revoked',
    );
  });

  it('backup codes are single use and regenerating replaces them; SMS MFA sends codes to the outbox', async () => {
    const emu = fastEmulator();
    const su = await signUp(emu);
    expect(
      (await call(emu, 'POST', '/auth/mfa/backup-codes', { token: su.access })).body.error.code,
    ).toBe('mfa_not_enrolled');
    const phone = '+2348012345678';
    expect(
      (
        await call(emu, 'POST', '/auth/mfa/enroll', {
          body: { method: 'sms', phone: '0801234' },
          token: su.access,
        })
      ).body.error.code,
    ).toBe('invalid_phone');
    const enroll = await call(emu, 'POST', '/auth/mfa/enroll', {
      body: { method: 'sms', phone },
      token: su.access,
    });
    expect(enroll.body).toEqual({ method: 'sms', phone_masked: '+234******5678' });
    const sent = emu.outbox.last({ to: phone, kind: 'mfa_enroll_sms' })!;
    // Two plain checks: bun:test (1.4) writes toMatchObject's asymmetric matchers into `sent`.
    expect(sent.channel).toBe('sms');
    expect(sent.code).toMatch(/^\d{6}$/);
    expect(
      (await call(emu, 'POST', '/auth/mfa/verify', { body: { code: sent.code }, token: su.access }))
        .body,
    ).toMatchObject({ enrolled: true, method: 'sms' });

    const first = await call(emu, 'POST', '/auth/mfa/backup-codes', { token: su.access });
    expect(first.body.backup_codes).toHaveLength(10);
    for (const c of first.body.backup_codes) expect(c).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}$/);
    const second = await call(emu, 'POST', '/auth/mfa/backup-codes', { token: su.access });
    const challenge = async () => {
      const r = await call(emu, 'POST', '/auth/login', {
        body: { email: su.email, password: PASSWORD },
      });
      expect(r.body).toMatchObject({ mfa_required: true, available_methods: ['sms'] });
      return r.body.mfa_token as string;
    };
    expect(
      (
        await call(emu, 'POST', '/auth/mfa/verify', {
          body: { mfa_token: await challenge(), code: first.body.backup_codes[0] },
        })
      ).body.error.code,
    ).toBe('invalid_mfa_code');
    expect(
      (
        await call(emu, 'POST', '/auth/mfa/verify', {
          body: { mfa_token: await challenge(), code: second.body.backup_codes[0] },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(emu, 'POST', '/auth/mfa/verify', {
          body: { mfa_token: await challenge(), code: second.body.backup_codes[0] },
        })
      ).body.error.code,
    ).toBe('invalid_mfa_code');
    // The SMS challenge code arrives with the challenge.
    const token = await challenge();
    const sms = emu.outbox.last({ to: phone, kind: 'mfa_sms' })!;
    expect(
      (await call(emu, 'POST', '/auth/mfa/verify', { body: { mfa_token: token, code: sms.code } }))
        .status,
    ).toBe(200);
    // Unenroll, then login gives tokens directly.
    expect(
      (
        await call(emu, 'DELETE', '/auth/mfa/unenroll', {
          body: { method: 'totp' },
          token: su.access,
        })
      ).body.error.code,
    ).toBe('mfa_not_enrolled');
    expect(
      (
        await call(emu, 'DELETE', '/auth/mfa/unenroll', {
          body: { method: 'sms' },
          token: su.access,
        })
      ).body,
    ).toEqual({ unenrolled: true });
    expect(
      (await call(emu, 'POST', '/auth/login', { body: { email: su.email, password: PASSWORD } }))
        .body.access_token,
    ).toBeTypeOf('string');
  });

  it('an mfaRequired project flags enrollment and refuses unenroll', async () => {
    const emu = fastEmulator();
    const strict = emu.createProject({ mfaRequired: true });
    const su = await call(emu, 'POST', '/auth/signup', {
      key: strict.apiKey,
      body: { email: email(), password: PASSWORD },
    });
    expect(su.body.mfa_enrollment_required).toBe(true);
    const enroll = await call(emu, 'POST', '/auth/mfa/enroll', {
      key: strict.apiKey,
      body: { method: 'totp' },
      token: su.body.access_token,
    });
    const secret = new URL(enroll.body.totp_uri).searchParams.get('secret')!;
    await call(emu, 'POST', '/auth/mfa/verify', {
      key: strict.apiKey,
      body: { code: await totp(secret, emu.clock.now()) },
      token: su.body.access_token,
    });
    const un = await call(emu, 'DELETE', '/auth/mfa/unenroll', {
      key: strict.apiKey,
      body: { method: 'totp' },
      token: su.body.access_token,
    });
    expect(un.status).toBe(403);
    expect(un.body.error.code).toBe('mfa_enforced');
  });
});

describe('tokens', () => {
  it('verify checks the audience, expiry and issuer; revoke handles access and refresh tokens', async () => {
    const emu = fastEmulator();
    const other = emu.createProject();
    const su = await signUp(emu);
    const foreign = await call(emu, 'POST', '/auth/token/verify', {
      key: other.apiKey,
      body: { token: su.access },
    });
    expect(foreign.status).toBe(401);
    expect(foreign.body.error.code).toBe('token_invalid');
    const otherIssuer = await call(emu, 'POST', '/auth/token/verify', {
      base: 'http://127.0.0.1:9/v1',
      body: { token: su.access },
    });
    expect(otherIssuer.body.error.code).toBe('token_invalid');
    expect(
      (await call(emu, 'POST', '/auth/token/verify', { body: { token: 'not.a.jwt' } })).body.error
        .code,
    ).toBe('token_invalid');
    const tampered = su.access.slice(0, -4) + (su.access.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(
      (await call(emu, 'POST', '/auth/token/verify', { body: { token: tampered } })).body.error
        .code,
    ).toBe('token_invalid');
    const unsigned = `${base64urlOfText(JSON.stringify({ alg: 'none', kid: headerOf(su.access).kid }))}.${su.access.split('.')[1]}.`;
    expect(
      (await call(emu, 'POST', '/auth/token/verify', { body: { token: unsigned } })).body.error
        .code,
    ).toBe('token_invalid');

    const ok = await call(emu, 'POST', '/auth/token/verify', { body: { token: su.access } });
    expect(ok.body).toMatchObject({
      valid: true,
      claims: { sub: su.user.id, project_id: emu.project.projectId },
    });

    // Revoke the access token: verify says revoked, the refresh token still works.
    expect(
      (await call(emu, 'POST', '/auth/token/revoke', { body: { token: su.access } })).body,
    ).toEqual({ revoked: true });
    expect(
      (await call(emu, 'POST', '/auth/token/verify', { body: { token: su.access } })).body.error
        .code,
    ).toBe('token_revoked');
    const refreshed = await call(emu, 'POST', '/auth/token/refresh', {
      body: { refresh_token: su.refresh },
    });
    expect(refreshed.status).toBe(200);
    // Revoke the refresh token: dead, but the session (and its access token) live on.
    expect(
      (
        await call(emu, 'POST', '/auth/token/revoke', {
          body: { token: refreshed.body.refresh_token },
        })
      ).body,
    ).toEqual({ revoked: true });
    expect(
      (
        await call(emu, 'POST', '/auth/token/refresh', {
          body: { refresh_token: refreshed.body.refresh_token },
        })
      ).body.error.code,
    ).toBe('refresh_token_invalid');
    expect(
      (
        await call(emu, 'POST', '/auth/token/verify', {
          body: { token: refreshed.body.access_token },
        })
      ).status,
    ).toBe(200);
    // Unknown tokens: same answer (no oracle); malformed body: 400.
    expect(
      (await call(emu, 'POST', '/auth/token/revoke', { body: { token: 'rt_unknown' } })).body,
    ).toEqual({ revoked: true });
    expect(
      (await call(emu, 'POST', '/auth/token/revoke', { body: { token: 42 } })).body.error,
    ).toMatchObject({ code: 'invalid_request', details: { field: 'token' } });

    // Expiry follows the emulator clock.
    emu.clock.advance(3601_000);
    expect(
      (
        await call(emu, 'POST', '/auth/token/verify', {
          body: { token: refreshed.body.access_token },
        })
      ).body.error.code,
    ).toBe('token_expired');
  });

  it('refresh tokens expire with the project setting', async () => {
    const emu = fastEmulator({ project: { refreshTokenExpiry: 600 } });
    const su = await signUp(emu);
    emu.clock.advance(601_000);
    const r = await call(emu, 'POST', '/auth/token/refresh', {
      body: { refresh_token: su.refresh },
    });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('refresh_token_expired');
  });

  it('issuer is the origin of the request URL', async () => {
    const emu = fastEmulator();
    const su = await call(emu, 'POST', '/auth/signup', {
      base: 'http://127.0.0.1:8787/v1',
      body: { email: email(), password: PASSWORD },
    });
    expect(claimsOf(su.body.access_token).iss).toBe('http://127.0.0.1:8787');
    const v = await call(emu, 'POST', '/auth/token/verify', {
      base: 'http://127.0.0.1:8787/v1',
      body: { token: su.body.access_token },
    });
    expect(v.body.valid).toBe(true);
  });
});

describe('passwordless', () => {
  it('OTP by e-mail signs up, is single use, allows 5 wrong attempts, and 3 sends an hour', async () => {
    const emu = fastEmulator();
    const address = email('otp');
    const sent = await call(emu, 'POST', '/auth/otp/send', {
      body: { email: address, channel: 'email' },
    });
    expect(sent.body).toEqual({ message: expect.any(String), expires_in: 600 });
    expect(sent.headers.get('x-ratelimit-limit')).toBe('3');
    expect(sent.headers.get('x-ratelimit-remaining')).toBe('2');
    const { code } = emu.outbox.last({ to: address, kind: 'otp' })!;
    expect(code).toMatch(/^\d{6}$/);
    const wrong = code === '000000' ? '111111' : '000000';
    expect(
      (await call(emu, 'POST', '/auth/otp/verify', { body: { email: address, otp: wrong } })).body
        .error.code,
    ).toBe('invalid_otp');
    const ok = await call(emu, 'POST', '/auth/otp/verify', { body: { email: address, otp: code } });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ email: address, email_verified: true });
    expect(
      (await call(emu, 'POST', '/auth/otp/verify', { body: { email: address, otp: code } })).body
        .error.code,
    ).toBe('invalid_otp');

    // Five wrong attempts invalidate the code.
    await call(emu, 'POST', '/auth/otp/send', { body: { email: address } });
    const second = emu.outbox.last({ to: address, kind: 'otp' })!.code!;
    const bad = second === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++)
      await call(emu, 'POST', '/auth/otp/verify', { body: { email: address, otp: bad } });
    expect(
      (await call(emu, 'POST', '/auth/otp/verify', { body: { email: address, otp: second } })).body
        .error.code,
    ).toBe('invalid_otp');

    // Third send this hour is fine, the fourth is limited.
    await call(emu, 'POST', '/auth/otp/send', { body: { email: address } });
    const limited = await call(emu, 'POST', '/auth/otp/send', { body: { email: address } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error.details.retry_after).toBe(Number(limited.headers.get('retry-after')));
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    // The code expires after 10 minutes.
    const third = emu.outbox.last({ to: address, kind: 'otp' })!.code!;
    emu.clock.advance(10 * 60_000 + 1);
    expect(
      (await call(emu, 'POST', '/auth/otp/verify', { body: { email: address, otp: third } })).body
        .error.code,
    ).toBe('invalid_otp');
    emu.clock.advance(60 * 60_000);
    expect((await call(emu, 'POST', '/auth/otp/send', { body: { email: address } })).status).toBe(
      200,
    );
  });

  it('OTP by SMS signs in the user whose verified phone is on file', async () => {
    const emu = fastEmulator();
    const phone = '+14155550123';
    await call(emu, 'POST', '/auth/otp/send', { body: { phone, channel: 'sms' } });
    const m = emu.outbox.last({ to: phone })!;
    expect(m).toMatchObject({ channel: 'sms', kind: 'otp' });
    expect(
      (await call(emu, 'POST', '/auth/otp/verify', { body: { phone, otp: m.code } })).body.error
        .code,
    ).toBe('user_not_found');
    expect(
      (await call(emu, 'POST', '/auth/otp/send', { body: { phone: 'abc', channel: 'sms' } })).body
        .error.code,
    ).toBe('invalid_phone');
    expect(
      (await call(emu, 'POST', '/auth/otp/send', { body: { channel: 'sms' } })).body.error,
    ).toMatchObject({ code: 'invalid_request', details: { field: 'phone' } });
  });

  it('magic links: outbox link with the token, single use, 15 minutes, redirect allow-list', async () => {
    const emu = fastEmulator({ project: { redirectUrl: 'https://app.example.com/auth/callback' } });
    const address = email('ml');
    const sent = await call(emu, 'POST', '/auth/magic-link/send', { body: { email: address } });
    expect(sent.body).toEqual({ message: expect.any(String), expires_in: 900 });
    const m = emu.outbox.last({ to: address, kind: 'magic_link' })!;
    expect(m.token).toMatch(/^ml_/);
    expect(m.link).toBe(`https://app.example.com/auth/callback?token=${m.token}`);
    const ok = await call(emu, 'POST', '/auth/magic-link/verify', { body: { token: m.token } });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ email: address, email_verified: true });
    expect(
      (await call(emu, 'POST', '/auth/magic-link/verify', { body: { token: m.token } })).body.error
        .code,
    ).toBe('magic_link_expired');

    await call(emu, 'POST', '/auth/magic-link/send', {
      body: { email: address, redirect_url: 'https://app.example.com/other?x=1' },
    });
    const m2 = emu.outbox.last({ to: address, kind: 'magic_link' })!;
    expect(m2.link).toBe(`https://app.example.com/other?x=1&token=${m2.token}`);
    emu.clock.advance(15 * 60_000 + 1);
    expect(
      (await call(emu, 'POST', '/auth/magic-link/verify', { body: { token: m2.token } })).body.error
        .code,
    ).toBe('magic_link_expired');
    for (const bad of [
      'https://evil.test/cb',
      'javascript:alert(1)',
      'http://app.example.com/cb',
    ]) {
      const r = await call(emu, 'POST', '/auth/magic-link/send', {
        body: { email: address, redirect_url: bad },
      });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_redirect_url');
    }
  });
});

describe('passwords and e-mail verification', () => {
  it('reset answers the same for unknown addresses, is single use, ends sessions', async () => {
    const emu = fastEmulator();
    const su = await signUp(emu);
    const unknown = await call(emu, 'POST', '/auth/password/reset', {
      body: { email: email('nobody') },
    });
    const known = await call(emu, 'POST', '/auth/password/reset', { body: { email: su.email } });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual(known.body);
    expect(emu.outbox.messages.filter((m) => m.kind === 'password_reset')).toHaveLength(1);
    const { token, link } = emu.outbox.last({ to: su.email, kind: 'password_reset' })!;
    expect(link).toContain(`token=${token}`);
    expect(
      (
        await call(emu, 'POST', '/auth/password/confirm', {
          body: { reset_token: token, new_password: 'short' },
        })
      ).body.error.code,
    ).toBe('weak_password');
    expect(
      (
        await call(emu, 'POST', '/auth/password/confirm', {
          body: { reset_token: 'pr_nope', new_password: 'long enough 1' },
        })
      ).body.error.code,
    ).toBe('reset_token_invalid');
    const ok = await call(emu, 'POST', '/auth/password/confirm', {
      body: { reset_token: token, new_password: 'long enough 1' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.message).toBeTypeOf('string');
    expect(
      (await call(emu, 'POST', '/auth/token/verify', { body: { token: su.access } })).body.error
        .code,
    ).toBe('token_revoked');
    expect(
      (
        await call(emu, 'POST', '/auth/password/confirm', {
          body: { reset_token: token, new_password: 'long enough 2' },
        })
      ).body.error.code,
    ).toBe('reset_token_invalid');
    expect(
      (await call(emu, 'POST', '/auth/login', { body: { email: su.email, password: PASSWORD } }))
        .status,
    ).toBe(401);
    expect(
      (
        await call(emu, 'POST', '/auth/login', {
          body: { email: su.email, password: 'long enough 1' },
        })
      ).status,
    ).toBe(200);
    // 15-minute life.
    await call(emu, 'POST', '/auth/password/reset', { body: { email: su.email } });
    const late = emu.outbox.last({ to: su.email, kind: 'password_reset' })!.token!;
    emu.clock.advance(15 * 60_000 + 1);
    expect(
      (
        await call(emu, 'POST', '/auth/password/confirm', {
          body: { reset_token: late, new_password: 'long enough 3' },
        })
      ).body.error.code,
    ).toBe('reset_token_invalid');
  });

  it('change needs the current password and ends the other sessions', async () => {
    const emu = fastEmulator();
    const su = await signUp(emu);
    const other = (
      await call(emu, 'POST', '/auth/login', { body: { email: su.email, password: PASSWORD } })
    ).body.access_token;
    const wrong = await call(emu, 'POST', '/auth/password/change', {
      token: su.access,
      body: { current_password: 'nope nope', new_password: 'another one 1' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const ok = await call(emu, 'POST', '/auth/password/change', {
      token: su.access,
      body: { current_password: PASSWORD, new_password: 'another one 1' },
    });
    expect(ok.status).toBe(200);
    expect(
      (await call(emu, 'POST', '/auth/token/verify', { body: { token: su.access } })).status,
    ).toBe(200);
    expect(
      (await call(emu, 'POST', '/auth/token/verify', { body: { token: other } })).body.error.code,
    ).toBe('token_revoked');
  });

  it('sign-up can send a verification e-mail; requireEmailVerification projects refuse login before it', async () => {
    const emu = fastEmulator();
    const strict = emu.createProject({ requireEmailVerification: true });
    const address = email('verify');
    const su = await call(emu, 'POST', '/auth/signup', {
      key: strict.apiKey,
      body: { email: address, password: PASSWORD },
    });
    expect(su.status).toBe(201);
    const blocked = await call(emu, 'POST', '/auth/login', {
      key: strict.apiKey,
      body: { email: address, password: PASSWORD },
    });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('email_not_verified');
    const m = emu.outbox.last({ to: address, kind: 'email_verification' })!;
    expect(m.token).toMatch(/^ev_/);
    expect(
      (
        await call(emu, 'POST', '/auth/email/verify', {
          key: strict.apiKey,
          body: { token: 'ev_bogus' },
        })
      ).body.error.code,
    ).toBe('verification_token_invalid');
    const v = await call(emu, 'POST', '/auth/email/verify', {
      key: strict.apiKey,
      body: { token: m.token },
    });
    expect(v.body).toMatchObject({
      verified: true,
      user: { email: address, email_verified: true },
    });
    expect(
      (
        await call(emu, 'POST', '/auth/login', {
          key: strict.apiKey,
          body: { email: address, password: PASSWORD },
        })
      ).status,
    ).toBe(200);
    // On a normal project only when asked.
    const plain = email('plain');
    await call(emu, 'POST', '/auth/signup', { body: { email: plain, password: PASSWORD } });
    expect(emu.outbox.last({ to: plain })).toBeUndefined();
    const asked = email('asked');
    await call(emu, 'POST', '/auth/signup', {
      body: { email: asked, password: PASSWORD, send_verification: true },
    });
    expect(emu.outbox.last({ to: asked, kind: 'email_verification' })).toBeDefined();
  });
});

describe('users (admin)', () => {
  it('lists with a cursor and search, gets, merges metadata safely, disables and deletes', async () => {
    const emu = fastEmulator();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await signUp(emu, `member${i}@corp.example.com`));
    await signUp(emu, 'outsider@else.example.org');
    const page1 = await call(emu, 'GET', '/auth/users?limit=2');
    expect(page1.body.data.map((u: any) => u.email)).toEqual([
      'member0@corp.example.com',
      'member1@corp.example.com',
    ]);
    expect(page1.body.has_more).toBe(true);
    const page2 = await call(
      emu,
      'GET',
      `/auth/users?limit=2&cursor=${encodeURIComponent(page1.body.next_cursor)}`,
    );
    expect(page2.body.data.map((u: any) => u.email)).toEqual([
      'member2@corp.example.com',
      'member3@corp.example.com',
    ]);
    const searched = await call(emu, 'GET', '/auth/users?search=CORP.example');
    expect(searched.body).toMatchObject({ has_more: false, next_cursor: null });
    expect(searched.body.data).toHaveLength(5);
    for (const bad of ['limit=0', 'limit=101', 'limit=abc', 'cursor=garbage']) {
      const r = await call(emu, 'GET', `/auth/users?${bad}`);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
    }

    const target = made[0]!;
    expect((await call(emu, 'GET', `/auth/users/${target.user.id}`)).body).toMatchObject({
      id: target.user.id,
      email: target.email,
    });
    expect((await call(emu, 'GET', '/auth/users/usr_missing')).body.error.code).toBe(
      'user_not_found',
    );
    const patched = await call(emu, 'PATCH', `/auth/users/${target.user.id}`, {
      raw: '{"metadata":{"a":1,"nested":{"__proto__":{"polluted":1},"ok":true},"constructor":{"prototype":{"polluted":1}}}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.metadata).toEqual({ a: 1, nested: { ok: true } });
    const merged = await call(emu, 'PATCH', `/auth/users/${target.user.id}`, {
      body: { metadata: { b: 2, a: null } },
    });
    expect(merged.body.metadata).toEqual({ nested: { ok: true }, b: 2 });
    expect(({} as any).polluted).toBeUndefined();
    // Metadata becomes claims (but never overrides a registered one).
    const login = await call(emu, 'POST', '/auth/login', {
      body: { email: target.email, password: PASSWORD },
    });
    expect(claimsOf(login.body.access_token)).toMatchObject({ b: 2, nested: { ok: true } });

    // E-mail change: unverified again, verification sent; taken addresses refused.
    expect(
      (
        await call(emu, 'PATCH', `/auth/users/${target.user.id}`, {
          body: { email: made[1]!.email },
        })
      ).body.error.code,
    ).toBe('email_taken');
    const moved = await call(emu, 'PATCH', `/auth/users/${target.user.id}`, {
      body: { email: 'moved@corp.example.com' },
    });
    expect(moved.body).toMatchObject({ email: 'moved@corp.example.com', email_verified: false });
    expect(
      emu.outbox.last({ to: 'moved@corp.example.com', kind: 'email_verification' }),
    ).toBeDefined();

    // Disabling ends sessions and refuses login.
    const disabled = await call(emu, 'PATCH', `/auth/users/${made[2]!.user.id}`, {
      body: { disabled: true },
    });
    expect(disabled.body.disabled).toBe(true);
    expect(
      (await call(emu, 'POST', '/auth/token/verify', { body: { token: made[2]!.access } })).body
        .error.code,
    ).toBe('token_revoked');
    const refused = await call(emu, 'POST', '/auth/login', {
      body: { email: made[2]!.email, password: PASSWORD },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('account_disabled');

    // Delete.
    expect((await call(emu, 'DELETE', `/auth/users/${made[3]!.user.id}`)).body).toEqual({
      deleted: true,
      id: made[3]!.user.id,
    });
    expect((await call(emu, 'GET', `/auth/users/${made[3]!.user.id}`)).status).toBe(404);
    expect((await call(emu, 'DELETE', `/auth/users/${made[3]!.user.id}`)).body.error.code).toBe(
      'user_not_found',
    );
    expect(
      (await call(emu, 'POST', '/auth/token/verify', { body: { token: made[3]!.access } })).body
        .error.code,
    ).toBe('token_revoked');
    // Another project's users are invisible.
    const other = emu.createProject();
    expect(
      (await call(emu, 'GET', `/auth/users/${made[4]!.user.id}`, { key: other.apiKey })).status,
    ).toBe(404);
  });
});

describe('SSO and social login through the fake identity provider', () => {
  const go = (emu: ReturnType<typeof fastEmulator>, url: string, init?: RequestInit) =>
    emu.fetch(url, { redirect: 'manual', ...init });

  it('social: authorize → IdP form → callback → app with tokens; the user is linked', async () => {
    const emu = fastEmulator();
    const existing = await signUp(emu, 'linked@example.com');
    const start = `${BASE}/auth/sso/authorize?login_id=${emu.project.loginId}&provider=google&redirect_url=${encodeURIComponent('https://app.example.com/cb')}&state=s1`;
    const r1 = await go(emu, start);
    expect(r1.status).toBe(302);
    const idp = new URL(r1.headers.get('location')!);
    expect(idp.origin + idp.pathname).toBe(`${BASE}/_idp/authorize`);
    const form = await go(emu, idp.toString());
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toMatch(/text\/html/);
    const page = await form.text();
    expect(page).toContain('name="email"');
    expect(page).toContain('Sign in');
    // Submit the form as a browser would.
    const posted = await go(emu, `${BASE}/_idp/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        request: idp.searchParams.get('request')!,
        email: 'Linked@example.com',
      }).toString(),
    });
    expect(posted.status).toBe(302);
    const callback = posted.headers.get('location')!;
    expect(callback).toMatch(
      new RegExp(`^${BASE.replace(/\./g, '\\.')}/auth/sso/callback\\?code=`),
    );
    const back = await go(emu, callback);
    expect(back.status).toBe(302);
    const app = new URL(back.headers.get('location')!);
    expect(app.origin + app.pathname).toBe('https://app.example.com/cb');
    expect(app.searchParams.get('state')).toBe('s1');
    expect(app.searchParams.get('expires_in')).toBe('3600');
    expect(app.searchParams.get('refresh_token')).toMatch(/^rt_/);
    const claims = claimsOf(app.searchParams.get('token')!);
    expect(claims.sub).toBe(existing.user.id);
    const user = (await call(emu, 'GET', `/auth/users/${existing.user.id}`)).body;
    expect(user).toMatchObject({ email_verified: true, metadata: { provider: 'google' } });
    // The code is single use.
    expect((await go(emu, callback)).status).toBe(400);
  });

  it('SSO by e-mail domain or connection name JIT-creates the user', async () => {
    const emu = fastEmulator({
      project: { ssoConnections: [{ name: 'acme-okta', domains: ['acme.com'], provider: 'okta' }] },
    });
    const follow = async (start: string, address: string) => {
      let url = start;
      for (let i = 0; i < 5; i++) {
        const u = new URL(url);
        if (u.origin === 'http://localhost:3000') return u;
        if (u.pathname.endsWith('/_idp/authorize')) u.searchParams.set('email', address);
        const res = await go(emu, u.toString());
        url = new URL(res.headers.get('location')!, u).toString();
      }
      throw new Error('no app redirect');
    };
    const byDomain = await follow(
      `${BASE}/auth/sso/authorize?login_id=${emu.project.loginId}&email=jane@acme.com`,
      'jane@acme.com',
    );
    const jane = emu.store.user('jane@acme.com')!;
    expect(jane).toMatchObject({
      email_verified: true,
      metadata: { provider: 'okta', sso_connection: 'acme-okta' },
    });
    expect(claimsOf(byDomain.searchParams.get('token')!).sub).toBe(jane['id']);
    const byName = await follow(
      `${BASE}/auth/sso/authorize?login_id=${emu.project.loginId}&connection=acme-okta`,
      'joe@acme.com',
    );
    expect(byName.searchParams.get('token')).toBeTruthy();

    const bad = async (query: string) =>
      call(emu, 'GET', `/auth/sso/authorize?login_id=${emu.project.loginId}&${query}`, {
        key: null,
      });
    expect((await bad('provider=myspace')).body.error.code).toBe('invalid_provider');
    expect((await bad('connection=nope')).body.error.code).toBe('invalid_provider');
    expect((await bad('email=x@unknown.com')).body.error.code).toBe('invalid_provider');
    expect(
      (await bad(`provider=google&redirect_url=${encodeURIComponent('https://evil.test/cb')}`)).body
        .error.code,
    ).toBe('invalid_redirect_url');
    expect(
      (await call(emu, 'GET', '/auth/sso/authorize?provider=google', { key: null })).body.error,
    ).toMatchObject({ code: 'invalid_request', details: { field: 'login_id' } });
    // The IdP of a connection only signs in addresses of its domains.
    const r = await go(
      emu,
      `${BASE}/auth/sso/authorize?login_id=${emu.project.loginId}&connection=acme-okta`,
    );
    const idp = new URL(r.headers.get('location')!);
    idp.searchParams.set('email', 'mallory@evil.test');
    expect((await go(emu, idp.toString())).status).toBe(400);
  });

  it('the hosted login page signs in with a password and redirects with tokens', async () => {
    const emu = fastEmulator();
    const su = await signUp(emu);
    const page = await go(
      emu,
      `${BASE}/auth/authorize?login_id=${emu.project.loginId}&redirect_url=${encodeURIComponent('https://app.example.com/cb')}&state=abc`,
    );
    expect(page.status).toBe(200);
    const markup = await page.text();
    expect(markup).toContain('type="password"');
    const submit = (fields: Record<string, string>) =>
      go(emu, `${BASE}/auth/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          login_id: emu.project.loginId,
          redirect_url: 'https://app.example.com/cb',
          state: 'abc',
          ...fields,
        }).toString(),
      });
    const wrong = await submit({ email: su.email, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('incorrect');
    const ok = await submit({ email: su.email, password: PASSWORD });
    expect(ok.status).toBe(302);
    const app = new URL(ok.headers.get('location')!);
    expect(app.searchParams.get('state')).toBe('abc');
    expect(claimsOf(app.searchParams.get('token')!).sub).toBe(su.user.id);
  });
});

async function loginWith(
  emu: ReturnType<typeof fastEmulator>,
  address: string,
  secret: string,
  headers: Record<string, string>,
): Promise<string> {
  const c = await call(emu, 'POST', '/auth/login', {
    body: { email: address, password: PASSWORD },
    headers,
  });
  emu.clock.advance(30_000); // a fresh TOTP step for every login
  const d = await call(emu, 'POST', '/auth/mfa/verify', {
    body: { mfa_token: c.body.mfa_token, code: await totp(secret, emu.clock.now()) },
    headers,
  });
  if (d.status !== 200) throw new Error(`mfa failed: ${d.text}`);
  return d.body.access_token;
}

/**
 * Checks a data URL holds a valid PNG: signature, chunk CRCs, IHDR, inflatable IDAT of the right
 * size.
 */
async function checkPng(dataUrl: string): Promise<void> {
  expect(dataUrl.startsWith('data:image/png;base64,')).toBe(true);
  const bytes = bytesOfBase64(dataUrl.slice('data:image/png;base64,'.length));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let o = 8;
  const chunks: Record<string, Uint8Array> = {};
  while (o < bytes.length) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    const data = bytes.subarray(o + 8, o + 8 + len);
    const crc = view.getUint32(o + 8 + len);
    expect(crc).toBe(crc32(bytes.subarray(o + 4, o + 8 + len)));
    chunks[type] = data;
    o += 12 + len;
  }
  const ihdr = chunks['IHDR']!;
  const ihdrView = new DataView(ihdr.buffer, ihdr.byteOffset, ihdr.byteLength);
  const width = ihdrView.getUint32(0);
  const height = ihdrView.getUint32(4);
  expect(width).toBe(height);
  expect(width).toBeGreaterThan(100);
  expect(ihdr[8]).toBe(1);
  const raw = await inflate(chunks['IDAT']!);
  expect(raw.length).toBe((Math.ceil(width / 8) + 1) * height);
  expect(chunks['IEND']).toBeDefined();
}

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
