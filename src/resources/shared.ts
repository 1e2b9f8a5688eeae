/**
 * What every resource shares: the one method builder (`op`) driven by a small spec per method,
 * building results, and reading wire objects into SDK objects (with a
 * `ProtektError('invalid_response')` when Protekt's answer does not have the documented shape).
 */
import { ProtektError } from '../errors/protekt-error.js';
import type { Send } from '../http/transport.js';
import type { ApiRequest } from '../http/types.js';
import type { MfaMethod, ProtektApiError, ProtektUser, RequestOptions, Session, VerifyTokenResult } from '../types.js';
import { isSafeKey, toSnake } from '../util/case.js';
import { accessToken, checkParams, type Check, type Rule } from './validate.js';
import { isRecord } from '../util/record.js';

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
export type MethodFactory = (ctx: ResourceContext, name: string) => (...args: never[]) => unknown;

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
export function failure(shape: Shape, error: ProtektApiError): never {
  const out: Record<string, unknown> = {};
  for (const key in shape) out[key] = null;
  out.error = error;
  return out as never;
}

/**
 * One argument of a method built by {@link op}: a positional value as `[name, rule]`, or a
 * parameter object as its fields' rules (checked in order). A positional `accessToken` goes in
 * the Authorization header, one named by a `:name` segment of the path fills it, any other is a
 * body field. A parameter object's fields that are set make the body (the query of a GET). Body
 * fields are in snake_case.
 */
export type Arg = readonly [name: string, rule: Rule] | Readonly<Record<string, Rule>>;

/** The user's access token as a positional argument (sent in the Authorization header). */
export const TOKEN: Arg = ['accessToken', accessToken];

/**
 * A resource method from its spec: `route` is `'METHOD /path'`, `args` the arguments before the
 * per-call options, `shape` the result's fields, `finish` completes the body ({@link withExpiry}
 * for a call that issues tokens), `map` replaces reading the answer into `shape`. Nothing is sent
 * unless every argument passes its checks. A GET's parameter object (filters) may be left out.
 */
export function op(route: string, args: readonly Arg[], shape: Shape = {}, finish?: Finish, map?: (data: Wire) => object): MethodFactory {
  const [method, path] = route.split(' ') as [ApiRequest['method'], string];
  return (ctx, name) =>
    async (...values: unknown[]) => {
      let invalid: Check = null;
      let body: Wire | undefined;
      const req: ApiRequest = { method, path, options: values[args.length] as RequestOptions | undefined };
      // Each argument is checked, then (only when it passed: encodeURIComponent throws on what the
      // checks refuse) put in the request; the first failure stops it all.
      for (let i = 0, arg; (arg = args[i]); i++) {
        const value = values[i];
        if (Array.isArray(arg)) {
          const [key, rule] = arg as readonly [string, Rule];
          if ((invalid = rule(value, key, values))) break;
          if (key === 'accessToken') req.accessToken = value as string;
          else if (path.includes(`:${key}`)) req.path = path.replace(`:${key}`, encodeURIComponent(value as string));
          else (body ??= {})[toSnake(key)] = value;
        } else {
          const params = (value === undefined && method === 'GET' ? {} : value) as Wire;
          if ((invalid = checkParams(params, name, arg as Record<string, Rule>))) break;
          // The fields that are set, in snake_case.
          body ??= {};
          for (const key in arg) if (params[key] !== undefined) body[toSnake(key)] = params[key];
        }
      }
      // Nothing is sent when a check failed.
      if (invalid) return failure(shape, invalid);
      if (method === 'GET') req.query = body && `${new URLSearchParams(body as Record<string, string>)}`;
      else req.body = finish ? finish(body!, ctx, values) : body;
      const res = await ctx.send(req);
      if (res.error) return failure(shape, res.error);
      const data = res.data ?? {};
      // `map` may return a whole failed result (the login MFA challenge); else a fresh object.
      const out = (map ? map(data) : read(shape, data)) as Wire;
      return 'error' in out ? out : ((out.error = null), out);
    };
}

// Protekt's answer lacks a documented field, or has it with the wrong type.
function bad(key: string, type: string): never {
  throw new ProtektError('invalid_response', `Protekt's answer is malformed (${key} is not ${type}).`);
}

/** How one field of a result is read from Protekt's answer; `key` is the field's snake_case name. */
export type Field = (data: Wire, key: string) => unknown;
/** The fields of a result, each with how it is read (also the fields set to `null` on failure). */
export type Shape = Readonly<Record<string, Field>>;

/** Reads `data` into a shape; with `what`, `data` must be an object (`what` names it in the error). */
export function read<T>(shape: Shape, data: unknown, what?: string): T {
  if (what && (typeof data !== 'object' || data === null)) bad(what, 'an object');
  const out: Record<string, unknown> = {};
  for (const key in shape) out[key] = shape[key]!(data as Wire, toSnake(key));
  return out as T;
}

/** A required string field. */
export const str: Field = (data, key) => (typeof data[key] === 'string' ? data[key] : bad(key, 'a string'));

/** A required number field. */
export const num: Field = (data, key) => (Number.isFinite(data[key]) ? data[key] : bad(key, 'a number'));

/** An optional string field (`null` when absent). */
export const optStr: Field = (data, key) => (data[key] == null ? null : str(data, key));

/** A flag: `true` only when the answer says `true`. */
export const flag: Field = (data, key) => data[key] === true;

/** A required array field. */
export function arr(data: Wire, key: string): unknown[] {
  const v = data[key];
  return Array.isArray(v) ? v : bad(key, 'an array');
}

/** `expires_in` of a send-code answer, or the documented default. */
export const expiresIn =
  (fallback: number): Field =>
  (data, key) =>
    typeof data[key] === 'number' ? data[key] : fallback;

/** The known MFA methods of a wire list (anything else, or no list, is left out). */
export function mfaMethods(value: unknown): MfaMethod[] {
  return Array.isArray(value) ? value.filter((m): m is MfaMethod => m === 'totp' || m === 'sms') : [];
}

const orEmpty: Field = (data, key) => optStr(data, key) ?? '';

/** A wire `User`. */
const USER: Shape = {
  id: str,
  email: str,
  emailVerified: flag,
  mfaEnabled: flag,
  mfaMethods: (data, key) => mfaMethods(data[key]),
  // A fresh object, without prototype-polluting keys.
  metadata: (data, key) => {
    const value = data[key];
    const out: Wire = {};
    if (isRecord(value)) {
      for (const name of Object.keys(value)) if (isSafeKey(name)) out[name] = (value as Wire)[name];
    }
    return out;
  },
  disabled: flag,
  createdAt: orEmpty,
  lastLoginAt: optStr,
};

/** Reads a wire `User`. */
export const toUser = <M extends object>(data: unknown): ProtektUser<M> => read(USER, data, 'user');

/** The `user` field of an answer. */
export const user: Field = (data, key) => toUser(data[key]);

/** Reads a wire `Session`. */
export const toSession = (data: unknown): Session =>
  read(
    {
      id: str,
      ipAddress: orEmpty,
      userAgent: orEmpty,
      createdAt: str,
      lastActiveAt: (data, key) => optStr(data, key) ?? str(data, 'created_at'),
      isCurrent: flag,
    },
    data,
    'session',
  );

/** A new token pair (a refresh's result; an answer without both tokens is invalid_response). */
export const PAIR: Shape = { accessToken: str, refreshToken: str, expiresIn: num };

/** An `AuthTokenResponse`. */
export const TOKENS: Shape = {
  ...PAIR,
  tokenType: () => 'Bearer',
  user,
  mfaEnrollmentRequired: flag,
};

/** Completes the body of a request built by {@link op}; `values` are the method's arguments. */
export type Finish = (body: Wire, ctx: ResourceContext, values: unknown[]) => Wire;

/** Adds `token_expiry` to a body when the client has a `tokenExpiry`. */
export const withExpiry: Finish = (body, ctx) => {
  if (ctx.tokenExpiry !== undefined) body.token_expiry = ctx.tokenExpiry;
  return body;
};
