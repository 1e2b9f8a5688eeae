/**
 * The code samples of the SDK's landing page (sdk-node/overview.md), run as written against the
 * emulator. The samples use the default base URL, so the global fetch is pointed at the
 * emulator for the duration (no sample line is changed for it); fixed ids in the page
 * (`'usr_9klabc'`) are the only substitution, since ids are the emulator's to choose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Protekt, type ProtektUser, type AuthTokenResponse } from '../../src/index.js';
import { createEmulator } from '../../src/testing/index.js';

const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
const realFetch = globalThis.fetch;
const env = {
  PROTEKT_LOGIN_ID: emulator.project.loginId,
  PROTEKT_API_KEY: emulator.project.apiKey,
};
const process = { env };

beforeAll(() => {
  globalThis.fetch = emulator.fetch as typeof fetch;
});
afterAll(() => {
  globalThis.fetch = realFetch;
});

// lib/protekt.js
const protekt = new Protekt({
  loginId: process.env.PROTEKT_LOGIN_ID,
  apiKey: process.env.PROTEKT_API_KEY,
});

// Express middleware
async function requireAuth(
  req: { headers: { authorization?: string }; user?: unknown },
  res: FakeRes,
  next: () => void,
) {
  const token = req.headers.authorization?.split(' ')[1];

  if (!token) {
    return res.status(401).json({ error: 'Missing token' });
  }

  const { user, error } = await protekt.auth.verifyToken(token);

  if (error) {
    return res.status(401).json({ error: 'Invalid or expired token' });
  }

  req.user = user;
  next();
}

class FakeRes {
  code = 200;
  body: unknown;
  status(code: number) {
    this.code = code;
    return this;
  }
  json(body: unknown) {
    this.body = body;
    return this;
  }
}

describe('sdk-node/overview.md samples', () => {
  let accessTokenFromSignUp = '';

  it('Sign up a user', async () => {
    const { user, accessToken, refreshToken, error } = await protekt.auth.signUp({
      email: 'user@example.com',
      password: 'supersecret123',
      metadata: { plan: 'free' }, // optional: any key-value data
    });
    expect(error).toBeNull();
    expect(user?.metadata).toEqual({ plan: 'free' });
    expect(refreshToken).toMatch(/^rt_/);
    accessTokenFromSignUp = accessToken!;
  });

  it('Verify a token (the Express middleware)', async () => {
    const ok = {
      headers: { authorization: `Bearer ${accessTokenFromSignUp}` } as { authorization?: string },
      user: undefined as unknown,
    };
    let nextCalled = false;
    await requireAuth(ok, new FakeRes(), () => (nextCalled = true));
    expect(nextCalled).toBe(true);
    expect(ok.user).toMatchObject({ email: 'user@example.com' });

    const missing = new FakeRes();
    await requireAuth({ headers: {} }, missing, () => {});
    expect(missing).toMatchObject({ code: 401, body: { error: 'Missing token' } });

    const forged = new FakeRes();
    await requireAuth(
      { headers: { authorization: `Bearer ${accessTokenFromSignUp.slice(0, -4)}AAAA` } },
      forged,
      () => {},
    );
    expect(forged).toMatchObject({ code: 401, body: { error: 'Invalid or expired token' } });
  });

  it('Log in a user (and the MFA branch)', async () => {
    const { user, accessToken, refreshToken, error } = await protekt.auth.login({
      email: 'user@example.com',
      password: 'supersecret123',
    });

    if (error?.code === 'mfa_required') {
      // Prompt user for their MFA code
      // Use error.mfaToken in the next step
    }
    expect(error).toBeNull();
    expect(user?.email).toBe('user@example.com');
    expect(accessToken && refreshToken).toBeTruthy();
  });

  it('Refresh a token, then log out', async () => {
    const login = await protekt.auth.login({
      email: 'user@example.com',
      password: 'supersecret123',
    });
    const existingRefreshToken = login.refreshToken!;

    const { accessToken, refreshToken } = await protekt.auth.refreshToken(existingRefreshToken);
    expect(accessToken).not.toBe(login.accessToken);
    expect(refreshToken).not.toBe(existingRefreshToken);

    await protekt.auth.logout(accessToken!);
    expect((await protekt.auth.refreshToken(refreshToken!)).error?.code).toBe(
      'refresh_token_invalid',
    );
  });

  it('Working with users', async () => {
    const created = await protekt.auth.signUp({
      email: 'second@example.com',
      password: 'supersecret123',
    });
    const id = created.user!.id; // the page's 'usr_9klabc'
    {
      // Get a user by ID
      const { user } = await protekt.users.get(id);
      expect(user?.email).toBe('second@example.com');
    }
    {
      // Update user metadata
      const { user } = await protekt.users.update(id, {
        metadata: { plan: 'pro' },
      });
      expect(user?.metadata).toEqual({ plan: 'pro' });
    }
    // Delete a user
    await protekt.users.delete(id);
    expect((await protekt.users.get(id)).error?.code).toBe('user_not_found');
  });

  it('Session management', async () => {
    const first = await protekt.auth.login({
      email: 'user@example.com',
      password: 'supersecret123',
    });
    const other = await protekt.auth.login({
      email: 'user@example.com',
      password: 'supersecret123',
    });
    const accessToken = first.accessToken!;

    // List a user's active sessions (pass their access token)
    const { sessions } = await protekt.sessions.list(accessToken);
    expect(sessions!.length).toBeGreaterThanOrEqual(2);
    const sessionId = sessions!.find((s) => !s.isCurrent)!.id;

    // Revoke a specific session
    await protekt.sessions.revoke(sessionId, accessToken);

    // Sign out everywhere
    await protekt.sessions.revokeAll(accessToken, { keepCurrent: true });

    const after = await protekt.sessions.list(accessToken);
    expect(after.sessions!.map((s) => s.isCurrent)).toEqual([true]);
    expect((await protekt.sessions.list(other.accessToken!)).error?.code).toBe('token_revoked');
  });

  it('TypeScript support', async () => {
    const response: AuthTokenResponse = await protekt.auth.login({
      email: 'user@example.com',
      password: 'supersecret123',
    });

    // @ts-expect-error The page assigns without checking `error`; the result is a discriminated
    // union, so strict TypeScript asks for `if (response.error) ...` first. At run time it is the
    // user.
    const user: ProtektUser = response.user;
    expect(user.email).toBe('user@example.com');
  });

  it('Error handling', async () => {
    const email = 'user@example.com';
    const password = 'not the password';
    const seen: string[] = [];
    const { user, error } = await protekt.auth.login({ email, password });

    if (error) {
      switch (error.code) {
        case 'invalid_credentials':
          // Wrong email or password
          seen.push('invalid_credentials');
          break;
        case 'mfa_required':
          // Redirect to MFA step
          break;
        case 'rate_limited':
          // Too many attempts
          break;
        default:
          console.error('Unexpected error:', error.message);
      }
    }
    expect(user).toBeNull();
    expect(seen).toEqual(['invalid_credentials']);
  });
});
