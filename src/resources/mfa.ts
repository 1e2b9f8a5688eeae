/** `protekt.mfa`: enrollment (TOTP, SMS), the login challenge, and backup codes. */
import type { BackupCodesResult, DefaultMetadata, EmptyResult, MfaEnrollResult, MfaMethod, MfaVerifyResult, RequestOptions, AuthTokenResponse } from '../types.js';
import { accessToken, oneOf, optional, phone, text } from './validate.js';
import { arr, flag, op, optStr, PAIR, read, TOKEN, TOKENS, user, withExpiry, type MethodFactory, type Shape } from './shared.js';

/** The `mfa` resource. */
export interface MfaResource<M extends object = DefaultMetadata> {
  /** Starts enrolling a method; confirm it with `mfa.verify({ code }, accessToken)`. */
  enroll(params: { method: MfaMethod; phone?: string }, accessToken: string, options?: RequestOptions): Promise<MfaEnrollResult>;
  /**
   * Verifies a code. With `mfaToken` it completes a login challenge and returns tokens; with the
   * user's `accessToken` (and no `mfaToken`) it confirms an enrollment (`enrolled: true`).
   */
  verify(params: { code: string; mfaToken?: string }, accessToken?: string, options?: RequestOptions): Promise<MfaVerifyResult<M>>;
  /** Completes the login MFA challenge: the `mfaToken` from `auth.login`'s error and the user's code. */
  verifyLogin(params: { mfaToken: string; code: string }, options?: RequestOptions): Promise<AuthTokenResponse<M>>;
  /** Removes a method (refused with `mfa_enforced` when the project requires MFA). */
  unenroll(params: { method: MfaMethod }, accessToken: string, options?: RequestOptions): Promise<EmptyResult>;
  /** A new set of single-use backup codes (the previous set stops working). Show them once. */
  generateBackupCodes(accessToken: string, options?: RequestOptions): Promise<BackupCodesResult>;
}

const method = oneOf(['totp', 'sms']);
const code = text('invalid_mfa_code');
const mfaToken = text('mfa_token_invalid');

// `mfa.verify`: tokens when it completed a login challenge, else the confirmed enrollment.
const nothing = (): null => null;
const VERIFIED: Shape = { ...PAIR, user, enrolled: () => false };
const ENROLLED: Shape = { accessToken: nothing, refreshToken: nothing, expiresIn: nothing, user, enrolled: flag };

/** @internal The methods of `mfa`, built per client by `resource()`. */
export const MFA: Record<string, MethodFactory> = {
  enroll: op(
    'POST /auth/mfa/enroll',
    [{ method, phone: (value, field, params) => ((params as { method?: unknown }).method === 'sms' ? phone(value, field) : null) }, TOKEN],
    { method: (d, k) => (d[k] === 'sms' ? 'sms' : 'totp'), totpUri: optStr, qrCode: optStr, phoneMasked: optStr },
  ),
  verify: op(
    'POST /auth/mfa/verify',
    [
      { code, mfaToken: optional(mfaToken) },
      // The access token confirms an enrollment; a login challenge (mfaToken alone) needs none.
      ['accessToken', (value, field, args) => ((args as [{ mfaToken?: unknown }])[0].mfaToken === undefined || value !== undefined ? accessToken(value, field) : null)],
    ],
    VERIFIED,
    withExpiry,
    (d) => read(typeof d.access_token === 'string' ? VERIFIED : ENROLLED, d),
  ),
  verifyLogin: op('POST /auth/mfa/verify', [{ mfaToken, code }], TOKENS, withExpiry),
  unenroll: op('DELETE /auth/mfa/unenroll', [{ method }, TOKEN]),
  generateBackupCodes: op('POST /auth/mfa/backup-codes', [TOKEN], {
    backupCodes: (d, k) => arr(d, k).filter((c): c is string => typeof c === 'string'),
  }),
};
