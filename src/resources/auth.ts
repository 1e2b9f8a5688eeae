/**
 * `protekt.auth`: sign-up, login, tokens, passwordless, passwords and the redirect URL builders.
 */
import { ProtektError } from '../errors/protekt-error.js';
import {
  callbackHandler,
  type CallbackInput,
  type CallbackResult,
  type HandleCallbackOptions,
} from './callback.js';
import { authenticateRequest } from '../guard/authenticate-request.js';
import type {
  AuthenticatedRequest,
  AuthenticateRequestOptions,
  AuthenticateRequestResult,
  RefusedRequest,
  RequestWithHeaders,
  TokenVerifier,
} from '../guard/types.js';
import type {
  AuthTokenResponse,
  DefaultMetadata,
  EmptyResult,
  LoginResult,
  MfaRequiredError,
  RefreshResult,
  RequestOptions,
  SendCodeResult,
  VerifyEmailResult,
  VerifyTokenOptions,
  VerifyTokenResult,
} from '../types.js';
import { abortedError, checkRequestOptions } from '../http/transport.js';
import { shareInFlight, withSignal } from '../runtime/in-flight.js';
import { isRecord, ownProps } from '../util/record.js';
import {
  bearerArg,
  describedBy,
  bodyArg,
  checkParams,
  failedResult,
  field,
  operation,
  paramsArg,
  type FieldSpec,
  type MethodBuilder,
  type MethodTable,
  type ResourceContext,
  type Route,
} from './operation.js';
import {
  boolean,
  email,
  inputError,
  metadata,
  newPassword,
  oneOf,
  optional,
  password,
  phone,
  text,
  url,
  type InputCheck,
  type InputRule,
} from './validate.js';
import {
  AUTH_TOKENS_READERS,
  numberFieldOr,
  readMfaMethods,
  readResult,
  TOKEN_PAIR_READERS,
  userField,
  type WireObject,
} from './wire.js';

/** Social providers `getSocialLoginUrl` accepts. */
export const SOCIAL_PROVIDERS = ['google', 'github', 'apple', 'microsoft'] as const;
/** A social provider. */
export type SocialProvider = (typeof SOCIAL_PROVIDERS)[number];

/** Parameters of `auth.signUp`. */
export interface SignUpParams<M extends object = DefaultMetadata> {
  /** The user's e-mail address: their login. */
  email: string;
  /** A new password, 8 to 1024 characters. */
  password: string;
  /** Project-defined data stored with the user (a JSON object of at most 8 KiB of UTF-8). */
  metadata?: Partial<M> | undefined;
  /** E-mails a verification link to the address. */
  sendVerification?: boolean | undefined;
}

/** Parameters of `auth.login`. */
export interface LoginParams {
  /** The user's e-mail address. */
  email: string;
  /** The user's password. */
  password: string;
}

/** Parameters of `auth.sendOtp`: an e-mail or an E.164 phone. */
export interface SendOtpParams {
  /** Where the code goes by e-mail. */
  email?: string | undefined;
  /** Where the code goes by SMS, in E.164 form (`+14155550123`). */
  phone?: string | undefined;
  /** How the code is sent. Default: e-mail when `email` is given, else SMS. */
  channel?: 'email' | 'sms' | undefined;
}

/** Parameters of `auth.verifyOtp`. */
export interface VerifyOtpParams {
  /** The e-mail address the code was sent to. */
  email?: string | undefined;
  /** The phone number the code was sent to. */
  phone?: string | undefined;
  /** The one-time passcode the user received. */
  otp: string;
}

/** Parameters of `auth.getLoginUrl`. */
export interface LoginUrlParams {
  /**
   * Where Protekt sends the user back, with the tokens appended. Default: the project's setting.
   */
  redirectUrl?: string | undefined;
  /** An opaque value returned unchanged with the redirect (CSRF protection). */
  state?: string | undefined;
}

/** Parameters of `auth.getSocialLoginUrl`. */
export interface SocialLoginUrlParams extends LoginUrlParams {
  /** The social identity provider. */
  provider: SocialProvider;
}

/** Parameters of `auth.getSsoUrl`: a connection name, or an e-mail whose domain chooses it. */
export interface SsoUrlParams extends LoginUrlParams {
  /** The SSO connection's name, as configured for the project. */
  connection?: string | undefined;
  /** The user's e-mail address: its domain chooses the connection. */
  email?: string | undefined;
}

/** Parameters of `auth.sendMagicLink`. */
export interface SendMagicLinkParams {
  /** The address the link is e-mailed to. */
  email: string;
  /** Where the link lands. Default: the project's redirect URL. */
  redirectUrl?: string | undefined;
}

/** Parameters of `auth.confirmPasswordReset`. */
export interface ConfirmPasswordResetParams {
  /** The token from the reset e-mail. */
  resetToken: string;
  /** The new password, 8 to 1024 characters. */
  newPassword: string;
}

/** Parameters of `auth.changePassword`. */
export interface ChangePasswordParams {
  /** The password the user has now. */
  currentPassword: string;
  /** The new password, 8 to 1024 characters. */
  newPassword: string;
}

/** The `auth` resource. */
export interface AuthResource<M extends object = DefaultMetadata> {
  /** Creates a user with e-mail and password and signs them in. */
  signUp(params: SignUpParams<M>, options?: RequestOptions): Promise<AuthTokenResponse<M>>;
  /**
   * Signs a user in with e-mail and password. When the user has MFA, `error.code` is
   * `'mfa_required'` and `error.mfaToken` / `error.availableMethods` start the challenge.
   */
  login(params: LoginParams, options?: RequestOptions): Promise<LoginResult<M>>;
  /** Ends the session of `accessToken` (its access and refresh tokens stop working). */
  logout(accessToken: string, options?: RequestOptions): Promise<EmptyResult>;
  /**
   * Verifies an access token locally (signature, issuer, audience, expiry) with the cached JWKS,
   * then against the revocation list as the client's `revocationCheck` decides.
   */
  verifyToken(token: string, options?: VerifyTokenOptions): Promise<VerifyTokenResult<M>>;
  /**
   * Authenticates a web `Request` (or anything with a `Headers`): finds its access token
   * (`Authorization: Bearer`, the scheme in any case; else the `cookie` named in the options),
   * verifies it with `verifyToken`, and resolves `{ user, claims, token, error, response }`. On a
   * refusal, `response` is the ready answer: 401 with the RFC 6750 challenge, or 503 with a
   * bounded `Retry-After` when Protekt cannot be reached (see docs/middleware.md).
   *
   * ```ts
   * const { user, response } = await protekt.auth.authenticateRequest(request);
   * if (response) return response;
   * ```
   */
  authenticateRequest(
    request: RequestWithHeaders,
    options?: AuthenticateRequestOptions & { optional?: false | undefined },
  ): Promise<AuthenticatedRequest<M> | RefusedRequest>;
  /** With `optional: true`, a request without any token resolves with every field `null`. */
  authenticateRequest(
    request: RequestWithHeaders,
    options?: AuthenticateRequestOptions,
  ): Promise<AuthenticateRequestResult<M>>;
  /** Exchanges a refresh token for a new pair (the old refresh token is rotated out). */
  refreshToken(refreshToken: string, options?: RequestOptions): Promise<RefreshResult>;
  /** Revokes one access or refresh token without ending the whole session. */
  revokeToken(token: string, options?: RequestOptions): Promise<EmptyResult>;
  /** URL of the hosted login page. Synchronous; carries the login id, never a secret. */
  getLoginUrl(params?: LoginUrlParams): string;
  /** URL that starts a social login with `provider`. Synchronous; carries no secret. */
  getSocialLoginUrl(params: SocialLoginUrlParams): string;
  /** URL that starts an SSO login by connection name or by the e-mail's domain. Synchronous. */
  getSsoUrl(params: SsoUrlParams): string;
  /**
   * Finishes a redirect sign-in (hosted login, social, SSO, magic link) on the application's
   * callback route: reads what Protekt appended to the redirect URL, checks `state` against
   * `options.state` when given, verifies the access token (or exchanges a magic link's token),
   * and resolves `{ user, accessToken, refreshToken, expiresIn, error }`. A redirect that carries
   * `error` comes back as that error; a user with MFA signing in by magic link comes back as the
   * `mfa_required` challenge.
   *
   * ```ts
   * const { user, accessToken, error } = await protekt.auth.handleCallback(request, { state });
   * ```
   */
  handleCallback(input: CallbackInput, options?: HandleCallbackOptions): Promise<CallbackResult<M>>;
  /** E-mails a single-use sign-in link (15 minutes). */
  sendMagicLink(params: SendMagicLinkParams, options?: RequestOptions): Promise<SendCodeResult>;
  /** Exchanges the token of a magic link for a session. */
  verifyMagicLink(token: string, options?: RequestOptions): Promise<AuthTokenResponse<M>>;
  /** Sends a one-time passcode by e-mail or SMS (10 minutes). */
  sendOtp(params: SendOtpParams, options?: RequestOptions): Promise<SendCodeResult>;
  /** Exchanges a one-time passcode for a session. */
  verifyOtp(params: VerifyOtpParams, options?: RequestOptions): Promise<AuthTokenResponse<M>>;
  /** Starts a password reset. Succeeds whether or not the e-mail exists (no enumeration). */
  requestPasswordReset(params: { email: string }, options?: RequestOptions): Promise<EmptyResult>;
  /** Sets a new password with the token from the reset e-mail. */
  confirmPasswordReset(
    params: ConfirmPasswordResetParams,
    options?: RequestOptions,
  ): Promise<EmptyResult>;
  /** Changes the password of the user of `accessToken`. */
  changePassword(
    params: ChangePasswordParams,
    accessToken: string,
    options?: RequestOptions,
  ): Promise<EmptyResult>;
  /** Confirms an e-mail address with the token of the verification e-mail. */
  verifyEmail(token: string, options?: RequestOptions): Promise<VerifyEmailResult<M>>;
}

// ---- the URL builders ---------------------------------------------------------------------------

/** `state`, when given: any string (it comes back unchanged). */
const optionalString = optional((value, field) =>
  typeof value === 'string' ? null : inputError('invalid_request', field, 'must be a string.'),
);

/** The fields every URL builder takes. */
const REDIRECT_FIELDS = {
  redirectUrl: field('redirect_url', url),
  state: field('state', optionalString),
};

/**
 * A URL builder (synchronous: a bad argument is thrown as `invalid_argument`, with the check's
 * message). Builds `{baseUrl}{path}?{chooser}&login_id=…&redirect_url=…&state=…`, where the
 * chooser is the first of `choosers` that is set (the provider, the SSO connection, else the
 * e-mail): only that one is sent. Only the public login id goes in the URL, never a secret.
 */
function urlBuilder<P>(
  path: `/${string}`,
  choosers: Readonly<Record<string, FieldSpec>>,
  checkAcross?: (params: WireObject) => InputCheck,
  chooserValue: (key: string, value: string) => string = (_key, value) => value,
): MethodBuilder<(params: P) => string> {
  const fields = { ...choosers, ...REDIRECT_FIELDS };
  const build =
    (context: ResourceContext, name: string) =>
    (input: unknown = {}) => {
      // Own properties only: a `redirectUrl` on a polluted Object.prototype is not put in the URL.
      const params = isRecord(input) ? ownProps(input) : input;
      const refusal = checkParams(params, fields, name, checkAcross);
      if (refusal)
        throw new ProtektError('invalid_argument', refusal.message, {
          details: refusal.details ?? {},
        });
      const given = params as WireObject;
      const out = new URL(context.baseUrl + path);
      const chooser = Object.keys(choosers).find((key) => given[key] !== undefined);
      if (chooser)
        out.searchParams.set(
          choosers[chooser]!.wire,
          chooserValue(chooser, given[chooser] as string),
        );
      out.searchParams.set('login_id', context.loginId);
      for (const key of ['redirectUrl', 'state'] as const) {
        if (given[key] !== undefined)
          out.searchParams.set(REDIRECT_FIELDS[key].wire, given[key] as string);
      }
      return out.toString();
    };
  return Object.assign(build, {
    synchronous: true as const,
    routes: [`GET ${path}` as const] satisfies Route[],
  });
}

/**
 * A field whose value is checked by its parameter object's `check` (it depends on another field).
 */
const checkedAcross: InputRule = () => null;

// `getSsoUrl`: a connection name, else an e-mail whose domain chooses the connection.
function checkSsoTarget(params: WireObject): InputCheck {
  if (params.connection !== undefined) return null;
  if (params.email === undefined)
    return inputError('invalid_request', 'connection', 'or an email is required.');
  return email(params.email, 'email');
}

// ---- passwordless -------------------------------------------------------------------------------

// Where an OTP goes: `phone` or `email`, or the one `channel` names ('sms' ignores an e-mail).
function checkOtpTarget(params: WireObject): InputCheck {
  const { channel } = params;
  if (params.phone !== undefined || channel === 'sms') {
    const refusal = phone(params.phone, 'phone');
    if (refusal) return refusal;
  }
  if (channel === 'sms' || (params.email === undefined && params.phone !== undefined)) return null;
  if (params.email === undefined)
    return inputError('invalid_request', 'email', 'or phone is required.');
  return email(params.email, 'email');
}

/** `channel` defaults to where the code goes: the e-mail when one is given, else SMS. */
const withOtpChannel = (body: WireObject): WireObject => ({
  channel: body.email !== undefined ? 'email' : 'sms',
  ...body,
});

// ---- login and refresh --------------------------------------------------------------------------

/**
 * The login MFA challenge as a failed result. `mfaToken` is not enumerable: logging or
 * serialising the error does not print it.
 */
function mfaChallenge(answer: WireObject): MfaRequiredError {
  const challenge = {
    code: 'mfa_required',
    message: 'This user has MFA: finish with mfa.verifyLogin({ mfaToken, code }).',
    status: 200,
    availableMethods: readMfaMethods(answer.available_methods),
  };
  const mfaToken = typeof answer.mfa_token === 'string' ? answer.mfa_token : '';
  return Object.defineProperty(challenge, 'mfaToken', { value: mfaToken }) as MfaRequiredError;
}

/** A login answer: tokens, or (`mfa_required: true`) the MFA challenge as the error. */
const readLoginAnswer = (answer: WireObject): WireObject =>
  answer.mfa_required === true
    ? failedResult(AUTH_TOKENS_READERS, mfaChallenge(answer))
    : readResult(AUTH_TOKENS_READERS, answer);

/** `verifyMagicLink` (also what `handleCallback` calls for a magic link's token). */
const verifyMagicLink = operation<AuthResource['verifyMagicLink']>({
  route: 'POST /auth/magic-link/verify',
  args: [bodyArg('token', 'token', text('magic_link_expired'))],
  result: AUTH_TOKENS_READERS,
  issuesTokens: true,
  // A user with MFA is challenged on this path too.
  readAnswer: readLoginAnswer,
});

const refreshTokenRule = text('refresh_token_invalid');

/** The rotation itself: one request; its new pair must have both tokens (else invalid_response). */
const rotateRefreshToken = operation<AuthResource['refreshToken']>({
  route: 'POST /auth/token/refresh',
  args: [bodyArg('refreshToken', 'refresh_token', refreshTokenRule)],
  result: TOKEN_PAIR_READERS,
  issuesTokens: true,
});

/**
 * `auth.refreshToken`. Concurrent refreshes of one refresh token share one request: a second
 * rotation of the same token would look like reuse to Protekt and end the user's session. Each
 * caller waits with its own signal: one caller giving up must not abort the shared rotation,
 * whose answer (the only copy of the new refresh token) the others are waiting for. On Workers,
 * where another request's I/O may never settle, a caller that joined waits at most the rotation's
 * budget (every attempt and retry wait), then rotates itself; Protekt's reuse interval answers
 * such a late second presentation with the same pair, as it does for separate isolates.
 */
const refreshToken: MethodBuilder<AuthResource['refreshToken']> = Object.assign(
  (context: ResourceContext, name: string): AuthResource['refreshToken'] => {
    const refreshing = new Map<string, Promise<RefreshResult>>();
    const rotate = rotateRefreshToken(context, name);
    return async (token, options) => {
      // A bad token: its failed result, nothing sent, whatever the options.
      const refusal = refreshTokenRule(token, 'refreshToken');
      if (refusal) return failedResult(TOKEN_PAIR_READERS, refusal);
      const checked = checkRequestOptions(options);
      const signal = checked?.signal;
      if (signal?.aborted) throw abortedError(signal.reason);
      return shareInFlight(
        refreshing,
        token,
        (shared) => {
          const rotation = rotate(token, { ...options, signal: undefined });
          return shared ? rotation : withSignal(rotation, signal);
        },
        signal,
        context.callBudget(checked?.timeout),
      );
    };
  },
  describedBy(rotateRefreshToken),
);

const emailParams = paramsArg<{ email: string }>({ email: field('email', email) });

/** @internal The methods of `auth`, built per client by `buildResource()`. */
export const AUTH_METHODS = {
  signUp: operation({
    route: 'POST /auth/signup',
    args: [
      paramsArg<SignUpParams>({
        email: field('email', email),
        password: field('password', newPassword),
        metadata: field('metadata', metadata),
        sendVerification: field('send_verification', boolean),
      }),
    ],
    result: AUTH_TOKENS_READERS,
    issuesTokens: true,
  }),
  login: operation({
    route: 'POST /auth/login',
    args: [
      paramsArg<LoginParams>({
        email: field('email', email),
        password: field('password', password),
      }),
    ],
    result: AUTH_TOKENS_READERS,
    issuesTokens: true,
    readAnswer: readLoginAnswer,
  }),
  logout: operation({
    route: 'POST /auth/logout',
    args: [bearerArg()],
    result: {},
    ends: (endings, [accessToken]) => endings.sessionOf(accessToken as string),
  }),
  // The verifier checks the per-call options itself (a bad one rejects, as with every method):
  // no wrapper, so the same-token path pays no extra promise.
  verifyToken: Object.assign(
    (context: ResourceContext) => context.verifyToken as AuthResource['verifyToken'],
    {
      routes: ['GET /.well-known/jwks.json', 'POST /auth/token/verify'] as const,
    },
  ),
  authenticateRequest: Object.assign(
    (context: ResourceContext) => {
      const verifier = { verifyToken: context.verifyToken } as TokenVerifier;
      return ((request, options) =>
        authenticateRequest(verifier, request, options)) as AuthResource['authenticateRequest'];
    },
    { routes: ['GET /.well-known/jwks.json', 'POST /auth/token/verify'] as const },
  ),
  refreshToken,
  revokeToken: operation({
    route: 'POST /auth/token/revoke',
    args: [bodyArg('token', 'token', text('token_invalid'))],
    result: {},
    ends: (endings, [token]) => endings.token(token as string),
  }),
  getLoginUrl: urlBuilder<LoginUrlParams | undefined>('/auth/authorize', {}),
  getSocialLoginUrl: urlBuilder<SocialLoginUrlParams>('/auth/sso/authorize', {
    provider: field('provider', oneOf(SOCIAL_PROVIDERS)),
  }),
  // The OpenAPI file defines `provider` only: a connection's name, or the e-mail's domain (the SSO
  // guide's domain routing); the address itself never goes in the URL.
  getSsoUrl: urlBuilder<SsoUrlParams>(
    '/auth/sso/authorize',
    { connection: field('provider', optional(text())), email: field('provider', checkedAcross) },
    checkSsoTarget,
    (key, value) =>
      key === 'email' ? value.slice(value.lastIndexOf('@') + 1).toLowerCase() : value,
  ),
  handleCallback: Object.assign(
    (context: ResourceContext) =>
      callbackHandler({
        verifyToken: context.verifyToken as AuthResource['verifyToken'],
        verifyMagicLink: verifyMagicLink(context, 'verifyMagicLink'),
      }),
    {
      routes: [
        'GET /.well-known/jwks.json',
        'POST /auth/token/verify',
        'POST /auth/magic-link/verify',
      ] as const,
    },
  ),
  sendMagicLink: operation({
    route: 'POST /auth/magic-link/send',
    args: [
      paramsArg<SendMagicLinkParams>({
        email: field('email', email),
        redirectUrl: field('redirect_url', url),
      }),
    ],
    result: { expiresIn: numberFieldOr('expires_in', 900) },
  }),
  verifyMagicLink,
  sendOtp: operation({
    route: 'POST /auth/otp/send',
    args: [
      paramsArg<SendOtpParams>(
        {
          email: field('email', checkedAcross),
          phone: field('phone', checkedAcross),
          channel: field('channel', optional(oneOf(['email', 'sms']))),
        },
        { check: checkOtpTarget },
      ),
    ],
    result: { expiresIn: numberFieldOr('expires_in', 600) },
    completeBody: withOtpChannel,
  }),
  verifyOtp: operation({
    route: 'POST /auth/otp/verify',
    args: [
      paramsArg<VerifyOtpParams>(
        {
          email: field('email', checkedAcross),
          phone: field('phone', checkedAcross),
          otp: field('otp', text('invalid_otp')),
        },
        { check: checkOtpTarget },
      ),
    ],
    result: AUTH_TOKENS_READERS,
    issuesTokens: true,
    // A user with MFA is challenged on this path too.
    readAnswer: readLoginAnswer,
  }),
  requestPasswordReset: operation({
    route: 'POST /auth/password/reset',
    args: [emailParams],
    result: {},
  }),
  confirmPasswordReset: operation({
    route: 'POST /auth/password/confirm',
    args: [
      paramsArg<ConfirmPasswordResetParams>({
        resetToken: field('reset_token', text('reset_token_invalid')),
        newPassword: field('new_password', newPassword),
      }),
    ],
    result: {},
  }),
  changePassword: operation({
    route: 'POST /auth/password/change',
    args: [
      paramsArg<ChangePasswordParams>({
        currentPassword: field('current_password', password),
        newPassword: field('new_password', newPassword),
      }),
      bearerArg(),
    ],
    result: {},
    // Protekt ends the user's other sessions.
    ends: (endings, [, accessToken]) => endings.sessionsOfUser(accessToken as string, true),
  }),
  verifyEmail: operation({
    route: 'POST /auth/email/verify',
    args: [bodyArg('token', 'token', text('verification_token_invalid'))],
    result: { user: userField },
  }),
} satisfies MethodTable<AuthResource>;
