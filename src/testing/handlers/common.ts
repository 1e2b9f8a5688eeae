/** Helpers shared by the route handlers. */
import { isHttpUrl, sanitizeJson } from '../../contract/schema.js';
import { fail } from '../http.js';
import type { RateLimitRule } from '../limits.js';
import type { OutboxKind } from '../outbox.js';
import { randomToken } from '../random.js';
import type { OpContext } from '../state.js';
import { projectOf } from '../state.js';
import type { EmulatorProject, UserRecord } from '../store.js';

/**
 * Counts a rate-limited event, adds the `X-RateLimit-*` headers, and throws `rate_limited` when
 * over.
 */
export function rateLimit(c: OpContext, name: string, key: string, rule: RateLimitRule): void {
  const r = c.state.limiter.hit(`${name}|${projectOf(c).projectId}|${key}`, rule, c.now);
  c.headers['x-ratelimit-limit'] = String(r.limit);
  c.headers['x-ratelimit-remaining'] = String(r.remaining);
  c.headers['x-ratelimit-reset'] = String(r.reset);
  if (!r.allowed) {
    c.headers['retry-after'] = String(r.retryAfter);
    fail('rate_limited', 'Too many requests; try again later.', { retry_after: r.retryAfter });
  }
}

/**
 * True when an origin matches an allowed-origin entry (`https://*.example.com` matches subdomains).
 */
function originMatches(origin: URL, entry: string): boolean {
  const wildcard = entry.includes('://*.');
  let allowed: URL;
  try {
    allowed = new URL(wildcard ? entry.replace('://*.', '://') : entry);
  } catch {
    return false;
  }
  if (allowed.protocol !== origin.protocol || allowed.port !== origin.port) return false;
  if (!wildcard) return allowed.hostname === origin.hostname;
  return origin.hostname.endsWith(`.${allowed.hostname}`);
}

/**
 * True when a redirect URL may be used by a project: its origin is the redirectUrl's or an allowed
 * one.
 */
export function redirectAllowed(project: EmulatorProject, url: string): boolean {
  if (!isHttpUrl(url)) return false;
  const target = new URL(url);
  return [project.settings.redirectUrl, ...project.settings.allowedOrigins].some((entry) =>
    originMatches(target, entry),
  );
}

/**
 * Resolves the redirect target of a browser flow: the given URL (checked) or the project default.
 */
export function resolveRedirect(project: EmulatorProject, requested: unknown): string {
  const url =
    typeof requested === 'string' && requested !== '' ? requested : project.settings.redirectUrl;
  if (!redirectAllowed(project, url)) {
    fail(
      'invalid_redirect_url',
      "The redirect URL is not under the project's redirect URL or allowed origins.",
      { field: 'redirect_url' },
    );
  }
  return url;
}

/** Appends query parameters to a URL. */
export function withParams(url: string, params: Record<string, string | undefined | null>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null) u.searchParams.set(k, v);
  return u.toString();
}

/** Issues a link token, stores it, and puts the message in the outbox. */
export function sendLink(
  c: OpContext,
  kind: Extract<OutboxKind, 'magic_link' | 'password_reset' | 'email_verification'>,
  email: string,
  user: UserRecord | null,
  base: string,
  lifetimeMs: number,
): void {
  const project = projectOf(c);
  const prefix = kind === 'magic_link' ? 'ml_' : kind === 'password_reset' ? 'pr_' : 'ev_';
  const token = randomToken(prefix, 32);
  const record = {
    projectId: project.projectId,
    email,
    userId: user?.id ?? null,
    expiresAt: c.now + lifetimeMs,
  };
  const map =
    kind === 'magic_link'
      ? c.state.store.magicLinks
      : kind === 'password_reset'
        ? c.state.store.resetTokens
        : c.state.store.verificationTokens;
  c.state.store.put(map, token, record, c.now);
  const extra = kind === 'magic_link' ? {} : { type: kind };
  const link = withParams(base, { token, ...extra });
  c.state.outbox.push({
    to: email,
    channel: 'email',
    kind,
    token,
    link,
    projectId: project.projectId,
    at: c.now,
  });
}

/** Sends the e-mail verification message for a user's current address. */
export function sendVerification(c: OpContext, user: UserRecord): void {
  if (user.email === null) return;
  // The link lands on the emulator's own confirmation page (handlers/landing.ts).
  sendLink(
    c,
    'email_verification',
    user.email,
    user,
    `${c.origin}/v1/_pages/verify-email`,
    24 * 3_600_000,
  );
}

/** Null-prototype, pollution-free copy of a metadata object. */
export function cleanMetadata(value: unknown): Record<string, unknown> {
  const clean = sanitizeJson(value);
  return (
    clean && typeof clean === 'object' && !Array.isArray(clean) ? clean : Object.create(null)
  ) as Record<string, unknown>;
}

/** Masks a phone number, keeping the country prefix and the last four digits. */
export function maskPhone(phone: string): string {
  if (phone.length <= 7) return phone.replace(/\d(?=\d{2})/g, '*');
  return phone.slice(0, 4) + '*'.repeat(phone.length - 8) + phone.slice(-4);
}
