/**
 * The redirect flows as a browser walks them, in-process: each step's answer followed by hand
 * (forms posted, redirects read), ending on the application's redirect URL.
 */
import { describe, expect, it } from 'vitest';
import { BASE, PASSWORD, call, claimsOf, fastEmulator, signUp } from './_helpers.js';
import { totp, type Emulator } from '../../src/testing/index.js';

const APP = 'https://app.example.com/cb';

function get(emu: Emulator, url: string): Promise<Response> {
  return emu.fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
}

function post(emu: Emulator, url: string, fields: Record<string, string>): Promise<Response> {
  return emu.fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The hidden fields of the page's (last) form. */
async function hiddenFields(res: Response): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const text = await res.text();
  for (const m of text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    out[m[1]!] = m[2]!.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
  return out;
}

async function enrollTotp(emu: Emulator, access: string): Promise<string> {
  const enrolled = await call(emu, 'POST', '/auth/mfa/enroll', {
    token: access,
    body: { method: 'totp' },
  });
  const secret = new URL(enrolled.body.totp_uri).searchParams.get('secret')!;
  await call(emu, 'POST', '/auth/mfa/verify', {
    token: access,
    body: { code: await totp(secret, emu.clock.now()) },
  });
  emu.clock.advance(31_000); // the next step's code is a fresh one
  return secret;
}

describe('hosted pages allow their form to reach the application', () => {
  it('names the redirect origin in form-action, since browsers check redirects after a POST', async () => {
    const emu = fastEmulator();
    const res = await get(
      emu,
      `${BASE}/auth/authorize?login_id=${emu.project.loginId}&redirect_url=${APP}`,
    );
    expect(res.headers.get('content-security-policy')).toContain(
      "form-action 'self' https://app.example.com",
    );
  });

  it('shows a readable page for a redirect URL that is not allowed (JSON for a program)', async () => {
    const emu = fastEmulator();
    const url = `${BASE}/auth/authorize?login_id=${emu.project.loginId}&redirect_url=https://evil.test/cb`;
    const res = await get(emu, url);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await res.text();
    expect(text).toContain('invalid_redirect_url');
    expect(text).toContain('redirect URL is not under');
    const asJson = await emu.fetch(url);
    expect((await asJson.json()).error.code).toBe('invalid_redirect_url');
  });
});

describe('SSO', () => {
  it('routes provider=<e-mail domain> to the connection and records name and groups', async () => {
    const emu = fastEmulator({
      project: { ssoConnections: [{ name: 'acme-okta', domains: ['acme.com'], provider: 'okta' }] },
    });
    const start = await get(
      emu,
      `${BASE}/auth/sso/authorize?provider=acme.com&login_id=${emu.project.loginId}&redirect_url=${APP}&state=s1`,
    );
    expect(start.status).toBe(302);
    const idp = await get(emu, start.headers.get('location')!);
    const fields = await hiddenFields(idp);
    const submitted = await post(emu, `${BASE}/_idp/authorize`, {
      ...fields,
      email: 'jane@acme.com',
      name: 'Jane Doe',
      groups: 'engineering, admins',
    });
    const callback = await get(emu, submitted.headers.get('location')!);
    const back = new URL(callback.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(APP);
    expect(back.searchParams.get('state')).toBe('s1');
    const claims = claimsOf(back.searchParams.get('token')!);
    expect(claims['groups']).toEqual(['engineering', 'admins']);
    expect(emu.store.user('jane@acme.com')!['metadata']).toMatchObject({
      provider: 'okta',
      sso_connection: 'acme-okta',
      given_name: 'Jane',
      family_name: 'Doe',
      groups: ['engineering', 'admins'],
    });
    // The next sign-in there offers the identity to pick, with its name.
    const again = await get(
      emu,
      `${BASE}/auth/sso/authorize?provider=acme-okta&login_id=${emu.project.loginId}&redirect_url=${APP}`,
    );
    const picker = await (await get(emu, again.headers.get('location')!)).text();
    expect(picker).toContain('name="email" value="jane@acme.com"');
    expect(picker).toContain('Jane Doe');
    const unknown = await get(
      emu,
      `${BASE}/auth/sso/authorize?provider=nowhere.test&login_id=${emu.project.loginId}`,
    );
    expect(await unknown.text()).toContain('invalid_provider');
  });
});

describe('MFA on every sign-in path', () => {
  it('challenges OTP and magic-link sign-ins of a user with MFA', async () => {
    const emu = fastEmulator();
    const u = await signUp(emu);
    const secret = await enrollTotp(emu, u.access);
    await call(emu, 'POST', '/auth/otp/send', { body: { email: u.email } });
    const otp = await call(emu, 'POST', '/auth/otp/verify', {
      body: { email: u.email, otp: emu.outbox.last({ to: u.email, kind: 'otp' })!.code },
    });
    expect(otp.body).toMatchObject({ mfa_required: true, available_methods: ['totp'] });
    expect(otp.body.access_token).toBeUndefined();
    const done = await call(emu, 'POST', '/auth/mfa/verify', {
      body: { mfa_token: otp.body.mfa_token, code: await totp(secret, emu.clock.now()) },
    });
    expect(typeof done.body.access_token).toBe('string');
    await call(emu, 'POST', '/auth/magic-link/send', { body: { email: u.email } });
    const link = await call(emu, 'POST', '/auth/magic-link/verify', {
      body: { token: emu.outbox.last({ to: u.email, kind: 'magic_link' })!.token },
    });
    expect(link.body.mfa_required).toBe(true);
  });

  it('shows the MFA step after a social sign-in, then redirects with tokens', async () => {
    const emu = fastEmulator();
    const u = await signUp(emu);
    const secret = await enrollTotp(emu, u.access);
    const start = await get(
      emu,
      `${BASE}/auth/sso/authorize?provider=github&login_id=${emu.project.loginId}&redirect_url=${APP}`,
    );
    const idp = new URL(start.headers.get('location')!);
    idp.searchParams.set('email', u.email);
    const code = await get(emu, (await get(emu, idp.href)).headers.get('location')!);
    expect(code.status).toBe(200);
    expect(code.headers.get('content-security-policy')).toContain('https://app.example.com');
    const fields = await hiddenFields(code);
    expect(fields['mfa_token']).toMatch(/^mfa_tmp_/);
    const wrong = await post(emu, `${BASE}/auth/authorize`, { ...fields, code: '000000' });
    expect(wrong.status).toBe(400);
    const ok = await post(emu, `${BASE}/auth/authorize`, {
      ...fields,
      code: await totp(secret, emu.clock.now()),
    });
    const back = new URL(ok.headers.get('location')!);
    expect(back.searchParams.get('token')).toBeTruthy();
  });

  it('signs in with a phone OTP a user who has a verified phone', async () => {
    const emu = fastEmulator();
    const u = await signUp(emu);
    await call(emu, 'POST', '/auth/mfa/enroll', {
      token: u.access,
      body: { method: 'sms', phone: '+15551234567' },
    });
    const enrollCode = emu.outbox.last({ to: '+15551234567' })!.code!;
    await call(emu, 'POST', '/auth/mfa/verify', { token: u.access, body: { code: enrollCode } });
    await call(emu, 'POST', '/auth/otp/send', { body: { phone: '+15551234567' } });
    const sent = emu.outbox.last({ to: '+15551234567', kind: 'otp' })!;
    const signedIn = await call(emu, 'POST', '/auth/otp/verify', {
      body: { phone: '+15551234567', otp: sent.code },
    });
    // The phone is also an MFA method, so the second factor is still asked for.
    expect(signedIn.body.mfa_required).toBe(true);
    const sms = emu.outbox.last({ to: '+15551234567', kind: 'mfa_sms' })!;
    const done = await call(emu, 'POST', '/auth/mfa/verify', {
      body: { mfa_token: signedIn.body.mfa_token, code: sms.code },
    });
    expect(done.body.user.email).toBe(u.email);
  });
});

describe('e-mailed links land on working pages', () => {
  it('password reset: the link shows a form, a weak password is refused, then the new one works', async () => {
    const emu = fastEmulator();
    const u = await signUp(emu);
    await call(emu, 'POST', '/auth/password/reset', { body: { email: u.email } });
    const { link } = emu.outbox.last({ to: u.email, kind: 'password_reset' })!;
    const form = await get(emu, link!);
    expect(form.status).toBe(200);
    const fields = await hiddenFields(form);
    const weak = await post(emu, `${BASE}/_pages/password-reset`, { ...fields, new_password: 'x' });
    expect(weak.status).toBe(400);
    const done = await post(emu, `${BASE}/_pages/password-reset`, {
      ...fields,
      new_password: 'a brand new password',
    });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toContain(`/v1/auth/authorize?login_id=`);
    const login = await call(emu, 'POST', '/auth/login', {
      body: { email: u.email, password: 'a brand new password' },
    });
    expect(login.status).toBe(200);
    expect((await get(emu, link!)).status).toBe(400);
  });

  it('e-mail verification: one button confirms the address', async () => {
    const emu = fastEmulator();
    const to = 'verify-me@example.com';
    await call(emu, 'POST', '/auth/signup', {
      body: { email: to, password: PASSWORD, send_verification: true },
    });
    const { link } = emu.outbox.last({ to, kind: 'email_verification' })!;
    const fields = await hiddenFields(await get(emu, link!));
    expect(emu.store.user(to)!['email_verified']).toBe(false);
    const done = await post(emu, `${BASE}/_pages/verify-email`, fields);
    expect(done.status).toBe(302);
    expect(emu.store.user(to)!['email_verified']).toBe(true);
  });
});
