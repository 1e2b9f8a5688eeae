/**
 * The control plane's JSON side: the outbox, the clock, faults, project settings, users, sessions,
 * the request log, a token for curl, and a reset. Each handler also serves the dashboard's forms
 * (`changed` answers a form with a redirect back).
 */
import { isEmail } from '../../contract/schema.js';
import type { FaultSpec, RequestRecord } from '../faults.js';
import { fail, json } from '../http.js';
import type { OutboxKind, OutboxMessage } from '../outbox.js';
import { normalizeEmail } from '../store.js';
import { openSessionFor } from '../sessions.js';
import { type ControlContext, type ControlRequest, changed, projectNamed } from './context.js';
import { projectJson, updateProjectSettings } from './settings.js';

/** What a message looks like over HTTP. */
export function messageJson(m: OutboxMessage): Record<string, unknown> {
  return {
    to: m.to,
    channel: m.channel,
    kind: m.kind,
    ...(m.code !== undefined ? { code: m.code } : {}),
    ...(m.token !== undefined ? { token: m.token } : {}),
    ...(m.link !== undefined ? { link: m.link } : {}),
    project_id: m.projectId,
    sent_at: new Date(m.at).toISOString(),
  };
}

/** The messages matching `to` (any case), `kind` and `project_id` query parameters, oldest first. */
export function filteredOutbox(ctx: ControlContext, query: URLSearchParams): OutboxMessage[] {
  const to = query.get('to')?.trim().toLowerCase() || undefined;
  const kind = (query.get('kind') || undefined) as OutboxKind | undefined;
  const project = query.get('project_id') || undefined;
  return ctx.state.outbox.messages.filter(
    (m) =>
      (to === undefined || m.to.toLowerCase() === to) &&
      (kind === undefined || m.kind === kind) &&
      (project === undefined || m.projectId === project),
  );
}

/** GET /_emulator/outbox and DELETE /_emulator/outbox. */
export function outbox(ctx: ControlContext, c: ControlRequest): Response {
  if (c.request.method === 'DELETE' || c.request.method === 'POST') {
    const cleared = ctx.state.outbox.messages.length;
    ctx.state.outbox.clear();
    return changed(c, { cleared });
  }
  return json({ messages: filteredOutbox(ctx, c.url.searchParams).map(messageJson) });
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: milliseconds as a number, or `90s`, `11m`, `2h`, `1d` (negative allowed). */
function duration(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const m =
    typeof value === 'string' ? /^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value) : null;
  if (!m)
    fail('invalid_request', `${field} must be milliseconds or a duration such as 11m.`, { field });
  return Number(m[1]) * UNITS[m[2] ?? 'ms']!;
}

/** The clock as JSON. */
export function clockJson(ctx: ControlContext): Record<string, unknown> {
  const now = ctx.state.clock.now();
  return { now: new Date(now).toISOString(), now_ms: now, offset_ms: now - Date.now() };
}

/** GET /_emulator/clock; POST with `advance` (`11m`, ms), `set` (ISO date or ms) or `reset`. */
export function clock(ctx: ControlContext, c: ControlRequest): Response {
  if (c.request.method === 'GET') return json(clockJson(ctx));
  const { body } = c;
  const { clock } = ctx.state;
  if (body['reset'] === true || body['reset'] === 'true') clock.reset();
  else if (body['set'] !== undefined) {
    const t = typeof body['set'] === 'string' ? Date.parse(body['set']) : body['set'];
    if (typeof t !== 'number' || !Number.isFinite(t))
      fail('invalid_request', 'set must be an ISO date or milliseconds.', { field: 'set' });
    clock.set(t);
  } else if (body['advance'] !== undefined || body['advance_ms'] !== undefined) {
    const field = body['advance'] !== undefined ? 'advance' : 'advance_ms';
    clock.advance(duration(body[field], field));
  } else fail('invalid_request', 'Send advance, set or reset.', { field: 'advance' });
  return changed(c, clockJson(ctx));
}

function faultJson(f: { spec: FaultSpec; remaining: number }): Record<string, unknown> {
  const { spec } = f;
  return {
    path: typeof spec.path === 'string' ? spec.path : spec.path.source,
    path_is_pattern: typeof spec.path !== 'string',
    method: spec.method ?? null,
    status: spec.status ?? null,
    retry_after: spec.retryAfter ?? null,
    delay_ms: spec.delayMs ?? null,
    drop: spec.drop ?? false,
    after: spec.after ?? false,
    remaining: Number.isFinite(f.remaining) ? f.remaining : 'always',
  };
}

/** A fault from its JSON (`path` or `path_pattern`, then the `FaultSpec` fields in snake_case). */
function faultSpec(b: Record<string, unknown>): FaultSpec {
  const opt = <T>(key: string, type: string): T | undefined => {
    const v = b[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== type) fail('invalid_request', `${key} must be a ${type}.`, { field: key });
    return v as T;
  };
  const pattern = opt<string>('path_pattern', 'string');
  const path = pattern !== undefined ? safeRegExp(pattern) : opt<string>('path', 'string');
  if (path === undefined)
    fail('invalid_request', 'path (or path_pattern) is required.', { field: 'path' });
  const times = b['times'] === 'always' ? Number.POSITIVE_INFINITY : opt<number>('times', 'number');
  const status =
    typeof b['status'] === 'string' ? Number(b['status']) : opt<number>('status', 'number');
  if (status !== undefined && !(Number.isInteger(status) && status >= 200 && status <= 599))
    fail('invalid_request', 'status must be an HTTP status from 200 to 599.', { field: 'status' });
  return {
    path,
    method: opt<string>('method', 'string'),
    times,
    status,
    retryAfter: (b['retry_after'] as number | string | undefined) ?? undefined,
    delayMs: opt<number>('delay_ms', 'number'),
    drop: opt<boolean>('drop', 'boolean'),
    body: opt<string>('body', 'string'),
    headers: opt<Record<string, string>>('headers', 'object'),
    after: opt<boolean>('after', 'boolean'),
  };
}

function safeRegExp(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    fail('invalid_request', 'path_pattern is not a valid regular expression.', {
      field: 'path_pattern',
    });
  }
}

/** GET /_emulator/faults; POST adds one; DELETE clears them all. */
export function faults(ctx: ControlContext, c: ControlRequest): Response {
  const method = c.request.method;
  if (method === 'DELETE' || (method === 'POST' && c.body['clear'] !== undefined)) {
    ctx.faults.clear();
    return changed(c, { faults: [] });
  }
  if (method === 'POST') {
    ctx.faults.add(faultSpec(c.body));
    return changed(c, { faults: ctx.faults.active().map(faultJson) }, 201);
  }
  return json({ faults: ctx.faults.active().map(faultJson) });
}

/** GET /_emulator/projects, GET and PATCH (or a form POST) /_emulator/projects/{id}. */
export function projects(ctx: ControlContext, c: ControlRequest, id: string | undefined): Response {
  if (id === undefined) return json({ projects: ctx.projects().map(projectJson) });
  const project = projectNamed(ctx, id);
  if (c.request.method !== 'GET') updateProjectSettings(project, c.body);
  return changed(c, projectJson(project));
}

/** A request log entry as JSON: its query values and secret headers left out. */
export function requestJson(r: RequestRecord): Record<string, unknown> {
  const url = new URL(r.url);
  return {
    method: r.method,
    path: r.path,
    query: [...new Set(url.searchParams.keys())],
    user_agent: r.headers['user-agent'] ?? null,
    idempotency_key: r.idempotencyKey,
    at: new Date(r.at).toISOString(),
  };
}

/** GET /_emulator/requests (newest first, at most `limit`, default 100). */
export function requests(ctx: ControlContext, c: ControlRequest): Response {
  const limit = Math.min(10_000, Math.max(1, Number(c.url.searchParams.get('limit')) || 100));
  return json({ requests: ctx.faults.requests.slice(-limit).reverse().map(requestJson) });
}

/** POST /_emulator/reset. */
export function reset(ctx: ControlContext, c: ControlRequest): Response {
  ctx.reset();
  return changed(c, { reset: true });
}

/**
 * POST /_emulator/tokens `{ email, project_id? }`: signs in that user (created, verified and
 * passwordless when new) and answers the token pair, or the bare access token with
 * `?format=token`: a token for curl in one command.
 */
export async function tokens(ctx: ControlContext, c: ControlRequest): Promise<Response> {
  const project = projectNamed(ctx, c.body['project_id']);
  const raw = c.body['email'];
  if (typeof raw !== 'string' || !isEmail(raw.trim()))
    fail('invalid_email', 'email must be an e-mail address.', { field: 'email' });
  const { store, clock } = ctx.state;
  const email = normalizeEmail(raw);
  const user =
    store.userByEmail(project.projectId, email) ??
    store.createUser(project.projectId, {
      email,
      emailVerified: true,
      password: null,
      metadata: Object.create(null) as Record<string, unknown>,
      now: clock.now(),
    });
  if (user.disabled) fail('account_disabled', 'This account has been disabled.');
  const client = { ip: '127.0.0.1', userAgent: 'protekt-emulator control plane' };
  const body = await openSessionFor(
    ctx.state,
    c.url.origin,
    project,
    user,
    client,
    project.settings.tokenExpiry,
  );
  if (c.url.searchParams.get('format') === 'token')
    return new Response(`${body['access_token'] as string}\n`, {
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    });
  return json(body, 201);
}
