/**
 * examples/node-serverless: the fetch-style handler behind its tiny Node http adapter, started as
 * its README says (`node server.mjs`), pointed at the emulator over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  nodeBinaries,
  requireBuild,
  root,
  runScenario,
  serveTestEmulator,
  start,
  waitForOutput,
  type ServedEmulator,
  type Started,
} from './_harness.js';

describe.each(nodeBinaries())('examples/node-serverless on $name', ({ name, path: node }) => {
  let emu: ServedEmulator;
  let app: Started;
  let url = '';

  beforeAll(async () => {
    requireBuild();
    emu = await serveTestEmulator();
    app = start(node, ['server.mjs'], {
      cwd: `${root}examples/node-serverless`,
      env: { ...emu.env, PORT: '0' },
    });
    url = await waitForOutput(app, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  });

  afterAll(async () => {
    const exit = await app?.stop();
    await emu?.close();
    if (exit) expect(exit.code).toBe(0); // a clean exit on SIGTERM
  });

  it('serves its public route', async () => {
    const res = await fetch(`${url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('guards /api/me: 503 on outage, 401 without/forged/revoked token, 200 with the user', async () => {
    const times = await runScenario(emu, (headers = {}) => fetch(`${url}/api/me`, { headers }));
    console.log('node-serverless', name, times);
  });
});
