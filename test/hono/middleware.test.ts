/**
 * `protektAuth` (src/hono) against the emulator in-process: every branch of the middleware, the
 * RFC 6750 challenges and bodies, the 503 on an outage, the lazy client made once from `c.env`,
 * and the types it gives `c.get('user')` / `c.get('claims')`.
 */
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  Protekt,
  ProtektError,
  type ProtektClaims,
  type ProtektOptions,
  type ProtektUser,
} from '../../src/index.js';
import { createEmulator, type Emulator } from '../../src/testing/index.js';
import {
  protektAuth,
  type ProtektOptionalVariables,
  type ProtektTokenClient,
  type ProtektVariables,
} from '../../src/hono/index.js';

type Meta = { plan: 'free' | 'pro' };

let emulator: Emulator;
let userId: string;
let token: string;

function client(extra: Partial<ProtektOptions> = {}): Protekt<Meta> {
  return new Protekt<Meta>({
    loginId: emulator.project.loginId,
    apiKey: emulator.project.apiKey,
    fetch: emulator.fetch,
    maxRetries: 0,
    now: () => emulator.clock.now(),
    ...extra,
  });
}

/** An app with a public route, a guarded `/api/*` and an optional `/maybe`. */
function appWith(protekt: ProtektTokenClient<Meta>, options: { cookie?: string } = {}) {
  const app = new Hono<{ Variables: ProtektVariables<Meta> }>();
  app.get('/', (c) => c.text('public'));
  app.use('/api/*', protektAuth({ client: protekt, ...options }));
  app.get('/api/me', (c) => c.json({ user: c.get('user'), sub: c.get('claims').sub }));
  app.get('/maybe', protektAuth({ client: protekt, optional: true, ...options }), (c) =>
    c.json({ user: c.get('user'), claims: c.get('claims') }),
  );
  return app;
}

const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

async function challenge(res: Response) {
  return {
    status: res.status,
    www: res.headers.get('www-authenticate'),
    cache: res.headers.get('cache-control'),
    body: await res.json(),
  };
}

beforeEach(async () => {
  emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  const user = await emulator.createUser({
    email: 'ada@example.com',
    password: 'correct horse battery',
    metadata: { plan: 'pro' },
  });
  userId = String(user.id);
  token = await emulator.issueAccessToken({ userId });
});

afterEach(() => {
  emulator.faults.clear();
});

describe('protektAuth: required mode', () => {
  it('lets a valid bearer token through with the user and claims on the context', async () => {
    const res = await appWith(client()).request('/api/me', bearer(token));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: ProtektUser<Meta>; sub: string };
    expect(body.user).toMatchObject({ id: userId, email: 'ada@example.com' });
    expect(body.sub).toBe(userId);
  });

  it('accepts the scheme in any case and surrounding spaces', async () => {
    const app = appWith(client());
    for (const h of [`bearer ${token}`, `BEARER  ${token}`, `  Bearer ${token}  `]) {
      expect((await app.request('/api/me', { headers: { authorization: h } })).status).toBe(200);
    }
  });

  it('leaves public routes alone', async () => {
    const res = await appWith(client()).request('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('public');
  });

  it('no token: 401, `Bearer realm` challenge without an error code (RFC 6750 §3.1), JSON body', async () => {
    const r = await challenge(await appWith(client()).request('/api/me'));
    expect(r).toEqual({
      status: 401,
      www: 'Bearer realm="protekt"',
      cache: 'no-store',
      body: { error: { code: 'token_missing', message: 'A bearer token is required' } },
    });
  });

  it('another scheme (Basic) counts as no bearer token', async () => {
    const r = await challenge(
      await appWith(client()).request('/api/me', { headers: { authorization: 'Basic YWRhOnB3' } }),
    );
    expect(r.status).toBe(401);
    expect(r.www).toBe('Bearer realm="protekt"');
  });

  it('malformed bearer header: 401 invalid_token, and Protekt is not asked', async () => {
    const app = appWith(client());
    for (const h of [
      'Bearer',
      'Bearer ',
      `Bearer ${token} extra`,
      'Bearer to"ken',
      'Bearer tok,en',
      'Bearer ==abc',
    ]) {
      const r = await challenge(await app.request('/api/me', { headers: { authorization: h } }));
      expect(r.status).toBe(401);
      expect(r.www).toBe(
        'Bearer realm="protekt", error="invalid_token", error_description="The access token is invalid"',
      );
      expect(r.body).toEqual({
        error: { code: 'token_invalid', message: 'The access token is invalid' },
      });
    }
    expect(emulator.requests).toHaveLength(0);
  });

  it('forged token (signature of another key): 401 invalid_token', async () => {
    const other = createEmulator({ pbkdf2Iterations: 1_000 });
    const [header, payload] = token.split('.');
    const foreign = await other.signToken({ sub: 'x' });
    const forged = `${header}.${payload}.${foreign.split('.')[2]}`;
    const r = await challenge(await appWith(client()).request('/api/me', bearer(forged)));
    expect(r.status).toBe(401);
    expect(r.www).toContain('error="invalid_token"');
    expect(r.body.error.code).toBe('token_invalid');
  });

  it('tampered claims (same signature, other subject): 401', async () => {
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/'))) as Record<
      string,
      unknown
    >;
    const tampered = btoa(JSON.stringify({ ...claims, sub: 'usr_admin' }))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    const r = await challenge(
      await appWith(client()).request('/api/me', bearer(`${h}.${tampered}.${s}`)),
    );
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('token_invalid');
  });

  it("another project's token (audience): 401", async () => {
    const otherProject = emulator.createProject();
    const stranger = await emulator.createUser({
      email: 'eve@example.com',
      projectId: otherProject.projectId,
    });
    const foreign = await emulator.issueAccessToken({
      userId: String(stranger.id),
      projectId: otherProject.projectId,
    });
    const r = await challenge(await appWith(client()).request('/api/me', bearer(foreign)));
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('token_invalid');
  });

  it('a refresh token sent as a bearer token: 401', async () => {
    const protekt = client();
    const login = await protekt.auth.login({
      email: 'ada@example.com',
      password: 'correct horse battery',
    });
    expect(login.error).toBeNull();
    const r = await challenge(
      await appWith(protekt).request('/api/me', bearer(login.refreshToken!)),
    );
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('token_invalid');
  });

  it('expired token (emulator clock moved past exp, client clock follows): 401 token_expired', async () => {
    const short = await emulator.issueAccessToken({ userId, expiresIn: 60 });
    const app = appWith(client());
    expect((await app.request('/api/me', bearer(short))).status).toBe(200);
    emulator.clock.advance(61_000 + 5_000 + 1_000); // past exp and the 5 s clock tolerance
    const r = await challenge(await app.request('/api/me', bearer(short)));
    expect(r).toEqual({
      status: 401,
      www: 'Bearer realm="protekt", error="invalid_token", error_description="The access token expired"',
      cache: 'no-store',
      body: { error: { code: 'token_expired', message: 'The access token expired' } },
    });
  });

  it('revoked token, revocationCheck.maxAge 0: 401 token_revoked on the next request', async () => {
    const protekt = client({ revocationCheck: { maxAge: 0 } });
    const app = appWith(protekt);
    expect((await app.request('/api/me', bearer(token))).status).toBe(200);
    expect((await protekt.auth.logout(token)).error).toBeNull();
    const r = await challenge(await app.request('/api/me', bearer(token)));
    expect(r.status).toBe(401);
    expect(r.www).toBe(
      'Bearer realm="protekt", error="invalid_token", error_description="The access token was revoked"',
    );
    expect(r.body.error.code).toBe('token_revoked');
  });

  it('revoked by another instance, default window (30 s): served from the cache inside it, refused after it', async () => {
    const app = appWith(client());
    expect((await app.request('/api/me', bearer(token))).status).toBe(200);
    // Another server (another client) revokes it: this one learns it when its answer expires.
    expect((await client().auth.revokeToken(token)).error).toBeNull();
    expect((await app.request('/api/me', bearer(token))).status).toBe(200);
    emulator.clock.advance(31_000);
    expect((await app.request('/api/me', bearer(token))).status).toBe(401);
  });

  it('revoked through the same client: refused at once', async () => {
    const protekt = client();
    const app = appWith(protekt);
    expect((await app.request('/api/me', bearer(token))).status).toBe(200);
    expect((await protekt.auth.revokeToken(token)).error).toBeNull();
    const res = await challenge(await app.request('/api/me', bearer(token)));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: { code: 'token_revoked', message: 'The access token was revoked' },
    });
  });

  it('JWKS down with a cold cache: 503 service_unavailable with Retry-After, not 401', async () => {
    emulator.faults.add({ path: '/.well-known/jwks.json', status: 503, times: Infinity });
    const r = await challenge(await appWith(client()).request('/api/me', bearer(token)));
    expect(r.status).toBe(503);
    expect(r.www).toBeNull();
    expect(r.cache).toBe('no-store');
    expect(r.body).toEqual({
      error: { code: 'service_unavailable', message: 'Authentication is temporarily unavailable' },
    });
  });

  it('503 carries Retry-After: the ProtektError’s retryAfter, else 5 seconds', async () => {
    const outage = (details: Record<string, unknown>) =>
      Protekt.mock<Meta>({
        verifyToken: async () => {
          throw new ProtektError('service_unavailable', 'down', { status: 503, details });
        },
      });
    const withHint = await appWith(outage({ retryAfter: 42 })).request('/api/me', bearer(token));
    expect(withHint.status).toBe(503);
    expect(withHint.headers.get('retry-after')).toBe('42');
    const without = await appWith(outage({})).request('/api/me', bearer(token));
    expect(without.headers.get('retry-after')).toBe('5');
  });

  it('fail-closed revocation with Protekt unreachable: 503', async () => {
    const protekt = client({ revocationCheck: { maxAge: 0, failClosed: true } });
    const app = appWith(protekt);
    expect((await app.request('/api/me', bearer(token))).status).toBe(200); // keys now cached
    emulator.faults.add({ path: '/auth/token/verify', drop: true, times: Infinity });
    expect((await app.request('/api/me', bearer(token))).status).toBe(503);
  });

  it('an error that is not a ProtektError goes to the Hono error handler (500), not 503', async () => {
    const broken = Protekt.mock<Meta>({
      verifyToken: async () => {
        throw new TypeError('bug');
      },
    });
    const app = appWith(broken);
    const seen: unknown[] = [];
    app.onError((err, c) => {
      seen.push(err);
      return c.text('oops', 500);
    });
    const res = await app.request('/api/me', bearer(token));
    expect(res.status).toBe(500);
    expect(seen[0]).toBeInstanceOf(TypeError);
  });

  it('does not echo the token or the verifier message in its answer', async () => {
    const res = await appWith(client()).request('/api/me', bearer(`${token}x`));
    const text = `${res.headers.get('www-authenticate')} ${await res.text()}`;
    expect(text).not.toContain(token.slice(0, 20));
  });

  it('a realm option is used', async () => {
    const app = new Hono();
    app.use(protektAuth({ client: client(), realm: 'my api' }));
    app.get('/', (c) => c.text('x'));
    expect((await app.request('/')).headers.get('www-authenticate')).toBe('Bearer realm="my api"');
  });

  it('a realm that would break the header is refused when the app is built', () => {
    for (const realm of ['my "api"', 'a\\b', 'line\r\nSet-Cookie: x=1', 'é']) {
      expect(() => protektAuth({ client: client(), realm })).toThrow(
        expect.objectContaining({ code: 'config_invalid', details: { option: 'realm' } }),
      );
    }
  });
});

describe('protektAuth: optional mode', () => {
  it('no token: the request goes through with user and claims null', async () => {
    const res = await appWith(client()).request('/maybe');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: null, claims: null });
  });

  it('valid token: the user is set', async () => {
    const res = await appWith(client()).request('/maybe', bearer(token));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { id: string } }).user.id).toBe(userId);
  });

  it('a token that is present but bad is still refused (401), so the caller knows to refresh', async () => {
    const res = await appWith(client()).request('/maybe', bearer('not-a-jwt'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});

describe('protektAuth: cookie mode', () => {
  const cookie = (t: string) => ({
    headers: { cookie: `theme=dark; protekt_access=${t}; other=1` },
  });

  it('reads the token from the named cookie', async () => {
    const res = await appWith(client(), { cookie: 'protekt_access' }).request(
      '/api/me',
      cookie(token),
    );
    expect(res.status).toBe(200);
  });

  it('a bad cookie token: 401 invalid_token', async () => {
    const res = await appWith(client(), { cookie: 'protekt_access' }).request(
      '/api/me',
      cookie('garbage'),
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('token_invalid');
  });

  it('the Authorization header wins over the cookie', async () => {
    const app = appWith(client(), { cookie: 'protekt_access' });
    const res = await app.request('/api/me', {
      headers: { cookie: `protekt_access=${token}`, authorization: 'Bearer garbage' },
    });
    expect(res.status).toBe(401);
  });

  it('without the cookie option, cookies are ignored', async () => {
    const res = await appWith(client()).request('/api/me', cookie(token));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="protekt"');
  });

  it('an empty cookie counts as no token; optional mode lets it through anonymously', async () => {
    const app = appWith(client(), { cookie: 'protekt_access' });
    expect((await app.request('/api/me', cookie(''))).status).toBe(401);
    expect(await (await app.request('/maybe', cookie(''))).json()).toEqual({
      user: null,
      claims: null,
    });
  });
});

describe('protektAuth: client from c.env (Workers)', () => {
  type Bindings = { PROTEKT_LOGIN_ID: string; PROTEKT_API_KEY: string; CACHE: object };

  function envApp(made: Protekt<Meta>[]) {
    const app = new Hono<{ Bindings: Bindings; Variables: ProtektVariables<Meta> }>();
    app.use(
      '/api/*',
      protektAuth({
        fromEnv: (env: Bindings) => {
          const p = new Protekt<Meta>({
            loginId: env.PROTEKT_LOGIN_ID,
            apiKey: env.PROTEKT_API_KEY,
            fetch: emulator.fetch,
          });
          made.push(p);
          return p;
        },
      }),
    );
    app.get('/api/me', (c) => c.json({ id: c.get('user').id }));
    return app;
  }

  it('builds the client once for the isolate, on the first request that needs it', async () => {
    const made: Protekt<Meta>[] = [];
    const app = envApp(made);
    const env: Bindings = {
      PROTEKT_LOGIN_ID: emulator.project.loginId,
      PROTEKT_API_KEY: emulator.project.apiKey,
      CACHE: {},
    };
    expect((await app.request('/api/me', {}, env)).status).toBe(401); // no token: no client needed
    expect(made).toHaveLength(0);
    for (let i = 0; i < 3; i++)
      expect((await app.request('/api/me', bearer(token), env)).status).toBe(200);
    // A new env object with the same values (e.g. a runtime that passes a fresh object per
    // request).
    expect((await app.request('/api/me', bearer(token), { ...env, CACHE: {} })).status).toBe(200);
    expect(made).toHaveLength(1);
  });

  it('other bindings (another project) get their own client', async () => {
    const made: Protekt<Meta>[] = [];
    const app = envApp(made);
    const other = emulator.createProject();
    await app.request('/api/me', bearer(token), {
      PROTEKT_LOGIN_ID: emulator.project.loginId,
      PROTEKT_API_KEY: emulator.project.apiKey,
      CACHE: {},
    });
    const res = await app.request('/api/me', bearer(token), {
      PROTEKT_LOGIN_ID: other.loginId,
      PROTEKT_API_KEY: other.apiKey,
      CACHE: {},
    });
    expect(res.status).toBe(401); // the token is for the first project
    expect(made).toHaveLength(2);
  });

  it('a factory that throws (missing secret) goes to the error handler and is retried next time', async () => {
    let calls = 0;
    const app = new Hono<{ Bindings: Partial<Bindings> }>();
    app.use(
      protektAuth({
        fromEnv: (env: Partial<Bindings>) => {
          calls++;
          return new Protekt({
            loginId: env.PROTEKT_LOGIN_ID ?? '',
            apiKey: env.PROTEKT_API_KEY ?? '',
            fetch: emulator.fetch,
          });
        },
      }),
    );
    app.get('/', (c) => c.text('ok'));
    app.onError((err, c) => c.json({ thrown: (err as ProtektError).code }, 500));
    const res = await app.request('/', bearer(token), {});
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ thrown: 'config_invalid' });
    await app.request('/', bearer(token), {});
    expect(calls).toBe(2);
    const ok = await app.request('/', bearer(token), {
      PROTEKT_LOGIN_ID: emulator.project.loginId,
      PROTEKT_API_KEY: emulator.project.apiKey,
    });
    expect(ok.status).toBe(200);
  });

  it('works without any env (app.fetch(request) on Deno/Bun/Node)', async () => {
    let calls = 0;
    const app = new Hono();
    app.use(
      protektAuth({
        fromEnv: () => {
          calls++;
          return client();
        },
      }),
    );
    app.get('/', (c) => c.text('ok'));
    expect((await app.fetch(new Request('http://x/', bearer(token)))).status).toBe(200);
    expect((await app.fetch(new Request('http://x/', bearer(token)))).status).toBe(200);
    expect(calls).toBe(1);
  });

  it('refuses to be configured with neither or both of client and fromEnv', () => {
    expect(() => protektAuth({} as never)).toThrow(TypeError);
    expect(() => protektAuth({ client: client(), fromEnv: () => client() } as never)).toThrow(
      TypeError,
    );
  });
});

describe('protektAuth: types', () => {
  it('types c.get("user") as ProtektUser<M> (required) or ProtektUser<M> | null (optional)', () => {
    const protekt = client();
    const app = new Hono();
    app.get('/req', protektAuth({ client: protekt }), (c) => {
      expectTypeOf(c.get('user')).toEqualTypeOf<ProtektUser<Meta>>();
      expectTypeOf(c.get('user').metadata.plan).toEqualTypeOf<'free' | 'pro'>();
      expectTypeOf(c.get('claims')).toEqualTypeOf<ProtektClaims>();
      return c.text('x');
    });
    app.get('/opt', protektAuth({ client: protekt, optional: true }), (c) => {
      expectTypeOf(c.get('user')).toEqualTypeOf<ProtektUser<Meta> | null>();
      return c.text('x');
    });
    const flag: boolean = Math.random() > 2;
    app.get('/flag', protektAuth({ client: protekt, optional: flag }), (c) => {
      expectTypeOf(c.get('user')).toEqualTypeOf<ProtektUser<Meta> | null>();
      return c.text('x');
    });
    const typed = new Hono<{ Variables: ProtektOptionalVariables<Meta> }>();
    typed.use(protektAuth({ client: protekt, optional: true }));
    expectTypeOf<ProtektVariables<Meta>['user']>().toEqualTypeOf<ProtektUser<Meta>>();
  });
});

describe('protektAuth: mistakes and the onError hook', () => {
  it('an unknown option is refused when the app is built, naming the nearest', () => {
    expect(() => protektAuth({ client: client(), cookies: 'session' } as never)).toThrow(
      expect.objectContaining({
        code: 'config_invalid',
        message: 'protektAuth option cookies is unknown: did you mean cookie?',
        details: { option: 'cookies' },
      }),
    );
  });

  it('onError sees every refusal with its cause, and the default answer stands', async () => {
    const seen: { code: string; status: number; reason: unknown }[] = [];
    const app = new Hono();
    app.use(
      '/api/*',
      protektAuth({
        client: client(),
        onError: (error) => {
          const reason = (error.cause as { details?: { reason?: unknown } } | undefined)?.details
            ?.reason;
          seen.push({ code: error.code, status: error.status, reason });
          return undefined;
        },
      }),
    );
    app.get('/api/me', (c) => c.text('ok'));
    expect((await app.request('/api/me')).status).toBe(401);
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await app.request('/api/me', bearer(forged))).status).toBe(401);
    expect((await app.request('/api/me', bearer(token))).status).toBe(200);
    expect(seen).toEqual([
      { code: 'token_missing', status: 401, reason: undefined },
      { code: 'token_invalid', status: 401, reason: 'signature' },
    ]);
  });

  it('onError may answer instead (a redirect to the login page)', async () => {
    const app = new Hono();
    app.use(
      '/app/*',
      protektAuth({
        client: client(),
        onError: (error, c) =>
          error.status === 401 ? c.redirect('/login?reason=' + error.code, 302) : undefined,
      }),
    );
    app.get('/app/home', (c) => c.text('home'));
    const res = await app.request('/app/home');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login?reason=token_missing');
  });

  it('an outage reaches onError with the thrown ProtektError, and Retry-After is bounded', async () => {
    const causes: unknown[] = [];
    const down = Protekt.mock<Meta>({
      verifyToken: async () => {
        throw new ProtektError('service_unavailable', 'down', {
          status: 503,
          details: { retryAfter: 99_999_999 },
        });
      },
    });
    const app = new Hono();
    app.use('*', protektAuth({ client: down, onError: (e) => void causes.push(e.cause) }));
    app.get('/', (c) => c.text('x'));
    const res = await app.request('/', bearer(token));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('300');
    expect(causes).toHaveLength(1);
    expect(causes[0]).toBeInstanceOf(ProtektError);
  });
});
