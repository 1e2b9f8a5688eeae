/** The bearer's sessions. */
import { fail, json } from '../http.js';
import { requireBearer, sessionJson } from '../sessions.js';
import type { Handler } from '../state.js';

/** GET /auth/sessions */
export const list: Handler = async (c) => {
  const bearer = await requireBearer(c);
  const sid =
    typeof bearer.claims['sid'] === 'string' ? (bearer.claims['sid'] as string) : undefined;
  const sessions = c.state.store
    .activeSessions(bearer.user)
    .sort((a, b) => a.createdAt - b.createdAt);
  return json({ data: sessions.map((s) => sessionJson(s, sid)) });
};

/** DELETE /auth/sessions */
export const revokeAll: Handler = async (c) => {
  const bearer = await requireBearer(c);
  const keep = c.body['keep_current'] === true && bearer.session ? bearer.session.id : undefined;
  return json({ revoked_count: c.state.store.endUserSessions(bearer.user, c.now, keep) });
};

/** DELETE /auth/sessions/{id} — another user's session answers like an unknown one. */
export const revokeOne: Handler = async (c) => {
  const bearer = await requireBearer(c);
  const session = c.state.store.sessions.get(c.params['id'] ?? '');
  if (
    !session ||
    session.userId !== bearer.user.id ||
    session.projectId !== bearer.user.projectId ||
    session.endedAt !== null
  ) {
    fail('session_not_found', 'No such active session for this user.');
  }
  c.state.store.endSession(session, c.now);
  return json({ revoked: true, session_id: session.id });
};
