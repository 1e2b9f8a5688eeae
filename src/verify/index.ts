/**
 * `@protekt/node/verify`: token verification alone, for a Worker, an Edge middleware or a guard
 * that only checks access tokens: the verifier of `protekt.auth.verifyToken` (local checks, the
 * JWKS cache, the revocation check), without the client's other resources.
 *
 * The seam (what other modules may rely on):
 * - `createVerifier(options: ProtektOptions): ProtektVerifier<M>` — the same options as
 *   `new Protekt(options)`, checked the same way (`config_invalid` naming the option).
 * - `ProtektVerifier<M>.verifyToken(token: string, options?: VerifyTokenOptions):
 *   Promise<VerifyTokenResult<M>>` — the signature and results of `protekt.auth.verifyToken`
 *   (structurally a `TokenVerifier` of src/guard). `VerifyTokenOptions` is `RequestOptions` plus
 *   `waitUntil(promise)`: a guard on Workers passes `{ waitUntil: (p) => ctx.waitUntil(p) }` so that
 *   a revocation answer refreshed ahead survives the response.
 * - `ProtektVerifier` also carries `loginId` and `baseUrl`; never the API key.
 *
 * ```ts
 * import { createVerifier } from '@protekt/node/verify';
 *
 * const verifier = createVerifier({ loginId: env.PROTEKT_LOGIN_ID, apiKey: env.PROTEKT_API_KEY });
 * const { user, error } = await verifier.verifyToken(token, { waitUntil: (p) => ctx.waitUntil(p) });
 * ```
 */
import { type ProtektOptions, readClientOptions } from '../client-options.js';
import { createTransport } from '../http/transport.js';
import { buildVerifier } from './build.js';
import type { DefaultMetadata, VerifyTokenOptions, VerifyTokenResult } from '../types.js';

export { ProtektError } from '../errors/protekt-error.js';
export type { ProtektOptions } from '../client-options.js';
export type {
  JwksCacheStore,
  RevocationCacheStore,
  RevocationCheckOptions,
  StoredJwks,
  StoredRevocation,
  TokenOptions,
  VerifiedCacheOptions,
} from '../tokens/index.js';
export type {
  DefaultMetadata,
  ProtektApiError,
  ProtektClaims,
  ProtektUser,
  RequestOptions,
  VerifyTokenOptions,
  VerifyTokenResult,
} from '../types.js';

/** A verify-only Protekt: `verifyToken` as `protekt.auth.verifyToken` has it, and nothing else. */
export interface ProtektVerifier<M extends object = DefaultMetadata> {
  /**
   * Verifies an access token, exactly as `protekt.auth.verifyToken`: resolves `{ user, claims,
   * error: null }` for a valid token, or `{ user: null, claims: null, error }` with code
   * `token_invalid`, `token_expired` or `token_revoked` (status 401) for any bad input.
   *
   * @throws {ProtektError} `invalid_argument` for malformed per-call options; `jwks_unavailable`
   *   when no usable key can be had; the transport's error when revocation is fail-closed and the
   *   check cannot be completed; `invalid_api_key` or `aborted` from the revocation check.
   */
  verifyToken(token: string, options?: VerifyTokenOptions): Promise<VerifyTokenResult<M>>;
  /** The project's login id (the audience tokens must carry). */
  readonly loginId: string;
  /** The API base URL in use. */
  readonly baseUrl: string;
}

/**
 * Creates a verify-only Protekt from the options of `new Protekt(options)` (`loginId`, `apiKey`,
 * `baseUrl`, the token options such as `revocationCheck`, `jwksCache`, `revocationCache`…). Create
 * it once and share it: it holds the key and verification caches.
 *
 * @throws {ProtektError} `config_invalid` naming the option that is wrong (never its value).
 */
export function createVerifier<M extends object = DefaultMetadata>(
  options: ProtektOptions,
): ProtektVerifier<M> {
  const settings = readClientOptions(options);
  const verifier = buildVerifier<M>(settings, createTransport(settings));
  const { loginId, baseUrl } = settings;
  return Object.freeze({ verifyToken: verifier.verify, loginId, baseUrl });
}
