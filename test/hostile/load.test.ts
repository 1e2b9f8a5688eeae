/**
 * Load: the Node serverless example (examples/node-serverless, the fetch handler behind its Node
 * adapter, guarding /api/me with protekt.auth.verifyToken) under a bounded autocannon load from a
 * SECOND process on loopback (bench/load/run.mjs), against the emulator over HTTP: no errors, no
 * timeouts, non-2xx only where expected, and the server's heap after GC bounded. Then a bounded
 * loop of verifications with many distinct tokens shows the SDK's caches do not grow past their
 * bounds (heap after GC, since src/tokens exposes no cache sizes).
 *
 * Figures go to test/hostile/results/load-figures.json and the Load section of docs/reliability.md.
 * Reproduce with `npx vitest run test/hostile/load.test.ts` (needs `npm run build` first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Protekt } from '../../src/index.js';
import { createEmulator } from '../../src/testing/index.js';
import { PASSWORD, freshEmail, startHarness, type Harness } from '../support/emulator.js';
import { Ledger, guardProcess, root, writeResult } from './_support.js';

const ledger = new Ledger('load');
const guard = guardProcess();
const COMMAND = 'npx vitest run test/hostile/load.test.ts';
const sections: { title: string; text?: string; figures: [string, string][] }[] = [];
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

afterAll(async () => {
  guard.stop();
  expect(guard.seen).toEqual([]);
  ledger.record(
    'Load',
    'no unhandled rejection or uncaught exception in the test process during the load runs',
    'none seen',
  );
  writeResult('load-figures', {
    command: COMMAND,
    machine: `${cpus().length} CPU cores shared with the other test runs, Node ${process.version}`,
    sections,
  });
  await ledger.flush();
});

/** A child process started by this test, stopped by its own pid. */
function startChild(
  cmd: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; ipc?: boolean },
) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env };
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  const child: ChildProcess = spawn(cmd, args, {
    cwd: options.cwd,
    env,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    async stop(): Promise<number | null> {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return child.exitCode;
    },
  };
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the node-serverless example under load from a second process', () => {
  let h: Harness;
  let server: ReturnType<typeof startChild> | undefined;
  let url = '';
  const tokens: string[] = [];

  beforeAll(async () => {
    if (!existsSync(`${root}dist/index.js`))
      throw new Error(
        'dist/ is missing: run `npm run build` first (the example imports @protekt/node by name).',
      );
    h = await startHarness('http');
    const client = h.client({ maxRetries: 0 });
    for (let i = 0; i < 20; i++) {
      const r = await client.auth.signUp({ email: freshEmail('load'), password: PASSWORD });
      if (r.error) throw new Error(`sign-up failed: ${r.error.code}`);
      tokens.push(r.accessToken);
    }
    server = startChild(
      process.execPath,
      ['--expose-gc', '--import', `${root}bench/load/probe.mjs`, 'server.mjs'],
      {
        cwd: `${root}examples/node-serverless`,
        ipc: true,
        env: {
          PORT: '0',
          PROTEKT_LOGIN_ID: h.emulator.project.loginId,
          PROTEKT_API_KEY: h.emulator.project.apiKey,
          PROTEKT_BASE_URL: h.baseUrl,
          PROTEKT_REVOCATION_MAX_AGE: '2',
        },
      },
    );
    url = await waitFor(
      'the example to listen',
      () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server!.out())?.[1],
      20_000,
    );
  }, 60_000);

  afterAll(async () => {
    const code = await server?.stop();
    await h?.close();
    expect(code).toBe(0);
  });

  const memory = (): Promise<NodeJS.MemoryUsage> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no memory answer from the server')), 5_000);
      server!.child.once('message', (m: NodeJS.MemoryUsage & { type: string }) => {
        clearTimeout(timer);
        resolve(m);
      });
      server!.child.send('memory');
    });

  it('keeps answering: no errors, 401 only for missing or forged tokens, bounded heap', async () => {
    // Warm-up: keys fetched, every token verified once.
    for (const t of tokens)
      expect(
        (await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${t}` } })).status,
      ).toBe(200);
    const before = await memory();
    const load = startChild(
      process.execPath,
      [
        `${root}bench/load/run.mjs`,
        '--url',
        url,
        '--path',
        '/api/me',
        '--duration',
        '5',
        '--connections',
        '8',
      ],
      {
        cwd: root,
        env: { LOAD_TOKENS: tokens.join(',') },
      },
    );
    const timer = setTimeout(() => void load.stop(), 30_000);
    const code = await load.exited;
    clearTimeout(timer);
    expect(code, load.err()).toBe(0);
    const r = JSON.parse(load.out().trim().split('\n').at(-1)!) as {
      requests: number;
      requestsPerSecond: number;
      latency: { p50: number; p97_5: number; p99: number; max: number };
      errors: number;
      timeouts: number;
      non2xx: number;
      counts: Record<'valid' | 'missing' | 'forged' | 'public', Record<string, number>>;
    };
    const after = await memory();

    expect(r.errors).toBe(0);
    expect(r.timeouts).toBe(0);
    expect(r.requests).toBeGreaterThan(400);
    expect(Object.keys(r.counts.valid)).toEqual(['200']);
    expect(Object.keys(r.counts.missing)).toEqual(['401']);
    expect(Object.keys(r.counts.forged)).toEqual(['401']);
    expect(Object.keys(r.counts.public)).toEqual(['200']);
    expect(r.non2xx).toBe((r.counts.missing['401'] ?? 0) + (r.counts.forged['401'] ?? 0));
    const heapGrowth = after.heapUsed - before.heapUsed;
    expect(heapGrowth).toBeLessThan(24 * 1024 * 1024);
    // The example still answers afterwards.
    expect((await fetch(`${url}/api/health`)).status).toBe(200);

    ledger.record(
      'Load',
      'examples/node-serverless under autocannon from a second process (8 connections, 5 s; valid, missing, forged tokens and the public route in turn)',
      'no errors, no timeouts; 200 for every valid token and the public route, 401 only for missing or forged tokens; heap after GC grew less than 24 MB; still answering after',
    );
    const fmt = (c: Record<string, number>): string =>
      Object.entries(c)
        .map(([s, n]) => `${n} × ${s}`)
        .join(', ');
    sections.push({
      title: 'examples/node-serverless under autocannon',
      text: 'The example (fetch handler behind its Node adapter) guards `/api/me` with `protekt.auth.verifyToken` (revocation maxAge 2 s) against the emulator over HTTP on 127.0.0.1; autocannon runs in a second process (`bench/load/run.mjs`), cycling a valid token (20 users), no token, a forged token and the public `/api/health`. Memory is sampled inside the server after a forced GC (`bench/load/probe.mjs`).',
      figures: [
        ['load', '8 connections, 5 s'],
        ['requests', String(r.requests)],
        ['requests/s (mean)', String(Math.round(r.requestsPerSecond))],
        [
          'latency p50 / p97.5 / p99 / max',
          `${r.latency.p50} / ${r.latency.p97_5} / ${r.latency.p99} / ${r.latency.max} ms`,
        ],
        ['errors / timeouts', `${r.errors} / ${r.timeouts}`],
        ['valid token', fmt(r.counts.valid)],
        ['no token', fmt(r.counts.missing)],
        ['forged token', fmt(r.counts.forged)],
        ['public route', fmt(r.counts.public)],
        [
          'server heap after GC, before → after',
          `${mb(before.heapUsed)} → ${mb(after.heapUsed)} (${heapGrowth >= 0 ? '+' : ''}${mb(heapGrowth)})`,
        ],
        ['server RSS, before → after', `${mb(before.rss)} → ${mb(after.rss)}`],
      ],
    });
  }, 60_000);
});

describe('many distinct tokens: the caches stay bounded', () => {
  it('a bounded loop (about 6 s) of verifications with distinct tokens: heap after GC flat once the caches are full', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const emulator = createEmulator({ algorithm: 'EdDSA', pbkdf2Iterations: 1_000 });
    const jwks = await emulator.jwks();
    let revocationChecks = 0;
    let jwksFetches = 0;
    // A stub Protekt: the emulator's JWKS, and "not revoked" for every revocation check, so the
    // heap measured is the SDK's own.
    const stub = async (input: Request | string | URL): Promise<Response> => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      if (path.endsWith('/.well-known/jwks.json')) {
        jwksFetches++;
        return Response.json(jwks, { headers: { 'cache-control': 'public, max-age=600' } });
      }
      if (path.endsWith('/auth/token/verify')) {
        revocationChecks++;
        return Response.json({ valid: true });
      }
      return Response.json({ error: { code: 'not_found', message: 'no' } }, { status: 404 });
    };
    const project = emulator.project;
    const client = new Protekt({ loginId: project.loginId, apiKey: project.apiKey, fetch: stub });
    const iat = Math.floor(Date.now() / 1000);
    let n = 0;
    const verifyNext = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, async () => {
            const k = n++;
            const t = await emulator.signToken({
              iss: 'https://auth.protekt.io',
              aud: [project.loginId, project.projectId],
              sub: `usr_${k}`,
              iat,
              exp: iat + 3_600,
              jti: `jti_${k}_${'x'.repeat(32)}`,
              email: `u${k}@example.com`,
            });
            const r = await client.auth.verifyToken(t);
            if (r.error) throw new Error(`token ${k}: ${r.error.code}`);
          }),
        );
      }
    };
    // Past both bounds: the verified cache (1,000) and the revocation answers (10,000).
    await verifyNext(12_000);
    gc();
    const full = process.memoryUsage().heapUsed;
    const started = Date.now();
    while (Date.now() - started < 6_000 && n < 60_000) await verifyNext(1_000);
    const elapsed = Date.now() - started;
    const measured = n - 12_000;
    gc();
    const end = process.memoryUsage().heapUsed;
    const growth = end - full;
    expect(measured).toBeGreaterThan(2_000);
    expect(growth).toBeLessThan(8 * 1024 * 1024);
    expect(jwksFetches).toBe(1);
    expect(revocationChecks).toBe(n);
    ledger.record(
      'Load',
      'verifyToken with more distinct tokens than both caches hold (12,000 to fill them, then a 6 s loop of fresh ones; revocation checked for each)',
      'every token verified; one JWKS fetch in all; one revocation check per token; heap after GC flat (less than 8 MB growth) once the caches were full, so both stay within their bounds',
    );
    sections.push({
      title: 'Distinct-token verification loop',
      text: 'In the test process: EdDSA tokens signed by an emulator key, each verified once by one client (verified-token cache bound 1,000, revocation-answer cache bound 10,000) against a stub fetch answering the JWKS and "not revoked". `src/tokens` exposes no cache sizes, so the bound is shown by the heap after a forced GC between the end of the fill phase and the end of the loop.',
      figures: [
        ['tokens to fill the caches', '12,000'],
        ['tokens in the measured loop', String(measured)],
        [
          'loop rate (sign + verify + revocation check)',
          `${Math.round((measured / elapsed) * 1000)} tokens/s`,
        ],
        ['JWKS fetches', String(jwksFetches)],
        [
          'heap after GC, caches full → end of loop',
          `${mb(full)} → ${mb(end)} (${growth >= 0 ? '+' : ''}${mb(growth)})`,
        ],
      ],
    });
  }, 60_000);
});
