/** What the control plane and the dashboard reach of an emulator, and their request reading. */
import type { FaultRegistry } from '../faults.js';
import { decodeUtf8, fail, json, mediaType, readBody, redirect } from '../http.js';
import type { EmulatorState } from '../state.js';
import type { EmulatorProject } from '../store.js';

/** The reserved path prefix of the control plane and the dashboard (never under `/v1`). */
export const CONTROL_PREFIX = '/_emulator';

/** The emulator as the control plane sees it. */
export interface ControlContext {
  readonly state: EmulatorState;
  readonly faults: FaultRegistry;
  /** Every project, the default one first. */
  projects(): readonly EmulatorProject[];
  /** Runs an API request through the app without logging it or applying faults. */
  callApi(request: Request): Promise<Response>;
  /** Forgets users, sessions, secrets, messages, faults and the request log; resets the clock. */
  reset(): void;
}

/** One control request: its URL, the path below the prefix, and its body when it has one. */
export interface ControlRequest {
  readonly request: Request;
  readonly url: URL;
  /** The path below `/_emulator` (`/` for the dashboard's home). */
  readonly path: string;
  /** The fields of a JSON object or form body (strings for a form). */
  readonly body: Record<string, unknown>;
  /** True when the body was an HTML form: the answer is a redirect back to `back`. */
  readonly fromForm: boolean;
  /** True when the caller asked for HTML (a browser). */
  readonly wantsHtml: boolean;
}

/** Reads a control request's body: JSON, a form, or nothing. */
export async function readControlRequest(request: Request, url: URL): Promise<ControlRequest> {
  const path = url.pathname.slice(CONTROL_PREFIX.length) || '/';
  const accept = request.headers.get('accept') ?? '';
  const wantsHtml = /\btext\/html\b/.test(accept);
  let body: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let fromForm = false;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const raw = await readBody(request);
    const type = mediaType(request);
    const text = decodeUtf8(raw);
    // `curl -d '{…}'` labels JSON as a form: a body that opens with `{` is read as JSON.
    if (type === 'application/x-www-form-urlencoded' && !text.trimStart().startsWith('{')) {
      fromForm = true;
      for (const [k, v] of new URLSearchParams(text)) if (!(k in body)) body[k] = v;
    } else if (text.trim() !== '') {
      body = parseJsonObject(text);
    }
  }
  return { request, url, path, body, fromForm, wantsHtml };
}

function parseJsonObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail('invalid_request', 'The request body is not valid JSON.', { field: 'body' });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    fail('invalid_request', 'The request body must be a JSON object.', { field: 'body' });
  return parsed as Record<string, unknown>;
}

/**
 * The answer to a change: JSON for a program, or for a form a 303 back to the page it came from
 * (`back`, kept inside the dashboard so a form cannot bounce the browser elsewhere).
 */
export function changed(c: ControlRequest, body: unknown, status = 200): Response {
  if (!c.fromForm) return json(body, status);
  const back = typeof c.body['back'] === 'string' ? c.body['back'] : CONTROL_PREFIX;
  const safe =
    back === CONTROL_PREFIX || (back.startsWith(`${CONTROL_PREFIX}/`) && !back.includes('//'))
      ? back
      : CONTROL_PREFIX;
  const answer = redirect(`${c.url.origin}${safe}`);
  return new Response(null, { status: 303, headers: answer.headers });
}

/** The project a request names (`project` or `project_id`), else the default project. */
export function projectNamed(ctx: ControlContext, id: unknown): EmulatorProject {
  const projects = ctx.projects();
  if (id === undefined || id === null || id === '') return projects[0]!;
  const found = projects.find((p) => p.projectId === id || p.loginId === id);
  if (!found) fail('not_found', 'No project has that id.', { field: 'project_id' });
  return found;
}
