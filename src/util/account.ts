/**
 * The few facts of the Account API that both the client (its input checks) and the emulator (its
 * validation) need: one statement, so the two cannot disagree.
 */

/** The scopes an API key may hold. */
export const API_KEY_SCOPES = ['auth:read', 'auth:write', 'users:read', 'users:write'] as const;

/** A member's roles, from the least to the most powerful. */
export const MEMBER_ROLES = ['developer', 'admin', 'owner'] as const;

/**
 * True for an allowed-origin entry: `scheme://host[:port]` (http or https) with nothing after
 * it, or `https://*.host` for every subdomain of `host`.
 */
export function isOriginPattern(entry: unknown): boolean {
  if (typeof entry !== 'string') return false;
  const plain = entry.replace('://*.', '://');
  try {
    const url = new URL(plain);
    return /^https?:$/.test(url.protocol) && url.hostname !== '' && url.origin === plain;
  } catch {
    return false;
  }
}

/** True for a calendar day written `YYYY-MM-DD` (one that exists). */
export const isIsoDate = (value: unknown): boolean =>
  typeof value === 'string' &&
  /^\d{4}-\d{2}-\d{2}$/.test(value) &&
  !Number.isNaN(Date.parse(value)) &&
  new Date(value).toISOString().startsWith(value);

/** True for an ISO 8601 date-time (`2030-01-31T12:00:00Z`, with a zone or an offset). */
export const isIsoDateTime = (value: unknown): boolean =>
  typeof value === 'string' &&
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
  !Number.isNaN(Date.parse(value));
