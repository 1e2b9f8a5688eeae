/**
 * `@protekt/node/fastify`: a Fastify plugin that decorates `request.auth`, and the `preHandler`
 * guard that fills it, per route or per scope.
 *
 * ```ts
 * import Fastify from 'fastify';
 * import { Protekt } from '@protekt/node';
 * import { protektAuth } from '@protekt/node/fastify';
 *
 * const auth = protektAuth({ client: new Protekt({ loginId, apiKey }) });
 * const app = Fastify();
 * await app.register(auth);
 * app.get('/me', { preHandler: auth.preHandler }, (request) => ({ id: request.auth!.user!.id }));
 * ```
 */
import type { FastifyPluginAsync, preHandlerAsyncHookHandler } from 'fastify';
import { adapterGuard, type ProtektAuthOptions } from '../guard/adapter.js';
import { authenticateWith } from '../guard/authenticate-request.js';
import { nodeHeaders, refusalParts } from '../guard/node-headers.js';
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

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Set by the `preHandler` of `@protekt/node/fastify`'s `protektAuth`: the verified user, claims
     * and token, or all three `null` for an anonymous request in optional mode. `null` on routes
     * the guard does not cover.
     */
    auth: ProtektRequestAuth | null;
  }
}

/**
 * The plugin `protektAuth` returns: register it once (it decorates `request.auth`, `null` by
 * default, on the instance it is registered in and its children), then guard routes with its
 * `preHandler`.
 */
export type ProtektFastifyPlugin = FastifyPluginAsync & {
  /**
   * The guard: `{ preHandler: auth.preHandler }` on a route, or
   * `scope.addHook('preHandler', auth.preHandler)` for every route of a scope.
   */
  readonly preHandler: preHandlerAsyncHookHandler;
};

/**
 * A Fastify (4 and 5) plugin and `preHandler` guard that requires (or, with `optional: true`,
 * accepts) a Protekt access token, on `protekt.auth.authenticateRequest`'s rules
 * (docs/middleware.md): a valid token sets `request.auth = { user, claims, token }`; no token, or
 * a bad, expired or revoked one, is answered 401 with an RFC 6750 challenge; Protekt unreachable
 * (a thrown `ProtektError`) is answered 503 with `Retry-After`. Every refusal is JSON
 * `{ "error": { "code", "message" } }` with `Cache-Control: no-store`. Anything else thrown (a
 * throwing `fromEnv`, a bug in a mock) goes to Fastify's error handler.
 *
 * @param options `client` (a `Protekt`) or `fromEnv` (called with the process environment on the
 *   first request that carries a token), and `cookie`, `optional`, `realm`.
 * @throws {ProtektError} `config_invalid` for an unknown or wrong option, when the app is built.
 *
 * @example Every route of a scope
 * ```ts
 * const auth = protektAuth({ client: protekt });
 * await app.register(auth);
 * await app.register(async (api) => {
 *   api.addHook('preHandler', auth.preHandler);
 *   api.get('/me', (request) => ({ id: request.auth?.user?.id }));
 * }, { prefix: '/api' });
 * ```
 */
export function protektAuth<M extends object = DefaultMetadata>(
  options: ProtektAuthOptions<M, Readonly<Record<string, string | undefined>>>,
): ProtektFastifyPlugin {
  const { settings, verifierFor } = adapterGuard(options, 'protektAuth');
  const verifier = () => verifierFor(processEnv() ?? {});
  const preHandler: preHandlerAsyncHookHandler = async (request, reply) => {
    const result = await authenticateWith(verifier, nodeHeaders(request.headers), settings);
    if (result.response) {
      const { status, headers, body } = refusalParts(result);
      return reply.code(status).headers(Object.fromEntries(headers)).send(body);
    }
    const { user, claims, token } = result;
    request.auth = { user, claims, token } as ProtektRequestAuth;
  };
  const plugin: FastifyPluginAsync = async (fastify) => {
    if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', null);
  };
  // Not encapsulated (what fastify-plugin does): the decoration reaches the registering scope.
  return Object.assign(plugin, {
    preHandler,
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: '@protekt/node/fastify',
  });
}
