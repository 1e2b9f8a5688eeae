import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Protekt, ProtektError } from '../../src/index.js';
import { createEmulator } from '../../src/testing/index.js';
import { startHarness, type Harness, PASSWORD, freshEmail } from '../support/harness.js';

const loginId = 'lp_7xqm9abc';
const apiKey = 'pk_test_AbCdEfGh12345678';

function thrown(fn: () => unknown): ProtektError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProtektError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('construction', () => {
  it('names the option and the reason for each configuration mistake, never the key', () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ apiKey }, 'loginId', /required/],
      [{ loginId: 'project-1', apiKey }, 'loginId', /malformed/],
      [{ loginId }, 'apiKey', /required/],
      [{ loginId, apiKey: 'sk_live_secretsecret' }, 'apiKey', /malformed/],
      [{ loginId, apiKey, baseUrl: 'not a url' }, 'baseUrl', /absolute URL/],
      [{ loginId, apiKey, baseUrl: 'http://auth.example.com/v1' }, 'baseUrl', /https/],
      [{ loginId, apiKey, baseUrl: 'https://u:p@auth.example.com/v1' }, 'baseUrl', /credentials/],
      [{ loginId, apiKey, timeout: -1 }, 'timeout', /from 1/],
      [{ loginId, apiKey, timeout: '5000' }, 'timeout', /number/],
      [{ loginId, apiKey, maxRetries: 1.5 }, 'maxRetries', /integer/],
      [{ loginId, apiKey, tokenExpiry: 10 }, 'tokenExpiry', /60 to 86400/],
      [{ loginId, apiKey, fetch: 'fetch' }, 'fetch', /function/],
      [{ loginId, apiKey, clockTolerance: 120 }, 'clockTolerance', /60/],
    ];
    for (const [options, option, why] of cases) {
      const error = thrown(() => new Protekt(options as never));
      expect(error.code, option).toBe('config_invalid');
      expect(error.message).toContain(option);
      expect(error.message).toMatch(why);
      expect(error.details.option).toBe(option);
      expect(error.message).not.toContain('secretsecret');
    }
    expect(thrown(() => new Protekt(undefined as never)).code).toBe('config_invalid');
  });

  it('accepts loopback http for emulators and strips a trailing slash', () => {
    expect(new Protekt({ loginId, apiKey, baseUrl: 'http://127.0.0.1:8787/v1/' }).baseUrl).toBe(
      'http://127.0.0.1:8787/v1',
    );
    expect(new Protekt({ loginId, apiKey }).baseUrl).toBe('https://auth.protekt.io/v1');
  });

  it('refuses to run in a browser page unless dangerouslyAllowBrowser', () => {
    const g = globalThis as { window?: unknown };
    g.window = { document: {} };
    try {
      expect(thrown(() => new Protekt({ loginId, apiKey })).code).toBe('browser_not_allowed');
      expect(new Protekt({ loginId, apiKey, dangerouslyAllowBrowser: true })).toBeInstanceOf(
        Protekt,
      );
    } finally {
      delete g.window;
    }
  });

  it('never shows the API key when serialised (inspected by Node: options.node.test.ts)', () => {
    const client = new Protekt({ loginId, apiKey });
    for (const text of [JSON.stringify(client), String(client), String(client.auth)]) {
      expect(text).not.toContain(apiKey);
    }
    expect(JSON.parse(JSON.stringify(client))).toEqual({
      loginId,
      baseUrl: 'https://auth.protekt.io/v1',
    });
  });

  it('ProtektError is recognised across copies by a shared brand', () => {
    const error = new ProtektError('timeout', 'x');
    expect(error).toBeInstanceOf(ProtektError);
    expect(error).toBeInstanceOf(Error);
    expect({} instanceof ProtektError).toBe(false);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      name: 'ProtektError',
      code: 'timeout',
    });
  });
});

describe('per-call options', () => {
  it('a malformed one rejects with invalid_argument naming it, before anything is sent', async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    let sent = 0;
    const client = new Protekt({
      loginId: emulator.project.loginId,
      apiKey: emulator.project.apiKey,
      fetch: (input, init) => {
        sent++;
        return emulator.fetch(input, init);
      },
    });
    const cases: [unknown, string][] = [
      [5, 'options'],
      [[], 'options'],
      [{ signal: 'x' }, 'signal'],
      [{ timeout: -1 }, 'timeout'],
      [{ idempotencyKey: '' }, 'idempotencyKey'],
    ];
    for (const [options, option] of cases) {
      for (const call of [
        () => client.users.list({}, options as never),
        () => client.auth.verifyToken('x', options as never),
      ]) {
        await expect(call()).rejects.toMatchObject({
          code: 'invalid_argument',
          details: { option },
        });
      }
    }
    expect(sent).toBe(0);
  });
});

describe('Protekt.mock', () => {
  it('answers overridden methods and rejects the others with a clear error', async () => {
    const protekt = Protekt.mock({
      verifyToken: async () => ({
        user: { id: 'usr_test', email: 'test@example.com', emailVerified: true, metadata: {} },
        claims: { iss: 'x', sub: 'usr_test', aud: 'lp_x', iat: 0, exp: 0 },
        error: null,
      }),
      users: { delete: async () => ({ error: null }) },
    });
    expect((await protekt.auth.verifyToken('anything')).user?.id).toBe('usr_test');
    expect(await protekt.users.delete('usr_1')).toEqual({ error: null });
    await expect(protekt.auth.login({ email: 'a@b.co', password: 'x' })).rejects.toMatchObject({
      code: 'not_mocked',
      message: expect.stringContaining('auth.login'),
    });
    await expect(protekt.users.get('usr_1')).rejects.toBeInstanceOf(ProtektError);
    expect(() => protekt.auth.getLoginUrl()).toThrow(/auth.getLoginUrl is not mocked/);
    expect(protekt).toBeInstanceOf(Protekt);
  });
});

describe('debug logging', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('in-process');
  });
  afterAll(() => h.close());

  it('writes one line per request and no secret', async () => {
    const lines: string[] = [];
    const original = console.debug;
    console.debug = (line: string) => void lines.push(line);
    try {
      const client = h.client({ debug: true });
      const email = freshEmail();
      const { accessToken, refreshToken } = await client.auth.signUp({ email, password: PASSWORD });
      await client.auth.login({ email, password: 'wrong password!' });
      await client.auth.refreshToken(refreshToken!);
      await client.auth.logout(accessToken!);
      expect(lines).toHaveLength(4);
      // The base URL in use is on the line: a misconfigured one shows at once.
      expect(lines[1]).toBe(
        `[Protekt] POST ${client.baseUrl}/auth/login -> 401 invalid_credentials (${/\((\d+) ms\)/.exec(lines[1]!)?.[1]} ms)`,
      );
      for (const secret of [
        h.emulator.project.apiKey,
        PASSWORD,
        'wrong password!',
        accessToken!,
        refreshToken!,
        email,
      ]) {
        expect(lines.join('\n')).not.toContain(secret);
      }
    } finally {
      console.debug = original;
    }
  });
});
