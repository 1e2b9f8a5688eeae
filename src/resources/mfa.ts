/** `protekt.mfa`: enrollment (TOTP, SMS), the login challenge, and backup codes. */
import type {
  AuthTokenResponse,
  BackupCodesResult,
  DefaultMetadata,
  EmptyResult,
  MfaEnrollResult,
  MfaMethod,
  MfaVerifyResult,
  RequestOptions,
} from '../types.js';
import { bearerArg, field, operation, paramsArg, type MethodTable } from './operation.js';
import {
  accessToken,
  oneOf,
  optional,
  phone,
  text,
  type InputCheck,
  type InputRule,
} from './validate.js';
import {
  AUTH_TOKENS_READERS,
  constantField,
  flagField,
  optionalStringField,
  readResult,
  stringListField,
  TOKEN_PAIR_READERS,
  userField,
  type WireObject,
} from './wire.js';

/** Parameters of `mfa.enroll`. */
export interface MfaEnrollParams {
  /** The method to enroll: an authenticator app (`totp`) or SMS codes (`sms`). */
  method: MfaMethod;
  /** E.164 phone number: required for `sms`. */
  phone?: string | undefined;
}

/** Parameters of `mfa.verify`. */
export interface MfaVerifyParams {
  /** The code from the authenticator app, the SMS, or a backup code. */
  code: string;
  /**
   * The login challenge's token (`error.mfaToken` of `auth.login`); absent to confirm an
   * enrollment.
   */
  mfaToken?: string | undefined;
}

/** Parameters of `mfa.verifyLogin`. */
export interface MfaVerifyLoginParams {
  /** `error.mfaToken` of the `auth.login` that answered `mfa_required`. */
  mfaToken: string;
  /** The code from the authenticator app, the SMS, or a backup code. */
  code: string;
}

/** The `mfa` resource. */
export interface MfaResource<M extends object = DefaultMetadata> {
  /** Starts enrolling a method; confirm it with `mfa.verify({ code }, accessToken)`. */
  enroll(
    params: MfaEnrollParams,
    accessToken: string,
    options?: RequestOptions,
  ): Promise<MfaEnrollResult>;
  /**
   * Verifies a code. With `mfaToken` it completes a login challenge and returns tokens; with the
   * user's `accessToken` (and no `mfaToken`) it confirms an enrollment (`enrolled: true`).
   */
  verify(
    params: MfaVerifyParams,
    accessToken?: string,
    options?: RequestOptions,
  ): Promise<MfaVerifyResult<M>>;
  /**
   * Completes the login MFA challenge: the `mfaToken` from `auth.login`'s error and the user's
   * code.
   */
  verifyLogin(
    params: MfaVerifyLoginParams,
    options?: RequestOptions,
  ): Promise<AuthTokenResponse<M>>;
  /** Removes a method (refused with `mfa_enforced` when the project requires MFA). */
  unenroll(
    params: { method: MfaMethod },
    accessToken: string,
    options?: RequestOptions,
  ): Promise<EmptyResult>;
  /** A new set of single-use backup codes (the previous set stops working). Show them once. */
  generateBackupCodes(accessToken: string, options?: RequestOptions): Promise<BackupCodesResult>;
}

const methodField = field('method', oneOf(['totp', 'sms']));
const codeField = field('code', text('invalid_mfa_code'));
const mfaTokenRule = text('mfa_token_invalid');

/**
 * A field whose value is checked by its parameter object's `check` (it depends on another field).
 */
const checkedAcross: InputRule = () => null;

/** `mfa.enroll`: an SMS enrollment needs the phone the codes go to. */
const checkSmsPhone = (params: WireObject): InputCheck =>
  params.method === 'sms' ? phone(params.phone, 'phone') : null;

/**
 * `mfa.verify`: a login challenge (`mfaToken`) needs no access token; confirming an enrollment
 * does. (A given access token was checked as the argument it is.)
 */
function checkVerifyCaller([params, token]: readonly unknown[]): InputCheck {
  const challenge = (params as MfaVerifyParams).mfaToken !== undefined;
  return challenge || token !== undefined ? null : accessToken(token, 'accessToken');
}

const VERIFY_RESULT = { ...TOKEN_PAIR_READERS, user: userField, enrolled: flagField('enrolled') };
/** A completed login challenge: tokens and the user. */
const CHALLENGE_COMPLETED = {
  ...TOKEN_PAIR_READERS,
  user: userField,
  enrolled: constantField(false),
};
/** A confirmed enrollment: the user and `enrolled`, no tokens. */
const ENROLLMENT_CONFIRMED = {
  accessToken: constantField(null),
  refreshToken: constantField(null),
  expiresIn: constantField(null),
  user: userField,
  enrolled: flagField('enrolled'),
};

/** @internal The methods of `mfa`, built per client by `buildResource()`. */
export const MFA_METHODS = {
  enroll: operation({
    route: 'POST /auth/mfa/enroll',
    args: [
      paramsArg<MfaEnrollParams>(
        { method: methodField, phone: field('phone', checkedAcross) },
        { check: checkSmsPhone },
      ),
      bearerArg(),
    ],
    result: {
      method: (answer) => (answer.method === 'sms' ? 'sms' : 'totp'),
      totpUri: optionalStringField('totp_uri'),
      qrCode: optionalStringField('qr_code'),
      phoneMasked: optionalStringField('phone_masked'),
    },
  }),
  verify: operation({
    route: 'POST /auth/mfa/verify',
    args: [
      paramsArg<MfaVerifyParams>({
        code: codeField,
        mfaToken: field('mfa_token', optional(mfaTokenRule)),
      }),
      bearerArg(true),
    ],
    checkArgs: checkVerifyCaller,
    result: VERIFY_RESULT,
    issuesTokens: true,
    readAnswer: (answer) =>
      readResult(
        typeof answer.access_token === 'string' ? CHALLENGE_COMPLETED : ENROLLMENT_CONFIRMED,
        answer,
      ),
  }),
  verifyLogin: operation({
    route: 'POST /auth/mfa/verify',
    args: [
      paramsArg<MfaVerifyLoginParams>({
        mfaToken: field('mfa_token', mfaTokenRule),
        code: codeField,
      }),
    ],
    result: AUTH_TOKENS_READERS,
    issuesTokens: true,
  }),
  unenroll: operation({
    route: 'DELETE /auth/mfa/unenroll',
    args: [paramsArg<{ method: MfaMethod }>({ method: methodField }), bearerArg()],
    result: {},
  }),
  generateBackupCodes: operation({
    route: 'POST /auth/mfa/backup-codes',
    args: [bearerArg()],
    result: { backupCodes: stringListField('backup_codes') },
  }),
} satisfies MethodTable<MfaResource>;
