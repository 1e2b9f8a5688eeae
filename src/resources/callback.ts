/**
 * `auth.handleCallback`: reads what Protekt appends to the application's redirect URL after a
 * hosted, social, SSO or magic-link sign-in, checks `state`, and verifies what it carries.
 */
import type {
  AuthTokenResponse,
  DefaultMetadata,
  MfaRequiredError,
  ProtektApiError,
  ProtektUser,
  RequestOptions,
  Result,
  ReturnedErrorCode,
  VerifyTokenResult,
} from '../types.js';
import { isRecord } from '../util/record.js';
import { failedResult } from './operation.js';
import { inputError } from './validate.js';

/** The callback request: its URL (absolute, or a path such as Express's `req.originalUrl`). */
export type CallbackInput = string | URL | { readonly url: string };

/** Options of `auth.handleCallback`: the expected `state`, and the per-call request options. */
export interface HandleCallbackOptions extends RequestOptions {
  /**
   * The `state` this application put in the login URL (kept in the user's session or a cookie).
   * When given, a callback whose `state` differs, or that has none, is refused with
   * `invalid_request` (`details.field: 'state'`) before anything is verified.
   */
  state?: string | undefined;
}

/** What a callback signs in: the user and the tokens, or an error. */
export type CallbackResult<M extends object = DefaultMetadata> = Result<
  {
    /** The signed-in user. */
    user: ProtektUser<M>;
    /** The verified access token (JWT). */
    accessToken: string;
    /** The refresh token, when the redirect carries one (the emulator's always do). */
    refreshToken: string | null;
    /** Seconds until the access token expires. */
    expiresIn: number;
  },
  ProtektApiError | MfaRequiredError
>;

const FIELDS = { user: null, accessToken: null, refreshToken: null, expiresIn: null };

/** The callback's URL, or `null` when it is not one. */
function callbackUrl(input: unknown): URL | null {
  const raw =
    typeof input === 'string'
      ? input
      : input instanceof URL
        ? input.href
        : isRecord(input) && typeof input['url'] === 'string'
          ? input['url']
          : null;
  if (raw === null) return null;
  try {
    return new URL(raw, 'http://localhost');
  } catch {
    return null;
  }
}

/** A refusal found before anything was sent. */
function refused(error: ProtektApiError): never {
  return failedResult(FIELDS, error);
}

/** What the redirect itself says went wrong (`error`, `error_description`), or a bad `state`. */
function redirectProblem(query: URLSearchParams, expectedState: unknown): ProtektApiError | null {
  if (expectedState !== undefined) {
    if (typeof expectedState !== 'string')
      return inputError('invalid_request', 'state', 'must be a string.');
    if (query.get('state') !== expectedState)
      return inputError(
        'invalid_request',
        'state',
        'does not match the one this login started with.',
      );
  }
  const code = query.get('error');
  if (code !== null) {
    const message = query.get('error_description') ?? 'The sign-in did not complete.';
    return { code: code as ReturnedErrorCode, message, status: 0 };
  }
  return null;
}

/** Seconds left on a token: `expires_in` from the redirect, else from its `exp` claim. */
function secondsLeft(query: URLSearchParams, exp: number): number {
  const given = Number(query.get('expires_in'));
  if (query.get('expires_in') !== null && Number.isInteger(given) && given >= 0) return given;
  return Math.max(0, exp - Math.floor(Date.now() / 1000));
}

/** A compact JWS has three base64url parts; a magic-link token is one opaque string. */
const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

/** The two calls a callback may need. */
export interface CallbackDeps<M extends object> {
  verifyToken(token: string, options?: RequestOptions): Promise<VerifyTokenResult<M>>;
  verifyMagicLink(token: string, options?: RequestOptions): Promise<AuthTokenResponse<M>>;
}

/** The `handleCallback` of a client, on its `verifyToken` and `verifyMagicLink`. */
export function callbackHandler<M extends object>(deps: CallbackDeps<M>) {
  return async (
    input: CallbackInput,
    options?: HandleCallbackOptions,
  ): Promise<CallbackResult<M>> => {
    const url = callbackUrl(input);
    if (!url)
      return refused(inputError('invalid_request', 'url', 'must be the callback URL or request.'));
    const { state, ...requestOptions } = isRecord(options)
      ? options
      : ({} as HandleCallbackOptions);
    const problem = redirectProblem(url.searchParams, state);
    if (problem) return refused(problem);
    const token = url.searchParams.get('token');
    if (!token)
      return refused(inputError('invalid_request', 'token', 'is missing from the callback URL.'));
    if (!looksLikeJwt(token)) {
      // A magic link lands here with its single-use token: exchange it.
      const signedIn = await deps.verifyMagicLink(token, requestOptions);
      if (signedIn.error) return failedResult(FIELDS, signedIn.error);
      const { user, accessToken, refreshToken, expiresIn } = signedIn;
      return { user, accessToken, refreshToken, expiresIn, error: null };
    }
    const verified = await deps.verifyToken(token, requestOptions);
    if (verified.error) return failedResult(FIELDS, verified.error);
    return {
      user: verified.user,
      accessToken: token,
      refreshToken: url.searchParams.get('refresh_token'),
      expiresIn: secondsLeft(url.searchParams, verified.claims.exp),
      error: null,
    };
  };
}
