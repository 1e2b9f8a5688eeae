/** Sign-up, password login (shared with the hosted login page), logout and e-mail verification. */
import { json, fail } from '../http.js';
import { hashPassword, verifyPassword } from '../password.js';
import { randomDigits, randomToken } from '../random.js';
import { mfaMethods, openSession, requireBearer, revokeJti, userJson } from '../sessions.js';
import type { Handler, OpContext } from '../state.js';
import { projectOf } from '../state.js';
import { normalizeEmail, type UserRecord } from '../store.js';
import { cleanMetadata, rateLimit, sendVerification } from './common.js';

/** POST /auth/signup */
export const signup: Handler = async (c) => {
  const project = projectOf(c);
  const email = normalizeEmail(c.body['email'] as string);
  if (c.state.store.userByEmail(project.projectId, email))
    fail('email_taken', 'A user with this e-mail address already exists.', { field: 'email' });
  const password = await hashPassword(c.body['password'] as string, c.state.pbkdf2Iterations);
  // Re-check after the async hash: a concurrent sign-up may have taken the address.
  if (c.state.store.userByEmail(project.projectId, email))
    fail('email_taken', 'A user with this e-mail address already exists.', { field: 'email' });
  const user = c.state.store.createUser(project.projectId, {
    email,
    emailVerified: false,
    password,
    metadata: cleanMetadata(c.body['metadata'] ?? {}),
    now: c.now,
  });
  const send = c.body['send_verification'] ?? project.settings.requireEmailVerification;
  if (send === true) sendVerification(c, user);
  return json(await openSession(c, user), 201);
};

/** Outcome of a correct password. */
export type PasswordLoginResult =
  | { readonly kind: 'tokens'; readonly body: Record<string, unknown> }
  | { readonly kind: 'mfa'; readonly body: Record<string, unknown> };

/** Starts an MFA challenge for a user (sends the SMS code when the user has SMS MFA). */
export function startMfaChallenge(
  c: OpContext,
  user: UserRecord,
  requestedExpiry: unknown,
): Record<string, unknown> {
  const project = projectOf(c);
  const token = randomToken('mfa_tmp_', 24);
  const methods = mfaMethods(user);
  let sms: { code: string; expiresAt: number } | null = null;
  if (user.mfa.sms) {
    sms = { code: randomDigits(6), expiresAt: c.now + 5 * 60_000 };
    c.state.outbox.push({
      to: user.mfa.sms.phone,
      channel: 'sms',
      kind: 'mfa_sms',
      code: sms.code,
      projectId: project.projectId,
      at: c.now,
    });
  }
  const challenge = {
    projectId: project.projectId,
    userId: user.id,
    expiresAt: c.now + 5 * 60_000,
    tokenExpiry: typeof requestedExpiry === 'number' ? requestedExpiry : undefined,
    sms,
    attempts: 0,
  };
  c.state.store.put(c.state.store.mfaChallenges, token, challenge, c.now);
  return { mfa_required: true, mfa_token: token, available_methods: methods };
}

/**
 * The password check shared by `POST /auth/login` and the hosted login page: rate limit,
 * lockout, constant-work password check, account state, then tokens or an MFA challenge.
 */
export async function passwordLogin(
  c: OpContext,
  rawEmail: string,
  password: string,
  requestedExpiry: unknown,
): Promise<PasswordLoginResult> {
  const project = projectOf(c);
  const email = normalizeEmail(rawEmail);
  const { limits } = c.state;
  rateLimit(c, 'login', email, limits.login);
  const lockKey = `${project.projectId}|${email}`;
  const lockedMs = c.state.lockout.lockedFor(lockKey, c.now);
  if (lockedMs > 0) {
    const retryAfter = Math.ceil(lockedMs / 1000);
    c.headers['retry-after'] = String(retryAfter);
    fail('account_locked', 'Too many failed sign-in attempts; the account is temporarily locked.', {
      retry_after: retryAfter,
    });
  }
  const user = c.state.store.userByEmail(project.projectId, email);
  const ok = await verifyPassword(password, user?.password ?? undefined, c.state.pbkdf2Iterations);
  if (!ok || !user) {
    c.state.lockout.fail(lockKey, c.now, limits.lockout);
    fail('invalid_credentials', 'The e-mail address or password is incorrect.');
  }
  c.state.lockout.clear(lockKey);
  if (user.disabled) fail('account_disabled', 'This account has been disabled.');
  if (project.settings.requireEmailVerification && !user.emailVerified) {
    fail('email_not_verified', 'The e-mail address must be verified before signing in.');
  }
  if (mfaMethods(user).length > 0)
    return { kind: 'mfa', body: startMfaChallenge(c, user, requestedExpiry) };
  return { kind: 'tokens', body: await openSession(c, user, requestedExpiry) };
}

/**
 * Tokens for a user who proved who they are by a code, a link or an identity provider, or the MFA
 * challenge when the user has MFA: every sign-in path asks for the second factor.
 */
export async function signInOrChallenge(
  c: OpContext,
  user: UserRecord,
): Promise<Record<string, unknown>> {
  if (mfaMethods(user).length > 0) return startMfaChallenge(c, user, c.body['token_expiry']);
  return openSession(c, user);
}

/** POST /auth/login */
export const login: Handler = async (c) => {
  const result = await passwordLogin(
    c,
    c.body['email'] as string,
    c.body['password'] as string,
    c.body['token_expiry'],
  );
  return json(result.body, 200);
};

/** POST /auth/logout */
export const logout: Handler = async (c) => {
  const bearer = await requireBearer(c);
  revokeJti(c.state, bearer.claims);
  if (bearer.session) c.state.store.endSession(bearer.session, c.now);
  return json({ logged_out: true });
};

/** POST /auth/email/verify (extension) */
export const verifyEmail: Handler = async (c) => {
  const project = projectOf(c);
  const token = c.body['token'] as string;
  const record = c.state.store.verificationTokens.get(token);
  if (!record || record.projectId !== project.projectId || record.expiresAt <= c.now) {
    fail('verification_token_invalid', 'The verification link is invalid or has expired.');
  }
  c.state.store.verificationTokens.delete(token);
  const user = record.userId ? c.state.store.userById(project.projectId, record.userId) : undefined;
  if (!user || user.email !== record.email)
    fail('verification_token_invalid', 'The verification link is invalid or has expired.');
  user.emailVerified = true;
  return json({ verified: true, user: userJson(user) });
};
