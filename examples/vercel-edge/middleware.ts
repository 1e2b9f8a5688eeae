/**
 * Vercel Routing Middleware (Edge runtime): every request under /api/ needs a Protekt access
 * token. A valid one goes on to the route with the user id in `x-protekt-user-id`; anything else
 * is answered here, before any function runs.
 */
import { Protekt, ProtektError } from '@protekt/node';

export const config = { matcher: '/api/:path*' };

// Created once per Edge isolate and reused: it keeps the signing keys and verified tokens.
const protekt = new Protekt({
  loginId: process.env.PROTEKT_LOGIN_ID!,
  apiKey: process.env.PROTEKT_API_KEY!,
  baseUrl: process.env.PROTEKT_BASE_URL || undefined, // unset in production: https://auth.protekt.io/v1
  // How long a revoked token may still pass (seconds); 0 asks Protekt on every request.
  revocationCheck: { maxAge: Number(process.env.PROTEKT_REVOCATION_MAX_AGE ?? 30) },
});

const REALM = 'Bearer realm="example"';

function deny(
  status: 401 | 503,
  code: string,
  message: string,
  headers: Record<string, string>,
): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}

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
  const header = request.headers.get('authorization');
  const token = header ? /^Bearer +([\w\-.~+/]+=*) *$/i.exec(header)?.[1] : undefined;
  if (!header)
    return deny(401, 'token_missing', 'A bearer token is required', { 'www-authenticate': REALM });
  if (!token)
    return deny(401, 'token_invalid', 'The access token is invalid', {
      'www-authenticate': `${REALM}, error="invalid_token"`,
    });
  try {
    const { user, error } = await protekt.auth.verifyToken(token);
    if (error)
      return deny(401, error.code, 'Invalid or expired token', {
        'www-authenticate': `${REALM}, error="invalid_token"`,
      });
    return next(request, { 'x-protekt-user-id': user.id });
  } catch (err) {
    // Protekt unreachable and no signing key cached: an outage, not the caller's fault.
    if (err instanceof ProtektError)
      return deny(503, 'service_unavailable', 'Try again shortly', { 'retry-after': '5' });
    throw err;
  }
}
