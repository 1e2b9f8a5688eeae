/** `Protekt.mock()`: a client whose answers a unit test chooses, typed like the real one. */
import { ProtektError } from './errors/protekt-error.js';
import { authenticateRequest } from './guard/authenticate-request.js';
import type {
  AuthenticateRequestOptions,
  RequestWithHeaders,
  TokenVerifier,
} from './guard/types.js';
import type { AuthResource } from './resources/auth.js';
import type { ApiKeysResource } from './resources/api-keys.js';
import { ACCOUNT_RESOURCE_METHODS, RESOURCE_METHODS } from './resources/index.js';
import type { MembersResource } from './resources/members.js';
import type { ProjectsResource } from './resources/projects.js';
import type { UsageResource } from './resources/usage.js';
import type { MfaResource } from './resources/mfa.js';
import type { MethodBuilder } from './resources/operation.js';
import type { SessionsResource } from './resources/sessions.js';
import type { UsersResource } from './resources/users.js';
import type { Protekt } from './client.js';
import type { DefaultMetadata } from './types.js';
import { own } from './util/record.js';

type Fn = (...args: never[]) => unknown;
/** The methods of a resource, each optional. */
export type MockMethods<T> = { [K in keyof T as T[K] extends Fn ? K : never]?: T[K] };

/**
 * What `Protekt.mock()` accepts: auth methods at the top level, or any method under its resource.
 */
export type ProtektMockOverrides<M extends object = DefaultMetadata> = MockMethods<
  AuthResource<M>
> & {
  auth?: MockMethods<AuthResource<M>> | undefined;
  users?: MockMethods<UsersResource<M>> | undefined;
  sessions?: MockMethods<SessionsResource> | undefined;
  mfa?: MockMethods<MfaResource<M>> | undefined;
  projects?: MockMethods<ProjectsResource> | undefined;
  apiKeys?: MockMethods<ApiKeysResource> | undefined;
  members?: MockMethods<MembersResource> | undefined;
  usage?: MockMethods<UsageResource> | undefined;
  revokeManagementToken?: Protekt<M>['revokeManagementToken'] | undefined;
};

/** @internal Builds the mock; `proto` is `Protekt.prototype` so `instanceof Protekt` holds. */
export function createMock<M extends object>(
  overrides: ProtektMockOverrides<M>,
  proto: object,
): Protekt<M> {
  if (typeof overrides !== 'object' || overrides === null) {
    throw new ProtektError(
      'invalid_argument',
      'Protekt.mock(overrides) needs an object of methods, such as { verifyToken }.',
    );
  }
  const given = overrides as Record<string, unknown>;
  // Read-only like a frozen object, enumerable like the real client's fields.
  const fields: PropertyDescriptorMap = {};
  const field = (key: string, value: unknown): unknown =>
    (fields[key] = { value, enumerable: true });
  const tables = { ...RESOURCE_METHODS, ...ACCOUNT_RESOURCE_METHODS };
  for (const [resource, table] of Object.entries(tables)) {
    // Own properties only: a method name on a polluted Object.prototype is not a mock.
    const nested = (own(given, resource) ?? {}) as object;
    const stub: Record<string, unknown> = {};
    const builders = table as Record<string, MethodBuilder<unknown>>;
    for (const name of Object.keys(builders)) {
      const impl = own(nested, name) ?? (resource === 'auth' ? own(given, name) : undefined);
      if (impl !== undefined && typeof impl !== 'function') {
        throw new ProtektError(
          'invalid_argument',
          `Protekt.mock: ${resource}.${name} must be a function.`,
        );
      }
      // A method that answers without a promise (a URL builder, an iterator) throws instead.
      stub[name] = impl ?? notMocked(`${resource}.${name}`, builders[name]!.synchronous === true);
      if (name === 'authenticateRequest' && impl === undefined) stub[name] = guardOver(stub);
    }
    field(resource, Object.freeze(stub));
  }
  const revoke = own(given, 'revokeManagementToken');
  if (revoke !== undefined && typeof revoke !== 'function') {
    throw new ProtektError(
      'invalid_argument',
      'Protekt.mock: revokeManagementToken must be a function.',
    );
  }
  field('revokeManagementToken', revoke ?? notMocked('revokeManagementToken', false));
  field('loginId', 'lp_mock');
  field('baseUrl', 'mock:');
  return Object.create(proto, fields) as Protekt<M>;
}

// Unless given, `authenticateRequest` is the real one over the mock's `verifyToken`: a guard under
// test gets the refusal table from the verification the test chose.
function guardOver(auth: Record<string, unknown>): unknown {
  const verifier: TokenVerifier = {
    verifyToken: (token, options) =>
      (auth['verifyToken'] as TokenVerifier['verifyToken'])(token, options),
  };
  return (request: RequestWithHeaders, options?: AuthenticateRequestOptions) =>
    authenticateRequest(verifier, request, options);
}

function notMocked(name: string, sync: boolean): () => unknown {
  return () => {
    const error = new ProtektError(
      'not_mocked',
      `protekt.${name} is not mocked: give it to Protekt.mock.`,
    );
    if (sync) throw error;
    return Promise.reject(error);
  };
}
