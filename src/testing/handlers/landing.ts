/**
 * Where the e-mailed links land: the password-reset form and the e-mail confirmation. Each page
 * finds its project through the token, runs the Auth API's own handler, and ends on the hosted
 * login page (with the project's default redirect), so the user can sign in straight away.
 */
import { ROUTES } from '../../contract/routes.js';
import { validateBody } from '../../contract/schema.js';
import { EmulatorError, fail, html, redirect } from '../http.js';
import { resetPasswordPage, verifyEmailPage } from '../pages.js';
import type { Handler, OpContext } from '../state.js';
import type { EmulatorProject, LinkToken } from '../store.js';
import { verifyEmail } from './auth.js';
import { confirm } from './passwords.js';

/** The project of a live link token, or `invalid_request` (the page cannot say more). */
function projectOfToken(c: OpContext, tokens: Map<string, LinkToken>, token: string) {
  const record = tokens.get(token);
  const project = record ? c.state.store.projects.get(record.projectId) : undefined;
  if (!record || !project || record.expiresAt <= c.now)
    fail('invalid_request', 'This link is invalid, expired or already used.', { field: 'token' });
  return project;
}

/** The hosted login page of a project, after a landing has done its job. */
function toLogin(c: OpContext, project: EmulatorProject): Response {
  return redirect(`${c.origin}/v1/auth/authorize?login_id=${encodeURIComponent(project.loginId)}`);
}

/** Runs an Auth API handler as `project` with `body`, checked by that route's schema first. */
async function asApi(
  c: OpContext,
  routeId: string,
  handler: Handler,
  project: EmulatorProject,
  body: Record<string, unknown>,
): Promise<void> {
  const route = ROUTES.find((r) => r.id === routeId)!;
  const checked = validateBody(route.body!.schema, body);
  if (!checked.ok) fail(checked.code, checked.message, { field: checked.field });
  const res = await handler({ ...c, route, project, body: checked.value });
  if (!res.ok) throw new Error(`${routeId} answered ${res.status}`);
}

/** GET /_pages/password-reset — the new-password form. */
export const resetPage: Handler = async (c) => {
  const token = c.query['token'] as string;
  projectOfToken(c, c.state.store.resetTokens, token);
  return html(resetPasswordPage({ action: `${c.origin}/v1/_pages/password-reset`, token }));
};

/** POST /_pages/password-reset — sets the password, or shows the form again with why not. */
export const resetSubmit: Handler = async (c) => {
  const token = c.body['token'] as string;
  const project = projectOfToken(c, c.state.store.resetTokens, token);
  const body = { reset_token: token, new_password: c.body['new_password'] ?? '' };
  try {
    await asApi(c, 'password.confirm', confirm, project, body);
  } catch (err) {
    if (!(err instanceof EmulatorError) || err.code === 'reset_token_invalid') throw err;
    const action = `${c.origin}/v1/_pages/password-reset`;
    return html(resetPasswordPage({ action, token, error: err.message }), err.status);
  }
  return toLogin(c, project);
};

/** GET /_pages/verify-email — one button (so a link preview does not confirm the address). */
export const verifyPage: Handler = async (c) => {
  const token = c.query['token'] as string;
  projectOfToken(c, c.state.store.verificationTokens, token);
  return html(verifyEmailPage({ action: `${c.origin}/v1/_pages/verify-email`, token }));
};

/** POST /_pages/verify-email — confirms the address. */
export const verifySubmit: Handler = async (c) => {
  const token = c.body['token'] as string;
  const project = projectOfToken(c, c.state.store.verificationTokens, token);
  await asApi(c, 'email.verify', verifyEmail, project, { token });
  return toLogin(c, project);
};
