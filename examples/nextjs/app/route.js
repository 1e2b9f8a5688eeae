// `GET /`: public.
export function GET() {
  return Response.json({ ok: true, guarded: ['/api/me'] });
}
