/** The emulator's in-memory data: projects, users, sessions and every short-lived secret. */
import { MAX_SHORT_LIVED, makeRoom, sweepMap } from './bounded.js';
import type { PasswordHash } from './password.js';
import { randomId, randomToken } from './random.js';

/** An SSO connection of a project (the fake identity provider serves it). */
export interface SsoConnection {
  /** Connection name, used as `connection=` (or `provider=`) on the authorize URL. */
  name: string;
  /** E-mail domains routed to this connection (`email=` on the authorize URL). */
  domains: string[];
  /** Identity provider label stored in the user's `metadata.provider` (default `'sso'`). */
  provider?: string | undefined;
}

/** Settings of a project. All optional on input. */
export interface ProjectSettings {
  /** Display name. */
  name?: string | undefined;
  /** Access token lifetime in seconds when the caller sends no `token_expiry` (default 3600). */
  tokenExpiry?: number | undefined;
  /** Refresh token lifetime in seconds, renewed on each rotation (default 2592000 = 30 days). */
  refreshTokenExpiry?: number | undefined;
  /**
   * Seconds after a rotation during which the rotated refresh token, presented again, gets the
   * same new pair instead of ending the session: concurrent refreshes by one user (parallel
   * requests, several server instances) are not mistaken for a stolen token (default 10; 0 turns
   * it off). Measured on the emulator clock.
   */
  refreshTokenReuseInterval?: number | undefined;
  /**
   * Every user must use MFA: logins of users without MFA carry `mfa_enrollment_required`, unenroll
   * is refused (default false).
   */
  mfaRequired?: boolean | undefined;
  /**
   * Password login is refused with `email_not_verified` until the address is verified (default
   * false).
   */
  requireEmailVerification?: boolean | undefined;
  /**
   * Default redirect target of magic links, SSO and the hosted login page (default
   * `http://localhost:3000/auth/callback`).
   */
  redirectUrl?: string | undefined;
  /**
   * More origins a `redirect_url` may point to; `https://*.example.com` allows subdomains. The
   * `redirectUrl` origin is always allowed. Default: `https://example.com` and
   * `https://*.example.com`.
   */
  allowedOrigins?: string[] | undefined;
  /** SSO connections, e.g. `[{ name: 'acme-okta', domains: ['acme.com'] }]`. */
  ssoConnections?: SsoConnection[] | undefined;
  /** Pin the login id (default random `lp_…`). */
  loginId?: string | undefined;
  /** Pin the API key (default random `pk_test_…`). */
  apiKey?: string | undefined;
  /** Pin the project id (default random `proj_…`). */
  projectId?: string | undefined;
}

/** Resolved, live settings of a project (tests may change them in place). */
export interface ResolvedProjectSettings {
  /** Display name (shown on the hosted login page). */
  name: string;
  /** Default access token lifetime, seconds. */
  tokenExpiry: number;
  /** Refresh token lifetime, seconds. */
  refreshTokenExpiry: number;
  /** Seconds a rotated refresh token is answered with its rotation's pair (0: never). */
  refreshTokenReuseInterval: number;
  /** MFA is mandatory for every user. */
  mfaRequired: boolean;
  /** Password login needs a verified e-mail address. */
  requireEmailVerification: boolean;
  /** Default redirect target of browser flows and links. */
  redirectUrl: string;
  /** Extra allowed redirect origins (`https://*.example.com` allows subdomains). */
  allowedOrigins: string[];
  /** SSO connections served by the fake identity provider. */
  ssoConnections: SsoConnection[];
}

/**
 * A project of the emulator: its public identifiers, its API key and its live settings. The
 * settings are readable and writable both flat (`project.mfaRequired = true`) and under
 * `project.settings` (the same object); a change takes effect on the next request.
 */
export interface EmulatorProject extends ResolvedProjectSettings {
  /** Public login id (`lp_…`), used by browser redirects and as a token audience. */
  readonly loginId: string;
  /** Secret API key (`pk_test_…`), sent as `X-Protekt-Key`. */
  readonly apiKey: string;
  /** Project id (`proj_…`), the `project_id` claim and a token audience. */
  readonly projectId: string;
  /** Live settings: changing a field takes effect on the next request. */
  readonly settings: ResolvedProjectSettings;
}

/** MFA state of a user. */
export interface UserMfa {
  totp: { secret: string; lastStep: number } | null;
  sms: { phone: string } | null;
  pendingTotp: { secret: string; expiresAt: number } | null;
  pendingSms: { phone: string; code: string; expiresAt: number; attempts: number } | null;
  backupCodes: string[];
}

/** A stored user. */
export interface UserRecord {
  readonly id: string;
  readonly projectId: string;
  /** Creation order across the store (a `users.list` cursor names a position by it). */
  readonly seq: number;
  email: string | null;
  emailVerified: boolean;
  password: PasswordHash | null;
  /** Null-prototype object; never holds `__proto__`/`constructor`/`prototype`. */
  metadata: Record<string, unknown>;
  disabled: boolean;
  readonly createdAt: number;
  lastLoginAt: number | null;
  /** A verified phone number (from SMS MFA enrollment). */
  phone: string | null;
  mfa: UserMfa;
}

/** A stored session. */
export interface SessionRecord {
  readonly id: string;
  readonly projectId: string;
  readonly userId: string;
  readonly createdAt: number;
  lastActiveAt: number;
  readonly ip: string;
  readonly userAgent: string;
  endedAt: number | null;
}

/** A stored refresh token. */
export interface RefreshRecord {
  readonly sessionId: string;
  readonly projectId: string;
  readonly expiresAt: number;
  state: 'active' | 'rotated' | 'revoked';
  /** What its rotation answered (set with `state: 'rotated'`). */
  rotation?: RotationRecord | undefined;
}

/** The pair a refresh token was rotated into, answered again within the reuse interval. */
export interface RotationRecord {
  /** Emulator-clock ms of the rotation. */
  readonly at: number;
  readonly refreshToken: string;
  readonly expiresIn: number;
  /**
   * The access token and its `jti` (once that is revoked, the pair is not handed out again). A
   * promise: a presentation that arrives while the rotation signs waits for it.
   */
  readonly access: Promise<{ readonly token: string; readonly jti: string }>;
}

/** A pending login MFA challenge. */
export interface MfaChallenge {
  readonly projectId: string;
  readonly userId: string;
  readonly expiresAt: number;
  readonly tokenExpiry: number | undefined;
  sms: { code: string; expiresAt: number } | null;
  attempts: number;
}

/** A short-lived single-use secret sent by e-mail/SMS. */
export interface CodeRecord {
  readonly projectId: string;
  readonly code: string;
  readonly expiresAt: number;
  attempts: number;
}

/** A single-use link token (magic link, password reset, e-mail verification). */
export interface LinkToken {
  readonly projectId: string;
  readonly email: string;
  readonly userId: string | null;
  readonly expiresAt: number;
}

/** A started SSO/social authorization. */
export interface SsoRequest {
  readonly id: string;
  readonly projectId: string;
  readonly provider: string;
  readonly connection: SsoConnection | null;
  readonly redirectUrl: string;
  readonly state: string | null;
  readonly loginHint: string | null;
  readonly expiresAt: number;
}

/** An authorization code of the fake identity provider. */
export interface SsoCode {
  readonly requestId: string;
  readonly email: string;
  /** What an enterprise identity provider sends besides the address (SSO connections only). */
  readonly profile: { readonly name: string; readonly groups: readonly string[] } | null;
  readonly expiresAt: number;
}

/** An API key of a project: the project's first key, or one made through `POST /api-keys`. */
export interface ApiKeyRecord {
  /** Public id (`key_…`). */
  readonly id: string;
  readonly projectId: string;
  readonly label: string;
  /** What the key may call on the Auth API (`API_KEY_SCOPES`; the first key has all four). */
  readonly scopes: readonly string[];
  /** Emulator-clock ms after which the key answers 401, or `null`. */
  readonly expiresAt: number | null;
  readonly createdAt: number;
}

/** What the Account API adds to a project: its organisation, description and times. */
export interface ProjectRecord {
  readonly organizationId: string;
  description: string | null;
  readonly createdAt: number;
  updatedAt: number;
}

/** Where a project is created: its organisation and the time (the emulator clock). */
export interface ProjectOrigin {
  /** Default: the emulator's first organisation. */
  readonly organizationId?: string | undefined;
  readonly now?: number | undefined;
  /** `false` for a project made through the Account API: its keys come from `/api-keys`. */
  readonly withKey?: boolean | undefined;
}

/** The organisation of projects created without one (the one `emulator.account` signs in to). */
export const DEFAULT_ORGANIZATION_ID = 'org_default';

/** Every scope, as the first key of a project holds them. */
const ALL_SCOPES = ['auth:read', 'auth:write', 'users:read', 'users:write'] as const;

/** A stored answer for idempotent replay. */
export interface StoredAnswer {
  readonly status: number;
  readonly headers: [string, string][];
  readonly body: string;
}

/** An idempotency record. */
export interface IdempotencyRecord {
  readonly fingerprint: string;
  readonly expiresAt: number;
  readonly answer: Promise<StoredAnswer | null>;
}

/**
 * Origins a redirect may target when a project sets no `allowedOrigins`: the documentation
 * domains of RFC 2606 (`example.com` and its subdomains), which no real application uses.
 */
export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = [
  'https://example.com',
  'https://*.example.com',
];

/** Normalizes an e-mail address for lookup and storage (trimmed, lower-case). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The whole in-memory state. */
export class Store {
  readonly projects = new Map<string, EmulatorProject>();
  readonly projectsByKey = new Map<string, EmulatorProject>();
  readonly projectsByLoginId = new Map<string, EmulatorProject>();
  readonly users = new Map<string, UserRecord>();
  /** projectId → (normalized e-mail → user id). */
  readonly emailIndex = new Map<string, Map<string, string>>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly refreshTokens = new Map<string, RefreshRecord>();
  /** Revoked access token ids → their `exp` (seconds). */
  readonly revokedJtis = new Map<string, number>();
  readonly mfaChallenges = new Map<string, MfaChallenge>();
  /** `${projectId}|${address}` → code. */
  readonly otps = new Map<string, CodeRecord>();
  readonly magicLinks = new Map<string, LinkToken>();
  readonly resetTokens = new Map<string, LinkToken>();
  readonly verificationTokens = new Map<string, LinkToken>();
  readonly ssoRequests = new Map<string, SsoRequest>();
  readonly ssoCodes = new Map<string, SsoCode>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  /** Raw API key → its record (`projectsByKey` holds the same keys). */
  readonly apiKeys = new Map<string, ApiKeyRecord>();
  /** projectId → its organisation, description and times. */
  readonly projectRecords = new Map<string, ProjectRecord>();
  /** The `seq` of the last user created. */
  private userSeq = 0;

  /** Registers a project (with its first API key unless `origin.withKey` is `false`). */
  addProject(settings: ProjectSettings = {}, origin: ProjectOrigin = {}): EmulatorProject {
    const fields = {
      loginId: settings.loginId ?? randomId('lp_', 20),
      apiKey: settings.apiKey ?? randomToken('pk_test_', 24),
      projectId: settings.projectId ?? randomId('proj_', 16),
      name: settings.name ?? 'Emulated project',
      tokenExpiry: settings.tokenExpiry ?? 3600,
      refreshTokenExpiry: settings.refreshTokenExpiry ?? 2_592_000,
      refreshTokenReuseInterval: settings.refreshTokenReuseInterval ?? 10,
      mfaRequired: settings.mfaRequired ?? false,
      requireEmailVerification: settings.requireEmailVerification ?? false,
      redirectUrl: settings.redirectUrl ?? 'http://localhost:3000/auth/callback',
      allowedOrigins: [...(settings.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS)],
      ssoConnections: (settings.ssoConnections ?? []).map((c) => ({
        ...c,
        domains: c.domains.map((d) => d.toLowerCase()),
      })),
    };
    // `settings` is the project itself (non-enumerable, so JSON.stringify(project) stays flat).
    const project = Object.defineProperty(fields, 'settings', {
      get: () => project,
      enumerable: false,
    }) as EmulatorProject;
    if (
      this.projects.has(project.projectId) ||
      this.projectsByKey.has(project.apiKey) ||
      this.projectsByLoginId.has(project.loginId)
    ) {
      throw new Error(
        'createProject: a project with that projectId, apiKey or loginId already exists',
      );
    }
    this.projects.set(project.projectId, project);
    this.projectsByLoginId.set(project.loginId, project);
    this.emailIndex.set(project.projectId, new Map());
    this.registerForAccount(project, origin);
    return project;
  }

  /** What the Account API knows of a new project: its organisation, times, and first key. */
  private registerForAccount(project: EmulatorProject, origin: ProjectOrigin): void {
    const now = origin.now ?? Date.now();
    const organizationId = origin.organizationId ?? DEFAULT_ORGANIZATION_ID;
    this.projectRecords.set(project.projectId, {
      organizationId,
      description: null,
      createdAt: now,
      updatedAt: now,
    });
    if (origin.withKey === false) return;
    this.addApiKey(project.apiKey, {
      id: randomId('key_', 16),
      projectId: project.projectId,
      label: 'Default key',
      scopes: ALL_SCOPES,
      expiresAt: null,
      createdAt: now,
    });
  }

  /** Registers an API key of an existing project. */
  addApiKey(key: string, record: ApiKeyRecord): void {
    const project = this.projects.get(record.projectId);
    if (!project) throw new Error('addApiKey: unknown project');
    this.apiKeys.set(key, record);
    this.projectsByKey.set(key, project);
  }

  /** Forgets an API key: it answers 401 from the next request. */
  deleteApiKey(key: string): void {
    this.apiKeys.delete(key);
    this.projectsByKey.delete(key);
  }

  /**
   * The project of an API key that is known and not expired at `now`, with the key's record;
   * `undefined` otherwise.
   */
  keyAccess(key: string, now: number): { project: EmulatorProject; key: ApiKeyRecord } | undefined {
    const record = this.apiKeys.get(key);
    const project = this.projectsByKey.get(key);
    if (!record || !project || (record.expiresAt !== null && record.expiresAt <= now))
      return undefined;
    return { project, key: record };
  }

  /**
   * Deletes a project and everything of it: its keys (401 from the next call), its users, their
   * sessions and refresh tokens (so every token it issued is refused).
   */
  deleteProject(project: EmulatorProject, now: number): void {
    const { projectId } = project;
    for (const [key, record] of this.apiKeys)
      if (record.projectId === projectId) this.deleteApiKey(key);
    for (const session of this.sessions.values())
      if (session.projectId === projectId) this.endSession(session, now);
    for (const refresh of this.refreshTokens.values())
      if (refresh.projectId === projectId) refresh.state = 'revoked';
    for (const user of this.users.values()) if (user.projectId === projectId) this.deleteUser(user);
    this.projects.delete(projectId);
    this.projectsByLoginId.delete(project.loginId);
    this.projectsByKey.delete(project.apiKey);
    this.emailIndex.delete(projectId);
    this.projectRecords.delete(projectId);
  }

  /** Finds a user of a project by e-mail. */
  userByEmail(projectId: string, email: string): UserRecord | undefined {
    const id = this.emailIndex.get(projectId)?.get(normalizeEmail(email));
    return id === undefined ? undefined : this.users.get(id);
  }

  /** Finds a user of a project by id. */
  userById(projectId: string, id: string): UserRecord | undefined {
    const u = this.users.get(id);
    return u && u.projectId === projectId ? u : undefined;
  }

  /** Creates a user (the e-mail must be free). */
  createUser(
    projectId: string,
    fields: {
      email: string | null;
      emailVerified: boolean;
      password: PasswordHash | null;
      metadata: Record<string, unknown>;
      now: number;
    },
  ): UserRecord {
    const user: UserRecord = {
      id: randomId('usr_', 16),
      projectId,
      seq: ++this.userSeq,
      email: fields.email === null ? null : normalizeEmail(fields.email),
      emailVerified: fields.emailVerified,
      password: fields.password,
      metadata: fields.metadata,
      disabled: false,
      createdAt: fields.now,
      lastLoginAt: null,
      phone: null,
      mfa: { totp: null, sms: null, pendingTotp: null, pendingSms: null, backupCodes: [] },
    };
    this.users.set(user.id, user);
    if (user.email !== null) this.emailIndex.get(projectId)?.set(user.email, user.id);
    return user;
  }

  /** Changes a user's e-mail and its index entry. */
  changeEmail(user: UserRecord, email: string): void {
    const index = this.emailIndex.get(user.projectId);
    if (user.email !== null) index?.delete(user.email);
    user.email = normalizeEmail(email);
    index?.set(user.email, user.id);
  }

  /** Deletes a user (its sessions must be ended by the caller). */
  deleteUser(user: UserRecord): void {
    if (user.email !== null) this.emailIndex.get(user.projectId)?.delete(user.email);
    this.users.delete(user.id);
  }

  /** Ends one session. Returns true when it was active. */
  endSession(session: SessionRecord, now: number): boolean {
    if (session.endedAt !== null) return false;
    session.endedAt = now;
    return true;
  }

  /** Active sessions of a user. */
  activeSessions(user: UserRecord): SessionRecord[] {
    const out: SessionRecord[] = [];
    for (const s of this.sessions.values()) {
      if (s.userId === user.id && s.projectId === user.projectId && s.endedAt === null) out.push(s);
    }
    return out;
  }

  /** Ends every active session of a user except `keep`. Returns how many were ended. */
  endUserSessions(user: UserRecord, now: number, keep?: string): number {
    let n = 0;
    for (const s of this.activeSessions(user)) {
      if (s.id === keep) continue;
      if (this.endSession(s, now)) n++;
    }
    return n;
  }

  /**
   * Stores a short-lived record under its key: a key stored again moves to the back, so each map
   * stays in age order; the expired records at the front go first, then the oldest while the map
   * holds `cap` ({@link MAX_SHORT_LIVED} unless given) or more. Every map of records that expire
   * is written through here, so none grows past its cap whoever calls.
   */
  put<V extends { readonly expiresAt: number }>(
    map: Map<string, V>,
    key: string,
    value: V,
    now: number,
    cap: number = MAX_SHORT_LIVED,
  ): void {
    map.delete(key);
    makeRoom(map, cap, (v) => v.expiresAt <= now);
    map.set(key, value);
  }

  /** Drops expired short-lived records (called now and then). */
  sweep(now: number): void {
    const nowSec = Math.floor(now / 1000);
    sweepMap(this.revokedJtis, (exp) => exp < nowSec);
    const expired = (v: { readonly expiresAt: number }): boolean => v.expiresAt <= now;
    for (const m of [
      this.mfaChallenges,
      this.otps,
      this.magicLinks,
      this.resetTokens,
      this.verificationTokens,
      this.ssoRequests,
      this.ssoCodes,
      this.idempotency,
    ] as Map<string, { readonly expiresAt: number }>[]) {
      sweepMap(m, expired);
    }
  }
}
