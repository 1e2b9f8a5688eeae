/** The few HTML pages the emulator serves: the fake identity provider and the hosted login. */
import { escapeHtml } from './http.js';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:20rem}
h1{font-size:1.2rem;margin-top:0}label{display:block;margin:.8rem 0 .3rem}
input{width:100%;box-sizing:border-box;padding:.5rem}button{margin-top:1rem;width:100%;padding:.6rem}
.error{color:#b00020}.note{color:#666;font-size:.8rem}
</style>
</head>
<body><main>${body}</main></body>
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

/** The fake identity provider's sign-in form. */
export function idpPage(opts: {
  action: string;
  request: string;
  providerLabel: string;
  email?: string;
  error?: string;
}): string {
  return page(
    `Sign in with ${opts.providerLabel}`,
    `<h1>Sign in with ${escapeHtml(opts.providerLabel)}</h1>
<p class="note">Protekt emulator: a fake identity provider. Any address is accepted.</p>
${errorLine(opts.error)}
<form method="post" action="${escapeHtml(opts.action)}">
${hidden({ request: opts.request })}
<label for="email">E-mail</label>
<input id="email" name="email" type="email" required value="${escapeHtml(opts.email ?? '')}">
<button type="submit">Sign in</button>
</form>`,
  );
}

/** The hosted "Universal Login" form (e-mail and password). */
export function hostedLoginPage(opts: {
  action: string;
  loginId: string;
  redirectUrl: string;
  state: string | null;
  projectName: string;
  email?: string;
  error?: string;
}): string {
  return page(
    `Sign in to ${opts.projectName}`,
    `<h1>Sign in to ${escapeHtml(opts.projectName)}</h1>
${errorLine(opts.error)}
<form method="post" action="${escapeHtml(opts.action)}">
${hidden({ login_id: opts.loginId, redirect_url: opts.redirectUrl, state: opts.state })}
<label for="email">E-mail</label>
<input id="email" name="email" type="email" required autocomplete="username" value="${escapeHtml(opts.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" required autocomplete="current-password">
<button type="submit">Sign in</button>
</form>`,
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
  return page(
    'Two-step verification',
    `<h1>Two-step verification</h1>
<p>Enter the code from your ${opts.methods.includes('totp') ? 'authenticator app' : 'text message'}, or a backup code.</p>
${errorLine(opts.error)}
<form method="post" action="${escapeHtml(opts.action)}">
${hidden({ login_id: opts.loginId, redirect_url: opts.redirectUrl, state: opts.state, mfa_token: opts.mfaToken })}
<label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Verify</button>
</form>`,
  );
}
