/**
 * examples/nestjs: compiled as `nest build` does (`tsc` with decorator metadata) and started with
 * `node dist/main.js`, pointed at the emulator over HTTP: its public route, the guard scenario on
 * `/api/me`, and `@ProtektUser('email')` with the injected client.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bin,
  requireBuild,
  root,
  runScenario,
  serveTestEmulator,
  signUp,
  start,
  waitForOutput,
  type ServedEmulator,
  type Started,
} from './_harness.js';

describe('examples/nestjs on this Node', () => {
  let emu: ServedEmulator;
  let app: Started;
  let url = '';

  beforeAll(async () => {
    requireBuild();
    execFileSync(bin('tsc'), ['-p', 'examples/nestjs'], { cwd: root, stdio: 'pipe' });
    emu = await serveTestEmulator();
    app = start(process.execPath, ['dist/main.js'], {
      cwd: `${root}examples/nestjs`,
      env: { ...emu.env, PORT: '0' },
    });
    url = await waitForOutput(app, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  }, 120_000);

  afterAll(async () => {
    const exit = await app?.stop();
    await emu?.close();
    if (exit) expect(exit.code).toBe(0); // a clean exit on SIGTERM
  });

  it('serves its public route', async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
  });

  it('guards /api/me: 503 on outage, 401 without/forged/revoked token, 200 with the user', async () => {
    const times = await runScenario(emu, (headers = {}) => fetch(`${url}/api/me`, { headers }));
    console.log('nestjs', times);
  });

  it('@ProtektUser("email") and the injected client', async () => {
    const { accessToken } = await signUp(emu);
    const res = await fetch(`${url}/api/email`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const body = (await res.json()) as { email: string; project: string };
    expect(body.email).toMatch(/@example\.com$/);
    expect(body.project).toBe(emu.env.PROTEKT_LOGIN_ID);
  });
});
