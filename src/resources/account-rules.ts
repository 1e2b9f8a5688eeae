/**
 * Input checks of the Account API's methods (see validate.ts for the model: `null` when the value
 * is fine, else a local error with status 0 and nothing sent).
 */
import { API_KEY_SCOPES, isIsoDate, isIsoDateTime, isOriginPattern } from '../util/account.js';
import { type InputRule, inputError, optional, url } from './validate.js';

/** An absolute http(s) URL, required. */
export const requiredUrl: InputRule = (value, field) =>
  value === undefined
    ? inputError('invalid_redirect_url', field, 'must be an absolute http(s) URL.')
    : url(value, field);

/** A name or label: a string of 1 to `max` characters, not only spaces. */
export const label =
  (max: number): InputRule =>
  (value, field) =>
    typeof value === 'string' && value.trim() !== '' && value.length <= max
      ? null
      : inputError('invalid_request', field, `must be a string of 1 to ${max} characters.`);

/** An integer from `min` to `max`, when given. */
export const integerIn = (min: number, max: number): InputRule =>
  optional((value, field) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max
      ? null
      : inputError('invalid_request', field, `must be an integer from ${min} to ${max}.`),
  );

/** Allowed origins: up to 50 entries such as `https://app.example.com` or `https://*.example.com`. */
export const origins: InputRule = (value, field) =>
  Array.isArray(value) && value.length <= 50 && value.every(isOriginPattern)
    ? null
    : inputError(
        'invalid_request',
        field,
        'must be an array of at most 50 origins such as https://app.example.com or https://*.example.com.',
      );

/** API key scopes, when given: one or more of `auth:read`, `auth:write`, `users:read`, `users:write`. */
export const scopes: InputRule = optional((value, field) =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every((scope) => (API_KEY_SCOPES as readonly unknown[]).includes(scope))
    ? null
    : inputError(
        'invalid_request',
        field,
        `must list one or more of ${API_KEY_SCOPES.join(', ')}.`,
      ),
);

/** An ISO 8601 date-time with a zone (`2030-01-31T12:00:00Z`), when given. */
export const dateTime: InputRule = optional((value, field) =>
  isIsoDateTime(value)
    ? null
    : inputError(
        'invalid_request',
        field,
        'must be an ISO 8601 date-time such as 2030-01-31T12:00:00Z.',
      ),
);

/** A calendar day `YYYY-MM-DD`, when given. */
export const day: InputRule = optional((value, field) =>
  isIsoDate(value)
    ? null
    : inputError('invalid_request', field, 'must be a date written YYYY-MM-DD.'),
);
