/**
 * Projects and API keys of the Account API. A project lives in the emulator's `Store`, where the
 * Auth API reads its settings on every call: a change here takes effect on the next Auth call.
 */
import { API_KEY_SCOPES } from '../../contract/account-routes.js';
import { isIsoDateTime, isOriginPattern } from '../../util/account.js';
import { fail, json } from '../http.js';
import { randomId, randomToken } from '../random.js';
import type { ApiKeyRecord, EmulatorProject } from '../store.js';
import { type AccountContext, type AccountHandler, callerOf } from './context.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** A project of the caller's organisation; 404 `not_found` otherwise (another's is not found). */
export function orgProject(c: AccountContext, projectId: string, field?: string): EmulatorProject {
  const { store } = c.state;
  const project = store.projects.get(projectId);
  if (project && store.projectRecords.get(projectId)?.organizationId === callerOf(c).organizationId)
    return project;
  // A body field naming the project is bad input (400); a path id is a missing resource (404).
  if (field)
    fail('invalid_request', `The field "${field}" names no project of this organisation.`, {
      field,
    });
  fail('not_found', 'No project with this id in this organisation.');
}

/** The `Project` JSON object. */
function projectJson(c: AccountContext, project: EmulatorProject): Record<string, unknown> {
  const record = c.state.store.projectRecords.get(project.projectId)!;
  const { settings } = project;
  return {
    id: project.projectId,
    login_id: project.loginId,
    name: settings.name,
    description: record.description,
    redirect_url: settings.redirectUrl,
    allowed_origins: [...settings.allowedOrigins],
    token_expiry: settings.tokenExpiry,
    refresh_token_expiry: settings.refreshTokenExpiry,
    mfa_required: settings.mfaRequired,
    created_at: iso(record.createdAt),
    updated_at: iso(record.updatedAt),
  };
}

/**
 * One page of `items`, oldest first: `cursor` is the id of the last item of the previous page
 * (an id that is not one of them is a 400 naming `cursor`).
 */
function page<T>(
  c: AccountContext,
  items: T[],
  idOf: (item: T) => string,
  data: (item: T) => unknown,
) {
  const limit = (c.query['limit'] as number | undefined) ?? 20;
  const cursor = c.query['cursor'] as string | undefined;
  let start = 0;
  if (cursor !== undefined) {
    start = items.findIndex((item) => idOf(item) === cursor) + 1;
    if (start === 0)
      fail('invalid_request', 'The cursor is not one of this list.', { field: 'cursor' });
  }
  const slice = items.slice(start, start + limit);
  const hasMore = start + limit < items.length;
  return {
    data: slice.map(data),
    next_cursor: hasMore ? idOf(slice.at(-1)!) : null,
    has_more: hasMore,
  };
}

/** The projects of the caller's organisation, oldest first. */
function orgProjects(c: AccountContext): EmulatorProject[] {
  const { store } = c.state;
  const organizationId = callerOf(c).organizationId;
  return [...store.projects.values()].filter(
    (p) => store.projectRecords.get(p.projectId)?.organizationId === organizationId,
  );
}

/**
 * `allowed_origins`, when given: at most 50 origins, each `scheme://host[:port]` with nothing
 * after, or `https://*.host` for its subdomains.
 */
function readOrigins(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const origins = value as string[];
  if (origins.length > 50 || !origins.every(isOriginPattern))
    fail(
      'invalid_request',
      'allowed_origins takes at most 50 origins such as https://app.example.com or https://*.example.com.',
      {
        field: 'allowed_origins',
      },
    );
  return [...new Set(origins)];
}

/** The project settings of a validated body, in the store's spelling (only those given). */
function settingsOf(body: Record<string, unknown>) {
  const given: Partial<EmulatorProject['settings']> = {};
  const origins = readOrigins(body['allowed_origins']);
  if (origins) given.allowedOrigins = origins;
  if (body['name'] !== undefined) given.name = body['name'] as string;
  if (body['redirect_url'] !== undefined) given.redirectUrl = body['redirect_url'] as string;
  if (body['token_expiry'] !== undefined) given.tokenExpiry = body['token_expiry'] as number;
  if (body['refresh_token_expiry'] !== undefined)
    given.refreshTokenExpiry = body['refresh_token_expiry'] as number;
  if (body['mfa_required'] !== undefined) given.mfaRequired = body['mfa_required'] as boolean;
  return given;
}

/** GET /projects */
export const listProjects: AccountHandler = async (c) =>
  json(
    page(
      c,
      orgProjects(c),
      (p) => p.projectId,
      (p) => projectJson(c, p),
    ),
  );

/** POST /projects: a project of the caller's organisation, without a key yet. */
export const createProject: AccountHandler = async (c) => {
  const settings = settingsOf(c.body);
  const project = c.state.store.addProject(settings, {
    organizationId: callerOf(c).organizationId,
    now: c.now,
    withKey: false,
  });
  const description = c.body['description'];
  if (typeof description === 'string')
    c.state.store.projectRecords.get(project.projectId)!.description = description;
  return json(projectJson(c, project), 201);
};

/** GET /projects/{id} */
export const getProject: AccountHandler = async (c) =>
  json(projectJson(c, orgProject(c, c.params['id']!)));

/** PATCH /projects/{id}: the given settings, live from the next Auth API call. */
export const updateProject: AccountHandler = async (c) => {
  const project = orgProject(c, c.params['id']!);
  Object.assign(project.settings, settingsOf(c.body));
  const record = c.state.store.projectRecords.get(project.projectId)!;
  if (typeof c.body['description'] === 'string') record.description = c.body['description'];
  record.updatedAt = c.now;
  return json(projectJson(c, project));
};

/** DELETE /projects/{id}: its keys, users, sessions and tokens end with it. */
export const deleteProject: AccountHandler = async (c) => {
  const project = orgProject(c, c.params['id']!);
  c.state.store.deleteProject(project, c.now);
  return json({ deleted: true, id: project.projectId });
};

/** The `ApiKeyMeta` JSON object (never the key). */
const keyJson = (record: ApiKeyRecord): Record<string, unknown> => ({
  id: record.id,
  label: record.label,
  project_id: record.projectId,
  scopes: [...record.scopes],
  expires_at: record.expiresAt === null ? null : iso(record.expiresAt),
  created_at: iso(record.createdAt),
});

/** The keys of the caller's organisation (raw key → record), oldest first. */
function orgKeys(c: AccountContext): [string, ApiKeyRecord][] {
  const { store } = c.state;
  const organizationId = callerOf(c).organizationId;
  return [...store.apiKeys].filter(
    ([, r]) => store.projectRecords.get(r.projectId)?.organizationId === organizationId,
  );
}

/** GET /api-keys (`project_id` filters; pages like `/projects`, an extension of the file). */
export const listApiKeys: AccountHandler = async (c) => {
  const projectId = c.query['project_id'] as string | undefined;
  const keys = orgKeys(c).filter(([, r]) => projectId === undefined || r.projectId === projectId);
  return json(
    page(
      c,
      keys,
      ([, r]) => r.id,
      ([, r]) => keyJson(r),
    ),
  );
};

/** `scopes` of a new key: known, at least one, each once (all four when left out). */
function readScopes(value: unknown): string[] {
  if (value === undefined) return [...API_KEY_SCOPES];
  const scopes = value as string[];
  const unknown = scopes.find((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
  if (unknown !== undefined || scopes.length === 0)
    fail('invalid_request', `scopes must list one or more of ${API_KEY_SCOPES.join(', ')}.`, {
      field: 'scopes',
    });
  return [...new Set(scopes)];
}

/** `expires_at` of a new key: an ISO 8601 date-time after now, or `null`. */
function readExpiry(value: unknown, now: number): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value as string);
  if (!isIsoDateTime(value) || ms <= now)
    fail('invalid_request', 'expires_at must be an ISO 8601 date-time in the future.', {
      field: 'expires_at',
    });
  return ms;
}

/** POST /api-keys: the raw key is in this answer and nowhere else. */
export const createApiKey: AccountHandler = async (c) => {
  const project = orgProject(c, c.body['project_id'] as string, 'project_id');
  const record: ApiKeyRecord = {
    id: randomId('key_', 16),
    projectId: project.projectId,
    label: c.body['label'] as string,
    scopes: readScopes(c.body['scopes']),
    expiresAt: readExpiry(c.body['expires_at'], c.now),
    createdAt: c.now,
  };
  const key = randomToken('pk_test_', 24);
  c.state.store.addApiKey(key, record);
  return json({ ...keyJson(record), key }, 201);
};

/** DELETE /api-keys/{id}: the key answers 401 from the next call; the others keep working. */
export const deleteApiKey: AccountHandler = async (c) => {
  const found = orgKeys(c).find(([, r]) => r.id === c.params['id']);
  if (!found) fail('not_found', 'No API key with this id in this organisation.');
  c.state.store.deleteApiKey(found[0]);
  return json({ revoked: true, id: found[1].id });
};
