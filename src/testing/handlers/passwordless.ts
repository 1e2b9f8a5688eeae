/** One-time codes and magic links (passwordless sign-in and sign-up). */
import { fail, json } from '../http.js';
import { constantTimeEqualText } from '../password.js';
import { randomDigits } from '../random.js';
import { signInOrChallenge } from './auth.js';
import type { Handler, OpContext } from '../state.js';
import { projectOf } from '../state.js';
import { normalizeEmail, type UserRecord } from '../store.js';
import { rateLimit, resolveRedirect, sendLink } from './common.js';

const OTP_LIFETIME_MS = 10 * 60_000;
const MAGIC_LINK_LIFETIME_MS = 15 * 60_000;

/** Finds the user of an e-mail address, creating a verified, passwordless one if missing. */
function userForEmail(c: OpContext, email: string): UserRecord {
  const project = projectOf(c);
  const { store } = c.state;
  let user = store.userByEmail(project.projectId, email);
  if (!user) {
    user = store.createUser(project.projectId, {
      email,
      emailVerified: true,
      password: null,
      metadata: Object.create(null) as Record<string, unknown>,
      now: c.now,
    });
  }
  if (user.disabled) fail('account_disabled', 'This account has been disabled.');
  user.emailVerified = true;
  return user;
}

/** POST /auth/otp/send */
export const sendOtp: Handler = async (c) => {
  const project = projectOf(c);
  const email = c.body['email'] as string | undefined;
  const phone = c.body['phone'] as string | undefined;
  const channel =
    (c.body['channel'] as 'email' | 'sms' | undefined) ??
    (email === undefined && phone !== undefined ? 'sms' : 'email');
  let to: string;
  if (channel === 'sms') {
    if (phone === undefined)
      fail('invalid_request', 'A phone number is required for the sms channel.', {
        field: 'phone',
      });
    to = phone;
  } else {
    if (email === undefined)
      fail('invalid_request', 'An e-mail address is required for the email channel.', {
        field: 'email',
      });
    to = normalizeEmail(email);
  }
  rateLimit(c, 'otp', to, c.state.limits.otpSend);
  const code = randomDigits(6);
  const { store } = c.state;
  const record = {
    projectId: project.projectId,
    code,
    expiresAt: c.now + OTP_LIFETIME_MS,
    attempts: 0,
  };
  store.put(store.otps, `${project.projectId}|${to}`, record, c.now);
  c.state.outbox.push({ to, channel, kind: 'otp', code, projectId: project.projectId, at: c.now });
  return json({ message: 'OTP sent', expires_in: OTP_LIFETIME_MS / 1000 });
};

/** POST /auth/otp/verify */
export const verifyOtp: Handler = async (c) => {
  const project = projectOf(c);
  const { store } = c.state;
  const email = c.body['email'] as string | undefined;
  const phone = c.body['phone'] as string | undefined;
  if (email === undefined && phone === undefined)
    fail('invalid_request', 'An e-mail address or phone number is required.', { field: 'email' });
  const to = email !== undefined ? normalizeEmail(email) : phone!;
  const key = `${project.projectId}|${to}`;
  const record = store.otps.get(key);
  const otp = (c.body['otp'] as string).trim();
  if (!record || record.expiresAt <= c.now) {
    store.otps.delete(key);
    fail('invalid_otp', 'The code is incorrect or has expired.');
  }
  if (!constantTimeEqualText(otp, record.code)) {
    record.attempts++;
    if (record.attempts >= c.state.limits.otpAttempts) store.otps.delete(key);
    fail('invalid_otp', 'The code is incorrect or has expired.');
  }
  store.otps.delete(key);
  let user: UserRecord | undefined;
  if (email !== undefined) user = userForEmail(c, to);
  else {
    for (const u of store.users.values())
      if (u.projectId === project.projectId && u.phone === to) user = u;
    if (!user) fail('user_not_found', 'No user has this verified phone number.');
    if (user.disabled) fail('account_disabled', 'This account has been disabled.');
  }
  return json(await signInOrChallenge(c, user));
};

/** POST /auth/magic-link/send */
export const sendMagicLink: Handler = async (c) => {
  const project = projectOf(c);
  const email = normalizeEmail(c.body['email'] as string);
  const target = resolveRedirect(project, c.body['redirect_url']);
  rateLimit(c, 'magic', email, c.state.limits.magicLinkSend);
  sendLink(c, 'magic_link', email, null, target, MAGIC_LINK_LIFETIME_MS);
  return json({ message: 'Magic link sent', expires_in: MAGIC_LINK_LIFETIME_MS / 1000 });
};

/** POST /auth/magic-link/verify */
export const verifyMagicLink: Handler = async (c) => {
  const project = projectOf(c);
  const token = c.body['token'] as string;
  const record = c.state.store.magicLinks.get(token);
  if (!record || record.projectId !== project.projectId || record.expiresAt <= c.now) {
    fail('magic_link_expired', 'The magic link is invalid, expired or already used.');
  }
  c.state.store.magicLinks.delete(token);
  return json(await signInOrChallenge(c, userForEmail(c, record.email)));
};
