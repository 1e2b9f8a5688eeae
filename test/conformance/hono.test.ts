/**
 * `@protekt/node/hono` on every runtime of the matrix: the middleware guards a Hono app whose
 * client reaches the emulator in-process. Portable subset only (see README.md in this folder).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { Protekt } from '@protekt/node';
import { protektAuth, type ProtektVariables } from '@protekt/node/hono';
import { createEmulator, type Emulator } from '@protekt/node/testing';

type Bindings = { PROTEKT_LOGIN_ID: string; PROTEKT_API_KEY: string };

let emulator: Emulator;
let protekt: Protekt;
let app: Hono<{ Variables: ProtektVariables }>;
let token = '';
let userId = '';
let made = 0;
let envApp: Hono<{ Bindings: Bindings; Variables: ProtektVariables }>;

const get = async (
  path: string,
  headers: Record<string, string> = {},
  env?: Bindings,
): Promise<Response> =>
  env ? envApp.request(path, { headers }, env) : app.request(path, { headers });

describe('protektAuth (Hono middleware)', () => {
  beforeAll(async () => {
    emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    protekt = new Protekt({
      loginId: emulator.project.loginId,
      apiKey: emulator.project.apiKey,
      fetch: emulator.fetch,
      maxRetries: 0,
      revocationCheck: { maxAge: 0 },
    });
    app = new Hono<{ Variables: ProtektVariables }>();
    app.get('/', (c) => c.text('public'));
    app.use('/api/*', protektAuth({ client: protekt, cookie: 'protekt_access' }));
    app.get('/api/me', (c) => c.json({ id: c.get('user').id, sub: c.get('claims').sub }));
    app.get('/maybe', protektAuth({ client: protekt, optional: true }), (c) =>
      c.json({ user: c.get('user') }),
    );

    envApp = new Hono<{ Bindings: Bindings; Variables: ProtektVariables }>();
    envApp.use(
      protektAuth({
        fromEnv: (env: Bindings) => {
          made++;
          return new Protekt({
            loginId: env.PROTEKT_LOGIN_ID,
            apiKey: env.PROTEKT_API_KEY,
            fetch: emulator.fetch,
            maxRetries: 0,
          });
        },
      }),
    );
    envApp.get('/', (c) => c.json({ id: c.get('user').id }));

    const signUp = await protekt.auth.signUp({
      email: 'conformance.hono@example.com',
      password: 'correct horse battery',
    });
    if (signUp.error) throw new Error(`sign-up failed: ${signUp.error.code}`);
    token = signUp.accessToken;
    userId = signUp.user.id;
  });

  afterAll(() => {
    emulator.faults.clear();
  });

  it('serves public routes without a token', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
  });

  it('answers 401 with a bare Bearer challenge when no token is sent', async () => {
    const res = await get('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="protekt"');
    expect(await res.json()).toEqual({
      error: { code: 'token_missing', message: 'A bearer token is required' },
    });
  });

  it('answers 401 invalid_token for a malformed header and a forged token', async () => {
    const malformed = await get('/api/me', { authorization: 'Bearer a b' });
    expect(malformed.status).toBe(401);
    expect(malformed.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    const [h, p] = token.split('.');
    const forged = await get('/api/me', { authorization: `Bearer ${h}.${p}.${'A'.repeat(342)}` });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('token_invalid');
  });

  it('lets a valid token through with the user on the context (header or cookie)', async () => {
    const res = await get('/api/me', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: userId, sub: userId });
    const viaCookie = await get('/api/me', { cookie: `protekt_access=${token}` });
    expect(viaCookie.status).toBe(200);
  });

  it('optional mode: anonymous requests get user null', async () => {
    const res = await get('/maybe');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: null });
  });

  it('builds the fromEnv client once', async () => {
    const env: Bindings = {
      PROTEKT_LOGIN_ID: emulator.project.loginId,
      PROTEKT_API_KEY: emulator.project.apiKey,
    };
    expect((await get('/', { authorization: `Bearer ${token}` }, env)).status).toBe(200);
    expect((await get('/', { authorization: `Bearer ${token}` }, env)).status).toBe(200);
    expect(made).toBe(1);
  });

  it('answers 401 token_revoked once the session ended', async () => {
    const login = await protekt.auth.login({
      email: 'conformance.hono@example.com',
      password: 'correct horse battery',
    });
    if (login.error) throw new Error(`login failed: ${login.error.code}`);
    expect((await get('/api/me', { authorization: `Bearer ${login.accessToken}` })).status).toBe(
      200,
    );
    expect((await protekt.auth.logout(login.accessToken)).error).toBeNull();
    const res = await get('/api/me', { authorization: `Bearer ${login.accessToken}` });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('token_revoked');
  });

  it('answers 503 when no signing key can be had (JWKS down, cold cache)', async () => {
    const cold = createEmulator({ pbkdf2Iterations: 1_000 });
    const user = await cold.createUser({ email: 'cold@example.com' });
    const coldToken = await cold.issueAccessToken({ userId: String(user.id) });
    cold.faults.add({ path: '/.well-known/jwks.json', status: 503, times: Infinity });
    const coldClient = new Protekt({
      loginId: cold.project.loginId,
      apiKey: cold.project.apiKey,
      fetch: cold.fetch,
      maxRetries: 0,
    });
    const coldApp = new Hono();
    coldApp.use(protektAuth({ client: coldClient }));
    coldApp.get('/', (c) => c.text('never'));
    const res = await coldApp.request('/', { headers: { authorization: `Bearer ${coldToken}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'service_unavailable',
    );
  });
});
