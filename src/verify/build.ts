/**
 * The token verifier of a client's settings: one place that turns checked client options into
 * `createTokenVerifier`'s configuration, for `new Protekt()` and `createVerifier()` alike.
 */
import type { ClientSettings } from '../client-options.js';
import { callBudget } from '../http/retry.js';
import type { ApiRequest, ApiResponse } from '../http/types.js';
import { createTokenVerifier, type TokenVerifier } from '../tokens/index.js';
import type { DefaultMetadata } from '../types.js';

/** The verifier for `settings`, sending through `send` (the client's transport). */
export function buildVerifier<M extends object = DefaultMetadata>(
  settings: ClientSettings,
  send: (req: ApiRequest) => Promise<ApiResponse>,
): TokenVerifier<M> {
  const { baseUrl, loginId, fetch, now, timeout, log } = settings;
  return createTokenVerifier<M>({
    jwksUrl: `${baseUrl}/.well-known/jwks.json`,
    issuer: new URL(baseUrl).origin,
    audience: loginId,
    send,
    fetchIdentity: fetch ?? globalThis,
    // Checked there, in the same pass that applies their defaults (own properties only).
    options: settings.options,
    now,
    timeout,
    fetchBudget: callBudget(timeout, settings.maxRetries, settings.maxRetryAfter),
    log,
  });
}
