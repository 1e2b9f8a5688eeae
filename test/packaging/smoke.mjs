#!/usr/bin/env node
// Packed-tarball smoke test: what a user installs is what we test. `npm pack` the built package,
// install the tarball into a fresh project outside the repo (dependencies from the local npm
// cache first), then use it as users do:
// - plain .mjs and .cjs files on Node 18 (provisioned, see runtimes/node/provision.mjs) and Node 20
//   - the same .mjs from Deno and from Bun
//   - a Worker under `wrangler dev`, fetched over 127.0.0.1
//   - wrangler's, Deno's and Bun's bundlers: each must pick the web `#crypto` shim
// Each of those runs test/packaging/fixtures/flow.js (emulator + client + sign-up + verifyToken).
// The package has no dependencies; that project installs hono beside it, as a Hono user does.
// Then fresh projects of their own (installed on first use):
//   - `nohono`: the tarball alone (an Express user): only @protekt/node lands in node_modules; the
//     flow runs from .mjs and .cjs (./testing carries its own hono; hono does not resolve;
//     ./hono, ./express and ./fastify load without their framework, ./next and ./nestjs fail
//     naming theirs);
//     `protekt-emulator` starts, serves its JWKS over 127.0.0.1 and stops on SIGTERM; a
//     TypeScript file using ./testing type-checks without hono.
//   - `hono-<version>`: the tarball + one hono, the lowest of the peer range and the newest 4.x;
//     the documented Hono middleware snippet (fixtures/hono-app.ts, kept equal to the README's and
//     docs/middleware.md's) type-checks with `--strict --exactOptionalPropertyTypes` under the
//     bundler and node16 resolutions, against exactly one hono in the tree.
// Prints one line per target and `N passed, N failed`; exit code 1 on any failure.
// Needs dist/ (scripts/test.mjs builds first). Usage: node test/packaging/smoke.mjs [target...]
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { provisionNode } from '../../runtimes/node/provision.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test', 'packaging', 'fixtures');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const keep = process.env.PROTEKT_SMOKE_KEEP === '1';
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// The hono versions the documented middleware snippet is type-checked against: the lowest the
// peer range (`>=4.6 <5`) admits, and the newest hono 4 when this was written
// (`npm view hono@4 version`). Pinned, so that a run today and a run next year test the same
// thing; raise HONO_NEWEST when a newer 4.x comes out (the first install fetches it once).
const HONO_OLDEST = '4.6.0';
const HONO_NEWEST = '4.13.19';
/** The hono of the main smoke project: the repository's own (already in the npm cache). */
const HONO_DEV = rootPkg.devDependencies.hono;

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

/** `npm install` into a consumer project: the npm cache first, the registry only if missing. */
function npmInstall(cwd, specs) {
  sh(
    'npm',
    [
      'install',
      ...specs,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--loglevel=error',
    ],
    { cwd },
  );
}

/** Every installed copy of `name` under `dir/node_modules`, nested ones included. */
function installedCopies(dir, name) {
  const found = [];
  const walk = (nm) => {
    if (!existsSync(nm)) return;
    for (const entry of readdirSync(nm, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === '.bin') continue;
      const scoped = entry.name.startsWith('@');
      const pkgDirs = scoped
        ? readdirSync(join(nm, entry.name)).map((n) => join(nm, entry.name, n))
        : [join(nm, entry.name)];
      for (const d of pkgDirs) {
        if ((scoped ? `${entry.name}/${d.split('/').pop()}` : entry.name) === name) {
          const { version } = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8'));
          found.push({ dir: d, version });
        }
        walk(join(d, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return found;
}

/** Type-checks `files` in `cwd` as a strict user would, under the bundler and node16 resolutions. */
function typeCheck(cwd, files) {
  const done = [];
  for (const [resolution, module] of [
    ['bundler', 'esnext'],
    ['node16', 'node16'],
  ]) {
    try {
      sh(
        bin('tsc'),
        [
          '--strict',
          '--exactOptionalPropertyTypes',
          '--noEmit',
          '--target',
          'es2022',
          '--lib',
          'es2022,dom,dom.iterable',
          '--module',
          module,
          '--moduleResolution',
          resolution,
          ...files,
        ],
        { cwd },
      );
      done.push(resolution);
    } catch (err) {
      throw new Error(
        `tsc (${resolution}) failed:\n${[err.stdout, err.stderr].filter(Boolean).join('\n').trim()}`,
      );
    }
  }
  return `tsc --strict --exactOptionalPropertyTypes: ${done.join(' + ')}`;
}

/** The first ```ts block after the line `heading` of a Markdown file. */
function snippetAfter(rel, heading) {
  const text = readFileSync(join(root, rel), 'utf8');
  const at = text.split('\n').findIndex((line) => line.trim() === heading);
  if (at === -1) throw new Error(`${rel}: no heading "${heading}"`);
  const rest = text
    .split('\n')
    .slice(at + 1)
    .join('\n');
  const m = rest.match(/```ts\n([\s\S]*?)\n```/);
  if (!m) throw new Error(`${rel}: no ts block under "${heading}"`);
  return m[1];
}

/** fixtures/hono-app.ts is the documented snippet, character for character. */
function checkHonoSnippet() {
  const fixture = readFileSync(join(fixtures, 'hono-app.ts'), 'utf8').trimEnd();
  for (const [rel, heading] of [
    ['README.md', '## Hono middleware'],
    ['docs/middleware.md', '## `@protekt/node/hono`'],
  ]) {
    if (snippetAfter(rel, heading).trimEnd() !== fixture)
      throw new Error(
        `${rel}: the Hono snippet under "${heading}" differs from test/packaging/fixtures/hono-app.ts; make them equal again`,
      );
  }
}

/**
 * Starts the installed `protekt-emulator` (its .bin link, as `npx` would) on a free port, reads
 * its first line (`--json`: URLs and credentials), fetches the JWKS over 127.0.0.1, then stops it
 * with SIGTERM to its pid and expects exit code 0.
 */
async function runCli(cwd) {
  const child = spawn(
    join(cwd, 'node_modules', '.bin', 'protekt-emulator'),
    ['--port', '0', '--json'],
    { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  let running = true;
  exited.then(() => {
    running = false;
  });
  try {
    const firstLine = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no first line within 20 s')), 20_000);
      child.stdout.on('data', (d) => {
        stdout += d;
        const nl = stdout.indexOf('\n');
        if (nl !== -1) {
          clearTimeout(timer);
          resolve(stdout.slice(0, nl));
        }
      });
      exited.then(({ code }) => {
        clearTimeout(timer);
        reject(new Error(`exited early with code ${code}`));
      });
    });
    const banner = JSON.parse(firstLine);
    const jwksUrl = new URL(banner.jwksUrl);
    if (jwksUrl.hostname !== '127.0.0.1') throw new Error(`JWKS not on 127.0.0.1: ${jwksUrl}`);
    const res = await fetch(jwksUrl, { signal: AbortSignal.timeout(10_000) });
    const jwks = await res.json();
    if (res.status !== 200 || !Array.isArray(jwks.keys) || jwks.keys.length === 0)
      throw new Error(`JWKS answer ${res.status}: ${JSON.stringify(jwks)}`);
    if (!jwks.keys.every((k) => typeof k.kid === 'string' && typeof k.kty === 'string'))
      throw new Error(`JWKS keys without kid/kty: ${JSON.stringify(jwks)}`);
    if (!running) throw new Error('exited while serving');
    process.kill(child.pid, 'SIGTERM');
    const stop = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const { code, signal } = await exited;
    clearTimeout(stop);
    if (code !== 0) throw new Error(`after SIGTERM: exit code ${code}, signal ${signal}`);
    return `${jwks.keys.length} key(s) from ${jwksUrl.host}, SIGTERM → exit 0`;
  } catch (err) {
    throw new Error(`${err.message}\nstdout: ${stdout.trim()}\nstderr: ${stderr.trim()}`);
  } finally {
    if (running) {
      child.kill('SIGKILL');
      await exited;
    }
  }
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
  // The package has no dependencies. This project is a Hono user (the flow also loads ./hono), so
  // it installs the repository's hono beside it, from the npm cache that `npm ci` filled.
  npmInstall(app, [tgz, `hono@${HONO_DEV}`]);
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

  // ---- fresh projects of their own, installed on first use ----
  const projects = new Map();
  /** The project `name` with the tarball and `specs` installed (once). */
  const projectWith = (name, specs, files) => {
    if (!projects.has(name)) {
      const cwd = join(dir, name);
      mkdirSync(cwd);
      writeFileSync(
        join(cwd, 'package.json'),
        JSON.stringify({ name: `protekt-smoke-${name}`, private: true, type: 'module' }, null, 2),
      );
      for (const [to, from] of Object.entries(files)) {
        writeFileSync(
          join(cwd, to),
          readFileSync(join(fixtures, from), 'utf8').replace('/*FLOW*/', flow),
        );
      }
      // Memoised as a settled promise: a failed install fails every target of the project.
      projects.set(
        name,
        Promise.resolve().then(() => {
          npmInstall(cwd, [tgz, ...specs]);
          return cwd;
        }),
      );
    }
    return projects.get(name);
  };

  // Without hono: an Express user's install, the emulator and the CLI need no hono.
  const noHono = () =>
    projectWith('nohono', [], {
      'app.mjs': 'nohono.mjs',
      'app.cjs': 'nohono.cjs',
      'testing-app.ts': 'testing-app.ts',
    });
  await target('nohono-install', async () => {
    const cwd = await noHono();
    const installed = readdirSync(join(cwd, 'node_modules')).filter((n) => !n.startsWith('.'));
    const scoped = readdirSync(join(cwd, 'node_modules', '@protekt'));
    if (installed.join() !== '@protekt' || scoped.join() !== 'node')
      throw new Error(
        `expected only @protekt/node, got ${installed.join(', ')} (@protekt: ${scoped})`,
      );
    return 'only @protekt/node in node_modules';
  });
  await target('nohono-esm', async () =>
    runApp(process.execPath, ['app.mjs', 'nohono-esm'], await noHono()),
  );
  await target('nohono-cjs', async () =>
    runApp(process.execPath, ['app.cjs', 'nohono-cjs'], await noHono()),
  );
  await target('nohono-cli', async () => runCli(await noHono()));
  await target('nohono-types', async () => typeCheck(await noHono(), ['testing-app.ts']));

  // With one hono (the peer range's lowest, the newest 4.x): the documented middleware snippet.
  for (const version of [HONO_OLDEST, HONO_NEWEST]) {
    await target(`hono-${version}-types`, async () => {
      checkHonoSnippet();
      const cwd = await projectWith(`hono-${version}`, [`hono@${version}`], {
        'hono-app.ts': 'hono-app.ts',
        'ambient.d.ts': 'ambient.d.ts',
      });
      const copies = installedCopies(cwd, 'hono');
      if (copies.length !== 1 || copies[0].version !== version)
        throw new Error(
          `expected exactly hono ${version}, found ${copies.map((c) => `${c.version} in ${c.dir}`).join('; ') || 'none'}`,
        );
      return `one hono ${version}; ${typeCheck(cwd, ['hono-app.ts', 'ambient.d.ts'])}`;
    });
  }
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
