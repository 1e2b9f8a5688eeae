/**
 * A Cloudflare Worker on Hono: `/` is public, everything under `/api/` needs a Protekt access
 * token (`Authorization: Bearer ...`). Credentials come from the Worker's bindings (`c.env`);
 * the client is made on the first request of each isolate and reused after that.
 */
import { Hono } from 'hono';
import { Protekt } from '@protekt/node';
import { protektAuth, type ProtektVariables } from '@protekt/node/hono';
import { cacheApiJwksCache, kvJwksCache, type KVLike } from './jwks-cache';

type Bindings = {
  PROTEKT_LOGIN_ID: string;
  PROTEKT_API_KEY: string;
  /** Optional: another API base URL (a local emulator). */
  PROTEKT_BASE_URL?: string;
  /**
   * Optional: seconds a revoked token may still pass (default 30; 0 asks Protekt on every request).
   */
  PROTEKT_REVOCATION_MAX_AGE?: string;
  /** Optional KV namespace for the signing keys (see wrangler.toml). */
  JWKS_CACHE?: KVLike;
};

const app = new Hono<{ Bindings: Bindings; Variables: ProtektVariables }>();

app.get('/', (c) => c.json({ ok: true, guarded: ['/api/me'] }));

app.use(
  '/api/*',
  protektAuth({
    fromEnv: (env: Bindings) =>
      new Protekt({
        loginId: env.PROTEKT_LOGIN_ID,
        apiKey: env.PROTEKT_API_KEY,
        baseUrl: env.PROTEKT_BASE_URL || undefined,
        jwksCache: env.JWKS_CACHE ? kvJwksCache(env.JWKS_CACHE) : cacheApiJwksCache(),
        revocationCheck: { maxAge: Number(env.PROTEKT_REVOCATION_MAX_AGE ?? 30) },
      }),
  }),
);

app.get('/api/me', (c) => c.json({ user: c.get('user') }));

app.get('/api/claims', (c) => {
  const { sub, exp, sid } = c.get('claims');
  return c.json({ sub, exp, sid });
});

export default app;
