/**
 * Checks of user input made before anything is sent: a wrong e-mail, a short password, an empty
 * token or a non-E.164 phone comes back as an `error` with status 0 and no request.
 * Each rule takes the value and the field name and returns `null` when the value is fine; a rule
 * across several fields is the `check` of a parameter object (see operation.ts).
 */
import {
  jsonByteLength,
  METADATA_MAX_BYTES,
  METADATA_MAX_DEPTH,
  TOKEN_MAX_LENGTH,
} from '../util/limits.js';
import type { ProtektApiError, ReturnedErrorCode } from '../types.js';
import { isSafeKey } from '../util/case.js';

/** A failed check, or `null`. */
export type InputCheck = ProtektApiError | null;
/** One rule: checks `value`, named `field` in the failure's message and `details.field`. */
export type InputRule = (value: unknown, field: string) => InputCheck;

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
/** Longest token the client will send (what the API reads). */
export const MAX_TOKEN_LENGTH = TOKEN_MAX_LENGTH;

/**
 * One local error (status 0: nothing was sent): the message starts with `name`, usually the
 * field's; `details.field` names the field.
 */
export function inputError(
  code: ReturnedErrorCode,
  name: string,
  text: string,
  extra?: Record<string, unknown>,
): ProtektApiError {
  return { code, message: `${name} ${text}`, status: 0, details: { field: name, ...extra } };
}

/** A rule that lets `undefined` through. */
export const optional =
  (rule: InputRule): InputRule =>
  (value, field) =>
    value === undefined ? null : rule(value, field);

/** An e-mail address. */
export const email: InputRule = (value, field) =>
  typeof value === 'string' && value.length <= 254 && EMAIL.test(value)
    ? null
    : inputError('invalid_email', field, 'must be a valid e-mail address.');

/** A new password: a string of 8 to 1024 characters. */
export const newPassword: InputRule = (value, field) =>
  typeof value === 'string' && value.length >= 8 && value.length <= 1024
    ? null
    : inputError('weak_password', field, 'must be a string of 8 to 1024 characters.', {
        minLength: 8,
        maxLength: 1024,
      });

/** An existing password (login, change): a non-empty string of at most 1024 characters. */
export const password: InputRule = (value, field) =>
  typeof value === 'string' && value !== '' && value.length <= 1024
    ? null
    : inputError('invalid_request', field, 'must be a string of 1 to 1024 characters.');

/** A token, code or id: a non-empty string of bounded length; a failure has `code`. */
export const text =
  (code: ReturnedErrorCode = 'invalid_request'): InputRule =>
  (value, field) =>
    // A lone surrogate is not text (and encodeURIComponent throws on it).
    typeof value === 'string' &&
    value.trim() !== '' &&
    value.length <= MAX_TOKEN_LENGTH &&
    !/\p{Cs}/u.test(value)
      ? null
      : inputError(
          code,
          field,
          `must be a well-formed string of 1 to ${MAX_TOKEN_LENGTH} characters.`,
        );

/**
 * An id that fills a path segment (`/auth/users/{userId}`): 1 to 256 printable ASCII characters,
 * no `/`, and not `.` or `..`, which a URL resolves as "this" or "the parent" segment: a
 * `sessions.revoke('.')` would otherwise become `DELETE /auth/sessions/`.
 */
export const pathId: InputRule = (value, field) =>
  typeof value === 'string' && /^[\x21-\x2e\x30-\x7e]{1,256}$/.test(value) && !/^\.\.?$/.test(value)
    ? null
    : inputError(
        'invalid_request',
        field,
        'must be an id: 1 to 256 printable ASCII characters, no "/", not "." or "..".',
      );

/**
 * A user's access token, for user-scoped calls. Sent in the Authorization header: a control
 * character or space would make fetch refuse the header (a misleading network_error), so only
 * printable ASCII is accepted.
 */
export const accessToken: InputRule = (value, field) =>
  typeof value === 'string' && value.length <= MAX_TOKEN_LENGTH && /^[\x21-\x7e]+$/.test(value)
    ? null
    : inputError(
        'token_invalid',
        field,
        `must be 1 to ${MAX_TOKEN_LENGTH} printable ASCII characters.`,
      );

/** An E.164 phone number such as `+2348012345678`. */
export const phone: InputRule = (value, field) =>
  typeof value === 'string' && /^\+[1-9]\d{6,14}$/.test(value)
    ? null
    : inputError('invalid_phone', field, 'must be an E.164 phone number (+14155550123).');

/** One of a fixed set of strings. */
export const oneOf =
  (allowed: readonly string[]): InputRule =>
  (value, field) =>
    typeof value === 'string' && allowed.includes(value)
      ? null
      : inputError('invalid_request', field, `must be one of '${allowed.join("', '")}'.`);

/** An optional boolean. */
export const boolean = optional((value, field) =>
  typeof value === 'boolean' ? null : inputError('invalid_request', field, 'must be a boolean.'),
);

/** An absolute http(s) URL, when given. */
export const url = optional((value, field) => {
  try {
    if (typeof value === 'string' && /^https?:$/.test(new URL(value).protocol)) return null;
  } catch {
    // not a URL: the error below
  }
  return inputError('invalid_redirect_url', field, 'must be an absolute http(s) URL.');
});

/**
 * Metadata, when given: a plain JSON object, at most 8 KiB of UTF-8 JSON, with no key that could
 * pollute a prototype (`__proto__`, `constructor`, `prototype`) at any depth.
 */
export const metadata = optional((value, field) => {
  // Arrays, Dates, boxed strings, class instances are not a JSON object once serialised.
  const proto =
    typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  const unsafe =
    proto === Object.prototype || proto === null ? findUnsafeKey(value as object, 0) : '';
  if (unsafe) return inputError('invalid_request', field, `must not contain the key '${unsafe}'.`);
  try {
    if (unsafe === null && jsonByteLength(value) <= METADATA_MAX_BYTES) return null;
  } catch {
    // not serialisable (a cycle, a BigInt, a toJSON giving nothing): refused below
  }
  return inputError('invalid_request', field, 'must be a JSON object of at most 8 KiB (UTF-8).');
});

/**
 * {@link metadata} as a function of the value alone (the emulator's tests compare their limits).
 */
export const checkMetadata = (value: unknown, field = 'metadata'): InputCheck =>
  metadata(value, field);

function findUnsafeKey(value: object, depth: number): string | null {
  if (depth > METADATA_MAX_DEPTH) return `(nesting deeper than ${METADATA_MAX_DEPTH} levels)`;
  for (const key of Object.keys(value)) {
    if (!isSafeKey(key)) return key;
    const child = (value as Record<string, unknown>)[key];
    const found =
      typeof child === 'object' && child !== null ? findUnsafeKey(child, depth + 1) : null;
    if (found) return found;
  }
  return null;
}
