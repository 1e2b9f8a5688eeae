/**
 * The Protekt Account API as this project understands it: the 14 operations of the Protekt docs'
 * `protekt-account-api.yaml` (a copy is kept in `test/contract/openapi/`) plus one extension, each
 * with its method, path (below the Account API base URL: `https://api.protekt.io/v1`, the
 * emulator's `/account/v1`), who may call it, the request schema and the documented answers.
 *
 * The emulator's Account API is routed and validated from this table; the client's account
 * resources are checked against it (test/account/routes.test.ts). Web standards only.
 */
import type { ApiErrorCode } from '../errors/codes.js';
import type { FieldRule, ObjectSchema } from './schema.js';
import type { RouteMethod, SuccessSpec } from './routes.js';

import { API_KEY_SCOPES, MEMBER_ROLES } from '../util/account.js';

export { API_KEY_SCOPES, MEMBER_ROLES };

/** A member's role. */
export type AccountRole = (typeof MEMBER_ROLES)[number];

/**
 * Bounds of a project's token lifetimes, in seconds: an access token lives 60 s to 24 h, a
 * refresh token 1 h to 365 days.
 */
export const TOKEN_EXPIRY_RANGE = { min: 60, max: 86_400 } as const;
/** See {@link TOKEN_EXPIRY_RANGE}. */
export const REFRESH_TOKEN_EXPIRY_RANGE = { min: 3_600, max: 31_536_000 } as const;

/** One operation of the Account API. */
export interface AccountRouteSpec {
  /** Stable operation id, e.g. `projects.list`. */
  readonly id: string;
  /** HTTP method. */
  readonly method: RouteMethod;
  /** Path below the Account API base URL, OpenAPI style (`/projects/{id}`). */
  readonly path: string;
  /** True for the 14 operations of the OpenAPI file; false for the project's extensions. */
  readonly openapi: boolean;
  /**
   * `management`: a management token in `Authorization: Bearer`, of a member whose role is at
   * least `role`; `public`: nothing (the credentials are the body).
   */
  readonly auth: 'management' | 'public';
  /** The least role that may call a `management` route. */
  readonly role: AccountRole;
  /** The request body, when the route reads one. */
  readonly body?: { readonly required: boolean; readonly schema: ObjectSchema };
  /** Query parameters the route reads. */
  readonly query?: ObjectSchema;
  /** The route honours `Idempotency-Key`. */
  readonly idempotent: boolean;
  /** The success answer. */
  readonly success: Extract<SuccessSpec, { kind: 'json' }>;
  /** Error codes the route answers with (beyond the management token's own 401s). */
  readonly errors: readonly ApiErrorCode[];
  /** One-line summary. */
  readonly summary: string;
}

const str = (extra: Partial<FieldRule> = {}): FieldRule => ({
  type: 'string',
  maxLength: 2048,
  ...extra,
});
const reqStr = (extra: Partial<FieldRule> = {}): FieldRule => str({ required: true, ...extra });
const bool = (required = false): FieldRule => ({ type: 'boolean', required });
const int = (extra: Partial<FieldRule> = {}): FieldRule => ({ type: 'integer', ...extra });
const nullableStr: FieldRule = { type: 'string', required: true, nullable: true };
const strings = (required = false): FieldRule => ({ type: 'array', required, items: 'string' });
const json = (status: number, shape: ObjectSchema): Extract<SuccessSpec, { kind: 'json' }> => ({
  kind: 'json',
  status,
  shapes: [shape],
});

/** The `Project` object. */
export const PROJECT_SHAPE: ObjectSchema = {
  id: reqStr(),
  login_id: reqStr(),
  name: reqStr(),
  description: nullableStr,
  redirect_url: reqStr(),
  allowed_origins: strings(true),
  token_expiry: int({ required: true }),
  refresh_token_expiry: int({ required: true }),
  mfa_required: bool(true),
  created_at: reqStr(),
  updated_at: reqStr(),
};

/** The `ApiKeyMeta` object (no key value). */
export const API_KEY_META_SHAPE: ObjectSchema = {
  id: reqStr(),
  label: reqStr(),
  project_id: reqStr(),
  scopes: strings(true),
  expires_at: nullableStr,
  created_at: reqStr(),
};

/** The `ApiKey` object: the metadata and, once, the raw key. */
export const API_KEY_SHAPE: ObjectSchema = { ...API_KEY_META_SHAPE, key: reqStr() };

/** The `Member` object. */
export const MEMBER_SHAPE: ObjectSchema = {
  id: reqStr(),
  email: reqStr(),
  role: reqStr({ enum: MEMBER_ROLES }),
  joined_at: reqStr(),
};

/** The `UsageStats` object. */
export const USAGE_SHAPE: ObjectSchema = {
  period: { type: 'object', required: true, shape: { from: reqStr(), to: reqStr() } },
  mau: int({ required: true }),
  total_logins: int({ required: true }),
  tokens_issued: int({ required: true }),
  passwordless_logins: int({ required: true }),
  sso_logins: int({ required: true }),
};

/** A page of a list: `data`, and (projects; API keys as an extension) the cursor. */
const page = (items: ObjectSchema): ObjectSchema => ({
  data: { type: 'array', required: true, items },
  next_cursor: { type: 'string', required: true, nullable: true },
  has_more: bool(true),
});

const limit = int({ min: 1, max: 100 });
const cursor = str({ maxLength: 512 });
const projectSettings = {
  name: str({ maxLength: 200 }),
  description: str({ maxLength: 2000 }),
  redirect_url: str({ format: 'url', code: 'invalid_redirect_url' }),
  allowed_origins: strings(),
  token_expiry: int(TOKEN_EXPIRY_RANGE),
  refresh_token_expiry: int(REFRESH_TOKEN_EXPIRY_RANGE),
  mfa_required: bool(),
} satisfies ObjectSchema;

const management = (role: AccountRole) => ({ auth: 'management', role }) as const;

/** Every Account API route, in the order of the OpenAPI file, then the extension. */
export const ACCOUNT_ROUTES: readonly AccountRouteSpec[] = [
  {
    id: 'token.issue',
    method: 'POST',
    path: '/token',
    openapi: true,
    auth: 'public',
    role: 'developer',
    summary: "A management token for a member's e-mail and password.",
    body: {
      required: true,
      schema: {
        email: { type: 'string', required: true, maxLength: 254, code: 'invalid_email' },
        password: { type: 'string', required: true, maxLength: 1024 },
      },
    },
    idempotent: false,
    success: json(200, { management_token: reqStr(), expires_at: reqStr() }),
    errors: ['invalid_request', 'invalid_credentials', 'rate_limited'],
  },
  {
    id: 'token.revoke',
    method: 'POST',
    path: '/token/revoke',
    openapi: true,
    ...management('developer'),
    summary: 'Ends the management token of the request.',
    idempotent: false,
    success: json(200, { revoked: bool(true) }),
    errors: [],
  },
  {
    id: 'projects.list',
    method: 'GET',
    path: '/projects',
    openapi: true,
    ...management('developer'),
    summary: "The organisation's projects, oldest first (cursor pagination).",
    query: { limit, cursor },
    idempotent: false,
    success: json(200, page(PROJECT_SHAPE)),
    errors: ['invalid_request'],
  },
  {
    id: 'projects.create',
    method: 'POST',
    path: '/projects',
    openapi: true,
    ...management('admin'),
    summary: 'Creates a project, with a login id, usable on the Auth API at once.',
    body: {
      required: true,
      schema: {
        ...projectSettings,
        name: reqStr({ maxLength: 200 }),
        redirect_url: reqStr({ format: 'url', code: 'invalid_redirect_url' }),
        allowed_origins: strings(true),
      },
    },
    idempotent: true,
    success: json(201, PROJECT_SHAPE),
    errors: ['invalid_request', 'invalid_redirect_url', 'insufficient_permissions'],
  },
  {
    id: 'projects.get',
    method: 'GET',
    path: '/projects/{id}',
    openapi: true,
    ...management('developer'),
    summary: 'One project of the organisation.',
    idempotent: false,
    success: json(200, PROJECT_SHAPE),
    errors: ['not_found'],
  },
  {
    id: 'projects.update',
    method: 'PATCH',
    path: '/projects/{id}',
    openapi: true,
    ...management('admin'),
    summary: 'Changes the given settings; the Auth API follows them from its next call.',
    body: { required: true, schema: projectSettings },
    idempotent: true,
    success: json(200, PROJECT_SHAPE),
    errors: ['invalid_request', 'invalid_redirect_url', 'not_found', 'insufficient_permissions'],
  },
  {
    id: 'projects.delete',
    method: 'DELETE',
    path: '/projects/{id}',
    openapi: true,
    ...management('owner'),
    summary: 'Deletes a project: its keys, users, sessions and tokens end at once.',
    idempotent: true,
    success: json(200, { deleted: bool(true), id: reqStr() }),
    errors: ['not_found', 'insufficient_permissions'],
  },
  {
    id: 'apiKeys.list',
    method: 'GET',
    path: '/api-keys',
    openapi: true,
    ...management('developer'),
    summary: "The organisation's API keys (metadata only), oldest first.",
    query: { project_id: str({ maxLength: 256 }), limit, cursor },
    idempotent: false,
    success: json(200, page(API_KEY_META_SHAPE)),
    errors: ['invalid_request'],
  },
  {
    id: 'apiKeys.create',
    method: 'POST',
    path: '/api-keys',
    openapi: true,
    ...management('admin'),
    summary: 'Creates an API key of a project; the raw key is in this answer only.',
    body: {
      required: true,
      schema: {
        project_id: reqStr({ maxLength: 256 }),
        label: reqStr({ maxLength: 200 }),
        scopes: strings(),
        expires_at: str({ maxLength: 64 }),
      },
    },
    idempotent: true,
    success: json(201, API_KEY_SHAPE),
    errors: ['invalid_request', 'insufficient_permissions'],
  },
  {
    id: 'apiKeys.delete',
    method: 'DELETE',
    path: '/api-keys/{id}',
    openapi: true,
    ...management('admin'),
    summary: 'Revokes an API key: it answers 401 from the next call.',
    idempotent: true,
    success: json(200, { revoked: bool(true), id: reqStr() }),
    errors: ['not_found', 'insufficient_permissions'],
  },
  {
    id: 'members.list',
    method: 'GET',
    path: '/members',
    openapi: true,
    ...management('developer'),
    summary: "The organisation's members who joined, with their roles.",
    idempotent: false,
    success: json(200, { data: { type: 'array', required: true, items: MEMBER_SHAPE } }),
    errors: [],
  },
  {
    id: 'members.invite',
    method: 'POST',
    path: '/members/invite',
    openapi: true,
    ...management('admin'),
    summary: 'Puts an invitation in the outbox; the member joins on accepting it.',
    body: {
      required: true,
      schema: {
        email: { type: 'string', required: true, format: 'email', code: 'invalid_email' },
        role: reqStr({ enum: ['admin', 'developer'] }),
      },
    },
    idempotent: true,
    success: json(200, { message: reqStr() }),
    errors: ['invalid_request', 'invalid_email', 'member_exists', 'insufficient_permissions'],
  },
  {
    id: 'members.remove',
    method: 'DELETE',
    path: '/members/{id}',
    openapi: true,
    ...management('admin'),
    summary: 'Removes a member and ends their management tokens; never the last owner.',
    idempotent: true,
    success: json(200, { removed: bool(true) }),
    errors: ['not_found', 'last_owner', 'insufficient_permissions'],
  },
  {
    id: 'usage.get',
    method: 'GET',
    path: '/usage',
    openapi: true,
    ...management('developer'),
    summary: 'What happened on the Auth API within the period, for a project or the organisation.',
    query: {
      project_id: str({ maxLength: 256 }),
      from: str({ maxLength: 10 }),
      to: str({ maxLength: 10 }),
    },
    idempotent: false,
    success: json(200, USAGE_SHAPE),
    errors: ['invalid_request', 'not_found'],
  },
  {
    id: 'members.accept',
    method: 'POST',
    path: '/members/accept',
    openapi: false,
    auth: 'public',
    role: 'developer',
    summary: "Accepts an invitation (the outbox's token) and sets the member's password.",
    body: {
      required: true,
      schema: {
        token: reqStr({ maxLength: 256 }),
        password: {
          type: 'string',
          required: true,
          minLength: 8,
          maxLength: 1024,
          code: 'weak_password',
        },
      },
    },
    idempotent: false,
    success: json(200, MEMBER_SHAPE),
    errors: ['invalid_request', 'weak_password', 'invitation_invalid'],
  },
];

/** Finds an Account route by id (throws on an unknown id: a programming error). */
export function accountRouteById(id: string): AccountRouteSpec {
  const route = ACCOUNT_ROUTES.find((r) => r.id === id);
  if (!route) throw new Error(`unknown account route id ${id}`);
  return route;
}

/** A scope of an API key. */
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * The scope an API key needs for each Auth API route it calls (route ids of `ROUTES`); a key
 * without it gets 403 `insufficient_permissions`. `auth:read` checks tokens and reads sessions,
 * `auth:write` signs users in and out and changes their credentials, sessions and MFA,
 * `users:read` and `users:write` are the back-office user routes. Routes that take no key (the
 * JWKS, the browser pages) need no scope. docs/account.md has the same table for readers.
 */
export const SCOPE_OF_AUTH_ROUTE: Readonly<Record<string, ApiKeyScope>> = {
  'auth.signup': 'auth:write',
  'auth.login': 'auth:write',
  'auth.logout': 'auth:write',
  'tokens.refresh': 'auth:write',
  'tokens.verify': 'auth:read',
  'tokens.revoke': 'auth:write',
  'password.reset': 'auth:write',
  'password.confirm': 'auth:write',
  'password.change': 'auth:write',
  'otp.send': 'auth:write',
  'otp.verify': 'auth:write',
  'magicLink.send': 'auth:write',
  'magicLink.verify': 'auth:write',
  'mfa.enroll': 'auth:write',
  'mfa.verify': 'auth:write',
  'mfa.unenroll': 'auth:write',
  'mfa.backupCodes': 'auth:write',
  'email.verify': 'auth:write',
  'sessions.list': 'auth:read',
  'sessions.revokeAll': 'auth:write',
  'sessions.revoke': 'auth:write',
  'users.list': 'users:read',
  'users.get': 'users:read',
  'users.update': 'users:write',
  'users.delete': 'users:write',
};
