/** `protekt.mfa`: enrollment (TOTP, SMS), the login challenge, and backup codes. */
import type { BackupCodesResult, DefaultMetadata, EmptyResult, MfaEnrollResult, MfaMethod, MfaVerifyResult, RequestOptions, AuthTokenResponse } from '../types.js';
import { checkOneOf, checkParams, checkPhone, checkString, firstError } from './validate.js';
import { arr, call, failure, optStr, toTokens, toUser, TOKEN_KEYS, withExpiry, type ResourceContext } from './shared.js';

const METHODS: readonly MfaMethod[] = ['totp', 'sms'];
const ENROLL_KEYS = ['method', 'totpUri', 'qrCode', 'phoneMasked'] as const;
const VERIFY_KEYS = ['accessToken', 'refreshToken', 'expiresIn', 'user', 'enrolled'] as const;

/** The `mfa` resource. */
export class MfaResource<M extends object = DefaultMetadata> {
  readonly #ctx: ResourceContext;

  /** @internal Built by the `Protekt` client. */
  constructor(ctx: ResourceContext) {
    this.#ctx = ctx;
  }

  /** Starts enrolling a method; confirm it with `mfa.verify({ code }, accessToken)`. */
  async enroll(params: { method: MfaMethod; phone?: string }, accessToken: string, options?: RequestOptions): Promise<MfaEnrollResult> {
    const invalid =
      checkParams(params, 'mfa.enroll') ??
      firstError(
        checkOneOf(params.method, METHODS, 'method'),
        params.method === 'sms' ? checkPhone(params.phone) : null,
        checkString(accessToken, 'accessToken', 'token_invalid'),
      );
    if (invalid) return failure(ENROLL_KEYS, invalid);
    const body: Record<string, unknown> = { method: params.method };
    if (params.phone !== undefined) body.phone = params.phone;
    return call(this.#ctx, { method: 'POST', path: '/auth/mfa/enroll', body, accessToken, options }, ENROLL_KEYS, (d) => ({
      method: d.method === 'sms' ? 'sms' : 'totp',
      totpUri: optStr(d, 'totp_uri'),
      qrCode: optStr(d, 'qr_code'),
      phoneMasked: optStr(d, 'phone_masked'),
    }));
  }

  /**
   * Verifies a code. With `mfaToken` it completes a login challenge and returns tokens; with the
   * user's `accessToken` (and no `mfaToken`) it confirms an enrollment (`enrolled: true`).
   */
  async verify(params: { code: string; mfaToken?: string }, accessToken?: string, options?: RequestOptions): Promise<MfaVerifyResult<M>> {
    const invalid =
      checkParams(params, 'mfa.verify') ??
      firstError(
        checkString(params.code, 'code', 'invalid_mfa_code'),
        params.mfaToken === undefined ? null : checkString(params.mfaToken, 'mfaToken', 'mfa_token_invalid'),
        params.mfaToken === undefined || accessToken !== undefined ? checkString(accessToken, 'accessToken', 'token_invalid') : null,
      );
    if (invalid) return failure(VERIFY_KEYS, invalid);
    const body: Record<string, unknown> = { code: params.code };
    if (params.mfaToken !== undefined) body.mfa_token = params.mfaToken;
    const req = { method: 'POST' as const, path: '/auth/mfa/verify', body: withExpiry(this.#ctx, body), options, ...(accessToken === undefined ? {} : { accessToken }) };
    return call(this.#ctx, req, VERIFY_KEYS, (d) => {
      if (typeof d.access_token === 'string') {
        const tokens = toTokens<M>(d);
        return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresIn: tokens.expiresIn, user: tokens.user, enrolled: false };
      }
      return { accessToken: null, refreshToken: null, expiresIn: null, user: toUser<M>(d.user), enrolled: d.enrolled === true };
    });
  }

  /** Completes the login MFA challenge: the `mfaToken` from `auth.login`'s error and the user's code. */
  async verifyLogin(params: { mfaToken: string; code: string }, options?: RequestOptions): Promise<AuthTokenResponse<M>> {
    const invalid =
      checkParams(params, 'mfa.verifyLogin') ??
      firstError(checkString(params.mfaToken, 'mfaToken', 'mfa_token_invalid'), checkString(params.code, 'code', 'invalid_mfa_code'));
    if (invalid) return failure(TOKEN_KEYS, invalid);
    const body = withExpiry(this.#ctx, { mfa_token: params.mfaToken, code: params.code });
    return call(this.#ctx, { method: 'POST', path: '/auth/mfa/verify', body, options }, TOKEN_KEYS, (d) => toTokens<M>(d));
  }

  /** Removes a method (refused with `mfa_enforced` when the project requires MFA). */
  async unenroll(params: { method: MfaMethod }, accessToken: string, options?: RequestOptions): Promise<EmptyResult> {
    const invalid =
      checkParams(params, 'mfa.unenroll') ?? firstError(checkOneOf(params.method, METHODS, 'method'), checkString(accessToken, 'accessToken', 'token_invalid'));
    if (invalid) return { error: invalid };
    return call(this.#ctx, { method: 'DELETE', path: '/auth/mfa/unenroll', body: { method: params.method }, accessToken, options }, [], () => ({}));
  }

  /** A new set of single-use backup codes (the previous set stops working). Show them once. */
  async generateBackupCodes(accessToken: string, options?: RequestOptions): Promise<BackupCodesResult> {
    const invalid = checkString(accessToken, 'accessToken', 'token_invalid');
    if (invalid) return failure(['backupCodes'], invalid);
    return call(this.#ctx, { method: 'POST', path: '/auth/mfa/backup-codes', accessToken, options }, ['backupCodes'], (d) => ({
      backupCodes: arr(d, 'backup_codes').filter((c): c is string => typeof c === 'string'),
    }));
  }
}
