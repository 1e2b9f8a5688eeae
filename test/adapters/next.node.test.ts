/**
 * `@protekt/node/next` (src/next) with Next.js 16's own request objects and types: the refusal
 * table, the user id forwarded to the route through Next's request-header override (what
 * `NextResponse.next({ request: { headers } })` produces), a spoofed copy always removed, and the
 * middleware assignable to Next's `NextMiddleware`. The app built and served by `next start`:
 * test/examples/nextjs.test.ts.
 */
import { NextRequest, type NextMiddleware } from 'next/server.js';
import { beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { protektAuth, type ProtektNextMiddleware } from '../../src/next/index.js';
import { createVerifier } from '../../src/verify/index.js';
import { checkRefusalTable, guardFixture } from '../support/guard-table.js';
import { freshEmail, testEmulator } from '../support/harness.js';

let fixture: Awaited<ReturnType<typeof guardFixture>>;
beforeEach(async () => {
  fixture = await guardFixture();
});

const request = (headers: Record<string, string> = {}) =>
  new NextRequest('https://app.example/api/me', { headers });

/** The request headers Next.js hands the route after the middleware, or `null` if it answered. */
function forwarded(res: Response): Headers | null {
  if (res.headers.get('x-middleware-next') !== '1') return null;
  const out = new Headers();
  for (const name of (res.headers.get('x-middleware-override-headers') ?? '').split(',')) {
    if (name) out.set(name, res.headers.get(`x-middleware-request-${name}`) ?? '');
  }
  return out;
}

describe('protektAuth as Next.js middleware', () => {
  it('answers every row of the refusal table; a valid token continues with the user id', async () => {
    const middleware = protektAuth({ client: fixture.client() });
    await checkRefusalTable(fixture, async (headers) => {
      const res = await middleware(request(headers));
      const next = forwarded(res);
      if (next)
        return { status: 200, headers: res.headers, body: { id: next.get('x-protekt-user-id') } };
      return { status: res.status, headers: res.headers, body: await res.json() };
    });
  });

  it('keeps every request header, and replaces a spoofed user id', async () => {
    const middleware = protektAuth({ client: fixture.client() });
    const res = await middleware(
      request({
        authorization: `Bearer ${fixture.token}`,
        'x-protekt-user-id': 'usr_admin',
        'accept-language': 'fr',
      }),
    );
    const next = forwarded(res)!;
    expect(next.get('x-protekt-user-id')).toBe(fixture.userId);
    expect(next.get('accept-language')).toBe('fr');
  });

  it('optional mode: an anonymous request goes on without any user id, spoofed or not', async () => {
    const middleware = protektAuth({
      client: fixture.client(),
      optional: true,
      userIdHeader: 'x-uid',
    });
    const next = forwarded(await middleware(request({ 'x-uid': 'usr_admin' })))!;
    expect(next.has('x-uid')).toBe(false);
    const signedIn = forwarded(
      await middleware(request({ authorization: `Bearer ${fixture.token}` })),
    )!;
    expect(signedIn.get('x-uid')).toBe(fixture.userId);
  });

  it('refuses a bad option when the module loads', () => {
    expect(() => protektAuth({ client: fixture.client(), userIdHeader: 'x uid' })).toThrow(
      'protektAuth option userIdHeader must be a header name.',
    );
    expect(() => protektAuth({ client: fixture.client(), matcher: '/api' } as never)).toThrow(
      'protektAuth option matcher is unknown',
    );
  });

  it("hands the verification's background work to the NextFetchEvent's waitUntil", async () => {
    const emulator = testEmulator();
    const user = await emulator.createUser({ email: freshEmail('next'), emailVerified: true });
    const token = await emulator.issueAccessToken({ userId: user.id as string, expiresIn: 3600 });
    const verifier = createVerifier({
      loginId: emulator.project.loginId,
      apiKey: emulator.project.apiKey,
      fetch: emulator.fetch,
      now: () => emulator.clock.now(),
      revocationCheck: { maxAge: 10 },
    });
    const middleware = protektAuth({ client: verifier });
    const handed: Promise<unknown>[] = [];
    // What Next hands a middleware as its second argument, reduced to what the guard uses.
    const event = { waitUntil: (promise: Promise<unknown>) => void handed.push(promise) };
    const call = () => middleware(request({ authorization: `Bearer ${token}` }), event);
    expect(forwarded(await call())?.get('x-protekt-user-id')).toBe(user.id);
    expect(handed).toHaveLength(0); // the first check is awaited
    emulator.clock.advance(8_500); // past the refresh time (5-8 s), within the answer (9-10 s)
    expect(forwarded(await call())?.get('x-protekt-user-id')).toBe(user.id);
    expect(handed).toHaveLength(1);
    await expect(handed[0]).resolves.toBeNull();
    expect(emulator.faults.hits('/auth/token/verify')).toBe(2);
  });

  it('is a NextMiddleware', () => {
    expectTypeOf<ProtektNextMiddleware>().toMatchTypeOf<NextMiddleware>();
  });
});
