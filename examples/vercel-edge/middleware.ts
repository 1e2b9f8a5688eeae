/**
 * Vercel Routing Middleware (Edge runtime): every request under /api/ needs a Protekt access
 * token. A valid one goes on to the route with the user id in `x-protekt-user-id`; anything else
 * is answered here, before any function runs.
 */
import { Protekt } from '@protekt/node';

export const config = { matcher: '/api/:path*' };

// Created once per Edge isolate and reused: it keeps the signing keys and verified tokens.
const protekt = new Protekt({
  loginId: process.env.PROTEKT_LOGIN_ID!,
  apiKey: process.env.PROTEKT_API_KEY!,
  baseUrl: process.env.PROTEKT_BASE_URL || undefined, // unset in production: https://auth.protekt.io/v1
  // How long a revoked token may still pass (seconds); 0 asks Protekt on every request.
  revocationCheck: { maxAge: Number(process.env.PROTEKT_REVOCATION_MAX_AGE ?? 30) },
});

/**
 * Continue to the route with extra request headers: what `next({ request: { headers } })` of
 * `@vercel/functions` does (use that package in your project; it is inlined here to keep the
 * example dependency-free). Every header of the original request is kept.
 */
function next(request: Request, extra: Record<string, string>): Response {
  const headers = new Headers(request.headers);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value); // overwrites a spoofed value
  const out = new Headers({ 'x-middleware-next': '1' });
  const names: string[] = [];
  headers.forEach((value, name) => {
    names.push(name);
    out.set(`x-middleware-request-${name}`, value);
  });
  out.set('x-middleware-override-headers', names.join(','));
  return new Response(null, { headers: out });
}

export default async function middleware(request: Request): Promise<Response> {
  // The token from `Authorization: Bearer`, verified; or the ready 401/503 answer to send.
  const { user, response } = await protekt.auth.authenticateRequest(request, { realm: 'example' });
  if (response) return response;
  return next(request, { 'x-protekt-user-id': user.id });
}
