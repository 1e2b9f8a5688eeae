/**
 * Faults: every way the network and the server can fail, through the emulator's fault injection
 * (in-process and over real HTTP on 127.0.0.1) and through raw node:net servers that misbehave on
 * purpose. Each case ends as docs/error-handling.md says — retried, returned in `error`, or thrown
 * as a ProtektError with a code — within a bounded time, with no unhandled rejection, and every
 * retried POST carries one Idempotency-Key on every attempt.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Protekt, ProtektError, type ProtektOptions } from '../../src/index.js';
import type { RequestRecord } from '../../src/testing/index.js';
import {
  MODES,
  PASSWORD,
  freshEmail,
  startHarness,
  type Harness,
  type Mode,
} from '../support/emulator.js';
import {
  FAKE_PROJECT,
  Ledger,
  SecretWatch,
  answer,
  closedPort,
  guardProcess,
  rawServer,
  since,
  thrown,
  type RawServer,
} from './_support.js';

const ledger = new Ledger('faults');
const guard = guardProcess();
const watch = new SecretWatch();
let retriedPosts = 0;

watch.secret('API key', FAKE_PROJECT.apiKey);
watch.secret('password', PASSWORD);

afterAll(async () => {
  guard.stop();
  expect(guard.seen).toEqual([]);
  const [texts, secrets] = watch.assertClean();
  ledger.record(
    'Faults',
    'no unhandled rejection or uncaught exception during the fault suite (process listeners)',
    'none seen',
  );
  ledger.record(
    'Faults',
    'every retried POST of the fault suite: Idempotency-Key on each attempt',
    'one key, the same on every attempt',
    retriedPosts,
  );
  ledger.record(
    'Secrets',
    `texts produced by the fault suite (debug lines; thrown errors: message, cause, stack, JSON, inspect; client views) × ${secrets} secrets`,
    'no secret in any text',
    texts,
  );
  await ledger.flush();
});

/** Asserts a group of attempts of one POST carried one key, the same each time. */
function oneKey(
  records: readonly ({ idempotencyKey: string | null } | { headers: Record<string, string> })[],
  attempts: number,
): void {
  expect(records).toHaveLength(attempts);
  const keys = records.map((r) =>
    'idempotencyKey' in r ? r.idempotencyKey : r.headers['idempotency-key'],
  );
  expect(keys.every((k) => typeof k === 'string' && k.length > 0)).toBe(true);
  expect(new Set(keys).size).toBe(1);
  if (attempts > 1) retriedPosts++;
}

describe.each(MODES)('emulator faults (%s)', (mode: Mode) => {
  let h: Harness;
  let client: Protekt;
  const fresh = (extra: Partial<ProtektOptions> = {}): Protekt => {
    const c = h.client({ debug: watch.debug, ...extra });
    watch.client(`client (${mode})`, c);
    return c;
  };
  const log = (): readonly RequestRecord[] => h.emulator.requests;
  const from = (): number => log().length;
  const recordsSince = (start: number, path: string): RequestRecord[] =>
    log()
      .slice(start)
      .filter((r) => r.path === path);
  const user = async (): Promise<{ email: string }> => {
    const email = freshEmail('fault');
    const r = await client.auth.signUp({ email, password: PASSWORD });
    expect(r.error).toBeNull();
    watch.secret('access token', r.accessToken);
    watch.secret('refresh token', r.refreshToken);
    return { email };
  };

  beforeAll(async () => {
    h = await startHarness(mode);
    watch.secret('API key', h.emulator.project.apiKey);
    client = fresh();
  });
  afterAll(async () => {
    // Every POST the emulator saw in this mode carried an idempotency key.
    const posts = log().filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.filter((r) => !r.idempotencyKey)).toEqual([]);
    await h.close();
  });
  afterEach(() => h.emulator.faults.clear());

  it.each([
    [[503], 'signUp', 'POST'],
    [[502], 'login', 'POST'],
    [[504], 'users.list', 'GET'],
    [[503, 502], 'signUp', 'POST'],
    [[502, 504], 'login', 'POST'],
    [[504, 503], 'users.list', 'GET'],
    [[500], 'signUp', 'POST'],
    [[408], 'login', 'POST'],
  ])('%j then success on %s', async (statuses, op) => {
    const { email } = op === 'login' ? await user() : { email: freshEmail('fault') };
    const path = op === 'signUp' ? '/auth/signup' : op === 'login' ? '/auth/login' : '/auth/users';
    for (const status of statuses) h.emulator.faults.add({ path, status });
    const start = from();
    const started = Date.now();
    const r =
      op === 'signUp'
        ? await client.auth.signUp({ email, password: PASSWORD })
        : op === 'login'
          ? await client.auth.login({ email, password: PASSWORD })
          : await client.users.list({ limit: 1 });
    expect(r.error).toBeNull();
    expect(since(started)).toBeLessThan(3_000);
    const attempts = recordsSince(start, path);
    expect(attempts).toHaveLength(statuses.length + 1);
    if (op !== 'users.list') oneKey(attempts, statuses.length + 1);
    ledger.record(
      'Faults',
      `HTTP ${statuses.join(' then ')}, then success (${op === 'users.list' ? 'GET' : 'POST'})`,
      `retried; succeeded on attempt ${statuses.length + 1}`,
    );
  });

  it.each([
    [500, 'server_error'],
    [502, 'server_error'],
    [504, 'server_error'],
    [503, 'service_unavailable'],
  ])('HTTP %i on every attempt is thrown as %s after 3 attempts', async (status, code) => {
    h.emulator.faults.add({ path: '/auth/signup', status, times: 3 });
    const start = from();
    const e = await thrown(
      client.auth.signUp({ email: freshEmail('fault'), password: PASSWORD }),
      watch,
    );
    expect(e).toBeInstanceOf(ProtektError);
    expect(e).toMatchObject({ code, status, details: { attempts: 3 } });
    oneKey(recordsSince(start, '/auth/signup'), 3);
    ledger.record(
      'Faults',
      `HTTP ${status} on every attempt`,
      `thrown ${code} after 3 attempts (maxRetries 2)`,
    );
  });

  it('HTTP 501 is thrown at once, never retried', async () => {
    h.emulator.faults.add({ path: '/auth/signup', status: 501, times: 3 });
    const start = from();
    const e = await thrown(
      client.auth.signUp({ email: freshEmail('fault'), password: PASSWORD }),
      watch,
    );
    expect(e).toMatchObject({ code: 'server_error', status: 501, details: { attempts: 1 } });
    expect(recordsSince(start, '/auth/signup')).toHaveLength(1);
    ledger.record('Faults', 'HTTP 501', 'thrown server_error after 1 attempt (not retried)');
  });

  it('429 with Retry-After in seconds: waits that long, then succeeds', async () => {
    const { email } = await user();
    h.emulator.faults.add({ path: '/auth/login', status: 429, retryAfter: 1 });
    const start = from();
    const started = Date.now();
    const r = await client.auth.login({ email, password: PASSWORD });
    const elapsed = since(started);
    expect(r.error).toBeNull();
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3_000);
    oneKey(recordsSince(start, '/auth/login'), 2);
    ledger.record(
      'Faults',
      '429 with Retry-After: 1 (seconds)',
      'retried after the 1 s asked; succeeded on attempt 2',
    );
  });

  it('429 with Retry-After as an HTTP date: waits until then, then succeeds', async () => {
    const { email } = await user();
    // HTTP dates have whole seconds: 2 s ahead means a wait of 1 to 2 s.
    h.emulator.faults.add({
      path: '/auth/login',
      status: 429,
      retryAfter: new Date(Date.now() + 2_000).toUTCString(),
    });
    const start = from();
    const started = Date.now();
    const r = await client.auth.login({ email, password: PASSWORD });
    const elapsed = since(started);
    expect(r.error).toBeNull();
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3_500);
    oneKey(recordsSince(start, '/auth/login'), 2);
    ledger.record(
      'Faults',
      '429 with Retry-After as an HTTP date (2 s ahead)',
      'retried at that date; succeeded on attempt 2',
    );
  });

  it('429 with a Retry-After past maxRetryAfter (seconds or date): rate_limited at once, no sleep', async () => {
    const c = fresh({ maxRetryAfter: 2_000 });
    for (const retryAfter of [30, new Date(Date.now() + 3_600_000).toUTCString()]) {
      h.emulator.faults.add({ path: '/auth/login', status: 429, retryAfter });
      const start = from();
      const started = Date.now();
      const r = await c.auth.login({ email: freshEmail('fault'), password: PASSWORD });
      expect(since(started)).toBeLessThan(1_000);
      expect(r.error).toMatchObject({ code: 'rate_limited', status: 429 });
      const wait = r.error!.details!.retryAfter as number;
      expect(typeof retryAfter === 'number' ? wait === 30 : wait > 3_500 && wait <= 3_600).toBe(
        true,
      );
      expect(recordsSince(start, '/auth/login')).toHaveLength(1);
      watch.error('result', r.error);
      ledger.record(
        'Faults',
        `429 with Retry-After longer than maxRetryAfter (${typeof retryAfter === 'number' ? 'seconds' : 'HTTP date'})`,
        'returned rate_limited at once with details.retryAfter; 1 attempt, no sleep',
      );
    }
  });

  it('503 with a Retry-After past maxRetryAfter: thrown service_unavailable at once, with retryAfter', async () => {
    const c = fresh({ maxRetryAfter: 2_000 });
    h.emulator.faults.add({ path: '/auth/users', status: 503, retryAfter: 60 });
    const started = Date.now();
    const e = await thrown(c.users.list(), watch);
    expect(since(started)).toBeLessThan(1_000);
    expect(e).toMatchObject({
      code: 'service_unavailable',
      status: 503,
      details: { attempts: 1, retryAfter: 60 },
    });
    ledger.record(
      'Faults',
      '503 with Retry-After longer than maxRetryAfter',
      'thrown service_unavailable at once with details.retryAfter; 1 attempt',
    );
  });

  it('429 on every attempt (short Retry-After): rate_limited after 3 attempts', async () => {
    h.emulator.faults.add({ path: '/auth/login', status: 429, retryAfter: 0, times: 3 });
    const start = from();
    const r = await client.auth.login({ email: freshEmail('fault'), password: PASSWORD });
    expect(r.error).toMatchObject({ code: 'rate_limited', status: 429 });
    oneKey(recordsSince(start, '/auth/login'), 3);
    ledger.record(
      'Faults',
      '429 on every attempt (Retry-After: 0)',
      'returned rate_limited after 3 attempts',
    );
  });

  it('a connection dropped before the answer, then success', async () => {
    h.emulator.faults.add({ path: '/auth/signup', drop: true });
    const start = from();
    const r = await client.auth.signUp({ email: freshEmail('fault'), password: PASSWORD });
    expect(r.error).toBeNull();
    oneKey(recordsSince(start, '/auth/signup'), 2);
    ledger.record(
      'Faults',
      'connection dropped (before processing), then success',
      'retried; succeeded on attempt 2',
    );
  });

  it('a connection dropped on every attempt: network_error', async () => {
    h.emulator.faults.add({ path: '/auth/signup', drop: true, times: 3 });
    const start = from();
    const e = await thrown(
      client.auth.signUp({ email: freshEmail('fault'), password: PASSWORD }),
      watch,
    );
    expect(e).toMatchObject({ code: 'network_error', status: 0, details: { attempts: 3 } });
    oneKey(recordsSince(start, '/auth/signup'), 3);
    ledger.record(
      'Faults',
      'connection dropped on every attempt',
      'thrown network_error after 3 attempts',
    );
  });

  it.each([
    ['not JSON', '<html><body>502 Bad Gateway</body></html>'],
    ['truncated JSON', '{"access_token":"eyJhbGciOi'],
    ['JSON null', 'null'],
    ['a JSON array', '[]'],
    ['a JSON string', '"ok"'],
    ['a JSON number', '42'],
    ['JSON of the wrong shape', '{"access_token":42,"refresh_token":null,"user":"x"}'],
    ['an empty object (no tokens)', '{}'],
    ['a UTF-8 BOM then JSON', '\ufeff{"access_token":"x"}'],
  ])('a 200 whose body is %s: invalid_response, not retried', async (what, body) => {
    h.emulator.faults.add({ path: '/auth/signup', status: 200, body });
    const start = from();
    const e = await thrown(
      client.auth.signUp({ email: freshEmail('fault'), password: PASSWORD }),
      watch,
    );
    expect(e).toBeInstanceOf(ProtektError);
    expect(e.code).toBe('invalid_response');
    expect(recordsSince(start, '/auth/signup')).toHaveLength(1);
    ledger.record(
      'Faults',
      `a 200 answer whose body is ${what}`,
      'thrown invalid_response; 1 attempt',
    );
  });

  it.each([
    ['not JSON', 400, 'Bad Request', 'thrown invalid_response'],
    [
      'an envelope without a code',
      400,
      '{"error":{"message":"no code"}}',
      'thrown invalid_response',
    ],
    [
      'the alternate envelope',
      400,
      '{"error":"invalid_email","message":"Bad e-mail","statusCode":400}',
      'returned invalid_email',
    ],
    [
      'an unknown code',
      418,
      '{"error":{"code":"teapot","message":"I am a teapot"}}',
      'returned teapot',
    ],
    [
      'an alias code',
      401,
      '{"error":{"code":"invalid_token","message":"old spelling"}}',
      'returned token_invalid',
    ],
  ])('an error status whose body is %s', async (what, status, body, outcome) => {
    h.emulator.faults.add({ path: '/auth/users', status, body });
    if (outcome.startsWith('thrown')) {
      const e = await thrown(client.users.list(), watch);
      expect(e.code).toBe('invalid_response');
    } else {
      const r = await client.users.list();
      watch.error('result', r.error);
      expect(r.error?.code).toBe(outcome.replace('returned ', ''));
      expect(r.users).toBeNull();
    }
    ledger.record('Faults', `HTTP ${status} whose body is ${what}`, outcome);
  });

  it('a hang (no answer): timeout after the retries, in bounded time', async () => {
    const c = fresh({ timeout: 150, maxRetries: 1 });
    h.emulator.faults.add({ path: '/auth/signup', delayMs: 3_000, times: 2 });
    const start = from();
    const started = Date.now();
    const e = await thrown(
      c.auth.signUp({ email: freshEmail('fault'), password: PASSWORD }),
      watch,
    );
    expect(since(started)).toBeLessThan(1_500);
    expect(e).toMatchObject({ code: 'timeout', status: 0, details: { attempts: 2 } });
    oneKey(recordsSince(start, '/auth/signup'), 2);
    ledger.record(
      'Faults',
      'a hang on every attempt (timeout 150 ms, maxRetries 1)',
      'thrown timeout after 2 attempts, in under 1.5 s',
    );
  });

  it('a hang once, then success', async () => {
    const c = fresh({ timeout: 150 });
    h.emulator.faults.add({ path: '/auth/signup', delayMs: 3_000 });
    const start = from();
    const started = Date.now();
    const r = await c.auth.signUp({ email: freshEmail('fault'), password: PASSWORD });
    expect(r.error).toBeNull();
    expect(since(started)).toBeLessThan(2_000);
    oneKey(recordsSince(start, '/auth/signup'), 2);
    ledger.record(
      'Faults',
      'a hang once (timeout 150 ms), then success',
      'retried; succeeded on attempt 2',
    );
  });

  it('a per-call timeout overrides the client one', async () => {
    h.emulator.faults.add({ path: '/auth/users', delayMs: 3_000, times: 3 });
    const started = Date.now();
    const e = await thrown(client.users.list({}, { timeout: 100 }), watch);
    expect(e).toMatchObject({ code: 'timeout', details: { attempts: 3 } });
    expect(since(started)).toBeLessThan(2_000);
    ledger.record(
      'Faults',
      'a hang with a per-call { timeout: 100 }',
      'thrown timeout after 3 attempts, in under 2 s',
    );
  });

  it('a caller signal already aborted: nothing is sent', async () => {
    const start = from();
    const signal = AbortSignal.abort(new Error('caller gave up'));
    const e = await thrown(
      client.auth.signUp({ email: freshEmail('fault'), password: PASSWORD }, { signal }),
      watch,
    );
    expect(e).toMatchObject({ code: 'aborted' });
    expect(from()).toBe(start);
    ledger.record(
      'Faults',
      'caller AbortSignal already aborted',
      'thrown aborted; no request sent',
    );
  });

  it('a caller signal fired during a request', async () => {
    h.emulator.faults.add({ path: '/auth/signup', delayMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const start = from();
    const started = Date.now();
    const e = await thrown(
      client.auth.signUp(
        { email: freshEmail('fault'), password: PASSWORD },
        { signal: controller.signal },
      ),
      watch,
    );
    expect(since(started)).toBeLessThan(1_500);
    expect(e).toMatchObject({ code: 'aborted' });
    expect(recordsSince(start, '/auth/signup')).toHaveLength(1);
    ledger.record(
      'Faults',
      'caller AbortSignal fired during a request (server delaying 5 s)',
      'thrown aborted at once; 1 attempt, not retried',
    );
  });

  it('a caller signal fired during a backoff wait', async () => {
    const c = fresh({ maxRetryAfter: 10_000 });
    h.emulator.faults.add({ path: '/auth/signup', status: 503, retryAfter: 5 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const start = from();
    const started = Date.now();
    const e = await thrown(
      c.auth.signUp(
        { email: freshEmail('fault'), password: PASSWORD },
        { signal: controller.signal },
      ),
      watch,
    );
    expect(since(started)).toBeLessThan(1_500);
    expect(e).toMatchObject({ code: 'aborted' });
    expect(recordsSince(start, '/auth/signup')).toHaveLength(1);
    ledger.record(
      'Faults',
      'caller AbortSignal fired during a backoff wait (503, Retry-After: 5)',
      'thrown aborted at once; no second attempt',
    );
  });

  it('AbortSignal.timeout() as the caller signal, on a hang', async () => {
    h.emulator.faults.add({ path: '/auth/users', delayMs: 5_000, times: 3 });
    const started = Date.now();
    const e = await thrown(client.users.list({}, { signal: AbortSignal.timeout(200) }), watch);
    expect(since(started)).toBeLessThan(1_500);
    expect(e).toMatchObject({ code: 'aborted' });
    ledger.record(
      'Faults',
      'caller AbortSignal.timeout(200) on a hang',
      'thrown aborted in under 1.5 s',
    );
  });

  it('JWKS unreachable with a cold cache: verifyToken throws jwks_unavailable; revocation 503 fails open, or closed on request', async () => {
    const { email } = await user();
    const login = await client.auth.login({ email, password: PASSWORD });
    const token = login.accessToken!;
    watch.secret('access token', token);
    // A fresh fetch identity for a cold JWKS cache: a wrapper around the harness's transport.
    const base =
      mode === 'in-process'
        ? h.emulator.fetch
        : (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init);
    const cold = (extra: Partial<ProtektOptions> = {}): Protekt =>
      fresh({ fetch: (i, init) => base(i, init), maxRetries: 0, ...extra });
    h.emulator.faults.add({ path: '/.well-known/jwks.json', status: 503 });
    const e = await thrown(cold().auth.verifyToken(token), watch);
    expect(e).toMatchObject({ code: 'jwks_unavailable' });
    ledger.record(
      'Faults',
      'verifyToken with a cold JWKS cache and the JWKS endpoint answering 503',
      'thrown jwks_unavailable',
    );

    h.emulator.faults.add({ path: '/auth/token/verify', status: 503 });
    const open = await cold().auth.verifyToken(token);
    expect(open.error).toBeNull();
    ledger.record(
      'Faults',
      'verifyToken whose revocation check answers 503 (default: fail-open)',
      'returned the locally verified user (fail-open, debug-logged)',
    );

    h.emulator.faults.add({ path: '/auth/token/verify', status: 503 });
    const e2 = await thrown(
      cold({ revocationCheck: { failClosed: true } }).auth.verifyToken(token),
      watch,
    );
    expect(e2).toMatchObject({ code: 'service_unavailable' });
    ledger.record(
      'Faults',
      'verifyToken whose revocation check answers 503, revocationCheck.failClosed',
      'thrown service_unavailable',
    );
  });
});

// ---- raw servers: what the emulator cannot do -------------------------------------------------

describe('raw servers on 127.0.0.1', () => {
  const servers: RawServer[] = [];
  const clientOf = (
    server: { baseUrl: string } | string,
    extra: Partial<ProtektOptions> = {},
  ): Protekt => {
    const c = new Protekt({
      ...FAKE_PROJECT,
      baseUrl: typeof server === 'string' ? server : server.baseUrl,
      debug: watch.debug,
      ...extra,
    });
    watch.client('raw client', c);
    return c;
  };
  const serve = async (respond: Parameters<typeof rawServer>[0]): Promise<RawServer> => {
    const s = await rawServer(respond);
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const okUser =
    '{"id":"usr_1","email":"a@example.com","email_verified":false,"metadata":{},"created_at":"2024-01-01T00:00:00Z"}';
  const okTokens = `{"access_token":"at","refresh_token":"rt_x","expires_in":900,"token_type":"Bearer","user":${okUser}}`;

  it('a connection reset mid-body, then a whole answer: retried with the same key', async () => {
    const s = await serve((socket, _req, i) => {
      if (i === 0) {
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${okTokens.length}\r\n\r\n${okTokens.slice(0, 20)}`,
        );
        setTimeout(() => socket.resetAndDestroy(), 20);
      } else answer(socket, 200, okTokens);
    });
    const r = await clientOf(s).auth.signUp({ email: 'a@example.com', password: PASSWORD });
    expect(r.error).toBeNull();
    expect(r.accessToken).toBe('at');
    oneKey(s.requests, 2);
    ledger.record(
      'Faults',
      'connection reset mid-body (headers and half a body, then RST), then a whole answer',
      'retried; succeeded on attempt 2',
    );
  });

  it('a connection reset mid-body on every attempt: network_error, one key on the three attempts', async () => {
    const s = await serve((socket) => {
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"access_token":"ey`,
      );
      setTimeout(() => socket.destroy(), 20);
    });
    const started = Date.now();
    const e = await thrown(
      clientOf(s).auth.signUp({ email: 'a@example.com', password: PASSWORD }),
      watch,
    );
    expect(e).toMatchObject({ code: 'network_error', details: { attempts: 3 } });
    expect(since(started)).toBeLessThan(3_000);
    oneKey(s.requests, 3);
    ledger.record(
      'Faults',
      'connection closed mid-body on every attempt',
      'thrown network_error after 3 attempts',
    );
  });

  it('a connection closed before any answer: network_error after the retries', async () => {
    const s = await serve((socket) => socket.destroy());
    const e = await thrown(clientOf(s).users.list(), watch);
    expect(e).toMatchObject({ code: 'network_error', details: { attempts: 3 } });
    expect(s.requests).toHaveLength(3);
    ledger.record(
      'Faults',
      'connection closed before any answer, every attempt',
      'thrown network_error after 3 attempts',
    );
  });

  it('nothing listening (connection refused): network_error, fast', async () => {
    const port = await closedPort();
    const started = Date.now();
    const e = await thrown(
      clientOf(`http://127.0.0.1:${port}/v1`).auth.login({
        email: 'a@example.com',
        password: PASSWORD,
      }),
      watch,
    );
    expect(e).toMatchObject({ code: 'network_error', status: 0, details: { attempts: 3 } });
    expect(since(started)).toBeLessThan(2_000);
    ledger.record(
      'Faults',
      'nothing listening (connection refused on a closed port)',
      'thrown network_error after 3 attempts, in under 2 s',
    );
  });

  it.each([
    [
      'sends headers, then no body at all',
      (socket: import('node:net').Socket) =>
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n',
        ),
    ],
    ['accepts the connection and never answers', () => undefined],
    [
      'trickles a body one byte every 50 ms',
      (socket: import('node:net').Socket) => {
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n',
        );
        const t = setInterval(() => (socket.destroyed ? clearInterval(t) : socket.write(' ')), 50);
        socket.on('close', () => clearInterval(t));
      },
    ],
  ])('a server that %s: timeout, per attempt, including the body', async (what, respond) => {
    const s = await serve(respond);
    const started = Date.now();
    const e = await thrown(clientOf(s, { timeout: 250, maxRetries: 1 }).users.list(), watch);
    expect(e).toMatchObject({ code: 'timeout', details: { attempts: 2 } });
    expect(since(started)).toBeLessThan(2_000);
    ledger.record(
      'Faults',
      `a server that ${what} (timeout 250 ms, maxRetries 1)`,
      'thrown timeout after 2 attempts, in under 2 s',
    );
  });

  it('8 MB of garbage in a 200: invalid_response', async () => {
    const garbage = 'x'.repeat(8 * 1024 * 1024);
    const s = await serve((socket) =>
      answer(socket, 200, garbage, { 'content-type': 'text/html' }),
    );
    const e = await thrown(clientOf(s).users.list(), watch);
    expect(e.code).toBe('invalid_response');
    ledger.record('Faults', 'an 8 MB non-JSON 200 answer', 'thrown invalid_response; 1 attempt');
  });

  it('a 200 carrying prototype-polluting keys: parsed, nothing polluted', async () => {
    const body = `{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"data":[{"id":"usr_1","email":"a@example.com","metadata":{"__proto__":{"polluted":1},"plan":"pro"},"created_at":"2024-01-01T00:00:00Z"}],"has_more":false}`;
    const s = await serve((socket) => answer(socket, 200, body));
    const r = await clientOf(s).users.list();
    expect(r.error).toBeNull();
    expect(r.users![0]!.metadata).toEqual({ plan: 'pro' });
    expect(Object.getPrototypeOf(r.users![0]!.metadata)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    ledger.record(
      'Faults',
      'a 200 answer carrying __proto__ / constructor.prototype keys (top level and in metadata)',
      'returned the user without the keys; Object.prototype untouched',
    );
  });

  it('a redirect to another origin: not followed, the API key never reaches it', async () => {
    const thief = await serve((socket) => answer(socket, 200, okTokens));
    const s = await serve((socket) => answer(socket, 307, '', { location: `${thief.url}/steal` }));
    const e = await thrown(
      clientOf(s, { maxRetries: 0 }).auth.login({ email: 'a@example.com', password: PASSWORD }),
      watch,
    );
    expect(
      thief.requests.filter(
        (r) => r.headers['x-protekt-key'] !== undefined || r.body.includes(PASSWORD),
      ),
    ).toEqual([]);
    expect(e.code).toBe('invalid_response');
    ledger.record(
      'Faults',
      'a 307 redirect from the API to another origin',
      'thrown invalid_response; not followed, so neither the API key nor the body reaches the other origin',
    );
  });

  it('a 401 invalid_api_key: thrown at once, not retried, key not in the message', async () => {
    const s = await serve((socket) =>
      answer(socket, 401, '{"error":{"code":"invalid_api_key","message":"bad key"}}'),
    );
    const e = await thrown(clientOf(s).users.list(), watch);
    expect(e).toMatchObject({ code: 'invalid_api_key', status: 401 });
    expect(s.requests).toHaveLength(1);
    ledger.record('Faults', 'HTTP 401 invalid_api_key', 'thrown invalid_api_key; 1 attempt');
  });

  it.each([
    ['-1', 'rate_limited'],
    ['abc', 'rate_limited'],
    ['99999999999999999999', 'rate_limited'],
    ['1.5', 'rate_limited'],
    ['Thu, 01 Jan 1970 00:00:00 GMT', 'rate_limited'],
  ])('429 with a hostile Retry-After %j: bounded, returned %s', async (value, code) => {
    const s = await serve((socket) =>
      answer(socket, 429, '{"error":{"code":"rate_limited","message":"slow down"}}', {
        'retry-after': value,
      }),
    );
    const started = Date.now();
    const r = await clientOf(s, { maxRetryAfter: 1_000 }).auth.login({
      email: 'a@example.com',
      password: PASSWORD,
    });
    expect(since(started)).toBeLessThan(3_000);
    expect(r.error?.code).toBe(code);
    expect(s.requests.length).toBeGreaterThanOrEqual(1);
    expect(s.requests.length).toBeLessThanOrEqual(3);
    oneKey(s.requests, s.requests.length);
    ledger.record(
      'Faults',
      'HTTP 429 with a hostile Retry-After (negative, text, 20 digits, fraction, epoch date)',
      `returned ${code} in under 3 s, at most 3 attempts`,
    );
  });
});

// ---- the fetch option itself misbehaving ------------------------------------------------------

describe('a misbehaving fetch option', () => {
  const make = (fetchImpl: ProtektOptions['fetch'], extra: Partial<ProtektOptions> = {}): Protekt =>
    new Protekt({
      ...FAKE_PROJECT,
      baseUrl: 'http://127.0.0.1:9/v1',
      fetch: fetchImpl,
      debug: watch.debug,
      ...extra,
    });

  it('a fetch that ignores the abort signal and never settles: timeout, not a hang', async () => {
    const started = Date.now();
    const e = await thrown(
      make(() => new Promise<Response>(() => undefined), {
        timeout: 100,
        maxRetries: 1,
      }).users.list(),
      watch,
    );
    expect(e).toMatchObject({ code: 'timeout', details: { attempts: 2 } });
    expect(since(started)).toBeLessThan(1_500);
    ledger.record(
      'Faults',
      'a fetch option that ignores the abort signal and never settles',
      'thrown timeout after 2 attempts (no hang)',
    );
  });

  it('a body stream that never ends and ignores the signal: timeout, not a hang', async () => {
    const started = Date.now();
    const endless = () =>
      Promise.resolve(
        new Response(new ReadableStream({ pull: () => new Promise(() => undefined) }), {
          status: 200,
        }),
      );
    const e = await thrown(make(endless, { timeout: 100, maxRetries: 1 }).users.list(), watch);
    expect(e).toMatchObject({ code: 'timeout', details: { attempts: 2 } });
    expect(since(started)).toBeLessThan(1_500);
    ledger.record(
      'Faults',
      'a fetch option whose answer body never ends and ignores the signal',
      'thrown timeout after 2 attempts (no hang)',
    );
  });

  it("a fetch that aborts the caller's signal, then throws: aborted, and no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const caller = new AbortController();
      const impl = (): never => {
        caller.abort();
        throw new TypeError('after the abort');
      };
      const e = await thrown(make(impl).users.list({}, { signal: caller.signal }), watch);
      expect(e).toMatchObject({ code: 'aborted' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    ledger.record(
      'Faults',
      "a fetch option that aborts the caller's signal, then throws",
      'thrown aborted; no unhandled rejection',
    );
  });

  it.each([
    [
      'throws synchronously',
      () => {
        throw new Error('sync boom');
      },
    ],
    ['resolves to undefined', () => Promise.resolve(undefined as unknown as Response)],
    ['rejects with a non-Error', () => Promise.reject('a string')],
  ])('a fetch that %s: network_error', async (what, impl) => {
    const e = await thrown(
      make(impl as ProtektOptions['fetch'], { maxRetries: 1 }).users.list(),
      watch,
    );
    expect(e).toBeInstanceOf(ProtektError);
    expect(e.code).toBe('network_error');
    ledger.record('Faults', `a fetch option that ${what}`, 'thrown network_error after 2 attempts');
  });
});
