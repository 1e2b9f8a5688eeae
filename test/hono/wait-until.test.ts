/**
 * The Hono middleware on a verify-only verifier (`@protekt/node/verify`): it guards routes as with
 * a client, and hands the background work of a verification (a revocation answer refreshed ahead)
 * to the request's `executionCtx.waitUntil` where there is one (Workers). Portable.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { protektAuth, type ProtektVariables } from '../../src/hono/index.js';
import { createVerifier } from '../../src/verify/index.js';
import { freshEmail, testEmulator } from '../support/harness.js';

describe('protektAuth on a verify-only verifier', () => {
  it('guards the route, and passes executionCtx.waitUntil to the verification', async () => {
    const emulator = testEmulator();
    const user = await emulator.createUser({ email: freshEmail('hono'), emailVerified: true });
    const token = await emulator.issueAccessToken({ userId: user.id as string, expiresIn: 3600 });
    const verifier = createVerifier({
      loginId: emulator.project.loginId,
      apiKey: emulator.project.apiKey,
      fetch: emulator.fetch,
      now: () => emulator.clock.now(),
      revocationCheck: { maxAge: 10 },
    });
    const app = new Hono<{ Variables: ProtektVariables }>()
      .use('/api/*', protektAuth({ client: verifier }))
      .get('/api/me', (c) => c.json({ id: c.get('user').id }));
    const handed: Promise<unknown>[] = [];
    const executionCtx = {
      waitUntil: (promise: Promise<unknown>) => {
        handed.push(promise);
      },
      passThroughOnException: () => {},
      props: {},
    };
    const get = (headers: Record<string, string>) =>
      app.request('/api/me', { headers }, {}, executionCtx);
    expect((await get({})).status).toBe(401);
    const first = await get({ authorization: `Bearer ${token}` });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ id: user.id });
    expect(handed).toHaveLength(0); // the first check is awaited
    emulator.clock.advance(8_500); // past the refresh time (5-8 s), within the answer (9-10 s)
    expect((await get({ authorization: `Bearer ${token}` })).status).toBe(200);
    expect(handed).toHaveLength(1);
    await expect(handed[0]).resolves.toBeNull();
    expect(emulator.faults.hits('/auth/token/verify')).toBe(2);
  });
});
