/**
 * Browser flows: social and SSO sign-in through the built-in fake identity provider, and the
 * hosted login page. Every path that ends in the application's redirect asks a user with MFA for
 * the second factor first, on the hosted MFA page.
 */
import { isEmail } from '../../contract/schema.js';
import { MAX_SSO_REQUESTS } from '../bounded.js';
import { EmulatorError, fail, html, redirect } from '../http.js';
import {
  hostedLoginPage,
  hostedMfaPage,
  idpPage as renderIdpPage,
  type KnownIdentity,
} from '../pages.js';
import { randomId, randomToken } from '../random.js';
import type { Handler, OpContext } from '../state.js';
import { projectOf } from '../state.js';
import {
  normalizeEmail,
  type EmulatorProject,
  type SsoCode,
  type SsoConnection,
  type SsoRequest,
  type UserRecord,
} from '../store.js';
import { cleanMetadata, resolveRedirect, withParams } from './common.js';
import { passwordLogin, signInOrChallenge } from './auth.js';
import { completeMfaChallenge } from './mfa.js';

/** Social providers the fake identity provider impersonates, with their names as shown. */
const PROVIDER_LABELS: Readonly<Record<string, string>> = {
  google: 'Google',
  github: 'GitHub',
  apple: 'Apple',
  microsoft: 'Microsoft',
};

/** Social providers the fake identity provider impersonates. */
export const SOCIAL_PROVIDERS: readonly string[] = Object.keys(PROVIDER_LABELS);

const REQUEST_LIFETIME_MS = 10 * 60_000;
const CODE_LIFETIME_MS = 5 * 60_000;

function label(request: SsoRequest): string {
  if (request.connection) return request.connection.name;
  return PROVIDER_LABELS[request.provider] ?? request.provider;
}

/** What an authorize request chose: a social provider or an SSO connection, and a login hint. */
interface Chosen {
  provider: string;
  connection: SsoConnection | null;
  loginHint: string | null;
}

function viaConnection(conn: SsoConnection, loginHint: string | null): Chosen {
  return { provider: conn.provider ?? 'sso', connection: conn, loginHint };
}

/**
 * The provider of `GET /auth/sso/authorize`. `provider` (the one parameter the OpenAPI file
 * defines) names a social provider, an SSO connection, or an e-mail domain one connection manages
 * (the SSO guide's domain routing). `connection` and `email` are still read, as older callers
 * sent them.
 */
function connectionFor(c: OpContext): Chosen {
  const conns = projectOf(c).settings.ssoConnections;
  const provider = c.query['provider'] as string | undefined;
  const connection = c.query['connection'] as string | undefined;
  const email = c.query['email'] as string | undefined;
  const hint = email === undefined ? null : normalizeEmail(email);
  if (provider !== undefined) {
    const p = provider.toLowerCase();
    if (SOCIAL_PROVIDERS.includes(p)) return { provider: p, connection: null, loginHint: hint };
    const conn = conns.find((x) => x.name === provider) ?? conns.find((x) => x.domains.includes(p));
    if (conn) return viaConnection(conn, hint);
    fail('invalid_provider', 'Unknown provider, SSO connection or e-mail domain.', {
      field: 'provider',
    });
  }
  if (connection !== undefined) {
    const conn = conns.find((x) => x.name === connection);
    if (!conn) fail('invalid_provider', 'Unknown SSO connection.', { field: 'connection' });
    return viaConnection(conn, hint);
  }
  if (hint !== null) {
    const domain = hint.split('@')[1] ?? '';
    const conn = conns.find((x) => x.domains.includes(domain));
    if (!conn)
      fail('invalid_provider', 'No SSO connection is configured for this e-mail domain.', {
        field: 'email',
      });
    return viaConnection(conn, hint);
  }
  fail('invalid_request', 'The provider parameter is required.', { field: 'provider' });
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

/** The profile an enterprise IdP sends: a name and groups (`a, b` or repeated), SSO only. */
function ssoProfile(request: SsoRequest, fields: Record<string, unknown>): SsoCode['profile'] {
  if (!request.connection) return null;
  const name = typeof fields['name'] === 'string' ? fields['name'].trim().slice(0, 200) : '';
  const raw = typeof fields['groups'] === 'string' ? fields['groups'] : '';
  const groups = raw
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '')
    .slice(0, 50);
  return { name, groups };
}

/** The fake IdP's answer to a signed-in identity: a code, back to Protekt's callback. */
function idpAnswer(c: OpContext, request: SsoRequest, fields: Record<string, unknown>): Response {
  const rawEmail = typeof fields['email'] === 'string' ? fields['email'] : '';
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
  const record = {
    requestId: request.id,
    email,
    profile: ssoProfile(request, fields),
    expiresAt: c.now + CODE_LIFETIME_MS,
  };
  store.put(store.ssoCodes, code, record, c.now);
  return redirect(withParams(`${c.origin}/v1/auth/sso/callback`, { code, state: request.id }));
}

/** Users of the request's project who signed in through the same provider or connection. */
function knownIdentities(c: OpContext, request: SsoRequest): KnownIdentity[] {
  const out: KnownIdentity[] = [];
  for (const u of c.state.store.users.values()) {
    if (u.projectId !== request.projectId || u.email === null || u.disabled) continue;
    const m = u.metadata;
    const same = request.connection
      ? m['sso_connection'] === request.connection.name
      : m['provider'] === request.provider && m['sso_connection'] === undefined;
    if (same) out.push({ email: u.email, name: typeof m['name'] === 'string' ? m['name'] : '' });
  }
  return out.slice(-5);
}

/** The identity provider's page, with an error when a submission was refused. */
function idpForm(c: OpContext, request: SsoRequest, email: string, error?: string): Response {
  return html(
    renderIdpPage({
      action: `${c.origin}/v1/_idp/authorize`,
      request: request.id,
      providerLabel: label(request),
      enterprise: request.connection !== null,
      known: knownIdentities(c, request),
      email,
      ...(error !== undefined ? { error } : {}),
    }),
    error === undefined ? 200 : 400,
    [request.redirectUrl],
  );
}

/** GET /_idp/authorize — the form, or with `email=` the immediate answer. */
export const idpPage: Handler = async (c) => {
  const request = pendingRequest(c, c.query['request'] as string);
  if (c.query['email'] !== undefined) return idpAnswer(c, request, c.query);
  return idpForm(c, request, request.loginHint ?? '');
};

/** POST /_idp/authorize — the form's submission. */
export const idpSubmit: Handler = async (c) => {
  const request = pendingRequest(c, c.body['request'] as string);
  try {
    return idpAnswer(c, request, c.body);
  } catch (err) {
    if (err instanceof EmulatorError && err.code === 'invalid_email')
      return idpForm(c, request, (c.body['email'] as string | undefined) ?? '', err.message);
    throw err;
  }
};

/** Links or creates the user of a finished IdP sign-in and records what the IdP said. */
function linkedUser(c: OpContext, project: EmulatorProject, request: SsoRequest, code: SsoCode) {
  const { store } = c.state;
  const linked = Object.create(null) as Record<string, unknown>;
  linked['provider'] = request.provider;
  if (request.connection) linked['sso_connection'] = request.connection.name;
  else linked['provider_id'] = `${request.provider}|${code.email}`;
  if (code.profile) {
    const [given = '', ...rest] = code.profile.name.split(/\s+/).filter((x) => x !== '');
    if (code.profile.name !== '') {
      linked['name'] = code.profile.name;
      linked['given_name'] = given;
      if (rest.length > 0) linked['family_name'] = rest.join(' ');
    }
    linked['groups'] = [...code.profile.groups];
  }
  const user = store.userByEmail(project.projectId, code.email);
  if (user) {
    Object.assign(user.metadata, cleanMetadata(linked));
    user.emailVerified = true;
    return user;
  }
  return store.createUser(project.projectId, {
    email: code.email,
    emailVerified: true,
    password: null,
    metadata: cleanMetadata(linked),
    now: c.now,
  });
}

/** The single-use IdP code of a callback and its request; fails when either is gone. */
function takeCode(c: OpContext): { code: SsoCode; request: SsoRequest; project: EmulatorProject } {
  const { store } = c.state;
  const id = c.query['code'] as string;
  const code = store.ssoCodes.get(id);
  if (!code || code.expiresAt <= c.now)
    fail('invalid_request', 'The authorization code is invalid, expired or already used.', {
      field: 'code',
    });
  const state = c.query['state'] as string | undefined;
  if (state !== undefined && state !== code.requestId)
    fail('invalid_request', 'The state does not match the authorization code.', { field: 'state' });
  store.ssoCodes.delete(id);
  const request = store.ssoRequests.get(code.requestId);
  const project = request ? store.projects.get(request.projectId) : undefined;
  if (!request || !project)
    fail('invalid_request', 'The sign-in request has expired; start again.', { field: 'code' });
  store.ssoRequests.delete(request.id);
  return { code, request, project };
}

/**
 * GET /auth/sso/callback — exchanges the single-use code, links or creates the user, then
 * redirects with tokens, or shows the MFA step when the user has MFA.
 */
export const ssoCallback: Handler = async (c) => {
  const { code, request, project } = takeCode(c);
  const ctx: OpContext = { ...c, project };
  const user = linkedUser(ctx, project, request, code);
  const back = { target: request.redirectUrl, state: request.state };
  if (user.disabled)
    return redirect(
      withParams(request.redirectUrl, {
        error: 'account_disabled',
        error_description: 'This account has been disabled.',
        state: request.state,
      }),
    );
  return tokensOrMfaStep(ctx, project, user, back);
};

/** Where a browser flow ends: the application's redirect URL and its `state`. */
interface Destination {
  readonly target: string;
  readonly state: string | null;
}

/** Redirects to the application with the tokens, or shows the MFA step. */
async function tokensOrMfaStep(
  c: OpContext,
  project: EmulatorProject,
  user: UserRecord,
  to: Destination,
): Promise<Response> {
  const answer = await signInOrChallenge(c, user);
  if (answer['mfa_required'] === true) return mfaStep(c, project, to, answer);
  return redirectWithTokens(to, answer);
}

/** The hosted MFA page for a challenge. */
function mfaStep(
  c: OpContext,
  project: EmulatorProject,
  to: Destination,
  challenge: Record<string, unknown>,
  error?: string,
): Response {
  const page = hostedMfaPage({
    action: `${c.origin}/v1/auth/authorize`,
    loginId: project.loginId,
    redirectUrl: to.target,
    state: to.state,
    mfaToken: challenge['mfa_token'] as string,
    methods: (challenge['available_methods'] as string[] | undefined) ?? [],
    ...(error !== undefined ? { error } : {}),
  });
  return html(page, error === undefined ? 200 : 400, [to.target]);
}

/** Sends the browser back to the application with the tokens and `state`. */
function redirectWithTokens(to: Destination, tokens: Record<string, unknown>): Response {
  return redirect(
    withParams(to.target, {
      token: tokens['access_token'] as string,
      refresh_token: tokens['refresh_token'] as string,
      expires_in: String(tokens['expires_in']),
      state: to.state,
    }),
  );
}

/** Links that start a social login from the hosted page, for the same redirect and state. */
function socialLinks(c: OpContext, project: EmulatorProject, to: Destination): [string, string][] {
  return SOCIAL_PROVIDERS.map((p) => [
    PROVIDER_LABELS[p]!,
    withParams(`${c.origin}/v1/auth/sso/authorize`, {
      provider: p,
      login_id: project.loginId,
      redirect_url: to.target,
      state: to.state,
    }),
  ]);
}

/** The hosted login page, with the e-mail typed and an error after a refused submission. */
function loginForm(
  c: OpContext,
  project: EmulatorProject,
  to: Destination,
  extra: { email?: string; error?: string; status?: number } = {},
): Response {
  const { status = 200, ...rest } = extra;
  const page = hostedLoginPage({
    action: `${c.origin}/v1/auth/authorize`,
    loginId: project.loginId,
    redirectUrl: to.target,
    state: to.state,
    projectName: project.settings.name,
    social: socialLinks(c, project, to),
    ...rest,
  });
  return html(page, status, [to.target]);
}

/** GET /auth/authorize — the hosted login page. */
export const hostedPage: Handler = async (c) => {
  const project = projectOf(c);
  const target = resolveRedirect(project, c.query['redirect_url']);
  return loginForm(c, project, {
    target,
    state: (c.query['state'] as string | undefined) ?? null,
  });
};

/**
 * Signs in from the hosted form: checks the MFA code on the MFA step, else the password, which
 * leads to the MFA step when the user has MFA.
 */
async function hostedSignIn(c: OpContext, to: Destination): Promise<Response> {
  const project = projectOf(c);
  const mfaToken = c.body['mfa_token'] as string | undefined;
  if (mfaToken !== undefined) {
    const code = (c.body['code'] as string | undefined) ?? '';
    return redirectWithTokens(to, await completeMfaChallenge(c, mfaToken, code));
  }
  const email = (c.body['email'] as string | undefined) ?? '';
  if (!isEmail(email.trim())) fail('invalid_email', 'Enter a valid e-mail address.');
  const password = (c.body['password'] as string | undefined) ?? '';
  const result = await passwordLogin(c, email, password, undefined);
  if (result.kind === 'mfa') return mfaStep(c, project, to, result.body);
  return redirectWithTokens(to, result.body);
}

/** POST /auth/authorize — the hosted form: password, then an MFA code when the user has MFA. */
export const hostedSubmit: Handler = async (c) => {
  const project = projectOf(c);
  const to: Destination = {
    target: resolveRedirect(project, c.body['redirect_url']),
    state: (c.body['state'] as string | undefined) ?? null,
  };
  try {
    return await hostedSignIn(c, to);
  } catch (err) {
    if (!(err instanceof EmulatorError)) throw err;
    const mfaToken = c.body['mfa_token'] as string | undefined;
    if (mfaToken !== undefined && err.code === 'invalid_mfa_code')
      return mfaStep(c, project, to, { mfa_token: mfaToken }, err.message);
    const email = (c.body['email'] as string | undefined) ?? '';
    return loginForm(c, project, to, { email, error: err.message, status: err.status });
  }
};
