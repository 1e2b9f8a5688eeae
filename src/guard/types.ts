/**
 * The types of the request guard: what it needs of a verifier, what it reads of a request, what it
 * resolves to. Shared by `protekt.auth.authenticateRequest` and every framework adapter.
 */
import type { ProtektError } from '../errors/protekt-error.js';
import type {
  DefaultMetadata,
  ProtektApiError,
  ProtektClaims,
  ProtektUser,
  RequestOptions,
  VerifyTokenResult,
} from '../types.js';

/**
 * What the guard needs to check a token: a `verifyToken` with the result of
 * `Protekt#auth.verifyToken`. `protekt.auth` fits, and so does a verify-only verifier.
 */
export interface TokenVerifier<M extends object = DefaultMetadata> {
  /** Verifies an access token (see `Protekt#auth.verifyToken`). */
  verifyToken(token: string, options?: RequestOptions): Promise<VerifyTokenResult<M>>;
}

/**
 * The headers the guard reads (`authorization`, `cookie`): a web `Headers` fits. Names are asked
 * in lower case.
 */
export interface HeaderReader {
  /** The header's value, or `null`/`undefined` when the request has none. */
  get(name: string): string | null | undefined;
}

/** A request to authenticate: a web `Request`, or anything with a `Headers`-like `headers`. */
export interface RequestWithHeaders {
  /** The request's headers. */
  readonly headers: HeaderReader;
}

/** Options of `authenticateRequest` (each adapter takes them too). */
export interface AuthenticateRequestOptions {
  /**
   * Also read the access token from this cookie when the request has no `Authorization: Bearer`
   * header (the header wins when both are present). Off by default.
   */
  cookie?: string | undefined;
  /**
   * `true` lets a request without any token through (`user`, `claims` and `token` `null`, no
   * `response`). A token that is present but invalid, expired or revoked is still refused, so
   * that the caller learns it must refresh or sign in again. Default `false`.
   */
  optional?: boolean | undefined;
  /**
   * `realm` of the `WWW-Authenticate` challenge: printable ASCII without quotes or backslashes.
   * Default `"protekt"`.
   */
  realm?: string | undefined;
}

/**
 * Why a request was refused: `token_missing`, `token_invalid`, `token_expired`, `token_revoked`
 * (401) or `service_unavailable` (503). `cause` is the verification's own error (its
 * `details.reason` says which rule failed) or the thrown `ProtektError` of an outage.
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

/** A request with a valid access token. */
export interface AuthenticatedRequest<M extends object = DefaultMetadata> {
  /** The signed-in user, built from the verified token's claims. */
  user: ProtektUser<M>;
  /** The verified token's claims. */
  claims: ProtektClaims;
  /** The access token itself (to call Protekt on the user's behalf). */
  token: string;
  /** No refusal. */
  error: null;
  /** No answer to send: go on to the route. */
  response: null;
}

/** A request without any token, let through by `optional: true`. */
export interface AnonymousRequest {
  /** No user: the request carried no token. */
  user: null;
  /** No claims. */
  claims: null;
  /** No token. */
  token: null;
  /** No refusal (optional mode). */
  error: null;
  /** No answer to send: go on to the route. */
  response: null;
}

/** A refused request: `response` is the answer to send as it is. */
export interface RefusedRequest {
  /** No user. */
  user: null;
  /** No claims. */
  claims: null;
  /** The token the request carried, when it carried a well-formed one. */
  token: string | null;
  /** Why it was refused. */
  error: ProtektAuthError;
  /**
   * The ready answer: 401 with an RFC 6750 challenge, or 503 with `Retry-After`; JSON
   * `{ "error": { "code", "message" } }` with `Cache-Control: no-store`.
   */
  response: Response;
}

/** What `authenticateRequest` resolves to. */
export type AuthenticateRequestResult<M extends object = DefaultMetadata> =
  | AuthenticatedRequest<M>
  | AnonymousRequest
  | RefusedRequest;

/** What a guard sets on a request it lets through (`req.auth`, `request.auth`). */
export type ProtektRequestAuth<M extends object = DefaultMetadata> =
  | Pick<AuthenticatedRequest<M>, 'user' | 'claims' | 'token'>
  | Pick<AnonymousRequest, 'user' | 'claims' | 'token'>;
