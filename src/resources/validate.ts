/**
 * Checks of user input made before anything is sent: a wrong e-mail, a short password, an empty
 * token or a non-E.164 phone comes back as an `error` with status 0 and no request.
 * Each check returns `null` when the value is fine.
 */
import { localError } from '../errors/api-error.js';
import type { ProtektApiError } from '../types.js';
import { isSafeKey } from '../util/case.js';
import type { ApiErrorCode } from '../errors/codes.js';

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
/** Longest token the client will send; real tokens are far shorter. */
export const MAX_TOKEN_LENGTH = 16_384;

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** The parameter object itself must be a plain object. */
export function checkParams(value: unknown, method: string): ProtektApiError | null {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return null;
  return localError('invalid_request', `${method} expects an object of parameters, got ${kind(value)}.`, { field: 'params' });
}

/** An e-mail address. */
export function checkEmail(value: unknown, field = 'email'): ProtektApiError | null {
  if (typeof value !== 'string') return localError('invalid_email', `${field} must be a string, got ${kind(value)}.`, { field });
  if (value.length > 254 || !EMAIL.test(value)) return localError('invalid_email', `${field} is not a valid e-mail address.`, { field });
  return null;
}

/** A new password: 8 to 1024 characters. */
export function checkNewPassword(value: unknown, field = 'password'): ProtektApiError | null {
  if (typeof value !== 'string') return localError('weak_password', `${field} must be a string, got ${kind(value)}.`, { field });
  if (value.length < 8) return localError('weak_password', `${field} must be at least 8 characters long.`, { field, minLength: 8 });
  if (value.length > 1024) return localError('weak_password', `${field} must be at most 1024 characters long.`, { field, maxLength: 1024 });
  return null;
}

/** An existing password (login, change): any non-empty string. */
export function checkPassword(value: unknown, field = 'password'): ProtektApiError | null {
  if (typeof value !== 'string' || value === '') return localError('invalid_request', `${field} must be a non-empty string.`, { field });
  if (value.length > 1024) return localError('invalid_request', `${field} is too long.`, { field });
  return null;
}

/** A token, code or id: a non-empty string of bounded length. */
export function checkString(value: unknown, field: string, code: ApiErrorCode = 'invalid_request'): ProtektApiError | null {
  if (typeof value !== 'string') return localError(code, `${field} must be a string, got ${kind(value)}.`, { field });
  if (value.trim() === '') return localError(code, `${field} must not be empty.`, { field });
  if (value.length > MAX_TOKEN_LENGTH) return localError(code, `${field} is too long.`, { field });
  return null;
}

/** An E.164 phone number such as `+2348012345678`. */
export function checkPhone(value: unknown, field = 'phone'): ProtektApiError | null {
  if (typeof value !== 'string' || !E164.test(value)) {
    return localError('invalid_phone', `${field} must be an E.164 phone number such as +14155550123.`, { field });
  }
  return null;
}

/** One of a fixed set of strings. */
export function checkOneOf(value: unknown, allowed: readonly string[], field: string): ProtektApiError | null {
  if (typeof value === 'string' && allowed.includes(value)) return null;
  return localError('invalid_request', `${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}.`, { field });
}

/** An optional boolean. */
export function checkOptionalBoolean(value: unknown, field: string): ProtektApiError | null {
  if (value === undefined || typeof value === 'boolean') return null;
  return localError('invalid_request', `${field} must be a boolean, got ${kind(value)}.`, { field });
}

/** An absolute http(s) URL. */
export function checkUrl(value: unknown, field: string): ProtektApiError | null {
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.protocol === 'https:' || url.protocol === 'http:') return null;
    } catch {
      // fall through to the error
    }
  }
  return localError('invalid_redirect_url', `${field} must be an absolute http(s) URL.`, { field });
}

/**
 * Metadata: a plain JSON object, at most 16 KiB serialised, with no key that could pollute a
 * prototype (`__proto__`, `constructor`, `prototype`) at any depth.
 */
export function checkMetadata(value: unknown, field = 'metadata'): ProtektApiError | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return localError('invalid_request', `${field} must be a plain object, got ${kind(value)}.`, { field });
  }
  const bad = findUnsafeKey(value, 0);
  if (bad) return localError('invalid_request', `${field} must not contain the key '${bad}'.`, { field });
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return localError('invalid_request', `${field} must be JSON-serialisable.`, { field });
  }
  if (text.length > 16_384) return localError('invalid_request', `${field} must be at most 16 KiB as JSON.`, { field });
  return null;
}

function findUnsafeKey(value: object, depth: number): string | null {
  if (depth > 32) return '(nesting deeper than 32 levels)';
  for (const key of Object.keys(value)) {
    if (!isSafeKey(key)) return key;
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null) {
      const bad = findUnsafeKey(child, depth + 1);
      if (bad) return bad;
    }
  }
  return null;
}

/** The first failing check, or `null`. */
export function firstError(...checks: (ProtektApiError | null)[]): ProtektApiError | null {
  for (const check of checks) if (check) return check;
  return null;
}
