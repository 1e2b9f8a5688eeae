// A fetch-style function: a web `Request` in, a `Response` out. The same code runs on any
// platform that speaks that shape (Vercel/Netlify Node functions, AWS Lambda behind an adapter,
// Deno, Bun); server.mjs runs it on plain Node for local development.
import { Protekt, ProtektError } from '@protekt/node';

// Created once per cold start and reused by every warm invocation: it keeps the signing keys
// and the verified tokens in memory, so most requests verify without any network call.
const protekt = new Protekt({
  loginId: process.env.PROTEKT_LOGIN_ID,
  apiKey: process.env.PROTEKT_API_KEY,
  baseUrl: process.env.PROTEKT_BASE_URL, // unset in production: https://auth.protekt.io/v1
  // How long a revoked token may still pass (seconds); 0 asks Protekt on every request.
  revocationCheck: { maxAge: Number(process.env.PROTEKT_REVOCATION_MAX_AGE ?? 30) },
});

const json = (body, status = 200, headers = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** The signed-in user of a request, or the 401/503 answer to send instead. */
async function authenticate(request) {
  const match = /^Bearer +([\w\-.~+/]+=*) *$/i.exec(request.headers.get('authorization') ?? '');
  if (!match) {
    return json({ error: { code: 'token_missing', message: 'A bearer token is required' } }, 401, {
      'www-authenticate': 'Bearer realm="example"',
    });
  }
  try {
    const { user, error } = await protekt.auth.verifyToken(match[1]);
    if (error) {
      return json({ error: { code: error.code, message: 'Invalid or expired token' } }, 401, {
        'www-authenticate': 'Bearer realm="example", error="invalid_token"',
      });
    }
    return { user };
  } catch (err) {
    // Protekt unreachable and no signing key cached: an outage, not the caller's fault.
    if (err instanceof ProtektError) {
      return json({ error: { code: 'service_unavailable', message: 'Try again shortly' } }, 503, {
        'retry-after': '5',
      });
    }
    throw err;
  }
}

/** The function: `GET /api/health` is public, `GET /api/me` needs a valid access token. */
export async function handler(request) {
  const { pathname } = new URL(request.url);
  if (request.method === 'GET' && pathname === '/api/health') return json({ ok: true });
  if (request.method === 'GET' && pathname === '/api/me') {
    const auth = await authenticate(request);
    if (auth instanceof Response) return auth;
    return json({ user: auth.user });
  }
  return json({ error: { code: 'not_found', message: 'No such route' } }, 404);
}
