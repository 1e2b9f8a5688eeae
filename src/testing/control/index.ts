/**
 * The control plane at `/_emulator`: JSON for programs (curl, any language's tests) and the
 * dashboard's HTML for browsers, on the same paths. A browser (`Accept: text/html`) gets a page;
 * anything else gets JSON. Loopback-only serving is `serveEmulator`'s job; here, changes refuse a
 * cross-site request, so a web page the developer visits cannot drive the emulator.
 */
import { EmulatorError, errorResponse, fromError, html } from '../http.js';
import * as api from './api.js';
import { type ControlContext, type ControlRequest, readControlRequest } from './context.js';
import * as views from './dashboard.js';
import { dashboardPage, h } from './layout.js';
import { revokeSession, users } from './users.js';

export { CONTROL_PREFIX, type ControlContext } from './context.js';

const LOOPBACK_NAMES = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** True when `from` is this emulator reached by another loopback name (localhost for 127.0.0.1). */
function sameMachine(from: string, origin: string): boolean {
  try {
    const a = new URL(from);
    const b = new URL(origin);
    return a.protocol === b.protocol && a.port === b.port && LOOPBACK_NAMES.test(a.hostname);
  } catch {
    return false;
  }
}

/**
 * True for a change sent from another site (a form or script on some web page): the browser's
 * `Sec-Fetch-Site` when it sends one, else an `Origin` that is not this emulator's.
 */
function crossSite(request: Request, origin: string): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site === 'cross-site' || site === 'same-site';
  const from = request.headers.get('origin');
  return from !== null && from !== origin && !sameMachine(from, origin);
}

/** The dashboard page for a GET, or `null` when the path has none. */
function view(ctx: ControlContext, c: ControlRequest, parts: string[]): string | null {
  const [area, id] = parts;
  if (area === undefined || (area === 'projects' && id === undefined))
    return views.homeView(ctx, c);
  if (area === 'projects') return views.projectView(ctx, id!);
  if (area === 'users') return id === undefined ? views.usersView(ctx, c) : views.userView(ctx, id);
  if (area === 'outbox') return views.outboxView(ctx, c);
  if (area === 'requests') return views.requestsView(ctx);
  if (area === 'clock') return views.clockView(ctx);
  if (area === 'faults') return views.faultsView(ctx);
  return null;
}

/** The JSON side's answer, or `null` for an unknown path or method. */
async function route(
  ctx: ControlContext,
  c: ControlRequest,
  parts: string[],
): Promise<Response | null> {
  const [area, id, action] = parts;
  const m = c.request.method;
  if (area === 'outbox' && (id === undefined || (id === 'clear' && m === 'POST')))
    return await api.outbox(ctx, c);
  if (area === 'clock' && id === undefined) return await api.clock(ctx, c);
  if (area === 'faults' && id === undefined) return await api.faults(ctx, c);
  if (area === 'projects' && action === undefined) return await api.projects(ctx, c, id);
  if (area === 'users') return await users(ctx, c, id, action);
  if (area === 'sessions' && id !== undefined && (m === 'DELETE' || action === 'revoke'))
    return await revokeSession(ctx, c, id);
  if (area === 'requests' && m === 'GET') return await api.requests(ctx, c);
  if (area === 'reset' && m === 'POST') return await api.reset(ctx, c);
  if (area === 'tokens' && m === 'POST') return await api.tokens(ctx, c);
  if (area === undefined && m === 'GET') return await api.projects(ctx, c, undefined);
  return null;
}

/** An error as the caller reads it: a page for a browser, else the JSON envelope. */
function failure(c: ControlRequest | null, err: EmulatorError): Response {
  if (!c?.wantsHtml) return fromError(err);
  return html(
    dashboardPage(
      'Something went wrong',
      `<p role="alert">${h(err.message)}</p><p><a href="/_emulator">Back to the dashboard</a></p>`,
    ),
    err.status,
  );
}

/** Answers one request below `/_emulator`. */
export async function handleControl(ctx: ControlContext, request: Request): Promise<Response> {
  const url = new URL(request.url);
  let c: ControlRequest | null = null;
  try {
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD' && crossSite(request, url.origin))
      return errorResponse('forbidden', 403, 'The control plane refuses cross-site requests.');
    c = await readControlRequest(request, url);
    const parts = c.path
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
    if ((method === 'GET' || method === 'HEAD') && c.wantsHtml) {
      const page = view(ctx, c, parts);
      if (page !== null) return html(page);
    }
    const answer = await route(ctx, c, parts);
    return answer ?? errorResponse('not_found', 404, 'No such control endpoint.');
  } catch (err) {
    if (err instanceof EmulatorError) return failure(c, err);
    if (err instanceof URIError) return errorResponse('invalid_request', 400, 'Bad path.');
    throw err;
  }
}
