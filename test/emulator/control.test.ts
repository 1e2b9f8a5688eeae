/**
 * The control plane under /_emulator (JSON and dashboard HTML), reached in-process as any
 * language's client reaches it over HTTP.
 */
import { describe, expect, it } from 'vitest';
import { BASE, call, fastEmulator } from './_helpers.js';
import type { Emulator } from '../../src/testing/index.js';

const ORIGIN = 'https://auth.protekt.io';

async function control(
  emu: Emulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await emu.fetch(`${ORIGIN}/_emulator${path}`, init);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** Submits a dashboard form as a browser does (no redirect following). */
function form(emu: Emulator, path: string, fields: Record<string, string>): Promise<Response> {
  return emu.fetch(`${ORIGIN}/_emulator${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

function page(emu: Emulator, path: string): Promise<Response> {
  return emu.fetch(`${ORIGIN}/_emulator${path}`, { headers: { accept: 'text/html' } });
}

describe('control plane: outbox', () => {
  it('lists messages with their code or link, filters by recipient and kind, and clears', async () => {
    const emu = fastEmulator();
    await call(emu, 'POST', '/auth/otp/send', { body: { email: 'Ada@Example.com' } });
    await call(emu, 'POST', '/auth/magic-link/send', { body: { email: 'bob@example.com' } });
    const all = await control(emu, 'GET', '/outbox');
    expect(all.status).toBe(200);
    expect(all.body.messages).toHaveLength(2);
    const otp = await control(emu, 'GET', '/outbox?to=ADA@example.com&kind=otp');
    expect(otp.body.messages).toHaveLength(1);
    expect(otp.body.messages[0]).toMatchObject({ to: 'ada@example.com', kind: 'otp' });
    expect(otp.body.messages[0].code).toMatch(/^\d{6}$/);
    const link = await control(emu, 'GET', '/outbox?kind=magic_link');
    expect(link.body.messages[0].link).toContain(`token=${link.body.messages[0].token}`);
    expect((await control(emu, 'GET', '/outbox?kind=password_reset')).body.messages).toEqual([]);
    expect((await control(emu, 'DELETE', '/outbox')).body).toEqual({ cleared: 2 });
    expect((await control(emu, 'GET', '/outbox')).body.messages).toEqual([]);
  });

  it('a code read from the outbox completes the OTP sign-in', async () => {
    const emu = fastEmulator();
    await call(emu, 'POST', '/auth/otp/send', { body: { email: 'otp@example.com' } });
    const { messages } = (await control(emu, 'GET', '/outbox?to=otp@example.com')).body;
    const verified = await call(emu, 'POST', '/auth/otp/verify', {
      body: { email: 'otp@example.com', otp: messages[0].code },
    });
    expect(verified.status).toBe(200);
    expect(typeof verified.body.access_token).toBe('string');
  });
});

describe('control plane: clock, faults, settings, reset, tokens', () => {
  it('reads and advances the clock; an advanced clock expires a code', async () => {
    const emu = fastEmulator({ now: Date.UTC(2030, 0, 1) });
    const before = (await control(emu, 'GET', '/clock')).body;
    expect(before.now.startsWith('2030-01-01')).toBe(true);
    await call(emu, 'POST', '/auth/otp/send', { body: { email: 'late@example.com' } });
    const { code } = emu.outbox.last({ to: 'late@example.com' })!;
    const moved = await control(emu, 'POST', '/clock', { advance: '11m' });
    expect(moved.body.now_ms - before.now_ms).toBeGreaterThanOrEqual(11 * 60_000);
    const late = await call(emu, 'POST', '/auth/otp/verify', {
      body: { email: 'late@example.com', otp: code },
    });
    expect(late.body.error.code).toBe('invalid_otp');
    expect((await control(emu, 'POST', '/clock', { advance: 'soon' })).status).toBe(400);
  });

  it('sets and clears faults that the API then answers with', async () => {
    const emu = fastEmulator();
    const added = await control(emu, 'POST', '/faults', {
      path: '/auth/login',
      status: 503,
      retry_after: 2,
    });
    expect(added.status).toBe(201);
    expect(added.body.faults[0]).toMatchObject({ path: '/auth/login', status: 503, remaining: 1 });
    const login = await call(emu, 'POST', '/auth/login', {
      body: { email: 'a@example.com', password: 'x' },
    });
    expect(login.status).toBe(503);
    expect(login.headers.get('retry-after')).toBe('2');
    await control(emu, 'POST', '/faults', { path: '/auth/login', status: 500, times: 'always' });
    expect((await control(emu, 'DELETE', '/faults')).body.faults).toEqual([]);
    const after = await call(emu, 'POST', '/auth/login', {
      body: { email: 'a@example.com', password: 'x' },
    });
    expect(after.status).toBe(401);
    expect((await control(emu, 'POST', '/faults', { status: 503 })).status).toBe(400);
  });

  it('changes project settings, which the Auth API applies on the next request', async () => {
    const emu = fastEmulator();
    const id = emu.project.projectId;
    const changed = await control(emu, 'PATCH', `/projects/${id}`, {
      redirect_url: 'https://app.test/cb',
      allowed_origins: ['https://other.test'],
      mfa_required: true,
      token_expiry: 600,
      sso_connections: [{ name: 'acme-okta', domains: ['Acme.com'] }],
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      redirect_url: 'https://app.test/cb',
      mfa_required: true,
      token_expiry: 600,
      sso_connections: [{ name: 'acme-okta', domains: ['acme.com'], provider: 'sso' }],
    });
    const signUp = await call(emu, 'POST', '/auth/signup', {
      body: { email: 's@example.com', password: 'correct horse' },
    });
    expect(signUp.body.expires_in).toBe(600);
    expect(signUp.body.mfa_enrollment_required).toBe(true);
    const refused = await control(emu, 'PATCH', `/projects/${id}`, {
      token_expiry: 5,
      name: 'never applied',
    });
    expect(refused.body.error.details.field).toBe('token_expiry');
    expect(emu.project.settings.name).not.toBe('never applied');
    expect((await control(emu, 'GET', '/projects')).body.projects[0].project_id).toBe(id);
  });

  it('resets users, messages and the clock but keeps projects', async () => {
    const emu = fastEmulator();
    await call(emu, 'POST', '/auth/signup', {
      body: { email: 'r@example.com', password: 'correct horse' },
    });
    await call(emu, 'POST', '/auth/otp/send', { body: { email: 'r@example.com' } });
    emu.clock.advance(3_600_000);
    expect((await control(emu, 'POST', '/reset')).body).toEqual({ reset: true });
    expect(emu.store.users()).toEqual([]);
    expect(emu.outbox.messages).toEqual([]);
    expect(Math.abs(emu.clock.now() - Date.now())).toBeLessThan(60_000);
    const again = await call(emu, 'POST', '/auth/signup', {
      body: { email: 'r@example.com', password: 'correct horse' },
    });
    expect(again.status).toBe(201);
  });

  it('hands out a token for curl that the Auth API accepts', async () => {
    const emu = fastEmulator();
    const res = await emu.fetch(`${ORIGIN}/_emulator/tokens?format=token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: 'email=curl@example.com',
    });
    const token = (await res.text()).trim();
    const verified = await call(emu, 'POST', '/auth/token/verify', { body: { token } });
    expect(verified.body.valid).toBe(true);
    expect(verified.body.claims.email).toBe('curl@example.com');
  });

  it('refuses a change sent from another site', async () => {
    const emu = fastEmulator();
    const res = await control(emu, 'POST', '/reset', {}, { origin: 'https://evil.test' });
    expect(res.status).toBe(403);
    const site = await control(emu, 'DELETE', '/outbox', undefined, {
      'sec-fetch-site': 'cross-site',
    });
    expect(site.status).toBe(403);
  });
});

describe('dashboard', () => {
  it('serves HTML without scripts or outside resources, with every view reachable', async () => {
    const emu = fastEmulator();
    await call(emu, 'POST', '/auth/magic-link/send', { body: { email: 'dash@example.com' } });
    for (const path of ['', '/users', '/outbox', '/requests', '/clock', '/faults']) {
      const res = await page(emu, path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      const text = await res.text();
      expect(text).not.toMatch(/<script|https?:\/\/(?!auth\.protekt\.io|localhost|example)/i);
    }
    const outbox = await (await page(emu, '/outbox')).text();
    const link = emu.outbox.last({ to: 'dash@example.com' })!.link!;
    expect(outbox).toContain(`href="${link.replaceAll('&', '&#38;')}"`);
  });

  it('disables a user (their token is then refused), edits metadata, revokes a session, deletes', async () => {
    const emu = fastEmulator();
    const su = await call(emu, 'POST', '/auth/signup', {
      body: { email: 'ui@example.com', password: 'correct horse' },
    });
    const id = su.body.user.id as string;
    const view = await (await page(emu, `/users/${id}`)).text();
    expect(view).toContain('Disable user');
    const back = `/_emulator/users/${id}`;
    const disabled = await form(emu, `/users/${id}/disable`, { back });
    expect(disabled.status).toBe(303);
    expect(disabled.headers.get('location')).toBe(`${ORIGIN}${back}`);
    const verify = await call(emu, 'POST', '/auth/token/verify', {
      body: { token: su.body.access_token },
    });
    expect(verify.body.error.code).toBe('token_revoked');
    await form(emu, `/users/${id}/enable`, { back });
    await form(emu, `/users/${id}/metadata`, { back, metadata: '{"role":"admin"}' });
    expect(emu.store.user(id)!['metadata']).toEqual({ role: 'admin' });
    const bad = await form(emu, `/users/${id}/metadata`, { back, metadata: '[1' });
    expect(bad.status).toBe(400);
    await call(emu, 'POST', '/auth/login', {
      body: { email: 'ui@example.com', password: 'correct horse' },
    });
    const session = emu.store.sessions(id).at(-1)!;
    expect(session.active).toBe(true);
    expect((await page(emu, `/users/${id}`)).status).toBe(200);
    await form(emu, `/sessions/${session.id}/revoke`, { back });
    expect(emu.store.sessions(id).every((s) => !s.active)).toBe(true);
    const searched = await (await page(emu, '/users?q=ui%40')).text();
    expect(searched).toContain('ui@example.com');
    await form(emu, `/users/${id}/delete`, { back: '/_emulator/users' });
    expect(emu.store.user(id)).toBeUndefined();
  });

  it('saves project settings and moves the clock from forms', async () => {
    const emu = fastEmulator();
    const id = emu.project.projectId;
    const view = await (await page(emu, `/projects/${id}`)).text();
    expect(view).toContain('name="mfa_required"');
    const saved = await form(emu, `/projects/${id}`, {
      back: `/_emulator/projects/${id}`,
      redirect_url: 'http://localhost:5173/callback',
      allowed_origins: 'http://localhost:5173\nhttps://*.example.com',
      mfa_required: 'true',
      token_expiry: '900',
      sso_connections: 'acme-okta: acme.com, acme.org',
    });
    expect(saved.status).toBe(303);
    expect(emu.project.settings).toMatchObject({
      redirectUrl: 'http://localhost:5173/callback',
      allowedOrigins: ['http://localhost:5173', 'https://*.example.com'],
      mfaRequired: true,
      tokenExpiry: 900,
      ssoConnections: [{ name: 'acme-okta', domains: ['acme.com', 'acme.org'] }],
    });
    // An unchecked box sends only the hidden "false" after it.
    await form(emu, `/projects/${id}`, { mfa_required: 'false' });
    expect(emu.project.settings.mfaRequired).toBe(false);
    const before = emu.clock.now();
    await form(emu, '/clock', { back: '/_emulator/clock', advance: '2h' });
    expect(emu.clock.now() - before).toBeGreaterThanOrEqual(2 * 3_600_000);
    const clockPage = await (await page(emu, '/clock')).text();
    expect(clockPage).toContain(new Date(emu.clock.now()).toISOString().slice(0, 13));
  });

  it('never shows query values or secret headers in the request log', async () => {
    const emu = fastEmulator();
    await call(emu, 'POST', '/auth/otp/send', { body: { email: 'log@example.com' } });
    await emu.fetch(`${BASE}/auth/sso/callback?code=idpc_secretvalue&state=s`);
    const text = await (await page(emu, '/requests')).text();
    expect(text).toContain('/auth/otp/send');
    expect(text).not.toContain('idpc_secretvalue');
    expect(text).not.toContain(emu.project.apiKey);
    const json = await control(emu, 'GET', '/requests');
    expect(JSON.stringify(json.body)).not.toContain('idpc_secretvalue');
  });
});
