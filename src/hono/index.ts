/**
 * `@protekt/node/hono`: a Hono middleware that guards routes with Protekt access tokens.
 *
 * ```ts
 * import { Hono } from 'hono';
 * import { Protekt } from '@protekt/node';
 * import { protektAuth, type ProtektVariables } from '@protekt/node/hono';
 *
 * const app = new Hono<{ Variables: ProtektVariables }>();
 * app.use('/api/*', protektAuth({ client: new Protekt({ loginId, apiKey }) }));
 * app.get('/api/me', (c) => c.json({ id: c.get('user').id }));
 * ```
 *
 * Web standards and `hono` only. The module never builds a client itself (it holds no copy of
 * the SDK core): the client is passed in, or made by the application's own `fromEnv` factory.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { ProtektError } from '../errors/protekt-error.js';
import { unknownOption } from '../util/option-names.js';
import { ownProps } from '../util/record.js';
import type {
  DefaultMetadata,
  ProtektApiError,
  ProtektClaims,
  ProtektUser,
  RequestOptions,
  VerifyTokenResult,
} from '../types.js';

/**
 * What the middleware needs of a client: `auth.verifyToken`. A `Protekt` instance fits, and so
 * does a `Protekt.mock({ verifyToken })` in unit tests.
 */
export interface ProtektTokenClient<M extends object = DefaultMetadata> {
  /** The client's `auth` resource. */
  readonly auth: {
    /** Verifies an access token (see `Protekt#auth.verifyToken`). */
    verifyToken(token: string, options?: RequestOptions): Promise<VerifyTokenResult<M>>;
  };
}

/**
 * Context variables set by a required {@link protektAuth}: use as
 * `new Hono<{ Variables: ProtektVariables<M> }>()`, then `c.get('user')` is a `ProtektUser<M>` and
 * `c.get('claims')` the verified token claims.
 */
export type ProtektVariables<M extends object = DefaultMetadata> = {
  /** The signed-in user, built from the verified token's claims. */
  user: ProtektUser<M>;
  /** The verified access token's claims. */
  claims: ProtektClaims;
};

/**
 * Context variables set by `protektAuth({ optional: true })`: `user` and `claims` are `null` for
 * an anonymous request.
 */
export type ProtektOptionalVariables<M extends object = DefaultMetadata> = {
  /** The signed-in user, or `null` when the request carried no token. */
  user: ProtektUser<M> | null;
  /** The verified claims, or `null` when the request carried no token. */
  claims: ProtektClaims | null;
};

/** Options shared by every form of {@link protektAuth}. */
export interface ProtektAuthCommonOptions {
  /**
   * Also read the access token from this cookie when the request has no `Authorization: Bearer`
   * header (the header wins when both are present). Off by default.
   */
  cookie?: string | undefined;
  /** `realm` of the `WWW-Authenticate` challenge. Default `"protekt"`. */
  realm?: string | undefined;
  /**
   * `true` lets requests without any token through with `user` and `claims` set to `null`. A token
   * that is present but invalid, expired or revoked is still answered 401, so that the caller
   * learns it must refresh or sign in again. Default `false`.
   */
  optional?: boolean | undefined;
  /**
   * Called before the middleware answers a refusal (401) or an outage (503), with what it is
   * about to report and the context: log it, or return a `Response` to answer instead (your own
   * envelope, a redirect to the login page). Returning nothing keeps the default answer.
   */
  onError?:
    | ((
        error: ProtektAuthError,
        c: Context,
      ) => Response | undefined | Promise<Response | undefined>)
    | undefined;
}

/**
 * What the middleware refuses a request with: `token_missing`, `token_invalid`, `token_expired`,
 * `token_revoked` (401) or `service_unavailable` (503). `cause` is the verification's own error
 * (its `details.reason` says which rule failed) or the thrown `ProtektError` of an outage.
 */
export interface ProtektAuthError {
  /** The code the answer carries. */
  code: string;
  /** The fixed message the answer carries (nothing from the token). */
  message: string;
  /** The answer's status. */
  status: 401 | 503;
  /** What caused it, when something did: never the token itself. */
  cause?: ProtektApiError | ProtektError | undefined;
}

/** Options of {@link protektAuth} with a client made once, outside the middleware. */
export interface ProtektAuthClientOptions<M extends object = DefaultMetadata>
  extends ProtektAuthCommonOptions {
  /** The client that verifies tokens (create it once and share it: it holds the key cache). */
  client: ProtektTokenClient<M>;
  /** Not with `client`. */
  fromEnv?: never;
}

/**
 * Options of {@link protektAuth} with a client made lazily from the request's bindings (`c.env`),
 * for Cloudflare Workers, where credentials exist only as bindings.
 */
export interface ProtektAuthEnvOptions<
  M extends object = DefaultMetadata,
  B extends object = object,
> extends ProtektAuthCommonOptions {
  /**
   * Makes the client from `c.env`, e.g.
   * `(env) => new Protekt({ loginId: env.PROTEKT_LOGIN_ID, apiKey: env.PROTEKT_API_KEY })`.
   * Called on the first request only: the client is kept for the life of the isolate, for the
   * same bindings (same `env` object, or the same string values in it). If it throws (e.g. a
   * missing secret), the error propagates to Hono's error handler (500) and the next request tries
   * again.
   */
  fromEnv: (env: B) => ProtektTokenClient<M>;
  /** Not with `fromEnv`. */
  client?: never;
}

/** Options of {@link protektAuth}: a `client`, or a `fromEnv` factory, plus the common options. */
export type ProtektAuthOptions<M extends object = DefaultMetadata, B extends object = object> =
  | ProtektAuthClientOptions<M>
  | ProtektAuthEnvOptions<M, B>;

/** The Hono environment a {@link protektAuth} middleware contributes. */
export type ProtektAuthEnv<V extends object, B extends object = object> = {
  Bindings: B;
  Variables: V;
};

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([\w\-.~+/]+=*) *$/i;

/** Scalar values of the bindings (vars and secrets): the same deployment gives the same key. */
const envKey = (env: object): string =>
  JSON.stringify(
    Object.entries(env).filter(([, v]) => typeof v !== 'object' && typeof v !== 'function'),
  );

/**
 * Hono middleware that requires (or, with `optional: true`, accepts) a Protekt access token.
 *
 * The token is read from `Authorization: Bearer <token>` (the scheme is case-insensitive) or, when
 * `cookie` is set and no bearer header was sent, from that cookie; it is verified with
 * `client.auth.verifyToken` (signature, issuer, audience, expiry, revocation). On success
 * `c.get('user')` and `c.get('claims')` are set and the next handler runs. Otherwise:
 *
 * - no token: **401** with `WWW-Authenticate: Bearer realm="protekt"` (RFC 6750 §3.1: no error
 *   code)
 *   and `{"error":{"code":"token_missing",...}}`;
 * - a malformed `Authorization: Bearer` value, or a token that is forged, expired, revoked, for
 *   another project or not an access token: **401** with
 *   `WWW-Authenticate: Bearer realm="protekt", error="invalid_token", error_description="..."`
 *   and `{"error":{"code":"token_invalid"|"token_expired"|"token_revoked",...}}`;
 * - `verifyToken` throws a `ProtektError` (no signing key can be had, Protekt unreachable with
 *   fail-closed revocation, API key rejected): **503** with `Retry-After` and
 *   `{"error":{"code":"service_unavailable",...}}`: an outage is not the caller's fault. Any other
 *   thrown error goes to Hono's error handler.
 *
 * Every refusal carries `Cache-Control: no-store`. Descriptions are fixed texts: nothing from the
 * token is echoed.
 *
 * @example Cloudflare Workers, client made once per isolate from the bindings
 * ```ts
 * app.use('/api/*', protektAuth({
 *   fromEnv: (env: Bindings) =>
 *     new Protekt({ loginId: env.PROTEKT_LOGIN_ID, apiKey: env.PROTEKT_API_KEY }),
 * }));
 * ```
 */
export function protektAuth<M extends object = DefaultMetadata, B extends object = object>(
  options: ProtektAuthOptions<M, B> & { optional: true },
): MiddlewareHandler<ProtektAuthEnv<ProtektOptionalVariables<M>, B>>;
export function protektAuth<M extends object = DefaultMetadata, B extends object = object>(
  options: ProtektAuthOptions<M, B> & { optional?: false },
): MiddlewareHandler<ProtektAuthEnv<ProtektVariables<M>, B>>;
export function protektAuth<M extends object = DefaultMetadata, B extends object = object>(
  options: ProtektAuthOptions<M, B>,
): MiddlewareHandler<ProtektAuthEnv<ProtektOptionalVariables<M>, B>>;
export function protektAuth<M extends object = DefaultMetadata, B extends object = object>(
  options: ProtektAuthOptions<M, B>,
): MiddlewareHandler {
  const settings = checkMiddlewareOptions(options);
  const { cookie, optional, onError } = settings;
  const clientFor = clientResolver(settings);
  const realm = `Bearer realm="${settings.realm ?? 'protekt'}"`;
  // Every refusal goes through the onError hook first, which may answer instead.
  const answer = async (c: Context, refusal: Refusal): Promise<Response> =>
    (await onError?.(refusal.error, c)) ?? refuse(c, refusal);

  const middleware: MiddlewareHandler<ProtektAuthEnv<ProtektOptionalVariables<M>, B>> = async (
    c,
    next,
  ) => {
    const token = requestToken(c, cookie);
    if (token === null) return answer(c, invalidToken(realm, 'token_invalid'));
    if (!token) {
      if (!optional) return answer(c, missingToken(realm));
      c.set('user', null);
      c.set('claims', null);
      return next();
    }
    const protekt = clientFor(c.env); // a configuration error here is not an outage: let it throw
    let result: VerifyTokenResult<M>;
    try {
      result = await protekt.auth.verifyToken(token);
    } catch (err) {
      return answer(c, outage(err));
    }
    if (result.error) return answer(c, invalidToken(realm, result.error.code, result.error));
    c.set('user', result.user);
    c.set('claims', result.claims);
    return next();
  };
  return middleware as MiddlewareHandler;
}

/** The options `protektAuth` knows (an unknown one is refused, naming the nearest). */
const MIDDLEWARE_OPTION_NAMES = ['client', 'fromEnv', 'cookie', 'realm', 'optional', 'onError'];

/**
 * Mistakes in the middleware's options, refused when the app is built, not on a request. Returns
 * the options' own properties only: an `optional` or `client` set on a polluted Object.prototype
 * must not loosen or replace anything.
 */
function checkMiddlewareOptions<T extends object>(given: T): T {
  const refuseOption = (option: string, why: string): never => {
    throw new ProtektError('config_invalid', `protektAuth option ${option} ${why}`, {
      details: { option },
    });
  };
  if (typeof given !== 'object' || given === null) {
    refuseOption('options', 'must be an object { client } or { fromEnv }.');
  }
  const options = ownProps(given);
  const unknown = unknownOption(options, MIDDLEWARE_OPTION_NAMES);
  if (unknown) refuseOption(unknown.name, unknown.why);
  const { realm, onError } = options as ProtektAuthCommonOptions;
  // The realm goes into a header: a quote, a backslash or a line break would break every 401.
  if (
    realm !== undefined &&
    !(typeof realm === 'string' && /^[\x20-\x7e]*$/.test(realm) && !/["\\]/.test(realm))
  ) {
    refuseOption('realm', 'must be printable ASCII without quotes or backslashes.');
  }
  if (onError !== undefined && typeof onError !== 'function')
    refuseOption('onError', 'must be a function.');
  return options;
}

/**
 * The client for a request's bindings: the `client` option, or the one `fromEnv` made for these
 * bindings (found by the env object, or by its values: the same deployment gives the same key).
 */
function clientResolver<M extends object, B extends object>({
  client,
  fromEnv,
}: ProtektAuthOptions<M, B>): (env: B) => ProtektTokenClient<M> {
  if (!client === !fromEnv) throw new TypeError('protektAuth: pass either `client` or `fromEnv`');
  if (client) return () => client;
  const byEnv = new WeakMap<object, ProtektTokenClient<M>>();
  const byValues = new Map<string, ProtektTokenClient<M>>();
  return (env) => {
    const bindings: object = Object(env);
    let made = byEnv.get(bindings);
    if (!made) {
      const key = envKey(bindings);
      made = byValues.get(key);
      if (!made) {
        made = fromEnv!(env);
        if (byValues.size > 15) byValues.clear();
        byValues.set(key, made);
      }
      byEnv.set(bindings, made);
    }
    return made;
  };
}

/**
 * The request's access token: from `Authorization: Bearer`, else (no bearer header) from the
 * cookie when one is named. `undefined` when there is none; `null` for a malformed bearer value.
 */
function requestToken(c: Context, cookie: string | undefined): string | undefined | null {
  const header = c.req.header('authorization')?.trim();
  if (header && /^bearer( |$)/i.test(header)) return BEARER.exec(header)?.[1] ?? null;
  return (cookie && getCookie(c, cookie)) || undefined;
}

/**
 * A refusal the middleware is about to answer: the error it reports (what `onError` receives) and
 * the HTTP answer's status and headers.
 */
interface Refusal {
  error: ProtektAuthError;
  status: 401 | 503;
  headers: Record<string, string>;
}

/** A refusal's answer: the error envelope, never cached, with its challenge or `Retry-After`. */
const refuse = (c: Context, { error, status, headers }: Refusal): Response =>
  c.json({ error: { code: error.code, message: error.message } }, status, {
    'Cache-Control': 'no-store',
    ...headers,
  });

/** 401 without an error code (RFC 6750 §3.1): the request carried no token at all. */
const missingToken = (realm: string): Refusal => ({
  error: { code: 'token_missing', message: 'A bearer token is required', status: 401 },
  status: 401,
  headers: { 'WWW-Authenticate': realm },
});

// What each refusal of a present token says (fixed texts: nothing from the token is echoed).
const INVALID_TOKEN_MESSAGES: Readonly<Record<string, string>> = {
  __proto__: null as never,
  token_expired: 'The access token expired',
  token_revoked: 'The access token was revoked',
  token_invalid: 'The access token is invalid',
};

/**
 * 401 `invalid_token` (RFC 6750 §3.1) for a present token that cannot be used; `cause` is the
 * verification's own error (with its reason), for `onError`.
 */
function invalidToken(realm: string, code: string, cause?: ProtektApiError): Refusal {
  const known = INVALID_TOKEN_MESSAGES[code] ? code : 'token_invalid';
  const message = INVALID_TOKEN_MESSAGES[known]!;
  return {
    error: { code: known, message, status: 401, cause },
    status: 401,
    headers: {
      'WWW-Authenticate': `${realm}, error="invalid_token", error_description="${message}"`,
    },
  };
}

/**
 * 503 with a bounded `Retry-After` when verification threw a `ProtektError` (an outage is not the
 * caller's fault); any other error is rethrown to Hono's error handler.
 */
function outage(err: unknown): Refusal {
  // Only a ProtektError (recognised by the brand every copy of the SDK sets) means an outage.
  if (!(err instanceof ProtektError)) throw err;
  const after = err.details.retryAfter;
  // Protekt's own Retry-After, kept between 1 s and 5 min: never an answer that parks a client.
  const seconds = typeof after === 'number' && after > 0 ? Math.min(Math.ceil(after), 300) : 5;
  return {
    error: {
      code: 'service_unavailable',
      message: 'Authentication is temporarily unavailable',
      status: 503,
      cause: err,
    },
    status: 503,
    headers: { 'Retry-After': String(seconds) },
  };
}
