/**
 * Project settings changed through the Account API take effect on the Auth API's next call:
 * token_expiry, refresh_token_expiry, mfa_required, redirect_url and allowed_origins.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Protekt } from '../../src/index.js';
import { type AccountHarness, accountHarness } from './_support.js';

const PASSWORD = 'correct horse battery';
let h: AccountHarness;
let admin: Protekt;
let app: Protekt;
let projectId: string;

beforeEach(async () => {
  h = await accountHarness();
  admin = h.client();
  app = h.client({ managementToken: undefined });
  projectId = h.emulator.project.projectId;
});

/** The social-login authorize URL's answer: 302 onwards, or the refusal. */
const authorize = (redirectUrl?: string) =>
  h.emulator.fetch(
    app.auth.getSocialLoginUrl({ provider: 'google', ...(redirectUrl ? { redirectUrl } : {}) }),
    {
      redirect: 'manual',
    },
  );

describe('settings take effect on the next Auth API call', () => {
  it('token_expiry: the next tokens live as long as the project now says', async () => {
    await app.auth.signUp({ email: 'ada@example.org', password: PASSWORD });
    expect((await app.auth.login({ email: 'ada@example.org', password: PASSWORD })).expiresIn).toBe(
      3600,
    );
    expect((await admin.projects.update(projectId, { tokenExpiry: 300 })).error).toBeNull();
    const login = await app.auth.login({ email: 'ada@example.org', password: PASSWORD });
    expect(login.expiresIn).toBe(300);
    const payload = JSON.parse(
      atob(login.accessToken!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')),
    );
    expect(payload.exp - payload.iat).toBe(300);
  });

  it('refresh_token_expiry: refresh tokens issued after the change expire with it', async () => {
    const signUp = await app.auth.signUp({ email: 'bea@example.org', password: PASSWORD });
    expect(
      (await admin.projects.update(projectId, { refreshTokenExpiry: 3_600 })).project
        ?.refreshTokenExpiry,
    ).toBe(3_600);
    const login = await app.auth.login({ email: 'bea@example.org', password: PASSWORD });
    h.emulator.clock.advance(3_601_000);
    const refreshed = await app.auth.refreshToken(login.refreshToken!);
    expect(refreshed.error).toMatchObject({ code: 'refresh_token_expired' });
    // The refresh token issued before the change keeps its 30 days.
    expect((await app.auth.refreshToken(signUp.refreshToken!)).error).toBeNull();
  });

  it('mfa_required, as the MFA guide writes it: a user without MFA is asked to enrol, and cannot unenrol', async () => {
    await app.auth.signUp({ email: 'cy@example.org', password: PASSWORD });
    expect(
      (await app.auth.login({ email: 'cy@example.org', password: PASSWORD })).mfaEnrollmentRequired,
    ).toBe(false);
    await admin.projects.update(projectId, { mfaRequired: true });
    const login = await app.auth.login({ email: 'cy@example.org', password: PASSWORD });
    expect(login.error).toBeNull();
    expect(login.mfaEnrollmentRequired).toBe(true);
    const unenroll = await app.mfa.unenroll({ method: 'totp' }, login.accessToken!);
    expect(unenroll.error).toMatchObject({ code: 'mfa_enforced' });
    await admin.projects.update(projectId, { mfaRequired: false });
    expect(
      (await app.auth.login({ email: 'cy@example.org', password: PASSWORD })).mfaEnrollmentRequired,
    ).toBe(false);
  });

  it('allowed_origins: a redirect to an origin is refused until the project allows it', async () => {
    const target = 'https://portal.example.net/back';
    const before = await app.auth.sendMagicLink({ email: 'dee@example.org', redirectUrl: target });
    expect(before.error).toMatchObject({ code: 'invalid_redirect_url' });
    expect((await authorize(target)).status).toBe(400);
    await admin.projects.update(projectId, { allowedOrigins: ['https://portal.example.net'] });
    expect(
      (await app.auth.sendMagicLink({ email: 'dee@example.org', redirectUrl: target })).error,
    ).toBeNull();
    expect(h.emulator.outbox.last({ to: 'dee@example.org' })?.link).toMatch(
      /^https:\/\/portal\.example\.net\/back\?/,
    );
    expect((await authorize(target)).status).toBe(302);
    // The earlier origins are replaced, not added to.
    const old = await app.auth.sendMagicLink({
      email: 'dee@example.org',
      redirectUrl: 'https://www.example.com/x',
    });
    expect(old.error).toMatchObject({ code: 'invalid_redirect_url' });
  });

  it('redirect_url: links and browser flows go to the new default, whose origin is allowed', async () => {
    await admin.projects.update(projectId, {
      redirectUrl: 'https://shop.example.io/auth/done',
      allowedOrigins: [],
    });
    expect((await app.auth.sendMagicLink({ email: 'eve@example.org' })).error).toBeNull();
    expect(h.emulator.outbox.last({ to: 'eve@example.org' })?.link).toMatch(
      /^https:\/\/shop\.example\.io\/auth\/done\?/,
    );
    expect((await authorize('https://shop.example.io/other')).status).toBe(302);
    expect((await authorize('http://localhost:3000/auth/callback')).status).toBe(400);
    const login = await h.emulator.fetch(
      app.auth.getLoginUrl({ redirectUrl: 'https://elsewhere.example.org/' }),
    );
    expect(login.status).toBe(400);
  });
});
