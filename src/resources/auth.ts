/** `protekt.auth`: sign-up, login, tokens, passwordless, passwords and the redirect URL builders. */
import { ProtektError } from '../errors/protekt-error.js';
import type {
  AuthTokenResponse,
  DefaultMetadata,
  EmptyResult,
  LoginResult,
  MfaRequiredError,
  ProtektApiError,
  RefreshResult,
  RequestOptions,
  SendCodeResult,
  VerifyEmailResult,
  VerifyTokenResult,
} from '../types.js';
import { localError } from '../errors/api-error.js';
import {
  checkAccessToken,
  checkEmail,
  checkMetadata,
  checkNewPassword,
  checkOneOf,
  checkOptionalBoolean,
  checkParams,
  checkPassword,
  checkPhone,
  checkString,
  checkUrl,
  firstError,
} from './validate.js';
import { call, expiresIn, failure, mfaMethods, num, pick, success, toTokens, toUser, TOKEN_KEYS, withExpiry, type ResourceContext } from './shared.js';
import { canShareInFlight, withSignal } from '../tokens/runtime.js';
import { checkRequestOptions } from '../http/transport.js';

/** Verifies access tokens for `auth.verifyToken` (see `src/tokens`). */
export interface TokenVerifier<M extends object> {
  verify(token: unknown, options?: RequestOptions): Promise<VerifyTokenResult<M>>;
}

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

const REFRESH_KEYS = ['accessToken', 'refreshToken', 'expiresIn'] as const;

/** The `auth` resource. */
export class AuthResource<M extends object = DefaultMetadata> {
  readonly #ctx: ResourceContext;
  readonly #verifier: TokenVerifier<M>;
  readonly #baseUrl: string;
  readonly #loginId: string;
  // Concurrent refreshes of one refresh token share one request: a second rotation of the same
  // token would look like reuse to Protekt and end the user's session.
  readonly #refreshing = new Map<string, Promise<RefreshResult>>();

  /** @internal Built by the `Protekt` client. */
  constructor(ctx: ResourceContext, verifier: TokenVerifier<M>, baseUrl: string, loginId: string) {
    this.#ctx = ctx;
    this.#verifier = verifier;
    this.#baseUrl = baseUrl;
    this.#loginId = loginId;
  }

  /** Creates a user with e-mail and password and signs them in. */
  async signUp(params: SignUpParams<M>, options?: RequestOptions): Promise<AuthTokenResponse<M>> {
    return call(
      this.#ctx,
      checkParams(params, 'auth.signUp') ??
        firstError(
          checkEmail(params.email),
          checkNewPassword(params.password),
          checkMetadata(params.metadata),
          checkOptionalBoolean(params.sendVerification, 'sendVerification'),
        ),
      TOKEN_KEYS,
      () => ({ path: '/auth/signup', body: this.#expiry(pick(params, ['email', 'password', 'metadata', 'sendVerification'])), options }),
      toTokens<M>,
    );
  }

  /**
   * Signs a user in with e-mail and password. When the user has MFA, `error.code` is
   * `'mfa_required'` and `error.mfaToken` / `error.availableMethods` start the challenge.
   */
  async login(params: LoginParams, options?: RequestOptions): Promise<LoginResult<M>> {
    const invalid = checkParams(params, 'auth.login') ?? firstError(checkEmail(params.email), checkPassword(params.password));
    if (invalid) return failure(TOKEN_KEYS, invalid);
    const body = this.#expiry(pick(params, ['email', 'password']));
    const res = await this.#ctx.http.send({ method: 'POST', path: '/auth/login', body, options });
    if (res.error) return failure(TOKEN_KEYS, res.error);
    const data = res.data ?? {};
    if (data.mfa_required === true) return failure(TOKEN_KEYS, mfaChallenge(data));
    return success(toTokens<M>(data));
  }

  /** Ends the session of `accessToken` (its access and refresh tokens stop working). */
  async logout(accessToken: string, options?: RequestOptions): Promise<EmptyResult> {
    return call(this.#ctx, checkAccessToken(accessToken), [], () => ({ path: '/auth/logout', accessToken, options }));
  }

  /**
   * Verifies an access token locally (signature, issuer, audience, expiry) with the cached JWKS,
   * then against the revocation list as the client's `revocationCheck` decides.
   */
  verifyToken(token: string, options?: RequestOptions): Promise<VerifyTokenResult<M>> {
    try {
      checkRequestOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#verifier.verify(token, options);
  }

  /** Exchanges a refresh token for a new pair (the old refresh token is rotated out). */
  refreshToken(refreshToken: string, options?: RequestOptions): Promise<RefreshResult> {
    const invalid = checkString(refreshToken, 'refreshToken', 'refresh_token_invalid');
    if (invalid) return Promise.resolve(failure(REFRESH_KEYS, invalid));
    try {
      checkRequestOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new ProtektError('aborted', 'The call was aborted by the caller.', { cause: signal.reason }));
    // Workers must not await another request's I/O (it can hang): there each call rotates on its
    // own, as separate isolates always do.
    const share = canShareInFlight();
    const pending = share ? this.#refreshing.get(refreshToken) : undefined;
    // Each caller waits with its own signal: one caller giving up must not abort the shared
    // rotation, whose answer (the only copy of the new refresh token) the others are waiting for.
    if (pending) return withSignal(pending, signal);
    const body = this.#expiry({ refresh_token: refreshToken });
    const { signal: _callerSignal, ...shared } = options ?? {};
    const promise = call(this.#ctx, null, REFRESH_KEYS, () => ({ path: '/auth/token/refresh', body, options: shared }), (d) => ({
      accessToken: String(d.access_token ?? ''),
      refreshToken: String(d.refresh_token ?? ''),
      expiresIn: num(d, 'expires_in'),
    })) as Promise<RefreshResult>;
    if (share) {
      this.#refreshing.set(refreshToken, promise);
      const forget = (): void => void this.#refreshing.delete(refreshToken);
      promise.then(forget, forget);
    }
    return withSignal(promise, signal);
  }

  /** Revokes one access or refresh token without ending the whole session. */
  async revokeToken(token: string, options?: RequestOptions): Promise<EmptyResult> {
    return call(this.#ctx, checkString(token, 'token', 'token_invalid'), [], () => ({ path: '/auth/token/revoke', body: { token }, options }));
  }

  /** URL of the hosted login page. Synchronous; carries the login id, never a secret. */
  getLoginUrl(params: { redirectUrl?: string; state?: string } = {}): string {
    argument(checkParams(params, 'auth.getLoginUrl'));
    return this.#redirectUrl('/auth/authorize', {}, params);
  }

  /** URL that starts a social login with `provider`. Synchronous; carries no secret. */
  getSocialLoginUrl(params: { provider: SocialProvider; redirectUrl?: string; state?: string }): string {
    argument(checkParams(params, 'auth.getSocialLoginUrl') ?? checkOneOf(params.provider, SOCIAL_PROVIDERS, 'provider'));
    return this.#redirectUrl('/auth/sso/authorize', { provider: params.provider }, params);
  }

  /** URL that starts an SSO login by connection name or by the e-mail's domain. Synchronous. */
  getSsoUrl(params: { connection?: string; email?: string; redirectUrl?: string; state?: string }): string {
    argument(checkParams(params, 'auth.getSsoUrl'));
    const { connection, email } = params;
    argument(
      connection !== undefined
        ? checkString(connection, 'connection')
        : email !== undefined
          ? checkEmail(email)
          : localError('invalid_request', 'auth.getSsoUrl needs a connection or an email.'),
    );
    return this.#redirectUrl('/auth/sso/authorize', connection !== undefined ? { connection } : { email: email! }, params);
  }

  /** E-mails a single-use sign-in link (15 minutes). */
  async sendMagicLink(params: { email: string; redirectUrl?: string }, options?: RequestOptions): Promise<SendCodeResult> {
    return call(
      this.#ctx,
      checkParams(params, 'auth.sendMagicLink') ?? firstError(checkEmail(params.email), checkUrl(params.redirectUrl, 'redirectUrl')),
      ['expiresIn'],
      () => ({ path: '/auth/magic-link/send', body: pick(params, ['email', 'redirectUrl']), options }),
      (d) => expiresIn(d, 900),
    );
  }

  /** Exchanges the token of a magic link for a session. */
  async verifyMagicLink(token: string, options?: RequestOptions): Promise<AuthTokenResponse<M>> {
    return call(
      this.#ctx,
      checkString(token, 'token', 'magic_link_expired'),
      TOKEN_KEYS,
      () => ({ path: '/auth/magic-link/verify', body: this.#expiry({ token }), options }),
      toTokens<M>,
    );
  }

  /** Sends a one-time passcode by e-mail or SMS (10 minutes). */
  async sendOtp(params: SendOtpParams, options?: RequestOptions): Promise<SendCodeResult> {
    return call(
      this.#ctx,
      checkParams(params, 'auth.sendOtp') ?? checkOtpTarget(params),
      ['expiresIn'],
      () => ({
        path: '/auth/otp/send',
        body: { channel: params.channel ?? (params.email !== undefined ? 'email' : 'sms'), ...pick(params, ['email', 'phone']) },
        options,
      }),
      (d) => expiresIn(d, 600),
    );
  }

  /** Exchanges a one-time passcode for a session. */
  async verifyOtp(params: VerifyOtpParams, options?: RequestOptions): Promise<AuthTokenResponse<M>> {
    return call(
      this.#ctx,
      checkParams(params, 'auth.verifyOtp') ?? firstError(checkOtpTarget(params), checkString(params.otp, 'otp', 'invalid_otp')),
      TOKEN_KEYS,
      () => ({ path: '/auth/otp/verify', body: this.#expiry(pick(params, ['otp', 'email', 'phone'])), options }),
      toTokens<M>,
    );
  }

  /** Starts a password reset. Succeeds whether or not the e-mail exists (no enumeration). */
  async requestPasswordReset(params: { email: string }, options?: RequestOptions): Promise<EmptyResult> {
    return call(this.#ctx, checkParams(params, 'auth.requestPasswordReset') ?? checkEmail(params.email), [], () => ({
      path: '/auth/password/reset',
      body: pick(params, ['email']),
      options,
    }));
  }

  /** Sets a new password with the token from the reset e-mail. */
  async confirmPasswordReset(params: { resetToken: string; newPassword: string }, options?: RequestOptions): Promise<EmptyResult> {
    return call(
      this.#ctx,
      checkParams(params, 'auth.confirmPasswordReset') ??
        firstError(checkString(params.resetToken, 'resetToken', 'reset_token_invalid'), checkNewPassword(params.newPassword, 'newPassword')),
      [],
      () => ({ path: '/auth/password/confirm', body: pick(params, ['resetToken', 'newPassword']), options }),
    );
  }

  /** Changes the password of the user of `accessToken`. */
  async changePassword(params: { currentPassword: string; newPassword: string }, accessToken: string, options?: RequestOptions): Promise<EmptyResult> {
    return call(
      this.#ctx,
      checkParams(params, 'auth.changePassword') ??
        firstError(
          checkPassword(params.currentPassword, 'currentPassword'),
          checkNewPassword(params.newPassword, 'newPassword'),
          checkAccessToken(accessToken),
        ),
      [],
      () => ({ path: '/auth/password/change', body: pick(params, ['currentPassword', 'newPassword']), accessToken, options }),
    );
  }

  /** Confirms an e-mail address with the token of the verification e-mail. */
  async verifyEmail(token: string, options?: RequestOptions): Promise<VerifyEmailResult<M>> {
    return call(
      this.#ctx,
      checkString(token, 'token', 'verification_token_invalid'),
      ['user'],
      () => ({ path: '/auth/email/verify', body: { token }, options }),
      (d) => ({ user: toUser<M>(d.user) }),
    );
  }

  // Adds `token_expiry` to the body of a call that issues tokens, when the client has a `tokenExpiry`.
  #expiry(body: Record<string, unknown>): Record<string, unknown> {
    return withExpiry(this.#ctx, body);
  }

  #redirectUrl(path: string, query: Record<string, string>, params: { redirectUrl?: string; state?: string }): string {
    const { redirectUrl, state } = params;
    argument(checkUrl(redirectUrl, 'redirectUrl'));
    if (state !== undefined && typeof state !== 'string') argument(localError('invalid_request', 'state must be a string.'));
    const url = new URL(this.#baseUrl + path);
    const search = url.searchParams;
    for (const key in query) search.set(key, query[key]!);
    search.set('login_id', this.#loginId);
    if (redirectUrl !== undefined) search.set('redirect_url', redirectUrl);
    if (state !== undefined) search.set('state', state);
    return url.toString();
  }
}

// The URL builders are synchronous: a bad argument is thrown, with the check's message.
function argument(check: ProtektApiError | null): void {
  if (check) throw new ProtektError('invalid_argument', check.message);
}

function checkOtpTarget(params: { email?: unknown; phone?: unknown; channel?: unknown }) {
  if (params.channel !== undefined) {
    const bad = checkOneOf(params.channel, ['email', 'sms'], 'channel');
    if (bad) return bad;
  }
  if (params.channel === 'sms' || params.phone !== undefined) {
    const bad = checkPhone(params.phone);
    if (bad || params.email === undefined || params.channel === 'sms') return bad;
  }
  if (params.email === undefined) return localError('invalid_request', 'An email or a phone is required.', { field: 'email' });
  return checkEmail(params.email);
}

function mfaChallenge(data: Record<string, unknown>): MfaRequiredError {
  const error = { code: 'mfa_required', message: 'Multi-factor authentication is required to finish this login.', status: 200, availableMethods: mfaMethods(data.available_methods) };
  // Not enumerable: logging or serialising the error does not print the challenge token.
  Object.defineProperty(error, 'mfaToken', { value: typeof data.mfa_token === 'string' ? data.mfa_token : '', enumerable: false });
  return error as MfaRequiredError;
}
