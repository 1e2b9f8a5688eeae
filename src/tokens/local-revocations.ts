/**
 * What this client itself ended — a logout, a revoked token or session, a user's sessions ended,
 * a user disabled or deleted — refused by its `verifyToken` at once, whatever its verified-token
 * and revocation caches hold. Other instances learn it through the remote revocation check
 * (within `revocationCheck.maxAge`); this one must not wait for that.
 *
 * Nothing here ever accepts a token: an entry only adds refusals, so reading the claims of a token
 * the caller passed in (without verifying it) to find its session is safe.
 */
import { LruCache } from '../util/lru-cache.js';
import { decodeSegment, parseCompactJws } from './jws.js';
import { revocationKey } from './revocation.js';

/** Most entries of each kind; the oldest are dropped first (their tokens have mostly expired). */
const MAX_ENTRIES = 10_000;

/** The claims a local revocation looks at. */
export interface RevocationSubject {
  sub: string;
  sid?: string | undefined;
  iat: number;
}

/**
 * What was ended by this client: tokens by their {@link revocationKey} (one for every encoding of
 * the same signed token), sessions by id, users by id and time.
 */
export class LocalRevocations {
  readonly #tokens = new LruCache<true>(MAX_ENTRIES);
  readonly #sessions = new LruCache<true>(MAX_ENTRIES);
  // A disabled or deleted user: when (ms, this client's clock) their tokens were ended.
  readonly #users = new LruCache<number>(MAX_ENTRIES);

  /**
   * @param tolerance Seconds of clock difference allowed between the issuer and this client (the
   *   verifier's `clockTolerance`): a user's tokens issued up to that long after the end are ended
   *   too, since the issuer's clock may run ahead of this one.
   */
  constructor(readonly tolerance: number) {}
  // Whether anything was ended at all: the check then costs nothing for clients that never end.
  #any = false;

  /** Ends one token (its {@link revocationKey}). */
  endToken(key: string): void {
    this.#any = true;
    this.#tokens.set(key, true);
  }

  /** Ends a session: every token carrying its `sid`. */
  endSession(sid: string): void {
    this.#any = true;
    this.#sessions.set(sid, true);
  }

  /**
   * Ends every token of a user issued until `at` (ms) and `tolerance`: the user was disabled or
   * deleted. (Enabled again through another instance, their new tokens pass once issued later.)
   */
  endUser(sub: string, at: number): void {
    this.#any = true;
    this.#users.set(sub, at);
  }

  /** A user enabled again: their new tokens are accepted (those ended before stay ended). */
  reopenUser(sub: string): void {
    this.#users.delete(sub);
  }

  /** Whether this client ended the token with these claims and {@link revocationKey}. */
  ended(claims: RevocationSubject, key: string): boolean {
    if (!this.#any) return false;
    if (this.#tokens.has(key)) return true;
    if (claims.sid !== undefined && this.#sessions.has(claims.sid)) return true;
    const userEnded = this.#users.peek(claims.sub);
    return userEnded !== undefined && claims.iat <= userEnded / 1000 + this.tolerance;
  }
}

/**
 * The claims and {@link revocationKey} of a token the caller passed in, read without verifying it
 * (see the module comment: they only ever add refusals), or `null` when it is not a JWS.
 */
export function readUnverified(
  token: string,
): { claims: Partial<RevocationSubject>; key: string } | null {
  const parsed = parseCompactJws(token);
  if ('code' in parsed) return null;
  const payload = decodeSegment(parsed.payloadSegment, 'payload');
  if ('code' in payload) return null;
  const { sub, sid } = payload.json;
  return {
    claims: {
      sub: typeof sub === 'string' ? sub : undefined,
      sid: typeof sid === 'string' ? sid : undefined,
    },
    key: revocationKey(parsed.header.alg, parsed.signature, parsed.signatureSegment),
  };
}
