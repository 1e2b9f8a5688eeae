/**
 * Management tokens and members of the Account API. Who may do what (the route's least role,
 * checked before a handler runs, plus the rules here) is written down in docs/account.md.
 */
import { MEMBER_ROLES } from '../../contract/account-routes.js';
import { fail, json } from '../http.js';
import { verifyPassword } from '../password.js';
import { randomToken } from '../random.js';
import { normalizeEmail } from '../store.js';
import { type AccountHandler, callerOf } from './context.js';
import { INVITATION_TTL_MS, MANAGEMENT_TOKEN_TTL_MS, type MemberRecord } from './store.js';

/** The `Member` JSON object. */
const memberJson = (member: MemberRecord): Record<string, unknown> => ({
  id: member.id,
  email: member.email,
  role: member.role,
  joined_at: new Date(member.joinedAt).toISOString(),
});

/**
 * POST /token: a management token for the member whose e-mail and password these are (the first
 * organisation where they match). Rate-limited per address like a login; a wrong password costs
 * the same work as a right one.
 */
export const issueToken: AccountHandler = async (c) => {
  const { account, limiter, limits, pbkdf2Iterations } = c.state;
  const email = normalizeEmail(c.body['email'] as string);
  const password = c.body['password'] as string;
  const limit = limiter.hit(`account-token|${email}`, limits.login, c.now);
  if (!limit.allowed) {
    c.headers['retry-after'] = String(limit.retryAfter);
    fail('rate_limited', 'Too many requests; try again later.', { retry_after: limit.retryAfter });
  }
  let member: MemberRecord | undefined;
  for (const candidate of account.members.values()) {
    if (candidate.email !== email) continue;
    if (await verifyPassword(password, await candidate.password, pbkdf2Iterations)) {
      member = candidate;
      break;
    }
  }
  if (!member) {
    await verifyPassword(password, undefined, pbkdf2Iterations);
    fail('invalid_credentials', 'The e-mail address or password is incorrect.');
  }
  const token = randomToken('mgmt_', 32);
  const expiresAt = c.now + MANAGEMENT_TOKEN_TTL_MS;
  const record = {
    memberId: member.id,
    organizationId: member.organizationId,
    expiresAt,
    revoked: false,
  };
  account.put(account.tokens, token, record, c.now);
  return json({ management_token: token, expires_at: new Date(expiresAt).toISOString() });
};

/** POST /token/revoke: the request's own token ends now. */
export const revokeToken: AccountHandler = async (c) => {
  const record = c.state.account.tokens.get(callerOf(c).token);
  if (record) record.revoked = true;
  return json({ revoked: true });
};

/** GET /members: the members who joined (pending invitations are not members yet). */
export const listMembers: AccountHandler = async (c) =>
  json({ data: c.state.account.membersOf(callerOf(c).organizationId).map(memberJson) });

/** POST /members/invite: the invitation (its token) goes to the outbox. */
export const invite: AccountHandler = async (c) => {
  const { account, outbox } = c.state;
  const { organizationId } = callerOf(c);
  const email = normalizeEmail(c.body['email'] as string);
  if (account.memberByEmail(organizationId, email))
    fail('member_exists', 'This address is already a member of the organisation.', {
      field: 'email',
    });
  const token = randomToken('inv_', 24);
  const role = c.body['role'] as 'admin' | 'developer';
  account.put(
    account.invitations,
    token,
    { organizationId, email, role, expiresAt: c.now + INVITATION_TTL_MS },
    c.now,
  );
  outbox.push({
    to: email,
    channel: 'email',
    kind: 'member_invitation',
    token,
    projectId: organizationId,
    at: c.now,
  });
  return json({ message: `Invitation sent to ${email}` });
};

/** POST /members/accept (extension): the invited address joins with the role it was given. */
export const acceptInvitation: AccountHandler = async (c) => {
  const { account } = c.state;
  const token = c.body['token'] as string;
  const invitation = account.invitations.get(token);
  if (!invitation || invitation.expiresAt <= c.now)
    fail('invitation_invalid', 'The invitation is unknown, used or expired.', { field: 'token' });
  account.invitations.delete(token);
  const { organizationId, email, role } = invitation;
  if (account.memberByEmail(organizationId, email))
    fail('member_exists', 'This address is already a member of the organisation.', {
      field: 'email',
    });
  const member = account.addMember(
    organizationId,
    email,
    c.body['password'] as string,
    role,
    c.now,
  );
  return json(memberJson(member));
};

/**
 * DELETE /members/{id}: admins remove developers and admins, owners anyone; never the last owner
 * (409 `last_owner`). The member's management tokens end at once.
 */
export const removeMember: AccountHandler = async (c) => {
  const { account } = c.state;
  const caller = callerOf(c);
  const member = account.members.get(c.params['id']!);
  if (!member || member.organizationId !== caller.organizationId)
    fail('not_found', 'No member with this id in this organisation.');
  if (MEMBER_ROLES.indexOf(member.role) > MEMBER_ROLES.indexOf(caller.member.role))
    fail('insufficient_permissions', 'Only an owner may remove an owner.', {
      required_role: 'owner',
    });
  const owners = account.membersOf(caller.organizationId).filter((m) => m.role === 'owner');
  if (member.role === 'owner' && owners.length === 1)
    fail('last_owner', 'The last owner of an organisation cannot be removed.');
  account.removeMember(member);
  return json({ removed: true });
};
