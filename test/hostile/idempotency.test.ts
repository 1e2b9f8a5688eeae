/**
 * Nothing lost, nothing done twice: POSTs whose answer is lost (the server acted, the connection
 * dropped) or replaced by a 5xx after the server acted are retried with the same Idempotency-Key
 * and act once; concurrent refreshes of one refresh token rotate it once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProtektError, type Protekt } from '../../src/index.js';
import { totp, type RequestRecord } from '../../src/testing/index.js';
import {
  MODES,
  PASSWORD,
  freshEmail,
  startHarness,
  type Harness,
  type Mode,
} from '../support/emulator.js';
import { Ledger, SecretWatch, guardProcess, since, thrown } from './_support.js';

const ledger = new Ledger('idempotency');
const guard = guardProcess();
const watch = new SecretWatch();
watch.secret('password', PASSWORD);
let retriedPosts = 0;

afterAll(async () => {
  guard.stop();
  expect(guard.seen).toEqual([]);
  const [texts, secrets] = watch.assertClean();
  ledger.record(
    'Idempotency',
    'no unhandled rejection or uncaught exception during the idempotency and refresh suite',
    'none seen',
  );
  ledger.record(
    'Idempotency',
    'every retried POST of this suite: Idempotency-Key on each attempt',
    'one key, the same on every attempt',
    retriedPosts,
  );
  ledger.record(
    'Secrets',
    `texts produced by the idempotency and refresh suite (debug lines, returned and thrown errors, client views) × ${secrets} secrets`,
    'no secret in any text',
    texts,
  );
  await ledger.flush();
});

describe.each(MODES)('lost answers (%s)', (mode: Mode) => {
  let h: Harness;
  let client: Protekt;
  const from = (): number => h.emulator.requests.length;
  const attempts = (start: number, path: string): RequestRecord[] =>
    h.emulator.requests.slice(start).filter((r) => r.path === path);
  const oneKey = (records: RequestRecord[], n: number): void => {
    expect(records).toHaveLength(n);
    expect(
      records.every((r) => typeof r.idempotencyKey === 'string' && r.idempotencyKey !== ''),
    ).toBe(true);
    expect(new Set(records.map((r) => r.idempotencyKey)).size).toBe(1);
    if (n > 1) retriedPosts++;
  };
  const signUp = async (email = freshEmail('idem')) => {
    const r = await client.auth.signUp({ email, password: PASSWORD });
    expect(r.error).toBeNull();
    watch.secret('access token', r.accessToken);
    watch.secret('refresh token', r.refreshToken);
    return { email, id: r.user!.id, accessToken: r.accessToken!, refreshToken: r.refreshToken! };
  };
  /** The fault that makes an answer lost after the server acted. */
  const lose = (path: string, how: 'drop' | 503 | 500) =>
    h.emulator.faults.add(
      how === 'drop' ? { path, drop: true, after: true } : { path, status: how, after: true },
    );
  const how = (x: 'drop' | 503 | 500): string =>
    x === 'drop' ? 'connection dropped after the server acted' : `HTTP ${x} after the server acted`;

  beforeAll(async () => {
    h = await startHarness(mode);
    watch.secret('API key', h.emulator.project.apiKey);
    client = h.client({ debug: watch.debug });
  });
  afterAll(async () => {
    watch.client('client', client);
    await h.close();
  });
  afterEach(() => h.emulator.faults.clear());

  it.each(['drop', 503, 500] as const)('auth.signUp, %s: one user', async (x) => {
    const email = freshEmail('idem');
    lose('/auth/signup', x);
    const start = from();
    const r = await client.auth.signUp({ email, password: PASSWORD });
    expect(r.error).toBeNull();
    watch.secret('access token', r.accessToken);
    watch.secret('refresh token', r.refreshToken);
    oneKey(attempts(start, '/auth/signup'), 2);
    expect(h.emulator.store.users().filter((u) => u.email === email)).toHaveLength(1);
    expect(r.user!.id).toBe(h.emulator.store.user(email)!.id);
    ledger.record(
      'Idempotency',
      `auth.signUp, ${how(x)}`,
      'retried with the same key; the retry got the first answer replayed; exactly one user',
    );
  });

  it.each(['drop', 503] as const)(
    'auth.login, %s: one new session, the replayed tokens work',
    async (x) => {
      const u = await signUp();
      const before = h.emulator.store.sessions(u.id).length;
      lose('/auth/login', x);
      const start = from();
      const r = await client.auth.login({ email: u.email, password: PASSWORD });
      expect(r.error).toBeNull();
      watch.secret('access token', r.accessToken);
      oneKey(attempts(start, '/auth/login'), 2);
      expect(h.emulator.store.sessions(u.id).length - before).toBe(1);
      expect((await client.auth.verifyToken(r.accessToken!)).error).toBeNull();
      ledger.record(
        'Idempotency',
        `auth.login, ${how(x)}`,
        'retried with the same key; exactly one new session; its tokens verify',
      );
    },
  );

  it.each(['drop', 503] as const)(
    'auth.refreshToken, %s: rotated once, no reuse detection, the new token works',
    async (x) => {
      const u = await signUp();
      lose('/auth/token/refresh', x);
      const start = from();
      const r = await client.auth.refreshToken(u.refreshToken);
      expect(r.error).toBeNull();
      watch.secret('refresh token', r.refreshToken);
      oneKey(attempts(start, '/auth/token/refresh'), 2);
      expect(h.emulator.store.sessions(u.id).every((s) => s.active)).toBe(true);
      const again = await client.auth.refreshToken(r.refreshToken!);
      expect(again.error).toBeNull();
      watch.secret('refresh token', again.refreshToken);
      ledger.record(
        'Idempotency',
        `auth.refreshToken, ${how(x)}`,
        'retried with the same key; the rotation replayed, not reused: session alive, the new refresh token works',
      );
    },
  );

  it.each(['drop', 503] as const)(
    'passwordless and reset e-mails, %s: one message each',
    async (x) => {
      const u = await signUp();
      const cases = [
        [
          'auth.sendMagicLink',
          '/auth/magic-link/send',
          'magic_link',
          () => client.auth.sendMagicLink({ email: u.email }),
        ],
        [
          'auth.requestPasswordReset',
          '/auth/password/reset',
          'password_reset',
          () => client.auth.requestPasswordReset({ email: u.email }),
        ],
        ['auth.sendOtp', '/auth/otp/send', 'otp', () => client.auth.sendOtp({ email: u.email })],
      ] as const;
      for (const [name, path, kind, run] of cases) {
        const before = h.emulator.outbox.messages.filter(
          (m) => m.to === u.email && m.kind === kind,
        ).length;
        lose(path, x);
        const start = from();
        const r = await run();
        expect(r.error).toBeNull();
        oneKey(attempts(start, path), 2);
        const sent = h.emulator.outbox.messages.filter((m) => m.to === u.email && m.kind === kind);
        expect(sent.length - before).toBe(1);
        for (const m of sent) {
          watch.secret('one-time code', m.code);
          watch.secret('link token', m.token);
        }
        ledger.record(
          'Idempotency',
          `${name}, ${how(x)}`,
          'retried with the same key; exactly one message in the outbox',
        );
      }
    },
  );

  it.each(['drop', 503] as const)(
    'one-shot tokens consumed by the lost call still succeed on the retry, %s',
    async (x) => {
      // confirmPasswordReset: the reset token is single use; the retry must not see it as used.
      const u = await signUp();
      await client.auth.requestPasswordReset({ email: u.email });
      const reset = h.emulator.outbox.last({ to: u.email, kind: 'password_reset' })!.token!;
      watch.secret('reset token', reset);
      const newPassword = `${PASSWORD} ${x} reset`;
      watch.secret('password', newPassword);
      lose('/auth/password/confirm', x);
      let start = from();
      expect(
        (await client.auth.confirmPasswordReset({ resetToken: reset, newPassword })).error,
      ).toBeNull();
      oneKey(attempts(start, '/auth/password/confirm'), 2);
      expect((await client.auth.login({ email: u.email, password: newPassword })).error).toBeNull();
      ledger.record(
        'Idempotency',
        `auth.confirmPasswordReset (single-use token), ${how(x)}`,
        'retried with the same key; success replayed (not reset_token_invalid); the new password works',
      );

      // verifyMagicLink: single use too.
      await client.auth.sendMagicLink({ email: u.email });
      const link = h.emulator.outbox.last({ to: u.email, kind: 'magic_link' })!.token!;
      watch.secret('magic-link token', link);
      lose('/auth/magic-link/verify', x);
      start = from();
      const ml = await client.auth.verifyMagicLink(link);
      expect(ml.error).toBeNull();
      watch.secret('access token', ml.accessToken);
      watch.secret('refresh token', ml.refreshToken);
      oneKey(attempts(start, '/auth/magic-link/verify'), 2);
      ledger.record(
        'Idempotency',
        `auth.verifyMagicLink (single-use token), ${how(x)}`,
        'retried with the same key; the session replayed (not magic_link_expired)',
      );

      // changePassword.
      const login = await client.auth.login({ email: u.email, password: newPassword });
      watch.secret('access token', login.accessToken);
      const third = `${PASSWORD} ${x} changed`;
      watch.secret('password', third);
      lose('/auth/password/change', x);
      start = from();
      expect(
        (
          await client.auth.changePassword(
            { currentPassword: newPassword, newPassword: third },
            login.accessToken!,
          )
        ).error,
      ).toBeNull();
      oneKey(attempts(start, '/auth/password/change'), 2);
      expect((await client.auth.login({ email: u.email, password: third })).error).toBeNull();
      ledger.record(
        'Idempotency',
        `auth.changePassword, ${how(x)}`,
        'retried with the same key; success replayed (not invalid_credentials); the new password works',
      );
    },
  );

  it.each(['drop', 503] as const)(
    'mfa.enroll (TOTP), %s: the replayed secret is the one stored',
    async (x) => {
      const u = await signUp();
      lose('/auth/mfa/enroll', x);
      const start = from();
      const r = await client.mfa.enroll({ method: 'totp' }, u.accessToken);
      expect(r.error).toBeNull();
      oneKey(attempts(start, '/auth/mfa/enroll'), 2);
      const secret = new URL(r.totpUri!).searchParams.get('secret')!;
      watch.secret('TOTP secret', secret);
      const code = await totp(secret, h.emulator.clock.now());
      watch.secret('TOTP code', code);
      const v = await client.mfa.verify({ code }, u.accessToken);
      expect(v.error).toBeNull();
      ledger.record(
        'Idempotency',
        `mfa.enroll (TOTP), ${how(x)}`,
        'retried with the same key; the replayed secret confirms the enrollment',
      );
    },
  );

  it('a caller-chosen idempotencyKey makes a retry across processes act once', async () => {
    const email = freshEmail('idem');
    const key = `signup-${email}`;
    const other = h.client({ debug: watch.debug });
    const a = await client.auth.signUp({ email, password: PASSWORD }, { idempotencyKey: key });
    const b = await other.auth.signUp({ email, password: PASSWORD }, { idempotencyKey: key });
    expect(a.error).toBeNull();
    expect(b.error).toBeNull();
    expect(b.user!.id).toBe(a.user!.id);
    watch.secret('access token', a.accessToken);
    watch.secret('refresh token', a.refreshToken);
    expect(h.emulator.store.users().filter((u) => u.email === email)).toHaveLength(1);
    const c = await other.auth.signUp({ email, password: `${PASSWORD}!` }, { idempotencyKey: key });
    expect(c.error).toMatchObject({ code: 'idempotency_conflict', status: 422 });
    watch.error('result', c.error);
    ledger.record(
      'Idempotency',
      'auth.signUp sent twice by two clients with one caller-chosen idempotencyKey; then with another body',
      'one user, the same answer to both; a different body under the key returns idempotency_conflict',
    );
  });

  it('users.delete whose answer is lost is retried under its idempotency key and succeeds', async () => {
    // Every mutating call (POST, PATCH, DELETE) carries one Idempotency-Key: the retry of a delete
    // that happened replays its answer instead of a 404.
    const u = await signUp();
    h.emulator.faults.add({
      path: `/auth/users/${u.id}`,
      method: 'DELETE',
      drop: true,
      after: true,
    });
    const r = await client.users.delete(u.id);
    watch.error('result', r.error);
    expect(h.emulator.store.user(u.id)).toBeUndefined();
    ledger.record(
      'Idempotency',
      'users.delete, connection dropped after the server acted',
      `retried under the same key: the user is deleted once and the call returns ${r.error?.code ?? 'success'}`,
    );
    expect(r.error).toBeNull();
  });

  it('sessions.revoke whose answer is lost is retried under its idempotency key and succeeds', async () => {
    const u = await signUp();
    const second = await client.auth.login({ email: u.email, password: PASSWORD });
    watch.secret('access token', second.accessToken);
    const sid = h.emulator.store.sessions(u.id).find((s) => s.active && s.id !== undefined)!.id;
    h.emulator.faults.add({
      path: `/auth/sessions/${sid}`,
      method: 'DELETE',
      drop: true,
      after: true,
    });
    const r = await client.sessions.revoke(sid, second.accessToken!);
    watch.error('result', r.error);
    ledger.record(
      'Idempotency',
      'sessions.revoke, connection dropped after the server acted',
      `retried under the same key: the session is ended once and the call returns ${r.error?.code ?? 'success'}`,
    );
    expect(r.error).toBeNull();
  });
});

describe.each(MODES)('refresh races (%s)', (mode: Mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(mode);
    watch.secret('API key', h.emulator.project.apiKey);
  });
  afterAll(() => h.close());
  afterEach(() => h.emulator.faults.clear());

  const session = async (client: Protekt) => {
    const r = await client.auth.signUp({ email: freshEmail('race'), password: PASSWORD });
    expect(r.error).toBeNull();
    watch.secret('access token', r.accessToken);
    watch.secret('refresh token', r.refreshToken);
    return { id: r.user!.id, accessToken: r.accessToken!, refreshToken: r.refreshToken! };
  };
  const refreshHits = (): number => h.emulator.faults.hits('/auth/token/refresh');

  it('50 concurrent refreshes from one client: one rotation, one answer for all, the session lives', async () => {
    const client = h.client({ debug: watch.debug, revocationCheck: { maxAge: 0 } });
    const s = await session(client);
    const before = refreshHits();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => client.auth.refreshToken(s.refreshToken)),
    );
    expect(refreshHits() - before).toBe(1);
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(new Set(results.map((r) => r.refreshToken)).size).toBe(1);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    watch.secret('refresh token', results[0]!.refreshToken);
    watch.secret('access token', results[0]!.accessToken);
    // Not a reuse detection: the old access token still verifies remotely, the new refresh token
    // works.
    expect((await client.auth.verifyToken(s.accessToken)).error).toBeNull();
    expect(h.emulator.store.sessions(s.id).every((x) => x.active)).toBe(true);
    const next = await client.auth.refreshToken(results[0]!.refreshToken!);
    expect(next.error).toBeNull();
    watch.secret('refresh token', next.refreshToken);
    ledger.record(
      'Refresh races',
      '50 concurrent auth.refreshToken calls with one refresh token, one client',
      'single-flight: 1 request, 1 rotation, the same answer to all 50; old access token still valid; new refresh token works',
    );
  });

  it('50 concurrent refreshes while the first attempt fails (503): still one rotation', async () => {
    const client = h.client({ debug: watch.debug });
    const s = await session(client);
    h.emulator.faults.add({ path: '/auth/token/refresh', status: 503 });
    const before = refreshHits();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => client.auth.refreshToken(s.refreshToken)),
    );
    expect(refreshHits() - before).toBe(2);
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(new Set(results.map((r) => r.refreshToken)).size).toBe(1);
    watch.secret('refresh token', results[0]!.refreshToken);
    expect((await client.auth.refreshToken(results[0]!.refreshToken!)).error).toBeNull();
    ledger.record(
      'Refresh races',
      '50 concurrent refreshes, first attempt answered 503',
      'single-flight: retried once with the same key, 1 rotation, one answer for all; the session lives',
    );
  });

  it('a refresh token used again within the reuse interval (10 s): the same pair, the session lives', async () => {
    const client = h.client({ debug: watch.debug, revocationCheck: { maxAge: 0 } });
    const s = await session(client);
    const first = await client.auth.refreshToken(s.refreshToken);
    expect(first.error).toBeNull();
    watch.secret('refresh token', first.refreshToken);
    const again = await client.auth.refreshToken(s.refreshToken);
    expect(again).toMatchObject({
      error: null,
      accessToken: first.accessToken,
      refreshToken: first.refreshToken,
      expiresIn: first.expiresIn,
    });
    expect((await client.auth.verifyToken(s.accessToken)).error).toBeNull();
    expect((await client.auth.refreshToken(first.refreshToken!)).error).toBeNull();
    ledger.record(
      'Refresh races',
      'a rotated refresh token presented again within the reuse interval (10 s), after its rotation completed',
      'answered with the same pair as the rotation; the session lives and the new refresh token works',
    );
  });

  it('a refresh token used again after the reuse interval: reuse detection ends the session (expected)', async () => {
    const client = h.client({ debug: watch.debug, revocationCheck: { maxAge: 0 } });
    const s = await session(client);
    const first = await client.auth.refreshToken(s.refreshToken);
    expect(first.error).toBeNull();
    watch.secret('refresh token', first.refreshToken);
    h.emulator.clock.advance(10_000);
    const replay = await client.auth.refreshToken(s.refreshToken);
    h.emulator.clock.reset();
    expect(replay.error).toMatchObject({ code: 'refresh_token_invalid', status: 401 });
    watch.error('result', replay.error);
    expect((await client.auth.refreshToken(first.refreshToken!)).error).toMatchObject({
      code: 'refresh_token_invalid',
    });
    expect((await client.auth.verifyToken(s.accessToken)).error).toMatchObject({
      code: 'token_revoked',
    });
    ledger.record(
      'Refresh races',
      'a rotated refresh token presented again 10 s after its rotation (the reuse interval)',
      'returned refresh_token_invalid; reuse detection ended the session (its access and new refresh tokens refused), as documented',
    );
  });

  it('two separate clients refreshing one token at once: one rotation, the same pair for both (reuse interval)', async () => {
    const a = h.client({ debug: watch.debug, revocationCheck: { maxAge: 0 } });
    const b = h.client({ debug: watch.debug, revocationCheck: { maxAge: 0 } });
    const s = await session(a);
    const [ra, rb] = await Promise.all([
      a.auth.refreshToken(s.refreshToken),
      b.auth.refreshToken(s.refreshToken),
    ]);
    expect(ra.error).toBeNull();
    expect(rb).toMatchObject({
      error: null,
      accessToken: ra.accessToken,
      refreshToken: ra.refreshToken,
    });
    watch.secret('refresh token', ra.refreshToken);
    watch.secret('access token', ra.accessToken);
    // The session lives: the old access token still verifies, the new refresh token works.
    expect((await b.auth.verifyToken(s.accessToken)).error).toBeNull();
    expect((await a.auth.refreshToken(ra.refreshToken!)).error).toBeNull();
    expect(h.emulator.store.sessions(s.id).every((x) => x.active)).toBe(true);
    ledger.record(
      'Refresh races',
      'two separate client instances refreshing one token at once (no shared key)',
      "one rotation; the second presentation falls within Protekt's reuse interval and gets the same pair; the session lives",
    );
  });

  it('two separate clients refreshing one token with one caller-chosen idempotencyKey: one rotation shared', async () => {
    const a = h.client({ debug: watch.debug });
    const b = h.client({ debug: watch.debug });
    const s = await session(a);
    const key = `refresh-${s.id}-1`;
    const [ra, rb] = await Promise.all([
      a.auth.refreshToken(s.refreshToken, { idempotencyKey: key }),
      b.auth.refreshToken(s.refreshToken, { idempotencyKey: key }),
    ]);
    expect(ra.error).toBeNull();
    expect(rb.error).toBeNull();
    expect(rb.refreshToken).toBe(ra.refreshToken);
    watch.secret('refresh token', ra.refreshToken);
    expect((await a.auth.refreshToken(ra.refreshToken!)).error).toBeNull();
    ledger.record(
      'Refresh races',
      'two separate client instances refreshing one token at once, one caller-chosen idempotencyKey',
      'one rotation, replayed to the second; the session lives',
    );
  });

  it('one caller of a shared refresh aborts: the other callers still get the answer', async () => {
    const client = h.client({ debug: watch.debug });
    const s = await session(client);
    // The server acts, then its answer is delayed: the first caller gives up meanwhile.
    h.emulator.faults.add({ path: '/auth/token/refresh', delayMs: 400, after: true });
    const controller = new AbortController();
    const first = client.auth.refreshToken(s.refreshToken, { signal: controller.signal });
    const others = Array.from({ length: 9 }, () => client.auth.refreshToken(s.refreshToken));
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const e = await thrown(first, watch);
    expect(e).toBeInstanceOf(ProtektError);
    expect(e.code).toBe('aborted');
    expect(since(started)).toBeLessThan(300);
    const settled = await Promise.allSettled(others);
    const ok = settled.filter((r) => r.status === 'fulfilled' && r.value.error === null);
    ledger.record(
      'Refresh races',
      '10 callers share one refresh; the first caller aborts while the server answers slowly',
      `the aborting caller: thrown aborted at once; the 9 others: ${ok.length === 9 ? 'got the new tokens' : 'aborted too'}`,
    );
    expect(ok).toHaveLength(9);
    const fresh = (settled[0] as PromiseFulfilledResult<{ refreshToken: string | null }>).value
      .refreshToken!;
    watch.secret('refresh token', fresh);
    expect((await client.auth.refreshToken(fresh)).error).toBeNull();
  });
});
