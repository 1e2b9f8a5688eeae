/**
 * Where users meet the package (issue 14): mistakes that explain themselves (unknown options with
 * the nearest name, http to a named host only by opt-in, debug lines that say why a token was
 * refused), `Protekt.fromEnv`, revocation that this client knows about taking effect at once,
 * and metadata as large as Protekt stores still making tokens `verifyToken` accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Protekt, ProtektError } from '../../src/index.js';
import { createEmulator } from '../../src/testing/index.js';
import { PASSWORD, freshEmail, startHarness, type Harness } from '../support/harness.js';

const loginId = 'lp_seams_project';
const apiKey = 'pk_seams_key_0123456789';

function configError(make: () => unknown): ProtektError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtektError);
    return error as ProtektError;
  }
  throw new Error('expected a ProtektError');
}

describe('unknown options name the nearest known one', () => {
  it.each([
    [{ timout: 100 }, 'timout', 'did you mean timeout?'],
    [{ baseURL: 'https://auth.example.com/v1' }, 'baseURL', 'did you mean baseUrl?'],
    [{ maxretries: 1 }, 'maxretries', 'did you mean maxRetries?'],
    [{ revocationCheck: { maxage: 0 } }, 'revocationCheck.maxage', 'did you mean maxAge?'],
    [{ verifiedCache: { size: 10 } }, 'verifiedCache.size', 'the known ones are max.'],
  ])('new Protekt(%o) throws config_invalid naming %s', (extra, option, hint) => {
    const error = configError(() => new Protekt({ loginId, apiKey, ...(extra as object) }));
    expect(error.code).toBe('config_invalid');
    expect(error.details).toEqual({ option });
    expect(error.message).toBe(`Protekt option ${option} is unknown: ${hint}`);
  });

  it('a name far from every option lists the known ones', () => {
    const error = configError(() => new Protekt({ loginId, apiKey, ...{ color: 'blue' } }));
    expect(error.message).toMatch(/^Protekt option color is unknown: the known ones are loginId, /);
  });

  it('per-call options too, before anything is sent', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1000 });
    const protekt = new Protekt(emulator.clientOptions);
    const before = emulator.requests.length;
    const call = protekt.auth.login({ email: 'ada@example.com', password: PASSWORD }, {
      timeOut: 10,
    } as never);
    await expect(call).rejects.toMatchObject({
      code: 'invalid_argument',
      message: 'The per-call option timeOut is unknown: did you mean timeout?',
      details: { option: 'timeOut' },
    });
    expect(emulator.requests.length).toBe(before);
  });
});

describe('plain http to a named host', () => {
  it('is refused with the host named and the opt-in said', () => {
    const error = configError(
      () => new Protekt({ loginId, apiKey, baseUrl: 'http://protekt-emulator:8787/v1' }),
    );
    expect(error.details).toEqual({ option: 'baseUrl' });
    expect(error.message).toContain('allowInsecureHttp: true');
    expect(error.message).toContain('protekt-emulator');
  });

  it('works with allowInsecureHttp (a docker-compose or CI service name)', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1000 });
    const seen: string[] = [];
    const protekt = new Protekt({
      ...emulator.clientOptions,
      baseUrl: 'http://protekt-emulator:8787/v1',
      allowInsecureHttp: true,
      fetch: (input, init) => {
        seen.push(String(input));
        return emulator.fetch(input, init);
      },
    });
    const { error } = await protekt.auth.signUp({ email: freshEmail(), password: PASSWORD });
    expect(error).toBeNull();
    expect(seen[0]).toBe('http://protekt-emulator:8787/v1/auth/signup');
  });

  it('allowInsecureHttp must be a boolean', () => {
    const error = configError(
      () => new Protekt({ loginId, apiKey, allowInsecureHttp: 'yes' as unknown as boolean }),
    );
    expect(error.details).toEqual({ option: 'allowInsecureHttp' });
  });
});

describe('debug lines and network errors say where', () => {
  it('a network error names the host and the operation', async () => {
    const protekt = new Protekt({
      loginId,
      apiKey,
      baseUrl: 'https://auth.example.test/v1',
      maxRetries: 0,
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    await expect(
      protekt.auth.login({ email: 'ada@example.com', password: PASSWORD }),
    ).rejects.toMatchObject({
      code: 'network_error',
      message: expect.stringContaining('https://auth.example.test for POST /auth/login'),
    });
  });

  it('a refused token writes one line with its code, reason and what was expected and found', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1000 });
    const other = emulator.createProject();
    const minted = new Protekt(emulator.clientOptions);
    const { accessToken } = await minted.auth.signUp({ email: freshEmail(), password: PASSWORD });
    const lines: string[] = [];
    const debug = (line: string): void => void lines.push(line);

    // A client for another project: the audience differs.
    const wrongProject = new Protekt({ ...emulator.clientOptions, loginId: other.loginId, debug });
    expect((await wrongProject.auth.verifyToken(accessToken!)).error?.details).toEqual({
      reason: 'aud',
    });
    // A client on localhost for tokens minted on the default host: the issuer differs.
    const wrongHost = new Protekt({
      ...emulator.clientOptions,
      baseUrl: 'http://localhost:8787/v1',
      debug,
    });
    await wrongHost.auth.verifyToken(accessToken!);
    // A token longer than maxTokenLength.
    await wrongProject.auth.verifyToken('x'.repeat(20_000));

    const refusals = lines.filter((l) => l.includes('verifyToken: refused'));
    expect(refusals).toEqual([
      `[Protekt] verifyToken: refused token_invalid (aud): expected ${other.loginId} in aud, found ${JSON.stringify([emulator.project.loginId, emulator.project.projectId])}`,
      '[Protekt] verifyToken: refused token_invalid (iss): expected http://localhost:8787, found "https://auth.protekt.io"',
      '[Protekt] verifyToken: refused token_invalid (size): 20000 characters',
    ]);
    for (const line of lines) expect(line).not.toContain(accessToken!);
  });

  it('an unknown kid names the kid and the JWKS asked', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1000 });
    const minted = new Protekt(emulator.clientOptions);
    const { accessToken } = await minted.auth.signUp({ email: freshEmail(), password: PASSWORD });
    const lines: string[] = [];
    const [header, payload, signature] = accessToken!.split('.') as [string, string, string];
    const forgedHeader = btoa(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'gone-key' }))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    expect(forgedHeader).not.toBe(header);
    const protekt = new Protekt({ ...emulator.clientOptions, debug: (l) => void lines.push(l) });
    await protekt.auth.verifyToken(`${forgedHeader}.${payload}.${signature}`);
    expect(lines.filter((l) => l.includes('refused'))).toEqual([
      '[Protekt] verifyToken: refused token_invalid (kid): kid "gone-key" is not published at https://auth.protekt.io/v1/.well-known/jwks.json',
    ]);
  });

  it('request lines carry the base URL in use', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1000 });
    const lines: string[] = [];
    const protekt = new Protekt({ ...emulator.clientOptions, debug: (l) => void lines.push(l) });
    await protekt.auth.requestPasswordReset({ email: 'ada@example.com' });
    expect(lines[0]).toMatch(
      /^\[Protekt\] POST https:\/\/auth\.protekt\.io\/v1\/auth\/password\/reset -> 200 \(\d+ ms\)$/,
    );
  });
});

describe('Protekt.fromEnv', () => {
  const env = { PROTEKT_LOGIN_ID: loginId, PROTEKT_API_KEY: apiKey };

  it('reads the login id, the key and the base URL from an env object', () => {
    const protekt = Protekt.fromEnv({ ...env, PROTEKT_BASE_URL: 'https://auth.example.com/v1' });
    expect(protekt.toJSON()).toEqual({ loginId, baseUrl: 'https://auth.example.com/v1' });
  });

  it('an empty PROTEKT_BASE_URL counts as unset', () => {
    expect(Protekt.fromEnv({ ...env, PROTEKT_BASE_URL: '' }).baseUrl).toBe(
      'https://auth.protekt.io/v1',
    );
  });

  it('a missing variable is named, never a value', () => {
    const error = configError(() => Protekt.fromEnv({ PROTEKT_LOGIN_ID: loginId }));
    expect(error.code).toBe('config_invalid');
    expect(error.message).toBe('Protekt.fromEnv(): PROTEKT_API_KEY is not set.');
  });

  it('takes the other options beside the env', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1000 });
    const protekt = Protekt.fromEnv(
      { PROTEKT_LOGIN_ID: emulator.project.loginId, PROTEKT_API_KEY: emulator.project.apiKey },
      { fetch: emulator.fetch },
    );
    expect(
      (await protekt.auth.signUp({ email: freshEmail(), password: PASSWORD })).error,
    ).toBeNull();
  });
});

describe('revocation this client knows about is immediate', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('in-process');
  });
  afterAll(() => h.close());

  // Sessions of one user, each verified once (so cached) by `protekt`.
  async function signedIn(protekt: Protekt, sessions = 2) {
    const email = freshEmail();
    const first = await protekt.auth.signUp({ email, password: PASSWORD });
    const tokens = [first.accessToken!];
    for (let i = 1; i < sessions; i++) {
      tokens.push((await protekt.auth.login({ email, password: PASSWORD })).accessToken!);
    }
    for (const token of tokens) expect((await protekt.auth.verifyToken(token)).error).toBeNull();
    return { email, userId: first.user!.id, tokens };
  }
  const codeOf = async (protekt: Protekt, token: string) =>
    (await protekt.auth.verifyToken(token)).error?.code ?? 'ok';

  // With the default 30 s window and with revocation checks off: the client's own knowledge does
  // not depend on asking Protekt.
  describe.each([
    ['default revocation check', {}],
    ['revocationCheck: false', { revocationCheck: false as const }],
  ])('%s', (_, options) => {
    it('logout: that token and its session at once', async () => {
      const protekt = h.client(options);
      const { tokens } = await signedIn(protekt);
      expect((await protekt.auth.logout(tokens[0]!)).error).toBeNull();
      expect(await codeOf(protekt, tokens[0]!)).toBe('token_revoked');
      expect(await codeOf(protekt, tokens[1]!)).toBe('ok');
    });

    it('revokeToken: that token', async () => {
      const protekt = h.client(options);
      const { tokens } = await signedIn(protekt);
      expect((await protekt.auth.revokeToken(tokens[0]!)).error).toBeNull();
      expect(await codeOf(protekt, tokens[0]!)).toBe('token_revoked');
    });

    it('sessions.revoke: the tokens of that session', async () => {
      const protekt = h.client(options);
      const { tokens } = await signedIn(protekt);
      const { sessions } = await protekt.sessions.list(tokens[1]!);
      const other = sessions!.find((s) => !s.isCurrent)!;
      expect((await protekt.sessions.revoke(other.id, tokens[1]!)).error).toBeNull();
      expect(await codeOf(protekt, tokens[0]!)).toBe('token_revoked');
      expect(await codeOf(protekt, tokens[1]!)).toBe('ok');
    });

    it('sessions.revokeAll with keepCurrent: every other session', async () => {
      const protekt = h.client(options);
      const { tokens } = await signedIn(protekt, 3);
      const { revokedCount } = await protekt.sessions.revokeAll(tokens[2]!, { keepCurrent: true });
      expect(revokedCount).toBe(2);
      expect(await codeOf(protekt, tokens[0]!)).toBe('token_revoked');
      expect(await codeOf(protekt, tokens[1]!)).toBe('token_revoked');
      expect(await codeOf(protekt, tokens[2]!)).toBe('ok');
    });

    it('sessions.revokeAll: every session, the caller’s own too', async () => {
      const protekt = h.client(options);
      const { tokens } = await signedIn(protekt);
      expect((await protekt.sessions.revokeAll(tokens[1]!)).error).toBeNull();
      for (const token of tokens) expect(await codeOf(protekt, token)).toBe('token_revoked');
    });

    it('changePassword: the other sessions, not the caller’s', async () => {
      const protekt = h.client(options);
      const { tokens } = await signedIn(protekt);
      const changed = await protekt.auth.changePassword(
        { currentPassword: PASSWORD, newPassword: 'an entirely new password' },
        tokens[1]!,
      );
      expect(changed.error).toBeNull();
      expect(await codeOf(protekt, tokens[0]!)).toBe('token_revoked');
      expect(await codeOf(protekt, tokens[1]!)).toBe('ok');
    });

    it('users.update({ disabled }): every token until enabled again', async () => {
      const protekt = h.client(options);
      const { tokens, userId, email } = await signedIn(protekt);
      expect((await protekt.users.update(userId, { disabled: true })).error).toBeNull();
      for (const token of tokens) expect(await codeOf(protekt, token)).toBe('token_revoked');
      expect((await protekt.users.update(userId, { disabled: false })).error).toBeNull();
      h.emulator.clock.advance(1000); // a new token, issued after the account was enabled again
      const again = await protekt.auth.login({ email, password: PASSWORD });
      expect(await codeOf(protekt, again.accessToken!)).toBe('ok');
    });

    it('users.delete: every token of the user', async () => {
      const protekt = h.client(options);
      const { tokens, userId } = await signedIn(protekt);
      expect((await protekt.users.delete(userId)).error).toBeNull();
      for (const token of tokens) expect(await codeOf(protekt, token)).toBe('token_revoked');
    });
  });

  it('the error says this client ended it', async () => {
    const protekt = h.client();
    const { tokens } = await signedIn(protekt, 1);
    await protekt.auth.logout(tokens[0]!);
    expect((await protekt.auth.verifyToken(tokens[0]!)).error).toMatchObject({
      code: 'token_revoked',
      status: 401,
      details: { reason: 'ended_here' },
    });
  });

  it('another user’s tokens are untouched', async () => {
    const protekt = h.client();
    const a = await signedIn(protekt);
    const b = await signedIn(protekt);
    await protekt.sessions.revokeAll(a.tokens[0]!);
    for (const token of b.tokens) expect(await codeOf(protekt, token)).toBe('ok');
  });
});

describe('metadata as large as the emulator stores makes tokens verifyToken accepts', () => {
  // JSON of exactly `bytes` UTF-8 bytes: one key holding text of `char`.
  function metadataOf(bytes: number, char: string): Record<string, string> {
    const charBytes = new TextEncoder().encode(char).length;
    const overhead = new TextEncoder().encode(JSON.stringify({ notes: '' })).length;
    const count = Math.floor((bytes - overhead) / charBytes);
    const value = { notes: char.repeat(count) };
    expect(new TextEncoder().encode(JSON.stringify(value)).length).toBeLessThanOrEqual(bytes);
    return value;
  }

  it.each([
    ['ASCII', 'a'],
    ['three-byte characters', '€'],
  ])('8 KiB of %s metadata: signed up, verified', async (_, char) => {
    const emulator = createEmulator({ pbkdf2Iterations: 1000 });
    const protekt = new Protekt(emulator.clientOptions);
    const metadata = metadataOf(8192, char);
    const signUp = await protekt.auth.signUp({ email: freshEmail(), password: PASSWORD, metadata });
    expect(signUp.error).toBeNull();
    const { user, error } = await protekt.auth.verifyToken(signUp.accessToken!);
    expect(error).toBeNull();
    expect(user!.metadata).toEqual(metadata);
  });

  it('a byte more is refused before sending, with the limit named', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1000 });
    const protekt = new Protekt(emulator.clientOptions);
    const metadata = { notes: '€'.repeat(2728) }; // 8,196 bytes, 2,739 characters
    const { error } = await protekt.auth.signUp({
      email: freshEmail(),
      password: PASSWORD,
      metadata,
    });
    expect(error).toMatchObject({
      code: 'invalid_request',
      status: 0,
      message: 'metadata must be a JSON object of at most 8 KiB (UTF-8).',
    });
  });

  it('updates cannot merge past the limit either', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1000 });
    const protekt = new Protekt(emulator.clientOptions);
    const signUp = await protekt.auth.signUp({
      email: freshEmail(),
      password: PASSWORD,
      metadata: { a: 'x'.repeat(5000) },
    });
    const { error } = await protekt.users.update(signUp.user!.id, {
      metadata: { b: 'y'.repeat(5000) },
    });
    expect(error).toMatchObject({ code: 'invalid_request', status: 400 });
  });
});
