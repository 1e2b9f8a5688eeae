/**
 * What every framework adapter shares: its options (`client` or `fromEnv`, plus the guard's own),
 * checked when the app is built, and the verifier for a request's environment.
 */
import { ProtektError } from '../errors/protekt-error.js';
import type { DefaultMetadata, VerifyTokenOptions } from '../types.js';
import { ownProps } from '../util/record.js';
import { GUARD_OPTION_NAMES, guardSettings, type GuardSettings } from './authenticate-request.js';
import type { AuthenticateRequestOptions, TokenVerifier } from './types.js';

/**
 * What an adapter verifies tokens with: a `Protekt` client (its `auth.verifyToken`), a
 * `Protekt.mock({ verifyToken })`, or a verifier with `verifyToken` itself.
 */
export type ProtektTokenClient<M extends object = DefaultMetadata> =
  | { readonly auth: TokenVerifier<M> }
  | TokenVerifier<M>;

/** Options of an adapter with a client made once, outside it. */
export interface ProtektAuthClientOptions<M extends object = DefaultMetadata>
  extends AuthenticateRequestOptions {
  /** The client that verifies tokens (create it once and share it: it holds the key cache). */
  client: ProtektTokenClient<M>;
  /** Not with `client`. */
  fromEnv?: never;
}

/**
 * Options of an adapter with a client made on the first request that carries a token, from the
 * environment (`c.env` on Hono, the process environment elsewhere).
 */
export interface ProtektAuthEnvOptions<
  M extends object = DefaultMetadata,
  E extends object = object,
> extends AuthenticateRequestOptions {
  /**
   * Makes the client from the environment, e.g. `(env) => Protekt.fromEnv(env)`. Called once per
   * environment (same object, or the same string values in it); if it throws (a missing
   * secret), the error goes to the framework's error handler and the next request tries again.
   */
  fromEnv: (env: E) => ProtektTokenClient<M>;
  /** Not with `fromEnv`. */
  client?: never;
}

/** Options of an adapter's `protektAuth`: a `client` or a `fromEnv` factory, plus the guard's. */
export type ProtektAuthOptions<M extends object = DefaultMetadata, E extends object = object> =
  | ProtektAuthClientOptions<M>
  | ProtektAuthEnvOptions<M, E>;

/** An adapter's checked options: the guard settings and the verifier for an environment. */
export interface AdapterGuard<M extends object, E extends object> {
  readonly settings: GuardSettings;
  /** The options' own properties, for what an adapter adds (Hono's `onError`). */
  readonly options: Readonly<Record<string, unknown>>;
  verifierFor(env: E): TokenVerifier<M>;
}

/**
 * Checks an adapter's options when the app is built (`who` names it in messages; `extra` are the
 * options it adds) and returns its settings and verifier.
 *
 * @throws {ProtektError} `config_invalid` for an unknown or wrong option.
 * @throws {TypeError} without exactly one of `client` and `fromEnv`.
 */
export function adapterGuard<M extends object, E extends object>(
  given: ProtektAuthOptions<M, E>,
  who: string,
  extra: readonly string[] = [],
): AdapterGuard<M, E> {
  if (typeof given !== 'object' || given === null) {
    throw new ProtektError(
      'config_invalid',
      `${who} option options must be an object { client } or { fromEnv }.`,
      { details: { option: 'options' } },
    );
  }
  const options = ownProps(given as object) as Record<string, unknown>;
  const settings = guardSettings(options, who, [
    'client',
    'fromEnv',
    ...GUARD_OPTION_NAMES,
    ...extra,
  ]);
  const { client, fromEnv } = options as { client?: unknown; fromEnv?: unknown };
  if (!client === !fromEnv) throw new TypeError(`${who}: pass either \`client\` or \`fromEnv\``);
  if (client) {
    const verifier = verifierOf(client as ProtektTokenClient<M>);
    return { settings, options, verifierFor: () => verifier };
  }
  return {
    settings,
    options,
    verifierFor: envResolver(fromEnv as (env: E) => ProtektTokenClient<M>),
  };
}

/**
 * The verifier with `waitUntil` passed to each `verifyToken`: on Workers and the Edge runtime the
 * background work of a verification (a revocation answer refreshed ahead) then survives the
 * response. A verifier that takes no `waitUntil` (a mock) ignores it.
 */
export function verifierWithWaitUntil<M extends object>(
  verifier: TokenVerifier<M>,
  waitUntil: (promise: Promise<unknown>) => void,
): TokenVerifier<M> {
  // verifyToken as the SDK's verifiers declare it (TokenVerifier names RequestOptions).
  const verifyToken = verifier.verifyToken as (
    token: string,
    options?: VerifyTokenOptions,
  ) => ReturnType<TokenVerifier<M>['verifyToken']>;
  return { verifyToken: (token, options) => verifyToken(token, { ...options, waitUntil }) };
}

/** The `verifyToken` holder of a client: `client.auth`, or the verifier itself. */
const verifierOf = <M extends object>(client: ProtektTokenClient<M>): TokenVerifier<M> =>
  'auth' in client && client.auth ? client.auth : (client as TokenVerifier<M>);

/** Scalar values of an environment (vars and secrets): the same deployment gives the same key. */
const envKey = (env: object): string =>
  JSON.stringify(
    Object.entries(env).filter(([, v]) => typeof v !== 'object' && typeof v !== 'function'),
  );

/**
 * The verifier `fromEnv` made for an environment: found by the env object, or by its values (a
 * runtime may hand a fresh object on each request); made on first use and kept.
 */
function envResolver<M extends object, E extends object>(
  fromEnv: (env: E) => ProtektTokenClient<M>,
): (env: E) => TokenVerifier<M> {
  const byEnv = new WeakMap<object, TokenVerifier<M>>();
  const byValues = new Map<string, TokenVerifier<M>>();
  return (env) => {
    const bindings: object = Object(env);
    let made = byEnv.get(bindings);
    if (!made) {
      const key = envKey(bindings);
      made = byValues.get(key);
      if (!made) {
        made = verifierOf(fromEnv(env));
        if (byValues.size > 15) byValues.clear();
        byValues.set(key, made);
      }
      byEnv.set(bindings, made);
    }
    return made;
  };
}
