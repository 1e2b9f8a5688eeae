/** `protekt.users`: the project's users, for back-office code (API key only). */
import type { DefaultMetadata, EmptyResult, ProtektUser, RequestOptions, UserListResult, UserResult } from '../types.js';
import { bad, boolean, email, metadata, optional, text, type Rule } from './validate.js';
import { arr, flag, op, optStr, toUser, type MethodFactory } from './shared.js';
import { ProtektError } from '../errors/protekt-error.js';

/** Parameters of `users.list`. */
export interface ListUsersParams {
  /** Page size, 1 to 100 (default 20). */
  limit?: number;
  /** Cursor from the previous page's `nextCursor`. */
  cursor?: string;
  /** Partial e-mail match. */
  search?: string;
}

/** Parameters of `users.update`. */
export interface UpdateUserParams<M extends object = DefaultMetadata> {
  /** New e-mail (it must be verified again). */
  email?: string;
  /** Keys merged into the existing metadata. */
  metadata?: Partial<M>;
  /** `true` locks the account and ends its sessions. */
  disabled?: boolean;
}

/** The `users` resource. */
export interface UsersResource<M extends object = DefaultMetadata> {
  /** One page of users. */
  list(params?: ListUsersParams, options?: RequestOptions): Promise<UserListResult<M>>;
  /**
   * Every user, page after page: `for await (const user of protekt.users.listAll())`.
   * An API error on a page ends the iteration with a `ProtektError` of code `api_error` whose
   * `details.code` is the API's code (an iterator has no `error` field to return it in).
   */
  listAll(params?: Omit<ListUsersParams, 'cursor'>, options?: RequestOptions): AsyncGenerator<ProtektUser<M>, void, undefined>;
  /** One user by id. */
  get(userId: string, options?: RequestOptions): Promise<UserResult<M>>;
  /** Updates e-mail, metadata (merged) or the disabled flag. */
  update(userId: string, params: UpdateUserParams<M>, options?: RequestOptions): Promise<UserResult<M>>;
  /** Deletes a user and ends all their sessions. Irreversible. */
  delete(userId: string, options?: RequestOptions): Promise<EmptyResult>;
}

const USER_ID = ['userId', text()] as const;
const limit: Rule = (value, field) =>
  value === undefined || (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 100)
    ? null
    : bad('invalid_request', field, 'must be an integer from 1 to 100.');
// The answer is the user itself.
const USER = { user: toUser };
/** @internal The methods of `users`, built per client by `resource()`. */
export const USERS: Record<string, MethodFactory> = {
  list: op('GET /auth/users', [{ limit, cursor: optional(text()), search: optional(text()) }], {
    users: (d) => arr(d, 'data').map(toUser),
    nextCursor: optStr,
    hasMore: flag,
  }),
  listAll: (ctx) => {
    const page = USERS.list!(ctx, 'users.list') as UsersResource['list'];
    return async function* (params: Omit<ListUsersParams, 'cursor'> = {}, options?: RequestOptions) {
      let cursor: string | undefined;
      do {
        const { users, hasMore, nextCursor, error } = await page({ ...params, ...(cursor === undefined ? {} : { cursor }) }, options);
        if (error) throw new ProtektError('api_error', `users.listAll: ${error.code}: ${error.message}`, { status: error.status, details: { code: error.code } });
        yield* users;
        cursor = (hasMore && nextCursor) || undefined;
      } while (cursor);
    };
  },
  get: op('GET /auth/users/:userId', [USER_ID], USER),
  update: op('PATCH /auth/users/:userId', [USER_ID, { email: optional(email), metadata, disabled: boolean }], USER),
  delete: op('DELETE /auth/users/:userId', [USER_ID]),
};
