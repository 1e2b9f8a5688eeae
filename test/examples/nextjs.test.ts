/**
 * examples/nextjs: built and served as its users do (`next build`, then `next start`), the
 * middleware of `@protekt/node/next` running on Next's Edge runtime and calling the emulator over
 * HTTP on 127.0.0.1: the guard scenario on `/api/me`, and a spoofed `x-protekt-user-id` replaced.
 * The package is linked into the example's node_modules, as `npm install @protekt/node` would put
 * it (Next's bundler does not resolve a package's own name from inside it). Heavy: run under
 * `flock /tmp/protekt-heavy.lock` with the other heavy steps.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bin,
  freePort,
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

const dir = `${root}examples/nextjs`;
const env = { NEXT_TELEMETRY_DISABLED: '1' };

/** `node_modules/@protekt/node` of the example → this repository (what an install gives). */
function linkPackage(): void {
  const link = `${dir}/node_modules/@protekt/node`;
  if (existsSync(`${link}/package.json`)) return;
  mkdirSync(`${dir}/node_modules/@protekt`, { recursive: true });
  symlinkSync('../../../..', link);
}

describe('examples/nextjs under next build + next start', () => {
  let emu: ServedEmulator;
  let app: Started;
  let url = '';

  beforeAll(async () => {
    requireBuild();
    linkPackage();
    execFileSync(bin('next'), ['build'], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: 'pipe',
    });
    emu = await serveTestEmulator();
    const port = await freePort();
    app = start(bin('next'), ['start', '--port', String(port), '--hostname', '127.0.0.1'], {
      cwd: dir,
      env: { ...emu.env, ...env },
    });
    await waitForOutput(app, /Ready in|started server on/i, 60_000);
    url = `http://127.0.0.1:${port}`;
  }, 300_000);

  afterAll(async () => {
    await app?.stop();
    await emu?.close();
  });

  it('serves its public route without the middleware', async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
  });

  it('guards /api/me: 503 on outage, 401 without/forged/revoked token, 200 with the user', async () => {
    const times = await runScenario(emu, (headers = {}) => fetch(`${url}/api/me`, { headers }));
    console.log('nextjs', times);
  });

  it('a client cannot spoof x-protekt-user-id: the middleware replaces it', async () => {
    const { id, accessToken } = await signUp(emu);
    const res = await fetch(`${url}/api/me`, {
      headers: { authorization: `Bearer ${accessToken}`, 'x-protekt-user-id': 'usr_admin' },
    });
    expect(await res.json()).toEqual({ user: { id } });
    const anonymous = await fetch(`${url}/api/me`, {
      headers: { 'x-protekt-user-id': 'usr_admin' },
    });
    expect(anonymous.status).toBe(401);
  });
});
