/**
 * Token verification for `protekt.auth.verifyToken`: local checks on WebCrypto against the cached
 * JWKS, then the remote revocation check. See docs/tokens.md.
 */
export { createTokenVerifier, type TokenVerifier, type TokenVerifierConfig } from './verify.js';
export {
  validateTokenOptions,
  type JwksCacheStore,
  type RevocationCacheStore,
  type RevocationCheckOptions,
  type StoredRevocation,
  type StoredJwks,
  type TokenOptions,
  type VerifiedCacheOptions,
} from './options.js';
export type { TokenErrorCode } from './token-failure.js';
