/**
 * Public types of the SDK: users, sessions, claims, the returned error and every method's result.
 * Results are discriminated unions on `error`: after `if (error) return`, TypeScript knows the
 * success fields are set.
 */
import type { ApiErrorCode } from './errors/codes.js';

/** Default shape of user metadata when the client is not given a type. */
export type DefaultMetadata = Record<string, unknown>;

/** An MFA method a user can enroll. */
export type MfaMethod = 'totp' | 'sms';

/** A Protekt user, in camelCase. */
export interface ProtektUser<M extends object = DefaultMetadata> {
  /** User id, e.g. `usr_9klabc`. */
  id: string;
  /** E-mail address. */
  email: string;
  /** Whether the e-mail address was verified. */
  emailVerified: boolean;
  /** Whether any MFA method is enrolled. Absent when the user was built from token claims. */
  mfaEnabled?: boolean;
  /** Enrolled MFA methods. Absent when the user was built from token claims. */
  mfaMethods?: MfaMethod[];
  /** Project-defined data stored with the user. */
  metadata: M;
  /** Whether the account is disabled. Absent when built from token claims. */
  disabled?: boolean;
  /** Creation time (ISO 8601). Absent when built from token claims. */
  createdAt?: string;
  /** Last login time (ISO 8601) or `null`. Absent when built from token claims. */
  lastLoginAt?: string | null;
  /** The project the user belongs to (set when built from token claims). */
  projectId?: string;
}

/** A login session of a user. */
export interface Session {
  /** Session id, e.g. `sess_kl8abc`. */
  id: string;
  /** IP address the session was created from. */
  ipAddress: string;
  /** User agent the session was created with. */
  userAgent: string;
  /** Creation time (ISO 8601). */
  createdAt: string;
  /** Last activity (ISO 8601). */
  lastActiveAt: string;
  /** Whether this is the session of the access token used for the call. */
  isCurrent: boolean;
}

/** Claims of a verified Protekt access token. */
export interface ProtektClaims {
  /** Issuer: the origin of the API base URL. */
  iss: string;
  /** Subject: the user id. */
  sub: string;
  /** Audience: the project's login id and project id. */
  aud: string | string[];
  /** Issued at (seconds since the epoch). */
  iat: number;
  /** Expiry (seconds since the epoch). */
  exp: number;
  /** Not before (seconds since the epoch). */
  nbf?: number;
  /** Token id, used for revocation. */
  jti?: string;
  /** Session id. */
  sid?: string;
  /** User e-mail. */
  email?: string;
  /** Whether the e-mail was verified. */
  email_verified?: boolean;
  /** Project id. */
  project_id?: string;
  /** Top-level metadata keys forwarded as claims, and any other claim. */
  [claim: string]: unknown;
}

/**
 * A code an expected failure comes back with: every code the API documents, but the login MFA
 * challenge's (that one is {@link MfaRequiredError}).
 */
export type ReturnedErrorCode = Exclude<ApiErrorCode, 'mfa_required'>;

/**
 * An expected failure, returned in a result's `error` field (never thrown). Plain data: safe to
 * log and to serialise; it never holds a secret.
 */
export interface ProtektApiError {
  /**
   * Machine-readable code, e.g. `invalid_credentials`. Typed as the codes this version of the SDK
   * knows, so a misspelt code does not compile. A code Protekt added after this version arrives
   * as sent: keep a `default` branch, and test for such a code with
   * `hasErrorCode(error, 'new_code')`.
   */
  code: ReturnedErrorCode;
  /** Human-readable description. */
  message: string;
  /** HTTP status, or 0 for a failure found before any request was sent. */
  status: number;
  /** Extra context, e.g. `retryAfter` (seconds) on `rate_limited`, `field` on validation errors. */
  details?: Record<string, unknown>;
}

/**
 * The login MFA challenge, returned as `error` by `auth.login` when the user has MFA. After
 * `if (login.error?.code === 'mfa_required')`, TypeScript knows `login.error` is this. `mfaToken`
 * is not enumerable, so logging or serialising the error does not leak it.
 */
export interface MfaRequiredError extends Omit<ProtektApiError, 'code'> {
  /** Always `mfa_required`. */
  code: 'mfa_required';
  /** Short-lived token to pass to `mfa.verifyLogin` with the user's code. */
  readonly mfaToken: string;
  /** Methods the user can complete the challenge with. */
  availableMethods: MfaMethod[];
}

/** Per-call options accepted as the last argument of every method that talks to the API. */
export interface RequestOptions {
  /** Aborts the call (every attempt and every backoff wait). */
  signal?: AbortSignal | undefined;
  /** Per-attempt timeout in milliseconds, overriding the client's `timeout`. */
  timeout?: number | undefined;
  /** Idempotency key for this call's POST; one is generated when absent. */
  idempotencyKey?: string | undefined;
}

/** Per-call options of `verifyToken`: the request options, and where background work may go. */
export interface VerifyTokenOptions extends RequestOptions {
  /**
   * Keeps work that outlives the call alive (a revocation answer refreshed ahead, an answer
   * written to `revocationCache`): Workers' `ctx.waitUntil`, Vercel's `waitUntil`. Without it,
   * that work still runs, as long as the runtime lets it. The Hono middleware passes its
   * execution context's.
   */
  waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
}

type Nulls<T> = { [K in keyof T]: null };

/** A result: the fields and `error: null`, or every field `null` and an `error`. */
export type Result<
  T extends object,
  E extends ProtektApiError | MfaRequiredError = ProtektApiError,
> = (T & { error: null }) | (Nulls<T> & { error: E });

/** Tokens and user issued by sign-up, login and the passwordless and MFA flows. */
export interface AuthTokens<M extends object = DefaultMetadata> {
  /** The signed access token (JWT). */
  accessToken: string;
  /** The opaque refresh token, rotated on each use. */
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** Always `Bearer`. */
  tokenType: 'Bearer';
  /** The signed-in user. */
  user: ProtektUser<M>;
  /** True when the project requires MFA and the user has not enrolled yet. */
  mfaEnrollmentRequired: boolean;
}

/**
 * Result of `signUp`, `login`, `verifyOtp`, `verifyMagicLink` and `mfa.verifyLogin`: tokens, or
 * an error, which for a login may be the MFA challenge (`error.code === 'mfa_required'` narrows
 * it to {@link MfaRequiredError}).
 */
export type AuthTokenResponse<M extends object = DefaultMetadata> = Result<
  AuthTokens<M>,
  ProtektApiError | MfaRequiredError
>;

/** Result of `login`: tokens, or an error that may be the MFA challenge. */
export type LoginResult<M extends object = DefaultMetadata> = AuthTokenResponse<M>;

/** Result of `refreshToken`. */
export type RefreshResult = Result<{
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}>;

/** Result of `verifyToken`. */
export type VerifyTokenResult<M extends object = DefaultMetadata> = Result<{
  user: ProtektUser<M>;
  claims: ProtektClaims;
}>;

/** Result of a call whose success carries no data (`logout`, `revokeToken`, `sendOtp`…). */
export type EmptyResult = { error: null } | { error: ProtektApiError };

/** Result of `sendOtp` and `sendMagicLink`. */
export type SendCodeResult = Result<{ expiresIn: number }>;

/** Result of `users.get` and `users.update`. */
export type UserResult<M extends object = DefaultMetadata> = Result<{ user: ProtektUser<M> }>;

/** Result of `users.list`. */
export type UserListResult<M extends object = DefaultMetadata> = Result<{
  users: ProtektUser<M>[];
  nextCursor: string | null;
  hasMore: boolean;
}>;

/** Result of `sessions.list`. */
export type SessionListResult = Result<{ sessions: Session[] }>;

/** Result of `sessions.revokeAll`. */
export type RevokeAllResult = Result<{ revokedCount: number }>;

/** Result of `mfa.enroll`: the TOTP URI and QR code, or (SMS) the masked phone. */
export type MfaEnrollResult = Result<{
  method: MfaMethod;
  totpUri: string | null;
  qrCode: string | null;
  phoneMasked: string | null;
}>;

/**
 * Result of `mfa.verify`: tokens when it completed a login challenge; `enrolled: true` and the
 * user (tokens `null`) when it confirmed an enrollment.
 */
export type MfaVerifyResult<M extends object = DefaultMetadata> = Result<{
  accessToken: string | null;
  refreshToken: string | null;
  expiresIn: number | null;
  user: ProtektUser<M>;
  enrolled: boolean;
}>;

/** Result of `mfa.generateBackupCodes`. */
export type BackupCodesResult = Result<{ backupCodes: string[] }>;

/** Result of `auth.verifyEmail`. */
export type VerifyEmailResult<M extends object = DefaultMetadata> = Result<{
  user: ProtektUser<M>;
}>;

// ---------------------------------------------------------------------------------------------
// The Account API (`protekt.projects`, `apiKeys`, `members`, `usage`; a management token)

/** A Protekt project, as the Account API describes it. */
export interface Project {
  /** Project id (`proj_…`). */
  id: string;
  /** The login id its clients use (`lp_…`). */
  loginId: string;
  /** Display name. */
  name: string;
  /** Free text, or `null`. */
  description: string | null;
  /** Where browser flows send the user back by default. */
  redirectUrl: string;
  /** More origins a redirect may go to (`https://*.example.com` allows subdomains). */
  allowedOrigins: string[];
  /** Access-token lifetime in seconds. */
  tokenExpiry: number;
  /** Refresh-token lifetime in seconds. */
  refreshTokenExpiry: number;
  /** Every user must use MFA. */
  mfaRequired: boolean;
  /** ISO 8601 creation time. */
  createdAt: string;
  /** ISO 8601 time of the last change. */
  updatedAt: string;
}

/**
 * What an API key may call on the Auth API: `auth:read` (token checks, sessions listed),
 * `auth:write` (sign-in, sign-out, passwords, MFA, sessions ended), `users:read`, `users:write`.
 */
export type ApiKeyScope = 'auth:read' | 'auth:write' | 'users:read' | 'users:write';

/** An API key of a project. */
export interface ApiKey {
  /** Key id (`key_…`): what `apiKeys.delete` takes. Not the key. */
  id: string;
  /**
   * The raw key, only in the answer of `apiKeys.create` (`null` in a list). A secret: store it,
   * never log it.
   */
  key: string | null;
  /** What the key is for. */
  label: string;
  /** The project it opens. */
  projectId: string;
  /** What it may call. */
  scopes: ApiKeyScope[];
  /** ISO 8601 expiry, or `null` for a key that does not expire. */
  expiresAt: string | null;
  /** ISO 8601 creation time. */
  createdAt: string;
}

/** A member's role: `owner`, `admin` or `developer` (docs/account.md says what each may do). */
export type MemberRole = 'owner' | 'admin' | 'developer';

/** A member of the organisation. */
export interface Member {
  /** Member id (`mem_…`). */
  id: string;
  /** E-mail address. */
  email: string;
  /** Role. */
  role: MemberRole;
  /** ISO 8601 time they joined. */
  joinedAt: string;
}

/** Usage within a period, for a project or the whole organisation. */
export interface UsageStats {
  /** The period counted (`YYYY-MM-DD`, both days included). */
  period: { from: string; to: string };
  /** Distinct users who authenticated within the period. */
  mau: number;
  /** Sessions opened (any method). */
  totalLogins: number;
  /** Access tokens issued (logins and refreshes). */
  tokensIssued: number;
  /** Logins by one-time code or magic link. */
  passwordlessLogins: number;
  /** Logins through SSO or a social provider. */
  ssoLogins: number;
}

/** Result of `Protekt.getManagementToken`. */
export type ManagementTokenResult = Result<{
  /** The management token: a secret, for the `managementToken` option. */
  managementToken: string;
  /** ISO 8601 expiry. */
  expiresAt: string;
}>;

/** Result of `revokeManagementToken`. */
export type RevokeManagementTokenResult = Result<{ revoked: boolean }>;

/** Result of `projects.getCurrent`, `get`, `create` and `update`. */
export type ProjectResult = Result<{ project: Project }>;

/** Result of `projects.list`. */
export type ProjectListResult = Result<{
  projects: Project[];
  nextCursor: string | null;
  hasMore: boolean;
}>;

/** Result of `projects.delete`. */
export type ProjectDeleteResult = Result<{ deleted: boolean; id: string }>;

/** Result of `apiKeys.create`: `apiKey.key` holds the raw key, this once. */
export type ApiKeyResult = Result<{ apiKey: ApiKey }>;

/** Result of `apiKeys.list`. */
export type ApiKeyListResult = Result<{
  apiKeys: ApiKey[];
  nextCursor: string | null;
  hasMore: boolean;
}>;

/** Result of `apiKeys.delete`. */
export type ApiKeyDeleteResult = Result<{ revoked: boolean; id: string }>;

/** Result of `members.list`. */
export type MemberListResult = Result<{ members: Member[] }>;

/** Result of `members.invite`. */
export type MemberInviteResult = Result<{ message: string }>;

/** Result of `members.remove`. */
export type MemberRemoveResult = Result<{ removed: boolean }>;

/** Result of `usage.get`. */
export type UsageResult = Result<{ usage: UsageStats }>;
