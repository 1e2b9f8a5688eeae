/** `protekt.users`: the project's users, for back-office code (API key only). */
import type { DefaultMetadata, EmptyResult, ProtektUser, RequestOptions, UserListResult, UserResult } from '../types.js';
import { localError } from '../errors/api-error.js';
import { checkEmail, checkMetadata, checkOptionalBoolean, checkParams, checkString, firstError } from './validate.js';
import { arr, call, optStr, pick, toUser, type ResourceContext } from './shared.js';
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

const LIST_KEYS = ['users', 'nextCursor', 'hasMore'] as const;

/** The `users` resource. */
export class UsersResource<M extends object = DefaultMetadata> {
  readonly #ctx: ResourceContext;

  /** @internal Built by the `Protekt` client. */
  constructor(ctx: ResourceContext) {
    this.#ctx = ctx;
  }

  /** One page of users. */
  async list(params: ListUsersParams = {}, options?: RequestOptions): Promise<UserListResult<M>> {
    return call(this.#ctx, checkParams(params, 'users.list') ?? checkListParams(params), LIST_KEYS, () => ({
      method: 'GET',
      path: '/auth/users',
      query: { limit: params.limit, cursor: params.cursor, search: params.search },
      options,
    }), (d) => ({
      users: arr(d, 'data').map((u) => toUser<M>(u)),
      nextCursor: optStr(d, 'next_cursor'),
      hasMore: d.has_more === true,
    }));
  }

  /**
   * Every user, page after page: `for await (const user of protekt.users.listAll())`.
   * An API error on a page ends the iteration with a `ProtektError` of code `api_error` whose
   * `details.code` is the API's code (an iterator has no `error` field to return it in).
   */
  async *listAll(params: Omit<ListUsersParams, 'cursor'> = {}, options?: RequestOptions): AsyncGenerator<ProtektUser<M>, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...params, ...(cursor === undefined ? {} : { cursor }) }, options);
      if (page.error) {
        throw new ProtektError('api_error', `users.listAll stopped: ${page.error.code}: ${page.error.message}`, {
          status: page.error.status,
          details: { code: page.error.code },
        });
      }
      yield* page.users;
      cursor = page.hasMore && page.nextCursor ? page.nextCursor : undefined;
    } while (cursor !== undefined);
  }

  /** One user by id. */
  async get(userId: string, options?: RequestOptions): Promise<UserResult<M>> {
    return call(this.#ctx, checkString(userId, 'userId'), ['user'], () => ({ method: 'GET', path: userPath(userId), options }), (d) => ({
      user: toUser<M>(d),
    }));
  }

  /** Updates e-mail, metadata (merged) or the disabled flag. */
  async update(userId: string, params: UpdateUserParams<M>, options?: RequestOptions): Promise<UserResult<M>> {
    return call(
      this.#ctx,
      checkString(userId, 'userId') ??
        checkParams(params, 'users.update') ??
        firstError(
          params.email === undefined ? null : checkEmail(params.email),
          checkMetadata(params.metadata),
          checkOptionalBoolean(params.disabled, 'disabled'),
        ),
      ['user'],
      () => ({ method: 'PATCH', path: userPath(userId), body: pick(params, ['email', 'metadata', 'disabled']), options }),
      (d) => ({ user: toUser<M>(d) }),
    );
  }

  /** Deletes a user and ends all their sessions. Irreversible. */
  async delete(userId: string, options?: RequestOptions): Promise<EmptyResult> {
    return call(this.#ctx, checkString(userId, 'userId'), [], () => ({ method: 'DELETE', path: userPath(userId), options }));
  }
}

function userPath(userId: string): string {
  return `/auth/users/${encodeURIComponent(userId)}`;
}

function checkListParams(params: ListUsersParams) {
  const { limit, cursor, search } = params;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 100)) {
    return localError('invalid_request', 'limit must be an integer from 1 to 100.', { field: 'limit' });
  }
  return firstError(cursor === undefined ? null : checkString(cursor, 'cursor'), search === undefined ? null : checkString(search, 'search'));
}
