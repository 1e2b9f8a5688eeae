/**
 * One contract, checked: the emulator answers every operation of both OpenAPI files (the Auth API
 * and the Account API), with the success and each documented error status, in the files' own
 * schemas (validated with @cfworker/json-schema); every route the client calls is in a file or is
 * one of the project's extensions; src/contract and the files name the same operations; and the
 * copies of the files are those of the Protekt docs when they are on the machine.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_ROUTES } from '../../src/contract/account-routes.js';
import { ROUTES } from '../../src/contract/index.js';
import { Protekt } from '../../src/index.js';
import { issueManagementToken, revokeManagementToken } from '../../src/resources/management.js';
import { ACCOUNT_RESOURCE_METHODS, RESOURCE_METHODS } from '../../src/resources/index.js';
import type { MethodBuilder } from '../../src/resources/operation.js';
import { createEmulator, type Emulator, totp } from '../../src/testing/index.js';
import { type DocumentedOperation, type OpenApiContract, loadContract } from './_openapi.js';

const AUTH = 'https://auth.protekt.io/v1';
const ACCOUNT = 'https://auth.protekt.io/account/v1';
const DOCS = process.env.PROTEKT_OPENAPI_DIR ?? '/work/shared/protekt-docs/openapi';
const auth = loadContract('protekt-auth-api.yaml');
const account = loadContract('protekt-account-api.yaml');

/** Every answer the emulators gave during the run: the operation, status and problems. */
const seen: {
  contract: OpenApiContract;
  op: DocumentedOperation;
  status: number;
  problems: string[];
}[] = [];

/** The emulator's fetch, recording each answer to an operation of a file. */
function recording(emulator: Emulator): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const response = await emulator.fetch(request);
    const url = new URL(request.url);
    const [contract, path] = url.pathname.startsWith('/account/v1')
      ? [account, url.pathname.slice('/account/v1'.length)]
      : [auth, url.pathname.slice('/v1'.length)];
    const op = contract.find(request.method, path);
    if (op) {
      const text = await response.clone().text();
      const body =
        text && response.headers.get('content-type')?.includes('json')
          ? JSON.parse(text)
          : undefined;
      seen.push({
        contract,
        op,
        status: response.status,
        problems: contract.check(op, response.status, body, response.headers.get('location')),
      });
    }
    return response;
  }) as typeof fetch;
}

/** A raw call: the JSON body, the key, a bearer token. */
async function call(
  fetcher: typeof fetch,
  method: string,
  url: string,
  options: { body?: unknown; key?: string | null; bearer?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; location: string | null }> {
  const headers: Record<string, string> = {};
  if (options.key) headers['x-protekt-key'] = options.key;
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetcher(url, {
    method,
    headers,
    redirect: 'manual',
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const body = text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {};
  return { status: response.status, body, location: response.headers.get('location') };
}

const PASSWORD = 'correct horse battery';

/** Drives every Auth API operation of the file to its success and each documented error. */
async function driveAuthApi(): Promise<void> {
  const emulator = createEmulator({
    pbkdf2Iterations: 1_000,
    rateLimits: { login: { limit: 6, windowMs: 60_000 }, otpSend: { limit: 1, windowMs: 60_000 } },
  });
  const f = recording(emulator);
  const key = emulator.project.apiKey;
  const bad = { key: 'pk_test_not_a_key_at_all' };
  const post = (
    path: string,
    body: unknown,
    extra: { key?: string | null; bearer?: string } = {},
  ) => call(f, 'POST', `${AUTH}${path}`, { body, key, ...extra });
  const signUp = await post('/auth/signup', { email: 'ada@example.org', password: PASSWORD });
  await post('/auth/signup', { email: 'not an address', password: PASSWORD });
  await post('/auth/signup', { email: 'ada@example.org', password: PASSWORD });
  const login = await post('/auth/login', { email: 'ada@example.org', password: PASSWORD });
  await post('/auth/login', { email: 'ada@example.org', password: 'wrong password' });
  for (let i = 0; i < 7; i++)
    await post('/auth/login', { email: 'flood@example.org', password: PASSWORD });
  const access = login.body.access_token as string;
  const refreshed = await post('/auth/token/refresh', { refresh_token: login.body.refresh_token });
  await post('/auth/token/refresh', { refresh_token: 'rt_unknown' });
  await post('/auth/token/verify', { token: access });
  await post('/auth/token/verify', { token: 'not.a.token' });
  await post('/auth/token/revoke', { token: refreshed.body.refresh_token });
  await post('/auth/token/revoke', { token: 'x' }, bad);
  await post('/auth/password/reset', { email: 'ada@example.org' });
  const reset = emulator.outbox.last({ kind: 'password_reset' })!.token!;
  await post('/auth/password/confirm', {
    reset_token: reset,
    new_password: 'another good password',
  });
  await post('/auth/password/confirm', {
    reset_token: 'pr_unknown',
    new_password: 'another good password',
  });
  const again = await post('/auth/login', {
    email: 'ada@example.org',
    password: 'another good password',
  });
  const token = again.body.access_token as string;
  await post(
    '/auth/password/change',
    { current_password: 'another good password', new_password: PASSWORD },
    { bearer: token },
  );
  await post('/auth/password/change', { current_password: PASSWORD, new_password: 'x'.repeat(9) });
  // A second session, for the session routes below.
  await post('/auth/login', { email: 'ada@example.org', password: PASSWORD });
  await post('/auth/otp/send', { email: 'bo@example.org' });
  await post('/auth/otp/send', { email: 'bo@example.org' });
  const otp = emulator.outbox.last({ kind: 'otp' })!.code!;
  await post('/auth/otp/verify', {
    email: 'bo@example.org',
    otp: otp === '000000' ? '111111' : '000000',
  });
  await post('/auth/otp/verify', { email: 'bo@example.org', otp });
  await post('/auth/magic-link/send', { email: 'cy@example.org' });
  const link = emulator.outbox.last({ kind: 'magic_link' })!.token!;
  await post('/auth/magic-link/verify', { token: link });
  await post('/auth/magic-link/verify', { token: link });
  await driveBrowserAndMfa(emulator, f, post, token);
  await driveUsersAndSessions(f, key, token, signUp.body);
}

type Post = (
  path: string,
  body: unknown,
  extra?: { key?: string | null; bearer?: string },
) => ReturnType<typeof call>;

async function driveBrowserAndMfa(
  emulator: Emulator,
  f: typeof fetch,
  post: Post,
  token: string,
): Promise<void> {
  const start = `${AUTH}/auth/sso/authorize?login_id=${emulator.project.loginId}&provider=google`;
  await call(
    f,
    'GET',
    `${AUTH}/auth/sso/authorize?login_id=${emulator.project.loginId}&provider=google&redirect_url=${encodeURIComponent('https://evil.example.net/')}`,
  );
  let url = (await call(f, 'GET', start)).location!;
  for (let hop = 0; hop < 4 && !url.startsWith('http://localhost:3000'); hop++) {
    const at = new URL(url, AUTH);
    if (at.pathname.endsWith('/_idp/authorize')) at.searchParams.set('email', 'dee@example.org');
    url = (await call(f, 'GET', at.toString())).location!;
  }
  expect(url).toMatch(/^http:\/\/localhost:3000\/auth\/callback\?token=/);
  const enroll = await post('/auth/mfa/enroll', { method: 'totp' }, { bearer: token });
  await post('/auth/mfa/enroll', { method: 'totp' });
  const secret = new URL(enroll.body.totp_uri as string).searchParams.get('secret')!;
  await post('/auth/mfa/verify', { code: '000000' }, { bearer: token });
  // Confirming an enrollment with a bearer token is the project's extension of this route (its
  // answer is not the file's AuthTokenResponse): sent past the recorder.
  await call(emulator.fetch, 'POST', `${AUTH}/auth/mfa/verify`, {
    key: emulator.project.apiKey,
    bearer: token,
    body: { code: await totp(secret, emulator.clock.now()) },
  });
  // The file's use of the route: completing a login's MFA challenge.
  const challenge = await post('/auth/login', { email: 'ada@example.org', password: PASSWORD });
  emulator.clock.advance(30_000);
  const code = await totp(secret, emulator.clock.now());
  await post('/auth/mfa/verify', { mfa_token: challenge.body.mfa_token, code });
  await call(f, 'DELETE', `${AUTH}/auth/mfa/unenroll`, {
    key: emulator.project.apiKey,
    body: { method: 'totp' },
  });
  emulator.project.mfaRequired = true;
  await call(f, 'DELETE', `${AUTH}/auth/mfa/unenroll`, {
    key: emulator.project.apiKey,
    bearer: token,
    body: { method: 'totp' },
  });
  emulator.project.mfaRequired = false;
  await call(f, 'DELETE', `${AUTH}/auth/mfa/unenroll`, {
    key: emulator.project.apiKey,
    bearer: token,
    body: { method: 'totp' },
  });
}

async function driveUsersAndSessions(
  f: typeof fetch,
  key: string,
  token: string,
  signUp: Record<string, unknown>,
): Promise<void> {
  const id = (signUp.user as { id: string }).id;
  const bad = 'pk_test_not_a_key_at_all';
  await call(f, 'GET', `${AUTH}/auth/users?limit=5`, { key });
  await call(f, 'GET', `${AUTH}/auth/users`, { key: bad });
  for (const [method, body] of [
    ['GET', undefined],
    ['PATCH', { metadata: { plan: 'pro' } }],
  ] as const) {
    await call(f, method, `${AUTH}/auth/users/${id}`, { key, body });
    await call(f, method, `${AUTH}/auth/users/${id}`, { key: bad, body });
    await call(f, method, `${AUTH}/auth/users/usr_missing`, { key, body });
  }
  const sessions = await call(f, 'GET', `${AUTH}/auth/sessions`, { key, bearer: token });
  await call(f, 'GET', `${AUTH}/auth/sessions`, { key });
  const other = (sessions.body.data as { id: string; is_current: boolean }[]).find(
    (s) => !s.is_current,
  )!;
  await call(f, 'DELETE', `${AUTH}/auth/sessions/${other.id}`, { key, bearer: token });
  await call(f, 'DELETE', `${AUTH}/auth/sessions/sess_missing`, { key, bearer: token });
  await call(f, 'DELETE', `${AUTH}/auth/sessions/sess_missing`, { key });
  await call(f, 'DELETE', `${AUTH}/auth/sessions`, {
    key,
    bearer: token,
    body: { keep_current: true },
  });
  await call(f, 'DELETE', `${AUTH}/auth/sessions`, { key, body: {} });
  await call(f, 'POST', `${AUTH}/auth/logout`, { key, bearer: token });
  await call(f, 'POST', `${AUTH}/auth/logout`, { key, bearer: token });
  await call(f, 'DELETE', `${AUTH}/auth/users/${id}`, { key: bad });
  await call(f, 'DELETE', `${AUTH}/auth/users/${id}`, { key });
  await call(f, 'DELETE', `${AUTH}/auth/users/${id}`, { key });
}

/** Drives every Account API operation to its success and each documented error. */
async function driveAccountApi(): Promise<void> {
  const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  const f = recording(emulator);
  const { email, password } = emulator.account;
  const none = { key: null };
  const sign = await call(f, 'POST', `${ACCOUNT}/token`, { body: { email, password }, ...none });
  await call(f, 'POST', `${ACCOUNT}/token`, {
    body: { email, password: 'wrong password' },
    ...none,
  });
  const bearer = sign.body.management_token as string;
  const as = (method: string, path: string, body?: unknown, who: string | undefined = bearer) =>
    call(f, method, `${ACCOUNT}${path}`, { body, ...(who ? { bearer: who } : {}) });
  const project = {
    name: 'P',
    allowed_origins: ['https://p.example.org'],
    redirect_url: 'https://p.example.org/cb',
  };
  await as('GET', '/projects');
  await as('GET', '/projects', undefined, 'mgmt_unknown');
  const created = await as('POST', '/projects', project);
  await as('POST', '/projects', { ...project, redirect_url: 'not a url' });
  await as('POST', '/projects', project, 'mgmt_unknown');
  const id = created.body.id as string;
  for (const [method, body, bad] of [
    ['GET', undefined, undefined],
    ['PATCH', { mfa_required: true }, { token_expiry: 1 }],
    ['DELETE', undefined, undefined],
  ] as const) {
    if (bad) await as(method, `/projects/${id}`, bad);
    await as(method, `/projects/${id}`, body, 'mgmt_unknown');
    await as(method, '/projects/proj_missing', body);
    await as(method, `/projects/${id}`, body);
  }
  const key = await as('POST', '/api-keys', {
    project_id: emulator.project.projectId,
    label: 'k',
    scopes: ['users:read'],
    expires_at: '2999-01-01T00:00:00Z',
  });
  await as('POST', '/api-keys', {
    project_id: emulator.project.projectId,
    label: 'k',
    scopes: ['root'],
  });
  await as(
    'POST',
    '/api-keys',
    { project_id: emulator.project.projectId, label: 'k' },
    'mgmt_unknown',
  );
  await as('GET', `/api-keys?project_id=${emulator.project.projectId}&limit=5`);
  await as('GET', '/api-keys', undefined, 'mgmt_unknown');
  await as('DELETE', `/api-keys/${key.body.id}`);
  await as('DELETE', `/api-keys/${key.body.id}`);
  await as('DELETE', `/api-keys/${key.body.id}`, undefined, 'mgmt_unknown');
  await as('POST', '/members/invite', { email: 'dev@example.org', role: 'developer' });
  await as(
    'POST',
    '/members/invite',
    { email: 'dev@example.org', role: 'developer' },
    'mgmt_unknown',
  );
  const invitation = emulator.outbox.last({ kind: 'member_invitation' })!.token!;
  await as('POST', '/members/accept', { token: invitation, password: PASSWORD }, undefined);
  await as('POST', '/members/invite', { email: 'dev@example.org', role: 'admin' });
  const members = await as('GET', '/members');
  await as('GET', '/members', undefined, 'mgmt_unknown');
  const dev = (members.body.data as { id: string; role: string }[]).find(
    (m) => m.role === 'developer',
  )!;
  await as('DELETE', `/members/${dev.id}`, undefined, 'mgmt_unknown');
  await as('DELETE', `/members/${dev.id}`);
  await as('DELETE', `/members/${dev.id}`);
  await as('GET', '/usage?from=2020-01-01');
  await as('GET', '/usage', undefined, 'mgmt_unknown');
  await as('POST', '/token/revoke');
  await as('POST', '/token/revoke');
}

beforeAll(async () => {
  await driveAuthApi();
  await driveAccountApi();
});

afterAll(() => {
  seen.length = 0;
});

for (const [name, contract] of [
  ['Auth API', auth],
  ['Account API', account],
] as const) {
  describe(`${name}: the emulator answers as the OpenAPI file says`, () => {
    it('every answer to an operation of the file validates against its schema', () => {
      const mine = seen.filter((s) => s.contract === contract);
      expect(mine.length).toBeGreaterThan(contract.operations.length);
      expect(mine.flatMap((s) => s.problems)).toEqual([]);
    });

    it('every operation answered its success and each documented error', () => {
      const answered = new Set(
        seen
          .filter((s) => s.contract === contract)
          .map((s) => `${s.op.method} ${s.op.path} ${s.status}`),
      );
      const missing = contract.operations.flatMap((op) =>
        op.statuses
          .map((status) => `${op.method} ${op.path} ${status}`)
          .filter((k) => !answered.has(k)),
      );
      expect(missing).toEqual([]);
    });
  });
}

describe('the client and src/contract against the files', () => {
  const extension = (
    table: readonly { method: string; path: string; openapi: boolean }[],
    method: string,
    path: string,
  ) =>
    table.some(
      (r) =>
        !r.openapi &&
        r.method === method &&
        r.path.replace(/\{[^}]+\}/g, '{}') === path.replace(/\{[^}]+\}/g, '{}'),
    );

  it('every route the client calls is an operation of a file or a written-down extension', () => {
    const calls = (tables: Record<string, object>) =>
      Object.values(tables).flatMap((table) =>
        Object.values(table as Record<string, MethodBuilder<unknown>>).flatMap(
          (b) => b.routes ?? [],
        ),
      );
    const authCalls = calls(RESOURCE_METHODS);
    const accountCalls = [
      ...calls(ACCOUNT_RESOURCE_METHODS),
      ...(issueManagementToken.routes ?? []),
      ...(revokeManagementToken.routes ?? []),
    ];
    const stray = [
      ...authCalls.filter((r) => {
        const [method, path] = r.split(' ') as [string, string];
        return (
          !auth.find(method, path.replace(/\{[^}]+\}/g, 'x')) && !extension(ROUTES, method, path)
        );
      }),
      ...accountCalls.filter((r) => {
        const [method, path] = r.split(' ') as [string, string];
        return (
          !account.find(method, path.replace(/\{[^}]+\}/g, 'x')) &&
          !extension(ACCOUNT_ROUTES, method, path)
        );
      }),
    ];
    expect(authCalls.length).toBeGreaterThan(25);
    expect(accountCalls.length).toBeGreaterThan(14);
    expect(stray).toEqual([]);
  });

  it('src/contract marks as `openapi` exactly the operations of each file', () => {
    const key = (method: string, path: string) => `${method} ${path.replace(/\{[^}]+\}/g, '{}')}`;
    for (const [contract, table] of [
      [auth, ROUTES],
      [account, ACCOUNT_ROUTES],
    ] as const) {
      const documented = contract.operations.map((op) => key(op.method, op.path)).sort();
      const marked = table
        .filter((r) => r.openapi)
        .map((r) => key(r.method, r.path))
        .sort();
      expect(marked).toEqual(documented);
    }
  });

  it('the client reaches the emulator Account API on the default path layout', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    const { managementToken } = await Protekt.getManagementToken(emulator.account, {
      accountBaseUrl: ACCOUNT,
      fetch: emulator.fetch,
    });
    expect(managementToken).toMatch(/^mgmt_/);
  });
});

describe('the copies of the OpenAPI files', () => {
  for (const file of ['protekt-auth-api.yaml', 'protekt-account-api.yaml']) {
    it.skipIf(!existsSync(`${DOCS}/${file}`))(`${file} is the Protekt docs' file`, () => {
      const copy = readFileSync(new URL(`./openapi/${file}`, import.meta.url), 'utf8');
      expect(copy).toBe(readFileSync(`${DOCS}/${file}`, 'utf8'));
    });
  }
});
