/**
 * Users and sessions over the control plane: search, view, disable, enable, delete, replace the
 * metadata, revoke a session. Changes go through the Auth API's own routes (with the project's
 * key), so they mean exactly what `users.update` and `users.delete` mean: disabling ends every
 * session, and the user's tokens are refused from then on.
 */
import { type EmulatorErrorCode, fail, json } from '../http.js';
import { sessionJson, userJson } from '../sessions.js';
import type { UserRecord } from '../store.js';
import { type ControlContext, type ControlRequest, changed, projectNamed } from './context.js';

/** The users of a project matching `q` (in the e-mail, id or metadata), newest first. */
export function searchUsers(ctx: ControlContext, query: URLSearchParams): UserRecord[] {
  const project = projectNamed(ctx, query.get('project_id'));
  const q = (query.get('q') ?? '').trim().toLowerCase();
  const out: UserRecord[] = [];
  for (const u of ctx.state.store.users.values()) {
    if (u.projectId !== project.projectId) continue;
    const text = `${u.id} ${u.email ?? ''} ${JSON.stringify(u.metadata)}`.toLowerCase();
    if (q === '' || text.includes(q)) out.push(u);
  }
  return out.reverse();
}

/** A user by id, in any project; `user_not_found` otherwise. */
export function findUser(ctx: ControlContext, id: string): UserRecord {
  const user = ctx.state.store.users.get(id);
  if (!user) fail('user_not_found', 'No user has that id.');
  return user;
}

/** The user's sessions, active first, as JSON. */
export function userSessions(ctx: ControlContext, user: UserRecord): Record<string, unknown>[] {
  return [...ctx.state.store.sessions.values()]
    .filter((s) => s.userId === user.id)
    .sort((a, b) => Number(a.endedAt !== null) - Number(b.endedAt !== null))
    .map((s) => ({
      ...sessionJson(s, undefined),
      active: s.endedAt === null,
      ended_at: s.endedAt === null ? null : new Date(s.endedAt).toISOString(),
    }));
}

/** Sends a users request to the Auth API as the user's project; its error is thrown. */
async function viaApi(
  ctx: ControlContext,
  c: ControlRequest,
  user: UserRecord,
  method: 'PATCH' | 'DELETE',
  body?: Record<string, unknown>,
): Promise<void> {
  const project = ctx.state.store.projects.get(user.projectId)!;
  const init: RequestInit = { method, headers: { 'x-protekt-key': project.apiKey } };
  if (body) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  const url = `${c.url.origin}/v1/auth/users/${encodeURIComponent(user.id)}`;
  const res = await ctx.callApi(new Request(url, init));
  if (res.ok) return;
  const err = ((await res.json()) as { error?: { code?: string; message?: string } }).error;
  fail((err?.code ?? 'invalid_request') as EmulatorErrorCode, err?.message ?? 'Refused.');
}

/** Metadata from JSON or from a form's JSON text, as a patch that replaces the old metadata. */
function metadataPatch(user: UserRecord, value: unknown): Record<string, unknown> {
  let next = value;
  if (typeof value === 'string') {
    try {
      next = JSON.parse(value || '{}');
    } catch {
      fail('invalid_request', 'metadata must be a JSON object.', { field: 'metadata' });
    }
  }
  if (!next || typeof next !== 'object' || Array.isArray(next))
    fail('invalid_request', 'metadata must be a JSON object.', { field: 'metadata' });
  const patch: Record<string, unknown> = { ...(next as Record<string, unknown>) };
  for (const key of Object.keys(user.metadata)) if (!(key in patch)) patch[key] = null;
  return patch;
}

/**
 * `/_emulator/users[/{id}[/{action}]]`: GET lists or shows; `disable`, `enable`, `delete`,
 * `metadata` (POST) or PATCH `{ disabled?, metadata? }` and DELETE change.
 */
export async function users(
  ctx: ControlContext,
  c: ControlRequest,
  id: string | undefined,
  action: string | undefined,
): Promise<Response> {
  if (id === undefined) return json({ users: searchUsers(ctx, c.url.searchParams).map(userJson) });
  const user = findUser(ctx, id);
  const method = c.request.method;
  if (method === 'GET') return json({ ...userJson(user), sessions: userSessions(ctx, user) });
  if (method === 'DELETE' || action === 'delete') {
    await viaApi(ctx, c, user, 'DELETE');
    return changed(c, { deleted: true, id: user.id });
  }
  const patch: Record<string, unknown> = {};
  if (action === 'disable' || action === 'enable') patch['disabled'] = action === 'disable';
  else if (method === 'PATCH' && typeof c.body['disabled'] === 'boolean')
    patch['disabled'] = c.body['disabled'];
  if (action === 'metadata' || c.body['metadata'] !== undefined)
    patch['metadata'] = metadataPatch(user, c.body['metadata']);
  if (Object.keys(patch).length === 0)
    fail('invalid_request', 'Nothing to change: send disabled or metadata.', { field: 'body' });
  await viaApi(ctx, c, user, 'PATCH', patch);
  return changed(c, userJson(user));
}

/** DELETE /_emulator/sessions/{id} (or POST …/revoke): ends one session. */
export function revokeSession(ctx: ControlContext, c: ControlRequest, id: string): Response {
  const session = ctx.state.store.sessions.get(id);
  if (!session) fail('session_not_found', 'No session has that id.');
  ctx.state.store.endSession(session, ctx.state.clock.now());
  return changed(c, { revoked: true, session_id: session.id });
}
