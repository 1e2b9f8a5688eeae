/**
 * The `Protekt` client: configured once (options checked here, at construction), then used
 * everywhere through its resources `auth`, `users`, `sessions` and `mfa`.
 */
import {
  type ClientSettings,
  type ManagementTokenOptions,
  type ProtektOptions,
  readClientOptions,
  readEnv,
  readManagementTokenOptions,
} from './client-options.js';
import { ProtektError } from './errors/protekt-error.js';
import { createTransport, type Send } from './http/transport.js';
import type { ApiKeysResource } from './resources/api-keys.js';
import {
  issueManagementToken,
  type ManagementCredentials,
  revokeManagementToken,
} from './resources/management.js';
import type { MembersResource } from './resources/members.js';
import type { ProjectsResource } from './resources/projects.js';
import type { UsageResource } from './resources/usage.js';
import { callBudget } from './http/retry.js';
import type { AuthResource } from './resources/auth.js';
import type { MfaResource } from './resources/mfa.js';
import type { SessionsResource } from './resources/sessions.js';
import { ACCOUNT_RESOURCE_METHODS, RESOURCE_METHODS } from './resources/index.js';
import { buildResource, type MethodTable, type ResourceContext } from './resources/operation.js';
import type { UsersResource } from './resources/users.js';
import { buildVerifier } from './verify/build.js';
import type {
  DefaultMetadata,
  ManagementTokenResult,
  RequestOptions,
  RevokeManagementTokenResult,
} from './types.js';
import { createMock, type ProtektMockOverrides } from './mock.js';

export {
  DEFAULT_ACCOUNT_BASE_URL,
  DEFAULT_BASE_URL,
  type ManagementTokenOptions,
  type ProtektOptions,
} from './client-options.js';

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
  /** The organisation's projects (Account API: needs `managementToken`). */
  declare readonly projects: ProjectsResource;
  /** The projects' API keys (Account API: needs `managementToken`). */
  declare readonly apiKeys: ApiKeysResource;
  /** The organisation's members (Account API: needs `managementToken`). */
  declare readonly members: MembersResource;
  /** MAU, logins and tokens issued (Account API: needs `managementToken`). */
  declare readonly usage: UsageResource;
  /**
   * Ends this client's management token (`POST /token/revoke`): every Account API call with it
   * throws `invalid_management_token` from then on.
   */
  declare readonly revokeManagementToken: (
    options?: RequestOptions,
  ) => Promise<RevokeManagementTokenResult>;
  /** The project's login id. */
  declare readonly loginId: string;
  /** The API base URL in use. */
  declare readonly baseUrl: string;

  constructor(options: ProtektOptions) {
    const settings = readClientOptions(options);
    const { baseUrl, loginId, timeout } = settings;
    const send = createTransport(settings);
    // The same verifier as `createVerifier` (@protekt/node/verify) builds.
    const verifier = buildVerifier<M>(settings, send);
    const context: ResourceContext = {
      send,
      tokenExpiry: settings.tokenExpiry,
      verifyToken: verifier.verify,
      endings: verifier.endings,
      baseUrl,
      loginId,
      callBudget: (perAttempt) =>
        callBudget(perAttempt ?? timeout, settings.maxRetries, settings.maxRetryAfter),
    };
    // The Account API's resources: the same model on their own transport.
    const account: ResourceContext = { ...context, send: accountSend(settings) };
    // Own properties in this order: auth, users, sessions, mfa, projects, apiKeys, members, usage,
    // revokeManagementToken, loginId, baseUrl.
    const self = this as Record<string, unknown>;
    for (const [name, table] of Object.entries(RESOURCE_METHODS)) {
      self[name] = buildResource(context, name, table as MethodTable<Record<string, unknown>>);
    }
    for (const [name, table] of Object.entries(ACCOUNT_RESOURCE_METHODS)) {
      self[name] = buildResource(account, name, table as MethodTable<Record<string, unknown>>);
    }
    self.revokeManagementToken = revokeManagementToken(account, 'revokeManagementToken');
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

  /**
   * A management token for the Account API (`POST /token`), for a member's e-mail and password:
   * pass it as the `managementToken` option. A wrong e-mail or password comes back as `error`
   * (`invalid_credentials`); nothing secret is logged.
   *
   * @example
   * ```ts
   * const { managementToken, error } = await Protekt.getManagementToken({ email, password });
   * if (error) throw new Error(error.message);
   * const admin = new Protekt({ loginId, apiKey, managementToken });
   * ```
   *
   * @throws {ProtektError} `config_invalid` for a wrong option; network failures as every call.
   */
  static getManagementToken(
    credentials: ManagementCredentials,
    options?: ManagementTokenOptions,
  ): Promise<ManagementTokenResult> {
    const send = createTransport(readManagementTokenOptions(options));
    // `POST /token` reads nothing of a client but its transport.
    const context = { send } as ResourceContext;
    return issueManagementToken(context, 'Protekt.getManagementToken')(credentials);
  }

  /**
   * A client configured from the environment: `PROTEKT_LOGIN_ID`, `PROTEKT_API_KEY` and, when set
   * and not empty, `PROTEKT_BASE_URL`. `env` is a Worker's bindings, a Deno or Vercel env object,
   * or any record of strings; without it, the process environment (`process.env`, or `Deno.env`
   * with `--allow-env`). `options` adds the other options.
   *
   * @example
   * ```ts
   * export default {
   *   fetch: (request: Request, env: Record<string, string>) => handle(request, Protekt.fromEnv(env)),
   * };
   * ```
   *
   * @throws {ProtektError} `config_invalid` naming the variable that is missing, or the option
   *   that is wrong (never its value).
   */
  static fromEnv<M extends object = DefaultMetadata>(
    env?: Readonly<Record<string, unknown>>,
    options: Omit<ProtektOptions, 'loginId' | 'apiKey' | 'baseUrl'> = {},
  ): Protekt<M> {
    return new Protekt<M>({ ...options, ...readEnv(env) });
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

/**
 * The Account API's transport: the management token as `Authorization: Bearer` to
 * `accountBaseUrl`; without the option, a call throws before anything is sent.
 */
function accountSend(settings: ClientSettings): Send {
  const { managementToken, accountBaseUrl } = settings;
  if (managementToken === undefined) {
    return () =>
      Promise.reject(
        new ProtektError(
          'invalid_management_token',
          'This client has no managementToken option: the Account API (projects, apiKeys, members, usage) needs one from Protekt.getManagementToken.',
        ),
      );
  }
  return createTransport({
    ...settings,
    baseUrl: accountBaseUrl,
    apiKey: managementToken,
    account: true,
  });
}
