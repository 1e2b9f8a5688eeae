/**
 * The options of `new Protekt(...)`: their types, defaults and checks. A mistake here is a
 * configuration error, thrown once at construction as `config_invalid` naming the option, never
 * on a request.
 */
import { ProtektError } from './errors/protekt-error.js';
import type { FetchLike, TransportConfig } from './http/transport.js';
import { processEnv } from './runtime/env.js';
import { own, ownProps } from './util/record.js';
import type { TokenOptions } from './tokens/index.js';
import {
  checkNumber,
  configError,
  refuseUnknownOptions,
  TOKEN_OPTION_NAMES,
} from './tokens/options.js';

/** Default API base URL; every path of the API hangs below it. */
export const DEFAULT_BASE_URL = 'https://auth.protekt.io/v1';

/** Default Account API base URL (`protekt.projects`, `apiKeys`, `members`, `usage`). */
export const DEFAULT_ACCOUNT_BASE_URL = 'https://api.protekt.io/v1';

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
  tokenExpiry?: number | undefined;
  /** Per-attempt HTTP timeout in milliseconds. Default 5000. */
  timeout?: number | undefined;
  /**
   * API base URL. Default `https://auth.protekt.io/v1`. Plain `http` only for loopback and
   * `.localhost`/`.test` hosts, unless `allowInsecureHttp`.
   */
  baseUrl?: string | undefined;
  /**
   * A management token (from `Protekt.getManagementToken`) for the Account API: `projects`,
   * `apiKeys`, `members`, `usage`. A secret like `apiKey`: never logged, serialised or put in an
   * error. Without it those calls throw `invalid_management_token`.
   */
  managementToken?: string | undefined;
  /**
   * Account API base URL. Default `https://api.protekt.io/v1`; the same rules as `baseUrl` (an
   * emulator's is `emulator.account.baseUrl`).
   */
  accountBaseUrl?: string | undefined;
  /**
   * `true` lets `baseUrl` be plain `http` on any host: for an emulator reached by name on a private
   * network (a docker-compose service, a CI service container). The API key then travels
   * unencrypted: never for the real Protekt. Default `false`.
   */
  allowInsecureHttp?: boolean | undefined;
  /**
   * `true` logs one line per request through `console.debug`; a function receives the lines
   * instead. Never logs a secret.
   */
  debug?: boolean | ((line: string) => void) | undefined;
  /** Extra attempts after a network error, timeout, 408, 429 or 5xx (not 501). Default 2. */
  maxRetries?: number | undefined;
  /**
   * Longest `Retry-After` (ms) worth waiting for; a longer one ends the call at once. Default
   * 10000.
   */
  maxRetryAfter?: number | undefined;
  /** Replaces the global `fetch` (an emulator's `fetch`, a proxy-aware fetch, a test double). */
  fetch?: FetchLike | undefined;
  /** The API key is a secret: the client refuses to run in a browser page unless this is `true`. */
  dangerouslyAllowBrowser?: boolean | undefined;
  /**
   * Clock in milliseconds, for tests that move time (token expiry, cache ages). Default `Date.now`.
   */
  now?: (() => number) | undefined;
}

/** Every option `new Protekt()` knows (an unknown one is refused, naming the nearest). */
const CLIENT_OPTION_NAMES: readonly string[] = [
  'loginId',
  'apiKey',
  'baseUrl',
  'managementToken',
  'accountBaseUrl',
  'allowInsecureHttp',
  'tokenExpiry',
  'timeout',
  'maxRetries',
  'maxRetryAfter',
  'debug',
  'fetch',
  'now',
  'dangerouslyAllowBrowser',
  ...TOKEN_OPTION_NAMES,
];

/** The client's settings: every option checked, with its default applied. */
export interface ClientSettings {
  loginId: string;
  apiKey: string;
  baseUrl: string;
  /** The management token, when given (checked: printable ASCII). */
  managementToken: string | undefined;
  accountBaseUrl: string;
  timeout: number;
  maxRetries: number;
  maxRetryAfter: number;
  tokenExpiry: number | undefined;
  fetch: FetchLike | undefined;
  now: () => number;
  /** Where debug lines go, when `debug` is on. */
  log: ((line: string) => void) | undefined;
  /**
   * The options as given, own properties only, in an object without a prototype: what the token
   * verifier reads its options from.
   */
  options: ProtektOptions;
}

/**
 * Checks the client options (all but the token options, which the verifier checks in the same
 * pass that applies their defaults) and applies the defaults.
 *
 * @throws {ProtektError} `config_invalid` naming the option; `browser_not_allowed` in a browser
 *   page without `dangerouslyAllowBrowser`.
 */
export function readClientOptions(given: ProtektOptions): ClientSettings {
  if (typeof given !== 'object' || given === null) {
    throw new ProtektError(
      'config_invalid',
      'new Protekt(options) needs an object with at least { loginId, apiKey }.',
    );
  }
  // Read once into an object without a prototype: a `baseUrl`, `fetch` or `jwks` added to a
  // polluted Object.prototype is never taken for an option the caller set.
  const options = ownProps(given);
  refuseUnknownOptions(options, CLIENT_OPTION_NAMES);
  if (isBrowserPage() && options.dangerouslyAllowBrowser !== true) {
    throw new ProtektError(
      'browser_not_allowed',
      'Protekt runs on servers: in a browser page every visitor could read the API key (see dangerouslyAllowBrowser).',
    );
  }
  const loginId = checkId(options.loginId, 'loginId');
  const apiKey = checkId(options.apiKey, 'apiKey');
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
    baseUrl: checkBaseUrl(options.baseUrl, options.allowInsecureHttp),
    managementToken: checkManagementToken(options.managementToken),
    accountBaseUrl: checkBaseUrl(
      options.accountBaseUrl,
      options.allowInsecureHttp,
      'accountBaseUrl',
      DEFAULT_ACCOUNT_BASE_URL,
    ),
    timeout: numberOption(options, 'timeout', 1, 600_000, 5_000),
    maxRetries: numberOption(options, 'maxRetries', 0, 10, 2, true),
    maxRetryAfter: numberOption(options, 'maxRetryAfter', 0, 3_600_000, 10_000),
    tokenExpiry: numberOption(options, 'tokenExpiry', 60, 86_400, undefined, true),
    fetch,
    now,
    log,
    options,
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
function checkId(value: unknown, option: keyof typeof PROJECT_IDS): string {
  const { pattern, what, form } = PROJECT_IDS[option];
  if (typeof value === 'string' && pattern.test(value)) return value;
  if (!value) throw configError(option, `is required: ${what} (${form}).`);
  throw configError(option, `is malformed: it must be ${what}, ${form}.`);
}

/**
 * What a login id and an API key look like (the CLI checks its `--login-id` and `--api-key` with
 * the same rules).
 */
export const PROJECT_IDS = {
  loginId: {
    pattern: /^lp_[\w-]{3,128}$/,
    what: "the project's login id",
    form: 'lp_ followed by 3 to 128 letters, digits, _ or -',
  },
  apiKey: {
    pattern: /^pk_[\w-]{8,256}$/,
    what: 'the project API key',
    form: 'pk_ followed by 8 to 256 letters, digits, _ or -',
  },
};

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

/** A management token, when given: 1 to 4096 printable ASCII characters (never echoed). */
function checkManagementToken(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && /^[\x21-\x7e]{1,4096}$/.test(value)) return value;
  throw configError(
    'managementToken',
    'is malformed: it must be the token Protekt.getManagementToken gave (1 to 4096 printable ASCII characters).',
  );
}

/**
 * Reads and checks `baseUrl` (or `option`, another API's base URL): absolute, https (or http on a
 * local host), no credentials, query or hash.
 */
function checkBaseUrl(
  value: unknown,
  allowInsecureHttp: unknown,
  option: 'baseUrl' | 'accountBaseUrl' = 'baseUrl',
  fallback = DEFAULT_BASE_URL,
): string {
  if (allowInsecureHttp !== undefined && typeof allowInsecureHttp !== 'boolean') {
    throw configError('allowInsecureHttp', 'must be a boolean.');
  }
  if (value === undefined) return fallback;
  let url: URL | undefined;
  try {
    url = new URL(value as string);
  } catch {
    // not a URL: refused below
  }
  if (typeof value !== 'string' || !url) throw configError(option, 'is not an absolute URL.');
  if (url.username || url.password) throw configError(option, 'must not contain credentials.');
  if (url.search || url.hash) throw configError(option, 'must not contain a query or fragment.');
  const http = url.protocol === 'http:';
  if (!(url.protocol === 'https:' || (http && (allowInsecureHttp || isLocalHost(url.hostname))))) {
    throw configError(
      option,
      http
        ? `must use https: plain http only for loopback, .localhost and .test hosts, or with allowInsecureHttp: true (here ${url.hostname}).`
        : 'must use https.',
    );
  }
  return url.toString().replace(/\/+$/, '');
}

/** Options of `Protekt.getManagementToken` (a subset of the client's, with the same rules). */
export interface ManagementTokenOptions {
  /** Account API base URL. Default `https://api.protekt.io/v1`. */
  accountBaseUrl?: string | undefined;
  /** `true` lets `accountBaseUrl` be plain `http` on any host (see the client option). */
  allowInsecureHttp?: boolean | undefined;
  /** Replaces the global `fetch` (an emulator's `fetch`). */
  fetch?: FetchLike | undefined;
  /** Per-attempt HTTP timeout in milliseconds. Default 5000. */
  timeout?: number | undefined;
  /** `true` logs one line per request through `console.debug` (never the credentials). */
  debug?: boolean | ((line: string) => void) | undefined;
}

const MANAGEMENT_TOKEN_OPTION_NAMES = [
  'accountBaseUrl',
  'allowInsecureHttp',
  'fetch',
  'timeout',
  'debug',
];

/**
 * Checks the options of `Protekt.getManagementToken` and gives the Account API transport's
 * settings, with no credential yet (`POST /token` sends the credentials in its body).
 *
 * @throws {ProtektError} `config_invalid` naming the option.
 */
export function readManagementTokenOptions(given: ManagementTokenOptions = {}): TransportConfig {
  if (typeof given !== 'object' || given === null) {
    throw new ProtektError(
      'config_invalid',
      'Protekt.getManagementToken(credentials, options): options must be an object or left out.',
    );
  }
  const options = ownProps(given) as ManagementTokenOptions;
  refuseUnknownOptions(options, MANAGEMENT_TOKEN_OPTION_NAMES);
  if (options.fetch !== undefined && typeof options.fetch !== 'function')
    throw configError('fetch', 'must be a function.');
  return {
    baseUrl: checkBaseUrl(
      options.accountBaseUrl,
      options.allowInsecureHttp,
      'accountBaseUrl',
      DEFAULT_ACCOUNT_BASE_URL,
    ),
    apiKey: '',
    account: true,
    timeout: numberOption(options as ProtektOptions, 'timeout', 1, 600_000, 5_000),
    maxRetries: 2,
    maxRetryAfter: 10_000,
    fetch: options.fetch,
    log: debugLog(options.debug),
    now: Date.now,
  };
}

/** Hosts plain http may reach: loopback, and names that never leave the machine. */
export const isLocalHost = (hostname: string): boolean =>
  /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|.*\.(localhost|test))$/.test(hostname);

function isBrowserPage(): boolean {
  return typeof (globalThis as { window?: { document?: unknown } }).window?.document === 'object';
}

/**
 * `loginId`, `apiKey` and `baseUrl` from `PROTEKT_LOGIN_ID`, `PROTEKT_API_KEY` and
 * `PROTEKT_BASE_URL` (an empty value counts as unset) of `env`, or of the process environment.
 */
export function readEnv(
  env: Readonly<Record<string, unknown>> | undefined,
): Pick<ProtektOptions, 'loginId' | 'apiKey' | 'baseUrl'> {
  const source = env ?? processEnv();
  if (typeof source !== 'object' || source === null) {
    throw new ProtektError(
      'config_invalid',
      'Protekt.fromEnv() found no environment here: pass the env object, e.g. Protekt.fromEnv(env) in a Worker.',
    );
  }
  const read = (name: string): string | undefined => {
    const value = own(source, name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  for (const name of ['PROTEKT_LOGIN_ID', 'PROTEKT_API_KEY']) {
    if (read(name) === undefined) {
      throw new ProtektError('config_invalid', `Protekt.fromEnv(): ${name} is not set.`, {
        details: { option: name },
      });
    }
  }
  const baseUrl = read('PROTEKT_BASE_URL');
  return {
    loginId: read('PROTEKT_LOGIN_ID')!,
    apiKey: read('PROTEKT_API_KEY')!,
    ...(baseUrl ? { baseUrl } : {}),
  };
}
