/** The dashboard's views at `/_emulator`: what a browser gets for the control plane's GETs. */
import { mfaMethods } from '../sessions.js';
import type { EmulatorProject, UserRecord } from '../store.js';
import { clockJson, filteredOutbox, requestJson } from './api.js';
import {
  type ControlContext,
  type ControlRequest,
  CONTROL_PREFIX,
  projectNamed,
} from './context.js';
import { actionForm, dashboardPage, h, hiddenField, table, time } from './layout.js';
import { projectJson } from './settings.js';
import { findUser, searchUsers, userSessions } from './users.js';

/** Home: every project and how to reach it. */
export function homeView(ctx: ControlContext, c: ControlRequest): string {
  const rows = ctx
    .projects()
    .map((p) => [
      `<a href="${CONTROL_PREFIX}/projects/${h(p.projectId)}">${h(p.settings.name)}</a>`,
      `<code>${h(p.projectId)}</code>`,
      `<code>${h(p.loginId)}</code>`,
      `<code>${h(p.apiKey)}</code>`,
      h(p.settings.redirectUrl),
      p.settings.mfaRequired ? 'required' : 'optional',
      `<a href="${CONTROL_PREFIX}/users?project_id=${h(p.projectId)}">users</a>`,
    ]);
  const base = `${c.url.origin}/v1`;
  return dashboardPage(
    'Projects',
    `<p>Base URL <code>${h(base)}</code> · JWKS <code>${h(base)}/.well-known/jwks.json</code></p>
${table('Projects', ['Name', 'Project id', 'Login id', 'API key', 'Redirect URL', 'MFA', ''], rows)}
<p>${actionForm('/reset', CONTROL_PREFIX, 'Reset: forget users, sessions, messages and faults')}</p>`,
  );
}

function settingsFields(p: EmulatorProject): string {
  const s = projectJson(p);
  const check = (name: string, label: string, on: boolean) =>
    `<p><label><input type="checkbox" name="${name}" value="true"${on ? ' checked' : ''}> ${h(label)}</label>${hiddenField(name, 'false')}</p>`;
  const text = (name: string, label: string, value: string, type = 'text') =>
    `<p><label for="${name}">${h(label)}</label><br><input id="${name}" name="${name}" type="${type}" value="${h(value)}" size="60"></p>`;
  const conns = p.settings.ssoConnections.map((x) => `${x.name}: ${x.domains.join(', ')}`);
  return `${text('name', 'Name', String(s['name']))}
${text('redirect_url', 'Redirect URL', p.settings.redirectUrl, 'url')}
<p><label for="allowed_origins">Allowed origins (one per line)</label><textarea id="allowed_origins" name="allowed_origins">${h(p.settings.allowedOrigins.join('\n'))}</textarea></p>
${check('mfa_required', 'MFA required', p.settings.mfaRequired)}
${check('require_email_verification', 'Verified e-mail required for password login', p.settings.requireEmailVerification)}
${text('token_expiry', 'Access token lifetime (seconds)', String(p.settings.tokenExpiry), 'number')}
${text('refresh_token_expiry', 'Refresh token lifetime (seconds)', String(p.settings.refreshTokenExpiry), 'number')}
<p><label for="sso_connections">SSO connections (one per line: <code>name: domain, domain</code>)</label><textarea id="sso_connections" name="sso_connections">${h(conns.join('\n'))}</textarea></p>`;
}

/** One project's settings, as a form. */
export function projectView(ctx: ControlContext, id: string): string {
  const p = projectNamed(ctx, id);
  const back = `${CONTROL_PREFIX}/projects/${p.projectId}`;
  return dashboardPage(
    `Project ${p.settings.name}`,
    `<p>Project id <code>${h(p.projectId)}</code> · login id <code>${h(p.loginId)}</code> · API key <code>${h(p.apiKey)}</code></p>
${actionForm(`/projects/${p.projectId}`, back, 'Save settings', settingsFields(p), 'settings')}`,
  );
}

function userRow(u: UserRecord): string[] {
  return [
    `<a href="${CONTROL_PREFIX}/users/${h(u.id)}">${h(u.email ?? u.id)}</a>`,
    `<code>${h(u.id)}</code>`,
    u.emailVerified ? 'yes' : 'no',
    mfaMethods(u).join(', ') || '—',
    u.disabled ? '<span class="pk-flag">disabled</span>' : 'active',
    time(u.createdAt),
  ];
}

/** Users of a project, searchable. */
export function usersView(ctx: ControlContext, c: ControlRequest): string {
  const project = projectNamed(ctx, c.url.searchParams.get('project_id'));
  const q = c.url.searchParams.get('q') ?? '';
  const options = ctx
    .projects()
    .map(
      (p) =>
        `<option value="${h(p.projectId)}"${p === project ? ' selected' : ''}>${h(p.settings.name)} (${h(p.projectId)})</option>`,
    )
    .join('');
  const rows = searchUsers(ctx, c.url.searchParams).map(userRow);
  return dashboardPage(
    'Users',
    `<form method="get" action="${CONTROL_PREFIX}/users" role="search">
<label for="project_id">Project</label><select id="project_id" name="project_id">${options}</select>
<label for="q">Search</label><input id="q" name="q" type="search" value="${h(q)}">
<button type="submit">Search</button></form>
${table('Users', ['E-mail', 'Id', 'Verified', 'MFA', 'State', 'Created'], rows)}`,
  );
}

function sessionRows(ctx: ControlContext, u: UserRecord, back: string): string[][] {
  return userSessions(ctx, u).map((s) => [
    `<code>${h(String(s['id']))}</code>`,
    h(String(s['ip_address'])),
    h(String(s['user_agent']).slice(0, 80)),
    h(String(s['created_at'])),
    s['active']
      ? actionForm(`/sessions/${String(s['id'])}/revoke`, back, 'Revoke')
      : `ended ${h(String(s['ended_at']))}`,
  ]);
}

/** One user: details, actions, metadata and sessions. */
export function userView(ctx: ControlContext, id: string): string {
  const u = findUser(ctx, id);
  const back = `${CONTROL_PREFIX}/users/${u.id}`;
  const toggle = u.disabled
    ? actionForm(`/users/${u.id}/enable`, back, 'Enable user')
    : actionForm(`/users/${u.id}/disable`, back, 'Disable user');
  const del = actionForm(`/users/${u.id}/delete`, `${CONTROL_PREFIX}/users`, 'Delete user');
  const meta = `<p><label for="metadata">Metadata (JSON; replaces the current metadata)</label><textarea id="metadata" name="metadata">${h(JSON.stringify(u.metadata, null, 2))}</textarea></p>`;
  return dashboardPage(
    u.email ?? u.id,
    `<p>Id <code>${h(u.id)}</code> · project <code>${h(u.projectId)}</code> · ${u.disabled ? '<span class="pk-flag">disabled</span>' : 'active'} · e-mail ${u.emailVerified ? 'verified' : 'not verified'} · MFA ${h(mfaMethods(u).join(', ') || 'none')}${u.phone ? ` · phone <code>${h(u.phone)}</code>` : ''}</p>
<p>${toggle} ${del}</p>
${actionForm(`/users/${u.id}/metadata`, back, 'Save metadata', meta, 'metadata')}
<h2>Sessions</h2>
${table('Sessions', ['Id', 'IP', 'User agent', 'Created', ''], sessionRows(ctx, u, back))}`,
  );
}

/** The outbox: every message with its link (clickable) and code. */
export function outboxView(ctx: ControlContext, c: ControlRequest): string {
  const q = c.url.searchParams;
  const rows = filteredOutbox(ctx, q)
    .reverse()
    .map((m) => [
      time(m.at),
      h(m.to),
      h(m.kind),
      m.code !== undefined ? `<span class="pk-code">${h(m.code)}</span>` : '',
      m.link !== undefined ? `<a href="${h(m.link)}">${h(linkLabel(m.kind))}</a>` : '',
    ]);
  return dashboardPage(
    'Outbox',
    `<form method="get" action="${CONTROL_PREFIX}/outbox" role="search">
<label for="to">To</label><input id="to" name="to" value="${h(q.get('to') ?? '')}">
<label for="kind">Kind</label><input id="kind" name="kind" value="${h(q.get('kind') ?? '')}">
<button type="submit">Filter</button></form>
${table('Messages', ['Sent', 'To', 'Kind', 'Code', 'Link'], rows)}
<p>${actionForm('/outbox/clear', `${CONTROL_PREFIX}/outbox`, 'Clear the outbox')}</p>`,
  );
}

function linkLabel(kind: string): string {
  if (kind === 'magic_link') return 'Open the magic link';
  if (kind === 'password_reset') return 'Open the password reset link';
  if (kind === 'email_verification') return 'Open the verification link';
  return 'Open the link';
}

/** The request log, newest first, without secrets (no header values, no query values). */
export function requestsView(ctx: ControlContext): string {
  const rows = ctx.faults.requests
    .slice(-200)
    .reverse()
    .map((r) => {
      const j = requestJson(r);
      const query = (j['query'] as string[]).map((k) => `${h(k)}=…`).join('&');
      return [
        h(String(j['at'])),
        h(r.method),
        `<code>${h(r.path)}${query ? `?${query}` : ''}</code>`,
        h(String(j['user_agent'] ?? '').slice(0, 60)),
      ];
    });
  return dashboardPage(
    'Requests',
    `<p class="pk-note">The latest 200 requests. Query values, keys and tokens are never shown.</p>
${table('Requests', ['At', 'Method', 'Path', 'User agent'], rows)}`,
  );
}

/** The clock, with forms to move it. */
export function clockView(ctx: ControlContext): string {
  const now = clockJson(ctx);
  const advance = `<label for="advance">Advance by</label><input id="advance" name="advance" value="11m" size="8">`;
  return dashboardPage(
    'Clock',
    `<p>Emulator time: <strong>${h(String(now['now']))}</strong> (offset ${h(String(Math.round(Number(now['offset_ms']) / 1000)))} s from real time).</p>
<p>${actionForm('/clock', `${CONTROL_PREFIX}/clock`, 'Advance', advance)}</p>
<p>${actionForm('/clock', `${CONTROL_PREFIX}/clock`, 'Back to real time', hiddenField('reset', 'true'))}</p>`,
  );
}

/** Active faults, a form to add one, and a button to clear them. */
export function faultsView(ctx: ControlContext): string {
  const rows = ctx.faults
    .active()
    .map((f) => [
      `<code>${h(typeof f.spec.path === 'string' ? f.spec.path : f.spec.path.source)}</code>`,
      h(f.spec.method ?? 'any'),
      h(String(f.spec.status ?? (f.spec.drop ? 'drop' : 'delay'))),
      h(Number.isFinite(f.remaining) ? String(f.remaining) : 'always'),
    ]);
  const back = `${CONTROL_PREFIX}/faults`;
  const fields = `<label for="path">Path below /v1</label><input id="path" name="path" value="/auth/login">
<label for="status">Status</label><input id="status" name="status" value="503" size="4">`;
  return dashboardPage(
    'Faults',
    `${table('Faults', ['Path', 'Method', 'Answer', 'Remaining'], rows)}
<p>${actionForm('/faults', back, 'Add a fault', fields)}</p>
<p>${actionForm('/faults', back, 'Clear every fault', hiddenField('clear', 'true'))}</p>`,
  );
}
