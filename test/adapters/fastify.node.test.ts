/**
 * `@protekt/node/fastify` (src/fastify) under the real Fastify, through `app.inject` — 5 in the
 * `unit` project, 4 in the `fastify4` one (runtimes/node20/vitest.config.ts sets `FASTIFY_MAJOR`
 * there and resolves `fastify` to test/fixtures/previous-majors): the
 * plugin's `request.auth` decoration, the `preHandler` per route and per scope, the refusal table,
 * optional mode, and errors to Fastify's error handler.
 */
import Fastify, { type FastifyRequest } from 'fastify';
import { beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { ProtektRequestAuth } from '../../src/index.js';
import { protektAuth } from '../../src/fastify/index.js';
import { checkRefusalTable, guardFixture, type GuardAnswer } from '../support/guard-table.js';

let fixture: Awaited<ReturnType<typeof guardFixture>>;
beforeEach(async () => {
  fixture = await guardFixture();
});

/** An injected GET, read the way the refusal table reads answers. */
async function inject(
  app: ReturnType<typeof Fastify>,
  url: string,
  headers: Record<string, string> = {},
): Promise<GuardAnswer> {
  const res = await app.inject({ method: 'GET', url, headers });
  return {
    status: res.statusCode,
    headers: {
      get: (name) => (res.headers[name] === undefined ? null : String(res.headers[name])),
    },
    body: res.body ? JSON.parse(res.body) : null,
  };
}

/** `/api/me` guarded per route, `/scope/me` by a scope hook, `/maybe` optional, `/open` public. */
async function fastifyApp(options: Parameters<typeof protektAuth>[0]) {
  const app = Fastify();
  app.setErrorHandler((err, _request, reply) => {
    reply.code(500).send({ handled: (err as Error).message });
  });
  const auth = protektAuth(options);
  const maybe = protektAuth({ ...options, optional: true } as typeof options);
  await app.register(auth);
  app.get('/api/me', { preHandler: auth.preHandler }, async (request) => ({
    id: request.auth?.user?.id,
  }));
  await app.register(
    async (scope) => {
      scope.addHook('preHandler', auth.preHandler);
      scope.get('/me', async (request) => ({ id: request.auth?.user?.id }));
    },
    { prefix: '/scope' },
  );
  app.get('/maybe', { preHandler: maybe.preHandler }, async (request) => ({ auth: request.auth }));
  app.get('/open', async (request) => ({ auth: request.auth }));
  return app;
}

const FASTIFY_MAJOR = process.env['FASTIFY_MAJOR'] ?? '5';

describe(`protektAuth on Fastify ${FASTIFY_MAJOR}`, () => {
  it(`runs under Fastify ${FASTIFY_MAJOR}`, () => {
    expect(Fastify().version.split('.')[0]).toBe(FASTIFY_MAJOR);
  });

  it('answers every row of the refusal table, per route and per scope', async () => {
    const app = await fastifyApp({ client: fixture.client() });
    await checkRefusalTable(fixture, (headers) => inject(app, '/api/me', headers));
    fixture = await guardFixture();
    const scoped = await fastifyApp({ client: fixture.client() });
    await checkRefusalTable(fixture, (headers) => inject(scoped, '/scope/me', headers));
  });

  it('decorates request.auth: null on unguarded routes, the user behind the guard, anonymous in optional mode', async () => {
    const app = await fastifyApp({ client: fixture.client(), cookie: 'protekt_access' });
    expect((await inject(app, '/open')).body).toEqual({ auth: null });
    expect(
      (await inject(app, '/maybe', { cookie: `protekt_access=${fixture.token}` })).body,
    ).toMatchObject({ auth: { user: { id: fixture.userId }, token: fixture.token } });
    expect((await inject(app, '/maybe')).body).toEqual({
      auth: { user: null, claims: null, token: null },
    });
  });

  it('errors other than refusals go to the error handler', async () => {
    const app = await fastifyApp({
      fromEnv: () => {
        throw new Error('PROTEKT_API_KEY is missing');
      },
    });
    const res = await inject(app, '/api/me', { authorization: `Bearer ${fixture.token}` });
    expect(res).toMatchObject({ status: 500, body: { handled: 'PROTEKT_API_KEY is missing' } });
  });

  it('types request.auth through module augmentation', () => {
    expectTypeOf<FastifyRequest['auth']>().toEqualTypeOf<ProtektRequestAuth | null>();
  });
});
