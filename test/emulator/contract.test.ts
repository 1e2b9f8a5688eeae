/**
 * The route table against the emulator: every route is implemented, answers its documented
 * success shape, and the generic failures (no key, no bearer, no body, wrong method) come in
 * the error envelope with catalogue statuses.
 */
import { describe, expect, it } from 'vitest';
import {
  ERROR_SHAPE,
  OPENAPI_OPERATION_IDS,
  ROUTES,
  checkShape,
  type RouteSpec,
} from '../../src/contract/index.js';
import { API_ERROR_CODES } from '../../src/errors/codes.js';
import { HANDLERS } from '../../src/testing/app.js';
import { totp, type Emulator } from '../../src/testing/index.js';
import { BASE, PASSWORD, call, email, fastEmulator, signUp, type Answer } from './_helpers.js';
import { segmentJson } from '../support/web.js';

/** The 25 operations of the Protekt docs' OpenAPI file, protekt-auth-api.yaml (method and path). */
const OPENAPI_OPERATIONS = [
  'POST /auth/signup',
  'POST /auth/login',
  'POST /auth/logout',
  'POST /auth/token/refresh',
  'POST /auth/token/verify',
  'POST /auth/token/revoke',
  'POST /auth/password/reset',
  'POST /auth/password/confirm',
  'POST /auth/password/change',
  'POST /auth/otp/send',
  'POST /auth/otp/verify',
  'POST /auth/magic-link/send',
  'POST /auth/magic-link/verify',
  'GET /auth/sso/authorize',
  'GET /auth/sso/callback',
  'POST /auth/mfa/enroll',
  'POST /auth/mfa/verify',
  'DELETE /auth/mfa/unenroll',
  'GET /auth/users',
  'GET /auth/users/{id}',
  'PATCH /auth/users/{id}',
  'DELETE /auth/users/{id}',
  'GET /auth/sessions',
  'DELETE /auth/sessions',
  'DELETE /auth/sessions/{id}',
];

describe('route table', () => {
  it('has exactly the 25 operations of the OpenAPI file, plus the extensions', () => {
    const fromTable = ROUTES.filter((r) => r.openapi).map((r) => `${r.method} ${r.path}`);
    expect(fromTable.sort()).toEqual([...OPENAPI_OPERATIONS].sort());
    expect(OPENAPI_OPERATION_IDS).toHaveLength(25);
    expect(
      ROUTES.filter((r) => !r.openapi)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(
      [
        'GET /.well-known/jwks.json',
        'POST /auth/mfa/backup-codes',
        'POST /auth/email/verify',
        'GET /auth/authorize',
        'POST /auth/authorize',
        'GET /_idp/authorize',
        'POST /_idp/authorize',
        'GET /_pages/password-reset',
        'POST /_pages/password-reset',
        'GET /_pages/verify-email',
        'POST /_pages/verify-email',
      ].sort(),
    );
    const ids = ROUTES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const pairs = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it('has a handler for every route, and every documented error code is in the catalogue', () => {
    for (const r of ROUTES) {
      expect(HANDLERS[r.id], r.id).toBeTypeOf('function');
      for (const code of r.errors)
        expect(Object.keys(API_ERROR_CODES), `${r.id}: ${code}`).toContain(code);
      if (r.issuesTokens) expect(r.body?.schema['token_expiry'], r.id).toBeDefined();
      if (r.idempotent) expect(r.method, r.id).not.toBe('GET');
    }
  });
});

interface Scenario {
  emu: Emulator;
  /** A plain user with a session. */
  a: Awaited<ReturnType<typeof signUp>>;
  /** A user with TOTP. */
  mfaEmail: string;
  mfaSecret: string;
  mfaAccess: string;
}

async function scenario(): Promise<Scenario> {
  // ES256: fast key generation for the many scenarios (RS256 is covered by the flow tests).
  const emu = fastEmulator({
    algorithm: 'ES256',
    project: { ssoConnections: [{ name: 'acme-okta', domains: ['acme.com'] }] },
  });
  const a = await signUp(emu);
  const b = await signUp(emu);
  const enroll = await call(emu, 'POST', '/auth/mfa/enroll', {
    token: b.access,
    body: { method: 'totp' },
  });
  const secret = new URL(enroll.body.totp_uri).searchParams.get('secret')!;
  await call(emu, 'POST', '/auth/mfa/verify', {
    token: b.access,
    body: { code: await totp(secret, emu.clock.now()) },
  });
  emu.clock.advance(30_000);
  return { emu, a, mfaEmail: b.email, mfaSecret: secret, mfaAccess: b.access };
}

const form = (emu: Emulator, path: string, fields: Record<string, string>) =>
  emu.fetch(`${BASE}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

async function ssoRequestId(s: Scenario): Promise<string> {
  const r = await s.emu.fetch(
    `${BASE}/auth/sso/authorize?login_id=${s.emu.project.loginId}&provider=github`,
    { redirect: 'manual' },
  );
  return new URL(r.headers.get('location')!).searchParams.get('request')!;
}

/** One successful call per route. */
const EXERCISES: Record<string, (s: Scenario) => Promise<Response | Answer>> = {
  'auth.signup': (s) =>
    call(s.emu, 'POST', '/auth/signup', {
      body: {
        email: email(),
        password: PASSWORD,
        metadata: { a: 1 },
        send_verification: true,
        token_expiry: 600,
      },
    }),
  'auth.login': (s) =>
    call(s.emu, 'POST', '/auth/login', { body: { email: s.a.email, password: PASSWORD } }),
  'auth.logout': async (s) =>
    call(s.emu, 'POST', '/auth/logout', { token: (await signUp(s.emu)).access }),
  'tokens.refresh': async (s) =>
    call(s.emu, 'POST', '/auth/token/refresh', {
      body: { refresh_token: (await signUp(s.emu)).refresh },
    }),
  'tokens.verify': (s) =>
    call(s.emu, 'POST', '/auth/token/verify', { body: { token: s.a.access } }),
  'tokens.revoke': async (s) =>
    call(s.emu, 'POST', '/auth/token/revoke', { body: { token: (await signUp(s.emu)).access } }),
  'password.reset': (s) =>
    call(s.emu, 'POST', '/auth/password/reset', { body: { email: s.a.email } }),
  'password.confirm': async (s) => {
    const u = await signUp(s.emu);
    await call(s.emu, 'POST', '/auth/password/reset', { body: { email: u.email } });
    const { token } = s.emu.outbox.last({ to: u.email, kind: 'password_reset' })!;
    return call(s.emu, 'POST', '/auth/password/confirm', {
      body: { reset_token: token, new_password: 'brand new pass' },
    });
  },
  'password.change': async (s) => {
    const u = await signUp(s.emu);
    return call(s.emu, 'POST', '/auth/password/change', {
      token: u.access,
      body: { current_password: PASSWORD, new_password: 'brand new pass' },
    });
  },
  'otp.send': (s) =>
    call(s.emu, 'POST', '/auth/otp/send', { body: { email: email(), channel: 'email' } }),
  'otp.verify': async (s) => {
    const to = email();
    await call(s.emu, 'POST', '/auth/otp/send', { body: { email: to } });
    return call(s.emu, 'POST', '/auth/otp/verify', {
      body: { email: to, otp: s.emu.outbox.last({ to })!.code },
    });
  },
  'magicLink.send': (s) =>
    call(s.emu, 'POST', '/auth/magic-link/send', { body: { email: email() } }),
  'magicLink.verify': async (s) => {
    const to = email();
    await call(s.emu, 'POST', '/auth/magic-link/send', { body: { email: to } });
    return call(s.emu, 'POST', '/auth/magic-link/verify', {
      body: { token: s.emu.outbox.last({ to })!.token },
    });
  },
  'sso.authorize': (s) =>
    s.emu.fetch(
      `${BASE}/auth/sso/authorize?login_id=${s.emu.project.loginId}&email=jane@acme.com&state=x`,
      { redirect: 'manual' },
    ),
  'sso.callback': async (s) => {
    const r = await s.emu.fetch(
      `${BASE}/_idp/authorize?request=${await ssoRequestId(s)}&email=${email()}`,
      { redirect: 'manual' },
    );
    return s.emu.fetch(r.headers.get('location')!, { redirect: 'manual' });
  },
  'mfa.enroll': (s) =>
    call(s.emu, 'POST', '/auth/mfa/enroll', { token: s.a.access, body: { method: 'totp' } }),
  'mfa.verify': async (s) => {
    const c = await call(s.emu, 'POST', '/auth/login', {
      body: { email: s.mfaEmail, password: PASSWORD },
    });
    s.emu.clock.advance(30_000);
    return call(s.emu, 'POST', '/auth/mfa/verify', {
      body: { mfa_token: c.body.mfa_token, code: await totp(s.mfaSecret, s.emu.clock.now()) },
    });
  },
  'mfa.unenroll': (s) =>
    call(s.emu, 'DELETE', '/auth/mfa/unenroll', { token: s.mfaAccess, body: { method: 'totp' } }),
  'users.list': (s) => call(s.emu, 'GET', '/auth/users?limit=1'),
  'users.get': (s) => call(s.emu, 'GET', `/auth/users/${s.a.user.id}`),
  'users.update': (s) =>
    call(s.emu, 'PATCH', `/auth/users/${s.a.user.id}`, { body: { metadata: { role: 'admin' } } }),
  'users.delete': async (s) =>
    call(s.emu, 'DELETE', `/auth/users/${(await signUp(s.emu)).user.id}`),
  'sessions.list': (s) => call(s.emu, 'GET', '/auth/sessions', { token: s.a.access }),
  'sessions.revokeAll': async (s) =>
    call(s.emu, 'DELETE', '/auth/sessions', {
      token: (await signUp(s.emu)).access,
      body: { keep_current: true },
    }),
  'sessions.revoke': async (s) => {
    const u = await signUp(s.emu);
    const sid = segmentJson(u.access, 1).sid;
    return call(s.emu, 'DELETE', `/auth/sessions/${sid}`, { token: u.access });
  },
  jwks: (s) => call(s.emu, 'GET', '/.well-known/jwks.json', { key: null }),
  'mfa.backupCodes': (s) => call(s.emu, 'POST', '/auth/mfa/backup-codes', { token: s.mfaAccess }),
  'email.verify': async (s) => {
    const to = email();
    await call(s.emu, 'POST', '/auth/signup', {
      body: { email: to, password: PASSWORD, send_verification: true },
    });
    return call(s.emu, 'POST', '/auth/email/verify', {
      body: { token: s.emu.outbox.last({ to, kind: 'email_verification' })!.token },
    });
  },
  'hosted.page': (s) => s.emu.fetch(`${BASE}/auth/authorize?login_id=${s.emu.project.loginId}`),
  'hosted.submit': (s) =>
    form(s.emu, '/auth/authorize', {
      login_id: s.emu.project.loginId,
      email: s.a.email,
      password: PASSWORD,
    }),
  'idp.page': async (s) => s.emu.fetch(`${BASE}/_idp/authorize?request=${await ssoRequestId(s)}`),
  'idp.submit': async (s) =>
    form(s.emu, '/_idp/authorize', { request: await ssoRequestId(s), email: email() }),
  'landing.reset.page': async (s) =>
    s.emu.fetch(`${BASE}/_pages/password-reset?token=${await resetToken(s)}`),
  'landing.reset.submit': async (s) =>
    form(s.emu, '/_pages/password-reset', {
      token: await resetToken(s),
      new_password: 'brand new pass',
    }),
  'landing.verify.page': async (s) =>
    s.emu.fetch(`${BASE}/_pages/verify-email?token=${await verificationToken(s)}`),
  'landing.verify.submit': async (s) =>
    form(s.emu, '/_pages/verify-email', { token: await verificationToken(s) }),
};

/** A fresh password-reset token of a new user. */
async function resetToken(s: Scenario): Promise<string> {
  const u = await signUp(s.emu);
  await call(s.emu, 'POST', '/auth/password/reset', { body: { email: u.email } });
  return s.emu.outbox.last({ to: u.email, kind: 'password_reset' })!.token!;
}

/** A fresh e-mail verification token of a new user. */
async function verificationToken(s: Scenario): Promise<string> {
  const to = email();
  await call(s.emu, 'POST', '/auth/signup', {
    body: { email: to, password: PASSWORD, send_verification: true },
  });
  return s.emu.outbox.last({ to, kind: 'email_verification' })!.token!;
}

async function normalize(r: Response | Answer): Promise<Answer> {
  if (!(r instanceof Response)) return r;
  const text = await r.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: r.status, headers: r.headers, text, body };
}

function expectError(a: Answer, code: string): void {
  expect(a.status).toBe(
    code === 'invalid_api_key' ? 401 : API_ERROR_CODES[code as keyof typeof API_ERROR_CODES],
  );
  expect(checkShape(ERROR_SHAPE, a.body)).toEqual([]);
  expect(a.body.error.code).toBe(code);
}

describe.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as [string, RouteSpec]))(
  '%s',
  (_name, route) => {
    it('answers its documented success', async () => {
      const s = await scenario();
      const exercise = EXERCISES[route.id];
      expect(exercise, `no exercise for ${route.id}`).toBeDefined();
      const a = await normalize(await exercise!(s));
      expect(a.status, a.text).toBe(route.success.status);
      if (route.success.kind === 'json') {
        expect(a.headers.get('content-type')).toMatch(/^application\/json/);
        const problems = route.success.shapes.map((shape) => checkShape(shape, a.body));
        expect(
          problems.some((p) => p.length === 0),
          JSON.stringify(problems),
        ).toBe(true);
      } else if (route.success.kind === 'redirect') {
        expect(a.headers.get('location')).toMatch(/^https?:\/\//);
      } else {
        expect(a.headers.get('content-type')).toMatch(/^text\/html/);
        expect(a.text).toContain('<form');
      }
    });

    it('answers the generic failures in the envelope', async () => {
      const s = await scenario();
      const path = route.path.replace('{id}', 'usr_unknown');
      if (route.auth.startsWith('apiKey')) {
        const body = route.method === 'GET' ? undefined : {};
        expectError(await call(s.emu, route.method, path, { key: null, body }), 'invalid_api_key');
        expectError(
          await call(s.emu, route.method, path, { key: 'pk_test_nope', body }),
          'invalid_api_key',
        );
      }
      if (route.auth === 'apiKey+bearer') {
        const body = route.body
          ? { method: 'totp', current_password: 'x', new_password: 'long enough' }
          : undefined;
        expectError(await call(s.emu, route.method, path, { body }), 'token_invalid');
        expectError(
          await call(s.emu, route.method, path, { body, token: 'garbage' }),
          'token_invalid',
        );
      }
      if (route.body?.type === 'json' && route.body.required) {
        expectError(
          await call(s.emu, route.method, path, { token: s.a.access }),
          'invalid_request',
        );
        expectError(
          await call(s.emu, route.method, path, {
            token: s.a.access,
            raw: '{"oops"',
            headers: { 'content-type': 'application/json' },
          }),
          'invalid_request',
        );
        expectError(
          await call(s.emu, route.method, path, {
            token: s.a.access,
            raw: '[1,2]',
            headers: { 'content-type': 'application/json' },
          }),
          'invalid_request',
        );
        expectError(
          await call(s.emu, route.method, path, {
            token: s.a.access,
            raw: 'a=b',
            headers: { 'content-type': 'text/plain' },
          }),
          'unsupported_media_type',
        );
        expectError(
          await call(s.emu, route.method, path, {
            token: s.a.access,
            raw: `{"x":"${'a'.repeat(70_000)}"}`,
            headers: { 'content-type': 'application/json' },
          }),
          'payload_too_large',
        );
        for (const field of Object.keys(route.body.schema).filter(
          (f) => route.body!.schema[f]!.required,
        )) {
          const a = await call(s.emu, route.method, path, {
            token: s.a.access,
            body: { [field]: [] },
          });
          expect(a.status, `${route.id} ${field}`).toBe(400);
          expect(a.body.error.details?.field ?? field).toBeTypeOf('string');
        }
      }
      const methods = ROUTES.filter((r) => r.path === route.path).map((r) => r.method);
      const wrong = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].find(
        (m) => !methods.includes(m as RouteSpec['method']),
      )!;
      const w = await call(s.emu, wrong, path, {});
      expectError(w, 'method_not_allowed');
      expect(w.headers.get('allow')).toContain(route.method);
    });
  },
);

describe('unknown paths', () => {
  it('answer 404 not_found, inside and outside /v1', async () => {
    const emu = fastEmulator();
    for (const p of ['/v1/auth/nope', '/v1/auth/login/', '/auth/login', '/', '/v2/auth/login']) {
      const r = await emu.fetch(`https://auth.protekt.io${p}`, {
        method: 'POST',
        headers: { 'x-protekt-key': emu.project.apiKey },
      });
      expect(r.status, p).toBe(404);
      expect((await r.json()).error.code).toBe('not_found');
    }
  });
});
