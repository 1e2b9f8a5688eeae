/**
 * The emulator's Hono app, built from the route table in `src/contract`: every route gets the
 * same pipeline — identify the project, read and bound the body, honour `Idempotency-Key`,
 * validate with the route's schema, run the handler, answer errors in the envelope.
 */
import { getCrypto } from '#crypto';
import { Hono } from 'hono';
import { ROUTES, pathPattern, type RouteSpec } from '../contract/routes.js';
import { validateBody, validateQuery } from '../contract/schema.js';
import { encodeBase64url } from '../util/base64url.js';
import { MAX_IDEMPOTENCY_RECORDS, makeRoom } from './bounded.js';
import { mountAccountApi } from './account/app.js';
import { refuseOutOfScope } from './account/scopes.js';
import * as auth from './handlers/auth.js';
import * as browser from './handlers/browser.js';
import * as landing from './handlers/landing.js';
import * as mfa from './handlers/mfa.js';
import * as passwordless from './handlers/passwordless.js';
import * as passwords from './handlers/passwords.js';
import * as sessions from './handlers/sessions.js';
import * as tokens from './handlers/tokens.js';
import * as users from './handlers/users.js';
import {
  EmulatorError,
  decodeUtf8,
  errorResponse,
  fail,
  fromError,
  html,
  isJsonMediaType,
  json,
  mediaType,
  readBody,
} from './http.js';
import { errorPage } from './pages.js';
import type { EmulatorState, Handler, OpContext } from './state.js';
import { clientInfo } from './state.js';
import type { EmulatorProject, IdempotencyRecord, StoredAnswer } from './store.js';

/** Route id → handler. Every route of the table has one (the contract test checks it). */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  'auth.signup': auth.signup,
  'auth.login': auth.login,
  'auth.logout': auth.logout,
  'tokens.refresh': tokens.refresh,
  'tokens.verify': tokens.verify,
  'tokens.revoke': tokens.revoke,
  'password.reset': passwords.reset,
  'password.confirm': passwords.confirm,
  'password.change': passwords.change,
  'otp.send': passwordless.sendOtp,
  'otp.verify': passwordless.verifyOtp,
  'magicLink.send': passwordless.sendMagicLink,
  'magicLink.verify': passwordless.verifyMagicLink,
  'sso.authorize': browser.ssoAuthorize,
  'sso.callback': browser.ssoCallback,
  'mfa.enroll': mfa.enroll,
  'mfa.verify': mfa.verify,
  'mfa.unenroll': mfa.unenroll,
  'users.list': users.list,
  'users.get': users.get,
  'users.update': users.update,
  'users.delete': users.remove,
  'sessions.list': sessions.list,
  'sessions.revokeAll': sessions.revokeAll,
  'sessions.revoke': sessions.revokeOne,
  jwks: async (c) =>
    json(await c.state.keys.jwks(), 200, { 'cache-control': 'public, max-age=600' }),
  'mfa.backupCodes': mfa.backupCodes,
  'email.verify': auth.verifyEmail,
  'hosted.page': browser.hostedPage,
  'hosted.submit': browser.hostedSubmit,
  'idp.page': browser.idpPage,
  'idp.submit': browser.idpSubmit,
  'landing.reset.page': landing.resetPage,
  'landing.reset.submit': landing.resetSubmit,
  'landing.verify.page': landing.verifyPage,
  'landing.verify.submit': landing.verifySubmit,
};

const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

/** The path below `/v1`, or `null` when the request is not under `/v1`. */
export function apiPath(url: URL): string | null {
  if (url.pathname === '/v1') return '/';
  return url.pathname.startsWith('/v1/') ? url.pathname.slice(3) : null;
}

function parseBody(route: RouteSpec, request: Request, raw: Uint8Array): unknown {
  const spec = route.body;
  if (!spec) return Object.create(null);
  const type = mediaType(request);
  if (raw.length === 0) {
    if (spec.required) fail('invalid_request', 'A request body is required.', { field: 'body' });
    return Object.create(null);
  }
  if (spec.type === 'form') {
    if (type !== null && type !== 'application/x-www-form-urlencoded') {
      fail(
        'unsupported_media_type',
        'This endpoint reads application/x-www-form-urlencoded bodies.',
      );
    }
    const out = Object.create(null) as Record<string, string>;
    for (const [k, v] of new URLSearchParams(decodeUtf8(raw))) if (!(k in out)) out[k] = v;
    return out;
  }
  if (type !== null && !isJsonMediaType(type))
    fail('unsupported_media_type', 'This endpoint reads application/json bodies.');
  const text = decodeUtf8(raw);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    fail('invalid_request', 'The request body is not valid JSON.', { field: 'body' });
  }
}

/** The project and record of the request's `X-Protekt-Key`, when it is a live key. */
function keyOf(state: EmulatorState, request: Request, now: number) {
  const key = request.headers.get('x-protekt-key');
  return key ? state.store.keyAccess(key.trim(), now) : undefined;
}

function projectByKey(
  state: EmulatorState,
  request: Request,
  now: number,
): EmulatorProject | undefined {
  return keyOf(state, request, now)?.project;
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  if (Object.keys(headers).length === 0) return response;
  const h = new Headers(response.headers);
  for (const [k, v] of Object.entries(headers)) h.set(k, v);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: h,
  });
}

/**
 * The project of an `apiKey…` route, from `X-Protekt-Key`; fails without a live key (unknown,
 * deleted or expired: 401), or with a key that lacks the route's scope (403).
 */
function apiKeyProject(
  state: EmulatorState,
  request: Request,
  route: RouteSpec,
  now: number,
): EmulatorProject {
  const access = keyOf(state, request, now);
  if (!access)
    fail('invalid_api_key', 'The X-Protekt-Key header is missing or not a valid API key.');
  refuseOutOfScope(access.key, route.id);
  return access.project;
}

/**
 * The project of a `loginId` route: named by `login_id` in the query or the form body, else by
 * `X-Protekt-Key`; fails when neither names a known one.
 */
function loginIdProject(
  state: EmulatorState,
  request: Request,
  url: URL,
  parsed: unknown,
  now: number,
): EmulatorProject {
  const fromForm =
    parsed && typeof parsed === 'object'
      ? (parsed as Record<string, unknown>)['login_id']
      : undefined;
  const loginId =
    url.searchParams.get('login_id') ?? (typeof fromForm === 'string' ? fromForm : null);
  const project = loginId
    ? state.store.projectsByLoginId.get(loginId)
    : projectByKey(state, request, now);
  if (!project)
    fail('invalid_request', 'The login_id parameter is missing or unknown.', {
      field: 'login_id',
    });
  return project;
}

/** An operation whose project and body have been read, before its input is validated. */
type PendingOp = Omit<OpContext, 'origin' | 'body' | 'query' | 'client'>;

/** The body and query checked against the route's schemas (empty when it declares none). */
function validatedInput(
  route: RouteSpec,
  parsed: unknown,
  url: URL,
): { body: Record<string, unknown>; query: Record<string, unknown> } {
  let body: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (route.body) {
    const v = validateBody(route.body.schema, parsed);
    if (!v.ok) fail(v.code, v.message, { field: v.field });
    body = v.value;
  }
  let query: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (route.query) {
    const v = validateQuery(route.query, url.searchParams);
    if (!v.ok) fail(v.code, v.message, { field: v.field });
    query = v.value;
  }
  return { body, query };
}

/**
 * Validates the input and runs the handler. An `EmulatorError` becomes its envelope here, inside
 * the idempotent run, so a rejection is remembered and replayed like any other answer; either
 * answer carries the extra headers the handler set (`op.headers`).
 */
async function runHandler(handler: Handler, op: PendingOp, parsed: unknown): Promise<Response> {
  const { headers } = op;
  try {
    const { body, query } = validatedInput(op.route, parsed, op.url);
    const c: OpContext = {
      state: op.state,
      route: op.route,
      request: op.request,
      url: op.url,
      origin: op.url.origin,
      project: op.project,
      body,
      query,
      params: op.params,
      client: clientInfo(op.request),
      headers,
      now: op.now,
    };
    return withHeaders(await handler(c), headers);
  } catch (err) {
    if (err instanceof EmulatorError)
      return withHeaders(errorAnswer(op.route, op.request, err), headers);
    throw err;
  }
}

/**
 * The idempotency record id (`projectId|key`) when the request sends an `Idempotency-Key` to an
 * idempotent route, else `null`; fails when the key is longer than 255 characters.
 */
function idempotencyId(
  route: RouteSpec,
  request: Request,
  project: EmulatorProject | undefined,
): string | null {
  const key = request.headers.get('idempotency-key');
  if (!route.idempotent || request.method === 'GET' || !project || key === null || key === '')
    return null;
  if (key.length > 255)
    fail('invalid_request', 'The Idempotency-Key header is longer than 255 characters.', {
      field: 'Idempotency-Key',
    });
  return `${project.projectId}|${key}`;
}

/**
 * What a repeat with the same key must match: method, path, credentials and body bytes, as a
 * SHA-256 digest, so a record keeps 43 characters rather than a body of up to 64 KiB.
 */
async function requestFingerprint(request: Request, url: URL, raw: Uint8Array): Promise<string> {
  const head = new TextEncoder().encode(
    `${request.method} ${url.pathname}\n${request.headers.get('authorization') ?? ''}\n`,
  );
  const bytes = new Uint8Array(head.byteLength + raw.byteLength);
  bytes.set(head, 0);
  bytes.set(raw, head.byteLength);
  const digest = await getCrypto().subtle.digest('SHA-256', bytes);
  return encodeBase64url(new Uint8Array(digest));
}

/**
 * One request through the route pipeline: identify the project, read and parse the body, then
 * run the handler, once per `Idempotency-Key` when the route honours one.
 */
async function handle(
  state: EmulatorState,
  route: RouteSpec,
  handler: Handler,
  request: Request,
  params: Record<string, string>,
): Promise<Response> {
  const url = new URL(request.url);
  const now = state.clock.now();
  try {
    let project = route.auth.startsWith('apiKey')
      ? apiKeyProject(state, request, route, now)
      : undefined;
    const raw =
      request.method === 'GET' || request.method === 'HEAD'
        ? new Uint8Array(0)
        : await readBody(request);
    const parsed = parseBody(route, request, raw);
    if (route.auth === 'loginId') project = loginIdProject(state, request, url, parsed, now);
    const op: PendingOp = { state, route, request, url, project, params, headers: {}, now };
    const run = (): Promise<Response> => runHandler(handler, op, parsed);
    const id = idempotencyId(route, request, project);
    if (id !== null) {
      const fingerprint = await requestFingerprint(request, url, raw);
      return await idempotent(state, id, fingerprint, now, run);
    }
    return await run();
  } catch (err) {
    if (err instanceof EmulatorError) return errorAnswer(route, request, err);
    throw err;
  }
}

/**
 * An error as its caller reads it: the envelope, except on a browser route (a page or a redirect)
 * asked for HTML, where a person reads a page that says what went wrong (a bad redirect URL, an
 * expired link) rather than raw JSON.
 */
function errorAnswer(route: RouteSpec, request: Request, err: EmulatorError): Response {
  const wantsHtml = /\btext\/html\b/.test(request.headers.get('accept') ?? '');
  if (route.success.kind === 'json' || !wantsHtml) return fromError(err);
  const page = html(errorPage(err.code, err.message), err.status);
  for (const [k, v] of Object.entries(err.headers ?? {})) page.headers.set(k, v);
  return page;
}

function replay(answer: StoredAnswer): Response {
  const headers = new Headers(answer.headers);
  headers.set('idempotent-replayed', 'true');
  return new Response(answer.body, { status: answer.status, headers });
}

/**
 * Runs a request once per idempotency record id: a repeat with the same fingerprint waits for the
 * first answer and replays it, a different request under the same key is a conflict.
 */
async function idempotent(
  state: EmulatorState,
  id: string,
  fingerprint: string,
  now: number,
  run: () => Promise<Response>,
): Promise<Response> {
  const { idempotency } = state.store;
  for (;;) {
    const existing = idempotency.get(id);
    if (existing && existing.expiresAt > now) {
      if (existing.fingerprint !== fingerprint) {
        return errorResponse(
          'idempotency_conflict',
          422,
          'This Idempotency-Key was already used with a different request.',
        );
      }
      const answer = await existing.answer;
      if (answer) return replay(answer);
      // The first run's answer was not kept (it threw or said "try again"): this one runs.
      if (idempotency.get(id) === existing) idempotency.delete(id);
      continue;
    }
    return runAndRemember(idempotency, id, fingerprint, now, run);
  }
}

/** Runs a request under a new idempotency record and settles the record with its answer. */
async function runAndRemember(
  idempotency: Map<string, IdempotencyRecord>,
  id: string,
  fingerprint: string,
  now: number,
  run: () => Promise<Response>,
): Promise<Response> {
  let settle!: (a: StoredAnswer | null) => void;
  const answer = new Promise<StoredAnswer | null>((resolve) => {
    settle = resolve;
  });
  const record = { fingerprint, expiresAt: now + IDEMPOTENCY_TTL_MS, answer };
  // Bounded (see bounded.ts): the expired first, then the oldest.
  makeRoom(idempotency, MAX_IDEMPOTENCY_RECORDS, (r) => r.expiresAt <= now);
  idempotency.set(id, record);
  const forget = (): void => {
    if (idempotency.get(id) === record) idempotency.delete(id);
    settle(null);
  };
  let response: Response;
  try {
    response = await run();
  } catch (err) {
    forget();
    throw err;
  }
  // Answers that say "try again" are not remembered, so a retry with the same key acts.
  if (response.status === 429 || response.status >= 500) {
    forget();
    return response;
  }
  const body = await response.text();
  const headers: [string, string][] = [];
  response.headers.forEach((v, k) => {
    headers.push([k, v]);
  });
  settle({ status: response.status, headers, body });
  return new Response(body, { status: response.status, headers });
}

function notFound(request: Request): Response {
  const url = new URL(request.url);
  const path = apiPath(url);
  if (path !== null) {
    const allowed: string[] = ROUTES.filter((r) => pathPattern(r.path).test(path)).map(
      (r) => r.method,
    );
    if (allowed.length > 0) {
      if (allowed.includes('GET')) allowed.push('HEAD');
      return errorResponse(
        'method_not_allowed',
        405,
        `This endpoint does not support ${request.method}.`,
        { allowed },
        { allow: allowed.join(', ') },
      );
    }
  }
  return errorResponse('not_found', 404, 'No such endpoint.');
}

/** Drops every expired record, rate-limit window and spent lockout counter. */
function sweep(state: EmulatorState): void {
  const now = state.clock.now();
  state.store.sweep(now);
  state.limiter.sweep(now);
  state.lockout.sweep(now);
}

/** Builds the Hono app for a state. */
export function buildApp(state: EmulatorState): Hono {
  const app = new Hono();
  let requests = 0;
  for (const route of ROUTES) {
    const handler = HANDLERS[route.id];
    if (!handler) continue;
    const path = `/v1${route.path.replace(/\{(\w+)\}/g, ':$1')}`;
    app.on(route.method, path, (c) => {
      // Drop expired codes, tokens, idempotency records and rate-limit state now and then; each
      // insert also drops the expired at its map's front, so this only catches the stragglers.
      if (++requests % 64 === 0) sweep(state);
      return handle(state, route, handler, c.req.raw, c.req.param() as Record<string, string>);
    });
  }
  // The Account API, on the same origin (src/testing/account/), replaying like the Auth API.
  mountAccountApi(app, state, { idempotent, requestFingerprint });
  app.notFound((c) => notFound(c.req.raw));
  app.onError(() =>
    errorResponse(
      'internal_error',
      500,
      'The emulator failed unexpectedly (this is a bug in the emulator).',
    ),
  );
  return app;
}
