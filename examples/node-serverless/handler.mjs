// A fetch-style function: a web `Request` in, a `Response` out. The same code runs on any
// platform that speaks that shape (Vercel/Netlify Node functions, AWS Lambda behind an adapter,
// Deno, Bun); server.mjs runs it on plain Node for local development.
import { Protekt } from '@protekt/node';

// Created once per cold start and reused by every warm invocation: it keeps the signing keys
// and the verified tokens in memory, so most requests verify without any network call.
const protekt = new Protekt({
  loginId: process.env.PROTEKT_LOGIN_ID,
  apiKey: process.env.PROTEKT_API_KEY,
  baseUrl: process.env.PROTEKT_BASE_URL, // unset in production: https://auth.protekt.io/v1
  // How long a revoked token may still pass (seconds); 0 asks Protekt on every request.
  revocationCheck: { maxAge: Number(process.env.PROTEKT_REVOCATION_MAX_AGE ?? 30) },
});

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** The function: `GET /api/health` is public, `GET /api/me` needs a valid access token. */
export async function handler(request) {
  const { pathname } = new URL(request.url);
  if (request.method === 'GET' && pathname === '/api/health') return json({ ok: true });
  if (request.method === 'GET' && pathname === '/api/me') {
    // The token from `Authorization: Bearer`, verified; or the ready 401/503 answer to send.
    const { user, response } = await protekt.auth.authenticateRequest(request, {
      realm: 'example',
    });
    if (response) return response;
    return json({ user });
  }
  return json({ error: { code: 'not_found', message: 'No such route' } }, 404);
}
