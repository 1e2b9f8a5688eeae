/**
 * The emulator's Account API, served under `/account/v1` on the emulator's origin and routed from
 * `ACCOUNT_ROUTES` (src/contract/account-routes.ts): each request is authenticated by its
 * management token (or by the credentials in its body), checked against the route's least role,
 * read and validated, then run once per `Idempotency-Key` like the Auth API's routes.
 */
import type { Hono } from 'hono';
import {
  ACCOUNT_ROUTES,
  type AccountRouteSpec,
  MEMBER_ROLES,
} from '../../contract/account-routes.js';
import { pathPattern } from '../../contract/routes.js';
import { validateBody, validateQuery } from '../../contract/schema.js';
import {
  EmulatorError,
  decodeUtf8,
  errorResponse,
  fail,
  fromError,
  isJsonMediaType,
  mediaType,
  readBody,
} from '../http.js';
import type { EmulatorState } from '../state.js';
import type { AccountContext, AccountHandler, Caller } from './context.js';
import * as members from './members.js';
import * as projects from './projects.js';
import { getUsage } from './usage.js';

/** Where the Account API hangs on the emulator's origin. */
export const ACCOUNT_PREFIX = '/account/v1';

/** Route id → handler; every route of `ACCOUNT_ROUTES` has one. */
export const ACCOUNT_HANDLERS: Readonly<Record<string, AccountHandler>> = {
  'token.issue': members.issueToken,
  'token.revoke': members.revokeToken,
  'projects.list': projects.listProjects,
  'projects.create': projects.createProject,
  'projects.get': projects.getProject,
  'projects.update': projects.updateProject,
  'projects.delete': projects.deleteProject,
  'apiKeys.list': projects.listApiKeys,
  'apiKeys.create': projects.createApiKey,
  'apiKeys.delete': projects.deleteApiKey,
  'members.list': members.listMembers,
  'members.invite': members.invite,
  'members.remove': members.removeMember,
  'usage.get': getUsage,
  'members.accept': members.acceptInvitation,
};

/** What the Account API borrows from the Auth API's pipeline: its idempotent replay. */
export interface ReplayTools {
  idempotent(
    state: EmulatorState,
    id: string,
    fingerprint: string,
    now: number,
    run: () => Promise<Response>,
  ): Promise<Response>;
  requestFingerprint(request: Request, url: URL, raw: Uint8Array): Promise<string>;
}

/** Registers every Account route, and the Account API's 404/405, on the emulator's app. */
export function mountAccountApi(app: Hono, state: EmulatorState, replay: ReplayTools): void {
  for (const route of ACCOUNT_ROUTES) {
    const handler = ACCOUNT_HANDLERS[route.id]!;
    const path = ACCOUNT_PREFIX + route.path.replace(/\{(\w+)\}/g, ':$1');
    app.on(route.method, path, (c) =>
      handleAccount(
        state,
        replay,
        route,
        handler,
        c.req.raw,
        c.req.param() as Record<string, string>,
      ),
    );
  }
  app.all(`${ACCOUNT_PREFIX}/*`, (c) => accountNotFound(c.req.raw));
}

/** Checks the `Authorization: Bearer` management token: 401 when missing, unknown, ended. */
function authenticate(state: EmulatorState, request: Request, now: number): Caller {
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  if (!match)
    fail('token_invalid', 'A management token is required in the Authorization header (Bearer).');
  const token = match[1]!;
  const record = state.account.tokens.get(token);
  if (!record) fail('token_invalid', 'The management token is not valid.');
  if (record.revoked) fail('token_revoked', 'The management token has been revoked.');
  if (record.expiresAt <= now) fail('token_expired', 'The management token has expired.');
  const member = state.account.members.get(record.memberId);
  if (!member) fail('token_revoked', 'The member of this management token was removed.');
  return { member, organizationId: record.organizationId, token };
}

/** Refuses a caller whose role is below the route's (403 `insufficient_permissions`). */
function checkRole(caller: Caller, route: AccountRouteSpec): void {
  if (MEMBER_ROLES.indexOf(caller.member.role) >= MEMBER_ROLES.indexOf(route.role)) return;
  fail(
    'insufficient_permissions',
    `This operation needs the role ${route.role} or higher; this member is ${caller.member.role}.`,
    { required_role: route.role },
  );
}

/** The JSON body of a request (`{}` for a route without one). */
function parseJson(route: AccountRouteSpec, request: Request, raw: Uint8Array): unknown {
  if (!route.body || raw.length === 0) {
    if (route.body?.required)
      fail('invalid_request', 'A request body is required.', { field: 'body' });
    return Object.create(null);
  }
  const type = mediaType(request);
  if (type !== null && !isJsonMediaType(type))
    fail('unsupported_media_type', 'This endpoint reads application/json bodies.');
  try {
    return JSON.parse(decodeUtf8(raw)) as unknown;
  } catch (err) {
    if (err instanceof EmulatorError) throw err;
    fail('invalid_request', 'The request body is not valid JSON.', { field: 'body' });
  }
}

/** The body and query checked against the route's schemas. */
function validated(route: AccountRouteSpec, parsed: unknown, url: URL) {
  let body = Object.create(null) as Record<string, unknown>;
  let query = Object.create(null) as Record<string, unknown>;
  if (route.body) {
    const v = validateBody(route.body.schema, parsed);
    if (!v.ok) fail(v.code, v.message, { field: v.field });
    body = v.value;
  }
  if (route.query) {
    const v = validateQuery(route.query, url.searchParams);
    if (!v.ok) fail(v.code, v.message, { field: v.field });
    query = v.value;
  }
  return { body, query };
}

/** The idempotency record id of a request, or `null` when it sends no key or needs none. */
function replayId(route: AccountRouteSpec, request: Request, caller: Caller | undefined) {
  const key = request.headers.get('idempotency-key');
  if (!route.idempotent || !caller || key === null || key === '') return null;
  if (key.length > 255)
    fail('invalid_request', 'The Idempotency-Key header is longer than 255 characters.', {
      field: 'Idempotency-Key',
    });
  return `account|${caller.organizationId}|${key}`;
}

/** One request through the Account pipeline. */
async function handleAccount(
  state: EmulatorState,
  replay: ReplayTools,
  route: AccountRouteSpec,
  handler: AccountHandler,
  request: Request,
  params: Record<string, string>,
): Promise<Response> {
  const url = new URL(request.url);
  const now = state.clock.now();
  try {
    const caller = route.auth === 'management' ? authenticate(state, request, now) : undefined;
    if (caller) checkRole(caller, route);
    const raw = request.method === 'GET' ? new Uint8Array(0) : await readBody(request);
    const parsed = parseJson(route, request, raw);
    const headers: Record<string, string> = {};
    const run = (): Promise<Response> =>
      runAccountHandler(handler, parsed, url, {
        state,
        route,
        request,
        caller,
        params,
        headers,
        now,
      });
    const id = replayId(route, request, caller);
    if (id === null) return await run();
    const fingerprint = await replay.requestFingerprint(request, url, raw);
    return await replay.idempotent(state, id, fingerprint, now, run);
  } catch (err) {
    if (err instanceof EmulatorError) return fromError(err);
    throw err;
  }
}

/** Validates the input and runs the handler; a failure is its envelope (and is replayed). */
async function runAccountHandler(
  handler: AccountHandler,
  parsed: unknown,
  url: URL,
  pending: Omit<AccountContext, 'body' | 'query'>,
): Promise<Response> {
  try {
    const response = await handler({ ...pending, ...validated(pending.route, parsed, url) });
    for (const [name, value] of Object.entries(pending.headers)) response.headers.set(name, value);
    return response;
  } catch (err) {
    if (!(err instanceof EmulatorError)) throw err;
    const response = fromError(err);
    for (const [name, value] of Object.entries(pending.headers)) response.headers.set(name, value);
    return response;
  }
}

/** 405 with `Allow` for a known path and another method, else 404. */
function accountNotFound(request: Request): Response {
  const path = new URL(request.url).pathname.slice(ACCOUNT_PREFIX.length);
  const allowed: string[] = ACCOUNT_ROUTES.filter((r) => pathPattern(r.path).test(path)).map(
    (r) => r.method,
  );
  if (allowed.length === 0) return errorResponse('not_found', 404, 'No such endpoint.');
  return errorResponse(
    'method_not_allowed',
    405,
    `This endpoint does not support ${request.method}.`,
    { allowed },
    { allow: allowed.join(', ') },
  );
}
