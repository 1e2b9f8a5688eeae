/**
 * What every resource shares: the one method builder (`op`) driven by a small spec per method,
 * building results, and reading wire objects into SDK objects (with a
 * `ProtektError('invalid_response')` when Protekt's answer does not have the documented shape).
 */
import { ProtektError } from '../errors/protekt-error.js';
import type { Send } from '../http/transport.js';
import type { ApiRequest } from '../http/types.js';
import type { AuthTokens, MfaMethod, ProtektApiError, ProtektUser, RequestOptions, Session, VerifyTokenResult } from '../types.js';
import { isSafeKey, toSnake } from '../util/case.js';
import { checkFields, checkParams, type Check, type Rule } from './validate.js';

/** Verifies access tokens for `auth.verifyToken` (see `src/tokens`). */
export interface TokenVerifier<M extends object> {
  verify(token: unknown, options?: RequestOptions): Promise<VerifyTokenResult<M>>;
}

/** What a resource needs from its client. */
export interface ResourceContext {
  /** The client's transport. */
  readonly send: Send;
  /** Seconds sent as `token_expiry` on every call that issues tokens, when configured. */
  readonly tokenExpiry: number | undefined;
  /** The verifier behind `auth.verifyToken`. */
  readonly verifier: TokenVerifier<object>;
  /** The API base URL (for `auth`'s URL builders). */
  readonly baseUrl: string;
  /** The project's login id (for `auth`'s URL builders). */
  readonly loginId: string;
}

type Wire = Record<string, unknown>;

/** Builds one method of a resource for a client; `name` is `resource.method` (for messages). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MethodFactory = (ctx: ResourceContext, name: string) => (...args: any[]) => unknown;

/** Builds a resource object: each method of `table` bound to the client's context. */
export function resource<T>(ctx: ResourceContext, prefix: string, table: Record<string, MethodFactory>): T {
  const out: Record<string, unknown> = {};
  for (const key in table) out[key] = table[key]!(ctx, `${prefix}.${key}`);
  return out as T;
}

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

/** A request of a resource method: `method` defaults to POST. */
export type Req = Omit<ApiRequest, 'method'> & { method?: ApiRequest['method'] };

/**
 * The body of every resource method: returns the failure shape when the local checks found
 * `invalid` (nothing is sent), else sends the request (built only then) and maps its data.
 * `keys` are the result's success fields (all `null` on failure); without `map` the result is
 * `{ error: null }`. A `map` may return a whole failed result instead (the login MFA challenge).
 */
export async function call(ctx: ResourceContext, invalid: Check, keys: readonly string[], req: () => Req, map?: (data: Wire) => object): Promise<never> {
  if (invalid) return failure(keys, invalid);
  const res = await ctx.send({ method: 'POST', ...req() });
  if (res.error) return failure(keys, res.error);
  const out = map ? map(res.data ?? {}) : {};
  return ('error' in out ? out : { ...out, error: null }) as never;
}

/**
 * One argument of a method built by {@link op}: a positional value as `[name, rule]`, or a
 * parameter object as its fields' rules (checked in order). A positional `accessToken` goes in
 * the Authorization header, one named by a `:name` segment of the path fills it, any other is a
 * body field. A parameter object's fields that are set make the body (the query of a GET), in
 * snake_case.
 */
export type Arg = readonly [name: string, rule: Rule] | Readonly<Record<string, Rule>>;

/**
 * A resource method from its spec: `route` is `'METHOD /path'`, `keys` the result's success
 * fields, `args` the arguments before the per-call options, `map` reads the answer's data,
 * `expiry` adds `token_expiry` (a call that issues tokens). Nothing is sent unless every
 * argument passes its checks.
 */
export function op(route: string, keys: readonly string[], args: readonly Arg[], map?: (data: Wire) => object, expiry?: boolean): MethodFactory {
  const [method, path] = route.split(' ') as [ApiRequest['method'], string];
  return (ctx, name) =>
    async (...values: unknown[]) => {
      let invalid: Check = null;
      args.forEach((arg, i) => {
        invalid ??= Array.isArray(arg) ? arg[1](values[i], arg[0], values) : (checkParams(values[i], name) ?? checkFields(values[i] as Wire, arg as Record<string, Rule>));
      });
      return call(
        ctx,
        invalid,
        keys,
        () => {
          const req: Req = { method, path, options: values[args.length] as RequestOptions | undefined };
          let body: Wire | undefined;
          args.forEach((arg, i) => {
            const value = values[i] as string;
            if (!Array.isArray(arg)) body = pick(values[i] as Wire, Object.keys(arg));
            else if (arg[0] === 'accessToken') req.accessToken = value;
            else if (path.includes(`:${arg[0]}`)) req.path = path.replace(`:${arg[0]}`, encodeURIComponent(value));
            else (body ??= {})[arg[0]] = value;
          });
          if (method === 'GET') req.query = body && `${new URLSearchParams(body as Record<string, string>)}`;
          else req.body = expiry ? withExpiry(ctx, body!) : body;
          return req;
        },
        map,
      );
    };
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
  throw new ProtektError('invalid_response', `Protekt's answer is malformed (${key} is not ${type}).`);
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
