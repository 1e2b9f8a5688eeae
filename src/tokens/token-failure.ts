/**
 * The errors a token verification returns. Messages say which rule failed and what to do about
 * it; they never quote the token or any value taken from it, so they are safe to log and to send
 * back to a caller.
 */
import type { ProtektApiError } from '../types.js';

/** Codes a failed verification returns. */
export type TokenErrorCode = 'token_invalid' | 'token_expired' | 'token_revoked';

/**
 * A failed verification: a {@link ProtektApiError} with status 401 and a machine-readable `reason`.
 */
export interface TokenFailure extends ProtektApiError {
  code: TokenErrorCode;
  status: 401;
  details: { reason: string };
}

/** Builds a failed verification. `reason` is a short fixed word (`alg`, `signature`, `aud`…). */
export function tokenFailure(code: TokenErrorCode, reason: string, message: string): TokenFailure {
  return { code, message, status: 401, details: { reason } };
}

/** Builds a `token_invalid` failure. */
export function invalidToken(reason: string, message: string): TokenFailure {
  return tokenFailure('token_invalid', reason, message);
}
