/**
 * The client on every runtime: the main flows against the in-process emulator, the error model
 * (returned vs thrown), local validation, and the transport's retries, idempotency and timeout.
 * Portable subset only (see README.md beside this file).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Protekt, ProtektError } from '@protekt/node';
import { createEmulator, totp } from '@protekt/node/testing';

type Emulator = ReturnType<typeof createEmulator>;

let emulator: Emulator;
let n = 0;
const email = (): string => `conformance.${Date.now().toString(36)}.${++n}@example.com`;
const PASSWORD = 'conformance password';

function client(extra: Record<string, unknown> = {}): Protekt {
  return new Protekt({
    loginId: emulator.project.loginId,
    apiKey: emulator.project.apiKey,
    fetch: emulator.fetch,
    ...extra,
  });
}

beforeAll(() => {
  emulator = createEmulator({ pbkdf2Iterations: 1_000 });
});
afterEach(() => {
  emulator.faults.clear();
});

describe('user seams', () => {
  it('logout, then verifyToken on the same client: token_revoked at once, with the default window', async () => {
    const protekt = new Protekt(emulator.clientOptions);
    const signup = await protekt.auth.signUp({ email: email(), password: PASSWORD });
    if (signup.error) throw new Error(signup.error.code);
    expect((await protekt.auth.verifyToken(signup.accessToken)).error).toBeNull();
    expect(await protekt.auth.logout(signup.accessToken)).toEqual({ error: null });
    const after = await protekt.auth.verifyToken(signup.accessToken);
    expect(after.error?.code).toBe('token_revoked');
  });

  it('an unknown option names the nearest known one', () => {
    let message = '';
    try {
      new Protekt({ ...emulator.clientOptions, ...{ timout: 100 } });
    } catch (error) {
      expect(error).toBeInstanceOf(ProtektError);
      message = (error as ProtektError).message;
    }
    expect(message).toBe('Protekt option timout is unknown: did you mean timeout?');
  });

  it('Protekt.fromEnv reads an env object (a Worker binding, a Deno env)', () => {
    const protekt = Protekt.fromEnv({
      PROTEKT_LOGIN_ID: emulator.project.loginId,
      PROTEKT_API_KEY: emulator.project.apiKey,
      PROTEKT_BASE_URL: '',
    });
    expect(protekt.toJSON()).toEqual({
      loginId: emulator.project.loginId,
      baseUrl: 'https://auth.protekt.io/v1',
    });
  });
});

describe('client flows', () => {
  it('sign-up, login, verify, refresh, sessions, logout', async () => {
    const protekt = client({ revocationCheck: { maxAge: 0 } });
    const address = email();
    const signup = await protekt.auth.signUp({
      email: address,
      password: PASSWORD,
      metadata: { plan: 'pro' },
    });
    expect(signup.error).toBeNull();
    const login = await protekt.auth.login({ email: address, password: PASSWORD });
    if (login.error) throw new Error(login.error.code);
    expect(login.user.email).toBe(address);

    const verified = await protekt.auth.verifyToken(login.accessToken);
    expect(verified.error).toBeNull();
    expect(verified.user?.id).toBe(signup.user?.id);
    expect(verified.user?.metadata).toMatchObject({ plan: 'pro' });

    const refreshed = await protekt.auth.refreshToken(login.refreshToken);
    expect(refreshed.error).toBeNull();
    const sessions = await protekt.sessions.list(refreshed.accessToken!);
    expect(sessions.sessions?.length).toBe(2);

    expect(await protekt.auth.logout(refreshed.accessToken!)).toEqual({ error: null });
    const after = await protekt.auth.verifyToken(refreshed.accessToken!);
    expect(after.error?.code).toBe('token_revoked');
    expect((await protekt.auth.refreshToken(login.refreshToken)).error?.code).toBe(
      'refresh_token_invalid',
    );
  });

  it('the MFA login challenge, completed with a TOTP code', async () => {
    const protekt = client();
    const address = email();
    const { accessToken } = await protekt.auth.signUp({ email: address, password: PASSWORD });
    const enroll = await protekt.mfa.enroll({ method: 'totp' }, accessToken!);
    const secret = new URL(enroll.totpUri!).searchParams.get('secret')!;
    expect(
      (await protekt.mfa.verify({ code: await totp(secret, emulator.clock.now()) }, accessToken!))
        .enrolled,
    ).toBe(true);

    const login = await protekt.auth.login({ email: address, password: PASSWORD });
    expect(login.error?.code).toBe('mfa_required');
    const challenge = login.error as { mfaToken: string; availableMethods: string[] };
    expect(challenge.availableMethods).toEqual(['totp']);
    const done = await protekt.mfa.verifyLogin({
      mfaToken: challenge.mfaToken,
      code: await totp(secret, emulator.clock.now()),
    });
    expect(done.error).toBeNull();
    expect(done.user?.email).toBe(address);
  });

  it('passwordless by OTP through the outbox', async () => {
    const protekt = client();
    const address = email();
    expect((await protekt.auth.sendOtp({ email: address })).error).toBeNull();
    const code = emulator.outbox.last({ to: address, kind: 'otp' })?.code ?? '';
    const result = await protekt.auth.verifyOtp({ email: address, otp: code });
    expect(result.error).toBeNull();
    expect(result.user?.emailVerified).toBe(true);
  });
});

describe('error model', () => {
  it('expected failures come back in error, every field null', async () => {
    const protekt = client();
    const result = await protekt.auth.login({ email: email(), password: 'wrong password' });
    expect(result).toEqual({
      user: null,
      accessToken: null,
      refreshToken: null,
      expiresIn: null,
      tokenType: null,
      mfaEnrollmentRequired: null,
      error: { code: 'invalid_credentials', message: expect.stringMatching(/./), status: 401 },
    });
  });

  it('bad input is refused before anything is sent', async () => {
    const protekt = client();
    const before = emulator.faults.hits('/auth/signup');
    expect((await protekt.auth.signUp({ email: 'nope', password: PASSWORD })).error).toMatchObject({
      code: 'invalid_email',
      status: 0,
    });
    expect((await protekt.auth.signUp({ email: email(), password: 'short' })).error).toMatchObject({
      code: 'weak_password',
      status: 0,
    });
    expect((await protekt.users.get(42 as never)).error).toMatchObject({
      code: 'invalid_request',
      status: 0,
    });
    expect((await protekt.auth.sendOtp({ phone: '555-1234' })).error).toMatchObject({
      code: 'invalid_phone',
      status: 0,
    });
    expect(emulator.faults.hits('/auth/signup')).toBe(before);
  });

  it('configuration mistakes and a rejected key throw ProtektError', async () => {
    expect(() => new Protekt({ loginId: '', apiKey: 'pk_test_12345678' })).toThrow(ProtektError);
    expect(
      () => new Protekt({ loginId: 'lp_abcd', apiKey: 'pk_test_12345678', baseUrl: 'ftp://x' }),
    ).toThrow(/baseUrl/);
    const wrong = client({ apiKey: 'pk_test_not_the_key_1' });
    await expect(wrong.users.list()).rejects.toMatchObject({ code: 'invalid_api_key' });
    await expect(wrong.users.list()).rejects.toBeInstanceOf(ProtektError);
  });

  it('the client never serialises its API key', () => {
    const protekt = client();
    expect(JSON.stringify(protekt)).not.toContain(emulator.project.apiKey);
    expect(Object.keys(protekt)).not.toContain('apiKey');
    expect(Object.keys(protekt)).not.toContain('managementToken');
  });

  it("the runtime's console view of the client is its one-line summary (Deno and Bun; Node's is tested in test/client)", () => {
    const protekt = client();
    const runtime = globalThis as {
      Deno?: { inspect(v: unknown): string };
      Bun?: { inspect(v: unknown): string };
    };
    const inspect = runtime.Deno?.inspect ?? runtime.Bun?.inspect;
    // workerd and the Edge runtime have no inspect function to call: their console is Node's or
    // V8's own.
    if (!inspect) return;
    expect(inspect(protekt)).toBe(
      `Protekt { loginId: '${emulator.project.loginId}', baseUrl: 'https://auth.protekt.io/v1' }`,
    );
    expect(inspect({ nested: protekt })).toContain(
      `nested: Protekt { loginId: '${emulator.project.loginId}'`,
    );
  });
});

describe('transport', () => {
  it('two 503s then success: three attempts, one idempotency key', async () => {
    const protekt = client();
    emulator.faults.add({ path: '/auth/signup', status: 503, times: 2 });
    const start = emulator.requests.length;
    expect((await protekt.auth.signUp({ email: email(), password: PASSWORD })).error).toBeNull();
    const keys = emulator.requests
      .slice(start)
      .filter((r) => r.path === '/auth/signup')
      .map((r) => r.idempotencyKey);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
  });

  it('a hang ends at the timeout with a thrown timeout error', async () => {
    const protekt = client({ timeout: 100, maxRetries: 0 });
    emulator.faults.add({ path: '/auth/users', delayMs: 3_000 });
    const error = await protekt.users.list().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProtektError);
    expect((error as ProtektError).code).toBe('timeout');
  });

  it('a 429 with Retry-After: 1 is waited for, then succeeds', async () => {
    const protekt = client();
    emulator.faults.add({ path: '/auth/users', status: 429, retryAfter: 1 });
    const started = Date.now();
    expect((await protekt.users.list()).error).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});
