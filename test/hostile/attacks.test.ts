/**
 * Attacks, the hostile angle the other suites do not cover (the token attack catalogue lives in
 * test/tokens/attacks.test.ts, random requests in test/emulator): floods of forged tokens against
 * verifyToken must cost a bounded number of JWKS fetches and no revocation request; hostile HTTP
 * against the emulator server (oversized headers and bodies, lying Content-Length, smuggling
 * framing, nesting bombs, prototype pollution, invalid UTF-8, connection floods) must be refused
 * cleanly and leave the server serving. Then the SDK's own surfaces: a validly signed payload
 * nested 100,000 deep, a polluted Object.prototype (in a child process, against the built
 * package), API error codes named like Object.prototype members, ids that a URL would resolve
 * (`.`, `..`, `a/b`), and network errors whose message echoes the API key.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { inspect } from 'node:util';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtektError, Protekt } from '../../src/index.js';
import { protektAuth } from '../../src/hono/index.js';
import type { FetchLike } from '../../src/http/transport.js';
import { encodeBase64urlText } from '../../src/util/base64url.js';
import { PASSWORD, freshEmail, startHarness, type Harness } from '../support/emulator.js';
import { claimsAt, fakeWith, signRaw } from '../tokens/_helpers.js';
import { Ledger, SecretWatch, closedPort, guardProcess, root, since, thrown } from './_support.js';

const ledger = new Ledger('attacks');
const guard = guardProcess();
const watch = new SecretWatch();
watch.secret('password', PASSWORD);
const protoNames = Object.getOwnPropertyNames(Object.prototype).sort();

const b64 = (v: unknown): string =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const randomKid = (i: number): string => `kid_${i}_${Math.random().toString(36).slice(2, 10)}`;

let h: Harness;
let token: string;
const host = (): string => new URL(h.baseUrl).host;

beforeAll(async () => {
  h = await startHarness('http');
  watch.secret('API key', h.emulator.project.apiKey);
  const c = h.client({ maxRetries: 0 });
  const r = await c.auth.signUp({ email: freshEmail('attack'), password: PASSWORD });
  token = r.accessToken!;
  watch.secret('access token', token);
});

afterAll(async () => {
  await h.close();
  guard.stop();
  expect(guard.seen).toEqual([]);
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoNames);
  const [texts, secrets] = watch.assertClean();
  ledger.record(
    'Attacks',
    'no unhandled rejection or uncaught exception during the attack suite; Object.prototype compared before and after',
    'none seen; Object.prototype unchanged',
  );
  ledger.record(
    'Secrets',
    `texts produced by the attack suite × ${secrets} secrets`,
    'no secret in any text',
    texts,
  );
  await ledger.flush();
});

describe('forged-token floods against verifyToken', () => {
  it('2,000 tokens with random kids over three cooldown windows: at most one JWKS fetch per window, no revocation request', async () => {
    let now = Date.now();
    // A fetch of its own, so this client starts with a cold JWKS cache shared with nobody.
    const client = new Protekt({
      loginId: h.emulator.project.loginId,
      apiKey: h.emulator.project.apiKey,
      baseUrl: h.baseUrl,
      fetch: (i, init) => fetch(i, init),
      now: () => now,
      debug: watch.debug,
    });
    const jwksBefore = h.emulator.faults.hits('/.well-known/jwks.json');
    const verifyBefore = h.emulator.faults.hits('/auth/token/verify');
    const [, payload] = token.split('.');
    let refused = 0;
    const started = Date.now();
    for (let window = 0; window < 3; window++) {
      for (let batch = 0; batch < 4; batch++) {
        const tokens = Array.from(
          { length: 167 },
          (_, i) =>
            `${b64({ alg: 'RS256', typ: 'JWT', kid: randomKid(i) })}.${payload}.${b64('not a signature')}`,
        );
        const results = await Promise.all(tokens.map((t) => client.auth.verifyToken(t)));
        for (const r of results) {
          expect(r.error).toMatchObject({ code: 'token_invalid' });
          refused++;
        }
      }
      now += 31_000; // past the 30 s unknown-kid cooldown
    }
    const fetches = h.emulator.faults.hits('/.well-known/jwks.json') - jwksBefore;
    expect(fetches).toBeGreaterThanOrEqual(1);
    expect(fetches).toBeLessThanOrEqual(4); // the cold fetch, then one unknown-kid refetch per window
    expect(h.emulator.faults.hits('/auth/token/verify') - verifyBefore).toBe(0);
    expect(since(started)).toBeLessThan(15_000);
    // The real token still verifies afterwards.
    expect((await client.auth.verifyToken(token)).error).toBeNull();
    ledger.record(
      'Attacks',
      `${refused} forged tokens with random kids (167 concurrent at a time) over 3 unknown-kid cooldown windows`,
      'returned token_invalid for each; JWKS fetches bounded: the cold fetch plus at most one unknown-kid refetch per cooldown window (4 at most in all); no revocation request; the real token still verifies',
      refused,
    );
  });

  it('1,000 tokens with the right kid and a wrong signature: no JWKS fetch, no revocation request', async () => {
    const client = h.client({ debug: watch.debug });
    expect((await client.auth.verifyToken(token)).error).toBeNull(); // keys cached
    const jwksBefore = h.emulator.faults.hits('/.well-known/jwks.json');
    const verifyBefore = h.emulator.faults.hits('/auth/token/verify');
    const [head, payload, sig] = token.split('.') as [string, string, string];
    const results = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => {
        const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
        return client.auth.verifyToken(
          `${head}.${i % 2 ? b64({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: `usr_${i}` }) : payload}.${flipped}`,
        );
      }),
    );
    expect(results.every((r) => r.error?.code === 'token_invalid')).toBe(true);
    expect(h.emulator.faults.hits('/.well-known/jwks.json') - jwksBefore).toBe(0);
    expect(h.emulator.faults.hits('/auth/token/verify') - verifyBefore).toBe(0);
    ledger.record(
      'Attacks',
      '1,000 tokens with a published kid but a bad signature (altered signature or payload), concurrently',
      'returned token_invalid for each; no JWKS fetch; no revocation request',
      1_000,
    );
  });

  it('oversized and garbage tokens are refused before any parsing or network', async () => {
    const client = h.client({ debug: watch.debug });
    const before = h.emulator.requests.length;
    const cases = [
      'x'.repeat(1 << 20),
      `${'a'.repeat(20_000)}.b.c`,
      '.'.repeat(100_000),
      `${b64({ alg: 'RS256', kid: 'k'.repeat(100_000) })}.e30.sig`,
      '\u0000'.repeat(1000),
    ];
    const started = Date.now();
    for (const t of cases)
      expect((await client.auth.verifyToken(t)).error).toMatchObject({ code: 'token_invalid' });
    expect(since(started)).toBeLessThan(1_000);
    expect(h.emulator.requests.length).toBe(before);
    ledger.record(
      'Attacks',
      'oversized or garbage tokens (1 MB, 20 KB segment, 100,000 dots, a 100 KB kid, NULs)',
      'returned token_invalid at once; no request',
      cases.length,
    );
  });
});

/**
 * Sends raw bytes to the emulator server and resolves its raw answer (or '' when it closed without
 * one).
 */
function raw(
  bytes: string | Buffer,
  opts: { endAfter?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  const { port, hostname } = new URL(h.baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let out = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, opts.timeoutMs ?? 3_000);
    socket.on('data', (d) => {
      out += d.toString('latin1');
      if (/\r\n\r\n/.test(out)) {
        const m = /content-length:\s*(\d+)/i.exec(out);
        const head = out.indexOf('\r\n\r\n') + 4;
        if (!m || out.length - head >= Number(m[1])) done();
      }
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes);
    if (opts.endAfter) socket.end();
  });
}

const status = (answer: string): number => Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
const codeOf = (answer: string): string | undefined => /"code":"([a-z_]+)"/.exec(answer)?.[1];

describe('hostile HTTP against the emulator server', () => {
  const stillServing = async (): Promise<void> => {
    const res = await fetch(`${h.baseUrl}/.well-known/jwks.json`, {
      signal: AbortSignal.timeout(3_000),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  };
  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    const lines = [
      `POST /v1${path} HTTP/1.1`,
      `host: ${host()}`,
      `x-protekt-key: ${h.emulator.project.apiKey}`,
      'content-type: application/json',
      `content-length: ${buf.length}`,
      'connection: close',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), buf]);
  };

  it.each([
    [
      'a 64 KB header value',
      () =>
        `GET /v1/.well-known/jwks.json HTTP/1.1\r\nhost: ${host()}\r\nx-big: ${'a'.repeat(65_536)}\r\n\r\n`,
      [431],
    ],
    [
      '2,000 headers',
      () =>
        `GET /v1/.well-known/jwks.json HTTP/1.1\r\nhost: ${host()}\r\n${Array.from({ length: 2_000 }, (_, i) => `x-h${i}: v`).join('\r\n')}\r\n\r\n`,
      [431, 200],
    ],
    [
      'an 8 KB URL',
      () =>
        `GET /v1/auth/users/${'u'.repeat(8_192)} HTTP/1.1\r\nhost: ${host()}\r\nx-protekt-key: ${h.emulator.project.apiKey}\r\nconnection: close\r\n\r\n`,
      [404, 414, 431],
    ],
    [
      'Content-Length and Transfer-Encoding together (smuggling framing)',
      () =>
        `POST /v1/auth/login HTTP/1.1\r\nhost: ${host()}\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/auth/users HTTP/1.1\r\nhost: x\r\n\r\n`,
      [400],
    ],
    [
      'two different Content-Length headers',
      () =>
        `POST /v1/auth/login HTTP/1.1\r\nhost: ${host()}\r\ncontent-length: 2\r\ncontent-length: 40\r\n\r\n{}`,
      [400],
    ],
    ['a request line that is not HTTP', () => 'HELLO THERE\r\n\r\n', [400]],
    [
      'NUL bytes in the request line',
      () => `GET /v1/\u0000/../auth/users HTTP/1.1\r\nhost: ${host()}\r\n\r\n`,
      [400],
    ],
  ])('%s: refused, the server still serves', async (what, build, statuses) => {
    const answer = await raw(build());
    expect(statuses).toContain(status(answer));
    await stillServing();
    ledger.record(
      'Attacks',
      `HTTP to the emulator server: ${what}`,
      `answered HTTP ${status(answer)}; the server kept serving`,
    );
  });

  it('a 1 MB JSON body, declared or chunked: 413 payload_too_large, the server still serves', async () => {
    const big = JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1 << 20) });
    const declared = await raw(post('/auth/signup', big));
    expect(status(declared)).toBe(413);
    expect(codeOf(declared)).toBe('payload_too_large');
    const chunk = Buffer.from(big);
    const chunked = await raw(
      Buffer.concat([
        Buffer.from(
          `POST /v1/auth/signup HTTP/1.1\r\nhost: ${host()}\r\nx-protekt-key: ${h.emulator.project.apiKey}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n${chunk.length.toString(16)}\r\n`,
        ),
        chunk,
        Buffer.from('\r\n0\r\n\r\n'),
      ]),
    );
    expect(status(chunked)).toBe(413);
    await stillServing();
    ledger.record(
      'Attacks',
      'a 1 MB JSON body to the emulator server, with Content-Length and chunked',
      'answered 413 payload_too_large both ways; the server kept serving',
      2,
    );
  });

  it('a Content-Length of 10 MB with 10 bytes sent, then the client hangs up: the server survives', async () => {
    const head = `POST /v1/auth/signup HTTP/1.1\r\nhost: ${host()}\r\nx-protekt-key: ${h.emulator.project.apiKey}\r\ncontent-type: application/json\r\ncontent-length: ${10 * 1024 * 1024}\r\n\r\n{"email":`;
    const answer = await raw(head, { endAfter: true, timeoutMs: 1_000 });
    expect([0, 413]).toContain(status(answer));
    await stillServing();
    ledger.record(
      'Attacks',
      'a lying Content-Length (10 MB declared, 10 bytes sent, then hang-up)',
      `${status(answer) ? `answered ${status(answer)}` : 'connection closed'}; the server kept serving`,
    );
  });

  it('a 10,000-deep JSON nesting bomb inside 64 KB: no crash; the emulator cuts the metadata at depth 16', async () => {
    const depth = 10_000;
    const email = freshEmail('bomb');
    const metadata = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const answer = await raw(
      post('/auth/signup', `{"email":"${email}","password":"${PASSWORD}","metadata":${metadata}}`),
    );
    expect([201, 400]).toContain(status(answer));
    await stillServing();
    let stored: unknown = h.emulator.store.user(email)?.metadata;
    let levels = 0;
    while (stored && typeof stored === 'object' && 'a' in stored) {
      stored = (stored as { a: unknown }).a;
      levels++;
    }
    // Found here: the emulator accepts it (the SDK refuses metadata deeper than 32 or over 16 KiB
    // before sending) and silently replaces everything below depth 16 with null.
    ledger.record(
      'Attacks',
      'a 10,000-deep JSON nesting bomb in metadata sent raw to the emulator (sign-up, 60 KB body)',
      `answered ${status(answer)}; no 500, the server kept serving; ${status(answer) === 201 ? `metadata stored cut to ${levels} levels (FINDING: silently truncated, not refused)` : 'refused'}`,
    );
  });

  it('prototype-polluting JSON sent straight to the emulator: nothing polluted, nothing stored', async () => {
    const email = freshEmail('proto');
    const body = `{"email":"${email}","password":"${PASSWORD}","__proto__":{"polluted":1,"isAdmin":true},"constructor":{"prototype":{"polluted":1}},"metadata":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"plan":"pro"}}`;
    const answer = await raw(post('/auth/signup', body));
    expect([200, 201, 400]).toContain(status(answer));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const stored = h.emulator.store.user(email);
    if (stored) {
      expect(Object.keys(stored.metadata as object)).not.toContain('__proto__');
      expect(Object.keys(stored.metadata as object)).not.toContain('constructor');
      expect((stored as Record<string, unknown>).isAdmin).toBeUndefined();
    }
    const u = h.emulator.store.users()[0]!;
    const patch = await fetch(`${h.baseUrl}/auth/users/${u.id as string}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-protekt-key': h.emulator.project.apiKey },
      body: '{"metadata":{"__proto__":{"polluted":1}},"__proto__":{"disabled":true}}',
    });
    expect([200, 400]).toContain(patch.status);
    await patch.arrayBuffer();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(h.emulator.store.user(u.id as string)!.disabled).toBe(false);
    ledger.record(
      'Attacks',
      'sign-up and users.update bodies with __proto__ / constructor.prototype sent raw to the emulator',
      `answered ${status(answer)} and ${patch.status}; no prototype polluted; no such key stored; the user not disabled`,
      2,
    );
  });

  it('invalid UTF-8, a wrong media type, and an oversized Idempotency-Key: clean 4xx', async () => {
    const bad = await raw(post('/auth/signup', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])));
    expect(status(bad)).toBe(400);
    const media = await fetch(`${h.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', 'x-protekt-key': h.emulator.project.apiKey },
      body: '<login/>',
    });
    expect(media.status).toBe(415);
    await media.arrayBuffer();
    const key = await fetch(`${h.baseUrl}/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-protekt-key': h.emulator.project.apiKey,
        'idempotency-key': 'k'.repeat(300),
      },
      body: JSON.stringify({ email: 'a@example.com', password: PASSWORD }),
    });
    expect(key.status).toBe(400);
    await key.arrayBuffer();
    ledger.record(
      'Attacks',
      'invalid UTF-8 body; text/xml body; a 300-character Idempotency-Key',
      'answered 400, 415 and 400 in the error envelope',
      3,
    );
  });

  it('path traversal and encoded separators in ids: 404, never another resource', async () => {
    const paths = [
      '/auth/users/..%2F..%2Fetc%2Fpasswd',
      '/auth/users/%2e%2e',
      '/auth/users/usr_1%00',
      '/auth/sessions/..%2Fusers',
      '/auth/users/%252e%252e%252f',
    ];
    const statuses: number[] = [];
    for (const p of paths) {
      const res = await fetch(`${h.baseUrl}${p}`, {
        headers: { 'x-protekt-key': h.emulator.project.apiKey, authorization: `Bearer ${token}` },
      });
      statuses.push(res.status);
      const body = (await res.json()) as { error?: { code?: string } };
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(body.error?.code).toMatch(
        /not_found|invalid_request|token_invalid|method_not_allowed/,
      );
    }
    ledger.record(
      'Attacks',
      'path traversal and encoded separators in user and session ids',
      `answered ${[...new Set(statuses)].sort().join('/')} in the error envelope; never another resource`,
      paths.length,
    );
  });

  it('300 idle connections held open: a normal request is still answered', async () => {
    const { port, hostname } = new URL(h.baseUrl);
    const sockets = await Promise.all(
      Array.from(
        { length: 300 },
        () =>
          new Promise<import('node:net').Socket>((resolve) => {
            const s = connect(Number(port), hostname, () => resolve(s));
            s.on('error', () => resolve(s));
          }),
      ),
    );
    try {
      const started = Date.now();
      await stillServing();
      expect(since(started)).toBeLessThan(3_000);
    } finally {
      for (const s of sockets) s.destroy();
    }
    ledger.record(
      'Attacks',
      '300 idle TCP connections held open against the emulator server',
      'a normal request was still answered, in under 3 s',
    );
  });

  it('500 concurrent requests: all answered', async () => {
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        fetch(`${h.baseUrl}${i % 2 ? '/.well-known/jwks.json' : '/auth/users?limit=1'}`, {
          headers: { 'x-protekt-key': h.emulator.project.apiKey },
          signal: AbortSignal.timeout(10_000),
        }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    expect(answers.every((s) => s === 200)).toBe(true);
    ledger.record('Attacks', '500 concurrent requests to the emulator server', 'all answered 200');
  });
});

describe('a validly signed payload nested 100,000 levels deep', () => {
  it('returns token_invalid without throwing, in bounded time; 64 levels still verify', async () => {
    const fake = await fakeWith('RS256');
    const key = fake.keys[0]!;
    const v = fake.verifier({ revocationCheck: false, maxTokenLength: 1_048_576 });
    // Written as text: JSON.stringify itself throws a RangeError on such a value.
    const claims = JSON.stringify(claimsAt(fake.clock));
    const sign = (deep: string): Promise<string> =>
      signRaw(
        { alg: 'RS256', kid: key.kid, typ: 'JWT' },
        encodeBase64urlText(`${claims.slice(0, -1)},"deep":${deep}}`),
        key,
      );
    const arrays = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
    const objects = (n: number): string => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    const tokens = await Promise.all([arrays(100_000), objects(100_000), arrays(64)].map(sign));
    const started = Date.now();
    for (const token of tokens) {
      const r = await v.verify(token);
      expect(r.error).toMatchObject({ code: 'token_invalid', details: { reason: 'malformed' } });
    }
    expect(since(started)).toBeLessThan(1_000);
    // The payload is level 1: 63 nested arrays below it make the deepest accepted payload.
    const ok = await v.verify(await sign(arrays(63)));
    expect(ok.error).toBeNull();
    expect(Object.isFrozen(ok.user!.metadata.deep)).toBe(true);
    ledger.record(
      'Attacks',
      'a validly signed access token whose payload nests 100,000 arrays or objects deep (and one 65 levels deep)',
      'returned token_invalid (reason malformed) without throwing, the three in under 1 s; a payload 64 levels deep still verifies',
      3,
    );
  });
});

describe('a polluted Object.prototype (child process, built package)', () => {
  it('options, parameters, mocks and the middleware read own properties only', async () => {
    if (!['index.js', 'hono.js', 'testing.js'].every((f) => existsSync(`${root}dist/${f}`)))
      throw new Error('dist/ is missing: run `npm run build` first (the child imports it).');
    const started = Date.now();
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [`${root}test/hostile/_polluted-child.mjs`, root],
        { cwd: root, timeout: 20_000 },
        (error, out) => (error ? reject(error) : resolve(out)),
      ),
    );
    expect(since(started)).toBeLessThan(15_000);
    const found = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    const challenge = 'Bearer realm="protekt"';
    expect(found).toEqual({
      constructed: ['https://auth.protekt.io/v1', 'https://auth.protekt.io/v1'],
      'two sign-ups': ['a@example.com', 'b@example.com'],
      'login with no fields': ['invalid_email', 0],
      'users.update without metadata': {},
      'verify the real token': true,
      'verify a forged token': 'token_invalid',
      'social login URL': false,
      'mock with nothing given': 'not_mocked',
      'middleware built': true,
      'no token': [401, challenge],
      'token in a cookie nobody configured': [401, challenge],
      'forged bearer': 401,
      'real bearer': 200,
    });
    ledger.record(
      'Attacks',
      'Object.prototype polluted with 33 option and parameter names (baseUrl, fetch, jwks, clockTolerance, revocationCheck, optional, cookie, idempotencyKey, email, metadata…) before the built package is imported',
      'ignored everywhere: the client builds with its defaults; two sign-ups stay two calls; login({}) refused locally; the real token verifies, a forged one is refused; mocks stay unmocked; the middleware answers 401 without a token (cookie not read) and for a forged one',
      Object.keys(found).length,
    );
  });
});

describe('API error codes named like Object.prototype members', () => {
  const NAMES = [
    'constructor',
    'toString',
    '__proto__',
    'hasOwnProperty',
    'valueOf',
    'isPrototypeOf',
    '__defineGetter__',
  ];
  const answering =
    (body: unknown, status: number): FetchLike =>
    async () =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      });

  it('returned as sent, in both envelopes, with or without a message: never a TypeError', async () => {
    let cases = 0;
    for (const code of NAMES) {
      for (const body of [
        { error: { code, message: 'no' } },
        { error: { code } },
        { error: code, statusCode: 400 },
      ]) {
        const client = h.client({ fetch: answering(body, 400), maxRetries: 0 });
        const { user, error } = await client.users.get('usr_1');
        watch.error('result error', error);
        expect(user).toBeNull();
        expect(error).toMatchObject({ code, status: 400, message: expect.any(String) });
        cases++;
      }
    }
    ledger.record(
      'Attacks',
      'API error answers whose code is an Object.prototype member (constructor, toString, __proto__, hasOwnProperty…), in both envelopes, with and without a message',
      'returned in error with the code as sent and a string message; no TypeError',
      cases,
    );
  });

  it('the revocation check answering them: thrown invalid_response; the middleware answers 401 token_invalid', async () => {
    const verifyAnswer = (code: string): FetchLike => {
      const refuse = answering({ error: { code } }, 401);
      return (input, init) =>
        String(input).endsWith('/auth/token/verify') ? refuse(input, init) : fetch(input, init);
    };
    for (const code of NAMES) {
      const client = h.client({ fetch: verifyAnswer(code), maxRetries: 0 });
      const e = await thrown(client.auth.verifyToken(token), watch);
      expect(e).toBeInstanceOf(ProtektError);
      expect(e.code).toBe('invalid_response');
      const mock = Protekt.mock({
        verifyToken: async () => ({
          user: null,
          claims: null,
          error: { code: code as 'token_invalid', message: 'x', status: 401 },
        }),
      });
      const app = new Hono();
      app.use('*', protektAuth({ client: mock }));
      app.get('/', (c) => c.text('in'));
      const res = await app.request('/', { headers: { authorization: 'Bearer abc.def.ghi' } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'token_invalid' } });
    }
    ledger.record(
      'Attacks',
      'a revocation check answering 401 with an Object.prototype member as its code; the middleware given such a code',
      'verifyToken threw invalid_response (not a verdict, never a TypeError); the middleware answered 401 token_invalid',
      NAMES.length * 2,
    );
  });
});

describe('ids a URL would resolve', () => {
  it("'.', '..', '', 'a/b' and other non-ids in every path parameter: invalid_request, status 0, nothing sent", async () => {
    const client = h.client({ maxRetries: 0 });
    const ids = [
      '.',
      '..',
      '',
      'a/b',
      '/',
      '../x',
      './',
      ' ',
      'a b',
      'a\u0000',
      'é',
      'x'.repeat(257),
    ];
    const calls: [string, (id: string) => Promise<{ error: unknown }>][] = [
      ['userId', (id) => client.users.get(id)],
      ['userId', (id) => client.users.update(id, { disabled: false })],
      ['userId', (id) => client.users.delete(id)],
      ['sessionId', (id) => client.sessions.revoke(id, token)],
    ];
    const before = h.emulator.requests.length;
    for (const [field, call] of calls) {
      for (const id of ids) {
        const { error } = await call(id);
        expect(error, JSON.stringify(id)).toMatchObject({
          code: 'invalid_request',
          status: 0,
          details: { field },
        });
      }
    }
    expect(h.emulator.requests.length).toBe(before);
    // Ids that only look odd are still sent, and answered by Protekt.
    for (const id of ['...', 'a.b', '%2e%2e', 'usr_a?b#c']) {
      expect((await client.users.get(id)).error).toMatchObject({ code: 'user_not_found' });
    }
    expect(h.emulator.requests.length).toBe(before + 4);
    ledger.record(
      'Attacks',
      "ids '.', '..', '', 'a/b', '/', '../x', spaces, NUL, non-ASCII, 257 characters in each path parameter (users.get/update/delete, sessions.revoke)",
      'returned invalid_request with status 0; no request sent (never DELETE /auth/sessions/); ids like "..." or "%2e%2e" are sent encoded and answered user_not_found',
      ids.length * calls.length,
    );
  });
});

describe('network errors whose message echoes the API key', () => {
  it('the thrown error and its cause keep the name and code only', async () => {
    const { loginId, apiKey } = h.emulator.project;
    const echo = (init?: RequestInit): string =>
      `request to ${h.baseUrl} failed, headers ${JSON.stringify(init?.headers)}`;
    const cases: [string, (init?: RequestInit) => unknown, { name: string; code?: string }][] = [
      [
        'a TypeError with a code',
        (init) => Object.assign(new TypeError(echo(init)), { code: 'ECONNREFUSED' }),
        { name: 'TypeError', code: 'ECONNREFUSED' },
      ],
      [
        "Node's shape: the code on the error's own cause",
        (init) =>
          new TypeError(echo(init), {
            cause: Object.assign(new Error(echo(init)), { code: 'UND_ERR_SOCKET' }),
          }),
        { name: 'TypeError', code: 'UND_ERR_SOCKET' },
      ],
      [
        'a code and a name that are the API key',
        () => Object.assign(new Error(apiKey), { name: apiKey, code: apiKey }),
        { name: 'Error' },
      ],
      ['a rejected string', (init) => echo(init), { name: 'Error' }],
    ];
    for (const [, failure, kept] of cases) {
      const client = new Protekt({
        loginId,
        apiKey,
        baseUrl: h.baseUrl,
        maxRetries: 0,
        fetch: async (_, init) => {
          throw failure(init);
        },
      });
      const e = await thrown(client.users.list(), watch);
      expect(e).toMatchObject({ code: 'network_error', status: 0 });
      const cause = e.cause as Error & { code?: string };
      expect({ name: cause.name, code: cause.code }).toEqual({ code: undefined, ...kept });
      for (const text of [String(e), JSON.stringify(e), String(cause), inspect(e, { depth: 5 })])
        expect(text).not.toContain(apiKey);
    }
    // A real refused connection: the code Node's fetch gives is kept.
    const port = await closedPort();
    const refused = await thrown(
      h.client({ baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 0 }).users.list(),
      watch,
    );
    expect(refused.cause).toMatchObject({ name: 'TypeError', code: 'ECONNREFUSED' });
    ledger.record(
      'Secrets',
      'a fetch option failing with the API key in the error message (own code, code on its cause, key as name and code, a rejected string); a real refused connection',
      "network_error's cause keeps the error's name and code (ECONNREFUSED, UND_ERR_SOCKET) and never its message: no API key in the error, its cause, JSON, String or inspect view",
      cases.length + 1,
    );
  });
});
