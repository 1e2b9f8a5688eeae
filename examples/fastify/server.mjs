// A Fastify 5 app: `/` is public, every route under `/api` needs a Protekt access token.
//   PROTEKT_LOGIN_ID=lp_... PROTEKT_API_KEY=pk_... node server.mjs
import Fastify from 'fastify';
import { Protekt } from '@protekt/node';
import { protektAuth } from '@protekt/node/fastify';

// One client for the process: it keeps the signing keys and verified tokens in memory.
const protekt = new Protekt({
  loginId: process.env.PROTEKT_LOGIN_ID,
  apiKey: process.env.PROTEKT_API_KEY,
  baseUrl: process.env.PROTEKT_BASE_URL, // unset in production: https://auth.protekt.io/v1
  // How long a revoked token may still pass (seconds); 0 asks Protekt on every request.
  revocationCheck: { maxAge: Number(process.env.PROTEKT_REVOCATION_MAX_AGE ?? 30) },
});

const auth = protektAuth({ client: protekt, realm: 'example' });
const app = Fastify();
await app.register(auth); // decorates request.auth

app.get('/', async () => ({ ok: true, guarded: ['/api/me', '/api/claims'] }));

// Every route of this scope goes through the guard's preHandler.
await app.register(
  async (api) => {
    api.addHook('preHandler', auth.preHandler);
    api.get('/me', async (request) => ({ user: request.auth.user }));
    api.get('/claims', async (request) => {
      const { sub, exp, sid } = request.auth.claims;
      return { sub, exp, sid };
    });
  },
  { prefix: '/api' },
);

const host = process.env.HOST ?? '127.0.0.1';
const url = await app.listen({ port: Number(process.env.PORT ?? 3000), host });
console.log(`fastify example listening on ${url}`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => app.close().then(() => process.exit(0)));
}
