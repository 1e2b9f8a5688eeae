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

/**
 * A page's cursor: the project and the creation position of the page's last user. It names a
 * position, not a user, so paging goes on when that user is deleted meanwhile.
 */
function encodeCursor(user: UserRecord): string {
  return `cur_${encodeBase64urlText(`${user.projectId}:${user.seq}`)}`;
}

/**
 * The creation position a cursor names. Refused like any malformed cursor (`invalid_request`)
 * when it belongs to another project: a cursor is read only within the project that made it.
 */
function decodeCursor(cursor: string, projectId: string): number {
  const text = (cursor.startsWith('cur_') && decodeBase64urlText(cursor.slice(4))) || '';
  const colon = text.lastIndexOf(':');
  const seq = text.slice(colon + 1);
  if (colon < 0 || text.slice(0, colon) !== projectId || !/^\d{1,15}$/.test(seq))
    fail('invalid_request', 'The cursor is invalid.', { field: 'cursor' });
  return Number(seq);
}

function findUser(c: OpContext): UserRecord {
  const user = c.state.store.userById(projectOf(c).projectId, c.params['id'] ?? '');
  if (!user) fail('user_not_found', 'No user with this id exists in the project.');
  return user;
}

/** GET /auth/users — the project's users in creation order, from the cursor's position on. */
export const list: Handler = async (c) => {
  const project = projectOf(c);
  const limit = (c.query['limit'] as number | undefined) ?? 20;
  const search =
    typeof c.query['search'] === 'string' ? (c.query['search'] as string).toLowerCase() : undefined;
  const after =
    typeof c.query['cursor'] === 'string'
      ? decodeCursor(c.query['cursor'] as string, project.projectId)
      : 0;
  const all: UserRecord[] = [];
  for (const u of c.state.store.users.values()) {
    if (u.projectId !== project.projectId || u.seq <= after) continue;
    if (search !== undefined && !(u.email ?? '').includes(search)) continue;
    all.push(u);
  }
  const page = all.slice(0, limit);
  const hasMore = limit < all.length;
  return json({
    data: page.map(userJson),
    next_cursor: hasMore && page.length > 0 ? encodeCursor(page[page.length - 1]!) : null,
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
