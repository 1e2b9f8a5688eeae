/** `protekt.auth`: sign-up, login, tokens, passwordless, passwords and the redirect URL builders. */
import { ProtektError } from '../errors/protekt-error.js';
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
  VerifyTokenResult,
} from '../types.js';
import { bad, boolean, optional, checkParams, email, metadata, newPassword, oneOf, password, phone, text, url, type Rule } from './validate.js';
import { expiresIn, failure, mfaMethods, op, PAIR, read, TOKEN, TOKENS, user, withExpiry, type MethodFactory } from './shared.js';
import { shareInFlight, withSignal } from '../runtime/in-flight.js';
import { abortedError, checkRequestOptions } from '../http/transport.js';

export type { TokenVerifier } from './shared.js';

/** Social providers `getSocialLoginUrl` accepts. */
export const SOCIAL_PROVIDERS = ['google', 'github', 'apple', 'microsoft'] as const;
/** A social provider. */
export type SocialProvider = (typeof SOCIAL_PROVIDERS)[number];

/** Parameters of `auth.signUp`. */
export interface SignUpParams<M extends object = DefaultMetadata> {
  email: string;
  password: string;
  metadata?: Partial<M>;
  sendVerification?: boolean;
}

/** Parameters of `auth.login`. */
export interface LoginParams {
  email: string;
  password: string;
}

/** Parameters of `auth.sendOtp`: an e-mail or an E.164 phone. */
export interface SendOtpParams {
  email?: string;
  phone?: string;
  channel?: 'email' | 'sms';
}

/** Parameters of `auth.verifyOtp`. */
export interface VerifyOtpParams {
  email?: string;
  phone?: string;
  otp: string;
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
  verifyToken(token: string, options?: RequestOptions): Promise<VerifyTokenResult<M>>;
  /** Exchanges a refresh token for a new pair (the old refresh token is rotated out). */
  refreshToken(refreshToken: string, options?: RequestOptions): Promise<RefreshResult>;
  /** Revokes one access or refresh token without ending the whole session. */
  revokeToken(token: string, options?: RequestOptions): Promise<EmptyResult>;
  /** URL of the hosted login page. Synchronous; carries the login id, never a secret. */
  getLoginUrl(params?: { redirectUrl?: string; state?: string }): string;
  /** URL that starts a social login with `provider`. Synchronous; carries no secret. */
  getSocialLoginUrl(params: { provider: SocialProvider; redirectUrl?: string; state?: string }): string;
  /** URL that starts an SSO login by connection name or by the e-mail's domain. Synchronous. */
  getSsoUrl(params: { connection?: string; email?: string; redirectUrl?: string; state?: string }): string;
  /** E-mails a single-use sign-in link (15 minutes). */
  sendMagicLink(params: { email: string; redirectUrl?: string }, options?: RequestOptions): Promise<SendCodeResult>;
  /** Exchanges the token of a magic link for a session. */
  verifyMagicLink(token: string, options?: RequestOptions): Promise<AuthTokenResponse<M>>;
  /** Sends a one-time passcode by e-mail or SMS (10 minutes). */
  sendOtp(params: SendOtpParams, options?: RequestOptions): Promise<SendCodeResult>;
  /** Exchanges a one-time passcode for a session. */
  verifyOtp(params: VerifyOtpParams, options?: RequestOptions): Promise<AuthTokenResponse<M>>;
  /** Starts a password reset. Succeeds whether or not the e-mail exists (no enumeration). */
  requestPasswordReset(params: { email: string }, options?: RequestOptions): Promise<EmptyResult>;
  /** Sets a new password with the token from the reset e-mail. */
  confirmPasswordReset(params: { resetToken: string; newPassword: string }, options?: RequestOptions): Promise<EmptyResult>;
  /** Changes the password of the user of `accessToken`. */
  changePassword(params: { currentPassword: string; newPassword: string }, accessToken: string, options?: RequestOptions): Promise<EmptyResult>;
  /** Confirms an e-mail address with the token of the verification e-mail. */
  verifyEmail(token: string, options?: RequestOptions): Promise<VerifyEmailResult<M>>;
}

type Params = Record<string, unknown>;

// The parameters every URL builder takes.
const REDIRECT: Record<string, Rule> = {
  redirectUrl: url,
  state: (value, field) => (value === undefined || typeof value === 'string' ? null : bad('invalid_request', field, 'must be a string.')),
};

// A URL builder: checks the parameter object with `rules` then REDIRECT, and builds
// `{baseUrl}{path}?…&login_id=…`; the query starts with the first of `rules`' fields that is set
// (the one that chooses the login: provider, or SSO connection, else e-mail).
const urlBuilder =
  (path: string, rules: Record<string, Rule> = {}): MethodFactory =>
  (ctx, name) =>
  (params: Params = {}): string => {
    // Synchronous: a bad argument is thrown, with the check's message.
    const invalid = checkParams(params, name, { ...rules, ...REDIRECT });
    if (invalid) throw new ProtektError('invalid_argument', invalid.message);
    const out = new URL(ctx.baseUrl + path);
    const key = Object.keys(rules).find((k) => params[k] !== undefined);
    const query: Params = { login_id: ctx.loginId, redirect_url: params.redirectUrl, state: params.state };
    if (key) out.searchParams.set(key, params[key] as string);
    for (const k in query) if (query[k] !== undefined) out.searchParams.set(k, query[k] as string);
    return out.toString();
  };

const CHANNEL = optional(oneOf(['email', 'sms']));

// Where an OTP goes: `phone` or `email`, or the one `channel` names ('sms' ignores an e-mail).
// An e-mail given with a phone is checked too; `channel` is checked with the first field.
const OTP_TARGET: Record<string, Rule> = {
  phone: (value, field, of) => {
    const { channel } = of as Params;
    return CHANNEL(channel, 'channel') ?? (value !== undefined || channel === 'sms' ? phone(value, field) : null);
  },
  email: (value, field, of) => {
    const { channel, phone: number } = of as Params;
    if (channel === 'sms' || (value === undefined && number !== undefined)) return null;
    return value === undefined ? bad('invalid_request', field, 'or phone is required.') : email(value, field);
  },
};

// Not enumerable: logging or serialising the error does not print the challenge token.
const mfaChallenge = (data: Record<string, unknown>): MfaRequiredError =>
  Object.defineProperty(
    { code: 'mfa_required', message: 'MFA is required to finish this login.', status: 200, availableMethods: mfaMethods(data.available_methods) },
    'mfaToken',
    { value: typeof data.mfa_token === 'string' ? data.mfa_token : '' },
  ) as MfaRequiredError;

const REFRESH_TOKEN = text('refresh_token_invalid');
// The rotation itself; its new pair must have both tokens (else invalid_response).
const REFRESH = op('POST /auth/token/refresh', [['refreshToken', REFRESH_TOKEN]], PAIR, withExpiry);

/** @internal The methods of `auth`, built per client by `resource()`. */
export const AUTH: Record<string, MethodFactory> = {
  signUp: op('POST /auth/signup', [{ email, password: newPassword, metadata, sendVerification: boolean }], TOKENS, withExpiry),
  login: op('POST /auth/login', [{ email, password }], TOKENS, withExpiry, (data) =>
    data.mfa_required === true ? failure(TOKENS, mfaChallenge(data)) : read(TOKENS, data),
  ),
  logout: op('POST /auth/logout', [TOKEN]),
  // The verifier checks the per-call options itself (a bad one rejects, as with every method):
  // no wrapper, so the same-token path pays no extra promise.
  verifyToken: ({ verifier }) => verifier.verify,
  refreshToken: (ctx, name) => {
    // Concurrent refreshes of one refresh token share one request: a second rotation of the same
    // token would look like reuse to Protekt and end the user's session.
    const refreshing = new Map<string, Promise<RefreshResult>>();
    const rotate = REFRESH(ctx, name) as AuthResource['refreshToken'];
    return async (refreshToken: string, options?: RequestOptions): Promise<RefreshResult> => {
      // A bad token: its failed result, nothing sent, whatever the options.
      if (REFRESH_TOKEN(refreshToken, 'refreshToken')) return rotate(refreshToken);
      checkRequestOptions(options);
      const signal = options?.signal;
      if (signal?.aborted) throw abortedError(signal.reason);
      // Each caller waits with its own signal: one caller giving up must not abort the shared
      // rotation, whose answer (the only copy of the new refresh token) the others are waiting for.
      // Workers must not await another request's I/O (it can hang): there each call rotates on its
      // own, as separate isolates always do.
      return shareInFlight(
        refreshing,
        refreshToken,
        (shared) => {
          const promise = rotate(refreshToken, { ...options, signal: undefined });
          return shared ? promise : withSignal(promise, signal);
        },
        signal,
      );
    };
  },
  revokeToken: op('POST /auth/token/revoke', [['token', text('token_invalid')]]),
  getLoginUrl: urlBuilder('/auth/authorize'),
  getSocialLoginUrl: urlBuilder('/auth/sso/authorize', { provider: oneOf(SOCIAL_PROVIDERS) }),
  getSsoUrl: urlBuilder('/auth/sso/authorize', {
    connection: (value, field, of) =>
      value !== undefined ? text()(value, field) : (of as Params).email === undefined ? bad('invalid_request', field, 'or an email is required.') : null,
    email: (value, field, of) => ((of as Params).connection === undefined ? email(value, field) : null),
  }),
  sendMagicLink: op('POST /auth/magic-link/send', [{ email, redirectUrl: url }], { expiresIn: expiresIn(900) }),
  verifyMagicLink: op('POST /auth/magic-link/verify', [['token', text('magic_link_expired')]], TOKENS, withExpiry),
  sendOtp: op('POST /auth/otp/send', [OTP_TARGET], { expiresIn: expiresIn(600) }, (body, _, [params]) => ({
    channel: (params as Params).channel ?? (body.email !== undefined ? 'email' : 'sms'),
    ...body,
  })),
  verifyOtp: op('POST /auth/otp/verify', [{ ...OTP_TARGET, otp: text('invalid_otp') }], TOKENS, withExpiry),
  requestPasswordReset: op('POST /auth/password/reset', [{ email }]),
  confirmPasswordReset: op('POST /auth/password/confirm', [{ resetToken: text('reset_token_invalid'), newPassword }]),
  changePassword: op('POST /auth/password/change', [{ currentPassword: password, newPassword }, TOKEN]),
  verifyEmail: op('POST /auth/email/verify', [['token', text('verification_token_invalid')]], { user }),
};
