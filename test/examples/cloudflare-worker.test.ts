/**
 * examples/cloudflare-worker: the Hono Worker under `wrangler dev` (workerd, local mode), its
 * credentials passed as bindings (`--var`), calling the emulator on 127.0.0.1 over HTTP. One
 * wrangler instance serves every case (its startup is the slow part). Plus the KV / Cache API
 * `jwksCache` stores of the example, against in-memory stand-ins.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvJwksCache } from '../../examples/cloudflare-worker/src/jwks-cache.js';
import {
  bin,
  freePort,
  requireBuild,
  root,
  runScenario,
  serveTestEmulator,
  signUp,
  start,
  userIdOf,
  waitForHttp,
  type ServedEmulator,
  type Started,
} from './_harness.js';

let emu: ServedEmulator;
let worker: Started;
let url = '';
let state = '';
let startupMs = 0;

/** `wrangler dev` (its own binary, not npx) on a free port, local KV persisted in `state`. */
async function startWorker(): Promise<Started> {
  const port = await freePort();
  const inspector = await freePort();
  const vars = Object.entries(emu.env).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  const proc = start(
    bin('wrangler'),
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspector),
      '--persist-to',
      state,
      '--show-interactive-dev-session=false',
      '--log-level',
      'warn',
      ...vars,
    ],
    { cwd: `${root}examples/cloudflare-worker`, env: { WRANGLER_LOG_PATH: join(state, 'logs') } },
  );
  url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/`, proc, 90_000);
  return proc;
}

describe('examples/cloudflare-worker under wrangler dev', () => {
  beforeAll(async () => {
    requireBuild();
    emu = await serveTestEmulator();
    state = mkdtempSync(join(tmpdir(), 'protekt-worker-'));
    const t = performance.now();
    worker = await startWorker();
    startupMs = Math.round(performance.now() - t);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await emu?.close();
    if (state) rmSync(state, { recursive: true, force: true });
  });

  it('serves its public route', async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it('guards /api/me: 503 on outage, 401 without/forged/revoked token, 200 with the user', async () => {
    const times = await runScenario(emu, (headers = {}) => fetch(`${url}/api/me`, { headers }));
    console.log('cloudflare-worker', { 'wrangler dev startup': startupMs, ...times });
  }, 60_000);

  it('a new isolate verifies with the JWKS endpoint down: the keys come from KV (the jwksCache hook)', async () => {
    const { id, accessToken } = await signUp(emu);
    await worker.stop();
    const fault = emu.emulator.faults.add({
      path: '/.well-known/jwks.json',
      status: 503,
      times: Infinity,
    });
    try {
      const t = performance.now();
      worker = await startWorker();
      const restartMs = Math.round(performance.now() - t);
      const res = await fetch(`${url}/api/me`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(res.status).toBe(200);
      expect(await userIdOf(res)).toBe(id);
      console.log('cloudflare-worker', { 'wrangler dev restart': restartMs });
    } finally {
      fault.remove();
    }
  }, 120_000);
});

describe('examples/cloudflare-worker jwksCache in KV', () => {
  it('stores under a jwks: key with a TTL past expiry, and reads it back', async () => {
    const kv = new Map<string, { value: string; ttl?: number }>();
    const store = kvJwksCache({
      get: async (key) => (kv.has(key) ? JSON.parse(kv.get(key)!.value) : null),
      put: async (key, value, options) => void kv.set(key, { value, ttl: options?.expirationTtl }),
    });
    const value = {
      keys: [{ kty: 'RSA', kid: 'k1', n: 'x', e: 'AQAB' }],
      fetchedAt: Date.now(),
      expiresAt: Date.now() + 600_000,
    };
    await store.set('http://127.0.0.1:1/v1/.well-known/jwks.json', value);
    const entry = kv.get('jwks:http://127.0.0.1:1/v1/.well-known/jwks.json')!;
    expect(entry.ttl).toBeGreaterThan(600);
    expect(await store.get('http://127.0.0.1:1/v1/.well-known/jwks.json')).toEqual(value);
    expect(await store.get('http://other/.well-known/jwks.json')).toBeNull();
  });
});
