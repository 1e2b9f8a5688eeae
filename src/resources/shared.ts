/**
 * What every resource shares: building results, reading wire objects into SDK objects (with
 * a `ProtektError('invalid_response')` when Protekt's answer does not have the documented shape).
 */
import { ProtektError } from '../errors/protekt-error.js';
import type { Transport } from '../http/transport.js';
import type { ApiRequest } from '../http/types.js';
import type { AuthTokens, MfaMethod, ProtektApiError, ProtektUser, Session } from '../types.js';
import { isSafeKey, toSnake } from '../util/case.js';

/** What a resource needs from its client. */
export interface ResourceContext {
  readonly http: Transport;
  /** Seconds sent as `token_expiry` on every call that issues tokens, when configured. */
  readonly tokenExpiry: number | undefined;
}

type Wire = Record<string, unknown>;

/**
 * A failed result: every field of the success shape `null`, plus the error. Widened through
 * `never` because the caller's declared return type is the discriminated union.
 */
export function failure(keys: readonly string[], error: ProtektApiError): never {
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = null;
  out.error = error;
  return out as never;
}

/** A successful result. */
export function success<T extends object>(fields: T): never {
  return { ...fields, error: null } as never;
}

/** A request of a resource method: `method` defaults to POST. */
export type Req = Omit<ApiRequest, 'method'> & { method?: ApiRequest['method'] };

/**
 * The body of every resource method: returns the failure shape when the local checks found
 * `invalid` (nothing is sent), else sends the request (built only then) and maps its data.
 * `keys` are the result's success fields (all `null` on failure); without `map` the result is
 * `{ error: null }`.
 */
export async function call<T extends object>(
  ctx: ResourceContext,
  invalid: ProtektApiError | null,
  keys: readonly string[],
  req: () => Req,
  map?: (data: Wire) => T,
): Promise<never> {
  if (invalid) return failure(keys, invalid);
  const res = await ctx.http.send({ method: 'POST', ...req() });
  if (res.error) return failure(keys, res.error);
  return success(map ? map(res.data ?? {}) : {});
}

/** A wire body: the fields of `params` that are set, named in snake_case. */
export function pick(params: object, keys: readonly string[]): Wire {
  const out: Wire = {};
  for (const key of keys) {
    const value = (params as Wire)[key];
    if (value !== undefined) out[toSnake(key)] = value;
  }
  return out;
}

/** `expires_in` of a send-code answer, or the documented default. */
export function expiresIn(data: Wire, fallback: number): { expiresIn: number } {
  return { expiresIn: typeof data.expires_in === 'number' ? data.expires_in : fallback };
}

// Protekt's answer lacks a documented field, or has it with the wrong type.
function bad(key: string, type: string): never {
  throw new ProtektError('invalid_response', `Protekt's answer did not have the documented shape (${key} is not ${type}).`);
}

/** A required string field. */
export function str(data: Wire, key: string): string {
  const v = data[key];
  return typeof v === 'string' ? v : bad(key, 'a string');
}

/** A required number field. */
export function num(data: Wire, key: string): number {
  const v = data[key];
  return Number.isFinite(v) ? (v as number) : bad(key, 'a number');
}

/** An optional string field (`null` when absent). */
export function optStr(data: Wire, key: string): string | null {
  return data[key] == null ? null : str(data, key);
}

/** A required array field. */
export function arr(data: Wire, key: string): unknown[] {
  const v = data[key];
  return Array.isArray(v) ? v : bad(key, 'an array');
}

/** Copies metadata into a fresh object, skipping prototype-polluting keys. */
export function copyMetadata<M extends object>(value: unknown): M {
  const out: Record<string, unknown> = {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const key of Object.keys(value)) if (isSafeKey(key)) out[key] = (value as Wire)[key];
  }
  return out as M;
}

/** The known MFA methods of a wire list (anything else, or no list, is left out). */
export function mfaMethods(value: unknown): MfaMethod[] {
  return Array.isArray(value) ? value.filter((m): m is MfaMethod => m === 'totp' || m === 'sms') : [];
}

/** Reads a wire `User`. */
export function toUser<M extends object>(data: unknown): ProtektUser<M> {
  if (typeof data !== 'object' || data === null) bad('user', 'an object');
  const u = data as Wire;
  return {
    id: str(u, 'id'),
    email: str(u, 'email'),
    emailVerified: u.email_verified === true,
    mfaEnabled: u.mfa_enabled === true,
    mfaMethods: mfaMethods(u.mfa_methods),
    metadata: copyMetadata<M>(u.metadata),
    disabled: u.disabled === true,
    createdAt: optStr(u, 'created_at') ?? '',
    lastLoginAt: optStr(u, 'last_login_at'),
  };
}

/** Reads a wire `Session`. */
export function toSession(data: unknown): Session {
  if (typeof data !== 'object' || data === null) bad('session', 'an object');
  const s = data as Wire;
  return {
    id: str(s, 'id'),
    ipAddress: optStr(s, 'ip_address') ?? '',
    userAgent: optStr(s, 'user_agent') ?? '',
    createdAt: str(s, 'created_at'),
    lastActiveAt: optStr(s, 'last_active_at') ?? str(s, 'created_at'),
    isCurrent: s.is_current === true,
  };
}

/** Reads a wire `AuthTokenResponse`. */
export function toTokens<M extends object>(data: Wire): AuthTokens<M> {
  return {
    accessToken: str(data, 'access_token'),
    refreshToken: str(data, 'refresh_token'),
    expiresIn: num(data, 'expires_in'),
    tokenType: 'Bearer',
    user: toUser<M>(data.user),
    mfaEnrollmentRequired: data.mfa_enrollment_required === true,
  };
}

/** The success keys of an `AuthTokenResponse` result. */
export const TOKEN_KEYS = ['accessToken', 'refreshToken', 'expiresIn', 'tokenType', 'user', 'mfaEnrollmentRequired'] as const;

/** Adds `token_expiry` to a body when the client has a `tokenExpiry`. */
export function withExpiry(ctx: ResourceContext, body: Wire): Wire {
  if (ctx.tokenExpiry !== undefined) body.token_expiry = ctx.tokenExpiry;
  return body;
}
