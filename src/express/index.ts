/**
 * `@protekt/node/express`: a middleware that guards Express 4 and 5 (and Connect) routes with
 * Protekt access tokens.
 *
 * ```ts
 * import express from 'express';
 * import { Protekt } from '@protekt/node';
 * import { protektAuth } from '@protekt/node/express';
 *
 * const app = express();
 * app.get('/me', protektAuth({ client: new Protekt({ loginId, apiKey }) }), (req, res) => {
 *   res.json({ id: req.auth!.user!.id });
 * });
 * ```
 *
 * Web standards only: it reads Node's request headers and answers on Node's response methods
 * (`statusCode`, `setHeader`, `end`), so it needs no import of Express itself.
 */
import { adapterGuard, type ProtektAuthOptions } from '../guard/adapter.js';
import { authenticateWith } from '../guard/authenticate-request.js';
import { type NodeHeaders, nodeHeaders, refusalParts } from '../guard/node-headers.js';
import type { ProtektRequestAuth } from '../guard/types.js';
import { processEnv } from '../runtime/env.js';
import type { DefaultMetadata } from '../types.js';

export type {
  ProtektAuthClientOptions,
  ProtektAuthEnvOptions,
  ProtektAuthOptions,
  ProtektTokenClient,
} from '../guard/adapter.js';
export type { ProtektAuthError, ProtektRequestAuth } from '../guard/types.js';

declare global {
  // Declaration merging into Express's own `Request` (the namespace @types/express opens).
  namespace Express {
    interface Request {
      /**
       * Set by `protektAuth` of `@protekt/node/express` on the requests it lets through: the
       * verified user, claims and token, or all three `null` for an anonymous request in
       * optional mode. `undefined` on routes the middleware does not guard.
       */
      auth?: ProtektRequestAuth;
    }
  }
}

/** What the middleware reads of a request: Express's, Connect's or Node's `IncomingMessage`. */
export interface ProtektExpressRequest {
  /** The request headers, names in lower case. */
  readonly headers: NodeHeaders;
  /** Set by the middleware (see `Express.Request#auth`). */
  auth?: ProtektRequestAuth | undefined;
}

/** What the middleware writes a refusal with: Node's `ServerResponse`. */
export interface ProtektExpressResponse {
  /** The status of the answer. */
  statusCode: number;
  /** Sets a header of the answer. */
  setHeader(name: string, value: string): unknown;
  /** Sends the body and ends the answer. */
  end(body: string): unknown;
}

/** An Express / Connect middleware. */
export type ProtektExpressMiddleware = (
  req: ProtektExpressRequest,
  res: ProtektExpressResponse,
  next: (err?: unknown) => void,
) => void;

/**
 * Express (4 and 5) and Connect middleware that requires (or, with `optional: true`, accepts) a
 * Protekt access token, on `protekt.auth.authenticateRequest`'s rules (docs/middleware.md):
 * a valid token sets `req.auth = { user, claims, token }` and calls `next()`; no token, or a bad,
 * expired or revoked one, is answered 401 with an RFC 6750 challenge; Protekt unreachable (a
 * thrown `ProtektError`) is answered 503 with `Retry-After`. Every refusal is JSON
 * `{ "error": { "code", "message" } }` with `Cache-Control: no-store`. Anything else that goes
 * wrong (a throwing `fromEnv`, a bug in a mock) is passed to `next(err)`.
 *
 * @param options `client` (a `Protekt`) or `fromEnv` (`(env) => Protekt.fromEnv(env)`, called
 *   with the process environment on the first request that carries a token), and `cookie`,
 *   `optional`, `realm`.
 * @throws {ProtektError} `config_invalid` for an unknown or wrong option, when the app is built.
 *
 * @example Every route under /api, the token also read from a cookie
 * ```ts
 * app.use('/api', protektAuth({ client: protekt, cookie: 'protekt_access' }));
 * app.get('/api/me', (req, res) => res.json({ id: req.auth?.user?.id }));
 * ```
 */
export function protektAuth<M extends object = DefaultMetadata>(
  options: ProtektAuthOptions<M, Readonly<Record<string, string | undefined>>>,
): ProtektExpressMiddleware {
  const { settings, verifierFor } = adapterGuard(options, 'protektAuth');
  const verifier = () => verifierFor(processEnv() ?? {});
  return (req, res, next) => {
    authenticateWith(verifier, nodeHeaders(req.headers), settings).then((result) => {
      if (result.response) {
        const { status, headers, body } = refusalParts(result);
        res.statusCode = status;
        for (const [name, value] of headers) res.setHeader(name, value);
        res.end(body);
        return;
      }
      const { user, claims, token } = result;
      req.auth = { user, claims, token } as ProtektRequestAuth;
      next();
    }, next);
  };
}
