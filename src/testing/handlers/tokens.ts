/** Refresh (rotation with reuse detection), verification and revocation of tokens. */
import { decodeBase64urlText } from '../../util/base64url.js';
import { fail, json } from '../http.js';
import {
  newRefreshToken,
  revokeJti,
  signAccessToken,
  tokenExpiry,
  userJson,
  verifyAccessToken,
} from '../sessions.js';
import type { Handler, OpContext } from '../state.js';
import { projectOf } from '../state.js';
import type { EmulatorProject, RefreshRecord, SessionRecord } from '../store.js';

// The pair a rotated refresh token was answered with, when it may be answered again: within the
// project's reuse interval of the rotation, while the session is alive, the pair's refresh token
// unused (the token presented is the parent of the session's current one: a grandparent means
// the pair was used already) and its access token not revoked. Else undefined: reuse.
async function replayOfRotation(
  c: OpContext,
  project: EmulatorProject,
  record: RefreshRecord,
  session: SessionRecord | undefined,
): Promise<Record<string, unknown> | undefined> {
  const { store } = c.state;
  const rotation = record.rotation;
  if (!rotation || !session) return undefined;
  // A request whose clock was read before the rotation was recorded (it waited on its body or
  // an injected latency) is concurrent with it: negative elapsed time is inside the interval.
  const interval = project.settings.refreshTokenReuseInterval * 1000;
  if (interval <= 0 || c.now - rotation.at >= interval) return undefined;
  const access = await rotation.access;
  if (session.endedAt !== null || store.revokedJtis.has(access.jti)) return undefined;
  if (store.refreshTokens.get(rotation.refreshToken)?.state !== 'active') return undefined;
  const user = store.userById(project.projectId, session.userId);
  if (!user || user.disabled) return undefined;
  session.lastActiveAt = c.now;
  return {
    access_token: access.token,
    refresh_token: rotation.refreshToken,
    expires_in: rotation.expiresIn,
    token_type: 'Bearer',
    user: userJson(user),
  };
}

// The jti of an access token this emulator just signed.
const jtiOf = (accessToken: string): string =>
  JSON.parse(decodeBase64urlText(accessToken.split('.')[1]!) ?? '{}').jti as string;

/**
 * POST /auth/token/refresh. A rotated token presented again within the project's
 * `refreshTokenReuseInterval` gets its rotation's pair again (concurrent refreshes); later, or
 * once that pair was used, it is reuse and ends the session.
 */
export const refresh: Handler = async (c) => {
  const project = projectOf(c);
  const { store } = c.state;
  const token = c.body['refresh_token'] as string;
  const record = store.refreshTokens.get(token);
  if (!record || record.projectId !== project.projectId)
    fail('refresh_token_invalid', 'The refresh token is invalid.');
  const session = store.sessions.get(record.sessionId);
  if (record.state === 'rotated') {
    const replay = await replayOfRotation(c, project, record, session);
    if (replay) return json(replay);
    // Reuse of a rotated token: someone holds a stolen copy. End the whole session.
    if (session) store.endSession(session, c.now);
    fail(
      'refresh_token_invalid',
      'The refresh token was already used; the session has been revoked.',
    );
  }
  if (record.state === 'revoked' || !session || session.endedAt !== null)
    fail('refresh_token_invalid', 'The refresh token has been revoked.');
  if (record.expiresAt <= c.now) fail('refresh_token_expired', 'The refresh token has expired.');
  const user = store.userById(project.projectId, session.userId);
  if (!user || user.disabled) fail('refresh_token_invalid', 'The refresh token has been revoked.');
  record.state = 'rotated';
  session.lastActiveAt = c.now;
  const expiresIn = tokenExpiry(project, c.body['token_expiry']);
  const next = newRefreshToken(c.state, project, session.id);
  const signing = signAccessToken(c.state, c.origin, project, user, session.id, expiresIn);
  const access = signing.then((signed) => ({ token: signed, jti: jtiOf(signed) }));
  record.rotation = { at: c.now, refreshToken: next, expiresIn, access };
  const { token: accessToken } = await access;
  return json({
    access_token: accessToken,
    refresh_token: next,
    expires_in: expiresIn,
    token_type: 'Bearer',
    user: userJson(user),
  });
};

/**
 * POST /auth/token/verify. A revoked token, an ended session or a disabled user answer 401
 * `token_revoked`; an intact token whose `sub` is no user of the project (deleted, and the token
 * carries no session whose end would have revoked it) answers 200 `{ valid: false, claims }`.
 */
export const verify: Handler = async (c) => {
  const v = await verifyAccessToken(c.state, c.body['token'] as string, projectOf(c), c.origin);
  if (v.user?.disabled) fail('token_revoked', 'The user of this token no longer has access.');
  return json({ valid: v.user !== undefined, claims: v.claims });
};

/** POST /auth/token/revoke — unknown tokens are answered like known ones (no oracle). */
export const revoke: Handler = async (c) => {
  const project = projectOf(c);
  const token = c.body['token'] as string;
  const record = c.state.store.refreshTokens.get(token);
  if (record) {
    if (record.projectId === project.projectId && record.state === 'active')
      record.state = 'revoked';
    return json({ revoked: true });
  }
  const verified = await c.state.keys.verify(token);
  if (verified) {
    const aud = verified.payload['aud'];
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (audiences.includes(project.loginId)) revokeJti(c.state, verified.payload);
  }
  return json({ revoked: true });
};
