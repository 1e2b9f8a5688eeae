/** Admin user management (API key only). */
import { decodeBase64urlText, encodeBase64urlText } from '../../util/base64url.js';
import { sanitizeJson } from '../../contract/schema.js';
import { fail, json } from '../http.js';
import { userJson } from '../sessions.js';
import { jsonByteLength, METADATA_MAX_BYTES } from '../../util/limits.js';
import type { Handler, OpContext } from '../state.js';
import { projectOf } from '../state.js';
import { normalizeEmail, type UserRecord } from '../store.js';
import { sendVerification } from './common.js';

function encodeCursor(userId: string): string {
  return `cur_${encodeBase64urlText(userId)}`;
}

function decodeCursor(cursor: string): string {
  const id = cursor.startsWith('cur_') ? decodeBase64urlText(cursor.slice(4)) : null;
  if (id === null || !/^usr_[a-z0-9]+$/.test(id))
    fail('invalid_request', 'The cursor is invalid.', { field: 'cursor' });
  return id;
}

function findUser(c: OpContext): UserRecord {
  const user = c.state.store.userById(projectOf(c).projectId, c.params['id'] ?? '');
  if (!user) fail('user_not_found', 'No user with this id exists in the project.');
  return user;
}

/** GET /auth/users */
export const list: Handler = async (c) => {
  const project = projectOf(c);
  const limit = (c.query['limit'] as number | undefined) ?? 20;
  const search =
    typeof c.query['search'] === 'string' ? (c.query['search'] as string).toLowerCase() : undefined;
  const after =
    typeof c.query['cursor'] === 'string' ? decodeCursor(c.query['cursor'] as string) : undefined;
  const all: UserRecord[] = [];
  for (const u of c.state.store.users.values()) {
    if (u.projectId !== project.projectId) continue;
    if (search !== undefined && !(u.email ?? '').includes(search)) continue;
    all.push(u);
  }
  let start = 0;
  if (after !== undefined) {
    // Users are kept in creation order; a cursor names the last user of the previous page.
    const idx = all.findIndex((u) => u.id === after);
    if (idx >= 0) start = idx + 1;
    else {
      const afterUser = c.state.store.users.get(after);
      start = afterUser ? all.findIndex((u) => u.createdAt > afterUser.createdAt) : all.length;
      if (start < 0) start = all.length;
    }
  }
  const page = all.slice(start, start + limit);
  const hasMore = start + limit < all.length;
  return json({
    data: page.map(userJson),
    next_cursor: hasMore && page.length > 0 ? encodeCursor(page[page.length - 1]!.id) : null,
    has_more: hasMore,
  });
};

/** GET /auth/users/{id} */
export const get: Handler = async (c) => json(userJson(findUser(c)));

/** PATCH /auth/users/{id} — metadata is merged; a `null` value removes a key. */
export const update: Handler = async (c) => {
  const user = findUser(c);
  const { store } = c.state;
  const email = c.body['email'];
  if (typeof email === 'string') {
    const normalized = normalizeEmail(email);
    if (normalized !== user.email) {
      const other = store.userByEmail(user.projectId, normalized);
      if (other && other.id !== user.id)
        fail('email_taken', 'A user with this e-mail address already exists.', { field: 'email' });
    }
  }
  const metadata = c.body['metadata'];
  if (metadata && typeof metadata === 'object') {
    const merged = Object.assign(Object.create(null) as Record<string, unknown>, user.metadata);
    for (const [k, v] of Object.entries(metadata as Record<string, unknown>)) {
      if (v === null) delete merged[k];
      else merged[k] = sanitizeJson(v);
    }
    // The merge may not grow past the limit a single write has (the keys become token claims).
    if (jsonByteLength(merged) > METADATA_MAX_BYTES) {
      fail(
        'invalid_request',
        `The merged metadata would be larger than ${METADATA_MAX_BYTES} bytes.`,
        {
          field: 'metadata',
        },
      );
    }
    user.metadata = merged;
  }
  if (typeof email === 'string' && normalizeEmail(email) !== user.email) {
    store.changeEmail(user, email);
    user.emailVerified = false;
    sendVerification(c, user);
  }
  const disabled = c.body['disabled'];
  if (typeof disabled === 'boolean') {
    user.disabled = disabled;
    if (disabled) store.endUserSessions(user, c.now);
  }
  return json(userJson(user));
};

/** DELETE /auth/users/{id} */
export const remove: Handler = async (c) => {
  const user = findUser(c);
  c.state.store.endUserSessions(user, c.now);
  c.state.store.deleteUser(user);
  return json({ deleted: true, id: user.id });
};
