/**
 * examples/fastify: the Fastify app started with `node server.mjs`, pointed at the emulator over
 * HTTP: its public route, then the guard scenario on `/api/me`.
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

// Fastify 5 supports Node 20 and later (its own engines): the example is not run on Node 18.
for (const { name, path: node } of nodeBinaries().filter((n) => !n.name.startsWith('node 18.'))) {
  describe(`examples/fastify on ${name}`, () => {
    let emu: ServedEmulator;
    let app: Started;
    let url = '';

    beforeAll(async () => {
      requireBuild();
      emu = await serveTestEmulator();
      app = start(node, ['server.mjs'], {
        cwd: `${root}examples/fastify`,
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
      const res = await fetch(`${url}/`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    });

    it('guards /api/me: 503 on outage, 401 without/forged/revoked token, 200 with the user', async () => {
      const times = await runScenario(emu, (headers = {}) => fetch(`${url}/api/me`, { headers }));
      console.log('fastify', name, times);
    });
  });
}
