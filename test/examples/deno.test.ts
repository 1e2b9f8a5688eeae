/**
 * examples/deno: `Deno.serve` + Hono + protektAuth, started with `deno run` (the npm-installed
 * Deno binary) and the narrowest permissions, pointed at the emulator over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bin,
  requireBuild,
  root,
  runScenario,
  serveTestEmulator,
  start,
  waitForOutput,
  type ServedEmulator,
  type Started,
} from './_harness.js';

let emu: ServedEmulator;
let app: Started;
let url = '';
let startupMs = 0;

const ENV_NAMES =
  'PROTEKT_LOGIN_ID,PROTEKT_API_KEY,PROTEKT_BASE_URL,PROTEKT_REVOCATION_MAX_AGE,HOST,PORT';

describe('examples/deno under deno run', () => {
  beforeAll(async () => {
    requireBuild();
    emu = await serveTestEmulator();
    const t = performance.now();
    app = start(
      bin('deno'),
      ['run', '--allow-net=127.0.0.1', `--allow-env=${ENV_NAMES}`, 'main.ts'],
      {
        cwd: `${root}examples/deno`,
        env: { ...emu.env, PORT: '0' },
      },
    );
    url = await waitForOutput(app, /listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
    startupMs = Math.round(performance.now() - t);
  }, 90_000);

  afterAll(async () => {
    const exit = await app?.stop();
    await emu?.close();
    if (exit) expect(exit.code).toBe(0); // the SIGTERM listener shuts the server down cleanly
  });

  it('serves its public route', async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it('guards /api/me: 503 on outage, 401 without/forged/revoked token, 200 with the user', async () => {
    const times = await runScenario(emu, (headers = {}) => fetch(`${url}/api/me`, { headers }));
    console.log('deno', { 'deno run startup': startupMs, ...times });
  });
});
