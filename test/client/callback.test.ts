/**
 * `auth.handleCallback`: what Protekt appends to the redirect URL, read and verified; and the
 * redirect URL builders sending only what the OpenAPI file defines. In-process emulator.
 */
import { describe, expect, it } from 'vitest';
import { Protekt } from '../../src/index.js';
import { createEmulator, type Emulator } from '../../src/testing/index.js';

const APP = 'https://app.example.com/auth/callback';
const PASSWORD = 'correct horse battery';

function setup(): { emulator: Emulator; protekt: Protekt } {
  const emulator = createEmulator({
    pbkdf2Iterations: 1_000,
    project: { ssoConnections: [{ name: 'acme-okta', domains: ['acme.com'] }] },
  });
  return { emulator, protekt: new Protekt(emulator.clientOptions) };
}

/** Posts the hosted login form as a browser would; resolves with the redirect to the app. */
async function hostedLogin(emulator: Emulator, email: string, state?: string): Promise<string> {
  const fields: Record<string, string> = {
    login_id: emulator.project.loginId,
    redirect_url: APP,
    email,
    password: PASSWORD,
  };
  if (state !== undefined) fields['state'] = state;
  const res = await emulator.fetch('https://auth.protekt.io/v1/auth/authorize', {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return res.headers.get('location')!;
}

describe('auth.handleCallback', () => {
  it('verifies the token of a hosted login and returns user and tokens, from any input form', async () => {
    const { emulator, protekt } = setup();
    await protekt.auth.signUp({ email: 'cb@example.com', password: PASSWORD });
    const location = await hostedLogin(emulator, 'cb@example.com', 'st-1');
    const path = new URL(location);
    const inputs = [
      location,
      new URL(location),
      new Request(location),
      { url: `${path.pathname}${path.search}` },
    ];
    for (const input of inputs) {
      const result = await protekt.auth.handleCallback(input, { state: 'st-1' });
      expect(result.error).toBeNull();
      expect(result.user?.email).toBe('cb@example.com');
      expect(result.accessToken).toBe(path.searchParams.get('token'));
      expect(result.refreshToken).toBe(path.searchParams.get('refresh_token'));
      expect(result.expiresIn).toBe(3600);
    }
  });

  it('refuses a state that does not match, before verifying anything', async () => {
    const { emulator, protekt } = setup();
    await protekt.auth.signUp({ email: 'st@example.com', password: PASSWORD });
    const location = await hostedLogin(emulator, 'st@example.com', 'theirs');
    const before = emulator.requests.length;
    const wrong = await protekt.auth.handleCallback(location, { state: 'mine' });
    expect(wrong).toMatchObject({
      user: null,
      accessToken: null,
      error: { code: 'invalid_request', status: 0, details: { field: 'state' } },
    });
    expect(emulator.requests.length).toBe(before);
    const missing = await protekt.auth.handleCallback(`${APP}?token=x`, { state: 'mine' });
    expect(missing.error?.details).toEqual({ field: 'state' });
  });

  it('returns the error a redirect carries, and refuses a URL without a token', async () => {
    const { protekt } = setup();
    const disabled = await protekt.auth.handleCallback(
      `${APP}?error=account_disabled&error_description=This+account+has+been+disabled.`,
    );
    expect(disabled.error).toMatchObject({
      code: 'account_disabled',
      message: 'This account has been disabled.',
    });
    const none = await protekt.auth.handleCallback(APP);
    expect(none.error).toMatchObject({ code: 'invalid_request', details: { field: 'token' } });
    const notUrl = await protekt.auth.handleCallback(42 as never);
    expect(notUrl.error?.details).toEqual({ field: 'url' });
  });

  it('refuses a forged or tampered token', async () => {
    const { emulator, protekt } = setup();
    await protekt.auth.signUp({ email: 'tamper@example.com', password: PASSWORD });
    const location = new URL(await hostedLogin(emulator, 'tamper@example.com'));
    const token = location.searchParams.get('token')!;
    location.searchParams.set('token', `${token.slice(0, -4)}AAAA`);
    const result = await protekt.auth.handleCallback(location.href);
    expect(result.error?.code).toBe('token_invalid');
    expect(result.user).toBeNull();
  });

  it('exchanges the token of a magic link that lands on the callback', async () => {
    const { emulator, protekt } = setup();
    await protekt.auth.sendMagicLink({ email: 'ml@example.com', redirectUrl: APP });
    const { link } = emulator.outbox.last({ to: 'ml@example.com', kind: 'magic_link' })!;
    const result = await protekt.auth.handleCallback(link!);
    expect(result.error).toBeNull();
    expect(result.user?.email).toBe('ml@example.com');
    expect((await protekt.auth.verifyToken(result.accessToken!)).error).toBeNull();
    const again = await protekt.auth.handleCallback(link!);
    expect(again.error?.code).toBe('magic_link_expired');
  });
});

describe('redirect URL builders', () => {
  it('getSsoUrl sends the e-mail domain as provider, never the address', () => {
    const { protekt, emulator } = setup();
    const byEmail = new URL(
      protekt.auth.getSsoUrl({ email: 'Jane@Acme.com', redirectUrl: APP, state: 's' }),
    );
    expect([...byEmail.searchParams.keys()].sort()).toEqual([
      'login_id',
      'provider',
      'redirect_url',
      'state',
    ]);
    expect(byEmail.searchParams.get('provider')).toBe('acme.com');
    expect(byEmail.href).not.toContain('jane');
    const byName = new URL(protekt.auth.getSsoUrl({ connection: 'acme-okta' }));
    expect(byName.searchParams.get('provider')).toBe('acme-okta');
    expect(byName.searchParams.get('login_id')).toBe(emulator.project.loginId);
  });

  it('the emulator routes both to the same connection', async () => {
    const { protekt, emulator } = setup();
    for (const url of [
      protekt.auth.getSsoUrl({ email: 'jane@acme.com', redirectUrl: APP }),
      protekt.auth.getSsoUrl({ connection: 'acme-okta', redirectUrl: APP }),
    ]) {
      const res = await emulator.fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const idp = await emulator.fetch(res.headers.get('location')!);
      expect(await idp.text()).toContain('Sign in with acme-okta');
    }
  });
});
