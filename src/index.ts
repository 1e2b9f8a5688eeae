/**
 * `@protekt/node`: the Protekt client for Node 18+, Cloudflare Workers, Vercel Edge, Deno and
 * Bun, built only on fetch and WebCrypto.
 */
export {
  Protekt,
  DEFAULT_BASE_URL,
  DEFAULT_ACCOUNT_BASE_URL,
  type ProtektOptions,
  type ManagementTokenOptions,
} from './client.js';
export { ProtektError, type ProtektErrorOptions } from './errors/protekt-error.js';
export { hasErrorCode } from './errors/api-error.js';
export {
  API_ERROR_CODES,
  THROWN_ERROR_CODES,
  type ApiErrorCode,
  type ThrownErrorCode,
} from './errors/codes.js';
export type { FetchLike } from './http/transport.js';
export type {
  AuthResource,
  SignUpParams,
  LoginParams,
  SendOtpParams,
  VerifyOtpParams,
  SocialProvider,
  LoginUrlParams,
  SocialLoginUrlParams,
  SsoUrlParams,
  SendMagicLinkParams,
  ConfirmPasswordResetParams,
  ChangePasswordParams,
} from './resources/auth.js';
export type { CallbackInput, CallbackResult, HandleCallbackOptions } from './resources/callback.js';
export type { UsersResource, ListUsersParams, UpdateUserParams } from './resources/users.js';
export type { SessionsResource, RevokeAllSessionsParams } from './resources/sessions.js';
export type {
  MfaResource,
  MfaEnrollParams,
  MfaVerifyParams,
  MfaVerifyLoginParams,
} from './resources/mfa.js';
export type {
  ProjectsResource,
  ListProjectsParams,
  CreateProjectParams,
  UpdateProjectParams,
} from './resources/projects.js';
export type {
  ApiKeysResource,
  ListApiKeysParams,
  CreateApiKeyParams,
} from './resources/api-keys.js';
export type { MembersResource, InviteMemberParams } from './resources/members.js';
export type { UsageResource, GetUsageParams } from './resources/usage.js';
export type { ManagementCredentials } from './resources/management.js';
export type { ProtektMockOverrides, MockMethods } from './mock.js';
export type {
  AnonymousRequest,
  AuthenticatedRequest,
  AuthenticateRequestOptions,
  AuthenticateRequestResult,
  HeaderReader,
  ProtektAuthError,
  ProtektRequestAuth,
  RefusedRequest,
  RequestWithHeaders,
  TokenVerifier,
} from './guard/types.js';
export type {
  TokenOptions,
  JwksCacheStore,
  StoredJwks,
  RevocationCacheStore,
  StoredRevocation,
} from './tokens/index.js';
export type * from './types.js';
