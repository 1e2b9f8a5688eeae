/** Password reset, reset confirmation and password change. */
import { fail, json } from '../http.js';
import { hashPassword, verifyPassword } from '../password.js';
import { requireBearer } from '../sessions.js';
import type { Handler } from '../state.js';
import { projectOf } from '../state.js';
import { normalizeEmail } from '../store.js';
import { rateLimit, sendLink } from './common.js';

const RESET_MESSAGE = 'If that e-mail address is registered, a password reset link has been sent.';

/** POST /auth/password/reset — the same answer whether or not the address exists. */
export const reset: Handler = async (c) => {
  const project = projectOf(c);
  const email = normalizeEmail(c.body['email'] as string);
  rateLimit(c, 'reset', email, c.state.limits.passwordReset);
  const user = c.state.store.userByEmail(project.projectId, email);
  if (user && !user.disabled)
    sendLink(c, 'password_reset', email, user, `${c.origin}/v1/_pages/password-reset`, 15 * 60_000);
  return json({ message: RESET_MESSAGE });
};

/** POST /auth/password/confirm — single-use token; ends every session of the user. */
export const confirm: Handler = async (c) => {
  const project = projectOf(c);
  const { store } = c.state;
  const token = c.body['reset_token'] as string;
  const record = store.resetTokens.get(token);
  if (!record || record.projectId !== project.projectId || record.expiresAt <= c.now) {
    fail('reset_token_invalid', 'The password reset link is invalid or has expired.');
  }
  const user = record.userId ? store.userById(project.projectId, record.userId) : undefined;
  if (!user || user.email !== record.email) {
    store.resetTokens.delete(token);
    fail('reset_token_invalid', 'The password reset link is invalid or has expired.');
  }
  const hash = await hashPassword(c.body['new_password'] as string, c.state.pbkdf2Iterations);
  // Single use: this token and any other outstanding reset token of the user.
  if (!store.resetTokens.has(token))
    fail('reset_token_invalid', 'The password reset link is invalid or has expired.');
  for (const [k, v] of store.resetTokens) if (v.userId === user.id) store.resetTokens.delete(k);
  user.password = hash;
  user.emailVerified = true;
  store.endUserSessions(user, c.now);
  c.state.lockout.clear(`${project.projectId}|${record.email}`);
  return json({ message: 'Your password has been reset.' });
};

/** POST /auth/password/change — ends the user's other sessions. */
export const change: Handler = async (c) => {
  const bearer = await requireBearer(c);
  const user = bearer.user;
  const ok = await verifyPassword(
    c.body['current_password'] as string,
    user.password ?? undefined,
    c.state.pbkdf2Iterations,
  );
  if (!ok) fail('invalid_credentials', 'The current password is incorrect.');
  user.password = await hashPassword(c.body['new_password'] as string, c.state.pbkdf2Iterations);
  c.state.store.endUserSessions(user, c.now, bearer.session?.id);
  return json({ message: 'Your password has been changed.' });
};
