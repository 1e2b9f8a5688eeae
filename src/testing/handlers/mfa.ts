/** MFA: enrollment (TOTP, SMS), login challenges, backup codes, removal. */
import { fail, json } from '../http.js';
import { constantTimeEqualText } from '../password.js';
import { qrDataUrl } from '../png.js';
import { randomBytes, randomDigits, randomString } from '../random.js';
import { mfaMethods, openSession, requireBearer, userJson } from '../sessions.js';
import type { Handler, OpContext } from '../state.js';
import { projectOf } from '../state.js';
import { base32Decode, base32Encode, hotp, totpStep } from '../totp.js';
import { maskPhone } from './common.js';

const ENROLL_LIFETIME_MS = 15 * 60_000;
const SMS_LIFETIME_MS = 10 * 60_000;
const BACKUP_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/**
 * The TOTP step (within ±1 of now) whose code matches and is newer than `lastStep`, else `null`.
 */
async function matchTotp(
  secret: string,
  code: string,
  now: number,
  lastStep: number,
): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const key = base32Decode(secret);
  if (!key) return null;
  const step = totpStep(now);
  for (const s of [step - 1, step, step + 1]) {
    if (s <= lastStep) continue;
    if (constantTimeEqualText(await hotp(key, s), code)) return s;
  }
  return null;
}

function normalizeCode(code: string): string {
  return code.replace(/\s+/g, '').toLowerCase();
}

/** The `otpauth://` URI an authenticator app scans. */
export function totpUri(account: string, secret: string): string {
  const label = encodeURIComponent(`Protekt:${account}`).replace(/%40/g, '@').replace(/%3A/g, ':');
  return `otpauth://totp/${label}?secret=${secret}&issuer=Protekt&algorithm=SHA1&digits=6&period=30`;
}

/** POST /auth/mfa/enroll */
export const enroll: Handler = async (c) => {
  const { user } = await requireBearer(c);
  if (c.body['method'] === 'totp') {
    const secret = base32Encode(randomBytes(20));
    user.mfa.pendingTotp = { secret, expiresAt: c.now + ENROLL_LIFETIME_MS };
    const uri = totpUri(user.email ?? user.id, secret);
    return json({ method: 'totp', totp_uri: uri, qr_code: qrDataUrl(uri) });
  }
  const phone = c.body['phone'];
  if (typeof phone !== 'string')
    fail('invalid_phone', 'An E.164 phone number is required for SMS enrollment.', {
      field: 'phone',
    });
  const code = randomDigits(6);
  user.mfa.pendingSms = { phone, code, expiresAt: c.now + SMS_LIFETIME_MS, attempts: 0 };
  c.state.outbox.push({
    to: phone,
    channel: 'sms',
    kind: 'mfa_enroll_sms',
    code,
    projectId: projectOf(c).projectId,
    at: c.now,
  });
  return json({ method: 'sms', phone_masked: maskPhone(phone) });
};

/** Completes a login challenge with a TOTP, SMS or backup code; answers tokens. */
async function completeChallenge(c: OpContext, token: string, code: string): Promise<Response> {
  const project = projectOf(c);
  const { store } = c.state;
  const challenge = store.mfaChallenges.get(token);
  if (!challenge || challenge.projectId !== project.projectId || challenge.expiresAt <= c.now) {
    fail('mfa_token_invalid', 'The MFA token is invalid or has expired; sign in again.');
  }
  const user = store.userById(project.projectId, challenge.userId);
  if (!user || user.disabled) {
    store.mfaChallenges.delete(token);
    fail('mfa_token_invalid', 'The MFA token is invalid or has expired; sign in again.');
  }
  let ok = false;
  if (user.mfa.totp) {
    const step = await matchTotp(user.mfa.totp.secret, code, c.now, user.mfa.totp.lastStep);
    if (step !== null && user.mfa.totp) {
      user.mfa.totp.lastStep = step;
      ok = true;
    }
  }
  if (
    !ok &&
    challenge.sms &&
    challenge.sms.expiresAt > c.now &&
    constantTimeEqualText(code, challenge.sms.code)
  )
    ok = true;
  if (!ok) {
    const backup = /^[a-z0-9]{8}$/.test(code) ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
    const idx = user.mfa.backupCodes.findIndex((b) => constantTimeEqualText(b, backup));
    if (idx >= 0) {
      user.mfa.backupCodes.splice(idx, 1);
      ok = true;
    }
  }
  // A concurrent verification may have consumed the challenge while we computed.
  if (store.mfaChallenges.get(token) !== challenge)
    fail('mfa_token_invalid', 'The MFA token is invalid or has expired; sign in again.');
  if (!ok) {
    challenge.attempts++;
    if (challenge.attempts >= c.state.limits.mfaAttempts) store.mfaChallenges.delete(token);
    fail('invalid_mfa_code', 'The MFA code is incorrect.');
  }
  store.mfaChallenges.delete(token);
  return json(await openSession(c, user, c.body['token_expiry'] ?? challenge.tokenExpiry));
}

/** Shared with the hosted login page. */
export async function completeMfaChallenge(
  c: OpContext,
  token: string,
  code: string,
): Promise<Record<string, unknown>> {
  const res = await completeChallenge(c, token, normalizeCode(code));
  return (await res.json()) as Record<string, unknown>;
}

/** POST /auth/mfa/verify */
export const verify: Handler = async (c) => {
  const code = normalizeCode(c.body['code'] as string);
  const mfaToken = c.body['mfa_token'];
  // Awaited, not returned: workerd reports a returned promise that is already rejected as unhandled.
  if (typeof mfaToken === 'string' && mfaToken !== '')
    return await completeChallenge(c, mfaToken, code);
  const { user } = await requireBearer(c);
  const method = c.body['method'] as 'totp' | 'sms' | undefined;
  const totp =
    method !== 'sms' && user.mfa.pendingTotp && user.mfa.pendingTotp.expiresAt > c.now
      ? user.mfa.pendingTotp
      : null;
  const sms =
    method !== 'totp' && user.mfa.pendingSms && user.mfa.pendingSms.expiresAt > c.now
      ? user.mfa.pendingSms
      : null;
  if (!totp && !sms) fail('mfa_not_enrolled', 'There is no pending MFA enrollment to confirm.');
  if (totp) {
    const step = await matchTotp(totp.secret, code, c.now, -1);
    if (step !== null && user.mfa.pendingTotp === totp) {
      // The confirmation code does not count toward replay protection: the user typically
      // signs in with the very same code right after enrolling.
      user.mfa.totp = { secret: totp.secret, lastStep: -1 };
      user.mfa.pendingTotp = null;
      return json({ enrolled: true, method: 'totp', user: userJson(user) });
    }
  }
  if (sms) {
    if (constantTimeEqualText(code, sms.code) && user.mfa.pendingSms === sms) {
      user.mfa.sms = { phone: sms.phone };
      user.phone = sms.phone;
      user.mfa.pendingSms = null;
      return json({ enrolled: true, method: 'sms', user: userJson(user) });
    }
    sms.attempts++;
    if (sms.attempts >= c.state.limits.mfaAttempts && user.mfa.pendingSms === sms)
      user.mfa.pendingSms = null;
  }
  fail('invalid_mfa_code', 'The MFA code is incorrect.');
};

/** DELETE /auth/mfa/unenroll */
export const unenroll: Handler = async (c) => {
  const { user } = await requireBearer(c);
  if (projectOf(c).settings.mfaRequired)
    fail('mfa_enforced', 'This project requires MFA; a method cannot be removed.');
  const method = c.body['method'] as 'totp' | 'sms';
  if (!mfaMethods(user).includes(method))
    fail('mfa_not_enrolled', 'This MFA method is not enrolled.');
  if (method === 'totp') user.mfa.totp = null;
  else user.mfa.sms = null;
  if (mfaMethods(user).length === 0) user.mfa.backupCodes = [];
  return json({ unenrolled: true });
};

/** POST /auth/mfa/backup-codes (extension): 10 new codes replace any earlier set. */
export const backupCodes: Handler = async (c) => {
  const { user } = await requireBearer(c);
  if (mfaMethods(user).length === 0)
    fail('mfa_not_enrolled', 'Backup codes need an enrolled MFA method.');
  const codes: string[] = [];
  while (codes.length < 10) {
    const code = `${randomString(BACKUP_ALPHABET, 4)}-${randomString(BACKUP_ALPHABET, 4)}`;
    if (!codes.includes(code)) codes.push(code);
  }
  user.mfa.backupCodes = [...codes];
  return json({ backup_codes: codes });
};
