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
import { ProtektError } from '../errors/protekt-error.js';
import {
  adapterGuard,
  type ProtektAuthClientOptions as GuardClientOptions,
  type ProtektAuthEnvOptions as GuardEnvOptions,
  verifierWithWaitUntil,
} from '../guard/adapter.js';
import { authenticateWith } from '../guard/authenticate-request.js';
import type {
  AuthenticateRequestOptions,
  ProtektAuthError,
  TokenVerifier,
} from '../guard/types.js';
import type { DefaultMetadata, ProtektClaims, ProtektUser } from '../types.js';

export type { ProtektTokenClient } from '../guard/adapter.js';
export type { ProtektAuthError } from '../guard/types.js';

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

/** Options shared by every form of {@link protektAuth}: `cookie`, `optional`, `realm`, `onError`. */
export interface ProtektAuthCommonOptions extends AuthenticateRequestOptions {
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

/** Options of {@link protektAuth} with a client made once, outside the middleware. */
export interface ProtektAuthClientOptions<M extends object = DefaultMetadata>
  extends GuardClientOptions<M>,
    ProtektAuthCommonOptions {}

/**
 * Options of {@link protektAuth} with a client made lazily from the request's bindings (`c.env`),
 * for Cloudflare Workers, where credentials exist only as bindings: `fromEnv` is called on the
 * first request that carries a token, and the client kept for the life of the isolate, for the
 * same bindings (same `env` object, or the same string values in it). If it throws (e.g. a missing
 * secret), the error propagates to Hono's error handler (500) and the next request tries again.
 */
export interface ProtektAuthEnvOptions<
  M extends object = DefaultMetadata,
  B extends object = object,
> extends GuardEnvOptions<M, B>,
    ProtektAuthCommonOptions {}

/** Options of {@link protektAuth}: a `client`, or a `fromEnv` factory, plus the common options. */
export type ProtektAuthOptions<M extends object = DefaultMetadata, B extends object = object> =
  | ProtektAuthClientOptions<M>
  | ProtektAuthEnvOptions<M, B>;

/** The Hono environment a {@link protektAuth} middleware contributes. */
export type ProtektAuthEnv<V extends object, B extends object = object> = {
  Bindings: B;
  Variables: V;
};

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
  const guard = adapterGuard<M, B>(options, 'protektAuth', ['onError']);
  const onError = guard.options.onError as ProtektAuthCommonOptions['onError'];
  if (onError !== undefined && typeof onError !== 'function') {
    throw new ProtektError('config_invalid', 'protektAuth option onError must be a function.', {
      details: { option: 'onError' },
    });
  }
  const seen = { noExecutionContext: false };
  const middleware: MiddlewareHandler<ProtektAuthEnv<ProtektOptionalVariables<M>, B>> = async (
    c,
    next,
  ) => {
    // The client for these bindings is asked for only when the request carries a token; on Workers
    // its background work (a revocation answer refreshed ahead) is handed to ctx.waitUntil.
    const verifier = () => withWaitUntil(guard.verifierFor(c.env), c, seen);
    const result = await authenticateWith(verifier, c.req.raw.headers, guard.settings);
    // Every refusal goes through the onError hook first, which may answer instead.
    if (result.response) return (await onError?.(result.error, c)) ?? result.response;
    c.set('user', result.user);
    c.set('claims', result.claims);
    return next();
  };
  return middleware as MiddlewareHandler;
}

/**
 * The verifier, with the request's `executionCtx.waitUntil` passed to each `verifyToken` where the
 * runtime has one (Workers), so that background work survives the response. `seen` remembers a
 * request without one (Node, Bun, Deno): Hono's getter throws there, and a throw per request is
 * not free; a runtime either has execution contexts or not.
 */
function withWaitUntil<M extends object>(
  verifier: TokenVerifier<M>,
  c: Context,
  seen: { noExecutionContext: boolean },
): TokenVerifier<M> {
  if (seen.noExecutionContext) return verifier;
  let ctx: { waitUntil(promise: Promise<unknown>): void };
  try {
    ctx = c.executionCtx;
  } catch {
    seen.noExecutionContext = true;
    return verifier;
  }
  return verifierWithWaitUntil(verifier, (promise) => ctx.waitUntil(promise));
}
