/** `protekt.members`: the organisation's members, on the Account API. */
import type {
  MemberListResult,
  MemberInviteResult,
  MemberRemoveResult,
  Member,
  RequestOptions,
} from '../types.js';
import { type MethodTable, field, operation, paramsArg, pathArg } from './operation.js';
import { email, oneOf, pathId } from './validate.js';
import { flagField, listField, readObject, stringField } from './wire.js';

/** Parameters of `members.invite`. */
export interface InviteMemberParams {
  /** Where the invitation goes. */
  email: string;
  /** `admin` or `developer` (an owner is never invited). */
  role: 'admin' | 'developer';
}

/** The `members` resource (needs the `managementToken` option). */
export interface MembersResource {
  /** The members who joined, with their roles. */
  list(options?: RequestOptions): Promise<MemberListResult>;
  /** Sends an invitation; the member joins on accepting it. */
  invite(params: InviteMemberParams, options?: RequestOptions): Promise<MemberInviteResult>;
  /**
   * Removes a member (`mem_…`): their management tokens end at once. The last owner cannot be
   * removed (`error.code === 'last_owner'`).
   */
  remove(memberId: string, options?: RequestOptions): Promise<MemberRemoveResult>;
}

const readMember = (value: unknown): Member =>
  readObject(
    {
      id: stringField('id'),
      email: stringField('email'),
      role: stringField('role'),
      joinedAt: stringField('joined_at'),
    },
    value,
    'member',
  ) as unknown as Member;

/** @internal The methods of `members`, built per client by `buildResource()`. */
export const MEMBERS_METHODS = {
  list: operation({
    route: 'GET /members',
    args: [],
    result: { members: listField('data', readMember) },
  }),
  invite: operation({
    route: 'POST /members/invite',
    args: [
      paramsArg<InviteMemberParams>({
        email: field('email', email),
        role: field('role', oneOf(['admin', 'developer'])),
      }),
    ],
    result: { message: stringField('message') },
  }),
  remove: operation({
    route: 'DELETE /members/{memberId}',
    args: [pathArg('memberId', pathId)],
    result: { removed: flagField('removed') },
  }),
} satisfies MethodTable<MembersResource>;
