// Next.js middleware (Edge runtime): every request under /api/ needs a Protekt access token. A
// valid one goes on to the route with the user id in `x-protekt-user-id` (a copy sent by the
// client is always removed first); anything else is answered here, before any route runs.
import { Protekt } from '@protekt/node';
import { protektAuth } from '@protekt/node/next';

export const config = { matcher: '/api/:path*' };

// Made once per Edge isolate, on the first request that carries a token, from process.env.
export default protektAuth({
  realm: 'example',
  fromEnv: (env) =>
    new Protekt({
      loginId: env.PROTEKT_LOGIN_ID,
      apiKey: env.PROTEKT_API_KEY,
      baseUrl: env.PROTEKT_BASE_URL || undefined, // unset in production: https://auth.protekt.io/v1
      // How long a revoked token may still pass (seconds); 0 asks Protekt on every request.
      revocationCheck: { maxAge: Number(env.PROTEKT_REVOCATION_MAX_AGE ?? 30) },
    }),
});
