/**
 * The emulator as something anyone on its port can reach: a forged Host header must not steer the
 * URLs the served emulator builds (token issuer, redirects, form actions, which route answers);
 * unauthenticated traffic (the public login id, or nothing) must leave its memory bounded; a
 * `users.list` cursor must be read only within the project that made it.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveEmulator, type EmulatorServer } from '../../src/cli/serve.js';
import { MAX_LIMIT_KEYS, MAX_SHORT_LIVED, MAX_SSO_REQUESTS } from '../../src/testing/bounded.js';
import { stateOf } from '../../src/testing/emulator.js';
import { MAX_LOGGED_CHARS, MAX_LOGGED_REQUESTS } from '../../src/testing/faults.js';
import { createEmulator, type Emulator, type RequestRecord } from '../../src/testing/index.js';
import { MODES, PASSWORD, freshEmail, startHarness } from '../support/emulator.js';
import { Ledger, guardProcess, since } from './_support.js';

const ledger = new Ledger('emulator-bounds');
const guard = guardProcess();
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

afterAll(async () => {
  guard.stop();
  expect(guard.seen).toEqual([]);
  ledger.record(
    'Attacks',
    'no unhandled rejection or uncaught exception during the emulator-bounds suite',
    'none seen',
  );
  await ledger.flush();
});

/** A raw answer: status, lower-case headers, body. */
interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends raw bytes (one request, `connection: close`) and parses the answer. */
function rawHttp(port: number, text: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 3 s: ${out.slice(0, 200)}`));
    }, 3_000);
    socket.on('data', (d) => {
      out += d.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      const end = out.indexOf('\r\n\r\n');
      const head = out.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
      const raw = out.slice(end + 4);
      resolve({ status, headers, body: headers['transfer-encoding'] ? dechunk(raw) : raw });
    });
    socket.write(text);
  });
}

/** The body of a chunked answer. */
function dechunk(raw: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    const size = Number.parseInt(raw.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += raw.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** A request through `http.request` with a forged Host header. */
function forged(
  server: EmulatorServer,
  method: string,
  path: string,
  host: string,
  body?: { type: string; text: string },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host };
    if (body) headers['content-type'] = body.type;
    const req = request(
      { host: '127.0.0.1', port: server.port, method, path, headers, timeout: 3_000 },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += String(d);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers as Record<string, string>,
            body: text,
          }),
        );
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('no answer within 3 s')));
    req.end(body?.text);
  });
}

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

describe('the served emulator builds its URLs from its own origin, never the Host header', () => {
  let server: EmulatorServer;
  let user: { email: string };
  beforeAll(async () => {
    server = await serveEmulator({
      port: 0,
      emulator: createEmulator({ pbkdf2Iterations: 1_000 }),
    });
    user = { email: freshEmail('host') };
    await server.emulator.createUser({ email: user.email, password: PASSWORD });
  });
  afterAll(() => server.close());

  it('a JWKS request with `Host: x/v1/auth/users?limit=1#` answers the JWKS, never a user listing', async () => {
    const started = Date.now();
    const key = server.emulator.project.apiKey;
    const answer = await rawHttp(
      server.port,
      `GET /v1/.well-known/jwks.json HTTP/1.1\r\nHost: x/v1/auth/users?limit=1#\r\nx-protekt-key: ${key}\r\nconnection: close\r\n\r\n`,
    );
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['keys']);
    expect(answer.body).not.toContain(user.email);
    // What the emulator saw: the JWKS path on the server's own origin.
    const seen = server.emulator.requests.at(-1)!;
    expect(seen.path).toBe('/.well-known/jwks.json');
    expect(new URL(seen.url).origin).toBe(server.url);
    expect(since(started)).toBeLessThan(3_000);
    ledger.record(
      'Attacks',
      'a JWKS request to the served emulator with `Host: x/v1/auth/users?limit=1#` and a valid API key (raw socket)',
      'answered 200 with the JWKS only (no user listing); the emulator saw the JWKS path on its printed origin; answered in under 3 s',
    );
  });

  it('SSO and hosted-login redirects, form actions and token issuers with `Host: evil.test` stay on the printed origin', async () => {
    const started = Date.now();
    const { loginId } = server.emulator.project;
    const evil = 'evil.test';
    // SSO: authorize → fake IdP → callback → the app, every Location checked.
    const authorize = await forged(
      server,
      'GET',
      `/v1/auth/sso/authorize?login_id=${loginId}&provider=google&state=s1`,
      evil,
    );
    expect(authorize.status).toBe(302);
    const idp = new URL(authorize.headers.location!);
    expect(idp.origin).toBe(server.url);
    idp.searchParams.set('email', user.email);
    const answered = await forged(server, 'GET', `${idp.pathname}${idp.search}`, evil);
    expect(answered.status).toBe(302);
    const callback = new URL(answered.headers.location!);
    expect(callback.origin).toBe(server.url);
    const back = await forged(server, 'GET', `${callback.pathname}${callback.search}`, evil);
    expect(back.status).toBe(302);
    const app = new URL(back.headers.location!);
    expect(app.origin).toBe('http://localhost:3000');
    expect(claimsOf(app.searchParams.get('token')!).iss).toBe(server.url);
    // The hosted login page's form action, and its submission's redirect.
    const page = await forged(server, 'GET', `/v1/auth/authorize?login_id=${loginId}`, evil);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`action="${server.url}/v1/auth/authorize"`);
    const form = new URLSearchParams({ login_id: loginId, email: user.email, password: PASSWORD });
    const submit = await forged(server, 'POST', '/v1/auth/authorize', evil, {
      type: 'application/x-www-form-urlencoded',
      text: form.toString(),
    });
    expect(submit.status).toBe(302);
    const hosted = new URL(submit.headers.location!);
    expect(hosted.origin).toBe('http://localhost:3000');
    expect(claimsOf(hosted.searchParams.get('token')!).iss).toBe(server.url);
    for (const a of [authorize, answered, back, page, submit]) {
      expect(JSON.stringify(a.headers)).not.toContain(evil);
      expect(a.body).not.toContain(evil);
    }
    expect(since(started)).toBeLessThan(3_000);
    ledger.record(
      'Attacks',
      'the SSO flow (authorize, fake IdP, callback) and the hosted login page (form, submission) through the served emulator with `Host: evil.test`',
      'every Location, form action and token `iss` on the printed origin (or the project redirect URL); `evil.test` in no header or body; the five requests answered in under 3 s',
      5,
    );
  });

  it('an absolute-form target keeps only its path; a target that is not a path is refused', async () => {
    const { loginId } = server.emulator.project;
    const absolute = await rawHttp(
      server.port,
      `GET http://evil.test/v1/auth/sso/authorize?login_id=${loginId}&provider=google HTTP/1.1\r\nHost: evil.test\r\nconnection: close\r\n\r\n`,
    );
    expect(absolute.status).toBe(302);
    expect(new URL(absolute.headers.location!).origin).toBe(server.url);
    const sneaky = await rawHttp(
      server.port,
      `GET //evil.test/v1/.well-known/jwks.json HTTP/1.1\r\nHost: evil.test\r\nconnection: close\r\n\r\n`,
    );
    expect(sneaky.status).toBe(404);
    expect(new URL(server.emulator.requests.at(-1)!.url).origin).toBe(server.url);
    const userinfo = await rawHttp(
      server.port,
      'GET @evil.test/v1/.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\nconnection: close\r\n\r\n',
    );
    expect(userinfo.status).toBe(400);
    ledger.record(
      'Attacks',
      'request targets that name another host: absolute-form `http://evil.test/v1/…`, `//evil.test/…`, `@evil.test/…` (raw socket)',
      'the absolute form served on the printed origin (its redirect there); `//evil.test/…` a path on the printed origin (404); `@evil.test/…` refused 400; each answered in under 3 s',
      3,
    );
  });
});

/**
 * Fetches in-process, 50 at a time, `count` requests built by `make(i)`; resolves the statuses
 * counted and the last answer's Location (no per-request state kept, so the heap measured is the
 * emulator's).
 */
async function flood(
  emulator: Emulator,
  count: number,
  make: (i: number) => Request,
): Promise<{ statuses: Record<number, number>; location: string | null }> {
  const statuses: Record<number, number> = {};
  let location: string | null = null;
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async (_, j) => {
        const res = await emulator.fetch(make(i + j));
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        location = res.headers.get('location') ?? location;
        await res.arrayBuffer();
      }),
    );
  }
  return { statuses, location };
}

/**
 * Full GCs until the heap stops shrinking: undici frees a Request's parts through finalizers,
 * which run between collections, so one GC right after a flood still counts its garbage.
 */
async function settle(gc: () => void): Promise<number> {
  let last = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 8; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = process.memoryUsage().heapUsed;
    if (last - now < 256 * 1024) return now;
    last = now;
  }
  return last;
}

/** How many calls of each unauthenticated kind: past every cap they fill. */
const LOAD = { sso: 20_000, idp: 12_000, hosted: 12_000, keyless: 5_000 } as const;
const LOAD_TOTAL = LOAD.sso + LOAD.idp + LOAD.hosted + LOAD.keyless;
const BASE = 'https://auth.protekt.io/v1';
const padding = (i: number, n: number): string => `${i}-${'s'.repeat(n)}`.slice(0, n);

/** An SSO start with a 4,000-character `state` and a 3,000-character redirect URL. */
const ssoStart = (loginId: string, i: number): Request =>
  new Request(
    `${BASE}/auth/sso/authorize?login_id=${loginId}&provider=google&state=${padding(i, 4_000)}&redirect_url=${encodeURIComponent(`https://example.com/cb?${padding(i, 3_000)}`)}`,
  );

/**
 * The unauthenticated load, kind after kind: SSO starts (a pending request each); the fake IdP's
 * answers for the newest one (a code each); hosted-login submissions with fresh addresses and a
 * wrong password (a rate-limit window and a lockout counter each); requests with no key and 8 KB
 * of header (only the request log sees them). Asserts every answer's status.
 */
async function unauthenticatedLoad(emulator: Emulator): Promise<void> {
  const { loginId } = emulator.project;
  const sso = await flood(emulator, LOAD.sso, (i) => ssoStart(loginId, i));
  expect(sso.statuses).toEqual({ 302: LOAD.sso });
  const live = new URL(sso.location!).searchParams.get('request');
  const idp = await flood(
    emulator,
    LOAD.idp,
    (i) => new Request(`${BASE}/_idp/authorize?request=${live}&email=u${i}@example.com`),
  );
  expect(idp.statuses).toEqual({ 302: LOAD.idp });
  const form = (i: number) =>
    new URLSearchParams({ login_id: loginId, email: `h${i}@example.com`, password: 'x' });
  const hosted = await flood(
    emulator,
    LOAD.hosted,
    (i) => new Request(`${BASE}/auth/authorize`, { method: 'POST', body: form(i) }),
  );
  expect(hosted.statuses).toEqual({ 401: LOAD.hosted });
  const keyless = await flood(
    emulator,
    LOAD.keyless,
    (i) =>
      new Request(`${BASE}/auth/users?limit=1&n=${i}`, {
        headers: { 'x-junk': padding(i, 8_000) },
      }),
  );
  expect(keyless.statuses).toEqual({ 401: LOAD.keyless });
}

/** The characters the request log holds, counted as the log counts them. */
function loggedChars(requests: readonly RequestRecord[]): number {
  let n = 0;
  for (const r of requests) {
    n += r.url.length + r.path.length;
    for (const [k, v] of Object.entries(r.headers)) n += k.length + v.length;
  }
  return n;
}

describe('memory under unauthenticated load', () => {
  it(`${LOAD_TOTAL.toLocaleString('en')} unauthenticated calls (20,000 SSO starts): every map at or under its cap, heap growth under 40 MB`, async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const emulator = createEmulator({ pbkdf2Iterations: 1 });
    const state = stateOf(emulator)!;
    // Warm-up, so the baseline holds the app, the keys and the compiled code.
    await (await emulator.fetch(ssoStart(emulator.project.loginId, -1))).arrayBuffer();
    const before = await settle(gc);
    const started = Date.now();
    await unauthenticatedLoad(emulator);
    const elapsed = Date.now() - started;
    const sizes = {
      ssoRequests: state.store.ssoRequests.size,
      ssoCodes: state.store.ssoCodes.size,
      rateLimitKeys: state.limiter.size,
      lockoutKeys: state.lockout.size,
      requests: emulator.requests.length,
      loggedChars: loggedChars(emulator.requests),
    };
    const after = await settle(gc);
    console.log(
      `memory under unauthenticated load: ${LOAD_TOTAL} calls in ${elapsed} ms; ${JSON.stringify(sizes)}; heap after GC ${mb(before)} → ${mb(after)} (+${mb(after - before)})`,
    );
    expect(sizes.ssoRequests).toBe(MAX_SSO_REQUESTS);
    expect(sizes.ssoCodes).toBe(MAX_SHORT_LIVED);
    expect(sizes.rateLimitKeys).toBe(MAX_LIMIT_KEYS);
    expect(sizes.lockoutKeys).toBe(MAX_LIMIT_KEYS);
    expect(sizes.requests).toBeLessThanOrEqual(MAX_LOGGED_REQUESTS);
    expect(sizes.loggedChars).toBeLessThanOrEqual(MAX_LOGGED_CHARS);
    expect(state.store.users.size).toBe(0);
    expect(state.store.idempotency.size).toBe(0);
    expect(after - before).toBeLessThan(40 * 1024 * 1024);
    expect(elapsed).toBeLessThan(60_000);
    ledger.record(
      'Attacks',
      `${LOAD_TOTAL.toLocaleString('en')} unauthenticated calls in-process: 20,000 SSO starts (4,000-character state, 3,000-character redirect URL), 12,000 fake-IdP answers, 12,000 hosted-login submissions with fresh addresses and a wrong password, 5,000 keyless requests with 8 KB of header`,
      `pending SSO requests held at their cap of ${MAX_SSO_REQUESTS.toLocaleString('en')}; IdP codes, rate-limit windows and lockout counters at theirs of ${MAX_SHORT_LIVED.toLocaleString('en')}; the request log within ${MAX_LOGGED_REQUESTS.toLocaleString('en')} entries and ${MAX_LOGGED_CHARS / 1024 / 1024} Mi characters; no user or idempotency record; heap after GC grew less than 40 MB; done in under 60 s`,
      // One case per kind of call (each call's status is asserted, but 49,000 rows of one run
      // would drown the rest of the table).
      Object.keys(LOAD).length,
    );
  }, 120_000);
});

describe.each(MODES)('users.list cursors stay in their project (%s)', (mode) => {
  it("a cursor of project A sent with project B's key: 400 invalid_request, none of A's users", async () => {
    const h = await startHarness(mode);
    try {
      const started = Date.now();
      const a = h.emulator.project;
      const b = h.emulator.createProject();
      const aUsers: string[] = [];
      for (let i = 0; i < 3; i++) {
        const u = await h.emulator.createUser({ email: freshEmail('tenant-a') });
        aUsers.push(u['id'] as string, u['email'] as string);
      }
      for (let i = 0; i < 3; i++)
        await h.emulator.createUser({ email: freshEmail('tenant-b'), projectId: b.projectId });
      const list = async (key: string, cursor?: string) => {
        const query = cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const url = `${h.baseUrl}/auth/users?limit=1${query}`;
        const init = { headers: { 'x-protekt-key': key } };
        const res = await (mode === 'http' ? fetch(url, init) : h.emulator.fetch(url, init));
        return { status: res.status, text: await res.text() };
      };
      const first = JSON.parse((await list(a.apiKey)).text) as { next_cursor: string };
      const crossed = await list(b.apiKey, first.next_cursor);
      expect(crossed.status).toBe(400);
      expect(JSON.parse(crossed.text)).toMatchObject({
        error: { code: 'invalid_request', details: { field: 'cursor' } },
      });
      for (const leak of aUsers) expect(crossed.text).not.toContain(leak);
      // The cursor still works in its own project, and B's own cursors in B.
      expect((await list(a.apiKey, first.next_cursor)).status).toBe(200);
      const bFirst = JSON.parse((await list(b.apiKey)).text) as { next_cursor: string };
      const bNext = await list(b.apiKey, bFirst.next_cursor);
      expect(bNext.status).toBe(200);
      for (const leak of aUsers) expect(bNext.text).not.toContain(leak);
      expect(since(started)).toBeLessThan(3_000);
      ledger.record(
        'Attacks',
        "a users.list cursor of project A sent with project B's API key (in-process and over HTTP)",
        "refused 400 invalid_request (field cursor), none of A's user ids or e-mail addresses in the answer; the cursor still pages A, B's own cursors page B; each case in under 3 s",
      );
    } finally {
      await h.close();
    }
  });
});
