/** `protekt.mfa`: enrollment (TOTP, SMS), the login challenge, and backup codes. */
import type { BackupCodesResult, DefaultMetadata, EmptyResult, MfaEnrollResult, MfaMethod, MfaVerifyResult, RequestOptions, AuthTokenResponse } from '../types.js';
import { accessToken, oneOf, optional, phone, text } from './validate.js';
import { arr, op, optStr, toTokens, toUser, TOKEN_KEYS, type MethodFactory } from './shared.js';

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

const TOKEN = ['accessToken', accessToken] as const;
const method = oneOf(['totp', 'sms']);
const code = text('invalid_mfa_code');
const mfaToken = text('mfa_token_invalid');

/** @internal The methods of `mfa`, built per client by `resource()`. */
export const MFA: Record<string, MethodFactory> = {
  enroll: op(
    'POST /auth/mfa/enroll',
    ['method', 'totpUri', 'qrCode', 'phoneMasked'],
    [{ method, phone: (value, field, params) => (params.method === 'sms' ? phone(value, field, params) : null) }, TOKEN],
    (d) => ({
      method: d.method === 'sms' ? 'sms' : 'totp',
      totpUri: optStr(d, 'totp_uri'),
      qrCode: optStr(d, 'qr_code'),
      phoneMasked: optStr(d, 'phone_masked'),
    }),
  ),
  verify: op(
    'POST /auth/mfa/verify',
    ['accessToken', 'refreshToken', 'expiresIn', 'user', 'enrolled'],
    [
      { code, mfaToken: optional(mfaToken) },
      // The access token confirms an enrollment; a login challenge (mfaToken alone) needs none.
      ['accessToken', (value, field, [params]) => (params.mfaToken === undefined || value !== undefined ? accessToken(value, field, 0) : null)],
    ],
    (d) => {
      if (typeof d.access_token === 'string') {
        const { accessToken, refreshToken, expiresIn, user } = toTokens(d);
        return { accessToken, refreshToken, expiresIn, user, enrolled: false };
      }
      return { accessToken: null, refreshToken: null, expiresIn: null, user: toUser(d.user), enrolled: d.enrolled === true };
    },
    true,
  ),
  verifyLogin: op('POST /auth/mfa/verify', TOKEN_KEYS, [{ mfaToken, code }], toTokens, true),
  unenroll: op('DELETE /auth/mfa/unenroll', [], [{ method }, TOKEN]),
  generateBackupCodes: op('POST /auth/mfa/backup-codes', ['backupCodes'], [TOKEN], (d) => ({
    backupCodes: arr(d, 'backup_codes').filter((c): c is string => typeof c === 'string'),
  })),
};
