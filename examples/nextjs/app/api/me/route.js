// `GET /api/me`: runs only behind the middleware, which put the verified user id in
// `x-protekt-user-id` (and removed any copy the client sent).
export const dynamic = 'force-dynamic';

export function GET(request) {
  return Response.json({ user: { id: request.headers.get('x-protekt-user-id') } });
}
