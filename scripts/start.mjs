#!/usr/bin/env node
// `npm start`: the project's main job on its embedded default. Starts the Protekt emulator
// (the `protekt-emulator` bin of dist/) and the Node example (examples/node-express) on
// 127.0.0.1, walks through sign-up, login, a guarded call, refresh, sessions, logout and a
// refused call — printing each step and its timing — then stays up for curl until Ctrl-C.
//
// Works right after `npm install`, offline: builds dist/ first (tsup) when it is missing.
// Ports: 8787 (emulator) and 3000 (app) when free, else any free port; override with
// EMULATOR_PORT and PORT (0 = any free port).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const HOST = '127.0.0.1';
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = (t) => paint('1', t);
const dim = (t) => paint('2', t);
const green = (t) => paint('32', t);
const red = (t) => paint('31', t);

/** Processes this script started, stopped by their own pid on the way out. */
const children = new Set();
let stopping = false;

function fail(message, detail) {
  console.error(`\n${red('✗')} ${message}`);
  if (detail) console.error(detail.replace(/^/gm, '    '));
  void shutdown(1);
}

// ---- 1. the build ------------------------------------------------------------------------------

function ensureBuild() {
  const needed = ['index.js', 'hono.js', 'testing.js', 'emulator-cli.js', 'runtime/crypto-node.js'];
  if (needed.every((f) => existsSync(join(root, 'dist', f)))) return;
  const tsup = join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js');
  if (!existsSync(tsup) || !existsSync(join(root, 'node_modules', 'express'))) {
    console.error(`${red('✗')} node_modules/ is incomplete: run ${bold('npm install')} first.`);
    process.exit(1);
  }
  process.stdout.write(`${dim('›')} dist/ is missing: building the package (tsup)… `);
  const t = performance.now();
  const res = spawnSync(process.execPath, [tsup], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (res.status !== 0) {
    console.log(red('failed'));
    console.error(`${res.stdout}\n${res.stderr}`);
    process.exit(1);
  }
  console.log(`${green('done')} ${dim(`(${ms(t)})`)}`);
}

// ---- 2. processes ------------------------------------------------------------------------------

/** Resolves `preferred` when it is free on 127.0.0.1, else 0 (any free port). */
function portOr0(preferred) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(0));
    srv.listen(preferred, HOST, () => srv.close(() => resolve(preferred)));
  });
}

function startChild(name, args, env) {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const record = { name, child, output: '' };
  child.stdout.on('data', (d) => (record.output += d));
  child.stderr.on('data', (d) => (record.output += d));
  children.add(record);
  child.on('exit', (code, signal) => {
    children.delete(record);
    if (!stopping) fail(`${name} stopped unexpectedly (${code ?? signal}).`, record.output.trim());
  });
  return record;
}

/** Waits until a child prints something matching `pattern`; resolves the match. */
function waitFor(record, pattern, timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = setInterval(() => {
      const m = pattern.exec(record.output);
      if (m) {
        clearInterval(tick);
        resolve(m);
      } else if (Date.now() - started > timeoutMs || record.child.exitCode !== null) {
        clearInterval(tick);
        reject(new Error(`${record.name} did not start:\n${record.output.trim()}`));
      }
    }, 25);
  });
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  const waits = [...children].map(
    ({ child }) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM'); // our own child, by its pid
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  );
  await Promise.all(waits);
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (!stopping) console.log(`\n${dim(`${signal}: stopping the app and the emulator…`)}`);
    void shutdown(0);
  });
}

// ---- 3. the walk-through ---------------------------------------------------------------------

function ms(t) {
  const d = performance.now() - t;
  return d < 1000 ? `${Math.round(d)} ms` : `${(d / 1000).toFixed(2)} s`;
}

/** `name=value` of each Set-Cookie of a response. */
function cookiesOf(res) {
  const out = {};
  for (const line of res.headers.getSetCookie?.() ?? []) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

let stepNo = 0;
async function step(title, method, url, { body, headers = {}, expect: expected }, describe) {
  stepNo += 1;
  const t = performance.now();
  const res = await fetch(url, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const took = ms(t);
  const data = text ? JSON.parse(text) : null;
  const ok = res.status === expected;
  const label = `${String(stepNo).padStart(2)}. ${title}`.padEnd(22);
  const call = `${method} ${new URL(url).pathname}`.padEnd(16);
  const detail = ok ? describe(data, res) : `expected ${expected}: ${text}`;
  console.log(
    `${ok ? green('✓') : red('✗')} ${label} ${call} → ${res.status}  ${dim(took.padStart(7))}  ${detail}`,
  );
  if (!ok) throw new Error(`step "${title}" answered ${res.status}`);
  return { data, res };
}

async function walkThrough(app) {
  const email = `ada.${Date.now().toString(36)}@example.com`;
  const password = 'correct horse battery';
  const bearer = (token) => ({ authorization: `Bearer ${token}` });

  const signup = await step(
    'sign-up',
    'POST',
    `${app}/signup`,
    { body: { email, password }, expect: 201 },
    (d, r) => `user ${d.user.id}, cookies ${Object.keys(cookiesOf(r)).join(' + ')}`,
  );
  const login = await step(
    'login',
    'POST',
    `${app}/login`,
    { body: { email, password }, expect: 200 },
    (d) => `access token (${d.expiresIn} s)`,
  );
  await step(
    'guarded call',
    'GET',
    `${app}/me`,
    { headers: bearer(login.data.accessToken), expect: 200 },
    (d) => `hello ${d.user.email}`,
  );
  await step(
    'guarded, no token',
    'GET',
    `${app}/me`,
    { expect: 401 },
    (_, r) => `WWW-Authenticate: ${r.headers.get('www-authenticate')}`,
  );
  const refreshCookie = cookiesOf(login.res).protekt_refresh;
  const refreshed = await step(
    'refresh',
    'POST',
    `${app}/refresh`,
    { headers: { cookie: `protekt_refresh=${refreshCookie}` }, expect: 200 },
    () => 'new access + refresh token (rotated)',
  );
  const token = refreshed.data.accessToken;
  await step(
    'sessions',
    'GET',
    `${app}/sessions`,
    { headers: bearer(token), expect: 200 },
    (d) => `${d.sessions.length} active session(s)`,
  );
  await step(
    'logout',
    'POST',
    `${app}/logout`,
    { headers: bearer(token), expect: 204 },
    () => 'session ended, cookies cleared',
  );
  await step(
    'refused call',
    'GET',
    `${app}/me`,
    { headers: bearer(token), expect: 401 },
    (d) =>
      `${d.error.code}: refused at once by the server that logged it out (another instance learns it within revocationCheck.maxAge, 30 s by default)`,
  );
  void signup;
  return { email, password };
}

// ---- main ----------------------------------------------------------------------------------

const t0 = performance.now();
console.log(bold('@protekt/node — emulator + Node example (examples/node-express)\n'));
ensureBuild();

const emulatorPort = process.env.EMULATOR_PORT ?? String(await portOr0(8787));
let t = performance.now();
const emulator = startChild(
  'protekt-emulator',
  [join(root, 'dist', 'emulator-cli.js'), '--host', HOST, '--port', emulatorPort, '--json'],
  {},
);
let info;
try {
  info = JSON.parse((await waitFor(emulator, /^\{.*\}$/m))[0]);
} catch (err) {
  fail('The emulator did not start.', err.message);
}
if (info) {
  console.log(
    `${green('✓')} emulator   ${info.baseUrl}  ${dim(`login id ${info.loginId}`)}  ${dim(ms(t))}`,
  );

  const appPort = process.env.PORT ?? String(await portOr0(3000));
  t = performance.now();
  const app = startChild(
    'node-express example',
    [join(root, 'examples', 'node-express', 'server.mjs')],
    {
      PROTEKT_LOGIN_ID: info.loginId,
      PROTEKT_API_KEY: info.apiKey,
      PROTEKT_BASE_URL: info.baseUrl,
      // The default revocation policy (answers trusted 30 s): the logout below is still refused
      // at once, because this server's own client ended the session.
      ...(process.env.PROTEKT_REVOCATION_MAX_AGE
        ? { PROTEKT_REVOCATION_MAX_AGE: process.env.PROTEKT_REVOCATION_MAX_AGE }
        : {}),
      HOST,
      PORT: appPort,
    },
  );
  let appUrl;
  try {
    appUrl = (await waitFor(app, /listening on (http:\/\/\S+)/))[1];
  } catch (err) {
    fail('The example app did not start.', err.message);
  }
  if (appUrl) {
    console.log(`${green('✓')} app        ${appUrl}  ${dim(ms(t))}\n`);
    try {
      const { email, password } = await walkThrough(appUrl);
      const creds = JSON.stringify({ email, password });
      console.log(
        `\n${green('✓')} walk-through done ${dim(`(${ms(t0)} in all)`)}. Still serving — try it with curl:\n`,
      );
      console.log(
        [
          `  ${dim('# log in (the user from the walk-through); keep the access token')}`,
          `  TOKEN=$(curl -s -X POST ${appUrl}/login -H 'content-type: application/json' -d '${creds}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).accessToken')`,
          `  curl -i ${appUrl}/me -H "Authorization: Bearer $TOKEN"          ${dim('# 200, the user')}`,
          `  curl -i ${appUrl}/sessions -H "Authorization: Bearer $TOKEN"    ${dim('# 200, the sessions')}`,
          `  curl -i ${appUrl}/me                                             ${dim('# 401, no token')}`,
          `  curl -i ${appUrl}/me -H "Authorization: Bearer nope"            ${dim('# 401, invalid_token')}`,
          `  curl -i -X POST ${appUrl}/logout -H "Authorization: Bearer $TOKEN"  ${dim('# 204, then /me answers 401')}`,
          `  curl -s -X POST ${appUrl}/signup -H 'content-type: application/json' -d '{"email":"you@example.com","password":"${password}"}'`,
          '',
          `  ${dim('# the emulator itself (any language can use it):')}`,
          `  curl -s ${info.baseUrl}/.well-known/jwks.json`,
          `  ${dim(`login id ${info.loginId}   API key ${info.apiKey}   base URL ${info.baseUrl}`)}`,
          '',
          `Press ${bold('Ctrl-C')} to stop.`,
        ].join('\n'),
      );
    } catch (err) {
      fail('The walk-through failed.', `${err.message}\n\napp output:\n${app.output.trim()}`);
    }
  }
}
