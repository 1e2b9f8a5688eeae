/**
 * Freshness under failure: what verifyToken trusts, and how long it waits, while Protekt hangs or
 * cannot be reached (issue 15). Each case runs against the emulator (in-process and over HTTP on
 * 127.0.0.1) with short timeouts and the emulator's clock (the client's `now`), never wall-clock
 * sleeps of seconds, and states its measured bound:
 * - a stale JWKS whose refresh hangs: tokens whose key is cached answer at once; an unknown kid
 *   waits one attempt's timeout, not the retry budget; the cooldown counts from the failure's end;
 * - a revocation endpoint that hangs: one bounded wait, then fail-open (or fail-closed) at once;
 * - keys not confirmed for `maxStale` behind a blocked network: `jwks_unavailable`;
 * - a poisoned `jwksCache` store: refused, or trusted no longer than its bounds;
 * - an ES256 token ended by logout stays refused in its (r, n − s) twin with the network down.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Protekt, ProtektOptions } from '../../src/index.js';
import type { JwksCacheStore, StoredJwks } from '../../src/tokens/index.js';
import { MODES, PASSWORD, freshEmail, startHarness, type Harness } from '../support/emulator.js';
import { makeKey, signRaw } from '../tokens/_helpers.js';
import { Ledger, SecretWatch, guardProcess, thrown } from './_support.js';

const ledger = new Ledger('freshness');
const guard = guardProcess();
const watch = new SecretWatch();
watch.secret('password', PASSWORD);

const JWKS = '/.well-known/jwks.json';
const VERIFY = '/auth/token/verify';
const DAY = 86_400_000;
// One attempt's timeout in these cases; with maxRetries 2 the retry budget is over 3 of them.
const TIMEOUT = 300;

afterAll(async () => {
  guard.stop();
  expect(guard.seen).toEqual([]);
  const [texts, secrets] = watch.assertClean();
  ledger.record(
    'Faults',
    'no unhandled rejection or uncaught exception during the freshness suite (background refreshes and probes included)',
    'none seen',
  );
  ledger.record(
    'Secrets',
    `texts produced by the freshness suite × ${secrets} secrets`,
    'no secret in any text',
    texts,
  );
  await ledger.flush();
});

/** Resolves when `check()` holds, polling every 5 ms for at most `ms` (then throws). */
async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs `work` and returns its result with the milliseconds it took. */
async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

/** (r, n − s) of an ES256 token: the same signed content under another signature segment. */
function es256Twin(token: string): string {
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  const [h, p, s] = token.split('.') as [string, string, string];
  const sig = Buffer.from(s, 'base64url');
  const high = (n - BigInt(`0x${sig.subarray(32).toString('hex')}`)).toString(16).padStart(64, '0');
  return `${h}.${p}.${Buffer.concat([sig.subarray(0, 32), Buffer.from(high, 'hex')]).toString('base64url')}`;
}

describe.each(MODES)('freshness under failure (%s)', (mode) => {
  let h: Harness;
  let userId: string;
  const lines: string[] = [];
  // Requests by path sent by the clients of the running case (`isolated` counts them), so that a
  // background retry of an earlier case's client is not counted.
  let sent = new Map<string, number>();
  const hits = (path: string): number => sent.get(path) ?? 0;
  const issue = (expiresIn = 3_600): Promise<string> =>
    h.emulator.issueAccessToken({ userId, expiresIn, issuer: issuer() }).then((t) => {
      watch.secret('access token', t);
      return t;
    });
  // A client with a JWKS cache of its own (its own fetch identity), on the emulator's clock.
  const isolated = (extra: Partial<ProtektOptions> = {}): Protekt => {
    const base =
      mode === 'in-process'
        ? h.emulator.fetch
        : (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init);
    const counts = sent;
    const debug = (line: string): void => {
      lines.push(line);
      watch.debug(line);
    };
    return h.client({
      fetch: (input, init) => {
        const path = new URL(String(input instanceof Request ? input.url : input)).pathname;
        const key = path.replace(/^\/v1/, '');
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return base(input, init);
      },
      now: () => h.emulator.clock.now(),
      timeout: TIMEOUT,
      maxRetries: 2,
      debug,
      ...extra,
    });
  };
  const jwksUrl = (): string => `${h.baseUrl}${JWKS}`;
  const issuer = (): string => new URL(h.baseUrl).origin;

  beforeAll(async () => {
    h = await startHarness(mode, { pbkdf2Iterations: 1_000 });
    watch.secret('API key', h.emulator.project.apiKey);
    const user = await h.emulator.createUser({ email: freshEmail('fresh') });
    userId = user.id as string;
  });
  afterAll(() => h.close());
  beforeEach(() => {
    sent = new Map();
  });
  afterEach(() => h.emulator.faults.clear());

  it('a stale JWKS whose refresh hangs: 50 concurrent tokens with a cached key answer at once; one refresh', async () => {
    const c = isolated({ revocationCheck: false, verifiedCache: false });
    expect((await c.auth.verifyToken(await issue())).error).toBeNull();
    h.emulator.faults.add({ path: JWKS, delayMs: 30_000, times: Infinity });
    h.emulator.clock.advance(601_000); // past the max-age=600 the emulator serves
    const tokens = await Promise.all(Array.from({ length: 50 }, () => issue()));
    const before = hits(JWKS);
    const [results, ms] = await timed(() => Promise.all(tokens.map((t) => c.auth.verifyToken(t))));
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(ms).toBeLessThan(100);
    await until(() => hits(JWKS) > before);
    expect(hits(JWKS) - before).toBe(1); // one background refresh, on its first attempt
    ledger.record(
      'Faults',
      `JWKS past its lifetime, its refresh hanging (timeout ${TIMEOUT} ms, maxRetries 2): 50 concurrent verifications of tokens whose key is cached`,
      'all verified in under 100 ms (none waited for the refresh); one background refresh',
    );
  });

  it("an unknown kid while the refresh hangs waits one attempt's timeout, not the retry budget", async () => {
    const c = isolated({ revocationCheck: false, verifiedCache: false });
    expect((await c.auth.verifyToken(await issue())).error).toBeNull();
    await h.emulator.rotateKeys();
    h.emulator.faults.add({ path: JWKS, delayMs: 30_000, times: Infinity });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => issue()));
    const before = hits(JWKS);
    const [results, ms] = await timed(() => Promise.all(tokens.map((t) => c.auth.verifyToken(t))));
    expect(results.every((r) => r.error?.code === 'token_invalid')).toBe(true);
    expect(ms).toBeLessThan(2 * TIMEOUT); // the retry budget would be over 3 × TIMEOUT
    expect(hits(JWKS) - before).toBe(1); // one shared refetch, still on its first attempt
    ledger.record(
      'Faults',
      `20 concurrent tokens of a new kid while the JWKS hangs (timeout ${TIMEOUT} ms, maxRetries 2)`,
      `token_invalid within one attempt's timeout (under ${2 * TIMEOUT} ms, not the retry budget); one shared refetch`,
    );
  });

  it('the cooldown after a failed refresh counts from when the failure ended', async () => {
    const c = isolated({ revocationCheck: false, verifiedCache: false, maxRetries: 0 });
    expect((await c.auth.verifyToken(await issue())).error).toBeNull();
    h.emulator.faults.add({ path: JWKS, delayMs: 30_000, times: Infinity });
    h.emulator.clock.advance(601_000);
    const failures = lines.filter((l) => l.includes('JWKS refresh failed')).length;
    const before = hits(JWKS);
    expect((await c.auth.verifyToken(await issue())).error).toBeNull(); // starts the refresh
    h.emulator.clock.advance(20_000); // the refresh hangs 20 s of the client's clock
    await until(() => lines.filter((l) => l.includes('JWKS refresh failed')).length > failures);
    const ended = h.emulator.clock.now();
    h.emulator.clock.set(ended + 29_000); // 49 s after the start: a count from it would refetch
    expect((await c.auth.verifyToken(await issue())).error).toBeNull();
    expect(hits(JWKS) - before).toBe(1);
    h.emulator.clock.set(ended + 30_000);
    expect((await c.auth.verifyToken(await issue())).error).toBeNull();
    await until(() => hits(JWKS) - before === 2);
    ledger.record(
      'Faults',
      'a JWKS refresh that hangs 20 s (client clock) then fails: when is the next one?',
      'none 29 s after the failure ended (49 s after it started); one at 30 s',
    );
  });

  it('a hanging revocation endpoint, fail-open: one bounded wait, then first-seen tokens pass at once until the window ends; one probe after it', async () => {
    const c = isolated({ verifiedCache: false });
    expect((await c.auth.verifyToken(await issue())).error).toBeNull();
    h.emulator.faults.add({ path: VERIFY, delayMs: 30_000, times: Infinity });
    const before = hits(VERIFY);
    const [first, waited] = await timed(async () => c.auth.verifyToken(await issue()));
    expect(first.error).toBeNull();
    expect(waited).toBeLessThan(2 * TIMEOUT);
    expect(hits(VERIFY) - before).toBe(1); // one request, not maxRetries + 1
    const tokens = await Promise.all(Array.from({ length: 50 }, () => issue()));
    const [results, ms] = await timed(() => Promise.all(tokens.map((t) => c.auth.verifyToken(t))));
    expect(results.every((r) => r.error === null)).toBe(true);
    expect(ms).toBeLessThan(100);
    expect(hits(VERIFY) - before).toBe(1);
    // The window (5 s from the failure's end) over: one probe, the others still at once.
    h.emulator.clock.advance(5_001);
    const probe = c.auth.verifyToken(await issue());
    const others = await Promise.all(Array.from({ length: 10 }, () => issue()));
    const [rest, restMs] = await timed(() => Promise.all(others.map((t) => c.auth.verifyToken(t))));
    expect(rest.every((r) => r.error === null)).toBe(true);
    expect(restMs).toBeLessThan(100);
    expect((await probe).error).toBeNull();
    expect(hits(VERIFY) - before).toBe(2);
    ledger.record(
      'Faults',
      `revocation endpoint hanging (timeout ${TIMEOUT} ms, maxRetries 2), fail-open: 1 + 50 first-seen tokens, then 11 more after the 5 s window`,
      `the first waited one attempt (under ${2 * TIMEOUT} ms, 1 request); the 50 passed in under 100 ms with no request; after the window one probe (1 request), the other 10 in under 100 ms`,
    );
  });

  it('a hanging revocation endpoint, fail-closed: thrown after one attempt, then thrown at once', async () => {
    const c = isolated({ verifiedCache: false, revocationCheck: { failClosed: true } });
    expect((await c.auth.verifyToken(await issue())).error).toBeNull();
    h.emulator.faults.add({ path: VERIFY, delayMs: 30_000, times: Infinity });
    const before = hits(VERIFY);
    const [e, waited] = await timed(async () => thrown(c.auth.verifyToken(await issue()), watch));
    expect(e).toMatchObject({ code: 'timeout' });
    expect(waited).toBeLessThan(2 * TIMEOUT);
    const tokens = await Promise.all(Array.from({ length: 50 }, () => issue()));
    const [results, ms] = await timed(() =>
      Promise.allSettled(tokens.map((t) => c.auth.verifyToken(t))),
    );
    expect(ms).toBeLessThan(100);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        code: 'timeout',
        details: { skipped: true },
      });
    }
    expect(hits(VERIFY) - before).toBe(1);
    ledger.record(
      'Faults',
      `revocation endpoint hanging (timeout ${TIMEOUT} ms, maxRetries 2), failClosed: 1 + 50 first-seen tokens`,
      `the first thrown timeout after one attempt (under ${2 * TIMEOUT} ms, 1 request); the 50 thrown (details.skipped) in under 100 ms with no request`,
    );
  });

  it('a key rotated out, the network to Protekt blocked: cached keys verify until maxStale (24 h), then jwks_unavailable', async () => {
    const c = isolated({ revocationCheck: false, maxRetries: 0 });
    const forged = await issue(40 * 86_400); // signed by the key about to be rotated out
    const confirmed = h.emulator.clock.now();
    expect((await c.auth.verifyToken(forged)).error).toBeNull();
    await h.emulator.rotateKeys();
    h.emulator.faults.add({ path: /./, drop: true, times: Infinity });
    h.emulator.clock.set(confirmed + DAY - 60_000);
    expect((await c.auth.verifyToken(forged)).error).toBeNull(); // stale, within the bound
    for (const later of [DAY + 60_000, 30 * DAY]) {
      h.emulator.clock.set(confirmed + later);
      const e = await thrown(c.auth.verifyToken(forged), watch);
      expect(e).toMatchObject({ code: 'jwks_unavailable', details: { cause: 'network_error' } });
      const [again, ms] = await timed(() => thrown(c.auth.verifyToken(forged), watch));
      expect(again.code).toBe('jwks_unavailable'); // within the cooldown: at once, no request
      expect(ms).toBeLessThan(50);
    }
    h.emulator.faults.clear();
    h.emulator.clock.advance(31_000);
    expect((await c.auth.verifyToken(await issue())).error).toBeNull(); // reachable: confirmed
    ledger.record(
      'Attacks',
      'a token of a key rotated out, the network to Protekt blocked (every request dropped), at +1 day − 1 min, +1 day, +30 days',
      'verified at +1 day − 1 min; thrown jwks_unavailable (503 in the middleware) past maxStale (24 h), at once within the cooldown; verified again once the JWKS is reachable',
    );
  });

  it('a poisoned jwksCache store: refused, or trusted no longer than its bounds', async () => {
    const attacker = await makeKey('ES256', 'planted');
    const forge = (kid = 'planted'): Promise<string> => {
      const now = Math.floor(h.emulator.clock.now() / 1000);
      const claims = {
        iss: issuer(),
        sub: userId,
        aud: [h.emulator.project.loginId],
        iat: now,
        exp: now + 30 * 86_400,
      };
      return signRaw({ alg: 'ES256', kid, typ: 'JWT' }, claims, attacker);
    };
    const entry = (extra: Partial<StoredJwks> = {}): StoredJwks => ({
      keys: [attacker.jwk],
      fetchedAt: h.emulator.clock.now(),
      expiresAt: h.emulator.clock.now() + DAY,
      issuer: issuer(),
      url: jwksUrl(),
      ...extra,
    });
    const store = (value: StoredJwks): JwksCacheStore => ({
      get: async () => value,
      set: async () => {},
    });
    const refusedCases: [string, Partial<StoredJwks>][] = [
      ['a key with private members', { keys: [{ ...attacker.jwk, d: 'A'.repeat(43) }] }],
      ['a fetchedAt in the future', { fetchedAt: h.emulator.clock.now() + DAY }],
      ['another issuer', { issuer: 'https://evil.example' }],
      ['no issuer or URL (a store that ignores its key)', { issuer: undefined, url: undefined }],
    ];
    for (const [what, change] of refusedCases) {
      const c = isolated({ revocationCheck: false, jwksCache: store(entry(change)) });
      expect((await c.auth.verifyToken(await forge())).error?.code).toBe('token_invalid');
      ledger.record(
        'Attacks',
        `a jwksCache entry with ${what}`,
        'refused (logged); the keys come from the network: the forgery is token_invalid',
      );
    }

    // Planted with the right names: trusted (that is the hook's job), then replaced within the
    // default lifetime (10 min) although it claims a day, by a refresh nobody waits for.
    const c = isolated({ revocationCheck: false, verifiedCache: false, jwksCache: store(entry()) });
    const forged = await forge();
    expect((await c.auth.verifyToken(forged)).error).toBeNull();
    h.emulator.clock.advance(600_000);
    const left = lines.filter((l) => l.includes('a key left the JWKS')).length;
    await c.auth.verifyToken(forged); // stale: served while the real JWKS is fetched
    await until(() => lines.filter((l) => l.includes('a key left the JWKS')).length > left);
    expect((await c.auth.verifyToken(forged)).error?.code).toBe('token_invalid');
    // And behind a blocked network: never past maxStale from its fetchedAt.
    h.emulator.faults.add({ path: /./, drop: true, times: Infinity });
    const blocked = isolated({ revocationCheck: false, maxRetries: 0, jwksCache: store(entry()) });
    expect((await blocked.auth.verifyToken(await forge())).error).toBeNull();
    h.emulator.clock.advance(DAY);
    const e = await thrown(blocked.auth.verifyToken(await forge()), watch);
    expect(e.code).toBe('jwks_unavailable');
    ledger.record(
      'Attacks',
      'a jwksCache entry of attacker keys, right issuer and URL, claiming a day of freshness',
      'trusted at first (the hook is); replaced by the real JWKS 10 min after its fetchedAt (token_invalid); with the network blocked, thrown jwks_unavailable at maxStale (24 h) after its fetchedAt',
    );
  });

  it('an ES256 token ended by logout stays refused in its (r, n − s) twin with the network down', async () => {
    await h.emulator.rotateKeys({ alg: 'ES256' });
    const c = isolated({ maxRetries: 0 });
    const other = isolated({ maxRetries: 0 });
    const signUp = await c.auth.signUp({ email: freshEmail('twin'), password: PASSWORD });
    const token = signUp.accessToken!;
    watch.secret('access token', token);
    watch.secret('refresh token', signUp.refreshToken);
    const twin = es256Twin(token);
    watch.secret('access token twin', twin);
    expect((await c.auth.verifyToken(token)).error).toBeNull();
    expect((await c.auth.verifyToken(twin)).error).toBeNull(); // the same signed content
    expect((await other.auth.verifyToken(token)).error).toBeNull();
    expect((await c.auth.logout(token)).error).toBeNull();
    h.emulator.clock.advance(31_000); // past revocationCheck.maxAge
    expect((await other.auth.verifyToken(token)).error?.code).toBe('token_revoked');
    h.emulator.faults.add({ path: /./, drop: true, times: Infinity });
    expect((await c.auth.verifyToken(twin)).error?.code).toBe('token_revoked'); // ended here
    expect((await other.auth.verifyToken(twin)).error?.code).toBe('token_revoked'); // remote answer
    ledger.record(
      'Attacks',
      "an ES256 token's (r, n − s) twin after logout, the network down (this client; another instance that saw the refusal)",
      'token_revoked in both: one revocation verdict per signed content (low-s key)',
    );
  });
});
