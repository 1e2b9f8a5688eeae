/** Issuing and checking tokens, opening sessions, and the JSON forms of users and sessions. */
import { fail } from './http.js';
import type { EmulatorState, OpContext } from './state.js';
import { projectOf } from './state.js';
import type { EmulatorProject, SessionRecord, UserRecord } from './store.js';
import { randomId, randomToken } from './random.js';
import { countUsage } from './account/store.js';

/** Claims the metadata may not override. */
const RESERVED_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'email',
  'email_verified',
  'project_id',
  'sid',
  'azp',
  'scope',
  'nonce',
  'auth_time',
  'amr',
  'acr',
  'cnf',
  'typ',
  'at_hash',
  'c_hash',
]);

/** MFA methods a user has confirmed. */
export function mfaMethods(user: UserRecord): ('totp' | 'sms')[] {
  const out: ('totp' | 'sms')[] = [];
  if (user.mfa.totp) out.push('totp');
  if (user.mfa.sms) out.push('sms');
  return out;
}

/** The `User` JSON object. */
export function userJson(user: UserRecord): Record<string, unknown> {
  const methods = mfaMethods(user);
  return {
    id: user.id,
    email: user.email,
    email_verified: user.emailVerified,
    mfa_enabled: methods.length > 0,
    mfa_methods: methods,
    metadata: { ...user.metadata },
    disabled: user.disabled,
    created_at: new Date(user.createdAt).toISOString(),
    last_login_at: user.lastLoginAt === null ? null : new Date(user.lastLoginAt).toISOString(),
  };
}

/** The `Session` JSON object. */
export function sessionJson(
  session: SessionRecord,
  currentSid: string | undefined,
): Record<string, unknown> {
  return {
    id: session.id,
    ip_address: session.ip,
    user_agent: session.userAgent,
    created_at: new Date(session.createdAt).toISOString(),
    last_active_at: new Date(session.lastActiveAt).toISOString(),
    is_current: session.id === currentSid,
  };
}

/** Access token lifetime: `token_expiry` clamped to [60, 86400], else the project's setting. */
export function tokenExpiry(project: EmulatorProject, requested: unknown): number {
  if (typeof requested === 'number' && Number.isFinite(requested))
    return Math.min(86_400, Math.max(60, Math.trunc(requested)));
  return project.settings.tokenExpiry;
}

/** Signs an access token for a user and session. */
export async function signAccessToken(
  state: EmulatorState,
  issuer: string,
  project: EmulatorProject,
  user: UserRecord,
  sid: string | undefined,
  expiresIn: number,
  extraClaims: Record<string, unknown> = {},
): Promise<string> {
  const iat = Math.floor(state.clock.now() / 1000);
  countUsage(state, project.projectId, state.clock.now(), 'token');
  const claims: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(user.metadata)) if (!RESERVED_CLAIMS.has(k)) claims[k] = v;
  for (const [k, v] of Object.entries(extraClaims)) claims[k] = v;
  Object.assign(claims, {
    iss: issuer,
    sub: user.id,
    aud: [project.loginId, project.projectId],
    email: user.email,
    email_verified: user.emailVerified,
    project_id: project.projectId,
    iat,
    nbf: iat,
    exp: iat + expiresIn,
    jti: randomId('tok_', 24),
  });
  if (sid !== undefined) claims['sid'] = sid;
  return state.keys.sign(claims);
}

/** Opens a session for a user and answers an `AuthTokenResponse` body. */
export async function openSession(
  c: OpContext,
  user: UserRecord,
  requestedExpiry: unknown = c.body['token_expiry'],
): Promise<Record<string, unknown>> {
  const project = projectOf(c);
  countUsage(c.state, project.projectId, c.now, { routeId: c.route.id, userId: user.id });
  return openSessionFor(
    c.state,
    c.origin,
    project,
    user,
    { ip: c.client.ip, userAgent: c.client.userAgent },
    tokenExpiry(project, requestedExpiry),
  );
}

/** Opens a session outside a request context (also used by test helpers). */
export async function openSessionFor(
  state: EmulatorState,
  issuer: string,
  project: EmulatorProject,
  user: UserRecord,
  client: { ip: string; userAgent: string },
  expiresIn: number,
): Promise<Record<string, unknown>> {
  const now = state.clock.now();
  const session: SessionRecord = {
    id: randomId('sess_', 16),
    projectId: project.projectId,
    userId: user.id,
    createdAt: now,
    lastActiveAt: now,
    ip: client.ip,
    userAgent: client.userAgent,
    endedAt: null,
  };
  state.store.sessions.set(session.id, session);
  user.lastLoginAt = now;
  const refresh = newRefreshToken(state, project, session.id);
  const access = await signAccessToken(state, issuer, project, user, session.id, expiresIn);
  const body: Record<string, unknown> = {
    access_token: access,
    refresh_token: refresh,
    expires_in: expiresIn,
    token_type: 'Bearer',
    user: userJson(user),
  };
  if (project.settings.mfaRequired && mfaMethods(user).length === 0)
    body['mfa_enrollment_required'] = true;
  return body;
}

/** Stores a fresh refresh token for a session. */
export function newRefreshToken(
  state: EmulatorState,
  project: EmulatorProject,
  sessionId: string,
): string {
  const token = randomToken('rt_', 32);
  state.store.refreshTokens.set(token, {
    sessionId,
    projectId: project.projectId,
    expiresAt: state.clock.now() + project.settings.refreshTokenExpiry * 1000,
    state: 'active',
  });
  return token;
}

/** What a valid access token tells about its bearer. */
export interface VerifiedAccess {
  readonly claims: Record<string, unknown>;
  readonly user: UserRecord | undefined;
  readonly session: SessionRecord | undefined;
}

/**
 * Checks an access token for a project: signature (a key of the ring, its own algorithm), issuer
 * (= the request origin), audience (the project's login id), `nbf`, `exp`, the jti revocation
 * list and the state of its session. Throws `token_invalid` / `token_expired` / `token_revoked`.
 */
export async function verifyAccessToken(
  state: EmulatorState,
  token: string,
  project: EmulatorProject,
  issuer: string,
): Promise<VerifiedAccess> {
  const verified = await state.keys.verify(token);
  if (!verified) fail('token_invalid', 'The token is malformed or its signature is invalid.');
  const claims = verified.payload;
  if (claims['iss'] !== issuer) fail('token_invalid', 'The token was issued by another issuer.');
  const aud = claims['aud'];
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(project.loginId))
    fail('token_invalid', 'The token was issued for another project.');
  if (typeof claims['sub'] !== 'string') fail('token_invalid', 'The token has no subject.');
  const nowSec = Math.floor(state.clock.now() / 1000);
  const nbf = claims['nbf'];
  if (typeof nbf === 'number' && nbf > nowSec) fail('token_invalid', 'The token is not valid yet.');
  const exp = claims['exp'];
  if (typeof exp !== 'number') fail('token_invalid', 'The token has no expiry.');
  if (exp <= nowSec) fail('token_expired', 'The token has expired.');
  const jti = claims['jti'];
  if (typeof jti === 'string' && state.store.revokedJtis.has(jti))
    fail('token_revoked', 'The token has been revoked.');
  const sid = claims['sid'];
  let session: SessionRecord | undefined;
  if (typeof sid === 'string') {
    session = state.store.sessions.get(sid);
    if (
      session &&
      (session.endedAt !== null ||
        session.userId !== claims['sub'] ||
        session.projectId !== project.projectId)
    ) {
      fail('token_revoked', 'The session of this token has ended.');
    }
  }
  const user = state.store.userById(project.projectId, claims['sub'] as string);
  if (session && !user) fail('token_revoked', 'The session of this token has ended.');
  return { claims, user, session };
}

/** The bearer of a user-scoped request: a valid token of an existing, enabled user. */
export interface Bearer {
  readonly claims: Record<string, unknown>;
  readonly user: UserRecord;
  readonly session: SessionRecord | undefined;
  readonly token: string;
}

/** Reads `Authorization: Bearer …` and checks it. */
export async function requireBearer(c: OpContext): Promise<Bearer> {
  const header = c.request.headers.get('authorization') ?? '';
  const m = /^Bearer[ \t]+([^\s]+)\s*$/i.exec(header);
  if (!m)
    fail('token_invalid', 'An access token is required in the Authorization header (Bearer).');
  const token = m[1]!;
  const project = projectOf(c);
  const v = await verifyAccessToken(c.state, token, project, c.origin);
  if (!v.user || v.user.disabled)
    fail('token_revoked', 'The user of this token no longer has access.');
  if (v.session) v.session.lastActiveAt = c.now;
  return { claims: v.claims, user: v.user, session: v.session, token };
}

/** Adds an access token's jti to the revocation list. */
export function revokeJti(state: EmulatorState, claims: Record<string, unknown>): void {
  const jti = claims['jti'];
  const exp = claims['exp'];
  if (typeof jti === 'string')
    state.store.revokedJtis.set(jti, typeof exp === 'number' ? exp : Number.MAX_SAFE_INTEGER);
}
