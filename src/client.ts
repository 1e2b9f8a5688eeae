/**
 * The `Protekt` client: configured once (options checked here, at construction), then used
 * everywhere through its resources `auth`, `users`, `sessions` and `mfa`.
 */
import { ProtektError } from './errors/protekt-error.js';
import { createTransport, type FetchLike } from './http/transport.js';
import { AUTH, type AuthResource } from './resources/auth.js';
import { MFA, type MfaResource } from './resources/mfa.js';
import { SESSIONS, type SessionsResource } from './resources/sessions.js';
import { resource, type ResourceContext } from './resources/shared.js';
import { USERS, type UsersResource } from './resources/users.js';
import { createTokenVerifier, validateTokenOptions, type TokenOptions } from './tokens/index.js';
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
  /** Access-token lifetime in seconds (60–86400) for tokens issued through this client. Default: the project's setting. */
  tokenExpiry?: number;
  /** Per-attempt HTTP timeout in milliseconds. Default 5000. */
  timeout?: number;
  /** API base URL. Default `https://auth.protekt.io/v1`. Plain `http` only for loopback and `.localhost`/`.test` hosts. */
  baseUrl?: string;
  /** `true` logs one line per request through `console.debug`; a function receives the lines instead. Never logs a secret. */
  debug?: boolean | ((line: string) => void);
  /** Extra attempts after a network error, timeout, 408, 429 or 5xx (not 501). Default 2. */
  maxRetries?: number;
  /** Longest `Retry-After` (ms) worth waiting for; a longer one ends the call at once. Default 10000. */
  maxRetryAfter?: number;
  /** Replaces the global `fetch` (an emulator's `fetch`, a proxy-aware fetch, a test double). */
  fetch?: FetchLike;
  /** The API key is a secret: the client refuses to run in a browser page unless this is `true`. */
  dangerouslyAllowBrowser?: boolean;
  /** Clock in milliseconds, for tests that move time (token expiry, cache ages). Default `Date.now`. */
  now?: () => number;
}

const LOGIN_ID = /^lp_[\w-]{3,128}$/;
const API_KEY = /^pk_[\w-]{8,256}$/;

function configError(option: string, why: string): ProtektError {
  return new ProtektError('config_invalid', `Protekt option \`${option}\` ${why}`, { details: { option } });
}

function checkNumber(value: unknown, option: string, min: number, max: number, integer?: boolean): number | undefined {
  if (value !== undefined && !(Number.isFinite(value) && (!integer || Number.isInteger(value)) && (value as number) >= min && (value as number) <= max)) {
    throw configError(option, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}.`);
  }
  return value as number | undefined;
}

// A required id with its prefix; the value itself never appears in a message (the key is a secret).
function checkId(value: unknown, option: string, pattern: RegExp, prefix: string): string {
  if (typeof value === 'string' && pattern.test(value)) return value;
  throw configError(option, `is ${value ? 'malformed' : 'required'}: expected ${prefix}_ then letters, digits, - or _.`);
}

function checkFunction(value: unknown, option: string): void {
  if (value !== undefined && typeof value !== 'function') throw configError(option, 'must be a function.');
}

/** Reads and checks `baseUrl`: absolute, https (or http on a local host), no credentials, query or hash. */
function checkBaseUrl(value: unknown): string {
  if (value === undefined) return DEFAULT_BASE_URL;
  let url: URL | undefined;
  try {
    url = new URL(value as string);
  } catch {
    // not a URL: refused below
  }
  if (typeof value !== 'string' || !url) throw configError('baseUrl', 'is not an absolute URL (e.g. https://auth.protekt.io/v1).');
  if (url.username || url.password) throw configError('baseUrl', 'must not contain credentials.');
  if (url.search || url.hash) throw configError('baseUrl', 'must not contain a query string or fragment.');
  const host = url.hostname;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|.*\.(localhost|test))$/.test(host))) {
    throw configError('baseUrl', 'must use https (http only for localhost, 127.0.0.0/8, [::1], *.localhost, *.test).');
  }
  return url.toString().replace(/\/+$/, '');
}

function view(p: { loginId: string; baseUrl: string }): string {
  return `Protekt { loginId: '${p.loginId}', baseUrl: '${p.baseUrl}' }`;
}

function isBrowserPage(): boolean {
  const g = globalThis as { window?: { document?: unknown } };
  return typeof g.window === 'object' && g.window !== null && typeof g.window.document === 'object';
}

/**
 * The Protekt client. Create it once per project and reuse it: it keeps the JWKS and
 * verification caches.
 *
 * ```ts
 * const protekt = new Protekt({ loginId: env.PROTEKT_LOGIN_ID, apiKey: env.PROTEKT_API_KEY });
 * const { user, error } = await protekt.auth.verifyToken(token);
 * ```
 */
export class Protekt<M extends object = DefaultMetadata> {
  /** Sign-up, login, tokens, passwordless, passwords, redirect URLs. */
  readonly auth: AuthResource<M>;
  /** The project's users (back-office). */
  readonly users: UsersResource<M>;
  /** A user's sessions. */
  readonly sessions: SessionsResource;
  /** MFA enrollment, challenge and backup codes. */
  readonly mfa: MfaResource<M>;
  /** The project's login id. */
  readonly loginId: string;
  /** The API base URL in use. */
  readonly baseUrl: string;

  constructor(options: ProtektOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new ProtektError('config_invalid', 'new Protekt(options) needs an object with loginId and apiKey.');
    }
    if (isBrowserPage() && options.dangerouslyAllowBrowser !== true) {
      throw new ProtektError(
        'browser_not_allowed',
        'The Protekt client holds your API key, a secret: run it on a server (or pass dangerouslyAllowBrowser: true).',
      );
    }
    const loginId = checkId(options.loginId, 'loginId', LOGIN_ID, 'lp');
    const apiKey = checkId(options.apiKey, 'apiKey', API_KEY, 'pk');
    checkFunction(options.fetch, 'fetch');
    checkFunction(options.now, 'now');
    if (options.debug !== undefined && typeof options.debug !== 'boolean' && typeof options.debug !== 'function') {
      throw configError('debug', 'must be a boolean or a function.');
    }

    const baseUrl = checkBaseUrl(options.baseUrl);
    const timeout = checkNumber(options.timeout, 'timeout', 1, 600_000) ?? 5_000;
    const maxRetries = checkNumber(options.maxRetries, 'maxRetries', 0, 10, true) ?? 2;
    const maxRetryAfter = checkNumber(options.maxRetryAfter, 'maxRetryAfter', 0, 3_600_000) ?? 10_000;
    const tokenExpiry = checkNumber(options.tokenExpiry, 'tokenExpiry', 60, 86_400, true);
    const tokenOptions = validateTokenOptions(options);
    const now = options.now ?? Date.now;
    const log =
      typeof options.debug === 'function' ? options.debug : options.debug === true ? (line: string) => console.debug(line) : undefined;

    this.loginId = loginId;
    this.baseUrl = baseUrl;
    const send = createTransport({ baseUrl, apiKey, timeout, maxRetries, maxRetryAfter, fetch: options.fetch, log, now });
    const verifier = createTokenVerifier<M>({
      jwksUrl: `${baseUrl}/.well-known/jwks.json`,
      issuer: new URL(baseUrl).origin,
      audience: loginId,
      send,
      fetchIdentity: options.fetch ?? globalThis,
      options: tokenOptions,
      now,
      log,
    });
    const ctx: ResourceContext = { send, tokenExpiry, verifier, baseUrl, loginId };
    this.auth = resource(ctx, 'auth', AUTH);
    this.users = resource(ctx, 'users', USERS);
    this.sessions = resource(ctx, 'sessions', SESSIONS);
    this.mfa = resource(ctx, 'mfa', MFA);
  }

  /**
   * A stand-in client for unit tests: each method you pass answers as you say; any other method
   * rejects with a `ProtektError` (`not_mocked`) naming it, instead of returning `undefined`.
   * Auth methods may be given at the top level (`verifyToken`), any method under its resource
   * (`users: { get }`).
   */
  static mock<M extends object = DefaultMetadata>(overrides: ProtektMockOverrides<M> = {}): Protekt<M> {
    return createMock<M>(overrides, Protekt.prototype);
  }

  /** Serialises without the API key. */
  toJSON(): { loginId: string; baseUrl: string } {
    return { loginId: this.loginId, baseUrl: this.baseUrl };
  }

  /** Node's `util.inspect` / `console.log` view, without the API key. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return view(this);
  }

  /** Deno's `console.log` view, without the API key. */
  [Symbol.for('Deno.customInspect')](): string {
    return view(this);
  }
}
