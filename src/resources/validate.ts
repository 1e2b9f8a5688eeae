/**
 * Checks of user input made before anything is sent: a wrong e-mail, a short password, an empty
 * token or a non-E.164 phone comes back as an `error` with status 0 and no request.
 * Each check returns `null` when the value is fine.
 */
import { localError } from '../errors/api-error.js';
import type { ProtektApiError } from '../types.js';
import { isSafeKey } from '../util/case.js';
import type { ApiErrorCode } from '../errors/codes.js';

type Check = ProtektApiError | null;

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
/** Longest token the client will send; real tokens are far shorter. */
export const MAX_TOKEN_LENGTH = 16_384;

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

// One local error: the message starts with the field name; `details.field` names it too.
function bad(code: ApiErrorCode, field: string, text: string, extra?: Record<string, unknown>): ProtektApiError {
  return localError(code, `${field} ${text}`, { field, ...extra });
}

function notString(code: ApiErrorCode, field: string, value: unknown): Check {
  return typeof value === 'string' ? null : bad(code, field, `must be a string, got ${kind(value)}.`);
}

/** The parameter object itself must be a plain object. */
export function checkParams(value: unknown, method: string): Check {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return null;
  return localError('invalid_request', `${method} expects an object of parameters, got ${kind(value)}.`, { field: 'params' });
}

/** An e-mail address. */
export function checkEmail(value: unknown, field = 'email'): Check {
  return (
    notString('invalid_email', field, value) ??
    ((value as string).length > 254 || !EMAIL.test(value as string) ? bad('invalid_email', field, 'is not a valid e-mail address.') : null)
  );
}

/** A new password: 8 to 1024 characters. */
export function checkNewPassword(value: unknown, field = 'password'): Check {
  const n = typeof value === 'string' ? value.length : 0;
  return (
    notString('weak_password', field, value) ??
    (n < 8
      ? bad('weak_password', field, 'must be at least 8 characters long.', { minLength: 8 })
      : n > 1024
        ? bad('weak_password', field, 'must be at most 1024 characters long.', { maxLength: 1024 })
        : null)
  );
}

/** An existing password (login, change): any non-empty string. */
export function checkPassword(value: unknown, field = 'password'): Check {
  if (typeof value !== 'string' || value === '') return bad('invalid_request', field, 'must be a non-empty string.');
  return value.length > 1024 ? bad('invalid_request', field, 'is too long.') : null;
}

/** A token, code or id: a non-empty string of bounded length. */
export function checkString(value: unknown, field: string, code: ApiErrorCode = 'invalid_request'): Check {
  return (
    notString(code, field, value) ??
    ((value as string).trim() === ''
      ? bad(code, field, 'must not be empty.')
      : (value as string).length > MAX_TOKEN_LENGTH
        ? bad(code, field, 'is too long.')
        : /\p{Cs}/u.test(value as string) // a lone surrogate: not text, and encodeURIComponent throws on it
          ? bad(code, field, 'is not well-formed Unicode.')
          : null)
  );
}

/** A user's access token, for user-scoped calls. */
export function checkAccessToken(value: unknown): Check {
  // Sent in the Authorization header: a control character or space would make fetch refuse the
  // header (a misleading network_error), so it is refused here as the bad token it is.
  return (
    checkString(value, 'accessToken', 'token_invalid') ??
    (/[^\x21-\x7e]/.test(value as string) ? bad('token_invalid', 'accessToken', 'must be printable ASCII.') : null)
  );
}

/** An E.164 phone number such as `+2348012345678`. */
export function checkPhone(value: unknown, field = 'phone'): Check {
  return typeof value === 'string' && E164.test(value) ? null : bad('invalid_phone', field, 'must be an E.164 phone number such as +14155550123.');
}

/** One of a fixed set of strings. */
export function checkOneOf(value: unknown, allowed: readonly string[], field: string): Check {
  return typeof value === 'string' && allowed.includes(value) ? null : bad('invalid_request', field, `must be one of '${allowed.join("', '")}'.`);
}

/** An optional boolean. */
export function checkOptionalBoolean(value: unknown, field: string): Check {
  return value === undefined || typeof value === 'boolean' ? null : bad('invalid_request', field, `must be a boolean, got ${kind(value)}.`);
}

/** An absolute http(s) URL, when given. */
export function checkUrl(value: unknown, field: string): Check {
  if (value === undefined) return null;
  try {
    if (typeof value === 'string' && /^https?:$/.test(new URL(value).protocol)) return null;
  } catch {
    // not a URL: the error below
  }
  return bad('invalid_redirect_url', field, 'must be an absolute http(s) URL.');
}

/**
 * Metadata, when given: a plain JSON object, at most 16 KiB serialised, with no key that could
 * pollute a prototype (`__proto__`, `constructor`, `prototype`) at any depth.
 */
export function checkMetadata(value: unknown, field = 'metadata'): Check {
  if (value === undefined) return null;
  const proto = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    // Arrays, Dates, boxed strings, class instances: not a JSON object once serialised.
    return bad('invalid_request', field, `must be a plain object, got ${kind(value)}.`);
  }
  const unsafe = findUnsafeKey(value, 0);
  if (unsafe) return bad('invalid_request', field, `must not contain the key '${unsafe}'.`);
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return bad('invalid_request', field, 'must be JSON-serialisable.');
  }
  return text.length > 16_384 ? bad('invalid_request', field, 'must be at most 16 KiB as JSON.') : null;
}

function findUnsafeKey(value: object, depth: number): string | null {
  if (depth > 32) return '(nesting deeper than 32 levels)';
  for (const key of Object.keys(value)) {
    if (!isSafeKey(key)) return key;
    const child = (value as Record<string, unknown>)[key];
    const found = typeof child === 'object' && child !== null ? findUnsafeKey(child, depth + 1) : null;
    if (found) return found;
  }
  return null;
}

/** The first failing check, or `null`. */
export function firstError(...checks: Check[]): Check {
  return checks.find((c) => c) ?? null;
}
