/**
 * Bad input everywhere it enters: every public method of `auth`, `users`, `sessions` and `mfa`,
 * each argument and each parameter field in turn replaced by a hostile value (wrong types, empty,
 * 1 MB strings, header-injection characters, prototype-polluting objects, cycles, BigInt,
 * functions, symbols), and each method's per-call options likewise. Every case must end in a
 * clear `error` (or, for the synchronous URL builders, a thrown `invalid_argument`), never a crash;
 * input refused locally sends no request; `Object.prototype` is never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtektError, type Protekt } from '../../src/index.js';
import { PASSWORD, freshEmail, startHarness, type Harness } from '../support/emulator.js';
import { Ledger, SecretWatch, guardProcess } from './_support.js';

const ledger = new Ledger('bad-input');
const guard = guardProcess();
const watch = new SecretWatch();
watch.secret('password', PASSWORD);
const protoNames = Object.getOwnPropertyNames(Object.prototype).sort();

const MB = 'a'.repeat(1 << 20);
const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;
let deep: Record<string, unknown> = { leaf: true };
for (let i = 0; i < 5_000; i++) deep = { d: deep };

/** Hostile values, by name. Objects are rebuilt per case so no case can mutate another's input. */
const VALUES: [string, () => unknown][] = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['0', () => 0],
  ['-1', () => -1],
  ['NaN', () => Number.NaN],
  ['Infinity', () => Number.POSITIVE_INFINITY],
  ['true', () => true],
  ['false', () => false],
  ['[]', () => []],
  ["['a@example.com']", () => ['a@example.com']],
  ['{}', () => ({})],
  ["''", () => ''],
  ["' '", () => '   '],
  ['1 MB string', () => MB],
  ['1 MB e-mail-like string', () => `${MB}@example.com`],
  ['CRLF header injection', () => 'abc\r\nX-Injected: 1'],
  ['NUL and control characters', () => 'a\u0000b\u0007c'],
  ['lone surrogate', () => '\ud800abc'],
  ['__proto__ object (JSON.parse)', () => JSON.parse('{"__proto__":{"polluted":1}}')],
  ['constructor.prototype object', () => ({ constructor: { prototype: { polluted: 1 } } })],
  ['prototype key', () => ({ prototype: { polluted: 1 } })],
  ['nested __proto__', () => JSON.parse('{"a":{"b":{"__proto__":{"polluted":1}}}}')],
  ['Object.create(null)', () => Object.create(null)],
  ['cyclic object', () => cyclic],
  ['5,000-deep object', () => deep],
  ['BigInt', () => 10n],
  ['object holding a BigInt', () => ({ n: 10n })],
  ['function', () => () => 'x'],
  ['Symbol', () => Symbol('x')],
  ['Date', () => new Date(0)],
  ['String object', () => new String('a@example.com')],
];

const OPTIONS: [string, () => unknown][] = [
  ['null', () => null],
  ['42', () => 42],
  ["'x'", () => 'x'],
  ['[]', () => []],
  ['{ signal: "x" }', () => ({ signal: 'x' })],
  ['{ signal: {} }', () => ({ signal: {} })],
  ['{ timeout: -1 }', () => ({ timeout: -1 })],
  ['{ timeout: "abc" }', () => ({ timeout: 'abc' })],
  ['{ timeout: NaN }', () => ({ timeout: Number.NaN })],
  ['{ timeout: 1e12 }', () => ({ timeout: 1e12 })],
  ['{ idempotencyKey: 42 }', () => ({ idempotencyKey: 42 })],
  ['{ idempotencyKey: "" }', () => ({ idempotencyKey: '' })],
  ['{ idempotencyKey: CRLF }', () => ({ idempotencyKey: 'a\r\nX-Injected: 1' })],
  ['{ idempotencyKey: 1 MB }', () => ({ idempotencyKey: MB })],
  ['__proto__ object', () => JSON.parse('{"__proto__":{"polluted":1}}')],
];

interface Ctx {
  client: Protekt;
  h: Harness;
  /** A shared user's access token (for methods that do not end the session). */
  token: string;
  userId: string;
  /** A fresh user and token (for methods that end sessions or change the account). */
  freshUser(): Promise<{ token: string; userId: string; email: string }>;
}

type Kind = 'async' | 'sync' | 'iterator';
interface MethodSpec {
  name: string;
  kind?: Kind;
  /**
   * verifyToken: checks locally first, so a refusal (401) or a cached success may need no request.
   */
  local?: boolean;
  /**
   * Valid arguments: the hostile value replaces one argument or one field of an object argument.
   */
  args(ctx: Ctx): Promise<unknown[]> | unknown[];
  /** Argument positions that are objects of parameters: their fields are substituted too. */
  fields?: Record<number, string[]>;
  /** Index of the options argument. */
  optionsAt?: number;
  call(ctx: Ctx, args: unknown[]): unknown;
}

const m = (obj: object, name: string) =>
  (obj as Record<string, (...a: unknown[]) => unknown>)[name]!.bind(obj);
const auth = (name: string) => (ctx: Ctx, args: unknown[]) => m(ctx.client.auth, name)(...args);
const users = (name: string) => (ctx: Ctx, args: unknown[]) => m(ctx.client.users, name)(...args);
const sessions = (name: string) => (ctx: Ctx, args: unknown[]) =>
  m(ctx.client.sessions, name)(...args);
const mfa = (name: string) => (ctx: Ctx, args: unknown[]) => m(ctx.client.mfa, name)(...args);

const METHODS: MethodSpec[] = [
  {
    name: 'auth.signUp',
    args: () => [{ email: freshEmail('bad'), password: PASSWORD }],
    fields: { 0: ['email', 'password', 'metadata', 'sendVerification'] },
    optionsAt: 1,
    call: auth('signUp'),
  },
  {
    name: 'auth.login',
    args: () => [{ email: freshEmail('bad'), password: PASSWORD }],
    fields: { 0: ['email', 'password'] },
    optionsAt: 1,
    call: auth('login'),
  },
  {
    name: 'auth.logout',
    args: async (c) => [(await c.freshUser()).token],
    optionsAt: 1,
    call: auth('logout'),
  },
  {
    name: 'auth.verifyToken',
    local: true,
    args: (c) => [c.token],
    optionsAt: 1,
    call: auth('verifyToken'),
  },
  {
    name: 'auth.refreshToken',
    args: () => ['rt_not_a_real_refresh_token'],
    optionsAt: 1,
    call: auth('refreshToken'),
  },
  {
    name: 'auth.revokeToken',
    args: () => ['rt_not_a_real_refresh_token'],
    optionsAt: 1,
    call: auth('revokeToken'),
  },
  {
    name: 'auth.getLoginUrl',
    kind: 'sync',
    args: () => [{ redirectUrl: 'https://example.com/cb', state: 'xyz' }],
    fields: { 0: ['redirectUrl', 'state'] },
    call: auth('getLoginUrl'),
  },
  {
    name: 'auth.getSocialLoginUrl',
    kind: 'sync',
    args: () => [{ provider: 'github', redirectUrl: 'https://example.com/cb', state: 'xyz' }],
    fields: { 0: ['provider', 'redirectUrl', 'state'] },
    call: auth('getSocialLoginUrl'),
  },
  {
    name: 'auth.getSsoUrl',
    kind: 'sync',
    args: () => [{ connection: 'acme', redirectUrl: 'https://example.com/cb', state: 'xyz' }],
    fields: { 0: ['connection', 'email', 'redirectUrl', 'state'] },
    call: auth('getSsoUrl'),
  },
  {
    name: 'auth.sendMagicLink',
    args: () => [{ email: freshEmail('bad'), redirectUrl: 'https://example.com/cb' }],
    fields: { 0: ['email', 'redirectUrl'] },
    optionsAt: 1,
    call: auth('sendMagicLink'),
  },
  {
    name: 'auth.verifyMagicLink',
    args: () => ['ml_not_a_real_token'],
    optionsAt: 1,
    call: auth('verifyMagicLink'),
  },
  {
    name: 'auth.sendOtp',
    args: () => [{ email: freshEmail('bad') }],
    fields: { 0: ['email', 'phone', 'channel'] },
    optionsAt: 1,
    call: auth('sendOtp'),
  },
  {
    name: 'auth.verifyOtp',
    args: () => [{ email: freshEmail('bad'), otp: '123456' }],
    fields: { 0: ['email', 'phone', 'otp'] },
    optionsAt: 1,
    call: auth('verifyOtp'),
  },
  {
    name: 'auth.requestPasswordReset',
    args: () => [{ email: freshEmail('bad') }],
    fields: { 0: ['email'] },
    optionsAt: 1,
    call: auth('requestPasswordReset'),
  },
  {
    name: 'auth.confirmPasswordReset',
    args: () => [{ resetToken: 'rst_not_real', newPassword: `${PASSWORD} new` }],
    fields: { 0: ['resetToken', 'newPassword'] },
    optionsAt: 1,
    call: auth('confirmPasswordReset'),
  },
  {
    name: 'auth.changePassword',
    args: async (c) => [
      { currentPassword: 'not the password', newPassword: `${PASSWORD} new` },
      (await c.freshUser()).token,
    ],
    fields: { 0: ['currentPassword', 'newPassword'] },
    optionsAt: 2,
    call: auth('changePassword'),
  },
  {
    name: 'auth.verifyEmail',
    args: () => ['evt_not_real'],
    optionsAt: 1,
    call: auth('verifyEmail'),
  },
  {
    name: 'users.list',
    args: () => [{ limit: 2, search: 'bad.' }],
    fields: { 0: ['limit', 'cursor', 'search'] },
    optionsAt: 1,
    call: users('list'),
  },
  {
    name: 'users.listAll',
    kind: 'iterator',
    args: () => [{ limit: 2, search: 'nobody-matches-this' }],
    fields: { 0: ['limit', 'search'] },
    optionsAt: 1,
    call: users('listAll'),
  },
  { name: 'users.get', args: (c) => [c.userId], optionsAt: 1, call: users('get') },
  {
    name: 'users.update',
    args: async (c) => [(await c.freshUser()).userId, { metadata: { plan: 'pro' } }],
    fields: { 1: ['email', 'metadata', 'disabled'] },
    optionsAt: 2,
    call: users('update'),
  },
  {
    name: 'users.delete',
    args: async (c) => [(await c.freshUser()).userId],
    optionsAt: 1,
    call: users('delete'),
  },
  { name: 'sessions.list', args: (c) => [c.token], optionsAt: 1, call: sessions('list') },
  {
    name: 'sessions.revoke',
    args: async (c) => ['sess_not_real', (await c.freshUser()).token],
    optionsAt: 2,
    call: sessions('revoke'),
  },
  {
    name: 'sessions.revokeAll',
    args: async (c) => [(await c.freshUser()).token, { keepCurrent: true }],
    fields: { 1: ['keepCurrent'] },
    optionsAt: 2,
    call: sessions('revokeAll'),
  },
  {
    name: 'mfa.enroll',
    args: async (c) => [{ method: 'sms', phone: '+14155550123' }, (await c.freshUser()).token],
    fields: { 0: ['method', 'phone'] },
    optionsAt: 2,
    call: mfa('enroll'),
  },
  {
    name: 'mfa.verify',
    args: (c) => [{ code: '123456' }, c.token],
    fields: { 0: ['code', 'mfaToken'] },
    optionsAt: 2,
    call: mfa('verify'),
  },
  {
    name: 'mfa.verifyLogin',
    args: () => [{ mfaToken: 'mfa_tmp_not_real', code: '123456' }],
    fields: { 0: ['mfaToken', 'code'] },
    optionsAt: 1,
    call: mfa('verifyLogin'),
  },
  {
    name: 'mfa.unenroll',
    args: async (c) => [{ method: 'totp' }, (await c.freshUser()).token],
    fields: { 0: ['method'] },
    optionsAt: 2,
    call: mfa('unenroll'),
  },
  {
    name: 'mfa.generateBackupCodes',
    args: async (c) => [(await c.freshUser()).token],
    optionsAt: 1,
    call: mfa('generateBackupCodes'),
  },
];

type Outcome =
  | { kind: 'local'; code: string }
  | { kind: 'sent'; code: string }
  | { kind: 'thrown'; code: string }
  | { kind: 'url' }
  | { kind: 'crash'; what: string };

describe('bad input (in-process emulator)', () => {
  let h: Harness;
  let ctx: Ctx;
  const crashes: string[] = [];
  const localButSent: string[] = [];

  beforeAll(async () => {
    h = await startHarness('in-process');
    watch.secret('API key', h.emulator.project.apiKey);
    const client = h.client({
      debug: watch.debug,
      maxRetries: 0,
      timeout: 2_000,
      revocationCheck: { maxAge: 0 },
    });
    const freshUser = async () => {
      const email = freshEmail('bad-user');
      const r = await client.auth.signUp({ email, password: PASSWORD });
      if (r.error) throw new Error(`setup sign-up failed: ${r.error.code}`);
      watch.secret('access token', r.accessToken);
      watch.secret('refresh token', r.refreshToken);
      return { token: r.accessToken, userId: r.user.id, email };
    };
    const shared = await freshUser();
    ctx = { client, h, token: shared.token, userId: shared.userId, freshUser };
  });

  afterAll(async () => {
    guard.stop();
    expect(guard.seen).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoNames);
    const [texts, secrets] = watch.assertClean();
    ledger.record(
      'Bad input',
      'no unhandled rejection or uncaught exception during the bad-input suite; Object.prototype compared before and after',
      'none seen; Object.prototype unchanged',
    );
    ledger.record(
      'Secrets',
      `texts produced by the bad-input suite (debug lines, returned and thrown errors) × ${secrets} secrets`,
      'no secret in any text',
      texts,
    );
    await ledger.flush();
  });

  async function run(spec: MethodSpec, args: unknown[]): Promise<Outcome> {
    const before = h.emulator.requests.length;
    const sent = (): boolean => h.emulator.requests.length > before;
    try {
      if (spec.kind === 'sync') {
        const url = spec.call(ctx, args);
        if (typeof url !== 'string') return { kind: 'crash', what: `returned ${typeof url}` };
        watch.text('URL builder', url);
        if (sent()) return { kind: 'crash', what: 'a URL builder sent a request' };
        return { kind: 'url' };
      }
      if (spec.kind === 'iterator') {
        const it = spec.call(ctx, args) as AsyncIterable<unknown>;
        let n = 0;
        for await (const _ of it) if (++n >= 3) break;
        return { kind: sent() ? 'sent' : 'local', code: 'ok' };
      }
      const result = (await spec.call(ctx, args)) as
        | { error: { code: string; status: number } | null }
        | undefined;
      if (typeof result !== 'object' || result === null || !('error' in result))
        return { kind: 'crash', what: 'resolved without an error field' };
      watch.error('result error', result.error);
      if (spec.local && !sent())
        return result.error
          ? { kind: 'local', code: result.error.code }
          : { kind: 'local', code: 'ok' };
      if (result.error && result.error.status === 0) {
        if (sent())
          localButSent.push(`${spec.name}: local ${result.error.code} but a request was sent`);
        return { kind: 'local', code: result.error.code };
      }
      if (!sent())
        return {
          kind: 'crash',
          what: `answer ${result.error?.code ?? 'success'} without a request`,
        };
      return { kind: 'sent', code: result.error?.code ?? 'ok' };
    } catch (error) {
      watch.error('thrown', error);
      if (!(error instanceof ProtektError))
        return {
          kind: 'crash',
          what: `${(error as Error)?.name ?? typeof error}: ${String((error as Error)?.message ?? error).slice(0, 120)}`,
        };
      if (spec.kind === 'sync' && error.code !== 'invalid_argument')
        return { kind: 'crash', what: `sync builder threw ${error.code}` };
      if (sent() && spec.kind === 'sync')
        return { kind: 'crash', what: 'a URL builder sent a request' };
      return { kind: 'thrown', code: error.code };
    } finally {
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    }
  }

  const summary = (outcomes: Outcome[]): string => {
    const counts = new Map<string, number>();
    for (const o of outcomes) {
      const key =
        o.kind === 'local'
          ? o.code === 'ok'
            ? 'accepted with no request (verified locally; revocation check could not be made and failed open)'
            : `returned ${o.code} with no request`
          : o.kind === 'sent'
            ? o.code === 'ok'
              ? 'accepted (a legal value): request sent, success'
              : `sent; Protekt answered ${o.code}`
            : o.kind === 'thrown'
              ? `thrown ${o.code}`
              : o.kind === 'url'
                ? 'accepted (a legal value): URL built'
                : `CRASH ${o.what}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([k, n]) => `${k} (${n})`)
      .join('; ');
  };

  for (const spec of METHODS) {
    it(`${spec.name}: every argument and field`, async () => {
      const outcomes: Outcome[] = [];
      const base = await spec.args(ctx);
      const positions: { label: string; build: (v: unknown) => Promise<unknown[]> }[] = [];
      for (let i = 0; i < base.length; i++) {
        positions.push({
          label: `argument ${i + 1}`,
          build: async (v) => {
            const args = [...(await spec.args(ctx))];
            args[i] = v;
            return args;
          },
        });
        for (const field of spec.fields?.[i] ?? []) {
          positions.push({
            label: field,
            build: async (v) => {
              const args = [...(await spec.args(ctx))];
              args[i] = { ...(args[i] as object), [field]: v };
              return args;
            },
          });
        }
      }
      for (const { label, build } of positions) {
        for (const [name, make] of VALUES) {
          const outcome = await run(spec, await build(make()));
          if (outcome.kind === 'crash')
            crashes.push(`${spec.name} ${label} = ${name}: ${outcome.what}`);
          outcomes.push(outcome);
        }
      }
      ledger.record(
        'Bad input',
        `${spec.name}: ${VALUES.length} hostile values × ${positions.length} positions (${positions.map((p) => p.label).join(', ')})`,
        summary(outcomes),
        outcomes.length,
      );
      expect(crashes.filter((c) => c.startsWith(`${spec.name} `))).toEqual([]);
      expect(localButSent.filter((c) => c.startsWith(`${spec.name}:`))).toEqual([]);
    });
  }

  for (const spec of METHODS.filter((s) => s.optionsAt !== undefined)) {
    it(`${spec.name}: hostile per-call options`, async () => {
      const outcomes: Outcome[] = [];
      for (const [name, make] of OPTIONS) {
        const args = [...(await spec.args(ctx))];
        while (args.length < spec.optionsAt!) args.push(undefined);
        args[spec.optionsAt!] = make();
        const started = Date.now();
        const outcome = await run(spec, args);
        expect(Date.now() - started).toBeLessThan(5_000);
        if (outcome.kind === 'crash')
          crashes.push(`${spec.name} options = ${name}: ${outcome.what}`);
        outcomes.push(outcome);
      }
      ledger.record(
        'Bad input',
        `${spec.name}: ${OPTIONS.length} hostile per-call options`,
        summary(outcomes),
        outcomes.length,
      );
      expect(crashes.filter((c) => c.startsWith(`${spec.name} options`))).toEqual([]);
    });
  }

  it('prototype-polluting keys in metadata are refused locally, at any depth, and never reach the emulator', async () => {
    const payloads = [
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      '{"prototype":{"polluted":1}}',
      '{"plan":"pro","nested":{"deeper":{"__proto__":{"polluted":1}}}}',
      '{"list":[{"__proto__":{"polluted":1}}]}',
    ];
    const u = await ctx.freshUser();
    let n = 0;
    for (const text of payloads) {
      const before = h.emulator.requests.length;
      const a = await ctx.client.auth.signUp({
        email: freshEmail('proto'),
        password: PASSWORD,
        metadata: JSON.parse(text),
      });
      const b = await ctx.client.users.update(u.userId, { metadata: JSON.parse(text) });
      expect(a.error).toMatchObject({
        code: 'invalid_request',
        status: 0,
        details: { field: 'metadata' },
      });
      expect(b.error).toMatchObject({
        code: 'invalid_request',
        status: 0,
        details: { field: 'metadata' },
      });
      expect(h.emulator.requests.length).toBe(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      n += 2;
    }
    expect(h.emulator.store.user(u.userId)!.metadata).toEqual({});
    ledger.record(
      'Bad input',
      'metadata with __proto__ / constructor.prototype / prototype keys, top level, nested and inside arrays (signUp, users.update)',
      'returned invalid_request (field metadata) with no request; Object.prototype and the stored user untouched',
      n,
    );
  });
});
