/**
 * Builds the plain `ProtektApiError` objects that methods return in `error` from an API answer
 * (either of the two envelopes the docs show). Local validation failures are built in
 * `src/resources/validate.ts`.
 */
import type { ProtektApiError, ReturnedErrorCode } from '../types.js';
import { CODE_ALIASES } from './codes.js';
import { camelKeys } from '../util/case.js';
import { isRecord, own } from '../util/record.js';

/**
 * Reads an error answer. Accepts `{ error: { code, message, details } }` (the OpenAPI envelope)
 * and `{ error: 'code', message, statusCode }` (the concepts page). Returns `null` when the body
 * carries no recognisable error code.
 */
export function parseApiError(status: number, body: unknown): ProtektApiError | null {
  // Own members only: a polluted Object.prototype must not turn an answer into an error.
  const envelope = Object(body) as object;
  const inner = own(envelope, 'error');
  // `{ error: { code, message, details } }`, or `{ error: 'code', message, details }`.
  const nested = typeof inner === 'object' && inner !== null;
  const e = nested ? inner : envelope;
  const code = nested ? own(e, 'code') : inner;
  if (typeof code !== 'string' || code === '') return null;
  const normalised = CODE_ALIASES[code] ?? code;
  const message = own(e, 'message');
  const details = own(e, 'details');
  const error: ProtektApiError = {
    // A code newer than this version's catalogue is kept as sent (see hasErrorCode).
    code: normalised as ReturnedErrorCode,
    message:
      typeof message === 'string' && message !== ''
        ? message
        : `Protekt answered ${normalised.replace(/_/g, ' ')}.`,
    status,
  };
  if (isRecord(details)) {
    error.details = camelKeys(details);
  }
  return error;
}

/**
 * Whether `error` has the code `code`, for any code, even one newer than this version of the SDK
 * (whose types list only the codes it knows, so comparing `error.code` to an unknown code does
 * not compile).
 *
 * @example
 * ```ts
 * if (hasErrorCode(result.error, 'passkey_required')) showPasskeyPrompt();
 * ```
 */
export function hasErrorCode(
  error: { readonly code: string } | null | undefined,
  code: string,
): boolean {
  return error?.code === code;
}
