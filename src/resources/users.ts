/** `protekt.users`: the project's users, for back-office code (API key only). */
import type {
  DefaultMetadata,
  EmptyResult,
  ProtektUser,
  RequestOptions,
  UserListResult,
  UserResult,
} from '../types.js';
import { listAllOf } from './list-all.js';
import { field, operation, paramsArg, pathArg, type MethodTable } from './operation.js';
import {
  boolean,
  email,
  inputError,
  metadata,
  optional,
  pathId,
  text,
  type InputRule,
} from './validate.js';
import { flagField, listField, optionalStringField, readUser } from './wire.js';

/** Parameters of `users.list`. */
export interface ListUsersParams {
  /** Page size, 1 to 100 (default 20). */
  limit?: number | undefined;
  /** Cursor from the previous page's `nextCursor`. */
  cursor?: string | undefined;
  /** Partial e-mail match. */
  search?: string | undefined;
}

/** Parameters of `users.update`. */
export interface UpdateUserParams<M extends object = DefaultMetadata> {
  /** New e-mail (it must be verified again). */
  email?: string | undefined;
  /** Keys merged into the existing metadata. */
  metadata?: Partial<M> | undefined;
  /** `true` locks the account and ends its sessions. */
  disabled?: boolean | undefined;
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
  listAll(
    params?: Omit<ListUsersParams, 'cursor'>,
    options?: RequestOptions,
  ): AsyncGenerator<ProtektUser<M>, void, undefined>;
  /** One user by id. */
  get(userId: string, options?: RequestOptions): Promise<UserResult<M>>;
  /** Updates e-mail, metadata (merged) or the disabled flag. */
  update(
    userId: string,
    params: UpdateUserParams<M>,
    options?: RequestOptions,
  ): Promise<UserResult<M>>;
  /** Deletes a user and ends all their sessions. Irreversible. */
  delete(userId: string, options?: RequestOptions): Promise<EmptyResult>;
}

/** A page size: an integer from 1 to 100, when given. */
export const pageSize: InputRule = (value, field) =>
  value === undefined ||
  (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 100)
    ? null
    : inputError('invalid_request', field, 'must be an integer from 1 to 100.');

const userIdArg = pathArg('userId', pathId);

/** A user answer: the answer is the user itself. */
const USER_RESULT = { user: readUser };

const listUsers = operation<UsersResource['list']>({
  route: 'GET /auth/users',
  args: [
    paramsArg<ListUsersParams>(
      {
        limit: field('limit', pageSize),
        cursor: field('cursor', optional(text())),
        search: field('search', optional(text())),
      },
      { optional: true },
    ),
  ],
  result: {
    users: listField('data', readUser),
    nextCursor: optionalStringField('next_cursor'),
    hasMore: flagField('has_more'),
  },
});

/** `users.listAll`: `users.list` page after page. */
const listAll = listAllOf<UsersResource['listAll']>(listUsers, 'users', 'users');

/** @internal The methods of `users`, built per client by `buildResource()`. */
export const USERS_METHODS = {
  list: listUsers,
  listAll,
  get: operation({ route: 'GET /auth/users/{userId}', args: [userIdArg], result: USER_RESULT }),
  update: operation({
    route: 'PATCH /auth/users/{userId}',
    args: [
      userIdArg,
      paramsArg<UpdateUserParams>({
        email: field('email', optional(email)),
        metadata: field('metadata', metadata),
        disabled: field('disabled', boolean),
      }),
    ],
    result: USER_RESULT,
    // Disabling ends the user's tokens; enabling lets new ones through.
    ends: (endings, [userId, params]) => {
      const { disabled } = params as UpdateUserParams;
      if (disabled !== undefined) endings.user(userId as string, disabled);
    },
  }),
  delete: operation({
    route: 'DELETE /auth/users/{userId}',
    args: [userIdArg],
    result: {},
    ends: (endings, [userId]) => endings.user(userId as string, true),
  }),
} satisfies MethodTable<UsersResource>;
