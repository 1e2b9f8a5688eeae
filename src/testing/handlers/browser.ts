/**
 * Browser flows: social/SSO through the built-in fake identity provider, and the hosted login page.
 */
import { isEmail } from '../../contract/schema.js';
import { MAX_SSO_REQUESTS } from '../bounded.js';
import { EmulatorError, fail, html, redirect } from '../http.js';
import { hostedLoginPage, hostedMfaPage, idpPage as renderIdpPage } from '../pages.js';
import { randomId, randomToken } from '../random.js';
import { openSession } from '../sessions.js';
import type { Handler, OpContext } from '../state.js';
import { projectOf } from '../state.js';
import {
  normalizeEmail,
  type EmulatorProject,
  type SsoConnection,
  type SsoRequest,
} from '../store.js';
import { cleanMetadata, resolveRedirect, withParams } from './common.js';
import { passwordLogin } from './auth.js';
import { completeMfaChallenge } from './mfa.js';

/** Social providers the fake identity provider impersonates. */
export const SOCIAL_PROVIDERS: readonly string[] = ['google', 'github', 'apple', 'microsoft'];

const REQUEST_LIFETIME_MS = 10 * 60_000;
const CODE_LIFETIME_MS = 5 * 60_000;

function label(request: SsoRequest): string {
  if (request.connection) return request.connection.name;
  return request.provider.charAt(0).toUpperCase() + request.provider.slice(1);
}

function connectionFor(c: OpContext): {
  provider: string;
  connection: SsoConnection | null;
  loginHint: string | null;
} {
  const project = projectOf(c);
  const conns = project.settings.ssoConnections;
  const provider = c.query['provider'] as string | undefined;
  const connection = c.query['connection'] as string | undefined;
  const email = c.query['email'] as string | undefined;
  if (provider !== undefined) {
    const p = provider.toLowerCase();
    if (SOCIAL_PROVIDERS.includes(p))
      return { provider: p, connection: null, loginHint: email ?? null };
    const conn = conns.find((x) => x.name === provider);
    if (conn)
      return { provider: conn.provider ?? 'sso', connection: conn, loginHint: email ?? null };
    fail('invalid_provider', 'Unknown provider or SSO connection.', { field: 'provider' });
  }
  if (connection !== undefined) {
    const conn = conns.find((x) => x.name === connection);
    if (!conn) fail('invalid_provider', 'Unknown SSO connection.', { field: 'connection' });
    return { provider: conn.provider ?? 'sso', connection: conn, loginHint: email ?? null };
  }
  if (email !== undefined) {
    const domain = normalizeEmail(email).split('@')[1] ?? '';
    const conn = conns.find((x) => x.domains.includes(domain));
    if (!conn)
      fail('invalid_provider', 'No SSO connection is configured for this e-mail domain.', {
        field: 'email',
      });
    return { provider: conn.provider ?? 'sso', connection: conn, loginHint: normalizeEmail(email) };
  }
  fail('invalid_request', 'One of provider, connection or email is required.', {
    field: 'provider',
  });
}

/** GET /auth/sso/authorize */
export const ssoAuthorize: Handler = async (c) => {
  const project = projectOf(c);
  const target = resolveRedirect(project, c.query['redirect_url']);
  const { provider, connection, loginHint } = connectionFor(c);
  const request: SsoRequest = {
    id: randomId('ssoreq_', 20),
    projectId: project.projectId,
    provider,
    connection,
    redirectUrl: target,
    state: (c.query['state'] as string | undefined) ?? null,
    loginHint,
    expiresAt: c.now + REQUEST_LIFETIME_MS,
  };
  // Bounded: anyone who knows the public login id can start one (see bounded.ts).
  c.state.store.put(c.state.store.ssoRequests, request.id, request, c.now, MAX_SSO_REQUESTS);
  return redirect(
    withParams(`${c.origin}/v1/_idp/authorize`, { request: request.id, login_hint: loginHint }),
  );
};

function pendingRequest(c: OpContext, id: string): SsoRequest {
  const request = c.state.store.ssoRequests.get(id);
  if (!request || request.expiresAt <= c.now)
    fail('invalid_request', 'The sign-in request is unknown or has expired; start again.', {
      field: 'request',
    });
  return request;
}

/** The fake IdP's answer to a signed-in e-mail: a code, back to Protekt's callback. */
function idpAnswer(c: OpContext, request: SsoRequest, rawEmail: string): Response {
  if (!isEmail(rawEmail.trim()))
    fail('invalid_email', 'Enter a valid e-mail address.', { field: 'email' });
  const email = normalizeEmail(rawEmail);
  if (request.connection && request.connection.domains.length > 0) {
    const domain = email.split('@')[1] ?? '';
    if (!request.connection.domains.includes(domain))
      fail('invalid_email', 'This identity provider does not manage that e-mail domain.', {
        field: 'email',
      });
  }
  const code = randomToken('idpc_', 24);
  const { store } = c.state;
  store.put(
    store.ssoCodes,
    code,
    { requestId: request.id, email, expiresAt: c.now + CODE_LIFETIME_MS },
    c.now,
  );
  return redirect(withParams(`${c.origin}/v1/auth/sso/callback`, { code, state: request.id }));
}

/** GET /_idp/authorize — the form, or with `email=` the immediate answer. */
export const idpPage: Handler = async (c) => {
  const request = pendingRequest(c, c.query['request'] as string);
  const email = c.query['email'] as string | undefined;
  if (email !== undefined) return idpAnswer(c, request, email);
  return html(
    renderIdpPage({
      action: `${c.origin}/v1/_idp/authorize`,
      request: request.id,
      providerLabel: label(request),
      email: request.loginHint ?? '',
    }),
  );
};

/** POST /_idp/authorize — the form's submission. */
export const idpSubmit: Handler = async (c) => {
  const request = pendingRequest(c, c.body['request'] as string);
  const email = (c.body['email'] as string | undefined) ?? '';
  try {
    return idpAnswer(c, request, email);
  } catch (err) {
    if (err instanceof EmulatorError && err.code === 'invalid_email') {
      return html(
        renderIdpPage({
          action: `${c.origin}/v1/_idp/authorize`,
          request: request.id,
          providerLabel: label(request),
          email,
          error: err.message,
        }),
        400,
      );
    }
    throw err;
  }
};

/**
 * GET /auth/sso/callback — exchanges the single-use code, links or creates the user, redirects with
 * tokens.
 */
export const ssoCallback: Handler = async (c) => {
  const { store } = c.state;
  const code = c.query['code'] as string;
  const record = store.ssoCodes.get(code);
  if (!record || record.expiresAt <= c.now)
    fail('invalid_request', 'The authorization code is invalid, expired or already used.', {
      field: 'code',
    });
  const state = c.query['state'] as string | undefined;
  if (state !== undefined && state !== record.requestId)
    fail('invalid_request', 'The state does not match the authorization code.', { field: 'state' });
  store.ssoCodes.delete(code);
  const request = store.ssoRequests.get(record.requestId);
  const project = request ? store.projects.get(request.projectId) : undefined;
  if (!request || !project)
    fail('invalid_request', 'The sign-in request has expired; start again.', { field: 'code' });
  store.ssoRequests.delete(request.id);
  const ctx: OpContext = { ...c, project };
  const linked = Object.create(null) as Record<string, unknown>;
  linked['provider'] = request.provider;
  if (request.connection) linked['sso_connection'] = request.connection.name;
  else linked['provider_id'] = `${request.provider}|${record.email}`;
  let user = store.userByEmail(project.projectId, record.email);
  if (!user) {
    user = store.createUser(project.projectId, {
      email: record.email,
      emailVerified: true,
      password: null,
      metadata: cleanMetadata(linked),
      now: c.now,
    });
  } else {
    Object.assign(user.metadata, linked);
    user.emailVerified = true;
  }
  const back = (params: Record<string, string | null>) =>
    redirect(withParams(request.redirectUrl, { ...params, state: request.state }));
  if (user.disabled)
    return back({
      error: 'account_disabled',
      error_description: 'This account has been disabled.',
    });
  const tokens = await openSession(ctx, user, undefined);
  return back({
    token: tokens['access_token'] as string,
    refresh_token: tokens['refresh_token'] as string,
    expires_in: String(tokens['expires_in']),
  });
};

/** GET /auth/authorize — the hosted login page. */
export const hostedPage: Handler = async (c) => {
  const project = projectOf(c);
  const target = resolveRedirect(project, c.query['redirect_url']);
  return html(
    hostedLoginPage({
      action: `${c.origin}/v1/auth/authorize`,
      loginId: project.loginId,
      redirectUrl: target,
      state: (c.query['state'] as string | undefined) ?? null,
      projectName: project.settings.name,
    }),
  );
};

/** The hosted form as submitted, and where it sends the browser back. */
interface HostedForm {
  readonly project: EmulatorProject;
  /** The checked `redirect_url`, or the project's default. */
  readonly target: string;
  readonly state: string | null;
  readonly email: string;
  /** Where the form posts. */
  readonly action: string;
  /** Present on the MFA step. */
  readonly mfaToken: string | undefined;
}

/** Reads the hosted form's fields; fails when the redirect target is not allowed. */
function hostedForm(c: OpContext): HostedForm {
  const project = projectOf(c);
  return {
    project,
    target: resolveRedirect(project, c.body['redirect_url']),
    state: (c.body['state'] as string | undefined) ?? null,
    email: (c.body['email'] as string | undefined) ?? '',
    action: `${c.origin}/v1/auth/authorize`,
    mfaToken: c.body['mfa_token'] as string | undefined,
  };
}

/** Sends the browser back to the form's target with the tokens and `state`. */
function redirectWithTokens(form: HostedForm, tokens: Record<string, unknown>): Response {
  return redirect(
    withParams(form.target, {
      token: tokens['access_token'] as string,
      refresh_token: tokens['refresh_token'] as string,
      expires_in: String(tokens['expires_in']),
      state: form.state,
    }),
  );
}

/**
 * Signs in from the hosted form: checks the MFA code on the MFA step, else the password, which
 * leads to the MFA page when the user has MFA.
 */
async function hostedSignIn(c: OpContext, form: HostedForm): Promise<Response> {
  const { project, mfaToken } = form;
  if (mfaToken !== undefined) {
    const code = (c.body['code'] as string | undefined) ?? '';
    return redirectWithTokens(form, await completeMfaChallenge(c, mfaToken, code));
  }
  if (!isEmail(form.email.trim())) fail('invalid_email', 'Enter a valid e-mail address.');
  const password = (c.body['password'] as string | undefined) ?? '';
  const result = await passwordLogin(c, form.email, password, undefined);
  if (result.kind === 'mfa') {
    return html(
      hostedMfaPage({
        action: form.action,
        loginId: project.loginId,
        redirectUrl: form.target,
        state: form.state,
        mfaToken: result.body['mfa_token'] as string,
        methods: result.body['available_methods'] as string[],
      }),
    );
  }
  return redirectWithTokens(form, result.body);
}

/** The form again with the error: the MFA page for a wrong code, else the login page. */
function hostedRetryPage(form: HostedForm, err: EmulatorError): Response {
  const { project, mfaToken } = form;
  if (mfaToken !== undefined && err.code === 'invalid_mfa_code') {
    return html(
      hostedMfaPage({
        action: form.action,
        loginId: project.loginId,
        redirectUrl: form.target,
        state: form.state,
        mfaToken,
        methods: [],
        error: err.message,
      }),
      err.status,
    );
  }
  return html(
    hostedLoginPage({
      action: form.action,
      loginId: project.loginId,
      redirectUrl: form.target,
      state: form.state,
      projectName: project.settings.name,
      email: form.email,
      error: err.message,
    }),
    err.status,
  );
}

/** POST /auth/authorize — the hosted form: password, then an MFA code when the user has MFA. */
export const hostedSubmit: Handler = async (c) => {
  const form = hostedForm(c);
  try {
    return await hostedSignIn(c, form);
  } catch (err) {
    if (!(err instanceof EmulatorError)) throw err;
    return hostedRetryPage(form, err);
  }
};
