/**
 * `@protekt/node/nestjs`: a guard, a `@ProtektUser()` parameter decorator and a module taking the
 * client, for NestJS 10 and 11 on Express or Fastify.
 *
 * ```ts
 * @Module({ imports: [ProtektModule.forRoot({ client: new Protekt({ loginId, apiKey }) })] })
 * class AppModule {}
 *
 * @Controller()
 * class MeController {
 *   @Get('me')
 *   @UseGuards(ProtektGuard)
 *   me(@ProtektUser() user: ProtektUserOf) { return { id: user.id }; }
 * }
 * ```
 *
 * Decorators are applied as functions here, so the package needs no decorator compiler flags.
 */
import {
  type CanActivate,
  createParamDecorator,
  type DynamicModule,
  type ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  Module,
} from '@nestjs/common';
import { adapterGuard, type ProtektAuthOptions } from '../guard/adapter.js';
import { authenticateWith, type GuardSettings } from '../guard/authenticate-request.js';
import { type NodeHeaders, nodeHeaders, refusalParts } from '../guard/node-headers.js';
import type { ProtektRequestAuth, TokenVerifier } from '../guard/types.js';
import { processEnv } from '../runtime/env.js';
import type { DefaultMetadata } from '../types.js';

export type {
  ProtektAuthClientOptions,
  ProtektAuthEnvOptions,
  ProtektAuthOptions,
  ProtektTokenClient,
} from '../guard/adapter.js';
export type { ProtektAuthError, ProtektRequestAuth } from '../guard/types.js';

/** Injection token of the options given to {@link ProtektModule.forRoot}. */
export const PROTEKT_AUTH_OPTIONS = Symbol.for('@protekt/node/nestjs:options');
/** Injection token of the client given to {@link ProtektModule.forRoot} (when it was `client`). */
export const PROTEKT_CLIENT = Symbol.for('@protekt/node/nestjs:client');

/** Options of the guard: the adapter's `client` or `fromEnv`, plus `cookie`, `optional`, `realm`. */
export type ProtektGuardOptions<M extends object = DefaultMetadata> = ProtektAuthOptions<
  M,
  Readonly<Record<string, string | undefined>>
>;

/** What the guard reads and writes of the platform's request and response. */
interface HttpPair {
  request: { headers: NodeHeaders; auth?: ProtektRequestAuth };
  response: {
    header?(name: string, value: string): unknown;
    setHeader?(name: string, value: string): unknown;
  };
}

/**
 * A NestJS guard that requires (or, with `optional: true`, accepts) a Protekt access token on
 * `protekt.auth.authenticateRequest`'s rules (docs/middleware.md): a valid token sets
 * `request.auth = { user, claims, token }` (read it with {@link ProtektUser}); a refusal is
 * thrown as an `HttpException` whose body is `{ "error": { "code", "message" } }`, 401 with the
 * RFC 6750 challenge or 503 with `Retry-After` (headers set on the response before the throw).
 * Works on `@nestjs/platform-express` and `@nestjs/platform-fastify`.
 *
 * Injected with the options of {@link ProtektModule.forRoot} (`@UseGuards(ProtektGuard)`), or
 * made with {@link protektAuth} (`app.useGlobalGuards(protektAuth({ client }))`).
 */
export class ProtektGuard implements CanActivate {
  /** The options, checked once. */
  private readonly settings: GuardSettings;
  /** The client's verifier (made by `fromEnv` on first use). */
  private readonly verifier: () => TokenVerifier;

  /** @throws {ProtektError} `config_invalid` for an unknown or wrong option. */
  constructor(options: ProtektGuardOptions) {
    const { settings, verifierFor } = adapterGuard(options, 'ProtektGuard');
    this.settings = settings;
    this.verifier = () => verifierFor(processEnv() ?? {});
  }

  /** Authenticates the request; throws the refusal as an `HttpException`. */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const { request, response } = {
      request: http.getRequest(),
      response: http.getResponse(),
    } as HttpPair;
    const result = await authenticateWith(
      this.verifier,
      nodeHeaders(request.headers),
      this.settings,
    );
    if (result.response) {
      const { status, headers, body } = refusalParts(result);
      for (const [name, value] of headers) {
        if (name === 'content-type') continue; // the exception filter writes its own
        if (response.header) response.header(name, value);
        else response.setHeader?.(name, value);
      }
      throw new HttpException(JSON.parse(body) as object, status);
    }
    const { user, claims, token } = result;
    request.auth = { user, claims, token } as ProtektRequestAuth;
    return true;
  }
}
Injectable()(ProtektGuard);
Inject(PROTEKT_AUTH_OPTIONS)(ProtektGuard, undefined, 0);

/**
 * A guard instance for `@UseGuards(…)` or `app.useGlobalGuards(…)`, without the module.
 *
 * @throws {ProtektError} `config_invalid` for an unknown or wrong option.
 *
 * @example Every route of the application
 * ```ts
 * const app = await NestFactory.create(AppModule);
 * app.useGlobalGuards(protektAuth({ client: new Protekt({ loginId, apiKey }) }));
 * ```
 */
export function protektAuth<M extends object = DefaultMetadata>(
  options: ProtektGuardOptions<M>,
): ProtektGuard {
  return new ProtektGuard(options as ProtektGuardOptions);
}

/**
 * Parameter decorator: the verified user of the request (`request.auth.user`), or one of its
 * fields (`@ProtektUser('email')`); `null` for an anonymous request in optional mode.
 */
export const ProtektUser = createParamDecorator((field: unknown, context: ExecutionContext) => {
  const user = (context.switchToHttp().getRequest() as HttpPair['request']).auth?.user ?? null;
  return typeof field === 'string' && user
    ? (user as unknown as Record<string, unknown>)[field]
    : user;
});

/**
 * The module: `ProtektModule.forRoot({ client })` provides the {@link ProtektGuard} and the client
 * (`@Inject(PROTEKT_CLIENT)`) to the whole application (`global: false` keeps them to the
 * importing module).
 */
// biome-ignore lint/complexity/noStaticOnlyClass: a NestJS module is a class with `forRoot`.
export class ProtektModule {
  /** The module with its options (checked here, when the app is built). */
  static forRoot<M extends object = DefaultMetadata>(
    options: ProtektGuardOptions<M> & { global?: boolean | undefined },
  ): DynamicModule {
    const { global, ...guardOptions } = options;
    adapterGuard(guardOptions as ProtektGuardOptions, 'ProtektModule.forRoot');
    return {
      module: ProtektModule,
      global: global !== false,
      providers: [
        { provide: PROTEKT_AUTH_OPTIONS, useValue: guardOptions },
        { provide: PROTEKT_CLIENT, useValue: guardOptions.client ?? null },
        ProtektGuard,
      ],
      exports: [PROTEKT_AUTH_OPTIONS, PROTEKT_CLIENT, ProtektGuard],
    };
  }
}
Module({})(ProtektModule);
