/** `protekt.apiKeys`: the organisation's project API keys, on the Account API. */
import type {
  ApiKey,
  ApiKeyDeleteResult,
  ApiKeyListResult,
  ApiKeyResult,
  ApiKeyScope,
  RequestOptions,
} from '../types.js';
import { dateTime, label, scopes } from './account-rules.js';
import { listAllOf } from './list-all.js';
import { field, type MethodTable, operation, paramsArg, pathArg } from './operation.js';
import { pageSize } from './users.js';
import { optional, pathId, text } from './validate.js';
import {
  flagField,
  listField,
  optionalStringField,
  readObject,
  stringField,
  stringListField,
  type ResultReaders,
} from './wire.js';

/** Parameters of `apiKeys.list`. */
export interface ListApiKeysParams {
  /** Only the keys of this project. */
  projectId?: string | undefined;
  /** Page size, 1 to 100 (default 20). */
  limit?: number | undefined;
  /** Cursor from the previous page's `nextCursor`. */
  cursor?: string | undefined;
}

/** Parameters of `apiKeys.create`. */
export interface CreateApiKeyParams {
  /** The project the key opens (`proj_…`). */
  projectId: string;
  /** What the key is for (1 to 200 characters). */
  label: string;
  /** What it may call (default: all four scopes). */
  scopes?: ApiKeyScope[] | undefined;
  /** ISO 8601 date-time after which it is refused (default: never). */
  expiresAt?: string | undefined;
}

/** The `apiKeys` resource (needs the `managementToken` option). */
export interface ApiKeysResource {
  /** One page of the organisation's keys (metadata only: `key` is `null`). */
  list(params?: ListApiKeysParams, options?: RequestOptions): Promise<ApiKeyListResult>;
  /**
   * Every key, page after page: `for await (const key of protekt.apiKeys.listAll())`. An API error
   * on a page ends the iteration with a `ProtektError` of code `api_error`.
   */
  listAll(
    params?: Omit<ListApiKeysParams, 'cursor'>,
    options?: RequestOptions,
  ): AsyncGenerator<ApiKey, void, undefined>;
  /**
   * Creates a key: `apiKey.key` holds the raw key, in this answer only. Store it as a secret; a
   * lost key is deleted and replaced, never read again.
   */
  create(params: CreateApiKeyParams, options?: RequestOptions): Promise<ApiKeyResult>;
  /** Revokes a key by id (`key_…`): it is refused from the next call, the others keep working. */
  delete(keyId: string, options?: RequestOptions): Promise<ApiKeyDeleteResult>;
}

/** The fields of a wire `ApiKey` (`key` only in a create answer). */
const API_KEY_READERS: ResultReaders = {
  id: stringField('id'),
  key: optionalStringField('key'),
  label: stringField('label'),
  projectId: stringField('project_id'),
  scopes: stringListField('scopes'),
  expiresAt: optionalStringField('expires_at'),
  createdAt: stringField('created_at'),
};

const readApiKey = (value: unknown): ApiKey =>
  readObject(API_KEY_READERS, value, 'api key') as unknown as ApiKey;

const listApiKeys = operation<ApiKeysResource['list']>({
  route: 'GET /api-keys',
  args: [
    paramsArg<ListApiKeysParams>(
      {
        projectId: field('project_id', optional(pathId)),
        limit: field('limit', pageSize),
        cursor: field('cursor', optional(text())),
      },
      { optional: true },
    ),
  ],
  result: {
    apiKeys: listField('data', readApiKey),
    nextCursor: optionalStringField('next_cursor'),
    hasMore: flagField('has_more'),
  },
});

/** @internal The methods of `apiKeys`, built per client by `buildResource()`. */
export const API_KEYS_METHODS = {
  list: listApiKeys,
  listAll: listAllOf<ApiKeysResource['listAll']>(listApiKeys, 'apiKeys', 'apiKeys'),
  create: operation({
    route: 'POST /api-keys',
    args: [
      paramsArg<CreateApiKeyParams>({
        projectId: field('project_id', pathId),
        label: field('label', label(200)),
        scopes: field('scopes', scopes),
        expiresAt: field('expires_at', dateTime),
      }),
    ],
    result: { apiKey: readApiKey },
  }),
  delete: operation({
    route: 'DELETE /api-keys/{keyId}',
    args: [pathArg('keyId', pathId)],
    result: { revoked: flagField('revoked'), id: stringField('id') },
  }),
} satisfies MethodTable<ApiKeysResource>;
