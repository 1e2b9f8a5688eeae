/**
 * Claim rules of Protekt access tokens, and the user built from them. Run only after the
 * signature holds.
 */
import type { DefaultMetadata, ProtektClaims, ProtektUser } from '../types.js';
import { invalidToken, tokenFailure, type TokenFailure } from './token-failure.js';

/** What this verifier expects of every token. */
export interface ClaimRules {
  /** Exact `iss`. */
  issuer: string;
  /** A value `aud` must be or contain (the client's login id). */
  audience: string;
  /** Leeway in seconds for `exp`, `nbf` and `iat`. */
  tolerance: number;
}

/** The time claims of a token, kept to re-check a cached verification. */
export interface TokenTimes {
  exp: number;
  nbf?: number | undefined;
  iat: number;
}

// Claims with a meaning of their own (RFC 7519 and Protekt's), and keys that would touch an
// object's prototype if assigned: everything else is metadata. Built on first use, not at import.
let notMetadata: Set<string> | undefined;

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Checks `exp`, `nbf` and `iat` against the clock (`now` in ms). Expired means
 * `now >= exp + tolerance`; not yet valid means `nbf > now + tolerance`; issued in the future
 * means `iat > now + tolerance`.
 */
export function checkTimes(times: TokenTimes, now: number, tolerance: number): TokenFailure | null {
  const seconds = now / 1000;
  if (seconds >= times.exp + tolerance) {
    return tokenFailure(
      'token_expired',
      'exp',
      'The token has expired (exp is past): refresh the session or sign in again.',
    );
  }
  if (times.nbf !== undefined && times.nbf > seconds + tolerance) {
    return invalidToken(
      'nbf',
      "The token is not valid yet (nbf is ahead): check this server's clock.",
    );
  }
  if (times.iat > seconds + tolerance) {
    return invalidToken(
      'iat',
      "The token was issued in the future (iat is ahead): check this server's clock.",
    );
  }
  return null;
}

// The end of the message for a token that lacks a claim every Protekt access token carries.
const NOT_PROTEKT = 'this is not a Protekt access token.';

/**
 * Checks the claims of a token whose signature holds. Returns the first failed rule, or `null`
 * when they all hold (the claims are then {@link ProtektClaims}).
 */
export function checkClaims(
  claims: Record<string, unknown>,
  rules: ClaimRules,
  now: number,
): TokenFailure | null {
  if (claims.iss !== rules.issuer) {
    return invalidToken(
      'iss',
      "The token's iss is not this client's baseUrl origin: point baseUrl at the Protekt that issued it.",
    );
  }
  const aud = claims.aud;
  if (!(aud === rules.audience || (Array.isArray(aud) && aud.includes(rules.audience)))) {
    return invalidToken(
      'aud',
      "The token's aud does not contain this client's loginId: it was issued for another project.",
    );
  }
  if (typeof claims.sub !== 'string' || claims.sub === '')
    return invalidToken('sub', `The token has no sub claim (the user id): ${NOT_PROTEKT}`);
  const { exp, nbf, iat } = claims;
  if (!isTime(exp)) return invalidToken('exp', `The token has no exp claim: ${NOT_PROTEKT}`);
  if (!isTime(iat)) return invalidToken('iat', `The token has no iat claim: ${NOT_PROTEKT}`);
  if (nbf !== undefined && !isTime(nbf)) {
    return invalidToken(
      'nbf',
      "The token's nbf is not a number: this is not a Protekt access token.",
    );
  }
  if (claims.jti !== undefined && typeof claims.jti !== 'string') {
    return invalidToken(
      'jti',
      "The token's jti is not a string: this is not a Protekt access token.",
    );
  }
  return checkTimes(claims as ProtektClaims, now, rules.tolerance);
}

// Freezes a JSON value and everything in it. JSON has no cycles and no shared nodes, and a payload
// nests at most 64 levels (decodeSegment refuses deeper ones), so the recursion is bounded. Own
// members only (never `for…in`: a polluted Object.prototype must not reach the claims).
function deepFreeze(value: object): void {
  const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value);
  for (let i = 0; i < children.length; i++) {
    const child = children[i];
    if (typeof child === 'object' && child !== null) deepFreeze(child);
  }
  Object.freeze(value);
}

/**
 * Builds the user of a verified token (`id` from `sub`, metadata from unregistered claims) and
 * freezes it, its metadata and the claims with everything in them: the verified-token cache hands
 * the same objects to later callers. One pass over the claims does both.
 */
export function userFromClaims<M extends object = DefaultMetadata>(
  claims: ProtektClaims,
): ProtektUser<M> {
  const metadata: Record<string, unknown> = {};
  notMetadata ??= new Set([
    'iss',
    'sub',
    'aud',
    'exp',
    'nbf',
    'iat',
    'jti',
    'sid',
    'email',
    'email_verified',
    'project_id',
    'scope',
    'scp',
    'azp',
    'client_id',
    'auth_time',
    'amr',
    'acr',
    'typ',
    'token_use',
    'mfa',
    'cnf',
    '__proto__',
    'constructor',
    'prototype',
  ]);
  // An indexed loop over the own keys: as fast as `for…in`, which would also see members a
  // polluted Object.prototype adds.
  const keys = Object.keys(claims);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = claims[key];
    if (typeof value === 'object' && value !== null) deepFreeze(value);
    if (!notMetadata.has(key)) metadata[key] = value;
  }
  Object.freeze(claims);
  const user: ProtektUser<M> = {
    id: claims.sub,
    email: typeof claims.email === 'string' ? claims.email : '',
    emailVerified: claims.email_verified === true,
    metadata: Object.freeze(metadata) as M,
  };
  if (typeof claims.project_id === 'string') user.projectId = claims.project_id;
  return Object.freeze(user);
}
