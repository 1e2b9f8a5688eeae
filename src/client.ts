/**
 * The `Protekt` client: configured once (options checked here, at construction), then used
 * everywhere through its resources `auth`, `users`, `sessions` and `mfa`.
 */
import { type ProtektOptions, readClientOptions, readEnv } from './client-options.js';
import { createTransport } from './http/transport.js';
import type { AuthResource } from './resources/auth.js';
import type { MfaResource } from './resources/mfa.js';
import type { SessionsResource } from './resources/sessions.js';
import { RESOURCE_METHODS } from './resources/index.js';
import { buildResource, type MethodTable, type ResourceContext } from './resources/operation.js';
import type { UsersResource } from './resources/users.js';
import { createTokenVerifier } from './tokens/index.js';
import type { DefaultMetadata } from './types.js';
import { createMock, type ProtektMockOverrides } from './mock.js';

export { DEFAULT_BASE_URL, type ProtektOptions } from './client-options.js';

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
    const settings = readClientOptions(options);
    const { baseUrl, loginId, fetch, now, timeout, log } = settings;
    const send = createTransport(settings);
    const verifier = createTokenVerifier<M>({
      jwksUrl: `${baseUrl}/.well-known/jwks.json`,
      issuer: new URL(baseUrl).origin,
      audience: loginId,
      send,
      fetchIdentity: fetch ?? globalThis,
      // Checked there, in the same pass that applies their defaults (own properties only).
      options: settings.options,
      now,
      timeout,
      log,
    });
    const context: ResourceContext = {
      send,
      tokenExpiry: settings.tokenExpiry,
      verifyToken: verifier.verify,
      endings: verifier.endings,
      baseUrl,
      loginId,
    };
    // Own properties in this order: auth, users, sessions, mfa, loginId, baseUrl.
    const self = this as Record<string, unknown>;
    for (const [name, table] of Object.entries(RESOURCE_METHODS)) {
      self[name] = buildResource(context, name, table as MethodTable<Record<string, unknown>>);
    }
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
