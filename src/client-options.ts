/**
 * The options of `new Protekt(...)`: their types, defaults and checks. A mistake here is a
 * configuration error, thrown once at construction as `config_invalid` naming the option, never
 * on a request.
 */
import { ProtektError } from './errors/protekt-error.js';
import type { FetchLike } from './http/transport.js';
import type { TokenOptions } from './tokens/index.js';
import { checkNumber, configError } from './tokens/options.js';

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

/** The client's settings: every option checked, with its default applied. */
export interface ClientSettings {
  loginId: string;
  apiKey: string;
  baseUrl: string;
  timeout: number;
  maxRetries: number;
  maxRetryAfter: number;
  tokenExpiry: number | undefined;
  fetch: FetchLike | undefined;
  now: () => number;
  /** Where debug lines go, when `debug` is on. */
  log: ((line: string) => void) | undefined;
}

/**
 * Checks the client options (all but the token options, which the verifier checks in the same
 * pass that applies their defaults) and applies the defaults.
 *
 * @throws {ProtektError} `config_invalid` naming the option; `browser_not_allowed` in a browser
 *   page without `dangerouslyAllowBrowser`.
 */
export function readClientOptions(options: ProtektOptions): ClientSettings {
  if (typeof options !== 'object' || options === null) {
    throw new ProtektError(
      'config_invalid',
      'new Protekt(options) needs an object with at least { loginId, apiKey }.',
    );
  }
  if (isBrowserPage() && options.dangerouslyAllowBrowser !== true) {
    throw new ProtektError(
      'browser_not_allowed',
      'Protekt runs on servers: in a browser page every visitor could read the API key (see dangerouslyAllowBrowser).',
    );
  }
  const loginId = checkId(options.loginId, 'loginId', "the project's login id", 'lp', '3,128');
  const apiKey = checkId(options.apiKey, 'apiKey', 'the project API key', 'pk', '8,256');
  const { fetch, now = Date.now, debug } = options;
  for (const option of ['fetch', 'now'] as const) {
    if (options[option] !== undefined && typeof options[option] !== 'function') {
      throw configError(option, 'must be a function.');
    }
  }
  const log = debugLog(debug);
  return {
    loginId,
    apiKey,
    baseUrl: checkBaseUrl(options.baseUrl),
    timeout: numberOption(options, 'timeout', 1, 600_000, 5_000),
    maxRetries: numberOption(options, 'maxRetries', 0, 10, 2, true),
    maxRetryAfter: numberOption(options, 'maxRetryAfter', 0, 3_600_000, 10_000),
    tokenExpiry: numberOption(options, 'tokenExpiry', 60, 86_400, undefined, true),
    fetch,
    now,
    log,
  };
}

/** Where debug lines go: the `debug` function, `console.debug` for `true`, nowhere otherwise. */
function debugLog(debug: unknown): ((line: string) => void) | undefined {
  if (typeof debug === 'function') return debug as (line: string) => void;
  if (debug === true) return (line) => console.debug(line);
  if (debug === undefined || debug === false) return undefined;
  throw configError('debug', 'must be a boolean or a function.');
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
  if (typeof value !== 'string' || !url) throw configError('baseUrl', 'is not an absolute URL.');
  if (url.username || url.password) throw configError('baseUrl', 'must not contain credentials.');
  if (url.search || url.hash) throw configError('baseUrl', 'must not contain a query or fragment.');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLocalHost(url.hostname))) {
    throw configError('baseUrl', 'must use https (http only for loopback, .localhost, .test).');
  }
  return url.toString().replace(/\/+$/, '');
}

/** Hosts plain http may reach: loopback, and names that never leave the machine. */
const isLocalHost = (hostname: string): boolean =>
  /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|.*\.(localhost|test))$/.test(hostname);

function isBrowserPage(): boolean {
  return typeof (globalThis as { window?: { document?: unknown } }).window?.document === 'object';
}
