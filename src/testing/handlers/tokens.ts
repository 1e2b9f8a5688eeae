/** Refresh (rotation with reuse detection), verification and revocation of tokens. */
import { fail, json } from '../http.js';
import {
  newRefreshToken,
  revokeJti,
  signAccessToken,
  tokenExpiry,
  userJson,
  verifyAccessToken,
} from '../sessions.js';
import type { Handler } from '../state.js';
import { projectOf } from '../state.js';

/** POST /auth/token/refresh */
export const refresh: Handler = async (c) => {
  const project = projectOf(c);
  const { store } = c.state;
  const token = c.body['refresh_token'] as string;
  const record = store.refreshTokens.get(token);
  if (!record || record.projectId !== project.projectId)
    fail('refresh_token_invalid', 'The refresh token is invalid.');
  const session = store.sessions.get(record.sessionId);
  if (record.state === 'rotated') {
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
  const access = await signAccessToken(c.state, c.origin, project, user, session.id, expiresIn);
  return json({
    access_token: access,
    refresh_token: next,
    expires_in: expiresIn,
    token_type: 'Bearer',
    user: userJson(user),
  });
};

/** POST /auth/token/verify */
export const verify: Handler = async (c) => {
  const v = await verifyAccessToken(c.state, c.body['token'] as string, projectOf(c), c.origin);
  if (v.user?.disabled) fail('token_revoked', 'The user of this token no longer has access.');
  return json({ valid: true, claims: v.claims });
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
