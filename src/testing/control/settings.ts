/**
 * Project settings over the control plane: their JSON form (snake_case, as on the wire) and the
 * checked update. Writes go to the project's live settings, the same object the Auth API reads on
 * every request, so a change takes effect on the next request whoever made it.
 */
import { isHttpUrl } from '../../contract/schema.js';
import { fail } from '../http.js';
import type { EmulatorProject, SsoConnection } from '../store.js';

/** A project as the control plane shows it. */
export function projectJson(project: EmulatorProject): Record<string, unknown> {
  const s = project.settings;
  return {
    project_id: project.projectId,
    login_id: project.loginId,
    // The emulator's own test key, shown only on loopback (see serve.ts): curl needs it.
    api_key: project.apiKey,
    name: s.name,
    redirect_url: s.redirectUrl,
    allowed_origins: [...s.allowedOrigins],
    mfa_required: s.mfaRequired,
    require_email_verification: s.requireEmailVerification,
    token_expiry: s.tokenExpiry,
    refresh_token_expiry: s.refreshTokenExpiry,
    sso_connections: s.ssoConnections.map((c) => ({
      name: c.name,
      domains: [...c.domains],
      provider: c.provider ?? 'sso',
    })),
  };
}

function bool(value: unknown, field: string): boolean {
  if (value === true || value === 'true' || value === 'on') return true;
  if (value === false || value === 'false') return false;
  fail('invalid_request', `${field} must be true or false.`, { field });
}

function seconds(value: unknown, field: string, min: number, max: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    fail('invalid_request', `${field} must be a whole number of seconds from ${min} to ${max}.`, {
      field,
    });
  return n;
}

/** A list from JSON (an array of strings) or a form (one entry per line or comma). */
function list(value: unknown, field: string): string[] {
  const items = typeof value === 'string' ? value.split(/[\n,]/) : value;
  if (!Array.isArray(items) || items.some((x) => typeof x !== 'string'))
    fail('invalid_request', `${field} must be a list of strings.`, { field });
  return (items as string[]).map((x) => x.trim()).filter((x) => x !== '');
}

function origins(value: unknown): string[] {
  const out = list(value, 'allowed_origins');
  for (const o of out) {
    if (!isHttpUrl(o.replace('://*.', '://')))
      fail('invalid_request', 'allowed_origins must be http(s) origins.', {
        field: 'allowed_origins',
      });
  }
  return out;
}

/**
 * SSO connections from JSON (`[{ name, domains, provider? }]`) or a form (one per line:
 * `name: acme.com, acme.org`).
 */
function connections(value: unknown): SsoConnection[] {
  const raw =
    typeof value === 'string'
      ? value
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => {
            const [name, domains = ''] = line.split(':');
            return { name: (name ?? '').trim(), domains: domains.split(',') };
          })
      : value;
  if (!Array.isArray(raw)) fail('invalid_request', 'sso_connections must be a list.');
  return raw.map((c: unknown) => {
    const conn = c as Record<string, unknown> | null;
    if (!conn || typeof conn['name'] !== 'string' || conn['name'] === '')
      fail('invalid_request', 'Each SSO connection needs a name.', { field: 'sso_connections' });
    const provider = conn['provider'];
    return {
      name: conn['name'],
      domains: list(conn['domains'] ?? [], 'sso_connections').map((d) => d.toLowerCase()),
      ...(typeof provider === 'string' && provider !== '' ? { provider } : {}),
    };
  });
}

/**
 * Applies the settings present in `input` (snake_case) to a project, all or none: every field is
 * checked before the first is written.
 */
export function updateProjectSettings(
  project: EmulatorProject,
  input: Record<string, unknown>,
): void {
  const s = project.settings;
  const next: Partial<typeof s> = {};
  const has = (k: string): boolean => input[k] !== undefined;
  if (has('name')) {
    const name = input['name'];
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200)
      fail('invalid_request', 'name must be a non-empty string.', { field: 'name' });
    next.name = name.trim();
  }
  if (has('redirect_url')) {
    const url = input['redirect_url'];
    if (typeof url !== 'string' || !isHttpUrl(url))
      fail('invalid_redirect_url', 'redirect_url must be an absolute http(s) URL.', {
        field: 'redirect_url',
      });
    next.redirectUrl = url;
  }
  if (has('allowed_origins')) next.allowedOrigins = origins(input['allowed_origins']);
  if (has('mfa_required')) next.mfaRequired = bool(input['mfa_required'], 'mfa_required');
  if (has('require_email_verification'))
    next.requireEmailVerification = bool(
      input['require_email_verification'],
      'require_email_verification',
    );
  if (has('token_expiry'))
    next.tokenExpiry = seconds(input['token_expiry'], 'token_expiry', 60, 86_400);
  if (has('refresh_token_expiry'))
    next.refreshTokenExpiry = seconds(
      input['refresh_token_expiry'],
      'refresh_token_expiry',
      60,
      31_536_000,
    );
  if (has('sso_connections')) next.ssoConnections = connections(input['sso_connections']);
  Object.assign(s, next);
}
