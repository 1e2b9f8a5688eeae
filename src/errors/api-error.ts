/**
 * Builds the plain `ProtektApiError` objects that methods return in `error`: from an API answer
 * (either of the two envelopes the docs show) or from a local validation failure.
 */
import type { ProtektApiError } from '../types.js';
import { API_ERROR_CODES, CODE_ALIASES, type ApiErrorCode } from './codes.js';
import { camelKeys } from '../util/case.js';

/** An error found before any request was sent (status 0). */
export function localError(code: ApiErrorCode, message: string, details?: Record<string, unknown>): ProtektApiError {
  return details ? { code, message, status: 0, details } : { code, message, status: 0 };
}

/**
 * Reads an error answer. Accepts `{ error: { code, message, details } }` (the OpenAPI envelope)
 * and `{ error: 'code', message, statusCode }` (the concepts page). Returns `null` when the body
 * carries no recognisable error code.
 */
export function parseApiError(status: number, body: unknown): ProtektApiError | null {
  if (typeof body !== 'object' || body === null) return null;
  const envelope = body as Record<string, unknown>;
  const inner = envelope.error;
  let code: unknown;
  let message: unknown;
  let details: unknown;
  if (typeof inner === 'object' && inner !== null) {
    const e = inner as Record<string, unknown>;
    code = e.code;
    message = e.message;
    details = e.details;
  } else if (typeof inner === 'string') {
    code = inner;
    message = envelope.message;
    details = envelope.details;
  }
  if (typeof code !== 'string' || code === '') return null;
  const normalised = CODE_ALIASES[code] ?? code;
  const error: ProtektApiError = {
    code: normalised,
    message: typeof message === 'string' && message !== '' ? message : defaultMessage(normalised),
    status,
  };
  if (typeof details === 'object' && details !== null && !Array.isArray(details)) {
    error.details = camelKeys(details as Record<string, unknown>);
  }
  return error;
}

function defaultMessage(code: string): string {
  return code in API_ERROR_CODES ? `Protekt answered ${code.replace(/_/g, ' ')}.` : `Protekt answered ${code}.`;
}
