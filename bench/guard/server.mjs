#!/usr/bin/env node
/**
 * One server of the guard benchmark: `node bench/guard/server.mjs <framework> <variant>` serves
 * `GET /api/me` → `{ id }` on 127.0.0.1 (port 0, printed as `listening <port>`), guarded by:
 * - `none`: no guard (the id is a constant): the framework's own cost;
 * - `protekt`: `protektAuth` of the package's adapter, client with `revocationCheck: false`;
 * - `protekt-default`: the same with the client's default policy (revocation answers cached 30 s,
 *   asked of the emulator at PROTEKT_BASE_URL);
 * - `peer`: the closest peer on the framework: hono's `jwk` middleware with `keys`, or jose's
 *   `jwtVerify` with `createRemoteJWKSet` (Express, Fastify, NestJS).
 * The package is imported by name from the build (dist/), as an application would.
 */
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const [framework, variant] = process.argv.slice(2);
const env = process.env;
const issuer = new URL(env.PROTEKT_BASE_URL).origin;
const jwksUrl = `${env.PROTEKT_BASE_URL}/.well-known/jwks.json`;

/**
 * An entry of the package: from PROTEKT_BENCH_PKG (a snapshot of dist/ and package.json that the
 * suite takes, so that a rebuild of dist/ during the run changes nothing), else by name.
 */
const entry = (name) =>
  env.PROTEKT_BENCH_PKG
    ? import(`${pathToFileURL(env.PROTEKT_BENCH_PKG).href}/dist/${name}.js`)
    : import(name === 'index' ? '@protekt/node' : `@protekt/node/${name}`);

async function client() {
  const { Protekt } = await entry('index');
  return new Protekt({
    loginId: env.PROTEKT_LOGIN_ID,
    apiKey: env.PROTEKT_API_KEY,
    baseUrl: env.PROTEKT_BASE_URL,
    ...(variant === 'protekt' ? { revocationCheck: false } : {}),
  });
}

/** jose's verification of the peer variant: a function header → subject, or a throw. */
async function joseVerifier() {
  const { createRemoteJWKSet, jwtVerify } = await import('jose');
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  return async (header) => {
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
    if (!token) return null;
    const { payload } = await jwtVerify(token, jwks, { issuer, audience: env.PROTEKT_LOGIN_ID });
    return payload.sub;
  };
}

const servers = {
  async hono() {
    const { Hono } = await import('hono');
    const app = new Hono();
    if (variant === 'peer') {
      const { jwk } = await import('hono/jwk');
      const { keys } = await (await fetch(jwksUrl)).json();
      app.use(
        '/api/*',
        jwk({ keys, alg: ['RS256'], verification: { iss: issuer, aud: env.PROTEKT_LOGIN_ID } }),
      );
      app.get('/api/me', (c) => c.json({ id: c.get('jwtPayload').sub }));
    } else if (variant === 'none') {
      app.get('/api/me', (c) => c.json({ id: 'anonymous' }));
    } else {
      const { protektAuth } = await entry('hono');
      app.use('/api/*', protektAuth({ client: await client() }));
      app.get('/api/me', (c) => c.json({ id: c.get('user').id }));
    }
    // No @hono/node-server here: the same minimal node:http → fetch bridge for every variant.
    return createServer(async (req, res) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string') headers.set(k, v);
      const response = await app.fetch(new Request(`http://127.0.0.1${req.url}`, { headers }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(await response.text());
    });
  },
  async express() {
    const { default: express } = await import('express');
    const app = express();
    if (variant === 'peer') {
      const verify = await joseVerifier();
      app.get('/api/me', async (req, res) => {
        try {
          const sub = await verify(req.headers.authorization);
          if (!sub) return res.status(401).json({ error: 'token_missing' });
          res.json({ id: sub });
        } catch {
          res.status(401).json({ error: 'token_invalid' });
        }
      });
    } else if (variant === 'none') {
      app.get('/api/me', (_req, res) => res.json({ id: 'anonymous' }));
    } else {
      const { protektAuth } = await entry('express');
      app.get('/api/me', protektAuth({ client: await client() }), (req, res) =>
        res.json({ id: req.auth.user.id }),
      );
    }
    return createServer(app);
  },
  async fastify() {
    const { default: Fastify } = await import('fastify');
    let server;
    const app = Fastify({ serverFactory: (handler) => (server = createServer(handler)) });
    if (variant === 'peer') {
      const verify = await joseVerifier();
      app.get('/api/me', async (request, reply) => {
        try {
          const sub = await verify(request.headers.authorization);
          return sub ? { id: sub } : reply.code(401).send({ error: 'token_missing' });
        } catch {
          return reply.code(401).send({ error: 'token_invalid' });
        }
      });
    } else if (variant === 'none') {
      app.get('/api/me', async () => ({ id: 'anonymous' }));
    } else {
      const { protektAuth } = await entry('fastify');
      const auth = protektAuth({ client: await client() });
      await app.register(auth);
      app.get('/api/me', { preHandler: auth.preHandler }, async (request) => ({
        id: request.auth.user.id,
      }));
    }
    await app.ready();
    return server;
  },
  async nestjs() {
    await import('reflect-metadata');
    const { Controller, Get, Module, Req, UnauthorizedException, UseGuards } = await import(
      '@nestjs/common'
    );
    const { NestFactory } = await import('@nestjs/core');
    let guard = null;
    if (variant === 'peer') {
      const verify = await joseVerifier();
      guard = {
        async canActivate(context) {
          const request = context.switchToHttp().getRequest();
          try {
            const sub = await verify(request.headers.authorization);
            if (!sub) throw new Error('missing');
            request.auth = { user: { id: sub } };
            return true;
          } catch {
            throw new UnauthorizedException();
          }
        },
      };
    } else if (variant !== 'none') {
      const { protektAuth } = await entry('nestjs');
      guard = protektAuth({ client: await client() });
    }
    class MeController {
      me(request) {
        return { id: request.auth?.user.id ?? 'anonymous' };
      }
    }
    const proto = MeController.prototype;
    const descriptor = Object.getOwnPropertyDescriptor(proto, 'me');
    Get('api/me')(proto, 'me', descriptor);
    if (guard) UseGuards(guard)(proto, 'me', descriptor);
    Req()(proto, 'me', 0);
    Controller()(MeController);
    class AppModule {}
    Module({ controllers: [MeController] })(AppModule);
    const app = await NestFactory.create(AppModule, { logger: false });
    await app.init();
    return app.getHttpServer();
  },
};

const server = await servers[framework]();
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
