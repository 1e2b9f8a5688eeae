/**
 * The HTML pages the emulator serves: the hosted login (with its MFA step), the fake identity
 * provider, the password-reset and e-mail-verification landings, and the error page of a browser
 * flow. They use the stable class names of the docs' login customisation guide (`pk-…`).
 */
import { escapeHtml } from './http.js';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
:root{--pk-color-primary:#2f5bd3;--pk-radius:8px}
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;padding:2rem;border-radius:var(--pk-radius);box-shadow:0 1px 4px #0002;width:21rem}
h1{font-size:1.2rem;margin-top:0}label{display:block;margin:.8rem 0 .3rem}
.pk-input{width:100%;box-sizing:border-box;padding:.5rem}
.pk-btn-primary{margin-top:1rem;width:100%;padding:.6rem;background:var(--pk-color-primary);color:#fff;border:0;border-radius:4px}
.pk-social-btn{display:block;margin:.4rem 0;padding:.5rem;border:1px solid #ccd;border-radius:4px;text-align:center;color:inherit;text-decoration:none}
button:focus,a:focus,input:focus{outline:3px solid #f5a623;outline-offset:2px}
.error{color:#b00020}.note{color:#666;font-size:.85rem}hr{border:0;border-top:1px solid #e3e5e8;margin:1.2rem 0}
</style>
</head>
<body><main class="pk-login-container">${body}</main></body>
</html>`;
}

function hidden(fields: Record<string, string | null | undefined>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v!)}">`)
    .join('');
}

function errorLine(error: string | undefined): string {
  return error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '';
}

function input(name: string, label: string, attrs: string, value = ''): string {
  return `<label for="${name}">${escapeHtml(label)}</label>
<input class="pk-input" id="${name}" name="${name}" ${attrs} value="${escapeHtml(value)}">`;
}

function submit(label: string): string {
  return `<button class="pk-btn-primary" type="submit">${escapeHtml(label)}</button>`;
}

/** An identity the fake identity provider offers to pick (one the project has seen). */
export interface KnownIdentity {
  readonly email: string;
  readonly name: string;
}

/** The fake identity provider's sign-in form: pick a known identity or enter one. */
export function idpPage(opts: {
  action: string;
  request: string;
  providerLabel: string;
  /** SSO connections also ask for a name and groups (the claims an enterprise IdP sends). */
  enterprise: boolean;
  known: readonly KnownIdentity[];
  email?: string;
  error?: string;
}): string {
  const picks = opts.known
    .map(
      (k) =>
        `<button class="pk-social-btn" type="submit" name="email" value="${escapeHtml(k.email)}">${escapeHtml(k.name || k.email)}<br><span class="note">${escapeHtml(k.email)}</span></button>`,
    )
    .join('');
  const pickForm = picks
    ? `<form method="post" action="${escapeHtml(opts.action)}">${hidden({ request: opts.request })}<p>Continue as</p>${picks}</form><hr>`
    : '';
  const extra = opts.enterprise
    ? `${input('name', 'Full name', 'autocomplete="name"')}
${input('groups', 'Groups (comma-separated)', 'placeholder="engineering, admins"')}`
    : '';
  return page(
    `Sign in with ${opts.providerLabel}`,
    `<h1>Sign in with ${escapeHtml(opts.providerLabel)}</h1>
<p class="note">Protekt emulator: a fake identity provider. Any address is accepted.</p>
${errorLine(opts.error)}${pickForm}
<form method="post" action="${escapeHtml(opts.action)}">
${hidden({ request: opts.request })}
${input('email', 'E-mail', 'type="email" required autocomplete="email"', opts.email ?? '')}
${extra}
${submit('Sign in')}
</form>`,
  );
}

/** The hosted "Universal Login" form (e-mail and password, or a social provider). */
export function hostedLoginPage(opts: {
  action: string;
  loginId: string;
  redirectUrl: string;
  state: string | null;
  projectName: string;
  /** Links that start a social login (provider label → URL). */
  social: readonly [string, string][];
  email?: string;
  error?: string;
}): string {
  const social = opts.social
    .map(
      ([label, href]) =>
        `<a class="pk-social-btn" href="${escapeHtml(href)}">Continue with ${escapeHtml(label)}</a>`,
    )
    .join('');
  return page(
    `Sign in to ${opts.projectName}`,
    `<h1 class="pk-logo">Sign in to ${escapeHtml(opts.projectName)}</h1>
${errorLine(opts.error)}
<form method="post" action="${escapeHtml(opts.action)}">
${hidden({ login_id: opts.loginId, redirect_url: opts.redirectUrl, state: opts.state })}
${input('email', 'E-mail', 'type="email" required autocomplete="username"', opts.email ?? '')}
${input('password', 'Password', 'type="password" required autocomplete="current-password"')}
${submit('Sign in')}
</form>${social ? `<hr>${social}` : ''}`,
  );
}

/** The hosted login's second step: an MFA code. */
export function hostedMfaPage(opts: {
  action: string;
  loginId: string;
  redirectUrl: string;
  state: string | null;
  mfaToken: string;
  methods: string[];
  error?: string;
}): string {
  const where = opts.methods.includes('totp') ? 'your authenticator app' : 'the text message';
  return page(
    'Two-step verification',
    `<h1>Two-step verification</h1>
<p>Enter the code from ${where}, or a backup code.</p>
${errorLine(opts.error)}
<form method="post" action="${escapeHtml(opts.action)}">
${hidden({ login_id: opts.loginId, redirect_url: opts.redirectUrl, state: opts.state, mfa_token: opts.mfaToken })}
${input('code', 'Code', 'inputmode="numeric" autocomplete="one-time-code" required')}
${submit('Verify')}
</form>`,
  );
}

/** The landing of a password-reset link: a new password. */
export function resetPasswordPage(opts: { action: string; token: string; error?: string }): string {
  return page(
    'Choose a new password',
    `<h1>Choose a new password</h1>
${errorLine(opts.error)}
<form method="post" action="${escapeHtml(opts.action)}">
${hidden({ token: opts.token })}
${input('new_password', 'New password (8 characters or more)', 'type="password" required minlength="8" autocomplete="new-password"')}
${submit('Set password')}
</form>`,
  );
}

/** The landing of an e-mail verification link: one button (a link preview must not verify). */
export function verifyEmailPage(opts: { action: string; token: string }): string {
  return page(
    'Confirm your e-mail address',
    `<h1>Confirm your e-mail address</h1>
<form method="post" action="${escapeHtml(opts.action)}">
${hidden({ token: opts.token })}
${submit('Confirm')}
</form>`,
  );
}

/** A page that says a browser flow is done, with an optional link onwards. */
export function donePage(title: string, text: string, next?: [string, string]): string {
  const link = next ? `<p><a href="${escapeHtml(next[1])}">${escapeHtml(next[0])}</a></p>` : '';
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1><p role="status">${escapeHtml(text)}</p>${link}`,
  );
}

/** The error page of a browser flow (a bad redirect URL, an unknown project, an expired link). */
export function errorPage(code: string, message: string): string {
  return page(
    'Sign-in problem',
    `<h1>Sign-in problem</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p class="note">Error code: <code>${escapeHtml(code)}</code>. Start again from the application.</p>`,
  );
}
