/**
 * The Account API's data: organisations, their members and invitations, management tokens, and
 * the usage counters the Auth API feeds. Projects and API keys live in the emulator's `Store`
 * (the Auth API reads them on every call); this store says which organisation owns what.
 */
import type { AccountRole } from '../../contract/account-routes.js';
import { MAX_SHORT_LIVED, makeRoom, sweepMap } from '../bounded.js';
import { hashPassword, type PasswordHash } from '../password.js';
import { randomId } from '../random.js';
import type { EmulatorState } from '../state.js';
import { DEFAULT_ORGANIZATION_ID, normalizeEmail } from '../store.js';

/** Lifetime of a management token: one hour on the emulator clock. */
export const MANAGEMENT_TOKEN_TTL_MS = 3_600_000;
/** Lifetime of an invitation: seven days. */
export const INVITATION_TTL_MS = 7 * 24 * 3_600_000;

/** A member of an organisation. */
export interface MemberRecord {
  readonly id: string;
  readonly organizationId: string;
  readonly email: string;
  readonly role: AccountRole;
  readonly joinedAt: number;
  /** Hashed once, when the member is created (the first `POST /token` waits for it). */
  readonly password: Promise<PasswordHash>;
}

/** A pending invitation (its token went to the outbox). */
export interface InvitationRecord {
  readonly organizationId: string;
  readonly email: string;
  readonly role: AccountRole;
  readonly expiresAt: number;
}

/** An issued management token. */
export interface ManagementTokenRecord {
  readonly memberId: string;
  readonly organizationId: string;
  readonly expiresAt: number;
  revoked: boolean;
}

/** What happened on one project on one day (UTC), as `GET /usage` reports it. */
export interface DayUsage {
  readonly organizationId: string;
  readonly projectId: string;
  /** `YYYY-MM-DD`. */
  readonly day: string;
  logins: number;
  passwordlessLogins: number;
  ssoLogins: number;
  tokensIssued: number;
  /** Users who authenticated that day (the MAU of a period is the union). */
  readonly users: Set<string>;
}

/** How a session was opened, for the usage counters. */
export type LoginKind = 'password' | 'passwordless' | 'sso';

/** The day (UTC, `YYYY-MM-DD`) of an emulator-clock time. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Organisations, members, invitations, management tokens and usage. */
export class AccountStore {
  /** Organisation id → the owner's credentials as created (what `emulator.account` shows). */
  readonly organizations = new Map<string, { email: string; password: string }>();
  readonly members = new Map<string, MemberRecord>();
  /** Invitation token → invitation. */
  readonly invitations = new Map<string, InvitationRecord>();
  /** Management token → its record. */
  readonly tokens = new Map<string, ManagementTokenRecord>();
  /** `projectId|day` → what happened. */
  readonly usage = new Map<string, DayUsage>();

  constructor(private readonly iterations: number) {}

  /**
   * Creates an organisation with its owner (`id` is random unless given: the default one is
   * {@link DEFAULT_ORGANIZATION_ID}).
   */
  addOrganization(
    owner: { email: string; password: string },
    now: number,
    id = randomId('org_', 16),
  ): string {
    if (this.organizations.has(id)) throw new Error('addOrganization: the id is taken');
    this.organizations.set(id, { ...owner });
    this.addMember(id, owner.email, owner.password, 'owner', now);
    return id;
  }

  /** The default organisation, created with `owner` on first use. */
  defaultOrganization(owner: () => { email: string; password: string }, now: number): string {
    if (!this.organizations.has(DEFAULT_ORGANIZATION_ID))
      this.addOrganization(owner(), now, DEFAULT_ORGANIZATION_ID);
    return DEFAULT_ORGANIZATION_ID;
  }

  /** Adds a member (the password is hashed in the background). */
  addMember(
    organizationId: string,
    email: string,
    password: string,
    role: AccountRole,
    now: number,
  ): MemberRecord {
    const member: MemberRecord = {
      id: randomId('mem_', 12),
      organizationId,
      email: normalizeEmail(email),
      role,
      joinedAt: now,
      password: hashPassword(password, this.iterations),
    };
    this.members.set(member.id, member);
    return member;
  }

  /** The members of an organisation, in joining order. */
  membersOf(organizationId: string): MemberRecord[] {
    return [...this.members.values()].filter((m) => m.organizationId === organizationId);
  }

  /** The member of an organisation with this e-mail, if any. */
  memberByEmail(organizationId: string, email: string): MemberRecord | undefined {
    const wanted = normalizeEmail(email);
    return this.membersOf(organizationId).find((m) => m.email === wanted);
  }

  /** Removes a member and ends every management token they hold. */
  removeMember(member: MemberRecord): void {
    this.members.delete(member.id);
    for (const [token, record] of this.tokens)
      if (record.memberId === member.id) this.tokens.delete(token);
  }

  /** Stores a record that expires, bounded like every such map of the emulator. */
  put<V extends { readonly expiresAt: number }>(
    map: Map<string, V>,
    key: string,
    value: V,
    now: number,
  ): void {
    map.delete(key);
    makeRoom(map, MAX_SHORT_LIVED, (v) => v.expiresAt <= now);
    map.set(key, value);
  }

  /** Counts what the Auth API did for a project at `now`. */
  count(
    organizationId: string,
    projectId: string,
    now: number,
    event: { login?: LoginKind; userId?: string; token?: true },
  ): void {
    const day = dayOf(now);
    const id = `${projectId}|${day}`;
    let usage = this.usage.get(id);
    if (!usage) {
      usage = {
        organizationId,
        projectId,
        day,
        logins: 0,
        passwordlessLogins: 0,
        ssoLogins: 0,
        tokensIssued: 0,
        users: new Set(),
      };
      this.usage.set(id, usage);
    }
    if (event.token) usage.tokensIssued++;
    if (event.login) {
      usage.logins++;
      if (event.login === 'passwordless') usage.passwordlessLogins++;
      if (event.login === 'sso') usage.ssoLogins++;
    }
    if (event.userId !== undefined) usage.users.add(event.userId);
  }

  /** Drops expired invitations and management tokens. */
  sweep(now: number): void {
    const expired = (v: { readonly expiresAt: number }): boolean => v.expiresAt <= now;
    sweepMap(this.invitations, expired);
    sweepMap(this.tokens, expired);
  }
}

/** How each token-issuing route opened its session. */
const LOGIN_KINDS: Readonly<Record<string, LoginKind>> = {
  'otp.verify': 'passwordless',
  'magicLink.verify': 'passwordless',
  'sso.callback': 'sso',
};

/**
 * Counts a session opened for `userId` by the route `routeId` (a login: the user authenticated),
 * or, without a route, an access token signed.
 */
export function countUsage(
  state: EmulatorState,
  projectId: string,
  now: number,
  event: { routeId: string; userId: string } | 'token',
): void {
  const organizationId = state.store.projectRecords.get(projectId)?.organizationId;
  if (organizationId === undefined) return;
  state.account.count(
    organizationId,
    projectId,
    now,
    event === 'token'
      ? { token: true }
      : { login: LOGIN_KINDS[event.routeId] ?? 'password', userId: event.userId },
  );
}
