/**
 * The one catalogue of error codes, shared by the client, the emulator and the docs test.
 * `returned` codes arrive in a method's `error` field; `thrown` codes come as a `ProtektError`.
 */

/** Codes the API answers with (and the client returns in `error`), with their usual HTTP status. */
export const API_ERROR_CODES = {
  invalid_request: 400,
  invalid_email: 400,
  weak_password: 400,
  invalid_phone: 400,
  invalid_redirect_url: 400,
  invalid_provider: 400,
  invalid_mfa_code: 400,
  mfa_not_enrolled: 400,
  invalid_otp: 400,
  magic_link_expired: 400,
  reset_token_invalid: 400,
  verification_token_invalid: 400,
  invitation_invalid: 400,
  invalid_credentials: 401,
  token_invalid: 401,
  token_expired: 401,
  token_revoked: 401,
  mfa_token_invalid: 401,
  refresh_token_invalid: 401,
  refresh_token_expired: 401,
  email_not_verified: 403,
  account_disabled: 403,
  mfa_enforced: 403,
  forbidden: 403,
  insufficient_permissions: 403,
  user_not_found: 404,
  session_not_found: 404,
  not_found: 404,
  method_not_allowed: 405,
  email_taken: 409,
  member_exists: 409,
  last_owner: 409,
  idempotency_conflict: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  account_locked: 423,
  rate_limited: 429,
  mfa_required: 200,
} as const;

/** A code the API can answer with. */
export type ApiErrorCode = keyof typeof API_ERROR_CODES;

/** Codes of `ProtektError`, thrown only for the unexpected. */
export const THROWN_ERROR_CODES = [
  'config_invalid',
  'browser_not_allowed',
  'invalid_api_key',
  'invalid_management_token',
  'network_error',
  'timeout',
  'aborted',
  'server_error',
  'service_unavailable',
  'invalid_response',
  'jwks_unavailable',
  'not_mocked',
  'invalid_argument',
  'api_error',
] as const;

/** A code of a thrown `ProtektError`. */
export type ThrownErrorCode = (typeof THROWN_ERROR_CODES)[number];

/**
 * Older or alternative spellings found in the docs, mapped to the one the SDK reports. Looked up
 * by the code an answer carries: no prototype, so `constructor` or `toString` finds nothing.
 */
export const CODE_ALIASES: Readonly<Record<string, ApiErrorCode | undefined>> = {
  __proto__: null as never,
  invalid_token: 'token_invalid',
  session_revoked: 'token_revoked',
  user_already_exists: 'email_taken',
};
