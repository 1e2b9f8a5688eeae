#!/usr/bin/env node
// Packed-tarball smoke test: what a user installs is what we test. `npm pack` the built package,
// install the tarball into a fresh project outside the repo (dependencies from the local npm
// cache first), then use it as users do:
// - plain .mjs and .cjs files on Node 18 (provisioned, see runtimes/node/provision.mjs) and Node 20
//   - the same .mjs from Deno and from Bun
//   - a Worker under `wrangler dev`, fetched over 127.0.0.1
//   - wrangler's, Deno's and Bun's bundlers: each must pick the web `#crypto` shim
// Each target runs test/packaging/fixtures/flow.js (emulator + client + sign-up + verifyToken).
// Prints one line per target and `N passed, N failed`; exit code 1 on any failure.
// Needs dist/ (scripts/test.mjs builds first). Usage: node test/packaging/smoke.mjs [target...]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { provisionNode } from '../../runtimes/node/provision.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test', 'packaging', 'fixtures');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const keep = process.env.PROTEKT_SMOKE_KEEP === '1';

const env = {
  ...process.env,
  NO_COLOR: '1',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  DENO_NO_UPDATE_CHECK: '1',
  CI: process.env.CI ?? '1',
};
delete env.NODE_OPTIONS;

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
    ...opts,
  });
}

/** Runs a target command; ok when it exits 0 and prints `"ok":true`. */
function runApp(cmd, args, cwd) {
  try {
    const out = sh(cmd, args, { cwd, timeout: 120_000 });
    if (!out.includes('"ok":true')) throw new Error(`unexpected output: ${out.trim()}`);
    return out.trim().split('\n').pop();
  } catch (err) {
    const detail = [err.stdout, err.stderr].filter(Boolean).join('\n').trim();
    throw new Error(detail || err.message);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Serves the Worker with `wrangler dev` (its own binary, not npx), fetches it, stops it with
 * SIGTERM to its pid.
 */
async function runWorker(cwd) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const logFile = join(cwd, 'wrangler-dev.log');
  const out = [];
  const child = spawn(
    bin('wrangler'),
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--show-interactive-dev-session=false',
      '--log-level',
      'info',
    ],
    {
      cwd,
      env: { ...env, WRANGLER_LOG_PATH: join(cwd, 'wrangler-logs') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (d) => out.push(String(d)));
  child.stderr.on('data', (d) => out.push(String(d)));
  let exited = false;
  const exitP = new Promise((r) =>
    child.on('exit', () => {
      exited = true;
      r();
    }),
  );
  try {
    const deadline = Date.now() + 90_000;
    let last = '';
    while (Date.now() < deadline) {
      if (exited) throw new Error(`wrangler dev exited early:\n${out.join('')}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`, {
          signal: AbortSignal.timeout(30_000),
        });
        const body = await res.text();
        if (res.status === 200 && body.includes('"ok":true')) return body.trim();
        last = `HTTP ${res.status}: ${body}`;
        if (res.status === 500 && body.includes('"ok":false')) throw new Error(last);
      } catch (err) {
        if (String(err.message).startsWith('HTTP 500')) throw err;
        last = err.message;
      }
      await sleep(500);
    }
    throw new Error(`no answer from wrangler dev on 127.0.0.1:${port}: ${last}\n${out.join('')}`);
  } finally {
    writeFileSync(logFile, out.join(''));
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 10_000);
      await exitP;
      clearTimeout(t);
    }
  }
}

/** The bundle holds the package's web WebCrypto shim and nothing of Node's. */
function webShimOnly(file) {
  const code = readFileSync(file, 'utf8');
  if (!code.includes('function getCrypto')) throw new Error(`${file}: no getCrypto in the bundle`);
  const bad = ['node:crypto', 'webcrypto'].filter((s) => code.includes(s));
  if (bad.length) throw new Error(`${file}: Node's shim was picked (${bad.join(', ')} found)`);
  return `web shim (${(code.length / 1024).toFixed(0)} kB bundle)`;
}

// ---- set up the consumer project ----------------------------------------------------------------

const only = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'protekt-smoke-'));
const results = [];
async function target(name, fn) {
  if (only.length && !only.includes(name)) return;
  const started = Date.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s) ${detail ?? ''}`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(
      `  ✗ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n${String(err?.message ?? err).replace(/^/gm, '      ')}`,
    );
  }
}

try {
  const packed = JSON.parse(
    sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root }),
  );
  const tgz = join(dir, packed[0].filename);
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'protekt-smoke-app', private: true, version: '0.0.0' }, null, 2),
  );
  // Dependencies (hono, uqr) come from the npm cache that `npm ci` filled; the registry only if
  // missing.
  sh(
    'npm',
    [
      'install',
      tgz,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--loglevel=error',
    ],
    { cwd: app },
  );
  const flow = readFileSync(join(fixtures, 'flow.js'), 'utf8');
  for (const f of ['app.mjs', 'app.cjs', 'worker.mjs']) {
    writeFileSync(join(app, f), readFileSync(join(fixtures, f), 'utf8').replace('/*FLOW*/', flow));
  }
  writeFileSync(join(app, 'wrangler.toml'), readFileSync(join(fixtures, 'wrangler.toml'), 'utf8'));
  console.log(
    `  packed ${packed[0].filename} (${(packed[0].size / 1024).toFixed(1)} kB, ${packed[0].entryCount} files), installed in ${app}`,
  );

  const node18 = provisionNode(18);
  await target('node18-esm', () => runApp(node18, ['app.mjs', 'node18-esm'], app));
  await target('node18-cjs', () => runApp(node18, ['app.cjs', 'node18-cjs'], app));
  await target('node20-esm', () => runApp(process.execPath, ['app.mjs', 'node20-esm'], app));
  await target('node20-cjs', () => runApp(process.execPath, ['app.cjs', 'node20-cjs'], app));
  await target('deno', () =>
    runApp(
      bin('deno'),
      ['run', '--allow-env', '--allow-read', '--allow-net=127.0.0.1', 'app.mjs', 'deno'],
      app,
    ),
  );
  await target('bun', () => runApp(bin('bun'), ['app.mjs', 'bun'], app));
  await target('wrangler-dev', () => runWorker(app));
  // Which `#crypto` each bundler/runtime resolver picks, read from its own bundle of the app:
  // the web shim (no `node:crypto`, no `webcrypto`), never Node's.
  await target('resolve-workerd', () => {
    sh(bin('wrangler'), ['deploy', '--dry-run', '--outdir', join(dir, 'bundle-workerd')], {
      cwd: app,
    });
    return webShimOnly(join(dir, 'bundle-workerd', 'worker.js'));
  });
  await target('resolve-deno', () => {
    sh(bin('deno'), ['bundle', '--platform=deno', '-o', join(dir, 'bundle-deno.js'), 'app.mjs'], {
      cwd: app,
    });
    return webShimOnly(join(dir, 'bundle-deno.js'));
  });
  await target('resolve-bun', () => {
    sh(bin('bun'), ['build', 'app.mjs', '--target=bun', '--outdir', join(dir, 'bundle-bun')], {
      cwd: app,
    });
    return webShimOnly(join(dir, 'bundle-bun', 'app.js'));
  });
} catch (err) {
  results.push({ name: 'setup', ok: false });
  console.log(
    `  ✗ setup: ${err?.stack ?? err}\n${[err.stdout, err.stderr].filter(Boolean).join('\n')}`,
  );
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
