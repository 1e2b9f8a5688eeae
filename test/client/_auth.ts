// biome-ignore-all lint/suspicious/noExportsInTest: the suite body, shared by the in-process and the over-HTTP test files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PASSWORD,
  freshEmail,
  type Harness,
  type Mode,
  type StartHarness,
} from '../support/harness.js';
import { totp } from '../../src/testing/index.js';

/** The auth resource end to end: the suite, run once per way of reaching the emulator. */
export function authTests(mode: Mode, startHarness: StartHarness): void {
  describe(`auth (${mode})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(mode);
    });
    afterAll(() => h.close());

    describe('signUp', () => {
      it('creates the user, signs them in and stores metadata', async () => {
        const email = freshEmail();
        const { user, accessToken, refreshToken, expiresIn, error } = await h
          .client()
          .auth.signUp({ email, password: PASSWORD, metadata: { plan: 'free' } });
        expect(error).toBeNull();
        expect(user?.email).toBe(email);
        expect(user?.id).toMatch(/^usr_/);
        expect(user?.metadata).toEqual({ plan: 'free' });
        expect(accessToken?.split('.')).toHaveLength(3);
        expect(refreshToken).toMatch(/^rt_/);
        expect(expiresIn).toBe(3600);
      });

      it('returns email_taken for an existing e-mail, every field null', async () => {
        const client = h.client();
        const email = freshEmail();
        await client.auth.signUp({ email, password: PASSWORD });
        const result = await client.auth.signUp({ email, password: PASSWORD });
        expect(result).toMatchObject({
          user: null,
          accessToken: null,
          refreshToken: null,
          error: { code: 'email_taken', status: 409 },
        });
      });

      it('honours tokenExpiry within the project bounds', async () => {
        const { expiresIn, error } = await h
          .client({ tokenExpiry: 120 })
          .auth.signUp({ email: freshEmail(), password: PASSWORD });
        expect(error).toBeNull();
        expect(expiresIn).toBe(120);
      });

      it('refuses bad input locally without sending anything', async () => {
        const client = h.client();
        const before = h.emulator.faults.hits('/auth/signup');
        const cases = [
          [{ email: 'not-an-email', password: PASSWORD }, 'invalid_email'],
          [{ email: freshEmail(), password: 'short' }, 'weak_password'],
          [{ email: 42, password: PASSWORD }, 'invalid_email'],
          [
            {
              email: freshEmail(),
              password: PASSWORD,
              metadata: JSON.parse('{"__proto__":{"polluted":true}}'),
            },
            'invalid_request',
          ],
          [{ email: freshEmail(), password: PASSWORD, metadata: [1, 2] }, 'invalid_request'],
          [null, 'invalid_request'],
        ] as const;
        for (const [params, code] of cases) {
          const { error } = await client.auth.signUp(params as never);
          expect(error, JSON.stringify(params)).toMatchObject({ code, status: 0 });
        }
        expect(h.emulator.faults.hits('/auth/signup')).toBe(before);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });
    });

    describe('login', () => {
      it('signs in with the right password', async () => {
        const client = h.client();
        const email = freshEmail();
        await client.auth.signUp({ email, password: PASSWORD });
        const { user, accessToken, error } = await client.auth.login({ email, password: PASSWORD });
        expect(error).toBeNull();
        expect(user?.email).toBe(email);
        expect(typeof accessToken).toBe('string');
      });

      it('returns invalid_credentials for a wrong password or an unknown user', async () => {
        const client = h.client();
        const email = freshEmail();
        await client.auth.signUp({ email, password: PASSWORD });
        const wrong = await client.auth.login({ email, password: 'wrong password' });
        expect(wrong.error).toMatchObject({ code: 'invalid_credentials', status: 401 });
        const unknown = await client.auth.login({
          email: freshEmail('nobody'),
          password: PASSWORD,
        });
        expect(unknown.error).toMatchObject({ code: 'invalid_credentials', status: 401 });
      });

      it('locks the account after repeated failures', async () => {
        const client = h.client();
        const email = freshEmail();
        await client.auth.signUp({ email, password: PASSWORD });
        let last: Awaited<ReturnType<typeof client.auth.login>> | undefined;
        for (let i = 0; i < 6; i++)
          last = await client.auth.login({ email, password: `wrong-${i}-password` });
        expect(last?.error).toMatchObject({ code: 'account_locked', status: 423 });
        const right = await client.auth.login({ email, password: PASSWORD });
        expect(right.error?.code).toBe('account_locked');
      });

      it('returns account_disabled for a disabled user', async () => {
        const client = h.client();
        const email = freshEmail();
        const { user } = await client.auth.signUp({ email, password: PASSWORD });
        await client.users.update(user!.id, { disabled: true });
        const { error } = await client.auth.login({ email, password: PASSWORD });
        expect(error).toMatchObject({ code: 'account_disabled', status: 403 });
      });

      it('returns the MFA challenge as error.code mfa_required, with a hidden mfaToken', async () => {
        const client = h.client();
        const email = freshEmail();
        const { accessToken } = await client.auth.signUp({ email, password: PASSWORD });
        const { totpUri } = await client.mfa.enroll({ method: 'totp' }, accessToken!);
        const secret = new URL(totpUri!).searchParams.get('secret')!;
        const confirm = await client.mfa.verify(
          { code: await totp(secret, h.emulator.clock.now()) },
          accessToken!,
        );
        expect(confirm.error).toBeNull();

        const result = await client.auth.login({ email, password: PASSWORD });
        expect(result.accessToken).toBeNull();
        expect(result.error?.code).toBe('mfa_required');
        if (result.error?.code !== 'mfa_required' || !('mfaToken' in result.error))
          throw new Error('no challenge');
        expect(result.error.mfaToken).toMatch(/^mfa_tmp_/);
        expect(result.error.availableMethods).toEqual(['totp']);
        expect(JSON.stringify(result)).not.toContain(result.error.mfaToken);

        const done = await client.mfa.verifyLogin({
          mfaToken: result.error.mfaToken,
          code: await totp(secret, h.emulator.clock.now()),
        });
        expect(done.error).toBeNull();
        expect(done.user?.email).toBe(email);
      });

      it('refuses a login before e-mail verification on a project that requires it', async () => {
        const project = h.emulator.createProject({ requireEmailVerification: true });
        const client = h.client({ loginId: project.loginId, apiKey: project.apiKey });
        const email = freshEmail();
        const signup = await client.auth.signUp({
          email,
          password: PASSWORD,
          sendVerification: true,
        });
        expect(signup.error).toBeNull();
        expect((await client.auth.login({ email, password: PASSWORD })).error).toMatchObject({
          code: 'email_not_verified',
          status: 403,
        });
        const message = h.emulator.outbox.last({ to: email, kind: 'email_verification' });
        const verified = await client.auth.verifyEmail(message!.token!);
        expect(verified.user?.emailVerified).toBe(true);
        expect((await client.auth.login({ email, password: PASSWORD })).error).toBeNull();
        expect((await client.auth.verifyEmail(message!.token!)).error?.code).toBe(
          'verification_token_invalid',
        );
      });
    });

    describe('tokens', () => {
      it('refreshToken rotates the pair, and a reused refresh token ends the session', async () => {
        const client = h.client({ revocationCheck: { maxAge: 0 } });
        const { accessToken, refreshToken } = await client.auth.signUp({
          email: freshEmail(),
          password: PASSWORD,
        });
        const next = await client.auth.refreshToken(refreshToken!);
        expect(next.error).toBeNull();
        expect(next.refreshToken).not.toBe(refreshToken);
        expect((await client.auth.verifyToken(next.accessToken!)).error).toBeNull();

        h.emulator.clock.advance(10_000); // past the reuse interval
        const reuse = await client.auth.refreshToken(refreshToken!);
        h.emulator.clock.reset();
        expect(reuse.error).toMatchObject({ code: 'refresh_token_invalid', status: 401 });
        expect((await client.auth.verifyToken(next.accessToken!)).error?.code).toBe(
          'token_revoked',
        );
        expect((await client.auth.verifyToken(accessToken!)).error?.code).toBe('token_revoked');
        expect((await client.auth.refreshToken(next.refreshToken!)).error?.code).toBe(
          'refresh_token_invalid',
        );
      });

      it('refreshToken reports an expired refresh token', async () => {
        const client = h.client();
        const { refreshToken } = await client.auth.signUp({
          email: freshEmail(),
          password: PASSWORD,
        });
        h.emulator.clock.advance(31 * 24 * 3600 * 1000);
        try {
          expect((await client.auth.refreshToken(refreshToken!)).error).toMatchObject({
            code: 'refresh_token_expired',
            status: 401,
          });
        } finally {
          h.emulator.clock.reset();
        }
      });

      it('concurrent refreshes of one token share one rotation', async () => {
        const client = h.client();
        const { refreshToken } = await client.auth.signUp({
          email: freshEmail(),
          password: PASSWORD,
        });
        const before = h.emulator.faults.hits('/auth/token/refresh');
        const results = await Promise.all(
          Array.from({ length: 10 }, () => client.auth.refreshToken(refreshToken!)),
        );
        expect(h.emulator.faults.hits('/auth/token/refresh') - before).toBe(1);
        expect(new Set(results.map((r) => r.refreshToken)).size).toBe(1);
        expect(results.every((r) => r.error === null)).toBe(true);
      });

      it('logout revokes the session: the access token verifies as revoked, the refresh token is dead', async () => {
        const client = h.client({ revocationCheck: { maxAge: 0 } });
        const { accessToken, refreshToken } = await client.auth.signUp({
          email: freshEmail(),
          password: PASSWORD,
        });
        expect(await client.auth.logout(accessToken!)).toEqual({ error: null });
        expect((await client.auth.verifyToken(accessToken!)).error?.code).toBe('token_revoked');
        expect((await client.auth.refreshToken(refreshToken!)).error?.code).toBe(
          'refresh_token_invalid',
        );
        expect((await client.auth.logout('garbage')).error).toMatchObject({
          code: 'token_invalid',
          status: 401,
        });
        expect((await client.auth.logout('')).error).toMatchObject({
          code: 'token_invalid',
          status: 0,
        });
      });

      it('revokeToken revokes one access token, or one refresh token', async () => {
        const client = h.client({ revocationCheck: { maxAge: 0 } });
        const { accessToken, refreshToken } = await client.auth.signUp({
          email: freshEmail(),
          password: PASSWORD,
        });
        expect(await client.auth.revokeToken(accessToken!)).toEqual({ error: null });
        expect((await client.auth.verifyToken(accessToken!)).error?.code).toBe('token_revoked');
        const next = await client.auth.refreshToken(refreshToken!);
        expect(next.error).toBeNull();
        expect(await client.auth.revokeToken(next.refreshToken!)).toEqual({ error: null });
        expect((await client.auth.refreshToken(next.refreshToken!)).error?.code).toBe(
          'refresh_token_invalid',
        );
      });
    });

    describe('passwordless', () => {
      it('sendOtp + verifyOtp signs in by e-mail, once', async () => {
        const client = h.client();
        const email = freshEmail();
        const sent = await client.auth.sendOtp({ email, channel: 'email' });
        expect(sent).toEqual({ expiresIn: 600, error: null });
        const { code } = h.emulator.outbox.last({ to: email, kind: 'otp' })!;
        const wrong = await client.auth.verifyOtp({
          email,
          otp: code === '000000' ? '111111' : '000000',
        });
        expect(wrong.error).toMatchObject({ code: 'invalid_otp', status: 400 });
        const ok = await client.auth.verifyOtp({ email, otp: code! });
        expect(ok.error).toBeNull();
        expect(ok.user?.email).toBe(email);
        expect((await client.auth.verifyOtp({ email, otp: code! })).error?.code).toBe(
          'invalid_otp',
        );
      });

      it('sendOtp is rate limited per address with retryAfter', async () => {
        const client = h.client({ maxRetries: 0 });
        const email = freshEmail();
        let last: Awaited<ReturnType<typeof client.auth.sendOtp>> | undefined;
        for (let i = 0; i < 4; i++) last = await client.auth.sendOtp({ email });
        expect(last?.error).toMatchObject({ code: 'rate_limited', status: 429 });
        expect(last?.error?.details?.retryAfter).toBeGreaterThan(0);
      });

      it('sendOtp refuses a bad phone or a missing target locally', async () => {
        const client = h.client();
        expect((await client.auth.sendOtp({ phone: '0801234' })).error).toMatchObject({
          code: 'invalid_phone',
          status: 0,
        });
        expect((await client.auth.sendOtp({})).error).toMatchObject({
          code: 'invalid_request',
          status: 0,
        });
        expect((await client.auth.verifyOtp({ email: freshEmail(), otp: '' })).error).toMatchObject(
          {
            code: 'invalid_otp',
            status: 0,
          },
        );
      });

      it('sendMagicLink + verifyMagicLink signs in once', async () => {
        const client = h.client();
        const email = freshEmail();
        const sent = await client.auth.sendMagicLink({
          email,
          redirectUrl: 'https://app.example.com/auth/callback',
        });
        expect(sent).toEqual({ expiresIn: 900, error: null });
        const message = h.emulator.outbox.last({ to: email, kind: 'magic_link' })!;
        expect(message.link).toMatch(/^https:\/\/app\.example\.com\/auth\/callback\?token=/);
        const token = new URL(message.link!).searchParams.get('token')!;
        const ok = await client.auth.verifyMagicLink(token);
        expect(ok.error).toBeNull();
        expect(ok.user?.email).toBe(email);
        expect((await client.auth.verifyMagicLink(token)).error).toMatchObject({
          code: 'magic_link_expired',
          status: 400,
        });
        expect(
          (await client.auth.sendMagicLink({ email, redirectUrl: 'javascript:alert(1)' })).error
            ?.code,
        ).toBe('invalid_redirect_url');
      });

      it('a magic link expires after 15 minutes', async () => {
        const client = h.client();
        const email = freshEmail();
        await client.auth.sendMagicLink({ email });
        const { token } = h.emulator.outbox.last({ to: email, kind: 'magic_link' })!;
        h.emulator.clock.advance(16 * 60 * 1000);
        try {
          expect((await client.auth.verifyMagicLink(token!)).error?.code).toBe(
            'magic_link_expired',
          );
        } finally {
          h.emulator.clock.reset();
        }
      });
    });

    describe('passwords', () => {
      it('requestPasswordReset answers the same for known and unknown e-mails; confirm sets the new password once', async () => {
        const client = h.client();
        const email = freshEmail();
        await client.auth.signUp({ email, password: PASSWORD });
        expect(await client.auth.requestPasswordReset({ email })).toEqual({ error: null });
        expect(await client.auth.requestPasswordReset({ email: freshEmail('ghost') })).toEqual({
          error: null,
        });
        const { token } = h.emulator.outbox.last({ to: email, kind: 'password_reset' })!;
        expect(
          (await client.auth.confirmPasswordReset({ resetToken: token!, newPassword: 'short' }))
            .error?.code,
        ).toBe('weak_password');
        expect(
          await client.auth.confirmPasswordReset({
            resetToken: token!,
            newPassword: 'a brand new password',
          }),
        ).toEqual({ error: null });
        expect((await client.auth.login({ email, password: PASSWORD })).error?.code).toBe(
          'invalid_credentials',
        );
        expect(
          (await client.auth.login({ email, password: 'a brand new password' })).error,
        ).toBeNull();
        const again = await client.auth.confirmPasswordReset({
          resetToken: token!,
          newPassword: 'another new password',
        });
        expect(again.error).toMatchObject({ code: 'reset_token_invalid', status: 400 });
      });

      it('changePassword needs the current password', async () => {
        const client = h.client();
        const email = freshEmail();
        const { accessToken } = await client.auth.signUp({ email, password: PASSWORD });
        const wrong = await client.auth.changePassword(
          { currentPassword: 'not my password', newPassword: 'next password 1' },
          accessToken!,
        );
        expect(wrong.error).toMatchObject({ code: 'invalid_credentials', status: 401 });
        const ok = await client.auth.changePassword(
          { currentPassword: PASSWORD, newPassword: 'next password 1' },
          accessToken!,
        );
        expect(ok.error).toBeNull();
        expect((await client.auth.login({ email, password: 'next password 1' })).error).toBeNull();
        const noToken = await client.auth.changePassword(
          { currentPassword: PASSWORD, newPassword: 'next password 2' },
          'not-a-token',
        );
        expect(noToken.error).toMatchObject({ code: 'token_invalid', status: 401 });
      });
    });

    describe('redirect URLs', () => {
      it('are synchronous, carry the login id and no secret', () => {
        const client = h.client();
        const urls = [
          client.auth.getLoginUrl({ redirectUrl: 'https://app.example.com/cb' }),
          client.auth.getSocialLoginUrl({
            provider: 'google',
            redirectUrl: 'https://app.example.com/cb',
          }),
          client.auth.getSsoUrl({
            email: 'jane@acme.com',
            redirectUrl: 'https://app.example.com/cb',
          }),
          client.auth.getSsoUrl({ connection: 'acme-okta' }),
        ];
        for (const url of urls) {
          expect(typeof url).toBe('string');
          expect(url.startsWith(h.baseUrl)).toBe(true);
          expect(new URL(url).searchParams.get('login_id')).toBe(h.emulator.project.loginId);
          expect(url).not.toContain(h.emulator.project.apiKey);
        }
        expect(() => client.auth.getSocialLoginUrl({ provider: 'myspace' as never })).toThrow(
          /provider must be one of/,
        );
        expect(() => client.auth.getSsoUrl({})).toThrow(/connection or an email/);
      });

      it('social login goes through the fake identity provider and returns tokens to the redirect URL', async () => {
        const client = h.client();
        const redirectUrl = `${h.emulator.project.redirectUrl ?? 'http://localhost:3000/callback'}`;
        const start = client.auth.getSocialLoginUrl({
          provider: 'github',
          redirectUrl,
          state: 'xyz',
        });
        const email = freshEmail('social');
        const final = await followToApp(h, start, email, redirectUrl);
        expect(final.searchParams.get('state')).toBe('xyz');
        const token = final.searchParams.get('token')!;
        const { user, error } = await client.auth.verifyToken(token);
        expect(error).toBeNull();
        expect(user?.email).toBe(email);
        expect(user?.metadata).toMatchObject({ provider: 'github' });
      });
    });
  });
}

/** Follows the redirects of a social/SSO login by hand, signing in at the fake IdP with `email`. */
async function followToApp(h: Harness, start: string, email: string, appUrl: string): Promise<URL> {
  const go = (url: string) =>
    h.mode === 'in-process'
      ? h.emulator.fetch(url, { redirect: 'manual' })
      : fetch(url, { redirect: 'manual' });
  let url = start;
  for (let hop = 0; hop < 6; hop++) {
    if (url.startsWith(new URL(appUrl).origin) && !url.startsWith(h.baseUrl)) return new URL(url);
    const target = new URL(url);
    if (target.pathname.includes('/_idp/')) target.searchParams.set('email', email);
    const res = await go(target.toString());
    const location = res.headers.get('location');
    if (!location)
      throw new Error(`no redirect from ${target.pathname}: ${res.status} ${await res.text()}`);
    url = new URL(location, target).toString();
  }
  throw new Error('too many redirects');
}
