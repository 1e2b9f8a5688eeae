/**
 * `authenticateRequest`: find a request's access token, verify it, and either say who the user is
 * or hand back the ready answer of a refusal (the table of docs/middleware.md, in one place).
 * Web standards only: every framework adapter sits on it.
 */
import { ProtektError } from '../errors/protekt-error.js';
import type { DefaultMetadata, ProtektApiError, VerifyTokenResult } from '../types.js';
import { unknownOption } from '../util/option-names.js';
import { ownProps } from '../util/record.js';
import type {
  AuthenticateRequestOptions,
  AuthenticateRequestResult,
  HeaderReader,
  ProtektAuthError,
  RefusedRequest,
  RequestWithHeaders,
  TokenVerifier,
} from './types.js';

/** The options, checked once: what a guard applies to every request. */
export interface GuardSettings {
  readonly cookie: string | undefined;
  readonly optional: boolean;
  /** `Bearer realm="…"`, the start of every challenge. */
  readonly challenge: string;
}

/** The options every guard knows. */
export const GUARD_OPTION_NAMES = ['cookie', 'optional', 'realm'] as const;

/**
 * Checks guard options (own properties only: an `optional` set on a polluted Object.prototype
 * must not loosen anything) and returns their settings. `who` names the caller in messages;
 * `known` are every option name the caller accepts.
 *
 * @throws {ProtektError} `config_invalid` naming the option, never its value.
 */
export function guardSettings(
  given: unknown,
  who: string,
  known: readonly string[] = GUARD_OPTION_NAMES,
): GuardSettings {
  const refuse = (option: string, why: string): never => {
    throw new ProtektError('config_invalid', `${who} option ${option} ${why}`, {
      details: { option },
    });
  };
  if (given === undefined) return DEFAULT_SETTINGS;
  if (typeof given !== 'object' || given === null) refuse('options', 'must be an object.');
  const options = ownProps(given as AuthenticateRequestOptions);
  const unknown = unknownOption(options, known);
  if (unknown) refuse(unknown.name, unknown.why);
  const { cookie, optional, realm } = options;
  // The realm goes into a header: a quote, a backslash or a line break would break every 401.
  if (
    realm !== undefined &&
    !(typeof realm === 'string' && /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(realm))
  )
    refuse('realm', 'must be printable ASCII without quotes or backslashes.');
  if (cookie !== undefined && !(typeof cookie === 'string' && /^[\w!#$%&'*+.^`|~-]*$/.test(cookie)))
    refuse('cookie', 'must be a cookie name.');
  if (optional !== undefined && typeof optional !== 'boolean')
    refuse('optional', 'must be true or false.');
  return {
    cookie: cookie || undefined,
    optional: optional === true,
    challenge: `Bearer realm="${realm ?? 'protekt'}"`,
  };
}

const DEFAULT_SETTINGS: GuardSettings = {
  cookie: undefined,
  optional: false,
  challenge: 'Bearer realm="protekt"',
};

/**
 * Authenticates a request with the verifier `verifierFor` gives, asked for only when the request
 * carries a token (see {@link authenticateRequest}), under settings checked once by
 * {@link guardSettings}. Rejects only with what `verifyToken` threw that is not a
 * `ProtektError` (a bug, a broken mock): an outage is a 503 answer, not a rejection.
 */
export async function authenticateWith<M extends object = DefaultMetadata>(
  verifierFor: () => TokenVerifier<M>,
  headers: HeaderReader,
  settings: GuardSettings,
): Promise<AuthenticateRequestResult<M>> {
  const token = requestToken(headers, settings.cookie);
  if (token === null) return invalidToken(settings.challenge, null, 'token_invalid');
  if (!token) {
    if (settings.optional) return ANONYMOUS;
    return refused(null, MISSING, { 'www-authenticate': settings.challenge });
  }
  // Asked for only now, and outside the try: a `fromEnv` that throws (a missing secret) is a
  // configuration mistake to surface, not an outage.
  const verifier = verifierFor();
  let result: VerifyTokenResult<M>;
  try {
    result = await verifier.verifyToken(token);
  } catch (err) {
    return outage(token, err);
  }
  if (result.error) return invalidToken(settings.challenge, token, result.error.code, result.error);
  return { user: result.user, claims: result.claims, token, error: null, response: null };
}

/**
 * Finds a request's access token (`Authorization: Bearer`, the scheme in any case; else, when
 * `cookie` names one, that cookie), verifies it with `verifier.verifyToken` and resolves:
 *
 * - a valid token: `{ user, claims, token, error: null, response: null }`;
 * - no token with `optional: true`: every field `null`;
 * - otherwise `{ error, response }`, `response` being the answer to send: **401** with
 *   `WWW-Authenticate: Bearer realm="…"` (no token; RFC 6750 §3.1: no error code) or
 *   `Bearer realm="…", error="invalid_token", error_description="…"` (malformed, forged, expired,
 *   revoked, another project's); **503** with `Retry-After` (1 s to 5 min) when verification threw
 *   a `ProtektError` (no signing key can be had, Protekt unreachable with fail-closed revocation):
 *   an outage is not the caller's fault. Every refusal is JSON `{ "error": { "code", "message" } }`
 *   with `Cache-Control: no-store`; the messages are fixed texts, nothing from the token.
 *
 * @throws {ProtektError} `config_invalid` for a bad option; rejects with anything `verifyToken`
 *   threw that is not a `ProtektError`.
 */
export function authenticateRequest<M extends object = DefaultMetadata>(
  verifier: TokenVerifier<M>,
  request: RequestWithHeaders,
  options?: AuthenticateRequestOptions,
): Promise<AuthenticateRequestResult<M>> {
  try {
    const settings = guardSettings(options, 'authenticateRequest');
    if (typeof request?.headers?.get !== 'function')
      throw new ProtektError(
        'invalid_argument',
        'authenticateRequest needs a request with headers.',
      );
    return authenticateWith(() => verifier, request.headers, settings);
  } catch (err) {
    return Promise.reject(err);
  }
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([\w\-.~+/]+=*) *$/i;

/**
 * The request's access token: from `Authorization: Bearer`, else (no bearer header) from the
 * cookie when one is named. `undefined` when there is none; `null` for a malformed bearer value.
 */
export function requestToken(
  headers: HeaderReader,
  cookie: string | undefined,
): string | undefined | null {
  const header = headers.get('authorization')?.trim();
  if (header && /^bearer( |$)/i.test(header)) return BEARER.exec(header)?.[1] ?? null;
  return (cookie && cookieValue(headers.get('cookie'), cookie)) || undefined;
}

/** The first cookie called `name` in a `Cookie` header, unquoted and percent-decoded. */
function cookieValue(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const value = pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(value);
    } catch {
      return value; // not percent-encoded after all: verification refuses it if it is no token
    }
  }
  return undefined;
}

const ANONYMOUS = Object.freeze({
  user: null,
  claims: null,
  token: null,
  error: null,
  response: null,
});

const MISSING: ProtektAuthError = {
  code: 'token_missing',
  message: 'A bearer token is required',
  status: 401,
};

/** A refusal, with its answer: the error envelope, never cached, plus `headers`. */
function refused(
  token: string | null,
  error: ProtektAuthError,
  headers: Record<string, string>,
): RefusedRequest {
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  const response = new Response(body, {
    status: error.status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
  return { user: null, claims: null, token, error, response };
}

// What each refusal of a present token says (fixed texts: nothing from the token is echoed).
const INVALID_TOKEN_MESSAGES: Readonly<Record<string, string>> = {
  __proto__: null as never,
  token_expired: 'The access token expired',
  token_revoked: 'The access token was revoked',
  token_invalid: 'The access token is invalid',
};

/** 401 `invalid_token` (RFC 6750 §3.1) for a present token that cannot be used. */
function invalidToken(
  challenge: string,
  token: string | null,
  code: string,
  cause?: ProtektApiError,
): RefusedRequest {
  const known = INVALID_TOKEN_MESSAGES[code] ? code : 'token_invalid';
  const message = INVALID_TOKEN_MESSAGES[known]!;
  return refused(
    token,
    { code: known, message, status: 401, cause },
    {
      'www-authenticate': `${challenge}, error="invalid_token", error_description="${message}"`,
    },
  );
}

/**
 * 503 with a bounded `Retry-After` when verification threw a `ProtektError` (an outage is not the
 * caller's fault); anything else is thrown on, and so is `not_mocked` (a `Protekt.mock` without
 * `verifyToken`: a test's mistake, which a 503 would hide).
 */
function outage(token: string, err: unknown): RefusedRequest {
  // Only a ProtektError (recognised by the brand every copy of the SDK sets) means an outage.
  if (!(err instanceof ProtektError) || err.code === 'not_mocked') throw err;
  const after = err.details.retryAfter;
  // Protekt's own Retry-After, kept between 1 s and 5 min: never an answer that parks a client.
  const seconds = typeof after === 'number' && after > 0 ? Math.min(Math.ceil(after), 300) : 5;
  const error: ProtektAuthError = {
    code: 'service_unavailable',
    message: 'Authentication is temporarily unavailable',
    status: 503,
    cause: err,
  };
  return refused(token, error, { 'retry-after': String(seconds) });
}
