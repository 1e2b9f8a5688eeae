/**
 * The dashboard's page frame and small HTML helpers. Plain server-rendered HTML: no script, nothing
 * fetched from elsewhere, every action a form with a real button, so it works from the keyboard
 * and without JavaScript.
 */
import { escapeHtml } from '../http.js';
import { CONTROL_PREFIX } from './context.js';

/** Escapes text for HTML (element content and quoted attributes). */
export const h = escapeHtml;

const NAV: readonly [string, string][] = [
  ['', 'Projects'],
  ['/users', 'Users'],
  ['/outbox', 'Outbox'],
  ['/requests', 'Requests'],
  ['/clock', 'Clock'],
  ['/faults', 'Faults'],
];

const STYLE = `
:root{--pk-fg:#1b1f24;--pk-muted:#5b6470;--pk-line:#d8dde3;--pk-accent:#2f5bd3;--pk-bg:#f6f7f9}
body{font:15px/1.45 system-ui,sans-serif;color:var(--pk-fg);background:var(--pk-bg);margin:0}
header{background:#fff;border-bottom:1px solid var(--pk-line);padding:.6rem 1.2rem;display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap}
header strong{font-size:1.05rem}nav a{margin-right:1rem}
main{padding:1.2rem;max-width:72rem}
a{color:var(--pk-accent)}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f5a623;outline-offset:2px}
table{border-collapse:collapse;width:100%;background:#fff;margin:.6rem 0 1.2rem}
th,td{border:1px solid var(--pk-line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5}code{font-size:.92em;word-break:break-all}
form.inline{display:inline}label{margin-right:.4rem}
input,select,textarea,button{font:inherit;padding:.3rem .5rem}textarea{width:100%;min-height:6rem;box-sizing:border-box}
.pk-note{color:var(--pk-muted)}.pk-code{font:700 1.2rem ui-monospace,monospace;letter-spacing:.1em}
.pk-flag{display:inline-block;padding:0 .4rem;border-radius:4px;background:#fde2e1;color:#8a1c16}
.pk-skip{position:absolute;left:-999px}.pk-skip:focus{left:.5rem;top:.5rem;background:#fff;padding:.3rem}
fieldset{border:1px solid var(--pk-line);background:#fff;margin:0 0 1rem}
`;

/** A dashboard page: header, navigation and `body` under an `<h1>`. */
export function dashboardPage(title: string, body: string): string {
  const links = NAV.map(
    ([path, label]) => `<a href="${CONTROL_PREFIX}${path}">${h(label)}</a>`,
  ).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)} · Protekt emulator</title>
<style>${STYLE}</style>
</head>
<body>
<a class="pk-skip" href="#main">Skip to content</a>
<header><strong>Protekt emulator</strong><nav aria-label="Dashboard">${links}</nav></header>
<main id="main">
<h1>${h(title)}</h1>
${body}
</main>
</body>
</html>`;
}

/** A form that posts to a control path and comes back to `back`. */
export function actionForm(
  path: string,
  back: string,
  label: string,
  fields = '',
  className = 'inline',
): string {
  return `<form class="${className}" method="post" action="${h(CONTROL_PREFIX + path)}">${hiddenField('back', back)}${fields}<button type="submit">${h(label)}</button></form>`;
}

/** A hidden input. */
export function hiddenField(name: string, value: string): string {
  return `<input type="hidden" name="${h(name)}" value="${h(value)}">`;
}

/** A table from a header row and rows of already-escaped cells. */
export function table(caption: string, head: readonly string[], rows: readonly string[][]): string {
  if (rows.length === 0) return `<p class="pk-note">${h(caption)}: none.</p>`;
  const th = head.map((x) => `<th scope="col">${h(x)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((x) => `<td>${x}</td>`).join('')}</tr>`).join('\n');
  return `<table><caption class="pk-skip">${h(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

/** An ISO time, shown compactly. */
export function time(ms: number): string {
  return `<time datetime="${new Date(ms).toISOString()}">${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)}</time>`;
}
