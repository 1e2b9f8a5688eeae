/**
 * The `Protekt` client: configured once (options checked here, at construction), then used
 * everywhere through its resources `auth`, `users`, `sessions` and `mfa`.
 */
import { ProtektError } from './errors/protekt-error.js';
import { createTransport, type FetchLike } from './http/transport.js';
import type { AuthResource } from './resources/auth.js';
import type { MfaResource } from './resources/mfa.js';
import type { SessionsResource } from './resources/sessions.js';
import { RESOURCE_METHODS } from './resources/index.js';
import { buildResource, type MethodTable, type ResourceContext } from './resources/operation.js';
import type { UsersResource } from './resources/users.js';
import { createTokenVerifier, type TokenOptions } from './tokens/index.js';
import { checkNumber, configError } from './tokens/options.js';
import type { DefaultMetadata } from './types.js';
import { createMock, type ProtektMockOverrides } from './mock.js';

/** Default API base URL; every path of the API hangs below it. */
export const DEFAULT_BASE_URL = 'https://auth.protekt.io/v1';

/** Options of `new Protekt(...)`. */
export interface ProtektOptions extends TokenOptions {
  /** Required. The project's login id (`lp_...`). Public; it is also the token audience. */
  loginId: string;
  /** Required. The project API key (`pk_...`). A secret: keep it on the server. */
  apiKey: string;
  /**
   * Access-token lifetime in seconds (60–86400) for tokens issued through this client. Default: the
   * project's setting.
   */
  tokenExpiry?: number;
  /** Per-attempt HTTP timeout in milliseconds. Default 5000. */
  timeout?: number;
  /**
   * API base URL. Default `https://auth.protekt.io/v1`. Plain `http` only for loopback and
   * `.localhost`/`.test` hosts.
   */
  baseUrl?: string;
  /**
   * `true` logs one line per request through `console.debug`; a function receives the lines
   * instead. Never logs a secret.
   */
  debug?: boolean | ((line: string) => void);
  /** Extra attempts after a network error, timeout, 408, 429 or 5xx (not 501). Default 2. */
  maxRetries?: number;
  /**
   * Longest `Retry-After` (ms) worth waiting for; a longer one ends the call at once. Default
   * 10000.
   */
  maxRetryAfter?: number;
  /** Replaces the global `fetch` (an emulator's `fetch`, a proxy-aware fetch, a test double). */
  fetch?: FetchLike;
  /** The API key is a secret: the client refuses to run in a browser page unless this is `true`. */
  dangerouslyAllowBrowser?: boolean;
  /**
   * Clock in milliseconds, for tests that move time (token expiry, cache ages). Default `Date.now`.
   */
  now?: () => number;
}

// A required id with its prefix; the value itself never appears in a message (the key is a secret).
function checkId(
  value: unknown,
  option: string,
  what: string,
  prefix: string,
  lengths: string,
): string {
  if (typeof value === 'string' && new RegExp(`^${prefix}_[\\w-]{${lengths}}$`).test(value))
    return value;
  const form = `${prefix}_ followed by ${lengths.replace(',', ' to ')} letters, digits, _ or -`;
  if (!value) throw configError(option, `is required: ${what} (${form}).`);
  throw configError(option, `is malformed: it must be ${what}, ${form}.`);
}

// A number option from `min` to `max`, or `fallback` when unset.
const numberOption = <T>(
  options: ProtektOptions,
  option: 'timeout' | 'maxRetries' | 'maxRetryAfter' | 'tokenExpiry',
  min: number,
  max: number,
  fallback: T,
  integer?: boolean,
): number | T =>
  checkNumber(
    options[option],
    option,
    min,
    max,
    integer,
    `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
  ) ?? fallback;

/**
 * Reads and checks `baseUrl`: absolute, https (or http on a local host), no credentials, query or
 * hash.
 */
function checkBaseUrl(value: unknown): string {
  if (value === undefined) return DEFAULT_BASE_URL;
  let url: URL | undefined;
  try {
    url = new URL(value as string);
  } catch {
    // not a URL: refused below
  }
  const why =
    typeof value !== 'string' || !url
      ? 'is not an absolute URL.'
      : url.username || url.password
        ? 'must not contain credentials.'
        : url.search || url.hash
          ? 'must not contain a query or fragment.'
          : url.protocol !== 'https:' &&
              !(
                url.protocol === 'http:' &&
                /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|.*\.(localhost|test))$/.test(url.hostname)
              )
            ? 'must use https (http only for loopback, .localhost, .test).'
            : '';
  if (why) throw configError('baseUrl', why);
  return url!.toString().replace(/\/+$/, '');
}

function isBrowserPage(): boolean {
  return typeof (globalThis as { window?: { document?: unknown } }).window?.document === 'object';
}

/**
 * The Protekt client. Create it once per project and reuse it: it keeps the JWKS and
 * verification caches.
 *
 * @example
 * ```ts
 * const protekt = new Protekt({ loginId: env.PROTEKT_LOGIN_ID, apiKey: env.PROTEKT_API_KEY });
 * const { user, error } = await protekt.auth.verifyToken(token);
 * if (error) return new Response('Unauthorized', { status: 401 });
 * ```
 */
export class Protekt<M extends object = DefaultMetadata> {
  /** Sign-up, login, tokens, passwordless, passwords, redirect URLs. */
  declare readonly auth: AuthResource<M>;
  /** The project's users (back-office). */
  declare readonly users: UsersResource<M>;
  /** A user's sessions. */
  declare readonly sessions: SessionsResource;
  /** MFA enrollment, challenge and backup codes. */
  declare readonly mfa: MfaResource<M>;
  /** The project's login id. */
  declare readonly loginId: string;
  /** The API base URL in use. */
  declare readonly baseUrl: string;

  constructor(options: ProtektOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new ProtektError(
        'config_invalid',
        'new Protekt(options) needs an options object with at least { loginId, apiKey }.',
      );
    }
    if (isBrowserPage() && options.dangerouslyAllowBrowser !== true) {
      throw new ProtektError(
        'browser_not_allowed',
        'The API key is a secret every visitor of a browser page could read: call Protekt from your server (see dangerouslyAllowBrowser).',
      );
    }
    const loginId = checkId(options.loginId, 'loginId', "the project's login id", 'lp', '3,128');
    const apiKey = checkId(options.apiKey, 'apiKey', 'the project API key', 'pk', '8,256');
    const { fetch, now = Date.now, debug } = options;
    for (const option of ['fetch', 'now'] as const) {
      if (options[option] !== undefined && typeof options[option] !== 'function')
        throw configError(option, 'must be a function.');
    }
    if (debug !== undefined && typeof debug !== 'boolean' && typeof debug !== 'function')
      throw configError('debug', 'must be a boolean or a function.');

    const baseUrl = checkBaseUrl(options.baseUrl);
    const timeout = numberOption(options, 'timeout', 1, 600_000, 5_000);
    const maxRetries = numberOption(options, 'maxRetries', 0, 10, 2, true);
    const maxRetryAfter = numberOption(options, 'maxRetryAfter', 0, 3_600_000, 10_000);
    const tokenExpiry = numberOption(options, 'tokenExpiry', 60, 86_400, undefined, true);
    const log =
      typeof debug === 'function'
        ? debug
        : debug
          ? (line: string) => console.debug(line)
          : undefined;

    const send = createTransport({
      baseUrl,
      apiKey,
      timeout,
      maxRetries,
      maxRetryAfter,
      fetch,
      log,
      now,
    });
    const verifier = createTokenVerifier<M>({
      jwksUrl: `${baseUrl}/.well-known/jwks.json`,
      issuer: new URL(baseUrl).origin,
      audience: loginId,
      send,
      fetchIdentity: fetch ?? globalThis,
      // Checked there, in the same pass that applies their defaults.
      options,
      now,
      timeout,
      log,
    });
    const context: ResourceContext = {
      send,
      tokenExpiry,
      verifyToken: verifier.verify,
      baseUrl,
      loginId,
    };
    // Own properties in this order: auth, users, sessions, mfa, loginId, baseUrl.
    const self = this as Record<string, unknown>;
    for (const [name, table] of Object.entries(RESOURCE_METHODS))
      self[name] = buildResource(context, name, table as MethodTable<Record<string, unknown>>);
    self.loginId = loginId;
    self.baseUrl = baseUrl;
  }

  /**
   * A stand-in client for unit tests: each method you pass answers as you say; any other method
   * rejects with a `ProtektError` (`not_mocked`) naming it, instead of returning `undefined`.
   * Auth methods may be given at the top level (`verifyToken`), any method under its resource
   * (`users: { get }`).
   */
  static mock<M extends object = DefaultMetadata>(
    overrides: ProtektMockOverrides<M> = {},
  ): Protekt<M> {
    return createMock<M>(overrides, Protekt.prototype);
  }

  /** Serialises without the API key. */
  toJSON(): { loginId: string; baseUrl: string } {
    return { loginId: this.loginId, baseUrl: this.baseUrl };
  }

  /**
   * The `console.log` / `util.inspect` view (Node, Deno 2 and Bun read this symbol), without the
   * API key.
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Protekt { loginId: '${this.loginId}', baseUrl: '${this.baseUrl}' }`;
  }
}
