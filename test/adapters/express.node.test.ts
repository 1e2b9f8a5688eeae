/**
 * `@protekt/node/express` (src/express) under the real Express 5 and Express 4, and as a
 * Connect-style middleware on Node's own `http` server, over 127.0.0.1: the refusal table,
 * `req.auth`, optional mode, the cookie, errors to `next(err)`, and the declaration merging.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import express4 from 'express4';
import { beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { ProtektRequestAuth } from '../../src/index.js';
import { protektAuth } from '../../src/express/index.js';
import { checkRefusalTable, guardFixture } from '../support/guard-table.js';
import { get, listen } from './_http.js';

let fixture: Awaited<ReturnType<typeof guardFixture>>;
beforeEach(async () => {
  fixture = await guardFixture();
});

type Options = Parameters<typeof protektAuth>[0];

/** An Express app: `/api/me` guarded, `/maybe` optional, and an error handler that tells. */
function expressApp(make: typeof express, options: Options) {
  const app = make();
  app.get('/api/me', protektAuth(options), (req: Request, res: Response) => {
    res.json({ id: req.auth?.user?.id });
  });
  app.get('/maybe', protektAuth({ ...options, optional: true } as Options), (req, res) => {
    res.json({ auth: req.auth ?? 'unset' });
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ handled: err.message });
  });
  return app;
}

for (const [name, make] of [
  ['Express 5', express],
  ['Express 4', express4],
] as const) {
  describe(`protektAuth on ${name}`, () => {
    it('answers every row of the refusal table', async () => {
      const server = await listen(expressApp(make, { client: fixture.client() }));
      try {
        await checkRefusalTable(fixture, (headers) => get(`${server.url}/api/me`, headers));
      } finally {
        await server.close();
      }
    });

    it('sets req.auth = { user, claims, token }; optional mode lets an anonymous request in', async () => {
      const server = await listen(
        expressApp(make, { client: fixture.client(), cookie: 'protekt_access' }),
      );
      try {
        const signedIn = await get(`${server.url}/maybe`, {
          cookie: `protekt_access=${fixture.token}`,
        });
        expect(signedIn.body).toMatchObject({
          auth: {
            user: { id: fixture.userId },
            claims: { sub: fixture.userId },
            token: fixture.token,
          },
        });
        expect((await get(`${server.url}/maybe`)).body).toEqual({
          auth: { user: null, claims: null, token: null },
        });
        expect((await get(`${server.url}/maybe`, { authorization: 'Bearer x' })).status).toBe(401);
      } finally {
        await server.close();
      }
    });

    it('passes errors other than refusals to next(err): a throwing fromEnv, a broken verifier', async () => {
      let calls = 0;
      const failing = expressApp(make, {
        fromEnv: () => {
          calls++;
          throw new Error('PROTEKT_API_KEY is missing');
        },
      });
      const broken = expressApp(make, {
        client: {
          verifyToken: async () => {
            throw new TypeError('bug');
          },
        },
      });
      const a = await listen(failing);
      const b = await listen(broken);
      try {
        const bearer = { authorization: `Bearer ${fixture.token}` };
        expect(await get(`${a.url}/api/me`, bearer)).toMatchObject({
          status: 500,
          body: { handled: 'PROTEKT_API_KEY is missing' },
        });
        await get(`${a.url}/api/me`, bearer);
        expect(calls).toBe(2); // tried again on the next request
        expect((await get(`${a.url}/api/me`)).status).toBe(401); // no token: fromEnv not needed
        expect(calls).toBe(2);
        expect(await get(`${b.url}/api/me`, bearer)).toMatchObject({
          status: 500,
          body: { handled: 'bug' },
        });
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}

describe('protektAuth as a Connect-style middleware on node:http', () => {
  it('answers every row of the refusal table with Node response methods only', async () => {
    const guard = protektAuth({ client: fixture.client() });
    const server = await listen((req: IncomingMessage, res: ServerResponse) => {
      guard(req, res, (err) => {
        if (err) {
          res.statusCode = 500;
          res.end();
          return;
        }
        const auth = (req as IncomingMessage & { auth?: ProtektRequestAuth }).auth;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: auth?.user?.id }));
      });
    });
    try {
      await checkRefusalTable(fixture, (headers) => get(`${server.url}/api/me`, headers));
    } finally {
      await server.close();
    }
  });
});

describe('protektAuth options', () => {
  it('refuses mistakes when the app is built', () => {
    expect(() => protektAuth({ client: fixture.client(), realms: 'x' } as never)).toThrow(
      'protektAuth option realms is unknown: did you mean realm?',
    );
    expect(() => protektAuth({} as never)).toThrow(TypeError);
  });

  it('types req.auth through declaration merging', () => {
    expectTypeOf<Request['auth']>().toEqualTypeOf<ProtektRequestAuth | undefined>();
    express().get('/', protektAuth({ client: fixture.client() }));
  });
});
