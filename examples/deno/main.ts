/**
 * A Deno server (`Deno.serve`) on Hono: `/` is public, `/api/*` needs a Protekt access token.
 *
 *   PROTEKT_LOGIN_ID=lp_... PROTEKT_API_KEY=pk_... deno run --allow-net --allow-env main.ts
 */
import { Hono } from 'hono';
import { Protekt } from '@protekt/node';
import { protektAuth, type ProtektVariables } from '@protekt/node/hono';

const env = (name: string): string | undefined => Deno.env.get(name) || undefined;

// One client for the process: it keeps the signing keys and verified tokens in memory.
const protekt = new Protekt({
  loginId: env('PROTEKT_LOGIN_ID')!,
  apiKey: env('PROTEKT_API_KEY')!,
  baseUrl: env('PROTEKT_BASE_URL'), // unset in production: https://auth.protekt.io/v1
  // How long a revoked token may still pass (seconds); 0 asks Protekt on every request.
  revocationCheck: { maxAge: Number(env('PROTEKT_REVOCATION_MAX_AGE') ?? 30) },
});

const app = new Hono<{ Variables: ProtektVariables }>();
app.get('/', (c) => c.json({ ok: true, guarded: ['/api/me'] }));
app.use('/api/*', protektAuth({ client: protekt }));
app.get('/api/me', (c) => c.json({ user: c.get('user') }));

const server = Deno.serve(
  {
    hostname: env('HOST') ?? '127.0.0.1',
    port: Number(env('PORT') ?? 8000),
    onListen: ({ hostname, port }) =>
      console.log(`deno example listening on http://${hostname}:${port}`),
  },
  app.fetch,
);

// Stop cleanly on Ctrl-C or a SIGTERM from a process manager.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  Deno.addSignalListener(signal, () => server.shutdown().then(() => Deno.exit(0)));
}
