/**
 * `@protekt/node/next`: Next.js middleware (the Edge runtime) that guards the paths of its
 * `matcher` with Protekt access tokens and forwards the user id to the route in a request header.
 *
 * ```ts
 * // middleware.ts
 * import { Protekt } from '@protekt/node';
 * import { protektAuth } from '@protekt/node/next';
 *
 * export const config = { matcher: '/api/:path*' };
 * export default protektAuth({ fromEnv: (env) => Protekt.fromEnv(env) });
 * ```
 *
 * Web standards and `next/server` only (no `node:*`, no `process`).
 */
import { NextResponse } from 'next/server.js';
import { adapterGuard, type ProtektAuthOptions, verifierWithWaitUntil } from '../guard/adapter.js';
import { authenticateWith } from '../guard/authenticate-request.js';
import { ProtektError } from '../errors/protekt-error.js';
import { processEnv } from '../runtime/env.js';
import type { DefaultMetadata } from '../types.js';

export type {
  ProtektAuthClientOptions,
  ProtektAuthEnvOptions,
  ProtektAuthOptions,
  ProtektTokenClient,
} from '../guard/adapter.js';
export type { ProtektAuthError } from '../guard/types.js';

/** The request header that carries the verified user id to the route, by default. */
export const USER_ID_HEADER = 'x-protekt-user-id';

/** Options of the Next.js {@link protektAuth}: the guard's, plus the forwarding header. */
export type ProtektNextOptions<M extends object = DefaultMetadata> = ProtektAuthOptions<
  M,
  Readonly<Record<string, string | undefined>>
> & {
  /**
   * The request header the route reads the user id from (default `x-protekt-user-id`). The
   * middleware always removes the copy a client sent, and sets it only for a verified token.
   */
  userIdHeader?: string | undefined;
};

/**
 * A Next.js middleware: the request in, the answer (or `NextResponse.next()`) out. The second
 * argument is Next's `NextFetchEvent`: its `waitUntil` keeps the verification's background work
 * (a revocation answer refreshed ahead) alive after the answer.
 */
export type ProtektNextMiddleware = (
  request: Request,
  event?: { waitUntil(promise: Promise<unknown>): void },
) => Promise<Response>;

/**
 * Next.js middleware (Edge runtime) that requires (or, with `optional: true`, accepts) a Protekt
 * access token on the paths of the file's `matcher`, on `protekt.auth.authenticateRequest`'s
 * rules (docs/middleware.md). A valid token continues to the route with the user id in the
 * `userIdHeader` request header (`x-protekt-user-id`); the copy a client sent is always removed
 * first, so a route behind the matcher can trust it. No token, or a bad, expired or revoked one,
 * is answered 401 with an RFC 6750 challenge; Protekt unreachable, 503 with `Retry-After`.
 *
 * @param options `client` (made once per isolate) or `fromEnv` (called with `process.env` on the
 *   first request that carries a token), `cookie`, `optional`, `realm`, `userIdHeader`.
 * @throws {ProtektError} `config_invalid` for an unknown or wrong option, when the module loads.
 *
 * @example middleware.ts, and a route reading the forwarded id
 * ```ts
 * export const config = { matcher: '/api/:path*' };
 * export default protektAuth({ client: new Protekt({ loginId, apiKey }) });
 *
 * // app/api/me/route.ts
 * export function GET(request: Request) {
 *   return Response.json({ id: request.headers.get('x-protekt-user-id') });
 * }
 * ```
 */
export function protektAuth<M extends object = DefaultMetadata>(
  options: ProtektNextOptions<M>,
): ProtektNextMiddleware {
  const guard = adapterGuard(options, 'protektAuth', ['userIdHeader']);
  const header = guard.options.userIdHeader ?? USER_ID_HEADER;
  if (typeof header !== 'string' || !/^[\w!#$%&'*+.^`|~-]+$/.test(header)) {
    throw new ProtektError(
      'config_invalid',
      'protektAuth option userIdHeader must be a header name.',
      {
        details: { option: 'userIdHeader' },
      },
    );
  }
  return async (request, event) => {
    const verifier = () => {
      const made = guard.verifierFor(processEnv() ?? {});
      return typeof event?.waitUntil === 'function'
        ? verifierWithWaitUntil(made, (promise) => event.waitUntil(promise))
        : made;
    };
    const result = await authenticateWith(verifier, request.headers, guard.settings);
    if (result.response) return result.response;
    // Every header of the request is kept (the forwarded set replaces the request's).
    const headers = new Headers(request.headers);
    headers.delete(header);
    if (result.user) headers.set(header, result.user.id);
    return NextResponse.next({ request: { headers } });
  };
}
