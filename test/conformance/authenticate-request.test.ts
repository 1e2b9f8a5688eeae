/**
 * `protekt.auth.authenticateRequest` on every runtime of the matrix: the refusal table of
 * docs/middleware.md answered with ready `Response`s, a web `Request` in, against the emulator
 * in-process. Portable subset only (see README.md in this folder).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Protekt } from '@protekt/node';
import { createEmulator, type Emulator } from '@protekt/node/testing';

let emulator: Emulator;
let userId = '';
let token = '';

const client = (): Protekt =>
  new Protekt({
    loginId: emulator.project.loginId,
    apiKey: emulator.project.apiKey,
    fetch: emulator.fetch,
    maxRetries: 0,
    revocationCheck: { maxAge: 0 },
    now: () => emulator.clock.now(),
  });

const request = (headers: Record<string, string> = {}): Request =>
  new Request('https://app.example/api/me', { headers });

/** A refusal's status, headers that matter and body. */
async function refusal(response: Response | null) {
  if (!response) return null;
  return {
    status: response.status,
    www: response.headers.get('www-authenticate'),
    cache: response.headers.get('cache-control'),
    body: await response.json(),
  };
}

describe('protekt.auth.authenticateRequest', () => {
  beforeAll(async () => {
    emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    const user = await emulator.createUser({ email: 'ada@example.com' });
    userId = String(user.id);
    token = await emulator.issueAccessToken({ userId });
  });

  it('a valid bearer token (scheme in any case): the user, claims and token, no response', async () => {
    const result = await client().auth.authenticateRequest(
      request({ authorization: `bearer ${token}` }),
    );
    expect(result.response).toBeNull();
    expect(result.error).toBeNull();
    expect(result.user?.id).toBe(userId);
    expect(result.claims?.sub).toBe(userId);
    expect(result.token).toBe(token);
  });

  it('no token: 401 with the bare challenge and no-store', async () => {
    const result = await client().auth.authenticateRequest(request());
    expect(await refusal(result.response)).toEqual({
      status: 401,
      www: 'Bearer realm="protekt"',
      cache: 'no-store',
      body: { error: { code: 'token_missing', message: 'A bearer token is required' } },
    });
  });

  it('a forged token: 401 invalid_token', async () => {
    const other = createEmulator({ pbkdf2Iterations: 1_000 });
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${(await other.signToken({ sub: userId })).split('.')[2]}`;
    const result = await client().auth.authenticateRequest(
      request({ authorization: `Bearer ${forged}` }),
    );
    expect(await refusal(result.response)).toEqual({
      status: 401,
      www: 'Bearer realm="protekt", error="invalid_token", error_description="The access token is invalid"',
      cache: 'no-store',
      body: { error: { code: 'token_invalid', message: 'The access token is invalid' } },
    });
  });

  it('a revoked token: 401 token_revoked; the cookie option and the realm are used', async () => {
    const fresh = await emulator.issueAccessToken({ userId });
    const protekt = client();
    expect((await protekt.auth.revokeToken(fresh)).error).toBeNull();
    const result = await protekt.auth.authenticateRequest(
      request({ cookie: `protekt_access=${fresh}` }),
      { cookie: 'protekt_access', realm: 'api' },
    );
    const answer = await refusal(result.response);
    expect(answer?.status).toBe(401);
    expect(answer?.www).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token was revoked"',
    );
    expect(result.error?.code).toBe('token_revoked');
  });

  it('optional: a request without a token goes through with every field null', async () => {
    const result = await client().auth.authenticateRequest(request(), { optional: true });
    expect(result).toEqual({ user: null, claims: null, token: null, error: null, response: null });
  });

  it('JWKS down with a cold cache: 503 with a bounded Retry-After, not a 401', async () => {
    // A new emulator: a project whose keys no client of this runtime has seen yet.
    const cold = createEmulator({ pbkdf2Iterations: 1_000 });
    const user = await cold.createUser({ email: 'cold@example.com' });
    const coldToken = await cold.issueAccessToken({ userId: String(user.id) });
    const fault = cold.faults.add({ path: '/.well-known/jwks.json', status: 503, times: Infinity });
    try {
      const coldClient = new Protekt({
        loginId: cold.project.loginId,
        apiKey: cold.project.apiKey,
        fetch: cold.fetch,
        maxRetries: 0,
      });
      const result = await coldClient.auth.authenticateRequest(
        request({ authorization: `Bearer ${coldToken}` }),
      );
      const retryAfter = Number(result.response?.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(300);
      expect(await refusal(result.response)).toEqual({
        status: 503,
        www: null,
        cache: 'no-store',
        body: {
          error: {
            code: 'service_unavailable',
            message: 'Authentication is temporarily unavailable',
          },
        },
      });
    } finally {
      fault.remove();
    }
  });
});
