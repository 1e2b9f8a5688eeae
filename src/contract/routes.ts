/**
 * The Protekt Authentication API as this project understands it: every operation of
 * the public Protekt docs' OpenAPI file (`protekt-auth-api.yaml`, not kept in this repository) plus
 * the project's extensions, with method, path (below `/v1`),
 * how the caller is identified, the request schema and the documented answers.
 *
 * The emulator's router is built from this table and validates input with its schemas; the
 * contract test walks it. Web standards only.
 */
import type { ApiErrorCode } from '../errors/codes.js';
import type { FieldRule, ObjectSchema } from './schema.js';
import { TOKEN_MAX_LENGTH } from '../util/limits.js';

/** HTTP methods the API uses. */
export type RouteMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * How a route identifies its caller.
 * - `apiKey`: `X-Protekt-Key` only.
 * - `apiKey+bearer`: `X-Protekt-Key` and a user's `Authorization: Bearer` access token.
 * - `apiKey+optionalBearer`: `X-Protekt-Key`; a bearer token is read when present.
 * - `loginId`: a browser endpoint; the project comes from the `login_id` query/form parameter.
 * - `public`: nothing (the JWKS, the fake identity provider, the SSO callback bound by its code).
 */
export type RouteAuth = 'apiKey' | 'apiKey+bearer' | 'apiKey+optionalBearer' | 'loginId' | 'public';

/** What a successful answer looks like. */
export type SuccessSpec =
  | { readonly kind: 'json'; readonly status: number; readonly shapes: readonly ObjectSchema[] }
  | { readonly kind: 'redirect'; readonly status: 302 }
  | { readonly kind: 'html'; readonly status: 200 };

/** One operation of the API. */
export interface RouteSpec {
  /** Stable operation id, e.g. `auth.login`. */
  readonly id: string;
  /** HTTP method. */
  readonly method: RouteMethod;
  /** Path below `/v1`, OpenAPI style (`/auth/users/{id}`). */
  readonly path: string;
  /** True for the 25 operations of the OpenAPI file; false for the project's extensions. */
  readonly openapi: boolean;
  /** How the caller is identified. */
  readonly auth: RouteAuth;
  /** The request body, when the route reads one. */
  readonly body?: {
    readonly type: 'json' | 'form';
    readonly required: boolean;
    readonly schema: ObjectSchema;
  };
  /** Query parameters the route reads. */
  readonly query?: ObjectSchema;
  /** The route honours `Idempotency-Key` (replays the first answer to a repeated key). */
  readonly idempotent: boolean;
  /** The route answers with tokens and accepts `token_expiry` (seconds, clamped to [60, 86400]). */
  readonly issuesTokens: boolean;
  /** The success answer. */
  readonly success: SuccessSpec;
  /** Error codes the route documents (statuses from `API_ERROR_CODES`). */
  readonly errors: readonly ApiErrorCode[];
  /** One-line summary. */
  readonly summary: string;
}

// ---------------------------------------------------------------------------------------------
// Field helpers

const str = (extra: Partial<FieldRule> = {}): FieldRule => ({
  type: 'string',
  maxLength: 4096,
  ...extra,
});
const reqStr = (extra: Partial<FieldRule> = {}): FieldRule => str({ required: true, ...extra });
const bool = (extra: Partial<FieldRule> = {}): FieldRule => ({ type: 'boolean', ...extra });
const int = (extra: Partial<FieldRule> = {}): FieldRule => ({ type: 'integer', ...extra });
const obj = (extra: Partial<FieldRule> = {}): FieldRule => ({ type: 'object', ...extra });

const email = (required = true): FieldRule => ({
  type: 'string',
  required,
  format: 'email',
  maxLength: 254,
  code: 'invalid_email',
});
const newPassword: FieldRule = {
  type: 'string',
  required: true,
  minLength: 8,
  maxLength: 1024,
  code: 'weak_password',
};
const anyPassword: FieldRule = { type: 'string', required: true, maxLength: 1024 };
const phone = (required = false): FieldRule => ({
  type: 'string',
  required,
  format: 'e164',
  code: 'invalid_phone',
});
const mfaMethod = (required = true): FieldRule => ({
  type: 'string',
  required,
  enum: ['totp', 'sms'],
});
/** `token_expiry` in seconds; any integer is accepted and then clamped to [60, 86400]. */
const tokenExpiry: FieldRule = { type: 'integer' };

// ---------------------------------------------------------------------------------------------
// Answer shapes

/** The `User` object. */
export const USER_SHAPE: ObjectSchema = {
  id: reqStr(),
  email: { type: 'string', required: true, nullable: true },
  email_verified: bool({ required: true }),
  mfa_enabled: bool({ required: true }),
  mfa_methods: { type: 'array', required: true, items: 'string' },
  metadata: obj({ required: true }),
  disabled: bool({ required: true }),
  created_at: reqStr(),
  last_login_at: { type: 'string', required: true, nullable: true },
};

/** `AuthTokenResponse`. */
export const AUTH_TOKEN_SHAPE: ObjectSchema = {
  access_token: reqStr(),
  refresh_token: reqStr(),
  expires_in: int({ required: true }),
  token_type: reqStr({ enum: ['Bearer'] }),
  user: obj({ required: true, shape: USER_SHAPE }),
  mfa_enrollment_required: bool(),
};

/** `MfaChallengeResponse` (login of a user with MFA). */
export const MFA_CHALLENGE_SHAPE: ObjectSchema = {
  mfa_required: bool({ required: true }),
  mfa_token: reqStr(),
  available_methods: { type: 'array', required: true, items: 'string' },
};

/** `Session`. */
export const SESSION_SHAPE: ObjectSchema = {
  id: reqStr(),
  ip_address: reqStr(),
  user_agent: { type: 'string', required: true },
  created_at: reqStr(),
  last_active_at: reqStr(),
  is_current: bool({ required: true }),
};

/** The error envelope `{ error: { code, message, details? } }`. */
export const ERROR_SHAPE: ObjectSchema = {
  error: obj({
    required: true,
    shape: { code: reqStr(), message: reqStr(), details: obj() },
  }),
};

/** One key of the JWKS. */
export const JWK_SHAPE: ObjectSchema = {
  kty: reqStr({ enum: ['RSA', 'EC', 'OKP'] }),
  kid: reqStr(),
  alg: reqStr({ enum: ['RS256', 'ES256', 'EdDSA'] }),
  use: reqStr({ enum: ['sig'] }),
};

const json = (status: number, ...shapes: ObjectSchema[]): SuccessSpec => ({
  kind: 'json',
  status,
  shapes,
});
const message: ObjectSchema = { message: reqStr() };

// ---------------------------------------------------------------------------------------------
// The table

/** Every route the emulator serves, in the order of the OpenAPI file, then the extensions. */
export const ROUTES: readonly RouteSpec[] = [
  {
    id: 'auth.signup',
    method: 'POST',
    path: '/auth/signup',
    openapi: true,
    auth: 'apiKey',
    summary: 'Create a user with e-mail and password and open a session.',
    body: {
      type: 'json',
      required: true,
      schema: {
        email: email(),
        password: newPassword,
        metadata: obj(),
        send_verification: bool(),
        token_expiry: tokenExpiry,
      },
    },
    idempotent: true,
    issuesTokens: true,
    success: json(201, AUTH_TOKEN_SHAPE),
    errors: ['invalid_request', 'invalid_email', 'weak_password', 'email_taken'],
  },
  {
    id: 'auth.login',
    method: 'POST',
    path: '/auth/login',
    openapi: true,
    auth: 'apiKey',
    summary: 'Log in with e-mail and password; answers tokens or an MFA challenge.',
    body: {
      type: 'json',
      required: true,
      schema: { email: email(), password: anyPassword, token_expiry: tokenExpiry },
    },
    idempotent: true,
    issuesTokens: true,
    success: json(200, AUTH_TOKEN_SHAPE, MFA_CHALLENGE_SHAPE),
    errors: [
      'invalid_request',
      'invalid_email',
      'invalid_credentials',
      'email_not_verified',
      'account_disabled',
      'account_locked',
      'rate_limited',
    ],
  },
  {
    id: 'auth.logout',
    method: 'POST',
    path: '/auth/logout',
    openapi: true,
    auth: 'apiKey+bearer',
    summary: "End the bearer's session.",
    idempotent: true,
    issuesTokens: false,
    success: json(200, { logged_out: bool({ required: true }) }),
    errors: ['token_invalid', 'token_expired', 'token_revoked'],
  },
  {
    id: 'tokens.refresh',
    method: 'POST',
    path: '/auth/token/refresh',
    openapi: true,
    auth: 'apiKey',
    summary: 'Exchange a refresh token for a new pair (rotation with reuse detection).',
    body: {
      type: 'json',
      required: true,
      schema: { refresh_token: reqStr(), token_expiry: tokenExpiry },
    },
    idempotent: true,
    issuesTokens: true,
    success: json(200, {
      access_token: reqStr(),
      refresh_token: reqStr(),
      expires_in: int({ required: true }),
      token_type: reqStr(),
      user: obj({ shape: USER_SHAPE }),
    }),
    errors: ['invalid_request', 'refresh_token_invalid', 'refresh_token_expired'],
  },
  {
    id: 'tokens.verify',
    method: 'POST',
    path: '/auth/token/verify',
    openapi: true,
    auth: 'apiKey',
    summary: 'Check an access token: signature, issuer, audience, expiry, revocation.',
    body: {
      type: 'json',
      required: true,
      schema: { token: reqStr({ maxLength: TOKEN_MAX_LENGTH }) },
    },
    idempotent: false,
    issuesTokens: false,
    success: json(200, {
      valid: bool({ required: true }),
      claims: obj({
        required: true,
        shape: {
          sub: reqStr(),
          iat: int({ required: true }),
          exp: int({ required: true }),
          project_id: reqStr(),
        },
      }),
    }),
    errors: ['invalid_request', 'token_invalid', 'token_expired', 'token_revoked'],
  },
  {
    id: 'tokens.revoke',
    method: 'POST',
    path: '/auth/token/revoke',
    openapi: true,
    auth: 'apiKey',
    summary: 'Revoke one access token (by jti) or one refresh token.',
    body: {
      type: 'json',
      required: true,
      schema: { token: reqStr({ maxLength: TOKEN_MAX_LENGTH }) },
    },
    idempotent: true,
    issuesTokens: false,
    success: json(200, { revoked: bool({ required: true }) }),
    errors: ['invalid_request'],
  },
  {
    id: 'password.reset',
    method: 'POST',
    path: '/auth/password/reset',
    openapi: true,
    auth: 'apiKey',
    summary: 'Send a password reset link (same answer whether or not the e-mail exists).',
    body: { type: 'json', required: true, schema: { email: email() } },
    idempotent: true,
    issuesTokens: false,
    success: json(200, message),
    errors: ['invalid_request', 'invalid_email', 'rate_limited'],
  },
  {
    id: 'password.confirm',
    method: 'POST',
    path: '/auth/password/confirm',
    openapi: true,
    auth: 'apiKey',
    summary: 'Set a new password with a reset token; ends every session of the user.',
    body: {
      type: 'json',
      required: true,
      schema: { reset_token: reqStr(), new_password: newPassword },
    },
    idempotent: true,
    issuesTokens: false,
    success: json(200, message),
    errors: ['invalid_request', 'reset_token_invalid', 'weak_password'],
  },
  {
    id: 'password.change',
    method: 'POST',
    path: '/auth/password/change',
    openapi: true,
    auth: 'apiKey+bearer',
    summary: "Change the bearer's password; ends the user's other sessions.",
    body: {
      type: 'json',
      required: true,
      schema: { current_password: anyPassword, new_password: newPassword },
    },
    idempotent: true,
    issuesTokens: false,
    success: json(200, message),
    errors: [
      'invalid_request',
      'weak_password',
      'invalid_credentials',
      'token_invalid',
      'token_expired',
      'token_revoked',
    ],
  },
  {
    id: 'otp.send',
    method: 'POST',
    path: '/auth/otp/send',
    openapi: true,
    auth: 'apiKey',
    summary: 'Send a 6-digit one-time code by e-mail or SMS.',
    body: {
      type: 'json',
      required: true,
      schema: { email: email(false), phone: phone(), channel: str({ enum: ['email', 'sms'] }) },
    },
    idempotent: true,
    issuesTokens: false,
    success: json(200, { message: reqStr(), expires_in: int({ required: true }) }),
    errors: ['invalid_request', 'invalid_email', 'invalid_phone', 'rate_limited'],
  },
  {
    id: 'otp.verify',
    method: 'POST',
    path: '/auth/otp/verify',
    openapi: true,
    auth: 'apiKey',
    summary: 'Verify a one-time code and open a session (creates the user by e-mail if missing).',
    body: {
      type: 'json',
      required: true,
      schema: {
        email: email(false),
        phone: phone(),
        otp: reqStr({ maxLength: 32 }),
        token_expiry: tokenExpiry,
      },
    },
    idempotent: true,
    issuesTokens: true,
    success: json(200, AUTH_TOKEN_SHAPE, MFA_CHALLENGE_SHAPE),
    errors: [
      'invalid_request',
      'invalid_email',
      'invalid_phone',
      'invalid_otp',
      'user_not_found',
      'account_disabled',
    ],
  },
  {
    id: 'magicLink.send',
    method: 'POST',
    path: '/auth/magic-link/send',
    openapi: true,
    auth: 'apiKey',
    summary: 'E-mail a single-use sign-in link.',
    body: {
      type: 'json',
      required: true,
      schema: {
        email: email(),
        redirect_url: str({ format: 'url', code: 'invalid_redirect_url' }),
      },
    },
    idempotent: true,
    issuesTokens: false,
    success: json(200, { message: reqStr(), expires_in: int({ required: true }) }),
    errors: ['invalid_request', 'invalid_email', 'invalid_redirect_url', 'rate_limited'],
  },
  {
    id: 'magicLink.verify',
    method: 'POST',
    path: '/auth/magic-link/verify',
    openapi: true,
    auth: 'apiKey',
    summary: 'Exchange a magic-link token for a session (creates the user if missing).',
    body: { type: 'json', required: true, schema: { token: reqStr(), token_expiry: tokenExpiry } },
    idempotent: true,
    issuesTokens: true,
    success: json(200, AUTH_TOKEN_SHAPE, MFA_CHALLENGE_SHAPE),
    errors: ['invalid_request', 'magic_link_expired', 'account_disabled'],
  },
  {
    id: 'sso.authorize',
    method: 'GET',
    path: '/auth/sso/authorize',
    openapi: true,
    auth: 'loginId',
    summary: 'Start a social or SSO login: redirect to the (fake) identity provider.',
    query: {
      login_id: str(),
      provider: str({ maxLength: 200 }),
      connection: str({ maxLength: 200 }),
      email: str({ format: 'email', code: 'invalid_email' }),
      redirect_url: str({ format: 'url', code: 'invalid_redirect_url' }),
      state: str(),
    },
    idempotent: false,
    issuesTokens: false,
    success: { kind: 'redirect', status: 302 },
    errors: ['invalid_request', 'invalid_provider', 'invalid_redirect_url', 'invalid_email'],
  },
  {
    id: 'sso.callback',
    method: 'GET',
    path: '/auth/sso/callback',
    openapi: true,
    auth: 'public',
    summary: 'Exchange the identity provider code and redirect to the app with tokens.',
    query: { code: reqStr(), state: str() },
    idempotent: false,
    issuesTokens: false,
    success: { kind: 'redirect', status: 302 },
    errors: ['invalid_request'],
  },
  {
    id: 'mfa.enroll',
    method: 'POST',
    path: '/auth/mfa/enroll',
    openapi: true,
    auth: 'apiKey+bearer',
    summary: 'Start a TOTP or SMS MFA enrollment (finished by /auth/mfa/verify).',
    body: { type: 'json', required: true, schema: { method: mfaMethod(), phone: phone() } },
    idempotent: true,
    issuesTokens: false,
    success: json(200, { method: reqStr(), totp_uri: str(), qr_code: str(), phone_masked: str() }),
    errors: ['invalid_request', 'invalid_phone', 'token_invalid', 'token_expired', 'token_revoked'],
  },
  {
    id: 'mfa.verify',
    method: 'POST',
    path: '/auth/mfa/verify',
    openapi: true,
    auth: 'apiKey+optionalBearer',
    summary:
      'Complete a login challenge (with mfa_token) or confirm an enrollment (with a bearer).',
    body: {
      type: 'json',
      required: true,
      schema: {
        code: reqStr({ maxLength: 64 }),
        mfa_token: str(),
        method: mfaMethod(false),
        token_expiry: tokenExpiry,
      },
    },
    idempotent: true,
    issuesTokens: true,
    success: json(200, AUTH_TOKEN_SHAPE, {
      enrolled: bool({ required: true }),
      method: reqStr(),
      user: obj({ required: true, shape: USER_SHAPE }),
    }),
    errors: [
      'invalid_request',
      'invalid_mfa_code',
      'mfa_token_invalid',
      'mfa_not_enrolled',
      'token_invalid',
      'token_expired',
      'token_revoked',
    ],
  },
  {
    id: 'mfa.unenroll',
    method: 'DELETE',
    path: '/auth/mfa/unenroll',
    openapi: true,
    auth: 'apiKey+bearer',
    summary: 'Remove an MFA method (refused when the project enforces MFA).',
    body: { type: 'json', required: true, schema: { method: mfaMethod() } },
    idempotent: true,
    issuesTokens: false,
    success: json(200, { unenrolled: bool({ required: true }) }),
    errors: [
      'invalid_request',
      'mfa_not_enrolled',
      'mfa_enforced',
      'token_invalid',
      'token_expired',
      'token_revoked',
    ],
  },
  {
    id: 'users.list',
    method: 'GET',
    path: '/auth/users',
    openapi: true,
    auth: 'apiKey',
    summary: "List the project's users (cursor pagination, partial e-mail search).",
    query: {
      limit: int({ min: 1, max: 100 }),
      cursor: str({ maxLength: 512 }),
      search: str({ maxLength: 254 }),
    },
    idempotent: false,
    issuesTokens: false,
    success: json(200, {
      data: { type: 'array', required: true, items: USER_SHAPE },
      next_cursor: { type: 'string', required: true, nullable: true },
      has_more: bool({ required: true }),
    }),
    errors: ['invalid_request'],
  },
  {
    id: 'users.get',
    method: 'GET',
    path: '/auth/users/{id}',
    openapi: true,
    auth: 'apiKey',
    summary: 'Read one user.',
    idempotent: false,
    issuesTokens: false,
    success: json(200, USER_SHAPE),
    errors: ['user_not_found'],
  },
  {
    id: 'users.update',
    method: 'PATCH',
    path: '/auth/users/{id}',
    openapi: true,
    auth: 'apiKey',
    summary: 'Update e-mail, merge metadata, disable or enable a user.',
    body: {
      type: 'json',
      required: true,
      schema: { email: email(false), metadata: obj(), disabled: bool() },
    },
    idempotent: true,
    issuesTokens: false,
    success: json(200, USER_SHAPE),
    errors: ['invalid_request', 'invalid_email', 'email_taken', 'user_not_found'],
  },
  {
    id: 'users.delete',
    method: 'DELETE',
    path: '/auth/users/{id}',
    openapi: true,
    auth: 'apiKey',
    summary: 'Delete a user and end all their sessions.',
    idempotent: true,
    issuesTokens: false,
    success: json(200, { deleted: bool({ required: true }), id: reqStr() }),
    errors: ['user_not_found'],
  },
  {
    id: 'sessions.list',
    method: 'GET',
    path: '/auth/sessions',
    openapi: true,
    auth: 'apiKey+bearer',
    summary: "List the bearer's active sessions.",
    idempotent: false,
    issuesTokens: false,
    success: json(200, { data: { type: 'array', required: true, items: SESSION_SHAPE } }),
    errors: ['token_invalid', 'token_expired', 'token_revoked'],
  },
  {
    id: 'sessions.revokeAll',
    method: 'DELETE',
    path: '/auth/sessions',
    openapi: true,
    auth: 'apiKey+bearer',
    summary: "End all the bearer's sessions (optionally keeping the current one).",
    body: { type: 'json', required: false, schema: { keep_current: bool() } },
    idempotent: true,
    issuesTokens: false,
    success: json(200, { revoked_count: int({ required: true }) }),
    errors: ['invalid_request', 'token_invalid', 'token_expired', 'token_revoked'],
  },
  {
    id: 'sessions.revoke',
    method: 'DELETE',
    path: '/auth/sessions/{id}',
    openapi: true,
    auth: 'apiKey+bearer',
    summary: "End one of the bearer's sessions.",
    idempotent: true,
    issuesTokens: false,
    success: json(200, { revoked: bool({ required: true }), session_id: reqStr() }),
    errors: ['session_not_found', 'token_invalid', 'token_expired', 'token_revoked'],
  },

  // ----- the project's extensions -----
  {
    id: 'jwks',
    method: 'GET',
    path: '/.well-known/jwks.json',
    openapi: false,
    auth: 'public',
    summary: 'The public signing keys (shared by every project).',
    idempotent: false,
    issuesTokens: false,
    success: json(200, { keys: { type: 'array', required: true, items: JWK_SHAPE } }),
    errors: [],
  },
  {
    id: 'mfa.backupCodes',
    method: 'POST',
    path: '/auth/mfa/backup-codes',
    openapi: false,
    auth: 'apiKey+bearer',
    summary: 'Generate 10 single-use backup codes, replacing any earlier set.',
    idempotent: true,
    issuesTokens: false,
    success: json(200, { backup_codes: { type: 'array', required: true, items: 'string' } }),
    errors: ['mfa_not_enrolled', 'token_invalid', 'token_expired', 'token_revoked'],
  },
  {
    id: 'email.verify',
    method: 'POST',
    path: '/auth/email/verify',
    openapi: false,
    auth: 'apiKey',
    summary: 'Mark an e-mail address verified with the token from the verification e-mail.',
    body: { type: 'json', required: true, schema: { token: reqStr() } },
    idempotent: true,
    issuesTokens: false,
    success: json(200, {
      verified: bool({ required: true }),
      user: obj({ required: true, shape: USER_SHAPE }),
    }),
    errors: ['invalid_request', 'verification_token_invalid'],
  },
  {
    id: 'hosted.page',
    method: 'GET',
    path: '/auth/authorize',
    openapi: false,
    auth: 'loginId',
    summary: 'The hosted "Universal Login" page (HTML form).',
    query: {
      login_id: str(),
      redirect_url: str({ format: 'url', code: 'invalid_redirect_url' }),
      state: str(),
    },
    idempotent: false,
    issuesTokens: false,
    success: { kind: 'html', status: 200 },
    errors: ['invalid_request', 'invalid_redirect_url'],
  },
  {
    id: 'hosted.submit',
    method: 'POST',
    path: '/auth/authorize',
    openapi: false,
    auth: 'loginId',
    summary: 'Submit the hosted login form; redirects to the app with tokens.',
    body: {
      type: 'form',
      required: true,
      schema: {
        login_id: str(),
        redirect_url: str(),
        state: str(),
        email: str(),
        password: str(),
        mfa_token: str(),
        code: str(),
      },
    },
    idempotent: false,
    issuesTokens: false,
    success: { kind: 'redirect', status: 302 },
    errors: ['invalid_request', 'invalid_redirect_url'],
  },
  {
    id: 'idp.page',
    method: 'GET',
    path: '/_idp/authorize',
    openapi: false,
    auth: 'public',
    summary: "The fake identity provider's sign-in page (or, with email=, its immediate answer).",
    query: { request: reqStr(), email: str(), name: str(), groups: str() },
    idempotent: false,
    issuesTokens: false,
    success: { kind: 'html', status: 200 },
    errors: ['invalid_request', 'invalid_email'],
  },
  {
    id: 'idp.submit',
    method: 'POST',
    path: '/_idp/authorize',
    openapi: false,
    auth: 'public',
    summary: "Submit the fake identity provider's form; redirects to /v1/auth/sso/callback.",
    body: {
      type: 'form',
      required: true,
      schema: { request: reqStr(), email: str(), name: str(), groups: str() },
    },
    idempotent: false,
    issuesTokens: false,
    success: { kind: 'redirect', status: 302 },
    errors: ['invalid_request', 'invalid_email'],
  },
  {
    id: 'landing.reset.page',
    method: 'GET',
    path: '/_pages/password-reset',
    openapi: false,
    auth: 'public',
    summary: 'Where the password-reset e-mail links to: a form for the new password.',
    query: { token: reqStr() },
    idempotent: false,
    issuesTokens: false,
    success: { kind: 'html', status: 200 },
    errors: ['invalid_request'],
  },
  {
    id: 'landing.reset.submit',
    method: 'POST',
    path: '/_pages/password-reset',
    openapi: false,
    auth: 'public',
    summary: 'Sets the new password; redirects to the hosted login page.',
    body: { type: 'form', required: true, schema: { token: reqStr(), new_password: str() } },
    idempotent: false,
    issuesTokens: false,
    success: { kind: 'redirect', status: 302 },
    errors: ['invalid_request', 'reset_token_invalid', 'weak_password'],
  },
  {
    id: 'landing.verify.page',
    method: 'GET',
    path: '/_pages/verify-email',
    openapi: false,
    auth: 'public',
    summary: 'Where the verification e-mail links to: one button that confirms the address.',
    query: { token: reqStr() },
    idempotent: false,
    issuesTokens: false,
    success: { kind: 'html', status: 200 },
    errors: ['invalid_request'],
  },
  {
    id: 'landing.verify.submit',
    method: 'POST',
    path: '/_pages/verify-email',
    openapi: false,
    auth: 'public',
    summary: 'Confirms the address; redirects to the hosted login page.',
    body: { type: 'form', required: true, schema: { token: reqStr() } },
    idempotent: false,
    issuesTokens: false,
    success: { kind: 'redirect', status: 302 },
    errors: ['invalid_request', 'verification_token_invalid'],
  },
];

/** The 25 operation ids that come from the OpenAPI file. */
export const OPENAPI_OPERATION_IDS: readonly string[] = ROUTES.filter((r) => r.openapi).map(
  (r) => r.id,
);

/** Finds a route by id (throws on an unknown id: a programming error). */
export function routeById(id: string): RouteSpec {
  const r = ROUTES.find((x) => x.id === id);
  if (!r) throw new Error(`unknown route id ${id}`);
  return r;
}

/** Converts an OpenAPI path template (`/auth/users/{id}`) to a RegExp for a concrete path. */
export function pathPattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\{(\w+)\}/g, '([^/]+)')}$`);
}
