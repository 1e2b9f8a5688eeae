/**
 * `npm start` (scripts/start.mjs): the emulator bin and the Express example on 127.0.0.1, the
 * eight-step walk-through all green, still serving afterwards, and a clean exit (code 0, both
 * children gone) on SIGTERM and on SIGINT.
 */
import { describe, expect, it } from 'vitest';
import { requireBuild, root, start, waitForOutput } from './_harness.js';

async function gone(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return false;
  } catch {
    return true;
  }
}

describe('npm start (scripts/start.mjs)', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`walks through every step, stays up for curl, exits 0 on ${signal}`, async () => {
      requireBuild();
      const t = performance.now();
      const proc = start(process.execPath, ['scripts/start.mjs'], {
        cwd: root,
        env: { EMULATOR_PORT: '0', PORT: '0', NO_COLOR: '1' },
      });
      try {
        await waitForOutput(proc, /Press Ctrl-C to stop\./, 60_000);
        const readyMs = Math.round(performance.now() - t);
        const out = proc.output();
        const steps = out.split('\n').filter((l) => /^[✓✗]\s+\d+\. /.test(l));
        expect(steps.map((l) => l.slice(0, 1))).toEqual(Array(8).fill('✓'));
        for (const name of [
          'sign-up',
          'login',
          'guarded call',
          'guarded, no token',
          'refresh',
          'sessions',
          'logout',
          'refused call',
        ]) {
          expect(out).toContain(`. ${name}`);
        }
        expect(out).toMatch(/refused call\s+GET \/me\s+→ 401 .* token_revoked/);
        expect(out).toMatch(/\d+ ms|\d+\.\d+ s/); // timings printed

        // Still serving: the printed URLs answer.
        const app = /app\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
        const emulatorBase = /emulator\s+(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out)![1]!;
        expect(out).toContain(`curl -i ${app}/me -H "Authorization: Bearer $TOKEN"`);
        expect((await fetch(`${app}/me`)).status).toBe(401);
        expect((await fetch(`${emulatorBase}/.well-known/jwks.json`)).status).toBe(200);
        console.log(`npm start ready in ${readyMs} ms`);

        proc.child.kill(signal);
        const exit = await proc.stop();
        expect(exit.code).toBe(0);
        expect(await gone(`${app}/`)).toBe(true);
        expect(await gone(`${emulatorBase}/.well-known/jwks.json`)).toBe(true);
      } finally {
        await proc.stop();
      }
    }, 90_000);
  }
});
