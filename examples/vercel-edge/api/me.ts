/**
 * `GET /api/me`, an Edge Function behind the middleware: it runs only for a verified token, and
 * reads the user id the middleware put in `x-protekt-user-id` (the middleware overwrites any
 * value a client sends, for every path its matcher covers).
 */
export const config = { runtime: 'edge' };

export default function handler(request: Request): Response {
  const id = request.headers.get('x-protekt-user-id');
  return new Response(JSON.stringify({ user: { id } }), {
    headers: { 'content-type': 'application/json' },
  });
}
