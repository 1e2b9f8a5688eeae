/** `protekt.mfa`: enrollment (TOTP, SMS), the login challenge, and backup codes. */
import type { BackupCodesResult, DefaultMetadata, EmptyResult, MfaEnrollResult, MfaMethod, MfaVerifyResult, RequestOptions, AuthTokenResponse } from '../types.js';
import { checkAccessToken, checkOneOf, checkParams, checkPhone, checkString, firstError } from './validate.js';
import { arr, call, optStr, pick, toTokens, toUser, TOKEN_KEYS, withExpiry, type ResourceContext } from './shared.js';

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
    return call(
      this.#ctx,
      checkParams(params, 'mfa.enroll') ??
        firstError(checkOneOf(params.method, METHODS, 'method'), params.method === 'sms' ? checkPhone(params.phone) : null, checkAccessToken(accessToken)),
      ENROLL_KEYS,
      () => ({ path: '/auth/mfa/enroll', body: pick(params, ['method', 'phone']), accessToken, options }),
      (d) => ({
        method: d.method === 'sms' ? 'sms' : 'totp',
        totpUri: optStr(d, 'totp_uri'),
        qrCode: optStr(d, 'qr_code'),
        phoneMasked: optStr(d, 'phone_masked'),
      }),
    );
  }

  /**
   * Verifies a code. With `mfaToken` it completes a login challenge and returns tokens; with the
   * user's `accessToken` (and no `mfaToken`) it confirms an enrollment (`enrolled: true`).
   */
  async verify(params: { code: string; mfaToken?: string }, accessToken?: string, options?: RequestOptions): Promise<MfaVerifyResult<M>> {
    return call(
      this.#ctx,
      checkParams(params, 'mfa.verify') ??
        firstError(
          checkString(params.code, 'code', 'invalid_mfa_code'),
          params.mfaToken === undefined ? null : checkString(params.mfaToken, 'mfaToken', 'mfa_token_invalid'),
          params.mfaToken === undefined || accessToken !== undefined ? checkAccessToken(accessToken) : null,
        ),
      VERIFY_KEYS,
      () => ({ path: '/auth/mfa/verify', body: withExpiry(this.#ctx, pick(params, ['code', 'mfaToken'])), options, ...(accessToken === undefined ? {} : { accessToken }) }),
      (d) => {
        if (typeof d.access_token === 'string') {
          const { accessToken, refreshToken, expiresIn, user } = toTokens<M>(d);
          return { accessToken, refreshToken, expiresIn, user, enrolled: false };
        }
        return { accessToken: null, refreshToken: null, expiresIn: null, user: toUser<M>(d.user), enrolled: d.enrolled === true };
      },
    );
  }

  /** Completes the login MFA challenge: the `mfaToken` from `auth.login`'s error and the user's code. */
  async verifyLogin(params: { mfaToken: string; code: string }, options?: RequestOptions): Promise<AuthTokenResponse<M>> {
    return call(
      this.#ctx,
      checkParams(params, 'mfa.verifyLogin') ??
        firstError(checkString(params.mfaToken, 'mfaToken', 'mfa_token_invalid'), checkString(params.code, 'code', 'invalid_mfa_code')),
      TOKEN_KEYS,
      () => ({ path: '/auth/mfa/verify', body: withExpiry(this.#ctx, pick(params, ['mfaToken', 'code'])), options }),
      toTokens<M>,
    );
  }

  /** Removes a method (refused with `mfa_enforced` when the project requires MFA). */
  async unenroll(params: { method: MfaMethod }, accessToken: string, options?: RequestOptions): Promise<EmptyResult> {
    return call(
      this.#ctx,
      checkParams(params, 'mfa.unenroll') ?? firstError(checkOneOf(params.method, METHODS, 'method'), checkAccessToken(accessToken)),
      [],
      () => ({ method: 'DELETE', path: '/auth/mfa/unenroll', body: { method: params.method }, accessToken, options }),
    );
  }

  /** A new set of single-use backup codes (the previous set stops working). Show them once. */
  async generateBackupCodes(accessToken: string, options?: RequestOptions): Promise<BackupCodesResult> {
    return call(this.#ctx, checkAccessToken(accessToken), ['backupCodes'], () => ({ path: '/auth/mfa/backup-codes', accessToken, options }), (d) => ({
      backupCodes: arr(d, 'backup_codes').filter((c): c is string => typeof c === 'string'),
    }));
  }
}
