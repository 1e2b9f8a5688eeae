/**
 * `protekt.projects`: the organisation's projects, on the Account API (the `managementToken`
 * option). Settings changed here apply to the Auth API from its next call.
 */
import type {
  Project,
  ProjectDeleteResult,
  ProjectListResult,
  ProjectResult,
  RequestOptions,
} from '../types.js';
import { integerIn, label, origins, requiredUrl } from './account-rules.js';
import { listAllOf } from './list-all.js';
import {
  field,
  type MethodBuilder,
  type MethodTable,
  operation,
  paramsArg,
  pathArg,
  type ResourceContext,
} from './operation.js';
import { pageSize } from './users.js';
import { boolean, optional, pathId, text, url } from './validate.js';
import {
  flagField,
  listField,
  numberField,
  optionalStringField,
  readObject,
  stringField,
  stringListField,
  type ResultReaders,
} from './wire.js';

/** Parameters of `projects.list`. */
export interface ListProjectsParams {
  /** Page size, 1 to 100 (default 20). */
  limit?: number | undefined;
  /** Cursor from the previous page's `nextCursor`. */
  cursor?: string | undefined;
}

/** Settings of a project that `projects.update` changes (only those given). */
export interface UpdateProjectParams {
  /** Display name (1 to 200 characters). */
  name?: string | undefined;
  /** Free text (up to 2000 characters). */
  description?: string | undefined;
  /** Default redirect target of browser flows: an absolute http(s) URL. */
  redirectUrl?: string | undefined;
  /** More origins a redirect may go to (at most 50; `https://*.example.com` for subdomains). */
  allowedOrigins?: string[] | undefined;
  /** Access-token lifetime in seconds, 60 to 86400. */
  tokenExpiry?: number | undefined;
  /** Refresh-token lifetime in seconds, 3600 to 31536000. */
  refreshTokenExpiry?: number | undefined;
  /** Every user must use MFA (users without it are asked to enrol at login). */
  mfaRequired?: boolean | undefined;
}

/** Parameters of `projects.create`: a name, the redirect URL and the allowed origins. */
export interface CreateProjectParams extends UpdateProjectParams {
  name: string;
  redirectUrl: string;
  allowedOrigins: string[];
}

/** The `projects` resource (needs the `managementToken` option). */
export interface ProjectsResource {
  /**
   * The project of this client's `loginId`, found in the organisation's list on the first call and
   * remembered (later calls read it by id). `error.code` is `not_found` when no project of the
   * organisation has that login id.
   */
  getCurrent(options?: RequestOptions): Promise<ProjectResult>;
  /** One page of the organisation's projects, oldest first. */
  list(params?: ListProjectsParams, options?: RequestOptions): Promise<ProjectListResult>;
  /**
   * Every project, page after page: `for await (const project of protekt.projects.listAll())`.
   * An API error on a page ends the iteration with a `ProtektError` of code `api_error`.
   */
  listAll(
    params?: Omit<ListProjectsParams, 'cursor'>,
    options?: RequestOptions,
  ): AsyncGenerator<Project, void, undefined>;
  /** One project by id (`proj_…`). */
  get(projectId: string, options?: RequestOptions): Promise<ProjectResult>;
  /** Creates a project: usable on the Auth API at once, with a key from `apiKeys.create`. */
  create(params: CreateProjectParams, options?: RequestOptions): Promise<ProjectResult>;
  /** Changes the given settings; the Auth API applies them from its next call. */
  update(
    projectId: string,
    params: UpdateProjectParams,
    options?: RequestOptions,
  ): Promise<ProjectResult>;
  /** Deletes a project, its keys, users and sessions; its tokens are refused from then. Irreversible. */
  delete(projectId: string, options?: RequestOptions): Promise<ProjectDeleteResult>;
}

/** The fields of a wire `Project`. */
const PROJECT_READERS: ResultReaders = {
  id: stringField('id'),
  loginId: stringField('login_id'),
  name: stringField('name'),
  description: optionalStringField('description'),
  redirectUrl: stringField('redirect_url'),
  allowedOrigins: stringListField('allowed_origins'),
  tokenExpiry: numberField('token_expiry'),
  refreshTokenExpiry: numberField('refresh_token_expiry'),
  mfaRequired: flagField('mfa_required'),
  createdAt: stringField('created_at'),
  updatedAt: stringField('updated_at'),
};

/** Reads a wire `Project`. */
const readProject = (value: unknown): Project =>
  readObject(PROJECT_READERS, value, 'project') as unknown as Project;

/** An answer that is the project itself. */
const PROJECT_RESULT = { project: readProject };

const projectIdArg = pathArg('projectId', pathId);

/** Every setting's wire name and check; `create` requires three of them. */
const SETTINGS = {
  name: field('name', optional(label(200))),
  description: field('description', optional(label(2000))),
  redirectUrl: field('redirect_url', url),
  allowedOrigins: field('allowed_origins', optional(origins)),
  tokenExpiry: field('token_expiry', integerIn(60, 86_400)),
  refreshTokenExpiry: field('refresh_token_expiry', integerIn(3_600, 31_536_000)),
  mfaRequired: field('mfa_required', boolean),
};

const listProjects = operation<ProjectsResource['list']>({
  route: 'GET /projects',
  args: [
    paramsArg<ListProjectsParams>(
      { limit: field('limit', pageSize), cursor: field('cursor', optional(text())) },
      { optional: true },
    ),
  ],
  result: {
    projects: listField('data', readProject),
    nextCursor: optionalStringField('next_cursor'),
    hasMore: flagField('has_more'),
  },
});

const getProject = operation<ProjectsResource['get']>({
  route: 'GET /projects/{projectId}',
  args: [projectIdArg],
  result: PROJECT_RESULT,
});

/**
 * `projects.getCurrent`: the project whose `login_id` is the client's `loginId`, found through
 * `list` once, then read by its remembered id.
 */
const getCurrent: MethodBuilder<ProjectsResource['getCurrent']> = Object.assign(
  (context: ResourceContext) => {
    const get = getProject(context, 'projects.getCurrent');
    const list = listAllOf<ProjectsResource['listAll']>(
      listProjects,
      'projects',
      'projects',
    )(context, 'projects.getCurrent');
    let currentId: string | undefined;
    return async (options?: RequestOptions): Promise<ProjectResult> => {
      if (currentId !== undefined) return get(currentId, options);
      try {
        for await (const project of list({ limit: 100 }, options)) {
          if (project.loginId !== context.loginId) continue;
          currentId = project.id;
          return { project, error: null };
        }
      } catch (error) {
        // A page refused with an API error: the same error as a result (anything else stays thrown).
        const code = (error as { details?: { code?: unknown } }).details?.code;
        if ((error as { code?: unknown }).code !== 'api_error' || typeof code !== 'string')
          throw error;
        const { message, status } = error as { message: string; status: number };
        return { project: null, error: { code: code as 'not_found', message, status } };
      }
      const message = `No project of this organisation has the login id ${context.loginId} (the client's loginId).`;
      return { project: null, error: { code: 'not_found', message, status: 404 } };
    };
  },
  { routes: ['GET /projects', 'GET /projects/{projectId}'] as const },
);

/** @internal The methods of `projects`, built per client by `buildResource()`. */
export const PROJECTS_METHODS = {
  getCurrent,
  list: listProjects,
  listAll: listAllOf<ProjectsResource['listAll']>(listProjects, 'projects', 'projects'),
  get: getProject,
  create: operation({
    route: 'POST /projects',
    args: [
      paramsArg<CreateProjectParams>({
        ...SETTINGS,
        name: field('name', label(200)),
        redirectUrl: field('redirect_url', requiredUrl),
        allowedOrigins: field('allowed_origins', origins),
      }),
    ],
    result: PROJECT_RESULT,
  }),
  update: operation({
    route: 'PATCH /projects/{projectId}',
    args: [projectIdArg, paramsArg<UpdateProjectParams>(SETTINGS)],
    result: PROJECT_RESULT,
  }),
  delete: operation({
    route: 'DELETE /projects/{projectId}',
    args: [projectIdArg],
    result: { deleted: flagField('deleted'), id: stringField('id') },
  }),
} satisfies MethodTable<ProjectsResource>;
