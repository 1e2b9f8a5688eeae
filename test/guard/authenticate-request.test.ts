/**
 * `protekt.auth.authenticateRequest` (src/guard) against the emulator in-process: the refusal table
 * with ready answers, the token's sources (bearer in any case, cookie), optional mode, realm,
 * option mistakes, and what the result carries. Portable: web standards only.
 */
import { beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  Protekt,
  ProtektError,
  type AuthenticateRequestResult,
  type ProtektUser,
} from '../../src/index.js';
import { authenticateRequest } from '../../src/guard/index.js';
import { checkRefusalTable, guardFixture } from '../support/guard-table.js';

let fixture: Awaited<ReturnType<typeof guardFixture>>;
beforeEach(async () => {
  fixture = await guardFixture();
});

const request = (headers: Record<string, string> = {}) =>
  new Request('https://app.example/api/me', { headers });

/** The result's answer as the table reads it, or `{ id }` for a let-through request. */
async function answer(result: AuthenticateRequestResult) {
  if (result.response) {
    return {
      status: result.response.status,
      headers: result.response.headers,
      body: await result.response.json(),
    };
  }
  return { status: 200, headers: new Headers(), body: { id: result.user?.id } };
}

describe('protekt.auth.authenticateRequest', () => {
  it('answers every row of the refusal table with a ready Response', async () => {
    const protekt = fixture.client();
    await checkRefusalTable(fixture, async (headers) =>
      answer(await protekt.auth.authenticateRequest(request(headers))),
    );
  });

  it('a valid token resolves the user, claims and the token itself, and no response', async () => {
    const result = await fixture
      .client()
      .auth.authenticateRequest(request({ authorization: `Bearer ${fixture.token}` }));
    expect(result).toMatchObject({
      user: { id: fixture.userId, email: 'ada@example.com' },
      claims: { sub: fixture.userId },
      token: fixture.token,
      error: null,
      response: null,
    });
  });

  it('a refusal carries the error with its cause, and the token it refused', async () => {
    const protekt = fixture.client();
    await protekt.auth.revokeToken(fixture.token);
    const result = await protekt.auth.authenticateRequest(
      request({ authorization: `Bearer ${fixture.token}` }),
    );
    expect(result.user).toBeNull();
    expect(result.token).toBe(fixture.token);
    expect(result.error).toMatchObject({
      code: 'token_revoked',
      status: 401,
      cause: { code: 'token_revoked' },
    });
    const malformed = await fixture
      .client()
      .auth.authenticateRequest(request({ authorization: 'Bearer ==' }));
    expect(malformed.error?.code).toBe('token_invalid');
    expect(malformed.token).toBeNull();
  });

  it('reads the token from the named cookie when there is no bearer header; the header wins', async () => {
    const protekt = fixture.client();
    const cookie = `theme=dark; protekt_access=${fixture.token}; x=1`;
    const fromCookie = await protekt.auth.authenticateRequest(request({ cookie }), {
      cookie: 'protekt_access',
    });
    expect(fromCookie.user?.id).toBe(fixture.userId);
    const quoted = await protekt.auth.authenticateRequest(
      request({ cookie: `protekt_access="${fixture.token}"` }),
      { cookie: 'protekt_access' },
    );
    expect(quoted.user?.id).toBe(fixture.userId);
    const header = await protekt.auth.authenticateRequest(
      request({ cookie, authorization: 'Bearer garbage' }),
      { cookie: 'protekt_access' },
    );
    expect(header.error?.code).toBe('token_invalid');
    const ignored = await protekt.auth.authenticateRequest(request({ cookie }));
    expect(ignored.error?.code).toBe('token_missing');
  });

  it('optional: no token resolves every field null; a bad token is still refused', async () => {
    const protekt = fixture.client();
    expect(await protekt.auth.authenticateRequest(request(), { optional: true })).toEqual({
      user: null,
      claims: null,
      token: null,
      error: null,
      response: null,
    });
    const empty = await protekt.auth.authenticateRequest(request({ cookie: 'protekt_access=' }), {
      optional: true,
      cookie: 'protekt_access',
    });
    expect(empty.response).toBeNull();
    const bad = await protekt.auth.authenticateRequest(request({ authorization: 'Bearer x.y.z' }), {
      optional: true,
    });
    expect(bad.response?.status).toBe(401);
  });

  it('uses the realm in every challenge', async () => {
    const protekt = fixture.client();
    await checkRefusalTable(
      fixture,
      async (headers) =>
        answer(await protekt.auth.authenticateRequest(request(headers), { realm: 'api' })),
      'api',
    );
  });

  it('takes anything with a Headers: a plain object with get()', async () => {
    const headers = new Map([['authorization', `Bearer ${fixture.token}`]]);
    const result = await authenticateRequest(fixture.client().auth, {
      headers: { get: (name) => headers.get(name) },
    });
    expect(result.user?.id).toBe(fixture.userId);
  });

  it('refuses a bad option or request with a clear error, never a 401', async () => {
    const auth = fixture.client().auth;
    await expect(
      auth.authenticateRequest(request(), { cookies: 'session' } as never),
    ).rejects.toMatchObject({
      code: 'config_invalid',
      message: 'authenticateRequest option cookies is unknown: did you mean cookie?',
    });
    for (const realm of ['a"b', 'a\\b', 'a\nb']) {
      await expect(auth.authenticateRequest(request(), { realm })).rejects.toMatchObject({
        code: 'config_invalid',
        details: { option: 'realm' },
      });
    }
    await expect(auth.authenticateRequest(request(), { optional: 'yes' } as never)).rejects.toThrow(
      ProtektError,
    );
    await expect(auth.authenticateRequest({} as never)).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('an optional set on a polluted Object.prototype loosens nothing', async () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.optional = true;
    try {
      const result = await fixture.client().auth.authenticateRequest(request(), {});
      expect(result.error?.code).toBe('token_missing');
    } finally {
      delete proto.optional;
    }
  });

  it('rethrows an error that is not a ProtektError (a bug), instead of answering', async () => {
    const mock = Protekt.mock({
      verifyToken: async () => {
        throw new TypeError('bug in a mock');
      },
    });
    await expect(
      authenticateRequest(mock.auth, request({ authorization: `Bearer ${fixture.token}` })),
    ).rejects.toThrow(TypeError);
  });

  it('Protekt.mock: authenticateRequest runs over the mocked verifyToken unless mocked itself', async () => {
    const user = { id: 'usr_mock', email: 'm@example.com', emailVerified: true, metadata: {} };
    const claims = { iss: 'x', sub: 'usr_mock', aud: 'lp_x', iat: 0, exp: 0 };
    const seen: string[] = [];
    const mock = Protekt.mock({
      verifyToken: async (token) => {
        seen.push(token);
        return token === 'good'
          ? { user, claims, error: null }
          : {
              user: null,
              claims: null,
              error: { code: 'token_expired', message: 'expired', status: 401 },
            };
      },
    });
    const ok = await mock.auth.authenticateRequest(request({ authorization: 'bearer good' }));
    expect(ok).toMatchObject({ user: { id: 'usr_mock' }, token: 'good', response: null });
    const refused = await mock.auth.authenticateRequest(request({ authorization: 'Bearer old' }));
    expect(refused.response?.status).toBe(401);
    expect(refused.response?.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await mock.auth.authenticateRequest(request())).error?.code).toBe('token_missing');
    expect(seen).toEqual(['good', 'old']);
    const own = Protekt.mock({ auth: { authenticateRequest: async () => ok } });
    expect(await own.auth.authenticateRequest(request())).toBe(ok);
    await expect(
      Protekt.mock({}).auth.authenticateRequest(request({ authorization: 'Bearer x' })),
    ).rejects.toMatchObject({
      code: 'not_mocked',
      message: expect.stringContaining('verifyToken'),
    });
  });

  it('types: user is a ProtektUser once the response is ruled out (required mode)', async () => {
    const result = await fixture.client().auth.authenticateRequest(request());
    if (!result.response) expectTypeOf(result.user).toEqualTypeOf<ProtektUser>();
    const maybe = await fixture.client().auth.authenticateRequest(request(), { optional: true });
    if (!maybe.response) expectTypeOf(maybe.user).toEqualTypeOf<ProtektUser | null>();
  });
});
